/**
 * The discovery v5 side of an emulated peer: our src/discv5 endpoint on the v5 half of the peer's
 * UDP port (src/discv5/demux.ts, as geth runs v4 and v5 on one socket), a routing table of records
 * and lookups — a self lookup when discovery starts, then random-target lookups every refresh
 * interval (geth v5_udp.go / table.go doRefresh). It answers PING, FINDNODE (live entries only)
 * and TALKREQ (unknown protocol) like any discv5 node. Loopback netrestrict: records elsewhere are
 * neither kept nor asked.
 */
import { Discv5Endpoint } from '../discv5/endpoint.js';
import { isKeyOnly, keyOnlyTarget } from '../discv5/key-target.js';
import { lookupV5, randomTarget } from '../discv5/lookup.js';
import { Discv5Table } from '../discv5/node-table.js';
import type { Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import { LOOPBACK_ONLY } from '../net/netrestrict.js';
import type { UdpTransport } from '../net/transport.js';

/** Re-ask the bootnodes after this long while the table is empty, doubling up to RESEED_MAX_MS. */
const RESEED_MIN_MS = 1_000;
const RESEED_MAX_MS = 60_000;

export interface PeerV5Options {
  transport: UdpTransport;
  privateKey: Uint8Array;
  record: Enr;
  clock: Clock;
  responseTimeoutMs: number;
  refreshIntervalMs: number;
  randomTarget?: () => Uint8Array;
}

export class PeerV5 {
  readonly endpoint: Discv5Endpoint;
  readonly table: Discv5Table;
  private readonly abort = new AbortController();
  private timer: TimerHandle | undefined;
  private reseedTimer: TimerHandle | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly o: PeerV5Options) {
    this.table = new Discv5Table(o.record.nodeId);
    this.endpoint = new Discv5Endpoint({
      identity: { privateKey: o.privateKey, enr: () => o.record },
      transport: o.transport,
      clock: o.clock,
      lookup: this.table.atDistance,
      knownEnr: (id) => this.table.get(id),
      responseTimeoutMs: o.responseTimeoutMs,
      // A handshake costs both sides ECDH and signatures: hundreds of peers starting in one process
      // answer late, so the handshake gets twice the reply timeout and one re-send.
      handshakeTimeoutMs: 2 * o.responseTimeoutMs,
      retries: 1,
      onEvent: (e) => {
        // A node that completed a handshake with us answered our WHOAREYOU: live.
        if (e.type === 'session' && !isKeyOnly(e.enr) && this.allowed(e.enr)) this.table.add(e.enr, true);
      },
    });
  }

  /**
   * Seed with the bootnodes' keys (their records are asked for first), run the first refresh, then
   * one every refresh interval. Resolves when the first refresh is done; never rejects.
   */
  start(bootnodes: readonly NodeRecord[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.refreshing = this.bootstrap(bootnodes).then(() => this.refresh(this.o.record.nodeId));
    // geth re-seeds from the bootnodes while its table is empty (table.go loadSeedNodes on refresh):
    // retry soon, backing off, so one lost handshake at start does not leave the peer alone.
    const reseed = (ms: number) => {
      this.reseedTimer = this.o.clock.setTimer(ms, () => {
        this.reseedTimer = undefined;
        if (this.closed || this.table.size > 0 || bootnodes.length === 0) return;
        this.refreshing = this.bootstrap(bootnodes).then(() => this.refresh(this.o.record.nodeId));
        reseed(Math.min(2 * ms, RESEED_MAX_MS));
      });
    };
    void this.refreshing.then(() => reseed(RESEED_MIN_MS));
    const again = () => {
      this.timer = this.o.clock.setTimer(this.o.refreshIntervalMs, () => {
        if (this.closed) return;
        this.refreshing = this.refresh((this.o.randomTarget ?? randomTarget)().subarray(0, 32));
        again();
      });
    };
    again();
    return this.refreshing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    if (this.reseedTimer !== undefined) this.o.clock.clearTimer(this.reseedTimer);
    this.abort.abort();
    await this.refreshing;
    await this.endpoint.close();
  }

  private allowed(enr: Enr): boolean {
    const rec = enr.toNodeRecord();
    return rec !== undefined && LOOPBACK_ONLY.allows(rec.ip);
  }

  private async bootstrap(bootnodes: readonly NodeRecord[]): Promise<void> {
    await Promise.all(
      bootnodes.map(async (b) => {
        try {
          const enr = await this.endpoint.requestEnr(keyOnlyTarget(b), { signal: this.abort.signal });
          if (enr && this.allowed(enr)) this.table.add(enr, true);
        } catch {
          // a bootnode that does not answer v5 teaches nothing
        }
      }),
    );
  }

  private async refresh(target: Uint8Array): Promise<void> {
    if (this.closed || this.table.size === 0) return;
    try {
      await lookupV5({
        selfId: this.table.selfId,
        target,
        seeds: this.table.closest(target),
        clock: this.o.clock,
        signal: this.abort.signal,
        findNode: async (node, distances, signal) => {
          const records = (await this.endpoint.findNode(node, distances, { signal })).filter((r) => this.allowed(r));
          this.table.add(node, true);
          for (const r of records) this.table.add(r);
          return records;
        },
        onFailure: (node) => {
          if (!this.table.isLive(node.nodeId)) this.table.remove(node.nodeId);
        },
      });
    } catch {
      // closed
    }
  }
}
