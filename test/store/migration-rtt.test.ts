/**
 * The rtt_network migration (RTT = network round trip): rows written under 0001, whose srtt/min mixed the
 * handshake and STATUS times or fell back to the discv4 PING, get an rtt_ms reports can use; new
 * columns keep the handshake and HELLO→STATUS apart; the source is checked.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/migrations.js';
import { RTT_SOURCES } from '../../src/store/validate.js';
import { closeSharedPglite, ENGINES, engineTitle } from './helpers.js';

afterAll(closeSharedPglite);

const I = '11'.repeat(32);
const insertOld = `INSERT INTO rtts (dial_id, started_at, instance_id, node_id, srtt_ms, min_ms, samples, tcp_connect_ms, disc_ping_ms)
  VALUES ($1::uuid, '2026-06-01T12:00:00Z', decode('${I}', 'hex'), NULL, $2, $3, $4, $5, $6)`;

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`migration rtt_network on ${engineTitle(engine)}`, () => {
    it('backfills rtt_ms of older rows and keeps handshake/STATUS times apart', async () => {
      const t = await engine.fresh();
      try {
        const all = loadMigrations();
        // Found by name: its number depends on the order branches were merged in.
        const rtt = all.findIndex((m) => m.name.endsWith('_rtt_network'));
        expect(rtt).toBeGreaterThan(0);
        await migrate(t.db, all.slice(0, rtt));
        // With samples (auth→ack 110, STATUS 105, PINGs 1 and 2): the min was the best PING.
        await t.db.query(insertOld, ['00000000-0000-4000-8000-000000000001', 30, 1, 4, 0.5, 0.4]);
        // No samples: srtt/min held the TCP connect time (the fallback), the discv4 PING is known.
        await t.db.query(insertOld, ['00000000-0000-4000-8000-000000000002', 0.5, 0.5, 0, 0.5, 0.75]);
        // No samples and no discv4 PING: nothing is an RTT.
        await t.db.query(insertOld, ['00000000-0000-4000-8000-000000000003', 2, 2, 0, 2, null]);
        await migrate(t.db, all.slice(0, rtt + 1));

        const rows = await t.db.query<Record<string, unknown>>(
          `SELECT dial_id::text AS id, srtt_ms, min_ms, rtt_ms, rtt_source, handshake_ms, status_ms FROM rtts ORDER BY 1`,
        );
        expect(rows).toEqual([
          { id: '00000000-0000-4000-8000-000000000001', srtt_ms: 30, min_ms: 1, rtt_ms: 1, rtt_source: null, handshake_ms: null, status_ms: null },
          { id: '00000000-0000-4000-8000-000000000002', srtt_ms: null, min_ms: null, rtt_ms: 0.75, rtt_source: 'disc_ping', handshake_ms: null, status_ms: null },
          { id: '00000000-0000-4000-8000-000000000003', srtt_ms: null, min_ms: null, rtt_ms: null, rtt_source: null, handshake_ms: null, status_ms: null },
        ]);

        // rtt_source accepts exactly the code's list.
        for (const s of RTT_SOURCES) {
          await t.db.query(`UPDATE rtts SET rtt_source = $1 WHERE dial_id = '00000000-0000-4000-8000-000000000001'`, [s]);
        }
        await expect(t.db.query(`UPDATE rtts SET rtt_source = 'handshake' WHERE dial_id = '00000000-0000-4000-8000-000000000001'`)).rejects.toThrow();
      } finally {
        await t.dispose();
      }
    });
  });
}
