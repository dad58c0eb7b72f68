/**
 * Child process of crawl.bench.ts (a fresh process, so RSS is ours alone): 30 NodeFinder instances
 * in one process, every one hearing of the same POPULATION nodes (each hearing decodes its own
 * copy, as from its own NEIGHBORS), dialing them (loopback addresses that refuse), then every
 * routing table filled to capacity (16 entries and 10 replacements in each of the 256 buckets).
 * Prints one JSON object: memory after each step and the sizes of what holds it.
 *
 * Run with --expose-gc and NODEFINDER_RSS_CHILD_PORT=<first port> (crawl.bench.ts does both).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { generatePrivateKey, keccak256, randomBytes } from '../src/crypto/index.js';
import { Crawler } from '../src/crawler/crawler.js';
import type { NodeRecord } from '../src/enode/node-record.js';
import { NETWORKS } from '../src/eth/networks.js';
import { systemClock } from '../src/net/clock.js';
import { LOOPBACK_ONLY } from '../src/net/netrestrict.js';
import { nodeSockets } from '../src/net/node-sockets.js';

export const RSS_INSTANCES = 30;
/** Distinct nodes every instance hears of: a day of mainnet discovery is ~10–20k reachable IDs. */
export const RSS_POPULATION = 20_000;

export interface RssStep {
  step: string;
  rssMb: number;
  heapMb: number;
  externalMb: number;
}

export interface RssReport {
  instances: number;
  population: number;
  steps: RssStep[];
  tableEntries: number;
  tableReplacements: number;
  schedulerKnown: number;
  shared: { sightings: number; recentDials: number; runningDials: number; enrFetched: number };
  dials: number;
  seconds: number;
}

function gcFn(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const MB = 1024 * 1024;

/** One node as a NEIGHBORS decode makes it: fresh key, ID and IP string every time. */
function copyOf(n: { publicKey: Uint8Array; ipNum: number }): NodeRecord {
  const publicKey = Uint8Array.from(n.publicKey);
  const x = n.ipNum;
  return { id: keccak256(publicKey), publicKey, ip: `127.${1 + ((x >> 16) & 0x7f)}.${(x >> 8) & 0xff}.${x & 0xff}`, udpPort: 30303, tcpPort: 30303 };
}

/** A node at log distance bucket+1 from selfId (XOR's highest set bit at position `bucket`). */
function atBucket(selfId: Uint8Array, bucket: number, ipNum: number): NodeRecord {
  const xor = randomBytes(32);
  const byte = 31 - (bucket >> 3);
  for (let i = 0; i < byte; i++) xor[i] = 0;
  const bit = bucket & 7;
  xor[byte] = (xor[byte]! & ((1 << bit) - 1)) | (1 << bit);
  const id = selfId.map((b, i) => b ^ xor[i]!);
  return { id, publicKey: randomBytes(64), ip: `127.200.${(ipNum >> 8) & 0xff}.${ipNum & 0xff}`, udpPort: 30303, tcpPort: 30303 };
}

const pause = () => new Promise<void>((r) => setImmediate(r));

export async function measureRss(port: number): Promise<RssReport> {
  const gc = gcFn();
  const t0 = performance.now();
  const steps: RssStep[] = [];
  const measure = (step: string) => {
    gc();
    gc();
    const m = process.memoryUsage();
    steps.push({ step, rssMb: m.rss / MB, heapMb: m.heapUsed / MB, externalMb: (m.external + m.arrayBuffers) / MB });
  };
  measure('process, modules loaded');

  let dials = 0;
  const crawler = new Crawler({
    clock: systemClock,
    sockets: nodeSockets,
    network: NETWORKS.mainnet,
    bootnodes: [],
    instances: RSS_INSTANCES,
    listenHost: '127.0.0.1',
    port,
    netrestrict: LOOPBACK_ONLY,
    maxDials: 16,
    redialIntervalMs: 30 * 60_000,
    expireAfterMs: 24 * 3_600_000,
    maxSockets: 1024,
    privateKeys: Array.from({ length: RSS_INSTANCES }, () => generatePrivateKey()),
    clientId: 'NodeFinder/bench',
    codeVersion: 'bench',
    sinks: [(e) => void (e.type === 'dial' && dials++)],
    feedLookups: false,
  });
  await crawler.start();
  measure(`${RSS_INSTANCES} instances started`);

  const population = Array.from({ length: RSS_POPULATION }, (_, i) => ({ publicKey: randomBytes(64), ipNum: i }));
  for (let i = 0; i < population.length; i++) {
    for (const inst of crawler.instances) inst.hear(copyOf(population[i]!));
    if (i % 200 === 199) await pause();
  }
  population.length = 0;
  // Every node is dialed once in the process (the others reuse the answer); wait for all of them.
  while (crawler.inFlight() > 0 || crawler.queued() > 0) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1_000)); // discovery PINGs of the last dials time out
  measure(`every instance heard of ${RSS_POPULATION.toLocaleString('en-US')} nodes, all dialed`);

  let n = 0;
  for (const inst of crawler.instances) {
    const table = inst.routingTable!;
    for (let b = 0; b < 256; b++) for (let k = 0; k < 26; k++) table.addSeen(atBucket(inst.nodeId, b, n++ & 0xffff));
  }
  measure('every table at capacity (256 × (16 + 10))');

  let tableEntries = 0;
  let tableReplacements = 0;
  let schedulerKnown = 0;
  for (const inst of crawler.instances) {
    tableEntries += inst.routingTable!.size;
    tableReplacements += inst.routingTable!.replacementCount;
    schedulerKnown += inst.dialScheduler!.stats().known;
  }
  const shared = crawler.shared.sizes();
  await crawler.stop();
  return {
    instances: RSS_INSTANCES,
    population: RSS_POPULATION,
    steps,
    tableEntries,
    tableReplacements,
    schedulerKnown,
    shared,
    dials,
    seconds: (performance.now() - t0) / 1000,
  };
}

// Run as a child (crawl.bench.ts sets the variable): prints the report as one JSON line.
if (process.env.NODEFINDER_RSS_CHILD_PORT) {
  process.stdout.write(`${JSON.stringify(await measureRss(Number(process.env.NODEFINDER_RSS_CHILD_PORT)))}\n`);
  process.exit(0);
}
