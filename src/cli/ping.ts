/**
 * `nodefinder ping <enode>`: one node, one look. A discv4 PING→PONG (its RTT; a missing PONG is
 * recorded, not fatal), then the crawler's own probe (src/crawler/probe.ts): TCP, RLPx, HELLO,
 * STATUS with the fork-ID check, best-block header, p2p PINGs, DISCONNECT client_quitting.
 *
 * Output (DESIGN.md CLI contract), one JSON object with --json:
 *   id, public_key (hex, no 0x), ip, tcp_port, udp_port, client_id, client_name, caps ["eth/68"],
 *   p2p_version, listen_port, rtt_ms (the network RTT: the lowest p2p PING→PONG, else the discv4
 *   PING→PONG), rtt_source (p2p_ping|disc_ping), srtt_ms (RFC 6298 over the p2p PINGs), rtt_min_ms,
 *   rtt_samples, handshake_ms (RLPx auth→ack), status_ms (HELLO→STATUS; both include remote work),
 *   tcp_connect_ms, disc_rtt_ms, disc_enr_seq, disc_error {kind, message},
 *   outcome (status|hello|disconnect|error), dial_verdict, disconnects [{direction, reason, at_ms}],
 *   started_at, duration_ms, network; and when they apply:
 *   status {version, network_id, genesis_hash, best_hash, fork_id {hash, next}, td, best_block,
 *           earliest_block, fork_verdict}, disconnect {reason} (the peer's DISCONNECT),
 *   error {kind, message} (the first failure that cut the probe short; it may follow a STATUS).
 * Unknown values are null. Hashes are 0x-hex; every bigint (network_id, td, fork next, block
 * numbers, enr-seq) is a decimal string, so no consumer loses precision. Times are ms, to the µs.
 *
 * Exit codes: 0 when the node answered over TCP (STATUS, HELLO, or a DISCONNECT such as
 * too_many_peers), 1 when it did not (the JSON is still printed), 2 for bad input.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { dialVerdict, probeOutbound, DEFAULT_PROBE_TIMEOUTS, type ProbeResult, type ProbeTimeouts } from '../crawler/probe.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../crypto/index.js';
import { Discv4Endpoint } from '../discv4/endpoint.js';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import { formatEnode, parseEnode } from '../enode/enode-url.js';
import type { NodeRecord } from '../enode/node-record.js';
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import { NETWORK_NAMES, getNetwork, isNetworkName, type NetworkDefinition } from '../eth/networks.js';
import { systemClock, type Clock } from '../net/clock.js';
import { LOOPBACK_ONLY, Netrestrict } from '../net/netrestrict.js';
import { NodeTcpDialer } from '../net/node-tcp.js';
import { NodeUdpTransport } from '../net/node-udp.js';
import { bytesToHex, hexToBytes } from '../util/bytes.js';
import { VERSION } from '../version.js';
import { parseDuration } from './durations.js';
import { RuntimeError, UsageError } from './errors.js';

/** Default limit for each network wait (PONG, TCP connect, handshake, HELLO, STATUS…). */
export const DEFAULT_PING_TIMEOUT = '5s';
/** discv4 answers within half a second (geth's respTimeout is 500 ms); waiting longer only delays the probe. */
export const DISC_PING_MAX_WAIT_MS = 2_000;

export interface PingRunOptions {
  privateKey: Uint8Array;
  network: NetworkDefinition;
  /** Limit for each network wait, ms. */
  timeoutMs: number;
  netrestrict?: Netrestrict;
  clock?: Clock;
  signal?: AbortSignal;
}

export interface DiscPingOutcome {
  rttMs: number | null;
  enrSeq: bigint | null;
  error: NodeFinderError | null;
}

export interface PingReport {
  target: NodeRecord;
  network: NetworkDefinition;
  disc: DiscPingOutcome;
  probe: ProbeResult;
}

