/**
 * `nodefinder testnet`: a local network of emulated devp2p peers on loopback (src/testnet), for
 * trying the crawler without a network. Writes every peer's enode URL (one per line) and a JSON
 * manifest of ground truth, prints progress on stderr, and runs until --duration or Ctrl-C, then
 * closes every socket. Loopback only: any other --host is a usage error (exit 2).
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { isNodeFinderError } from '../errors.js';
import { DEFAULT_MIX, MAX_NODES } from '../testnet/profiles.js';
import { GETH_INBOUND_THROTTLE_MS } from '../testnet/policies.js';
import { manifestToJson } from '../testnet/manifest.js';
import { DEFAULT_BOOTNODES_PER_PEER, DEFAULT_HOST, TESTNET_BOOTSTRAPS, isLoopbackHost, startTestnet, type Testnet, type TestnetBootstrap } from '../testnet/testnet.js';
import { DEFAULT_PEER_TIMINGS } from '../testnet/peer.js';
import { serveTestnetTree, type TestnetDns } from '../testnet/dns-tree.js';
import { parseDuration, parseIntOption } from './durations.js';
import { RuntimeError, UsageError } from './errors.js';

export const DEFAULT_TESTNET_NODES = 20;
export const DEFAULT_TESTNET_PORT = 30303;
export const DEFAULT_TESTNET_SEED = 1;
export const DEFAULT_PROGRESS_INTERVAL = '10s';

interface TestnetRawOptions {
  nodes: string;
  port: string;
  duration?: string;
  enodesOut?: string;
  manifest?: string;
  seed: string;
  host: string;
  fullFraction: string;
  otherNetworkFraction: string;
  parityFraction: string;
  discoveryOnlyFraction: string;
  discv5Fraction: string;
  v5OnlyFraction: string;
  consensusFraction: string;
  throttleLoopback?: boolean;
  staleForkPeers?: string;
  newerForkPeers?: string;
  bootnodesPerPeer: string;
  pingInterval: string;
  refreshInterval: string;
  progressInterval: string;
  dnsPort?: string;
  bootstrap: string;
}

function parseFraction(text: string, option: string): number {
  const v = /^\s*(?:\d+(?:\.\d*)?|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(v >= 0 && v <= 1)) throw new UsageError(`invalid ${option} ${JSON.stringify(text)}: expected a number in 0..1`);
  return v;
}

function parseInterval(text: string, option: string): number {
  const ms = parseDuration(text, option);
  if (ms < 100 || ms > 2_147_483_647) throw new UsageError(`invalid ${option} ${JSON.stringify(text)}: expected 100ms..24d`);
  return Math.round(ms);
}

export function registerTestnet(program: Command): void {
  program
    .command('testnet')
    .description('run a local network of emulated devp2p peers on loopback (client mix, full peers, other networks, Parity metric)')
    .option('--nodes <n>', 'number of emulated peers', String(DEFAULT_TESTNET_NODES))
    .option('--port <n>', 'first port: peer i uses UDP and TCP port <port>+i', String(DEFAULT_TESTNET_PORT))
    .option('--duration <time>', 'stop after this long (e.g. 90s, 30m); default: until Ctrl-C')
    .option('--enodes-out <file>', 'write every enode URL, one per line (default: stdout); the manifest goes to <file>.json')
    .option('--manifest <file>', 'write the JSON manifest of ground truth here')
    .option('--seed <n>', 'seed of the peer mix and keys (same seed, same peers)', String(DEFAULT_TESTNET_SEED))
    .option('--host <ip>', 'loopback address to bind (127.0.0.0/8 or ::1)', DEFAULT_HOST)
    .option('--full-fraction <f>', 'share of peers at their peer limit (DISCONNECT too_many_peers)', String(DEFAULT_MIX.fullFraction))
    .option('--other-network-fraction <f>', 'share of peers on sepolia/holesky/hoodi/a private network', String(DEFAULT_MIX.otherNetworkFraction))
    .option('--parity-fraction <f>', "share of peers using Parity's pre-2.0 distance metric", String(DEFAULT_MIX.parityFraction))
    .option('--discovery-only-fraction <f>', 'share of peers that answer discovery but accept no TCP', String(DEFAULT_MIX.noTcpFraction))
    .option('--discv5-fraction <f>', 'share of peers that run discovery v5 beside v4 on the same UDP port', '0')
    .option('--v5-only-fraction <f>', 'share of execution peers that run discovery v5 only', '0')
    .option('--consensus-fraction <f>', 'share of consensus-layer peers (discv5 only, eth2 record entry, no RLPx)', '0')
    .option('--throttle-loopback', "geth peers apply geth's 30 s per-IP inbound throttle to loopback too (geth exempts LAN and loopback)")
    .option('--stale-fork-peers <n>', 'old clients with a stale fork ID (default: 1 from 10 peers on)')
    .option('--newer-fork-peers <n>', "geth peers that know one fork more than NodeFinder's schedule (default 0)")
    .option('--bootnodes-per-peer <n>', 'peers each peer is bootstrapped with', String(DEFAULT_BOOTNODES_PER_PEER))
    .addOption(
      new Option('--bootstrap <how>', "prefill: tables filled at start as if every peer had bonded (ready at once); lookups: from the bootnodes by PINGs and lookups, as real nodes (minutes for 1 000 peers)")
        .choices([...TESTNET_BOOTSTRAPS])
        .default('prefill'),
    )
    .option('--ping-interval <time>', 'table revalidation interval per peer', `${DEFAULT_PEER_TIMINGS.pingIntervalMs / 1000}s`)
    .option('--refresh-interval <time>', 'refresh-lookup interval per peer', `${DEFAULT_PEER_TIMINGS.refreshIntervalMs / 60_000}m`)
    .option('--progress-interval <time>', 'how often to print progress', DEFAULT_PROGRESS_INTERVAL)
    .option('--dns-port <n>', 'also serve every peer as a signed DNS tree (EIP-1459) on <host>:<n>, UDP+TCP (0: any free port)')
    .action(async (raw: TestnetRawOptions) => {
      const nodes = parseIntOption(raw.nodes, '--nodes', 1, MAX_NODES);
      const port = parseIntOption(raw.port, '--port', 1, 65535);
      if (port + nodes - 1 > 65535) throw new UsageError(`invalid --port ${port}: ports ${port}..${port + nodes - 1} exceed 65535`);
      const host = raw.host.trim();
      if (!isLoopbackHost(host)) throw new UsageError(`invalid --host ${JSON.stringify(raw.host)}: the testnet binds loopback only (127.0.0.0/8 or ::1)`);
      const durationMs = raw.duration === undefined ? undefined : parseInterval(raw.duration, '--duration');
      const enodesOut = raw.enodesOut === undefined ? undefined : nonEmpty(raw.enodesOut, '--enodes-out');
      const manifestOut = raw.manifest !== undefined ? nonEmpty(raw.manifest, '--manifest') : enodesOut !== undefined ? `${enodesOut}.json` : undefined;
      const options = {
        nodes,
        port,
        host,
        seed: parseIntOption(raw.seed, '--seed', 0, Number.MAX_SAFE_INTEGER),
        fullFraction: parseFraction(raw.fullFraction, '--full-fraction'),
        otherNetworkFraction: parseFraction(raw.otherNetworkFraction, '--other-network-fraction'),
        parityFraction: parseFraction(raw.parityFraction, '--parity-fraction'),
        noTcpFraction: parseFraction(raw.discoveryOnlyFraction, '--discovery-only-fraction'),
        discv5Fraction: parseFraction(raw.discv5Fraction, '--discv5-fraction'),
        v5OnlyFraction: parseFraction(raw.v5OnlyFraction, '--v5-only-fraction'),
        consensusFraction: parseFraction(raw.consensusFraction, '--consensus-fraction'),
        ...(raw.staleForkPeers !== undefined ? { staleForkPeers: parseIntOption(raw.staleForkPeers, '--stale-fork-peers', 0, nodes) } : {}),
        ...(raw.newerForkPeers !== undefined ? { newerForkPeers: parseIntOption(raw.newerForkPeers, '--newer-fork-peers', 0, nodes) } : {}),
        bootnodesPerPeer: parseIntOption(raw.bootnodesPerPeer, '--bootnodes-per-peer', 0, 64),
        bootstrap: raw.bootstrap as TestnetBootstrap,
        timings: {
          pingIntervalMs: parseInterval(raw.pingInterval, '--ping-interval'),
          refreshIntervalMs: parseInterval(raw.refreshInterval, '--refresh-interval'),
        },
        ...(raw.throttleLoopback ? { inboundThrottle: { throttleMs: GETH_INBOUND_THROTTLE_MS, exemptLan: false } } : {}),
      };
      if (options.discv5Fraction + options.v5OnlyFraction + options.consensusFraction > 1) {
        throw new UsageError('--discv5-fraction + --v5-only-fraction + --consensus-fraction must not exceed 1');
      }
      const progressMs = parseInterval(raw.progressInterval, '--progress-interval');
      const dnsPort = raw.dnsPort === undefined ? undefined : parseIntOption(raw.dnsPort, '--dns-port', 0, 65535);

      let testnet: Testnet;
      try {
        testnet = await startTestnet(options);
      } catch (err) {
        const kind = isNodeFinderError(err) ? ` (${err.kind})` : '';
        throw new RuntimeError(`cannot start the testnet on ${host}:${port}..${port + nodes - 1}${kind}: ${err instanceof Error ? err.message : String(err)}`);
      }
      let dns: TestnetDns | undefined;
      try {
        if (dnsPort !== undefined) {
          dns = await serveTestnetTree(testnet, { host, port: dnsPort, seed: options.seed }).catch((err: unknown) => {
            throw new RuntimeError(`cannot serve the DNS tree on ${host}:${dnsPort}: ${err instanceof Error ? err.message : String(err)}`);
          });
        }
        const enodesText = `${testnet.enodes.join('\n')}\n`;
        if (enodesOut === undefined) process.stdout.write(enodesText);
        else await writeAtomically(enodesOut, enodesText);
        if (manifestOut !== undefined) await writeAtomically(manifestOut, manifestToJson(testnet.manifest));
        const s = testnet.manifest.summary;
        const summary =
          `testnet: ${nodes} peers on ${host}:${port}..${port + nodes - 1} (seed ${options.seed}): ` +
            `${s.full} full, ${s.noTcp} discovery-only, ${s.parityMetric} Parity metric, ${s.staleFork} stale fork; ` +
            `networks ${Object.entries(s.networks).map(([k, v]) => `${k} ${v}`).join(', ')}` +
            `${enodesOut !== undefined ? `; enodes in ${enodesOut}` : ''}${manifestOut !== undefined ? `, manifest in ${manifestOut}` : ''}\n` +
          (dns ? `testnet: DNS tree ${dns.tree.link} served on ${dns.server.address} (crawl --dns ${dns.tree.link} --dns-server ${dns.server.address})\n` : '');
        // The summary goes out only once Ctrl-C is handled: whoever reacts to it may signal at once.
        await runUntilStopped(testnet, durationMs, progressMs, summary);
      } finally {
        await dns?.server.close();
        await testnet.close();
      }
      process.stderr.write('testnet: stopped, sockets closed\n');
    });
}

function nonEmpty(text: string, option: string): string {
  if (text.trim() === '') throw new UsageError(`invalid ${option}: empty file name`);
  return text;
}

/** Temp file + rename, so a crawler reading the file never sees half of it. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx', mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const reason = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
    throw new RuntimeError(`cannot write ${file}: ${reason}`);
  }
}

/** Print progress every progressMs until the duration ends or SIGINT/SIGTERM arrives. */
function runUntilStopped(testnet: Testnet, durationMs: number | undefined, progressMs: number, summary: string): Promise<void> {
  const started = Date.now();
  return new Promise<void>((resolve) => {
    const progress = setInterval(() => process.stderr.write(`${progressLine(testnet, Date.now() - started)}\n`), progressMs);
    // The duration timer keeps the process alive on its own (the sockets do too).
    const timer = durationMs === undefined ? undefined : setTimeout(() => stop('duration reached'), durationMs);
    const onSignal = (signal: NodeJS.Signals) => stop(`${signal} received`);
    function stop(why: string): void {
      clearInterval(progress);
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stderr.write(`testnet: ${why}, stopping\n`);
      resolve();
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.stderr.write(summary);
  });
}

export function progressLine(testnet: Testnet, elapsedMs: number): string {
  const s = testnet.stats();
  const i = s.inbound;
  return (
    `[${String(Math.round(elapsedMs / 1000)).padStart(5)}s] tables ${s.table.min}/${s.table.mean.toFixed(1)}/${s.table.max} (min/mean/max), ` +
    `bootstrapped ${s.bootstrapped}/${s.peers}; discv4 received ${s.discv4.pingsReceived} PING, ${s.discv4.findnodeReceived} FINDNODE; ` +
    `RLPx inbound ${i.accepted} (${i.statusSent} STATUS, ${i.statusRejected} STATUS rejected, ${i.tooManyPeers} too_many_peers, ${i.headersServed} headers served, ${i.active} open)` +
    // geth ≥ 1.16 peers dial a node only when its ENR passes their filter: the refusals say why not.
    `; geth dials out ${s.dials.dials} (ENRs refused: ${s.dials.noEth} no eth, ${s.dials.forkRejected} fork, ${s.dials.addressRejected} address)`
  );
}
