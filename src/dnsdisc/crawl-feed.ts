/**
 * DNS trees as a crawl seed: resolve the trees, turn each verified leaf record into a dialable
 * node, and keep doing so at every root re-check. The crawler only sees node records.
 */
import type { Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock } from '../net/clock.js';
import { CRAWL_LOOKUPS_PER_SECOND } from './constants.js';
import { DnsFeed } from './feed.js';
import { LookupRateLimiter } from './rate-limit.js';
import { DnsTreeSync, type SyncReport, type TxtLookup } from './sync.js';
import { createTxtLookup } from './txt-lookup.js';

export interface DnsNodeRecord {
  node: NodeRecord;
  seq: bigint;
  /** The record's RLP, as signed */
  raw: Uint8Array;
}

/** Leaf records with an endpoint (IPv4 preferred); records without address or port are left out. */
export function dnsNodeRecords(enrs: readonly Enr[]): DnsNodeRecord[] {
  const out: DnsNodeRecord[] = [];
  for (const enr of enrs) {
    const node = enr.toNodeRecord();
    if (node) out.push({ node, seq: enr.seq, raw: enr.raw });
  }
  return out;
}

export interface CrawlDnsOptions {
  links: readonly string[];
  clock: Clock;
  /** Resolver addresses (host:port); default: the system's. */
  servers?: readonly string[];
  /** Injected instead of node:dns (tests). */
  lookup?: TxtLookup;
  intervalMs?: number;
  lookupsPerSecond?: number;
  onNodes: (records: DnsNodeRecord[]) => void;
  onReport?: (report: SyncReport, nodesKnown: number) => void;
}

export function createCrawlDnsFeed(o: CrawlDnsOptions): DnsFeed {
  const sync = new DnsTreeSync({
    lookup: o.lookup ?? createTxtLookup(o.servers ? { servers: o.servers } : {}),
    links: o.links,
    rateLimit: new LookupRateLimiter(o.clock, o.lookupsPerSecond ?? CRAWL_LOOKUPS_PER_SECOND),
    // Dial as they come; the feed hands over the complete set again when the sync ends.
    onLeaves: (enrs) => o.onNodes(dnsNodeRecords(enrs)),
  });
  return new DnsFeed({
    sync,
    clock: o.clock,
    ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
    onNodes: (enrs) => o.onNodes(dnsNodeRecords(enrs)),
    onReport: (r) => o.onReport?.(r, sync.nodes().size),
  });
}
