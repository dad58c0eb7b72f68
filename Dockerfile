# NodeFinder image (used by docker-compose.yml): the `nodefinder` CLI, its SQL, and the geo loader.
FROM node:20-bookworm-slim AS build
# Native secp256k1/keccak ship prebuilt binaries for linux-x64; other platforms compile them.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY bench ./bench
COPY dashboards ./dashboards
# `npm ci` runs the prepare script (tsc -p tsconfig.build.json → dist/); then dev dependencies go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY sql ./sql
# Relative paths (keys, journal, embedded database) land in /data: mount a volume there.
RUN mkdir -p /data && chown node:node /data
USER node
WORKDIR /data
# discv4 (UDP) and RLPx (TCP) of the first instance (instance i uses 30303+i); Prometheus metrics.
EXPOSE 30303/udp 30303/tcp 9464/tcp
ENTRYPOINT ["node", "/app/bin/nodefinder.js"]
CMD ["--help"]
