/**
 * Crawl-shaped events for the writer benchmarks (bench/store.bench.ts, bench/crawl-writer.ts), their mix
 * and order fixed by the seed (node IDs, record bytes and block hashes are random bytes): 70 % node_seen, 27 % dials (a third with HELLO+STATUS+RTT), 3 % ENR, discovery counters every minute
 * per instance. Event time advances at `rate` events/s — the crawl the writer must keep up with — so
 * the writer's last_seen refreshes (at most once a minute per node) happen as in such a crawl.
 * Rows only: the generated addresses are stored, never contacted.
 */
import { randomBytes } from '../src/crypto/index.js';
import { bytesToHex } from '../src/util/bytes.js';
import type { CrawlerEvent, DialEvent } from '../src/events.js';
import { withDialPolicy } from '../src/crawler/probe.js';
import { uuidV7 } from '../src/crypto/uuid.js';
import { Rng } from '../src/util/rng.js';

/** The crawl rate the issue 13 goal names (events/s of event time). */
export const EVENT_RATE = 20_000;

export interface CrawlNode {
  id: string;
  pk: string;
  ip: string;
}

/** `count` random node IDs at stored-only 10.x addresses. */
export function makeNodes(count: number): CrawlNode[] {
  return Array.from({ length: count }, (_, i) => ({
    id: bytesToHex(randomBytes(32)),
    pk: bytesToHex(randomBytes(64)),
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  }));
}

export interface CrawlStreamOptions {
  seed: number;
  /** Event time of the first event (ms). */
  start: number;
  nodes: readonly CrawlNode[];
  /** Instance IDs (hex); default 8 random ones. */
  instances?: readonly string[];
  /** Events per second of event time (default EVENT_RATE). */
  rate?: number;
}

/** An endless crawl: `take(n)` returns the next n events (plus the minute's counters when due). */
export class CrawlStream {
  private readonly rng: Rng;
  private readonly instances: readonly string[];
  private readonly rate: number;
  private i = 0;
  private minute: number;

  constructor(private readonly o: CrawlStreamOptions) {
    this.rng = new Rng(o.seed);
    this.instances = o.instances ?? Array.from({ length: 8 }, () => bytesToHex(randomBytes(32)));
    this.rate = o.rate ?? EVENT_RATE;
    this.minute = Math.floor(o.start / 60_000) * 60_000;
  }

  /** Event time of the next event. */
  get now(): number {
    return this.o.start + Math.floor((this.i * 1000) / this.rate);
  }

  take(n: number, out: CrawlerEvent[] = []): CrawlerEvent[] {
    const { rng, instances, o } = this;
    for (let k = 0; k < n; k++, this.i++) {
      const at = this.now;
      const node = o.nodes[rng.int(o.nodes.length)]!;
      const instance = instances[rng.int(instances.length)]!;
      if (at - this.minute >= 60_000) {
        for (const inst of instances) {
          out.push({ type: 'discovery_counters', instance: inst, minute: this.minute, findnodeSent: 100, neighborsReceived: 180, nodesLearned: 2400, newNodes: 30, pingsSent: 50, pongsReceived: 45, pingsReceived: 60, findnodeReceived: 20, tableSize: 2000 });
        }
        this.minute += 60_000;
      }
      const r = rng.int(100);
      if (r < 70) {
        out.push(nodeSeenEvent(instance, node, at));
      } else if (r < 97) {
        out.push(dialEvent(rng, instance, node, at));
      } else {
        out.push({ type: 'enr', instance, nodeId: node.id, seq: BigInt(1 + rng.int(4)), raw: bytesToHex(randomBytes(140)), at });
      }
    }
    return out;
  }
}

/** n events of a crawl over 50 000 random node IDs (bench/store.bench.ts). */
export function crawlEvents(n: number, seed: number, start: number): CrawlerEvent[] {
  return new CrawlStream({ seed, start, nodes: makeNodes(50_000) }).take(n);
}

/** A discv4 NEIGHBORS sighting of `node`. */
export function nodeSeenEvent(instance: string, node: CrawlNode, at: number): CrawlerEvent {
  return { type: 'node_seen', instance, nodeId: node.id, publicKey: node.pk, ip: node.ip, udpPort: 30303, tcpPort: 30303, source: 'neighbors', at };
}

/** A dynamic dial of `node`: reaching STATUS (HELLO, RTT, our DISCONNECT) when `ok`, else a timeout; `ok` defaults to one in three. */
export function dialEvent(rng: Rng, instance: string, node: CrawlNode, at: number, ok = rng.int(3) === 0): DialEvent {
  return withDialPolicy({
    type: 'dial',
    dialId: uuidV7(at), // as the crawler's (src/crawler/dial-record.ts)
    instance,
    kind: 'dynamic',
    nodeId: node.id,
    publicKey: node.pk,
    ip: node.ip,
    tcpPort: 30303,
    startedAt: at,
    endedAt: at + 300,
    connectMs: 20 + rng.int(200),
    outcome: ok ? 'status' : 'error',
    errorKind: ok ? null : 'timeout',
    errorMessage: ok ? null : 'dial timed out',
    hello: ok
      ? { p2pVersion: 5, clientId: 'Geth/v1.14.0-stable/linux-amd64/go1.22.1', clientName: 'Geth', clientVersion: 'v1.14.0-stable', os: 'linux', arch: 'amd64', runtime: 'go1.22.1', caps: ['eth/68', 'snap/1'], listenPort: 30303 }
      : null,
    status: ok
      ? { ethVersion: 68, networkId: 1n, totalDifficulty: 58750003716598352816469n, bestHash: bytesToHex(randomBytes(32)), genesisHash: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', forkHash: '9f3d2254', forkNext: 0n, forkVerdict: 'compatible', bestBlock: null, earliestBlock: null }
      : null,
    disconnects: ok ? [{ direction: 'sent', reason: 'disconnect_requested', at: at + 290 }] : [],
    rtt: ok ? { srttMs: 80, minMs: 60, samples: 3, rttMs: 60, rttSource: 'p2p_ping', tcpConnectMs: 40, discPingMs: null, handshakeMs: 95, statusMs: 120 } : null,
  });
}
