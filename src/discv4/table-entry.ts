/**
 * The discv4 table's entries and buckets as data (table.ts owns them; subnet-limits.ts and
 * revalidation.ts work on them): one record per known node, a bucket's entries and replacements.
 */
import type { NodeRecord } from '../enode/node-record.js';

/** A read-only view of one entry, for callers (FINDNODE answers, metrics, tests). */
export interface TableEntry {
  readonly node: NodeRecord;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Last time the node answered a PING (or bonded); null when never verified. */
  readonly lastPong: number | null;
  /** Consecutive failed requests (revalidation pings and FINDNODEs). */
  readonly failures: number;
  readonly livenessChecks: number;
  /** The endpoint was verified and has not failed since. */
  readonly live: boolean;
  /** True for replacement-list entries (not served, not counted in size). */
  readonly replacement: boolean;
}

/** One of geth's two revalidation lists (table_reval.go): "fast" for new and suspect entries, "slow" for the rest. */
export class RevalidationList {
  nodes: Entry[] = [];
  nextTime = Infinity;
  constructor(
    readonly name: 'fast' | 'slow',
    readonly interval: number,
  ) {}
}

/** Where a node belongs: its id key, bucket index and the subnet counted against the IP limits (null: exempt). */
export interface Placement {
  key: string;
  bucket: number;
  subnet: string | null;
}

export interface Entry extends Placement {
  node: NodeRecord;
  firstSeen: number;
  lastSeen: number;
  lastPong: number | null;
  failures: number;
  livenessChecks: number;
  live: boolean;
  place: 'bucket' | 'replacement';
  list: RevalidationList | null;
}

export interface Bucket {
  /** Most recently verified first. */
  entries: Entry[];
  /** Most recently seen first. */
  replacements: Entry[];
  /** Entries and replacements per subnet key. */
  ips: Map<string, number>;
}

export function newBucket(): Bucket {
  return { entries: [], replacements: [], ips: new Map() };
}

export function moveToFront(list: Entry[], e: Entry): void {
  const i = list.indexOf(e);
  if (i > 0) {
    list.splice(i, 1);
    list.unshift(e);
  }
}

export function view(e: Entry): TableEntry {
  return {
    node: e.node,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    lastPong: e.lastPong,
    failures: e.failures,
    livenessChecks: e.livenessChecks,
    live: e.live,
    replacement: e.place === 'replacement',
  };
}
