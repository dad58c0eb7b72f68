/**
 * The crawler's CrawlStateStore over the database: the static set (src/store/queries.ts
 * loadStaticSet), redial leases (src/store/leases.ts) and node expiry. Lives above crawler and
 * store so neither imports the other.
 */
import { hostname } from 'node:os';
import type { CrawlStateStore } from '../crawler/state-store.js';
import type { StaticSeed } from '../crawler/scheduler.js';
import type { Database } from '../store/database.js';
import { claimRedialNodes } from '../store/leases.js';
import { expireNodes, loadStaticSet } from '../store/queries.js';
import { hexToBytes } from '../util/bytes.js';

/** Who holds a redial lease: this host and process, unless the caller names it (simulations). */
export function defaultLeaseHolder(): string {
  return `${hostname()}/${process.pid}`;
}

export function databaseCrawlState(db: Database, holder: string = defaultLeaseHolder()): CrawlStateStore {
  return {
    async loadStaticSet(now, expireAfterMs) {
      const rows = await loadStaticSet(db, { now, expireAfterMs });
      const seeds: StaticSeed[] = [];
      for (const r of rows) {
        if (!r.publicKey || !r.ip) continue;
        const last = Math.max(r.lastHelloAt ?? 0, r.lastTooManyPeersAt ?? 0);
        seeds.push({
          node: { id: hexToBytes(r.nodeId), publicKey: hexToBytes(r.publicKey), ip: r.ip, udpPort: r.udpPort, tcpPort: r.tcpPort },
          lastDial: last > 0 ? last : null,
          lastSeen: r.lastSeen ?? now,
        });
      }
      return seeds;
    },
    claimRedials: (nodeIds, now, periodMs) => claimRedialNodes(db, holder, nodeIds, now, periodMs),
    async expireNodes(now, expireAfterMs) {
      await expireNodes(db, now, expireAfterMs);
    },
  };
}
