/**
 * A small hand-built crawl with known answers for every report (see the comments for the expected
 * numbers, asserted in reports.test.ts). Window under test: [2024-01-15T00:00Z, 2024-01-16T00:00Z).
 *
 * Database rows only (no address here is ever contacted).
 * Instances I1 (host 192.0.2.1), I2 and I3 (host 192.0.2.2).
 *   n0  8.8.8.10     seen I1,I2,I3   I1 dynamic → STATUS mainnet ok, Geth 1.14.11, eth/69 block 1000 (hash A), rtt 40, we sent client_quitting
 *   n1  8.8.8.11     seen I1,I2      I2 dynamic → STATUS mainnet ok, Geth 1.14.11, block ? (hash A), rtt 60; I3 static → same, rtt 90
 *   n2  5.9.1.1      seen I1         I1 dynamic → STATUS mainnet ok, Geth 1.14.10, block 990, rtt 100
 *   n3  5.9.1.2      seen I2         I2 dynamic + I3 static → STATUS mainnet ok, Nethermind 1.29.1, block 1000, rtt 20 (I2) 30 (I3)
 *   n4  2a01:4f8::4  seen I3         I3 dynamic → STATUS mainnet genesis, remote_stale, erigon 2.60.0, block 500, rtt 80
 *   n5  1.0.0.5      seen I1         I1 dynamic → STATUS sepolia (unchecked), Geth 1.14.11
 *   n6  1.0.0.6      seen I1         I1 dynamic → HELLO snap/1 only, Geth 1.13.0, we sent useless_peer
 *   n7  1.0.0.7      seen I2         I2 dynamic → HELLO eth/68, received useless_peer, besu 24.1.0
 *   n8  1.0.0.8      seen I2         I2 dynamic 13:00 + static 14:00 → received too_many_peers (no HELLO)
 *   n9  8.8.8.19     seen I3         I3 dynamic + static → refused (TCP RST), recorded as such
 *   n10 8.8.8.20     not discovered  inbound to I1 → STATUS mainnet ok, Reth 1.1.0, eth/69 block 1001, rtt 10
 *   n11 8.8.8.21     seen I1         no attempt recorded
 *   n12 9.9.9.12     seen I1 on Jan 14, I1 dynamic Jan 14 → STATUS mainnet ok, Geth 1.15.0   (outside the window)
 *   n13 9.9.9.13     seen I1 on Jan 16 01:00                                                   (outside the window)
 *   s0…s9 45.10.20.30 seen I3 (one public IP, 10 node IDs: abusive); s0: I3 dynamic → STATUS mainnet ok, Geth 1.14.11
 *   l0…l9 127.0.0.1   seen I2 (loopback, 10 node IDs: over the threshold but exempt)
 * Discovery counters: I1 Jan 14 10:00 findnode 3; I1 Jan 15 12:00 findnode 5; I2 Jan 15 12:01 findnode 7.
 * discv5 counters: I1 Jan 14 10:00 findnode 4; I1 Jan 15 12:00 findnode 6 + 2; I3 Jan 15 15:10 findnode 9
 *   (each: 1 lookup, answered = findnode − 1, records = 3 × findnode, table 20 + findnode).
 */
