/**
 * docker-compose.yml, Dockerfile and .dockerignore read as data and checked against the code: the
 * services, their ports and the crawler's flags agree with `nodefinder crawl`; every credential comes
 * from the environment with no default; mounted paths exist; Grafana gets every variable its
 * provisioning files read; the image builds what package.json builds and copies what exists.
 * No Docker engine runs here (none is needed to catch these mistakes).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildProgram } from '../../src/cli/main.js';
import { parseHostPort } from '../../src/metrics/server.js';
import { RECOMMENDED_SETTINGS } from '../../src/store/server-settings.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  working_dir?: string;
  depends_on?: Record<string, { condition: string }>;
  ulimits?: { nofile?: number };
  shm_size?: string;
}
const composeText = read('docker-compose.yml');
const compose = parseYaml(composeText) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

/** Resolve ${VAR:-default} / ${VAR:?err} / ${VAR} as compose would with an empty environment (errors → a marker). */
function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string | undefined) => {
    if (env[name] !== undefined) return env[name]!;
    if (op?.endsWith('-')) return arg ?? '';
    if (op?.endsWith('?')) return `<required:${name}>`;
    return '';
  });
}

/** Every ${...} reference in the file. */
const references = [...composeText.matchAll(/\$\{([A-Z0-9_]+)((?::?[-?])[^}]*)?\}/g)].map((m) => ({ name: m[1]!, op: m[2] ?? '' }));

function crawlCommand(): Command {
  const c = buildProgram().commands.find((x) => x.name() === 'crawl');
  if (!c) throw new Error('no crawl command');
  return c;
}

/** "--flag value" pairs of a command list (flags without a value map to true). */
function flags(args: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) continue;
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out.set(a, next);
      i++;
    } else out.set(a, true);
  }
  return out;
}

/** "a-b:c-d/proto", "host:a:b" → {hostPorts, containerPorts, proto, bind}. */
function parsePort(spec: string): { bind: string | null; host: number[]; container: number[]; proto: string } {
  const [main, proto = 'tcp'] = interpolate(spec).split('/') as [string, string?];
  const parts = main.split(':');
  const range = (r: string) => {
    const [a, b = a] = r.split('-').map(Number) as [number, number?];
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  };
  const container = range(parts[parts.length - 1]!);
  const host = range(parts[parts.length - 2]!);
  return { bind: parts.length === 3 ? parts[0]! : null, host, container, proto };
}

