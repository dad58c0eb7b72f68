/**
 * Discovery coverage (issues #10, #11), on one shared 2-core machine:
 *   (a) `nodefinder testnet` start-up: time from spawning `nodefinder testnet --nodes 2000` until
 *       it reports every peer bootstrapped (goal ≤ 60 s); it then serves (b) from its own process,
 *       as in the demo, so the crawler's event loop holds none of the peers' work;
 *   (b) one crawler instance against it with `--discovery lookups`, `enumerate` and `both`: distinct
 *       peers found after 5/10/20/30 s, time until every peer was found (goal < 30 s with
 *       enumeration), and discv4 packets sent per peer found.
 * "Found" = a node_seen event for the peer (it was learned from discovery). The crawler runs with
 * the CLI's defaults (16 dials in flight), so found peers are also dialed, as in a real crawl.
 * NODEFINDER_BENCH_NODES overrides the size (e.g. 200 for a quick run).
 */
import { generatePrivateKey } from '../src/crypto/index.js';
import { Crawler } from '../src/crawler/crawler.js';
import type { DiscoveryMode } from '../src/crawler/enumerate.js';
import { parseEnode } from '../src/enode/enode-url.js';
import { NETWORKS } from '../src/eth/networks.js';
import { systemClock } from '../src/net/clock.js';
import { LOOPBACK_ONLY } from '../src/net/netrestrict.js';
import { nodeSockets } from '../src/net/node-sockets.js';
import { spawnTestnet, type ChildTestnet } from '../src/cli/demo-testnet.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, type BenchTable } from './table.js';

const NODES = Number(process.env.NODEFINDER_BENCH_NODES ?? 2_000);
const TESTNET_GOAL_S = 60;
const CRAWL_GOAL_S = 30;
const CRAWL_LIMIT_MS = Number(process.env.NODEFINDER_BENCH_CRAWL_MS ?? 60_000);
const MARKS_S = [5, 10, 20, 30, 60];
const MODES: DiscoveryMode[] = ['lookups', 'enumerate', 'both'];

interface Coverage {
  mode: DiscoveryMode;
  at: number[];
  all: number | null;
  found: number;
  packets: number;
  findnodes: number;
  cpuS: number;
}

async function crawl(testnet: ChildTestnet, mode: DiscoveryMode, port: number): Promise<Coverage> {
  const peers = new Set(testnet.manifest.peers.map((p) => p.nodeId));
  const found = new Set<string>();
  const crawler = new Crawler({
    clock: systemClock,
    sockets: nodeSockets,
    network: NETWORKS.mainnet,
    bootnodes: testnet.enodes.slice(0, 3).map((e) => parseEnode(e)),
    instances: 1,
    listenHost: '127.0.0.1',
    port,
    netrestrict: LOOPBACK_ONLY,
    // The CLI's defaults: lookups feed the dialer only while its queue is empty (instance.ts).
    maxDials: 16,
    redialIntervalMs: 30 * 60_000,
    expireAfterMs: 24 * 3_600_000,
    maxSockets: 256,
    privateKeys: [generatePrivateKey()],
    clientId: 'NodeFinder/bench',
    codeVersion: 'bench',
    sinks: [(e) => {
      if (e.type === 'node_seen' && peers.has(e.nodeId)) found.add(e.nodeId);
    }],
    discovery: mode,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await crawler.start();
  const at: number[] = [];
  let all: number | null = null;
  for (;;) {
    const s = (performance.now() - t0) / 1000;
    while (at.length < MARKS_S.length && s >= MARKS_S[at.length]!) at.push(found.size);
    if (all === null && found.size === peers.size) all = s;
    if (s * 1000 >= CRAWL_LIMIT_MS) break;
    // Past everything: fill the marks that follow with the final count.
    if (all !== null && s >= 30) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  while (at.length < MARKS_S.length) at.push(found.size);
  const c = crawler.instances[0]!.discoveryCounters()!;
  const cpu = process.cpuUsage(cpu0);
  await crawler.stop();
  return {
    mode,
    at,
    all,
    found: found.size,
    packets: c.pingsSent + c.findnodeSent + c.enrRequestsSent,
    findnodes: c.findnodeSent,
    cpuS: (cpu.user + cpu.system) / 1e6,
  };
}

export default async function run(): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nf-bench-discovery-'));
  // Below Linux's ephemeral range (32768–60999), so no outgoing socket holds one of the peers' ports.
  const base = 10_000 + Math.floor(Math.random() * 8_000);
  const t0 = performance.now();
  const testnet = await spawnTestnet({ nodes: NODES, seed: 3, port: base, enodesFile: join(dir, 'enodes'), maxLifetimeMs: 30 * 60_000 });
  const ready = (performance.now() - t0) / 1000;
  const rows: Coverage[] = [];
  try {
    for (const [i, mode] of MODES.entries()) rows.push(await crawl(testnet, mode, base + NODES + i));
  } finally {
    await testnet.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      title: `Testnet start-up: ${NODES} emulated peers in one process (goal ≤ ${TESTNET_GOAL_S} s)`,
      columns: ['measure', 'value'],
      rows: [['spawn → every peer bootstrapped (process start, keys, sockets, tables)', `${fmt(ready, 1)} s ${ready <= TESTNET_GOAL_S ? 'ok' : 'MISSED'}`]],
    },
    {
      title: `One instance discovering a ${NODES}-peer testnet from 3 bootnodes (goal: all in < ${CRAWL_GOAL_S} s)`,
      columns: ['--discovery', ...MARKS_S.map((s) => `found @${s} s`), 'all found', 'discv4 packets sent', 'packets / node found', 'CPU'],
      rows: rows.map((r) => [
        r.mode,
        ...r.at.map(String),
        r.all === null ? `no (${r.found})` : `${fmt(r.all, 1)} s`,
        `${fmt(r.packets)} (${fmt(r.findnodes)} FINDNODE)`,
        r.found ? fmt(r.packets / r.found, 1) : '-',
        `${fmt(r.cpuS, 1)} s`,
      ]),
      notes: [
        'Measured on a shared 2-core machine running other sessions: times are upper bounds of what an idle host does.',
        'The testnet runs in a process of its own; both processes share the 2 cores, so every datagram is still signed and verified twice on them.',
      ],
    },
  ];
}
