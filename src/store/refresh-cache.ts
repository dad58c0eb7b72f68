/**
 * The writer's memory of what it last committed per node, address and redial lease, so a batch can
 * skip upserts that could not change a row (see RefreshCache). Pure: no database access.
 */
import { maxOrNull, type AddressRow } from './batch-rows.js';

/**
 * What one writer last committed for each node and address, so a node_seen that would only move
 * `last_seen` forward by less than `refreshMs` can skip the nodes/addresses upserts (a crawl sees the
 * same few thousand nodes many times a second; those upserts were two thirds of the ingest cost).
 * node_sightings still counts every event. Consequence, documented in the schema: nodes.last_seen
 * and addresses.last_seen may lag the newest sighting by up to refreshMs. refreshMs = 0 disables it.
 */
export class RefreshCache {
  /** `last` is null for a node only known (written without a sign of life); `pk`: its key was written. */
  private readonly nodes = new Map<string, WrittenNode>();
  private readonly addrs = new Map<string, { ip: string; udp: number; tcp: number; first: number; last: number }[]>();
  private readonly leases = new Map<string, number>();

  constructor(
    readonly refreshMs: number,
    private readonly maxEntries = 500_000,
  ) {}

  wantNode(id: string, at: number): boolean {
    if (this.refreshMs <= 0) return true;
    const n = this.nodes.get(id);
    return !n || at < n.first || n.last === null || at - n.last >= this.refreshMs;
  }

  /**
   * A node only known (a failed dial) whose row this writer already wrote, from as early, with its
   * public key if this one has it: the upsert could not change the row. Most failed dials are to
   * nodes long known; their no-op upserts were ~6 % of a batch's server time.
   */
  wantKnownNode(id: string, first: number, hasPublicKey: boolean): boolean {
    if (this.refreshMs <= 0) return true;
    const n = this.nodes.get(id);
    return !n || first < n.first || (hasPublicKey && !n.pk);
  }

  /** A lease row exists from a time at or before `at`: the upsert could not change it. */
  wantLease(id: string, at: number): boolean {
    if (this.refreshMs <= 0) return true;
    const due = this.leases.get(id);
    return due === undefined || at < due;
  }

  wantAddress(id: string, ip: string, udp: number, tcp: number, at: number): boolean {
    if (this.refreshMs <= 0) return true;
    const a = this.addrs.get(id)?.find((x) => x.ip === ip && x.udp === udp && x.tcp === tcp);
    return !a || at < a.first || at - a.last >= this.refreshMs;
  }

  /** After the batch committed: remember what it wrote. */
  commit(written: WrittenRows): void {
    if (this.refreshMs <= 0) return;
    for (const [id, n] of written.nodes) {
      const old = this.nodes.get(id);
      this.nodes.delete(id); // re-insert: Map order approximates least recently written first
      this.nodes.set(id, old ? { first: Math.min(old.first, n.first), last: maxOrNull(old.last, n.last), pk: old.pk || n.pk } : n);
    }
    for (const a of written.addresses) {
      let list = this.addrs.get(a.node);
      if (!list) this.addrs.set(a.node, (list = []));
      const x = list.find((y) => y.ip === a.ip && y.udp === a.udp && y.tcp === a.tcp);
      if (x) (x.first = Math.min(x.first, a.first)), (x.last = Math.max(x.last, a.last));
      else list.push({ ip: a.ip, udp: a.udp, tcp: a.tcp, first: a.first, last: a.last });
    }
    for (const [id, at] of written.leases) this.leases.set(id, Math.min(this.leases.get(id) ?? Infinity, at));
    for (const map of [this.nodes, this.addrs, this.leases] as Map<string, unknown>[]) {
      if (map.size <= this.maxEntries) continue;
      let drop = map.size - Math.floor(this.maxEntries * 0.9);
      for (const key of map.keys()) {
        if (drop-- <= 0) break;
        map.delete(key);
      }
    }
  }
}

export interface WrittenNode {
  first: number;
  last: number | null;
  pk: boolean;
}

export interface WrittenRows {
  nodes: Map<string, WrittenNode>;
  addresses: AddressRow[];
  leases: Map<string, number>;
}