describe('docker-compose.yml', () => {
  it('runs Postgres with the memory and WAL settings README measured for a mainnet crawl', () => {
    const command = services.postgres!.command ?? [];
    expect(command[0]).toBe('postgres');
    const settings = Object.fromEntries(
      command.slice(1).map((arg, i, all) => (all[i - 1] === '-c' ? arg.split('=') : null)).filter((kv): kv is string[] => kv !== null),
    );
    expect(settings).toEqual({ ...RECOMMENDED_SETTINGS }); // what `crawl` advises (src/store/server-settings.ts)
    const readme = read('README.md');
    for (const [name, value] of Object.entries(settings)) expect(readme, `${name}=${value} in README`).toContain(`${name}=${value}`);
    expect(services.postgres!.shm_size).toMatch(/^\d+[gm]$/);
  });

  it('has Postgres, Grafana, the crawler and the one-shot geo loader; the app services build this repo', () => {
    expect(Object.keys(services).sort()).toEqual(['crawler', 'geo', 'grafana', 'postgres']);
    expect(services.postgres!.image).toMatch(/^postgres:\d+/);
    expect(services.grafana!.image).toMatch(/^grafana\/grafana:1[1-9]\./);
    expect(services.crawler!.build).toBe('.');
    expect(services.geo!.build).toBe('.');
    for (const s of ['grafana', 'crawler', 'geo']) expect(services[s]!.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('every password comes from the environment, required, with no default; none is written in the file', () => {
    const secrets = references.filter((r) => /PASSWORD|SECRET|TOKEN/.test(r.name));
    expect(secrets.length).toBeGreaterThan(0);
    for (const r of secrets) expect(r.op, `\${${r.name}${r.op}} must be required (:?) with no default`).toMatch(/^:\?/);
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|SECRET|TOKEN/.test(key)) expect(String(value), `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]*\}$/);
      }
      // no credentials inside URLs either (the apps read PGPASSWORD)
      for (const arg of [...(s.command ?? []), ...(s.entrypoint ?? [])]) expect(interpolate(arg), `${name}: ${arg}`).not.toMatch(/postgres(ql)?:\/\/[^/@]*:[^/@]*@/);
    }
  });

  it('data lives in named volumes; every bind-mounted path exists in the repo', () => {
    const named = Object.keys(compose.volumes);
    expect(services.postgres!.volumes).toContain('pgdata:/var/lib/postgresql/data');
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const [source] = v.split(':') as [string];
        if (source.startsWith('./')) expect(existsSync(join(repo, source)), `${name}: ${source} does not exist`).toBe(true);
        else expect(named, `${name}: volume ${source}`).toContain(source);
      }
    }
    expect(services.grafana!.volumes!.some((v) => v.endsWith(':/var/lib/grafana'))).toBe(true);
    expect(services.crawler!.volumes!.some((v) => v.startsWith('crawler:/data'))).toBe(true);
  });

  it('the crawler command uses only flags `nodefinder crawl --help` has, with values it accepts', () => {
    const crawl = crawlCommand();
    const known = new Set(crawl.options.map((o) => o.long));
    const args = services.crawler!.command!.map((a) => interpolate(a));
    expect(args[0]).toBe('crawl');
    const f = flags(args.slice(1));
    for (const flag of f.keys()) expect(known, `${flag} is not a crawl option`).toContain(flag);
    const network = crawl.options.find((o) => o.long === '--network')!;
    expect(network.argChoices).toContain(f.get('--network'));
    expect(Number(f.get('--instances'))).toBeGreaterThanOrEqual(1);
    expect(parseHostPort(String(f.get('--metrics')))).toBeDefined();
    expect(crawl.helpInformation()).toContain('--metrics <host:port>');
  });

  it('crawler ports: UDP and TCP for every instance (port+i), metrics where --metrics listens; Grafana and Postgres on loopback only', () => {
    const f = flags(services.crawler!.command!.map((a) => interpolate(a)).slice(1));
    const first = Number(f.get('--port'));
    const instances = Number(f.get('--instances'));
    const wanted = Array.from({ length: instances }, (_, i) => first + i);
    const ports = services.crawler!.ports!.map(parsePort);
    for (const proto of ['udp', 'tcp']) {
      const p = ports.filter((x) => x.proto === proto && x.container.includes(first));
      expect(p, `${proto} ports`).toHaveLength(1);
      expect(p[0]!.container).toEqual(wanted);
      expect(p[0]!.host).toEqual(wanted); // discovery announces the port it listens on
    }
    const metrics = parseHostPort(String(f.get('--metrics')))!;
    expect(metrics.host).toBe('0.0.0.0'); // reachable from outside the container…
    const mp = ports.find((x) => x.container.includes(metrics.port) && x.proto === 'tcp')!;
    expect(mp.bind).toBe('127.0.0.1'); // …but published on the host's loopback only
    expect(parsePort(services.grafana!.ports![0]!)).toMatchObject({ bind: '127.0.0.1', container: [3000] });
    expect(parsePort(services.postgres!.ports![0]!)).toMatchObject({ bind: '127.0.0.1', container: [5432] });
    // the image says the same
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(new RegExp(`EXPOSE .*${first}/udp`));
    expect(dockerfile).toMatch(new RegExp(`EXPOSE .*${first}/tcp`));
    expect(dockerfile).toMatch(new RegExp(`EXPOSE .*${metrics.port}/tcp`));
  });

  it('the crawler and the geo loader reach the compose Postgres as its user and database, password from PGPASSWORD', () => {
    const pg = services.postgres!.environment!;
    const user = interpolate(pg.POSTGRES_USER!);
    const db = interpolate(pg.POSTGRES_DB!);
    for (const name of ['crawler', 'geo']) {
      const s = services[name]!;
      const url = new URL(String(flags((s.command ?? []).map((a) => interpolate(a))).get('--db')));
      expect(url.protocol).toBe('postgres:');
      expect(url.hostname).toBe('postgres');
      expect(url.port).toBe('5432');
      expect(url.username).toBe(user);
      expect(url.password).toBe('');
      expect(url.pathname).toBe(`/${db}`);
      expect(s.environment!.PGPASSWORD).toBe(pg.POSTGRES_PASSWORD);
    }
    // keys and the journal on the volume
    const f = flags(services.crawler!.command!.map((a) => interpolate(a)).slice(1));
    expect(String(f.get('--keys'))).toMatch(/^\/data\//);
    expect(services.crawler!.working_dir).toBe('/data');
    expect(services.crawler!.ulimits?.nofile).toBeGreaterThanOrEqual(8192);
  });

  it('the geo service runs the built loader (dashboards/geo/load.ts, compiled by the build)', () => {
    const entry = services.geo!.entrypoint!;
    expect(entry[0]).toBe('node');
    expect(entry[1]).toBe('/app/dist/dashboards/geo/load.js');
    expect(existsSync(join(repo, 'dashboards/geo/load.ts'))).toBe(true);
    expect((JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include).toContain('dashboards');
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['geo:load']).toBe('node dist/dashboards/geo/load.js');
  });

  it('Grafana gets every variable its provisioning reads, dashboards where the provider looks, and the read-only role the init script creates', () => {
    const env = services.grafana!.environment!;
    const provDir = join(repo, 'dashboards/provisioning');
    for (const file of ['datasources/nodefinder.yml', 'dashboards/nodefinder.yml']) {
      const text = readFileSync(join(provDir, file), 'utf8');
      for (const m of text.matchAll(/\$\{?([A-Z0-9_]+)\}?/g)) expect(Object.keys(env), `${file} reads ${m[1]}`).toContain(m[1]);
    }
    const mounts = new Map(services.grafana!.volumes!.map((v) => v.split(':') as [string, string, string?]).map(([a, b]) => [b, a]));
    expect(mounts.get('/etc/grafana/provisioning')).toBe('./dashboards/provisioning');
    const provider = (parseYaml(readFileSync(join(provDir, 'dashboards/nodefinder.yml'), 'utf8')) as { providers: { options: { path: string } }[] }).providers[0]!;
    expect(mounts.get(provider.options.path)).toBe('./dashboards/json');
    expect(statSync(join(repo, 'dashboards/json/nodefinder-overview.json')).isFile()).toBe(true);
    expect(env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${provider.options.path}/nodefinder-overview.json`);
    // the data source logs in as the role the init script creates, with the password given to it
    const init = read('dashboards/postgres-init/10-grafana-reader.sh');
    expect(init).toContain(`CREATE ROLE ${env.NODEFINDER_DB_USER} LOGIN PASSWORD`);
    expect(init).toContain('"$GRAFANA_DB_PASSWORD"');
    expect(services.postgres!.environment!.GRAFANA_DB_PASSWORD).toBe(env.NODEFINDER_DB_PASSWORD);
    expect(init).toMatch(/ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES/);
    expect(statSync(join(repo, 'dashboards/postgres-init/10-grafana-reader.sh')).mode & 0o111).not.toBe(0);
    expect(interpolate(env.NODEFINDER_DB_NAME!)).toBe(interpolate(services.postgres!.environment!.POSTGRES_DB!));
    expect(env.NODEFINDER_DB_HOST).toBe('postgres:5432');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('uses the Node major version package.json asks for', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const major = Number(/\d+/.exec(engines)![0]);
    for (const m of dockerfile.matchAll(/^FROM node:(\d+)/gm)) expect(Number(m[1])).toBe(major);
  });

  it('copies only paths that exist, and the build stage has everything tsconfig.build.json compiles', () => {
    for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from='))) {
      const parts = l.split(/\s+/).slice(1, -1);
      for (const p of parts) expect(existsSync(join(repo, p)), `COPY ${p}`).toBe(true);
    }
    const build = stages[0]!;
    const include = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include;
    for (const dir of include) expect(build, `build stage copies ${dir}`).toMatch(new RegExp(`^COPY ${dir} `, 'm'));
    expect(build).toMatch(/^COPY package\.json package-lock\.json tsconfig\.json tsconfig\.build\.json/m);
  });

  it('builds the way package.json does: npm ci runs prepare = build (tsc -p tsconfig.build.json), then drops dev dependencies', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toBe(scripts.build);
    expect(scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(stages[0]).toMatch(/RUN npm ci\b[^\n]*&& npm prune --omit=dev/);
    expect(stages[0]).not.toMatch(/--ignore-scripts/);
  });

  it('the runtime stage has what the CLI needs at run time, and its entry point is the bin the package declares', () => {
    const runtime = stages[1]!;
    for (const path of ['node_modules', 'dist']) expect(runtime).toMatch(new RegExp(`COPY --from=build /app/${path} `));
    for (const path of ['package.json', 'bin', 'sql']) expect(runtime).toMatch(new RegExp(`^COPY ${path} `, 'm'));
    const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
    expect(runtime).toContain(`ENTRYPOINT ["node", "/app/${pkg.bin.nodefinder}"]`);
    // the launcher loads the compiled CLI entry, which the build makes from src/cli/run.ts
    expect(read(pkg.bin.nodefinder!)).toContain("'../dist/src/cli/run.js'");
    expect(existsSync(join(repo, 'src/cli/run.ts'))).toBe(true);
    expect(runtime).toMatch(/^USER node$/m);
  });

  it('.dockerignore keeps local state, builds and secrets out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.git', '.env', 'nodefinder-data', 'nodefinder-demo']) expect(ignored).toContain(p);
  });
});
