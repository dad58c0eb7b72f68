/**
 * The simulation does not depend on how fast the database answers: a crawl whose every database
 * call (writer commits, redial claims, the static set) arrives hundreds of milliseconds late in
 * wall time — as on a loaded CI server — writes exactly what the same seed writes on a prompt
 * database. Time moves only when every call has answered (test/sim/harness.ts settle), so a redial
 * claim never races the commit that brings its lease rows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { closeSharedPglite, ENGINES, engineTitle, FlakyDatabase, withFresh } from '../store/helpers.js';
import { Simulation, canonicalDump, dumpDigest } from './harness.js';

afterAll(closeSharedPglite);

const SEED = 21;
const PEERS = 6;
/** Four redial periods: every node is claimed and redialed several times. */
const PERIOD_MS = 3_000;
const RUN_MS = 13_000;
const LATE_MS = 250;

/** One crawl on `db` (migrated: the late answers start with the crawl), every call `lateMs` late. */
async function runOnce(db: Database, lateMs: number): Promise<{ dump: Record<string, string[]>; staticDials: number }> {
  const late = new FlakyDatabase(db);
  late.lateMs = lateMs;
  const crawl = { redialIntervalMs: PERIOD_MS, refreshIntervalMs: 1_000 };
  const sim = await Simulation.start({ seed: SEED, peers: PEERS, instances: 1, db: late, testnet: { fullFraction: 0, noTcpFraction: 0, gethDials: false }, crawl });
  await sim.advance(RUN_MS);
  await sim.stop();
  const staticDials = sim.events.filter((e) => e.type === 'dial' && e.kind === 'static').length;
  return { dump: await canonicalDump(db), staticDials };
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`a late database changes nothing on ${engineTitle(engine)}`, () => {
    it(`prompt and ${LATE_MS} ms late: identical dumps`, () =>
      withFresh(engine)(async (a) => {
        const prompt = await runOnce(a.db, 0);
        await withFresh(engine)(async (b) => {
          const late = await runOnce(b.db, LATE_MS);
          // Not vacuous: every peer was redialed each period after its first HELLO.
          expect(prompt.staticDials).toBeGreaterThanOrEqual(PEERS * 3);
          expect(late.staticDials).toBe(prompt.staticDials);
          expect(prompt.dump['redial_leases']?.length).toBeGreaterThanOrEqual(PEERS);
          expect(dumpDigest(late.dump)).toBe(dumpDigest(prompt.dump));
          expect(late.dump).toEqual(prompt.dump);
        });
      }), 300_000);
  });
}
