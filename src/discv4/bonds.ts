/**
 * Endpoint-proof bookkeeping (discv4.md "Endpoint Proof"): per node id + IP, when we last received
 * a PING from it (it has a proof of us once we answered) and a PONG (we have a proof of it).
 * Pure state: times are passed in by the caller's clock. Bounded: the least recently updated
 * entries are forgotten first, which only ever costs an extra PING.
 */
export interface BondEntry {
  /** ms of the last PING received from this id+ip, 0 if never */
  pingReceivedAt: number;
  /** ms of the last matching PONG received, 0 if never */
  pongReceivedAt: number;
  /** last TCP port learned for this endpoint (PING `from`, or the record we sent to), 0 if unknown */
  tcpPort: number;
  /** PINGs received from this id+ip (tells a fresh PING from an old one at the same clock time) */
  pings: number;
}

export class BondStore {
  private readonly entries = new Map<string, BondEntry>();

  constructor(
    private readonly expirationMs: number,
    private readonly maxEntries: number,
  ) {}

  static key(nodeIdHex: string, ip: string): string {
    return `${nodeIdHex}@${ip}`;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): BondEntry | undefined {
    return this.entries.get(key);
  }

  /** They proved us: we received (and answered) their PING within the window. */
  hasPingFrom(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return e !== undefined && e.pingReceivedAt > 0 && now - e.pingReceivedAt < this.expirationMs;
  }

  /** We proved them: a PONG matching our PING came back within the window. */
  hasPongFrom(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return e !== undefined && e.pongReceivedAt > 0 && now - e.pongReceivedAt < this.expirationMs;
  }

  pingReceived(key: string, now: number, tcpPort?: number): void {
    this.update(key, (e) => {
      e.pingReceivedAt = now;
      e.pings++;
      if (tcpPort) e.tcpPort = tcpPort;
    });
  }

  pongReceived(key: string, now: number): void {
    this.update(key, (e) => {
      e.pongReceivedAt = now;
    });
  }

  rememberTcpPort(key: string, tcpPort: number): void {
    if (tcpPort) this.update(key, (e) => void (e.tcpPort = tcpPort));
  }

  private update(key: string, fn: (e: BondEntry) => void): void {
    const e = this.entries.get(key) ?? { pingReceivedAt: 0, pongReceivedAt: 0, tcpPort: 0, pings: 0 };
    this.entries.delete(key); // re-insert: Map order becomes least-recently-updated first
    fn(e);
    this.entries.set(key, e);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
