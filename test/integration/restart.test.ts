/**
 * kill -9 durability of the crawl's state: keys, the static set and the instance rows come back
 * from the database. The kill comes once the crawl's metrics show that the peers answered and the
 * writer committed those events (never after a fixed sleep); what is then asserted holds however
 * much the crawl did before the kill: the next run restores exactly the static set that the
 * database holds — every node whose HELLO was committed — and loses none of it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open.js';
import { loadStaticSet } from '../../src/store/queries.js';
import { portBase, spawnCli, startPeerNetwork, waitFor } from './helpers.js';
import { LOADED_DEADLINE_MS, metricsUrl, pollUntil, scrape, waitCommitted } from './scrape.js';

const EXPIRE_AFTER_MS = 24 * 3_600_000; // the crawl's default --expire-after

describe('crawl survives kill -9: keys, static set and counters come back from the database', () => {
  let net: Awaited<ReturnType<typeof startPeerNetwork>>;
  let dir: string;
  const base = portBase();

  beforeAll(async () => {
    net = await startPeerNetwork(4, base);
    dir = await mkdtemp(join(tmpdir(), 'nf-restart-'));
  });
  afterAll(async () => {
    await net.stop();
    if (!process.env.KEEP_TMP) await rm(dir, { recursive: true, force: true });
    else console.log('kept', dir);
  });

  /** Node IDs of the static set as the database holds it (what a restart must restore). */
  async function storedStaticSet(): Promise<string[]> {
    const db = await openDatabase(join(dir, 'db')); // takes over the stale lock of a killed process
    try {
      return (await loadStaticSet(db, { now: Date.now(), expireAfterMs: EXPIRE_AFTER_MS })).map((r) => r.nodeId).sort();
    } finally {
      await db.close();
    }
  }

  it('restores the static set after SIGKILL', async () => {
    const args = [
      'crawl', '--db', join(dir, 'db'), '--listen', '127.0.0.1', '--port', String(base + 100), '--instances', '2',
      '--netrestrict', '127.0.0.0/8', '--bootnodes', net.enode, '--no-status',
    ];
    const first = spawnCli([...args, '--metrics', '127.0.0.1:0']);
    await waitFor(() => first.stderr().includes('crawling mainnet') || first.child.exitCode !== null, LOADED_DEADLINE_MS, 'first crawl to start');
    const url = metricsUrl(first.stderr());
    expect(url, first.stderr()).toBeDefined();
    // Every peer and the hub answered HELLO (the static set counts them per instance: ≥ one instance's worth)…
    await pollUntil(async () => ((await scrape(url!)).get('nodefinder_static_nodes')! >= net.ids.length ? true : undefined), 'HELLO from the peers', LOADED_DEADLINE_MS, first.stderr);
    // …and the writer committed what the crawl had reported by then.
    await waitCommitted(url!);
    const keys = await readFile(join(dir, 'db', 'keys', 'instance-000.key'), 'utf8');
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');

    // What survived the kill: the committed HELLOs. The metric sums the two instances' static sets,
    // so ≥ ids.length there means at least half as many distinct nodes.
    const committed = await storedStaticSet();
    expect(committed.length).toBeGreaterThanOrEqual(Math.ceil(net.ids.length / 2));

    const second = spawnCli([...args, '--duration', '1s']);
    const { code } = await second.exit;
    expect(second.stderr()).toMatch(/crawling mainnet/);
    expect(code, second.stderr()).toBe(0);
    // Exactly the static set the database held after the kill comes back, whatever the speed.
    const restored = Number(/(\d+) static node\(s\) restored/.exec(second.stderr())?.[1]);
    expect(restored).toBe(committed.length);
    expect(await readFile(join(dir, 'db', 'keys', 'instance-000.key'), 'utf8')).toBe(keys);

    const db = await openDatabase(join(dir, 'db'));
    try {
      const [instances] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM instances');
      expect(instances!.n).toBe(2);
      // Nothing committed before the kill is lost by the restart.
      const hello = await db.query<{ id: Uint8Array }>('SELECT id FROM nodes WHERE last_hello_at IS NOT NULL');
      const ids = new Set(hello.map((r) => Buffer.from(r.id).toString('hex')));
      for (const id of committed) expect(ids.has(id)).toBe(true);
    } finally {
      await db.close();
    }
  }, 3 * LOADED_DEADLINE_MS);
});