/**
 * A clock with sub-millisecond resolution (loopback RTTs are far below 1 ms); timers as usual.
 * Not for stored events: there timestamps stay whole milliseconds.
 */
export const highResolutionClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (ms, fn) => systemClock.setTimer(ms, fn),
  clearTimer: (h) => systemClock.clearTimer(h),
};

/** "NodeFinder/v0.1.0/linux-x64/node20.20.2" — the geth-style id we send in HELLO. */
export function nodeFinderClientId(): string {
  return `NodeFinder/v${VERSION}/${process.platform}-${process.arch}/node${process.versions.node}`;
}

/** discv4 PING, then the probe. Never rejects: every failure is in the report. */
export async function pingNode(target: NodeRecord, options: PingRunOptions): Promise<PingReport> {
  const clock = options.clock ?? highResolutionClock;
  const netrestrict = options.netrestrict ?? new Netrestrict();
  const publicKey = publicKeyFromPrivate(options.privateKey);
  const disc = await discPing(target, options, netrestrict, clock);
  const wait = options.timeoutMs;
  const timeouts: ProbeTimeouts = {
    connectMs: wait,
    handshakeMs: wait,
    helloMs: wait,
    statusMs: wait,
    // Optional measurements: never longer than the crawler would wait.
    headerMs: Math.min(wait, DEFAULT_PROBE_TIMEOUTS.headerMs),
    pingMs: Math.min(wait, DEFAULT_PROBE_TIMEOUTS.pingMs),
  };
  const probe = await probeOutbound(
    {
      clock,
      privateKey: options.privateKey,
      publicKey,
      instance: bytesToHex(nodeIdFromPublicKey(publicKey)),
      clientId: nodeFinderClientId(),
      listenPort: 0, // we accept no connections
      network: options.network,
      timeouts,
    },
    new NodeTcpDialer({ netrestrict, clock }),
    target,
    'static',
    options.signal,
    { discPingMs: disc.rttMs },
  );
  return { target, network: options.network, disc, probe };
}

async function discPing(target: NodeRecord, options: PingRunOptions, netrestrict: Netrestrict, clock: Clock): Promise<DiscPingOutcome> {
  if (target.udpPort === 0) return { rttMs: null, enrSeq: null, error: new NodeFinderError('bad_enode', 'the enode has no discovery port') };
  const v6 = target.ip.includes(':');
  // A loopback target is reached from loopback; anything else from every interface.
  const host = LOOPBACK_ONLY.allows(target.ip) ? (v6 ? '::1' : '127.0.0.1') : v6 ? '::' : '0.0.0.0';
  let endpoint: Discv4Endpoint | undefined;
  try {
    netrestrict.check(target.ip);
    const transport = await NodeUdpTransport.bind({ host, port: 0, netrestrict });
    endpoint = new Discv4Endpoint({ privateKey: options.privateKey, transport, clock, tcpPort: 0 });
    const pong = await endpoint.ping(target, { timeoutMs: Math.min(options.timeoutMs, DISC_PING_MAX_WAIT_MS), signal: options.signal });
    return { rttMs: pong.rttMs, enrSeq: pong.enrSeq ?? null, error: null };
  } catch (err) {
    return { rttMs: null, enrSeq: null, error: toNodeFinderError(err) };
  } finally {
    await endpoint?.close();
  }
}

// ---------------------------------------------------------------- output

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const ms = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(v * 1000) / 1000);
const big = (v: bigint | null | undefined): string | null => (v === null || v === undefined ? null : v.toString(10));
const hash = (hex: string): string => (hex.startsWith('0x') ? hex : `0x${hex}`);

