/**
 * What a model-level simulation is asked to do (`nodefinder simulate`), its defaults and limits.
 * The CLI validates user input first (UsageError, exit 2); checkSimOptions guards library callers.
 */
import { checkInteger, checkNumber } from '../analysis/errors.js';
import { EXPIRE_AFTER_MS, MAX_DIALS, REDIAL_INTERVAL_MS } from '../crawler/scheduler.js';

export const DISCOVERY_MODES = ['lookups', 'enumerate', 'both'] as const;
export type DiscoveryMode = (typeof DISCOVERY_MODES)[number];

export const HOUR_MS = 3_600_000;

export interface SimOptions {
  /** Distinct node IDs at the start (each online with probability session/(session+downtime)). */
  nodes: number;
  /** Simulated duration in hours. */
  hours: number;
  seed: number;
  /** Simulated start time, ms since the epoch. */
  start: number;
  instances: number;
  redialIntervalMs: number;
  expireAfterMs: number;
  maxDials: number;
  maxSockets: number;
  discovery: DiscoveryMode;
  /** Each instance runs one random lookup this often (lookups/both). */
  lookupIntervalMs: number;
  /** Mean online session (exponential). */
  sessionMs: number;
  /** Mean time a node that leaves stays away before it returns with the same ID (exponential). */
  downtimeMs: number;
  /** Share of sessions that end for good (the node ID never returns). */
  leaveShare: number;
  /** New node IDs per hour (Poisson); default keeps the population steady: nodes·leaveShare/(session+downtime). */
  joinRatePerHour: number;
  /** Share of nodes behind NAT: in tables, never answering TCP. */
  unreachableShare: number;
  /** Share of reachable nodes at their peer limit: HELLO, then DISCONNECT too_many_peers. */
  fullShare: number;
  /** Share of nodes on another chain than mainnet (sepolia, holesky, hoodi). */
  otherNetworkShare: number;
  /** Online nodes every instance starts from. */
  bootnodes: number;
}

export const SIM_DEFAULTS = {
  nodes: 10_000,
  hours: 24,
  seed: 1,
  instances: 1,
  redialIntervalMs: REDIAL_INTERVAL_MS,
  expireAfterMs: EXPIRE_AFTER_MS,
  maxDials: MAX_DIALS,
  maxSockets: 1024,
  discovery: 'both' as DiscoveryMode,
  lookupIntervalMs: 30_000,
  sessionMs: 8 * HOUR_MS,
  downtimeMs: 4 * HOUR_MS,
  leaveShare: 0.2,
  unreachableShare: 0.3,
  fullShare: 0.15,
  otherNetworkShare: 0.1,
  bootnodes: 5,
} as const;

export const SIM_LIMITS = { maxNodes: 1_000_000, maxHours: 24 * 30, maxInstances: 256 } as const;

/** Joins per hour that balance the permanent leaves of `nodes` at steady state. */
export function steadyJoinRate(nodes: number, sessionMs: number, downtimeMs: number, leaveShare: number): number {
  return (nodes * leaveShare) / ((sessionMs + downtimeMs) / HOUR_MS);
}

export function checkSimOptions(o: SimOptions): void {
  checkInteger('nodes', o.nodes, 1, SIM_LIMITS.maxNodes);
  checkNumber('hours', o.hours, 0, SIM_LIMITS.maxHours);
  checkInteger('seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('instances', o.instances, 1, SIM_LIMITS.maxInstances);
  checkInteger('maxDials', o.maxDials, 1, 10_000);
  checkInteger('maxSockets', o.maxSockets, 1, 1_000_000);
  checkInteger('bootnodes', o.bootnodes, 1, 1_000);
  for (const [name, v] of [
    ['redialIntervalMs', o.redialIntervalMs],
    ['expireAfterMs', o.expireAfterMs],
    ['lookupIntervalMs', o.lookupIntervalMs],
    ['sessionMs', o.sessionMs],
    ['downtimeMs', o.downtimeMs],
  ] as const) {
    checkNumber(name, v, 1_000, 365 * 24 * HOUR_MS);
  }
  for (const [name, v] of [
    ['leaveShare', o.leaveShare],
    ['unreachableShare', o.unreachableShare],
    ['fullShare', o.fullShare],
    ['otherNetworkShare', o.otherNetworkShare],
  ] as const) {
    checkNumber(name, v, 0, 1);
  }
  checkNumber('joinRatePerHour', o.joinRatePerHour, 0, 1_000_000);
  checkNumber('start', o.start, 0, 8.64e15);
  if (!(DISCOVERY_MODES as readonly string[]).includes(o.discovery)) throw new RangeError(`discovery must be one of ${DISCOVERY_MODES.join('|')}`);
}
