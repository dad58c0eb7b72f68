/**
 * `nodefinder enr <enr|enode|file>`: decode and verify node records, as geth's `devp2p enrdump` does,
 * for people who debug their node's record. Each record shows its identity, endpoints, `eth` fork ID
 * with the verdict for --network at --at (or the network it fits), EIP-7636 client hint and every
 * other key. Exit 0 when every record verifies, 1 when one does not (all are still printed), 2 for
 * bad usage.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { formatEnode } from '../enode/enode-url.js';
import type { Enr } from '../enode/enr.js';
import { forkHashHex, type ForkIdVerdict } from '../eth/fork-id.js';
import { NETWORK_NAMES, getNetwork, isNetworkName } from '../eth/networks.js';
import { judgeForkEntry, networkOfForkEntry } from '../eth/record-fork.js';
import { bytesToHex } from '../util/bytes.js';
import type { RlpItem } from '../util/rlp.js';
import { looksLikeRecord, MAX_NODE_LIST_BYTES } from '../enode/node-list-file.js';
import { parseRecord, parseRecordFile, type RecordItem } from './enr-input.js';
import { RuntimeError, UsageError } from './errors.js';
import { parseTime } from './report.js';

/** One record as printed: the JSON shape (`--format json` prints {"records": [...]}). */
export interface RecordView {
  source: string;
  valid: boolean;
  error: { kind: string; message: string } | null;
  /** 'enr' or 'enode' (an enode URL carries no signature, seq or keys). */
  type: 'enr' | 'enode' | null;
  node_id: string | null;
  seq: string | null;
  identity_scheme: string | null;
  ip: string | null;
  ip6: string | null;
  tcp: number | null;
  udp: number | null;
  eth: { fork_hash: string; fork_next: string } | null;
  network: string | null;
  fork_verdict: ForkIdVerdict | null;
  client: string[] | null;
  /** Every other key: byte strings as 0x-hex, lists as nested arrays. */
  other: Record<string, unknown>;
  enode: string | null;
  enr: string | null;
}

const SHOWN_KEYS = new Set(['id', 'secp256k1', 'ip', 'ip6', 'tcp', 'udp', 'eth', 'client']);

function itemJson(item: RlpItem): unknown {
  return item instanceof Uint8Array ? `0x${bytesToHex(item)}` : item.map(itemJson);
}

/** EIP-7636 "client" = [name, version, build?], printable strings only. */
function clientHint(enr: Enr): string[] | null {
  const v = enr.get('client');
  if (!Array.isArray(v) || v.length === 0 || v.length > 3) return null;
  const parts = v.map((x) => (x instanceof Uint8Array && x.length <= 64 ? Buffer.from(x).toString('latin1') : null));
  return parts.every((p): p is string => p !== null && /^[\x20-\x7e]*$/.test(p)) ? parts : null;
}

export function viewRecord(item: RecordItem, opts: { network?: string; atSeconds: number }): RecordView {
  const empty: RecordView = {
    source: item.source, valid: false, error: null, type: null, node_id: null, seq: null, identity_scheme: null,
    ip: null, ip6: null, tcp: null, udp: null, eth: null, network: null, fork_verdict: null, client: null,
    other: {}, enode: null, enr: null,
  };
  if (item.kind === 'error') return { ...empty, error: { kind: item.error.kind, message: item.error.message } };
  if (item.kind === 'enode') {
    const n = item.node;
    return { ...empty, valid: true, type: 'enode', node_id: bytesToHex(n.id), ip: n.ip, tcp: n.tcpPort, udp: n.udpPort, enode: formatEnode(n) };
  }
  const enr = item.enr;
  const eth = enr.eth;
  let network: string | null = null;
  let verdict: ForkIdVerdict | null = null;
  if (eth && opts.network) {
    network = opts.network;
    verdict = judgeForkEntry(eth, getNetwork(opts.network as never), opts.atSeconds);
  } else if (eth) {
    // No network fits: a chain we do not know, or a fork newer than all our schedules.
    const fit = networkOfForkEntry(eth, opts.atSeconds);
    network = fit?.network.name ?? null;
    verdict = fit?.verdict ?? null;
  }
  const other: Record<string, unknown> = {};
  for (const [k, v] of enr.entries) if (!SHOWN_KEYS.has(k)) other[k] = itemJson(v);
  const node = enr.toNodeRecord();
  return {
    ...empty,
    valid: true,
    type: 'enr',
    node_id: bytesToHex(enr.nodeId),
    seq: enr.seq.toString(),
    identity_scheme: enr.id,
    ip: enr.ip ?? null,
    ip6: enr.ip6 ?? null,
    tcp: enr.tcp ?? null,
    udp: enr.udp ?? null,
    eth: eth ? { fork_hash: forkHashHex(eth.forkHash), fork_next: eth.forkNext.toString() } : null,
    network,
    fork_verdict: verdict,
    client: clientHint(enr),
    other,
    enode: node ? formatEnode(node) : null,
    enr: enr.toText(),
  };
}

