import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open.js';
import { portBase, spawnCli, startPeerNetwork, waitFor } from './helpers.js';

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

  it('restores the static set after SIGKILL', async () => {
    const args = [
      'crawl', '--db', join(dir, 'db'), '--listen', '127.0.0.1', '--port', String(base + 100), '--instances', '2',
      '--netrestrict', '127.0.0.0/8', '--bootnodes', net.enode, '--no-status',
    ];
    const first = spawnCli(args);
    await waitFor(() => first.stderr().includes('crawling mainnet'), 120_000, 'first crawl to start');
    // Let it dial everyone and the writer commit (it flushes at least every second).
    await new Promise((r) => setTimeout(r, 5_000));
    const keys = await readFile(join(dir, 'db', 'keys', 'instance-000.key'), 'utf8');
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');

    const second = spawnCli([...args, '--duration', '3s']);
    const { code } = await second.exit;
    expect(second.stderr()).toMatch(/crawling mainnet/);
    expect(code, second.stderr()).toBe(0);
    const restored = Number(/(\d+) static node\(s\) restored/.exec(second.stderr())?.[1]);
    // The 5 peers plus the other instance of the crawl itself answered HELLO in the first run.
    expect(restored).toBeGreaterThanOrEqual(net.ids.length);
    expect(await readFile(join(dir, 'db', 'keys', 'instance-000.key'), 'utf8')).toBe(keys);

    const db = await openDatabase(join(dir, 'db'));
    try {
      const [instances] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM instances');
      expect(instances!.n).toBe(2);
      const hello = await db.query<{ id: Uint8Array }>('SELECT id FROM nodes WHERE last_hello_at IS NOT NULL');
      const ids = new Set(hello.map((r) => Buffer.from(r.id).toString('hex')));
      for (const id of net.ids) expect(ids.has(id)).toBe(true);
    } finally {
      await db.close();
    }
  }, 240_000);
});
