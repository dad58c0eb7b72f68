# NodeFinder crawler image (used by docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY sql ./sql
# discv4 (UDP) and RLPx (TCP) ports of the first instance; instance i uses 30303+i.
EXPOSE 30303/udp 30303/tcp 9464/tcp
ENTRYPOINT ["node", "bin/nodefinder.js"]
CMD ["--help"]
