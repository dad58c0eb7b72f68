/**
 * `nodefinder crawl` prints each instance's enode URL and ENR when it starts; the record's seq is
 * kept beside the key, so a restart is the same node with a higher seq.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCrawl, type CrawlCliOptions } from '../../src/cli/crawl.js';
import { decodeEnrText } from '../../src/enode/enr.js';
import { currentForkId } from '../../src/eth/fork-id.js';
import { NETWORKS, forkSchedule } from '../../src/eth/networks.js';
import { portBase } from './helpers.js';
import { UsageError } from '../../src/cli/errors.js';

const INSTANCE_LINE = /^instance (\d+): (enode:\/\/([0-9a-f]{128})@([^:]+):(\d+)(?:\?discport=(\d+))?) seq (\d+) (enr:[A-Za-z0-9_-]+)$/gm;

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function crawlOnce(db: string, port: number) {
  const stderr = new PassThrough();
  let out = '';
  stderr.on('data', (d: Buffer) => (out += d.toString()));
  const opts: CrawlCliOptions = {
    network: 'mainnet', bootnodes: '', instances: '2', listen: '127.0.0.1', port: String(port), db, duration: '1s',
    maxDials: '4', maxSockets: '16', redialInterval: '30m', expireAfter: '24h', netrestrict: '127.0.0.0/8', status: false, statusInterval: '5s',
  };
  await runCrawl(opts, { stderr });
  return [...out.matchAll(INSTANCE_LINE)].map((m) => ({ index: Number(m[1]), enode: m[2]!, key: m[3]!, ip: m[4], tcp: Number(m[5]), udp: Number(m[6] ?? m[5]), seq: BigInt(m[7]!), enr: m[8]! }));
}

describe('nodefinder crawl: our enode URLs and records', () => {
  it('prints them at start; a restart keeps the identities and raises every seq', async () => {
    dir = await mkdtemp(join(tmpdir(), 'nf-crawl-enr-'));
    const db = join(dir, 'data');
    const port = portBase();
    const first = await crawlOnce(db, port);
    expect(first.map((l) => l.index)).toEqual([0, 1]);
    for (const l of first) {
      expect(l).toMatchObject({ ip: '127.0.0.1', tcp: port + l.index, udp: port + l.index });
      const enr = decodeEnrText(l.enr);
      expect(Buffer.from(enr.publicKey).toString('hex')).toBe(l.key);
      expect(enr.seq).toBe(l.seq);
      expect(enr.ip).toBe('127.0.0.1');
      expect(enr.eth?.forkHash).toEqual(currentForkId(forkSchedule(NETWORKS.mainnet), Math.floor(Date.now() / 1000)).hash);
      expect((await readFile(join(db, 'keys', `instance-00${l.index}.enr-seq`), 'utf8')).trim()).toBe(String(l.seq));
    }
    const second = await crawlOnce(db, port);
    expect(second.map((l) => l.key)).toEqual(first.map((l) => l.key));
    for (const [i, l] of second.entries()) expect(l.seq).toBe(first[i]!.seq + 1n);
  }, 120_000);

  it('refuses an --external-ip that is not an IP address (usage error, nothing started)', async () => {
    for (const bad of ['example.org', '0.0.0.0', '1.2.3']) {
      const err = await runCrawl({
        network: 'mainnet', bootnodes: '', instances: '1', listen: '127.0.0.1', port: '1', db: 'memory://', externalIp: bad,
        maxDials: '4', maxSockets: '16', redialInterval: '30m', expireAfter: '24h', status: false, statusInterval: '5s',
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(/^invalid --external-ip/);
    }
  });
});
