/**
 * What a CrawlerInstance (instance.ts) is given: its identity and port, the process's shared
 * pieces (socket budget, shared crawl state, event sink, dial owners) and the crawl's policy knobs.
 */
import type { NodeFinderError } from '../errors.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Enr } from '../enode/enr.js';
import type { Clock } from '../net/clock.js';
import type { Netrestrict } from '../net/netrestrict.js';
import type { SocketFactory } from '../net/transport.js';
import type { CrawlerEvent } from '../events.js';
import type { NetworkDefinition } from '../eth/networks.js';
import type { ForkId } from '../eth/fork-id.js';
import type { ClaimFn, DialScheduler, StaticSeed } from './scheduler.js';
import type { SocketBudget } from './socket-budget.js';
import type { ProbeTimeouts } from './probe.js';
import type { EnrSeqStore } from './keys.js';
import type { DiscoveryMode, EnumerationLimits } from './enumerate.js';
import type { V4TargetPool } from './enumerate-v4.js';
import type { SharedCrawlState } from './shared-state.js';

export interface InstanceOptions {
  index: number;
  privateKey: Uint8Array;
  clock: Clock;
  /** UDP socket, TCP listener and dialer (Node's in a crawl, in-memory ones in simulations). */
  sockets: SocketFactory;
  network: NetworkDefinition;
  /** Address to bind UDP and TCP on. */
  listenHost: string;
  port: number;
  /** IP announced in PING/ENR (default: listenHost unless it is a wildcard). */
  externalIp?: string;
  bootnodes: readonly NodeRecord[];
  netrestrict: Netrestrict;
  budget: SocketBudget;
  shared: SharedCrawlState;
  emit: (event: CrawlerEvent) => void;
  clientId: string;
  codeVersion: string;
  maxDials: number;
  redialIntervalMs: number;
  expireAfterMs: number;
  claim?: ClaimFn;
  staticSeed?: readonly StaticSeed[];
  /**
   * The scheduler that dials `node`: one per node in the process (Crawler routes by node ID), so
   * memory and static redials do not grow with the number of instances. Default: this instance's.
   */
  owner?: (node: NodeRecord) => DialScheduler;
  /** Exempt loopback/LAN from the table's IP limits (local test networks). */
  exemptLan?: boolean;
  probeTimeouts?: Partial<ProbeTimeouts>;
  /** discv4 reply timeout (geth 500 ms). */
  discoveryTimeoutMs?: number;
  /** Refresh-lookup interval (geth 30 min). */
  refreshIntervalMs?: number;
  /** Random lookups that feed the dialer (default on; see FEED_MIN_INTERVAL_MS). */
  feedLookups?: boolean;
  /**
   * Where new nodes come from (`crawl --discovery`, default 'both'): geth-style lookups (table
   * refresh and the dialer-feeding lookups), routing-table enumeration (enumerate.ts), or both.
   */
  discovery?: DiscoveryMode;
  /** Enumeration limits (default DEFAULT_ENUMERATION_LIMITS, exemptLan as the table's). */
  enumeration?: Partial<EnumerationLimits>;
  /** Whether this instance enumerates `node` (the Crawler gives each node one owner). Default: all. */
  enumerates?: (node: NodeRecord) => boolean;
  /** FINDNODE targets per bucket, shared by the process's instances (default: this instance's own). */
  v4Targets?: V4TargetPool;
  checkDaoFork?: boolean;
  /** Where our record's seq is kept (default: in memory, starting from the clock). */
  enrSeqStore?: EnrSeqStore;
  /** Our record's "eth" entry: default the network's current fork ID; null omits it (tests). */
  enrForkId?: ForkId | null;
  /** We signed a new record (after start). */
  onEnrChange?: (enr: Enr) => void;
  /** Run discovery v5 beside v4 on the same UDP port (default true; src/crawler/discovery-v5.ts). */
  discv5?: boolean;
  onError?: (err: NodeFinderError) => void;
  /** Uniform [0, 1) for the routing table (default Math.random; seeded in simulations). */
  random?: () => number;
  /** 64-byte random lookup targets (default: the CSPRNG; seeded in simulations). */
  randomTarget?: () => Uint8Array;
  /** DialEvent IDs (default: random UUIDs; seeded in simulations). */
  newDialId?: () => string;
}