/** The --json object (see the module comment). */
export function pingReportJson(report: PingReport): { [key: string]: Json } {
  const e = report.probe.event;
  const hello = e.hello;
  const out: { [key: string]: Json } = {
    id: bytesToHex(report.target.id),
    public_key: bytesToHex(report.target.publicKey),
    ip: report.target.ip,
    tcp_port: report.target.tcpPort,
    udp_port: report.target.udpPort,
    network: report.network.name,
    client_id: hello?.clientId ?? null,
    client_name: hello?.clientName ?? null,
    caps: hello?.caps ?? [],
    p2p_version: hello?.p2pVersion ?? null,
    listen_port: hello?.listenPort ?? null,
    rtt_ms: ms(e.rtt?.rttMs ?? null),
    rtt_source: e.rtt?.rttSource ?? null,
    srtt_ms: ms(e.rtt?.srttMs ?? null),
    rtt_min_ms: ms(e.rtt?.minMs ?? null),
    rtt_samples: e.rtt?.samples ?? 0,
    handshake_ms: ms(e.rtt?.handshakeMs ?? null),
    status_ms: ms(e.rtt?.statusMs ?? null),
    tcp_connect_ms: ms(e.connectMs),
    disc_rtt_ms: ms(report.disc.rttMs),
    disc_enr_seq: big(report.disc.enrSeq),
    disc_error: report.disc.error ? { kind: report.disc.error.kind, message: report.disc.error.message } : null,
    outcome: e.outcome,
    dial_verdict: dialVerdict(e),
    disconnects: e.disconnects.map((d) => ({ direction: d.direction, reason: d.reason, at_ms: ms(d.at - e.startedAt) })),
    started_at: new Date(Math.floor(e.startedAt)).toISOString(),
    duration_ms: ms(e.endedAt - e.startedAt),
  };
  const s = e.status;
  if (s) {
    out.status = {
      version: s.ethVersion,
      network_id: big(s.networkId),
      genesis_hash: hash(s.genesisHash),
      best_hash: hash(s.bestHash),
      fork_id: { hash: hash(s.forkHash), next: big(s.forkNext) },
      td: big(s.totalDifficulty),
      best_block: big(s.bestBlock),
      earliest_block: big(s.earliestBlock),
      fork_verdict: s.forkVerdict,
    };
  }
  const theirs = e.disconnects.find((d) => d.direction === 'received');
  if (theirs) out.disconnect = { reason: theirs.reason };
  if (e.errorKind !== null) out.error = { kind: e.errorKind, message: e.errorMessage ?? '' };
  return out;
}

const fmtMs = (v: number) => `${v < 10 ? v.toFixed(3) : v.toFixed(1)} ms`;
const short = (hex: string) => (hex.length > 16 ? `${hex.slice(0, 10)}…${hex.slice(-4)}` : hex);

/** A few human-readable lines. */
export function formatPingText(report: PingReport): string {
  const e = report.probe.event;
  const lines: [string, string][] = [['node', `${formatEnode(report.target)}`]];
  const d = report.disc;
  lines.push([
    'discv4',
    d.rttMs !== null ? `PONG in ${fmtMs(d.rttMs)}${d.enrSeq !== null ? ` (enr-seq ${d.enrSeq})` : ''}` : `no PONG: ${d.error?.kind ?? 'unknown'} (${d.error?.message ?? ''})`,
  ]);
  if (e.connectMs !== null) lines.push(['tcp', `connected in ${fmtMs(e.connectMs)}`]);
  if (e.hello) {
    const h = e.hello;
    lines.push(['hello', `${h.clientId || '(empty client id)'} · p2p/${h.p2pVersion} · ${h.caps.join(' ') || 'no caps'} · listen ${h.listenPort}`]);
  }
  if (e.status) {
    const s = e.status;
    const block = s.bestBlock !== null ? ` (block ${s.bestBlock})` : '';
    lines.push([
      'status',
      `eth/${s.ethVersion} · network ${s.networkId} · genesis ${short(hash(s.genesisHash))} · best ${short(hash(s.bestHash))}${block} · fork ${hash(s.forkHash)}/${s.forkNext} ${s.forkVerdict}`,
    ]);
  }
  const r = e.rtt;
  if (r && r.srttMs !== null && r.minMs !== null) lines.push(['rtt', `${fmtMs(r.minMs)} (min of ${r.samples} p2p PING${r.samples === 1 ? '' : 's'}; srtt ${fmtMs(r.srttMs)})`]);
  if (r && (r.handshakeMs !== null || r.statusMs !== null)) {
    const parts = [r.handshakeMs !== null ? `RLPx auth→ack ${fmtMs(r.handshakeMs)}` : null, r.statusMs !== null ? `HELLO→STATUS ${fmtMs(r.statusMs)}` : null];
    lines.push(['remote', `${parts.filter((p) => p !== null).join(' · ')} (round trip + the peer's work)`]);
  }
  for (const x of e.disconnects) lines.push([x.direction === 'received' ? 'peer said' : 'we said', x.reason]);
  if (e.errorKind !== null) lines.push(['error', `${e.errorKind}: ${e.errorMessage ?? ''}`]);
  lines.push(['result', `${e.outcome} (${dialVerdict(e)})`]);
  return lines.map(([k, v]) => `${k.padEnd(10)}${v}`).join('\n') + '\n';
}

