/** The rows a batch folds its events into (batch-fold.ts), keyed like the tables they go to. */
import type { DiscoveryCountersEvent } from '../events.js';

/** The later of two optional times (null: none yet). */
export const maxOrNull = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

export interface AddressRow {
  node: string;
  ip: string;
  udp: number;
  tcp: number;
  first: number;
  last: number;
  firstSource: string;
  lastSource: string;
}

export interface SightingRow {
  day: string;
  instance: string;
  node: string;
  first: number;
  last: number;
  count: number;
  firstSource: string;
  /** Every source of the batch's events for this row (node_sightings.sources). */
  sources: string[];
}

export interface NodeRow {
  publicKey: string | null;
  first: number;
  /** Last sign of life; null = only known (e.g. a failed outbound dial). */
  last: number | null;
  hello: number | null;
  status: number | null;
  tooManyPeers: number | null;
}

/** The discovery counters that are sums (table_size is a maximum). */
export const DISCOVERY_SUMS = [
  'findnodeSent',
  'neighborsReceived',
  'nodesLearned',
  'newNodes',
  'pingsSent',
  'pongsReceived',
  'pingsReceived',
  'findnodeReceived',
] as const;
type DiscoverySum = (typeof DISCOVERY_SUMS)[number];

/** One instance's running totals (instance_totals): the discovery sums plus dial counts. */
export type InstanceTotals = Record<DiscoverySum, number> & { dials: number; hellos: number; statuses: number; updatedAt: number };

export type CounterRow = DiscoveryCountersEvent & { neighborsDropped: number; findnodeRebonds: number };

export interface EnrRow {
  node: string;
  seq: bigint;
  raw: string;
  first: number;
  last: number;
  instance: string;
}

export interface RebondRow {
  count: number;
  answered: number;
  last: number;
}
