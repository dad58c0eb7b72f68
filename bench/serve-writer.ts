/**
 * The crawl's write load for bench/serve.bench.ts, as its own process: `node serve-writer.js <postgres
 * URL> <schema> <seconds>`. Feeds the real EventWriter as fast as it commits (batches of discovery
 * sightings of new and known nodes, and dials with HELLO, STATUS and RTT) and prints one JSON line
 * with the events committed per second — the number the web view must not push down.
 */
import { randomBytes } from 'node:crypto';
import type { CrawlerEvent } from '../src/events.js';
import { openPostgres } from '../src/store/pg-adapter.js';
import { EventWriter } from '../src/store/writer.js';
import { withDialPolicy } from '../src/crawler/probe.js';
import { uuidV7 } from '../src/crypto/uuid.js';

const [url, schema, secondsText] = process.argv.slice(2);
const seconds = Number(secondsText);
const db = await openPostgres(url!, { schema: schema! });
const writer = await EventWriter.open(db, { journalDir: null, lastSeenRefreshMs: 0 });
const instance = '00'.repeat(31) + '01';
const hex = (n: number) => randomBytes(n).toString('hex');

function batch(at: number): CrawlerEvent[] {
  const out: CrawlerEvent[] = [];
  for (let i = 0; i < 1800; i++) {
    out.push({ type: 'node_seen', instance, nodeId: hex(32), publicKey: hex(64), ip: `2.${i % 250}.${(i >> 3) % 250}.${i % 200}`, udpPort: 30303, tcpPort: 30303, source: 'neighbors', at });
  }
  for (let i = 0; i < 200; i++) {
    out.push(withDialPolicy({
      type: 'dial', dialId: uuidV7(at), instance, kind: 'dynamic', nodeId: hex(32), publicKey: hex(64), ip: `3.0.${i % 250}.1`, tcpPort: 30303,
      startedAt: at, endedAt: at + 300, connectMs: 20, outcome: 'status', errorKind: null, errorMessage: null,
      hello: { p2pVersion: 5, clientId: 'Geth/v1.14.11-stable/linux-amd64/go1.23.2', clientName: 'Geth', clientVersion: 'v1.14.11-stable', os: 'linux', arch: 'amd64', runtime: 'go1.23.2', caps: ['eth/68'], listenPort: 30303 },
      status: { ethVersion: 68, networkId: 1n, totalDifficulty: null, bestHash: hex(32), genesisHash: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', forkHash: '9f3d2254', forkNext: 0n, forkVerdict: 'compatible', bestBlock: 20_000_000n, earliestBlock: null },
      disconnects: [], rtt: { srttMs: 40, minMs: 38, samples: 8, rttMs: 38, rttSource: 'p2p_ping', tcpConnectMs: 20, discPingMs: null, handshakeMs: 55, statusMs: 60 },
    }));
  }
  return out;
}

const t0 = performance.now();
const cpu0 = process.cpuUsage();
let events = 0;
while (performance.now() - t0 < seconds * 1000) {
  const b = batch(Date.now());
  writer.writeMany(b);
  if (!(await writer.flush())) throw new Error('writer flush failed');
  events += b.length;
}
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const stats = await writer.close();
await db.close();
process.stdout.write(`${JSON.stringify({ cpu_ms: (cpu.user + cpu.system) / 1000, events, seconds: elapsed, per_second: events / elapsed, dropped: stats.dropped, rejected: stats.rejected })}\n`);