import type { CrawlerEvent, DialEvent, HelloInfo, StatusInfo } from '../../src/events.js';
import { parseClientId } from '../../src/devp2p/client-id.js';
import type { DisconnectReasonName } from '../../src/devp2p/disconnect-reasons.js';
import { publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import type { ErrorKind } from '../../src/errors.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { GeoDatabase } from '../../src/geo/index.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { Rng } from '../store/fixtures.js';
import { withDialPolicy } from '../../src/crawler/probe.js';

export const SINCE = Date.UTC(2024, 0, 15);
export const UNTIL = Date.UTC(2024, 0, 16);
const H = 3_600_000;
const NOON = SINCE + 12 * H;

export const I1 = '11'.repeat(32);
export const I2 = '22'.repeat(32);
export const I3 = '33'.repeat(32);

export interface DatasetNode {
  name: string;
  pk: string;
  id: string;
  ip: string;
}

const rng = new Rng(2024);

function makeNode(name: string, ip: string): DatasetNode {
  const pk = bytesToHex(publicKeyFromPrivate(hexToBytes(rng.hex(32))));
  return { name, pk, id: bytesToHex(nodeIdFromPublicKey(hexToBytes(pk))), ip };
}

const N: Record<string, DatasetNode> = {};
for (const [name, ip] of [
  ['n0', '8.8.8.10'],
  ['n1', '8.8.8.11'],
  ['n2', '5.9.1.1'],
  ['n3', '5.9.1.2'],
  ['n4', '2a01:4f8::4'],
  ['n5', '1.0.0.5'],
  ['n6', '1.0.0.6'],
  ['n7', '1.0.0.7'],
  ['n8', '1.0.0.8'],
  ['n9', '8.8.8.19'],
  ['n10', '8.8.8.20'],
  ['n11', '8.8.8.21'],
  ['n12', '9.9.9.12'],
  ['n13', '9.9.9.13'],
] as const) {
  N[name] = makeNode(name, ip);
}
for (let i = 0; i < 10; i++) N[`s${i}`] = makeNode(`s${i}`, '45.10.20.30');
for (let i = 0; i < 10; i++) N[`l${i}`] = makeNode(`l${i}`, '127.0.0.1');
export const NODES: Readonly<Record<string, DatasetNode>> = N;
export const SYBIL_IDS = Array.from({ length: 10 }, (_, i) => N[`s${i}`]!.id);

const HASH_A = 'aa'.repeat(32);
const MAINNET = NETWORKS.mainnet;
const SEPOLIA = NETWORKS.sepolia;

export function hello(clientId: string, caps: string[] = ['eth/68', 'snap/1']): HelloInfo {
  const p = parseClientId(clientId);
  return { p2pVersion: 5, clientId, clientName: p.name, clientVersion: p.version, os: p.os, arch: p.arch, runtime: p.runtime, caps, listenPort: 30303 };
}

export function status(opts: { bestBlock?: bigint | null; bestHash?: string; verdict?: StatusInfo['forkVerdict']; network?: 'mainnet' | 'sepolia'; eth?: number }): StatusInfo {
  const net = opts.network === 'sepolia' ? SEPOLIA : MAINNET;
  const eth = opts.eth ?? 68;
  return {
    ethVersion: eth,
    networkId: BigInt(net.networkId),
    totalDifficulty: eth >= 69 ? null : 58_750_003_716_598_352_816_469n,
    bestHash: opts.bestHash ?? rng.hex(32),
    genesisHash: net.genesisHash,
    forkHash: 'c376cf8b',
    forkNext: 0n,
    forkVerdict: opts.verdict ?? (opts.network === 'sepolia' ? 'unchecked' : 'compatible'),
    bestBlock: opts.bestBlock ?? null,
    earliestBlock: null,
  };
}

interface DialSpec {
  instance: string;
  kind: DialEvent['kind'];
  node: string;
  at: number;
  hello?: HelloInfo;
  status?: StatusInfo;
  received?: DisconnectReasonName[];
  sent?: DisconnectReasonName[];
  error?: ErrorKind;
  srtt?: number;
}

export function dial(s: DialSpec): DialEvent {
  const n = NODES[s.node]!;
  const disconnects = [
    ...(s.received ?? []).map((reason) => ({ direction: 'received' as const, reason, at: s.at + 500 })),
    ...(s.sent ?? []).map((reason) => ({ direction: 'sent' as const, reason, at: s.at + 600 })),
  ];
  const outcome: DialEvent['outcome'] = s.status ? 'status' : s.hello ? 'hello' : s.received?.length ? 'disconnect' : 'error';
  return withDialPolicy({
    type: 'dial',
    dialId: rng.uuid(),
    instance: s.instance,
    kind: s.kind,
    nodeId: n.id,
    publicKey: n.pk,
    ip: n.ip,
    tcpPort: s.kind === 'inbound' ? 51234 : 30303,
    startedAt: s.at,
    endedAt: s.at + 1000,
    connectMs: s.kind === 'inbound' || s.error === 'connection_refused' ? null : 5,
    outcome,
    errorKind: outcome === 'error' ? (s.error ?? 'internal') : null,
    errorMessage: outcome === 'error' ? 'test' : null,
    hello: s.hello ?? null,
    status: s.status ?? null,
    disconnects,
    // `srtt` is the connection's network RTT (rtt_ms = the lowest PING); its SRTT is a little higher.
    rtt:
      s.srtt === undefined
        ? null
        : { srttMs: s.srtt + 5, minMs: s.srtt, samples: 3, rttMs: s.srtt, rttSource: 'p2p_ping', tcpConnectMs: 5, discPingMs: null, handshakeMs: s.srtt + 50, statusMs: s.srtt + 20 },
  });
}

function seen(node: string, instance: string, at: number): CrawlerEvent {
  const n = NODES[node]!;
  return { type: 'node_seen', instance, nodeId: n.id, publicKey: n.pk, ip: n.ip, udpPort: 30303, tcpPort: 30303, source: 'neighbors', at };
}

export function datasetEvents(): CrawlerEvent[] {
  const ev: CrawlerEvent[] = [];
  const started = (instance: string, host: string, port: number, at: number): CrawlerEvent => ({
    type: 'instance_started',
    instance,
    publicKey: instance + instance,
    host,
    udpPort: port,
    tcpPort: port,
    network: 'mainnet',
    codeVersion: '0.1.0',
    at,
  });
  ev.push(started(I1, '192.0.2.1', 30303, SINCE - 2 * 86_400_000), started(I2, '192.0.2.2', 30304, SINCE - 2 * 86_400_000), started(I3, '192.0.2.2', 30305, SINCE - 2 * 86_400_000));
  // discovery in the window
  for (const i of [I1, I2, I3]) ev.push(seen('n0', i, NOON));
  ev.push(seen('n1', I1, NOON), seen('n1', I2, NOON + 60_000));
  for (const [node, inst] of [['n2', I1], ['n3', I2], ['n4', I3], ['n5', I1], ['n6', I1], ['n7', I2], ['n8', I2], ['n9', I3], ['n11', I1]] as const) ev.push(seen(node, inst, NOON));
  for (let i = 0; i < 10; i++) ev.push(seen(`s${i}`, I3, NOON + i * 1000), seen(`l${i}`, I2, NOON + i * 1000));
  // outside the window
  ev.push(seen('n12', I1, SINCE - 14 * H), seen('n13', I1, UNTIL + H));
  // dials
  const at = (h: number) => SINCE + h * H;
  ev.push(
    dial({ instance: I1, kind: 'dynamic', node: 'n0', at: at(13), hello: hello('Geth/v1.14.11-stable-aaa/linux-amd64/go1.23.2'), status: status({ eth: 69, bestBlock: 1000n, bestHash: HASH_A }), sent: ['client_quitting'], srtt: 40 }),
    dial({ instance: I2, kind: 'dynamic', node: 'n1', at: at(13), hello: hello('Geth/v1.14.11-stable-bbb/linux-amd64/go1.23.2'), status: status({ bestHash: HASH_A }), srtt: 60 }),
    dial({ instance: I3, kind: 'static', node: 'n1', at: at(15), hello: hello('Geth/v1.14.11-stable-bbb/linux-amd64/go1.23.2'), status: status({ bestHash: HASH_A }), srtt: 90 }),
    dial({ instance: I1, kind: 'dynamic', node: 'n2', at: at(13), hello: hello('Geth/v1.14.10-stable/linux-arm64/go1.22.5'), status: status({ bestBlock: 990n }), srtt: 100 }),
    dial({ instance: I2, kind: 'dynamic', node: 'n3', at: at(13), hello: hello('Nethermind/v1.29.1+abc/linux-x64/dotnet8.0.10'), status: status({ bestBlock: 1000n }), srtt: 20 }),
    dial({ instance: I3, kind: 'static', node: 'n3', at: at(16), hello: hello('Nethermind/v1.29.1+abc/linux-x64/dotnet8.0.10'), status: status({ bestBlock: 1000n }), srtt: 30 }),
    dial({ instance: I3, kind: 'dynamic', node: 'n4', at: at(13), hello: hello('erigon/v2.60.0/linux-amd64/go1.22.5'), status: status({ bestBlock: 500n, verdict: 'remote_stale' }), srtt: 80 }),
    dial({ instance: I1, kind: 'dynamic', node: 'n5', at: at(13), hello: hello('Geth/v1.14.11-stable-ccc/linux-amd64/go1.23.2'), status: status({ network: 'sepolia', bestBlock: 7000n }) }),
    dial({ instance: I1, kind: 'dynamic', node: 'n6', at: at(13), hello: hello('Geth/v1.13.0-stable/linux-amd64/go1.21.0', ['snap/1']), sent: ['useless_peer'] }),
    dial({ instance: I2, kind: 'dynamic', node: 'n7', at: at(13), hello: hello('besu/v24.1.0/linux-x86_64/openjdk-java-21'), received: ['useless_peer'] }),
    dial({ instance: I2, kind: 'dynamic', node: 'n8', at: at(13), received: ['too_many_peers'] }),
    dial({ instance: I2, kind: 'static', node: 'n8', at: at(14), received: ['too_many_peers'] }),
    dial({ instance: I3, kind: 'dynamic', node: 'n9', at: at(13), error: 'connection_refused' }),
    dial({ instance: I3, kind: 'static', node: 'n9', at: at(14), error: 'connection_refused' }),
    dial({ instance: I1, kind: 'inbound', node: 'n10', at: at(15), hello: hello('Reth/v1.1.0/x86_64-unknown-linux-gnu'), status: status({ eth: 69, bestBlock: 1001n }), srtt: 10 }),
    dial({ instance: I3, kind: 'dynamic', node: 's0', at: at(13), hello: hello('Geth/v1.14.11-stable-ddd/linux-amd64/go1.23.2'), status: status({ bestBlock: 1000n }) }),
    dial({ instance: I1, kind: 'dynamic', node: 'n12', at: SINCE - 13 * H, hello: hello('Geth/v1.15.0-stable/linux-amd64/go1.23.2'), status: status({ bestBlock: 900n }) }),
  );
  const counters = (instance: string, minute: number, findnodeSent: number): CrawlerEvent => ({
    type: 'discovery_counters',
    instance,
    minute,
    findnodeSent,
    neighborsReceived: findnodeSent,
    nodesLearned: 16 * findnodeSent,
    newNodes: 1,
    pingsSent: 2,
    pongsReceived: 2,
    pingsReceived: 1,
    findnodeReceived: 0,
    tableSize: 10,
  });
  ev.push(counters(I1, SINCE - 14 * H, 3), counters(I1, NOON, 5), counters(I2, NOON + 60_000, 7));
  const v5 = (instance: string, minute: number, findnodeSent: number): CrawlerEvent => ({
    type: 'discovery_v5_counters',
    instance,
    minute,
    lookups: 1,
    findnodeSent,
    nodesReceived: findnodeSent - 1,
    recordsLearned: 3 * findnodeSent,
    pingsSent: 2,
    pongsReceived: 1,
    sessionsIn: 1,
    requestsAnswered: 4,
    dropped: 1,
    tableSize: 20 + findnodeSent,
  });
  // I1 reports twice for 12:00 (two batches of a minute sum up), I3 runs v5 only, at 15:10 (an hour without v4).
  ev.push(v5(I1, SINCE - 14 * H, 4), v5(I1, NOON, 6), v5(I1, NOON, 2), v5(I3, SINCE + 15 * H + 10 * 60_000, 9));
  return ev;
}

/** A tiny geo database placing the dataset's addresses (the packaged one changes with its releases). */
export function datasetGeo(): GeoDatabase {
  const v4 = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const v6 = (hex: string) => BigInt(`0x${hex}`).toString();
  return new GeoDatabase({
    countryV4: [
      `${v4('1.0.0.0')},${v4('1.0.0.255')},AU`,
      `${v4('5.9.0.0')},${v4('5.9.255.255')},DE`,
      `${v4('8.8.8.0')},${v4('8.8.8.255')},US`,
      `${v4('45.10.20.0')},${v4('45.10.20.255')},NL`,
    ].join('\n'),
    countryV6: `${v6('2a0104f8000000000000000000000000')},${v6('2a0104f8ffffffffffffffffffffffff')},DE`,
    asnV4: [
      `${v4('1.0.0.0')},${v4('1.0.0.255')},13335,"Cloudflare, Inc."`,
      `${v4('5.9.0.0')},${v4('5.9.255.255')},24940,Hetzner Online GmbH`,
      `${v4('8.8.8.0')},${v4('8.8.8.255')},15169,Google LLC`,
      `${v4('45.10.20.0')},${v4('45.10.20.255')},64500,Sybil Hosting`,
    ].join('\n'),
    asnV6: `${v6('2a0104f8000000000000000000000000')},${v6('2a0104f8ffffffffffffffffffffffff')},24940,Hetzner Online GmbH`,
  }, 'test tables');
}

/** Enode URLs of some dataset nodes plus one unknown node and a duplicate (coverage --external). */
export function externalEnodes(): string {
  const url = (name: string) => {
    const n = NODES[name]!;
    return formatEnode({ publicKey: hexToBytes(n.pk), ip: n.ip, udpPort: 30303, tcpPort: 30303 });
  };
  const stranger = bytesToHex(publicKeyFromPrivate(hexToBytes(rng.hex(32))));
  return [
    '# exported node list',
    url('n0'),
    url('n5'),
    '',
    url('n11'),
    url('n12'),
    `${stranger}`,
    url('n0'),
  ].join('\n');
}
