/**
 * An instance's discovery v5 node: a Discv5Endpoint on the v5 half of the instance's UDP port
 * (src/discv5/demux.ts, as geth shares one socket between v4 and v5: p2p/server.go setupDiscovery
 * hands v4's unhandled packets to ListenV5), signed with the instance's key and record (the same
 * record v4 serves), a routing table of records (src/discv5/node-table.ts) and random-target
 * lookups (src/discv5/lookup.ts, geth v5_udp.go lookupDistances).
 *
 * What it learns goes to the instance through two hooks: `onNode` for every record from a NODES
 * answer ('nodes') or from a node that opened a session with us ('v5_session'), and `onAnswer` for
 * every node that answered a request of ours (PONG or NODES). The instance decides about sightings,
 * stored records and dials (never RLPx for consensus-layer records).
 */
import { Discv5Endpoint } from '../discv5/endpoint.js';
import { lookupV5, randomTarget } from '../discv5/lookup.js';
import { Discv5Table } from '../discv5/node-table.js';
import { isKeyOnly, keyOnlyTarget } from '../discv5/key-target.js';
import type { Discv5Event } from '../discv5/service.js';
import type { Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { NodeFinderError } from '../errors.js';
import { V5_COUNTER_FIELDS, type V5CounterField } from '../events.js';
import type { Clock } from '../net/clock.js';
import type { Netrestrict } from '../net/netrestrict.js';
import type { UdpTransport } from '../net/transport.js';
import { recordLayer } from '../eth/record-layer.js';
import { Enumerator, type EnumerationLimits, type EnumerationStats } from './enumerate.js';
import { v5EnumerationAdapter } from './enumerate-v5.js';
import { bytesToHex } from '../util/bytes.js';
import { sleep } from './sleep.js';

/**
 * Lookup pacing, as the v4 feed (instance.ts FEED_MIN_INTERVAL_MS): one random lookup per second
 * while lookups teach new nodes, backing off (doubling) to one per 30 s while they teach nothing.
 */
export const V5_LOOKUP_MIN_INTERVAL_MS = 1_000;
export const V5_LOOKUP_MAX_INTERVAL_MS = 30_000;
/**
 * Re-ask the bootnodes for their records while the table is empty (geth re-seeds an empty table on
 * refresh, table.go loadSeedNodes): after 1 s, doubling up to 30 s.
 */
export const V5_BOOTSTRAP_RETRY_MIN_MS = 1_000;
export const V5_BOOTSTRAP_RETRY_MAX_MS = 30_000;

export type V5Source = 'nodes' | 'v5_session';

export interface V5DiscoveryOptions {
  /** The v5 view of the instance's UDP socket (shareTransport(...).v5). */
  transport: UdpTransport;
  privateKey: Uint8Array;
  clock: Clock;
  /** Our current record (LocalNode's; re-signed records are picked up on the next packet). */
  localEnr: () => Enr;
  netrestrict: Netrestrict;
  /** enode URLs: contacted with their key only, then asked for their record (geth enode.NewV4 nodes). */
  bootnodes: readonly NodeRecord[];
  /** Per-packet reply timeout (discv5 default 500 ms / 1 s handshake). */
  responseTimeoutMs?: number;
  /** Random lookups (default on). */
  lookups?: boolean;
  /** Lookup targets (default: random; simulations inject a seeded source for determinism). */
  randomTarget?: () => Uint8Array;
  /**
   * Routing-table enumeration of every node that answers or is learned (enumerate-v5.ts: one
   * distance per FINDNODE, 256 down), with these limits; false: none (`crawl --discovery lookups`).
   */
  enumeration?: Partial<EnumerationLimits> | false;
  /** Whether this instance enumerates a node (one owner per node in a process). Default: all. */
  enumerates?: (enr: Enr) => boolean;
  /** Returns true when the node is new to the crawler (enumeration's stop rule counts those). */
  onNode: (enr: Enr, source: V5Source) => boolean | void;
  onAnswer: (nodeId: Uint8Array) => void;
  onError?: (err: NodeFinderError) => void;
}

/** Cumulative discv5 activity of one node (the fields: events.ts V5_COUNTER_FIELDS). */
export type V5Counters = Record<V5CounterField, number>;

export const zeroV5Counters = (): V5Counters => Object.fromEntries(V5_COUNTER_FIELDS.map((f) => [f, 0])) as V5Counters;

/**
 * Where a record's node is sighted: its endpoint with the TCP port only when the record states one
 * (Enr.toNodeRecord would borrow the UDP port, which a consensus-layer node does not listen on for RLPx).
 */
export function v5Sighting(enr: Enr): NodeRecord | undefined {
  const rec = enr.toNodeRecord();
  if (!rec) return undefined;
  const tcp = rec.ip === enr.ip ? enr.tcp : enr.tcp6;
  return { ...rec, tcpPort: tcp ?? 0 };
}

/**
 * The RLPx dial target of a record, or undefined: a consensus-layer record (eth2, no eth;
 * src/eth/record-layer.ts) is counted but never dialed — its TCP port speaks libp2p — and a record
 * without a TCP port has nothing to dial. 'execution' and 'other' records with a TCP port are
 * dialed (old geth and other execution clients may lack an eth entry).
 */
export function v5DialTarget(enr: Enr): NodeRecord | undefined {
  if (recordLayer(enr.entries) === 'consensus') return undefined;
  const node = v5Sighting(enr);
  return node && node.tcpPort > 0 ? node : undefined;
}

export class V5Discovery {
  readonly endpoint: Discv5Endpoint;
  readonly table: Discv5Table;
  private readonly o: V5DiscoveryOptions;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private readonly c: V5Counters = zeroV5Counters();
  private stopped = false;
  private readonly enumerator: Enumerator<Enr> | undefined;

  constructor(options: V5DiscoveryOptions) {
    this.o = options;
    const self = options.localEnr();
    this.table = new Discv5Table(self.nodeId);
    this.endpoint = new Discv5Endpoint({
      identity: { privateKey: options.privateKey, enr: options.localEnr },
      transport: options.transport,
      clock: options.clock,
      lookup: this.table.atDistance,
      knownEnr: (id) => this.table.get(id),
      onEvent: (e) => this.onEvent(e),
      // One re-send of an unanswered request (as @chainsafe/discv5): a lost datagram should not cost
      // a crawler a node (service-types.ts `retries`).
      retries: 1,
      ...(options.responseTimeoutMs ? { responseTimeoutMs: options.responseTimeoutMs, handshakeTimeoutMs: options.responseTimeoutMs * 2 } : {}),
    });
    if (options.enumeration !== false) {
      this.enumerator = new Enumerator(
        options.clock,
        v5EnumerationAdapter({
          findNode: async (node, distances, o) => {
            this.c.findnodeSent++;
            const records = await this.endpoint.findNode(node, distances, o);
            this.c.nodesReceived++;
            this.answered(node);
            return records;
          },
          // The stop rule counts records new to our table.
          learn: (_from, records) => {
            let added = 0;
            for (const r of records) if (this.usable(r) && this.learn(r, 'nodes')) added++;
            return added;
          },
        }),
        options.enumeration ?? {},
      );
    }
  }

  /** Enumeration counters (undefined without enumeration). */
  enumerationStats(): EnumerationStats | undefined {
    return this.enumerator?.stats();
  }

  private offerEnumeration(enr: Enr): void {
    if (!this.enumerator || isKeyOnly(enr) || (this.o.enumerates && !this.o.enumerates(enr))) return;
    this.enumerator.offer(enr);
  }

  counters(): V5Counters {
    return { ...this.c, requestsAnswered: this.endpoint.service.stats.requestsAnswered, dropped: this.endpoint.service.stats.dropped };
  }

  get tableSize(): number {
    return this.table.size;
  }

  /** Bootstrap from the bootnodes, then look up at random targets until stop(). */
  start(): void {
    this.running = this.run();
  }

  /**
   * A record learned elsewhere (a v4 ENRREQUEST answer, a DNS list): hearsay for the table, so
   * lookups may ask it. A node that runs v5 on its v4 port answers; one that does not costs one
   * timed-out request.
   */
  seed(enr: Enr): void {
    if (this.stopped || isKeyOnly(enr) || !this.usable(enr)) return;
    this.table.add(enr);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await Promise.allSettled([this.running, this.enumerator?.stop()]);
    await this.endpoint.close();
  }

  /** PING a node; true when it answered (counted as an answer). Never rejects. */
  async ping(enr: Enr): Promise<boolean> {
    this.c.pingsSent++;
    try {
      await this.endpoint.ping(enr, { signal: this.abort.signal });
      this.c.pongsReceived++;
      this.answered(enr);
      return true;
    } catch {
      return false;
    }
  }

  private async run(): Promise<void> {
    const { clock } = this.o;
    const signal = this.abort.signal;
    let wait = 0;
    let retry = V5_BOOTSTRAP_RETRY_MIN_MS;
    while (!this.stopped) {
      if (this.table.size === 0) {
        await this.bootstrap();
        if (this.table.size === 0) {
          await sleep(clock, retry, signal);
          retry = Math.min(2 * retry, V5_BOOTSTRAP_RETRY_MAX_MS);
          continue;
        }
      }
      if (this.o.lookups === false) return;
      if (wait > 0) await sleep(clock, wait, signal); // the first lookup starts at once
      if (this.stopped) return;
      const before = this.c.recordsLearned;
      this.c.lookups++;
      // The first lookup is for our own ID (fills our neighbourhood, announces us), then random.
      const target = this.c.lookups === 1 ? this.table.selfId : (this.o.randomTarget ?? randomTarget)();
      try {
        await lookupV5({
          selfId: this.table.selfId,
          target,
          seeds: this.table.closest(target),
          clock,
          signal,
          findNode: (node, distances, s) => this.findNode(node, distances, s),
          onFailure: (node) => {
            if (!this.table.isLive(node.nodeId)) this.table.remove(node.nodeId);
          },
        });
      } catch {
        // aborted by stop()
      }
      wait = this.c.recordsLearned > before ? V5_LOOKUP_MIN_INTERVAL_MS : Math.min(Math.max(wait * 2, V5_LOOKUP_MIN_INTERVAL_MS), V5_LOOKUP_MAX_INTERVAL_MS);
    }
  }

  /** Ask each bootnode for its record (FINDNODE distance 0 over a key-only target). */
  private async bootstrap(): Promise<void> {
    await Promise.all(
      this.o.bootnodes
        .filter((b) => this.o.netrestrict.allows(b.ip) && b.udpPort > 0)
        .map(async (b) => {
          try {
            this.c.findnodeSent++;
            const enr = await this.endpoint.requestEnr(keyOnlyTarget(b), { signal: this.abort.signal });
            if (!enr || bytesToHex(enr.nodeId) !== bytesToHex(b.id)) return;
            this.c.nodesReceived++;
            this.answered(enr);
            this.learn(enr, 'nodes');
          } catch {
            // not a v5 node, or not answering: v4 may still know it
          }
        }),
    );
  }

  private async findNode(node: Enr, distances: number[], signal: AbortSignal): Promise<Enr[]> {
    this.c.findnodeSent++;
    const records = await this.endpoint.findNode(node, distances, { signal });
    this.c.nodesReceived++;
    this.answered(node);
    const usable = records.filter((r) => this.usable(r));
    for (const r of usable) this.learn(r, 'nodes');
    return usable;
  }

  /** A record we can use: an endpoint inside --netrestrict (geth drops others on receipt too). */
  private usable(enr: Enr): boolean {
    const rec = enr.toNodeRecord();
    return rec !== undefined && rec.udpPort > 0 && this.o.netrestrict.allows(rec.ip);
  }

  private answered(enr: Enr): void {
    if (this.stopped) return;
    this.table.add(enr, true);
    this.o.onAnswer(enr.nodeId);
  }

  /** True when the record was new to our table or to the crawler. */
  private learn(enr: Enr, source: V5Source): boolean {
    if (this.stopped) return false;
    const added = this.table.add(enr) === 'added';
    if (added) this.c.recordsLearned++;
    const fresh = this.o.onNode(enr, source) === true;
    this.offerEnumeration(enr);
    return added || fresh;
  }

  private onEvent(e: Discv5Event): void {
    if (this.stopped) return;
    // A node that completed a handshake with us proved its key and answered our WHOAREYOU at this
    // address: its record is verified and its endpoint live.
    if (e.type === 'session' && !e.initiator && !isKeyOnly(e.enr) && this.usable(e.enr)) {
      this.c.sessionsIn++;
      if (this.table.add(e.enr, true) === 'added') this.c.recordsLearned++;
      this.o.onNode(e.enr, 'v5_session');
      this.offerEnumeration(e.enr);
    }
  }
}
