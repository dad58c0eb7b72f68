/**
 * Observers for integration tests: every UDP datagram and TCP connect this process makes, seen at
 * the Node socket layer (below our transports and their --netrestrict checks), and a crawl run
 * (CrawlRun) into a real EventWriter + embedded database, every event observed.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { isIP } from 'node:net';
import { generatePrivateKey } from '../../src/crypto/index.js';
import type { Crawler } from '../../src/crawler/crawler.js';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { NETWORKS } from '../../src/eth/networks.js';
import type { Clock } from '../../src/net/clock.js';
import type { SocketFactory } from '../../src/net/transport.js';
import { CrawlRun, type CrawlRunOptions } from '../../src/run/crawl-run.js';
import { Netrestrict } from '../../src/net/netrestrict.js';
import type { Database } from '../../src/store/database.js';
import { EventWriter, type WriterStats } from '../../src/store/writer.js';
import { pgliteEngine } from '../store/helpers.js';

/** Destinations of every datagram sent and every TCP connect started in this process. */
export interface SocketSpy {
  udp: Map<string, number>;
  tcp: Map<string, number>;
  /** Addresses that are not IPv4/IPv6 loopback (127.0.0.0/8, ::1, ::ffff:127.x). */
  outsideLoopback(): string[];
  restore(): void;
}

export function isLoopback(address: string): boolean {
  const a = address.replace(/^::ffff:/i, '');
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/**
 * Patch dgram.Socket#send and net.Socket#connect to record destinations. Node's own APIs, so a send
 * that bypassed our transports (and their netrestrict) would still be seen.
 */
export function spySockets(): SocketSpy {
  const udp = new Map<string, number>();
  const tcp = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const origSend = dgram.Socket.prototype.send;
  const origConnect = net.Socket.prototype.connect;
  // send(msg, [offset, length,] port, address, cb): the address is the first string argument.
  dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
    const address = args.find((a) => typeof a === 'string');
    bump(udp, typeof address === 'string' ? address : '(connected socket)');
    return (origSend as (...a: unknown[]) => void).apply(this, args);
  } as typeof origSend;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.connect() hands Socket#connect its normalized arguments as one array.
    const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { host?: string; path?: string } | number | string;
    const host = typeof first === 'object' && first !== null ? (first.host ?? first.path ?? 'localhost') : typeof args[1] === 'string' ? args[1] : 'localhost';
    bump(tcp, host);
    return (origConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof origConnect;
  return {
    udp,
    tcp,
    outsideLoopback: () => [...udp.keys(), ...tcp.keys()].filter((a) => !isLoopback(a)),
    restore() {
      dgram.Socket.prototype.send = origSend;
      net.Socket.prototype.connect = origConnect;
    },
  };
}

/** A Netrestrict that remembers every address it was asked to check (before every send and dial). */
export class RecordingNetrestrict extends Netrestrict {
  readonly allowed = new Map<string, number>();
  readonly refused = new Map<string, number>();
  checks = 0;

  override check(address: string): void {
    this.checks++;
    const m = this.allows(address) ? this.allowed : this.refused;
    m.set(address, (m.get(address) ?? 0) + 1);
    super.check(address);
  }
}

export interface ObservedCrawl {
  run: CrawlRun;
  crawler: Crawler;
  db: Database;
  writer: EventWriter;
  events: CrawlerEvent[];
  /** Outbound dials and inbound accepts by remote node ID. */
  dialsByNode: Map<string, DialEvent[]>;
  /** Stop the crawler, then flush and close the writer (the database stays open). */
  stop(): Promise<WriterStats>;
}

/** Test settings on top of the CLI's defaults (geth's 30-minute table refresh, lookups feeding the dialer). */
type CrawlSettings = CrawlRunOptions['crawl'];

/**
 * A crawl run (src/run/crawl-run.ts) over loopback sockets, writing through the real EventWriter
 * into an embedded in-memory database (a fresh schema) unless given one, with every event observed.
 */
export async function startCrawlRun(
  options: { instances: number; port: number; bootnodes: NodeRecord[]; netrestrict: Netrestrict } & Partial<CrawlSettings> & {
    sinks?: ((e: CrawlerEvent) => void)[];
    clock?: Clock;
    sockets?: SocketFactory;
    /** Default: a fresh schema on the file's shared embedded database (test/store/helpers.ts). */
    db?: Database;
    log?: (line: string) => void;
  },
): Promise<ObservedCrawl> {
  const events: CrawlerEvent[] = [];
  const dialsByNode = new Map<string, DialEvent[]>();
  const { sinks, clock, sockets, db: given, log, ...crawl } = options;
  const db = given ?? (await pgliteEngine.fresh()).db;
  const run = await CrawlRun.start({
    db,
    closeDatabase: false,
    journalDir: null,
    ...(log ? { log } : {}),
    writer: { flushIntervalMs: 250 },
    keys: { privateKeys: Array.from({ length: options.instances }, () => generatePrivateKey()) },
    ...(clock ? { clock } : {}),
    ...(sockets ? { sockets } : {}),
    crawl: {
      network: NETWORKS.mainnet,
      listenHost: '127.0.0.1',
      maxDials: 16,
      redialIntervalMs: 30 * 60_000,
      expireAfterMs: 24 * 3_600_000,
      maxSockets: 128,
      clientId: 'NodeFinder/vtest/linux-amd64/node20',
      codeVersion: 'test',
      // A loaded 2-core machine (the testnet runs in this process too) answers later than geth's 500 ms.
      discoveryTimeoutMs: 2_000,
      ...crawl,
    },
    sinks: [
      (e) => {
        events.push(e);
        if (e.type === 'dial' && e.nodeId) {
          const list = dialsByNode.get(e.nodeId) ?? [];
          list.push(e);
          dialsByNode.set(e.nodeId, list);
        }
      },
      ...(sinks ?? []),
    ],
  });
  return {
    run,
    crawler: run.crawler,
    db: run.db,
    writer: run.writer,
    events,
    dialsByNode,
    stop: () => run.stop(),
  };
}

export async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

export const hexId = (b: Uint8Array): string => Buffer.from(b).toString('hex');
