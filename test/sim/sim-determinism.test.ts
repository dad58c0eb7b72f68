/**
 * The simulation is deterministic: the same seed gives the same database contents, row for row,
 * in every table the crawl writes (test/sim/harness.ts canonicalDump) — on the embedded database
 * and on Postgres. Real discv4 and real RLPx handshakes run end to end (the testnet's peers are
 * our own stack), on in-memory sockets and a manual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, engineTitle, warmUp, type TestDb } from '../store/helpers.js';
import { Simulation, canonicalDump } from './harness.js';

const SEED = 7;
const PEERS = 24;
/** Past the first discovery-counter minute, so every table gets rows. */
const RUN_MS = 70_000;

async function runOnce(db: TestDb['db']): Promise<{ dump: Record<string, string[]>; events: number }> {
  const sim = await Simulation.start({ seed: SEED, peers: PEERS, db, instances: 2 });
  await sim.advance(RUN_MS, 100);
  await sim.stop();
  return { dump: await canonicalDump(db), events: sim.events.length };
}

describe.each(ENGINES)('the same seed gives the same database ($name)', (engine) => {
  const dbs: TestDb[] = [];
  beforeAll(async () => {
    if (engine.name === 'pglite') await warmUp();
  }, 60_000);
  afterAll(async () => {
    for (const d of dbs) await d.dispose();
  });

  it.skipIf(engine.skip !== null)(`two runs, identical dumps: ${engineTitle(engine)}`, async () => {
    // One after the other: the embedded engine's schemas share one session (test/store/helpers.ts).
    dbs.push(await engine.fresh());
    const a = await runOnce(dbs[0]!.db);
    dbs.push(await engine.fresh());
    const b = await runOnce(dbs[1]!.db);
    expect(b.events).toBe(a.events);
    expect(a.events).toBeGreaterThan(PEERS);
    // Every table the crawl feeds has rows, so the comparison is not vacuous.
    for (const t of ['nodes', 'addresses', 'node_sightings', 'dials', 'hello_rows', 'client_ids', 'cap_sets', 'statuses', 'disconnects', 'rtts', 'enrs', 'discovery_counters', 'instances', 'redial_leases']) {
      expect(a.dump[t]?.length, t).toBeGreaterThan(0);
    }
    expect(b.dump).toEqual(a.dump);
  }, 300_000);
});
