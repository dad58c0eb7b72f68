/**
 * Process-wide memory shared by the instances of one crawl (src/crawler/crawler.ts): recent and
 * running dials per node, sightings once per window, ENR requests once per node.
 */
import type { NodeRecord } from '../enode/node-record.js';
import type { AddressSource, DialVerdict, DiscoveryProtocol } from '../events.js';

/**
 * Process-wide memory shared by instances: which nodes were dialed recently or are being dialed (a
 * node is dialed once per period whichever instances learn it, also when schedulers are not shared)
 * and when each node's address was last reported (sightings once per window, not once per packet).
 */
export class SharedCrawlState {
  private readonly recentDials = new Map<string, { at: number; verdict: DialVerdict }>();
  /** Dials running now, so an instance that learns a node another one is dialing waits for its answer. */
  private readonly runningDials = new Map<string, Promise<DialVerdict>>();
  /** `sources`: the sources already reported in this window (a new source is reported at once). */
  private readonly sightings = new Map<string, { at: number; ip: string; udpPort: number; tcpPort: number; sources: AddressSource[] }>();
  /** When each node's answer on a discovery protocol was last reported (`id|protocol`). */
  private readonly answers = new Map<string, number>();
  /** When this process asked a node for its ENR (pruned with the sightings). */
  private readonly enrFetched = new Map<string, number>();
  /** The newest record seq reported per node and when (discv5 records arrive with every NODES). */
  private readonly records = new Map<string, { seq: bigint; at: number }>();

  constructor(
    readonly redialIntervalMs: number,
    /** A sighting of an unchanged address is reported again after this long. */
    readonly sightingWindowMs: number,
  ) {}

  recentDial(nodeId: string, now: number): DialVerdict | undefined {
    const d = this.recentDials.get(nodeId);
    if (!d) return undefined;
    if (now - d.at >= this.redialIntervalMs) {
      this.recentDials.delete(nodeId);
      return undefined;
    }
    return d.verdict;
  }

  recordDial(nodeId: string, at: number, verdict: DialVerdict): void {
    this.recentDials.set(nodeId, { at, verdict });
  }

  /** The verdict of a dial of this node running in another instance, if any. */
  runningDial(nodeId: string): Promise<DialVerdict> | undefined {
    return this.runningDials.get(nodeId);
  }

  /** Register a dial until it settles (it must never reject). */
  trackDial(nodeId: string, verdict: Promise<DialVerdict>): void {
    this.runningDials.set(nodeId, verdict);
    void verdict.finally(() => {
      if (this.runningDials.get(nodeId) === verdict) this.runningDials.delete(nodeId);
    });
  }

  /**
   * True when this sighting should be reported: new node, new address, window passed, or a source
   * not yet reported in this window (so the store learns every way a node was found).
   */
  shouldReportSighting(node: NodeRecord, idHex: string, now: number, source: AddressSource): boolean {
    const s = this.sightings.get(idHex);
    if (s && s.ip === node.ip && s.udpPort === node.udpPort && (s.tcpPort === node.tcpPort || node.tcpPort === 0) && now - s.at < this.sightingWindowMs) {
      if (s.sources.includes(source)) return false;
      s.sources.push(source);
      return true;
    }
    this.sightings.set(idHex, { at: now, ip: node.ip, udpPort: node.udpPort, tcpPort: node.tcpPort || s?.tcpPort || 0, sources: [source] });
    return true;
  }

  /** True when a node's answer on `protocol` should be reported: once per sighting window. */
  shouldReportAnswer(idHex: string, protocol: DiscoveryProtocol, now: number): boolean {
    const key = `${idHex}|${protocol}`;
    const at = this.answers.get(key);
    if (at !== undefined && now - at < this.sightingWindowMs) return false;
    this.answers.set(key, now);
    return true;
  }

  /** True when a node's record should be reported: new node, newer seq, or once per sighting window. */
  shouldReportEnr(idHex: string, seq: bigint, now: number): boolean {
    const r = this.records.get(idHex);
    if (r && seq <= r.seq && now - r.at < this.sightingWindowMs) return false;
    this.records.set(idHex, { seq: r && r.seq > seq ? r.seq : seq, at: now });
    return true;
  }

  /** Claim the one ENR request this process makes for a node; false if already done. */
  claimEnrFetch(idHex: string, now: number): boolean {
    if (this.enrFetched.has(idHex)) return false;
    this.enrFetched.set(idHex, now);
    return true;
  }

  /** Distinct node IDs this process has seen. */
  get knownNodes(): number {
    return this.sightings.size;
  }

  /** Entries held per map (memory accounting in tests and benchmarks). */
  sizes(): { sightings: number; recentDials: number; runningDials: number; enrFetched: number; answers: number; records: number } {
    return {
      sightings: this.sightings.size,
      recentDials: this.recentDials.size,
      runningDials: this.runningDials.size,
      enrFetched: this.enrFetched.size,
      answers: this.answers.size,
      records: this.records.size,
    };
  }

  /** Forget what is older than the expiry horizon (bounded memory over months). */
  prune(now: number, expireAfterMs: number): void {
    for (const [k, s] of this.sightings) if (now - s.at > expireAfterMs) this.sightings.delete(k);
    for (const [k, at] of this.answers) if (now - at > expireAfterMs) this.answers.delete(k);
    for (const [k, d] of this.recentDials) if (now - d.at >= this.redialIntervalMs) this.recentDials.delete(k);
    for (const [k, at] of this.enrFetched) if (now - at > expireAfterMs) this.enrFetched.delete(k);
    for (const [k, r] of this.records) if (now - r.at >= this.sightingWindowMs) this.records.delete(k);
  }
}
