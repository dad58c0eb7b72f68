/**
 * Endpoint proofs from the requesting side (discv4.md "Endpoint Proof"; geth v4_udp.go ensureBond):
 * before asking a node anything, make sure it holds a proof of us, and re-bond when it seems to have
 * forgotten it. The proofs themselves live in BondStore (bonds.ts), the waits in PingWaiters.
 */
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock } from '../net/clock.js';
import { normalizeIp } from '../net/ip.js';
import { bytesToHex } from '../util/bytes.js';
import { BondStore } from './bonds.js';
import type { RequestOptions } from './endpoint-types.js';
import { PingWaiters } from './ping-waiters.js';

export interface BondingOptions {
  expirationMs: number;
  maxEntries: number;
  /** How long to wait for the remote's PING after it answered ours. */
  waitMs: number;
  /** The endpoint's PING → PONG request. */
  ping: (node: NodeRecord, options: RequestOptions) => Promise<unknown>;
}

export class Bonding {
  readonly store: BondStore;
  private readonly waiters: PingWaiters;

  constructor(
    private readonly clock: Clock,
    private readonly o: BondingOptions,
  ) {
    this.store = new BondStore(o.expirationMs, o.maxEntries);
    this.waiters = new PingWaiters(clock);
  }

  /** The bond key of a node id at an IP (normalized). */
  static key(id: Uint8Array, ip: string): string {
    return BondStore.key(bytesToHex(id), normalizeIp(ip) ?? ip);
  }

  /** True if we hold a valid endpoint proof of this node (a PONG from id+IP within 12 h). */
  isBonded(node: Pick<NodeRecord, 'id' | 'ip'>): boolean {
    return this.store.hasPongFrom(Bonding.key(node.id, node.ip), this.clock.now());
  }

  /** Record a proof both ways without the exchange (test networks only: Discv4Endpoint.assumeBonded). */
  assume(node: Pick<NodeRecord, 'id' | 'ip' | 'tcpPort'>): void {
    const key = Bonding.key(node.id, node.ip);
    const now = this.clock.now();
    this.store.pingReceived(key, now, node.tcpPort);
    this.store.pongReceived(key, now);
  }

  /**
   * Make sure the remote holds an endpoint proof of us before we ask it anything: without a PING
   * from it within 12 h, ping it (errors propagate: a node that does not answer PING will not
   * answer FINDNODE either), then give it up to waitMs to ping us back. True if it pinged.
   */
  async ensure(node: NodeRecord, options: RequestOptions): Promise<boolean> {
    const key = Bonding.key(node.id, node.ip);
    if (this.store.hasPingFrom(key, this.clock.now())) return false;
    await this.o.ping(node, options);
    if (this.store.hasPingFrom(key, this.clock.now())) return true;
    await this.waiters.wait(key, this.o.waitMs, options.signal);
    return true;
  }

  /** Bond again although we hold a PING from the remote: ping it, wait for a PING newer than ours. */
  async rebond(node: NodeRecord, options: RequestOptions): Promise<void> {
    const key = Bonding.key(node.id, node.ip);
    const before = this.store.get(key)?.pings ?? 0;
    await this.o.ping(node, options);
    if ((this.store.get(key)?.pings ?? 0) !== before) return;
    await this.waiters.wait(key, this.o.waitMs, options.signal);
  }

  /** `key` pinged us (after the store recorded it): waits for it end. */
  pinged(key: string): void {
    this.waiters.pinged(key);
  }

  close(): void {
    this.waiters.close();
  }
}