// ---------------------------------------------------------------- command

interface RawPingOptions {
  json?: boolean;
  timeout: string;
  network: string;
  netrestrict?: string;
  key?: string;
}

/** A 32-byte secp256k1 key as 64 hex characters (geth's nodekey file format), 0x optional. */
export function readKeyFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --key ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  const hex = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`--key ${JSON.stringify(path)}: expected 64 hex characters`);
  const key = hexToBytes(hex);
  try {
    publicKeyFromPrivate(key);
  } catch {
    throw new UsageError(`--key ${JSON.stringify(path)}: not a valid secp256k1 private key`);
  }
  return key;
}

export function registerPing(program: Command): void {
  program
    .command('ping')
    .description('discv4 PING, then RLPx → HELLO → STATUS (+ fork ID check) with one node; print what it said')
    .argument('<enode>', 'enode://<128 hex public key>@<ip>:<tcp port>[?discport=<udp port>]')
    .option('--json', 'print one JSON object')
    .option('--timeout <time>', 'limit for each network wait (e.g. 500ms, 5s)', DEFAULT_PING_TIMEOUT)
    .option('--network <name>', `network to check STATUS against: ${NETWORK_NAMES.join('|')}`, 'mainnet')
    .option('--netrestrict <cidrs>', 'contact only addresses in these CIDRs (comma-separated)')
    .option('--key <file>', 'node key file (64 hex characters); default: a fresh random key')
    .action(async (enode: string, raw: RawPingOptions) => {
      let target: NodeRecord;
      try {
        target = parseEnode(enode);
      } catch (err) {
        throw new UsageError(`invalid enode: ${toNodeFinderError(err).message}`);
      }
      if (target.tcpPort === 0) throw new UsageError('invalid enode: TCP port 0');
      const timeoutMs = parseDuration(raw.timeout, '--timeout');
      if (timeoutMs <= 0) throw new UsageError('invalid --timeout: must be positive');
      if (!isNetworkName(raw.network)) throw new UsageError(`invalid --network ${JSON.stringify(raw.network)}: expected ${NETWORK_NAMES.join(', ')}`);
      let netrestrict: Netrestrict;
      try {
        netrestrict = Netrestrict.parse(raw.netrestrict);
      } catch (err) {
        throw new UsageError(`invalid --netrestrict: ${(err as Error).message}`);
      }
      const privateKey = raw.key !== undefined ? readKeyFile(raw.key) : generatePrivateKey();

      const report = await pingNode(target, { privateKey, network: getNetwork(raw.network), timeoutMs, netrestrict });
      process.stdout.write(raw.json ? `${JSON.stringify(pingReportJson(report))}\n` : formatPingText(report));
      const e = report.probe.event;
      if (e.outcome === 'error') throw new RuntimeError(`no answer from ${target.ip}:${target.tcpPort}: ${e.errorKind}: ${e.errorMessage ?? ''}`);
    });
}
