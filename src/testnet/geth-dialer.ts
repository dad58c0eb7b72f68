/**
 * The dial side of an emulated geth ≥ 1.16 peer: which nodes learned from discv4 it dials.
 *
 * geth eth/backend.go setupDiscovery feeds the dialer from discv4 only through
 *   RandomNodes → AsyncFilter(RequestENR) → Filter(eth.NewNodeFilter) → dial,
 * so a node is dialed only after an ENRRequest answered with a record that
 *   - carries an "eth" entry whose fork ID passes geth's fork filter (eth/protocols/eth/discovery.go
 *     NewNodeFilter: forkid.NewFilter(chain) must return nil, i.e. EIP-2124 compatible), and
 *   - states an IP that CheckRelayAddr accepts as relayed by the node's UDP address
 *     (p2p/discover/v4_udp.go RequestENR), with a TCP port to dial (p2p/dial.go checkDial).
 * The dial goes to the record's IP and TCP port. A node is not tried again within
 * DIAL_HISTORY_MS (p2p/dial.go dialHistoryExpiration), and at most `maxDials` dials run at once.
 *
 * Candidates: nodes that proved their endpoint (our PING answered, offered by the peer) and, as
 * geth's lookup iterator would, a periodic scan of the table. `skip` leaves out the testnet's own
 * peers: sessions among emulated peers would only cost CPU and show a crawler nothing.
 */
import { checkRelayAddr } from '../enode/relay-ip.js';
import type { Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { ForkFilter } from '../eth/fork-id.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import { bytesToHex } from '../util/bytes.js';
import type { PeerProfile } from './profiles.js';

/** geth p2p/dial.go dialHistoryExpiration (inboundThrottleTime + 5 s). */
export const DIAL_HISTORY_MS = 35_000;
/** How often the table is scanned for candidates (geth's iterator runs lookups continuously). */
export const DIAL_SCAN_INTERVAL_MS = 2_000;
/** Dials in flight per emulated peer (geth: up to 50 pending; a testnet peer needs few). */
export const DIAL_CONCURRENCY = 4;

export interface GethDialerStats {
  enrRequests: number;
  /** No ENRRESPONSE (timeout, no bond, bad record). */
  enrFailed: number;
  /** The record has no "eth" entry. */
  noEth: number;
  /** The "eth" fork ID fails the fork filter. */
  forkRejected: number;
  /** The record's IP fails CheckRelayAddr, or there is no TCP port. */
  addressRejected: number;
  dials: number;
  dialFailed: number;
}

export interface GethDialerOptions {
  clock: Clock;
  /** ENRRequest (Discv4Endpoint.requestEnr). */
  requestEnr: (node: NodeRecord, signal: AbortSignal) => Promise<Enr>;
  /** EIP-2124 filter of the peer's chain at its head (compatible passes). */
  forkFilter: (forkId: { hash: Uint8Array; next: bigint }) => ReturnType<ForkFilter>;
  /** Table contents, scanned for candidates. */
  candidates: () => readonly NodeRecord[];
  /** TCP + RLPx + the session; resolves once the session runs (or rejects). */
  dial: (target: NodeRecord, signal: AbortSignal) => Promise<void>;
  skip?: (id: Uint8Array) => boolean;
  maxDials?: number;
  scanIntervalMs?: number;
  historyMs?: number;
}

/** geth added the discv4 ENR filter with 1.16 (eth/backend.go); only those releases dial this way. */
export function dialsLikeGeth116(profile: PeerProfile): boolean {
  if (profile.client !== 'geth' || !profile.tcp || profile.full) return false;
  const m = /^Geth\/v(\d+)\.(\d+)\./.exec(profile.clientId);
  return m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 16);
}

export class GethDialer {
  private readonly o: GethDialerOptions;
  private readonly queue = new Map<string, NodeRecord>();
  /** node id → when it was last taken for a dial attempt */
  private readonly history = new Map<string, number>();
  private running = 0;
  private timer: TimerHandle | undefined;
  private started = false;
  private readonly abort = new AbortController();
  private readonly tasks = new Set<Promise<void>>();
  private readonly s: GethDialerStats = { enrRequests: 0, enrFailed: 0, noEth: 0, forkRejected: 0, addressRejected: 0, dials: 0, dialFailed: 0 };

  constructor(options: GethDialerOptions) {
    this.o = options;
  }

  stats(): GethDialerStats {
    return { ...this.s };
  }

  start(): void {
    if (this.started || this.abort.signal.aborted) return;
    this.started = true;
    this.scan();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.queue.clear();
    await Promise.allSettled([...this.tasks]);
  }

  /** A node that proved its endpoint: a dial candidate. */
  offer(node: NodeRecord): void {
    if (this.abort.signal.aborted || this.o.skip?.(node.id)) return;
    const id = bytesToHex(node.id);
    const last = this.history.get(id);
    if (last !== undefined && this.o.clock.now() - last < (this.o.historyMs ?? DIAL_HISTORY_MS)) return;
    this.queue.set(id, node);
    this.pump();
  }

  private scan(): void {
    if (this.abort.signal.aborted) return;
    const now = this.o.clock.now();
    const historyMs = this.o.historyMs ?? DIAL_HISTORY_MS;
    for (const [id, at] of this.history) if (now - at >= historyMs) this.history.delete(id);
    for (const node of this.o.candidates()) this.offer(node);
    this.timer = this.o.clock.setTimer(this.o.scanIntervalMs ?? DIAL_SCAN_INTERVAL_MS, () => this.scan());
  }

  private pump(): void {
    if (!this.started) return;
    while (this.running < (this.o.maxDials ?? DIAL_CONCURRENCY) && this.queue.size > 0) {
      const [id, node] = this.queue.entries().next().value as [string, NodeRecord];
      this.queue.delete(id);
      this.history.set(id, this.o.clock.now());
      this.running++;
      const task = this.attempt(node).finally(() => {
        this.running--;
        this.tasks.delete(task);
        this.pump();
      });
      this.tasks.add(task);
    }
  }

  /** RequestENR → eth entry → fork filter → relay address → dial. Never rejects. */
  private async attempt(node: NodeRecord): Promise<void> {
    const signal = this.abort.signal;
    let enr: Enr;
    this.s.enrRequests++;
    try {
      enr = await this.o.requestEnr(node, signal);
    } catch {
      this.s.enrFailed++;
      return;
    }
    const eth = enr.eth;
    if (!eth) {
      this.s.noEth++;
      return;
    }
    if (this.o.forkFilter({ hash: eth.forkHash, next: eth.forkNext }) !== 'compatible') {
      this.s.forkRejected++;
      return;
    }
    // geth's enode.Node.IPAddr: the IPv4 entry if present, else IPv6; TCP likewise.
    const ip = enr.ip ?? enr.ip6;
    const tcp = enr.ip !== undefined ? enr.tcp : enr.tcp6;
    if (checkRelayAddr(node.ip, ip) !== undefined || ip === undefined || !tcp) {
      this.s.addressRejected++;
      return;
    }
    if (signal.aborted) return;
    this.s.dials++;
    try {
      await this.o.dial({ id: node.id, publicKey: node.publicKey, ip, udpPort: enr.udp ?? node.udpPort, tcpPort: tcp }, signal);
    } catch {
      this.s.dialFailed++;
    }
  }
}