export function renderRecordTable(views: readonly RecordView[]): string {
  const out: string[] = [];
  for (const v of views) {
    out.push(`${v.source}: ${v.valid ? (v.type === 'enode' ? 'enode URL (no signature)' : 'valid record') : `INVALID — ${v.error!.kind}: ${v.error!.message}`}`);
    if (!v.valid) continue;
    const row = (k: string, val: string | null) => { if (val !== null) out.push(`  ${k.padEnd(10)} ${val}`); };
    row('node id', v.node_id);
    row('seq', v.seq);
    row('scheme', v.identity_scheme);
    row('ip', v.ip);
    row('ip6', v.ip6);
    row('tcp', v.tcp === null ? null : String(v.tcp));
    row('udp', v.udp === null ? null : String(v.udp));
    row('eth', v.eth ? `fork ${v.eth.fork_hash} next ${v.eth.fork_next} → ${v.network ? `${v.network}: ${v.fork_verdict}` : 'no known network (another chain, or a fork newer than our schedules)'}` : v.type === 'enr' ? '(none)' : null);
    row('client', v.client ? v.client.join(' ') : null);
    for (const [k, val] of Object.entries(v.other)) row(k, JSON.stringify(val));
    row('enode', v.enode);
  }
  return `${out.join('\n')}\n`;
}

function readItems(arg: string): RecordItem[] {
  if (looksLikeRecord(arg)) return [parseRecord(arg, 'argument')];
  let size: number;
  try {
    size = statSync(arg).size;
  } catch {
    throw new UsageError(`${JSON.stringify(arg)} is neither a record (enr:…, enode://…) nor a readable file`);
  }
  if (size > MAX_NODE_LIST_BYTES) throw new UsageError(`${arg} is ${size} bytes; the limit is ${MAX_NODE_LIST_BYTES}`);
  return parseRecordFile(readFileSync(arg, 'utf8'), arg);
}

export function registerEnr(program: Command): void {
  program
    .command('enr')
    .description('decode and verify node records (enr:…, enode://…, a file of them, or geth nodes.json), with fork-ID verdicts')
    .argument('<record|file>', 'an enr:… or enode://… text, or a file: one per line, a JSON array, or geth nodes.json')
    .option('--network <name>', `judge the eth fork ID against this network: ${NETWORK_NAMES.join('|')} (default: the network it fits)`)
    .option('--at <time>', 'judge fork IDs at this time (ISO 8601, "now", or a duration ago)', 'now')
    .option('--format <format>', 'table|json', 'table')
    .action((arg: string, opts: { network?: string; at: string; format: string }) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new UsageError(`invalid --format ${JSON.stringify(opts.format)}: use table or json`);
      if (opts.network !== undefined && !isNetworkName(opts.network)) throw new UsageError(`invalid --network ${JSON.stringify(opts.network)}: use ${NETWORK_NAMES.join('|')}`);
      const atSeconds = parseTime(opts.at, '--at', Date.now()) / 1000;
      const items = readItems(arg);
      if (items.length === 0) throw new UsageError(`${arg} holds no records`);
      const views = items.map((item) => viewRecord(item, { ...(opts.network ? { network: opts.network } : {}), atSeconds }));
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify({ records: views }, null, 2)}\n` : renderRecordTable(views));
      const bad = views.filter((v) => !v.valid).length;
      if (bad > 0) throw new RuntimeError(`${bad} of ${views.length} records failed to decode or verify`);
    });
}
