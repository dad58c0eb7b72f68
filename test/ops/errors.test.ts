/**
 * Errors a person can act on (issue 6): every failure below ends in one line on stderr starting with
 * "nodefinder:", exit 2 for bad usage/input and 1 for runtime failures, and no stack trace unless
 * --debug. Each case goes through main(argv), as the binary does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import { loadMigrations, migrate } from '../../src/store/migrations.js';
import { openDatabase } from '../../src/store/open.js';
import { lines, occupyPort, runCli, STACK_FRAME, type CliResult } from './cli-run.js';

const root = mkdtempSync(join(tmpdir(), 'nf-ops-errors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A syntactically valid loopback enode that nothing answers (only parsed in these tests). */
const loopbackEnode = formatEnode({ publicKey: publicKeyFromPrivate(generatePrivateKey()), ip: '127.0.0.1', udpPort: 9, tcpPort: 9 });
const UNREACHABLE_PG = 'postgres://nodefinder:secret@127.0.0.1:1/x';

function expectOneLine(r: CliResult, code: 1 | 2, pattern: RegExp): void {
  expect(r.code, r.err).toBe(code);
  const errLines = lines(r.err);
  expect(errLines, r.err).toHaveLength(1);
  expect(errLines[0]).toMatch(/^nodefinder: /);
  expect(errLines[0]).toMatch(pattern);
  expect(r.err).not.toMatch(STACK_FRAME);
}

describe('bad usage or input: one line, exit 2', () => {
  it('a bad enode in ping', async () => {
    expectOneLine(await runCli('ping', 'enode://xyz@127.0.0.1:30303'), 2, /invalid enode/);
    expectOneLine(await runCli('ping', 'not-a-url'), 2, /invalid enode/);
  });

  it('a bad enode in crawl --bootnodes names the option', async () => {
    const r = await runCli('crawl', '--db', join(root, 'never'), '--bootnodes', `${loopbackEnode},enode://00@127.0.0.1:1`);
    expectOneLine(r, 2, /invalid --bootnodes entry/);
  });

  it('bad durations', async () => {
    expectOneLine(await runCli('crawl', '--db', join(root, 'never'), '--duration', '10 minutes'), 2, /invalid --duration "10 minutes": use e\.g\. 90s/);
    expectOneLine(await runCli('crawl', '--db', join(root, 'never'), '--redial-interval', '-5m'), 2, /invalid --redial-interval/);
    expectOneLine(await runCli('testnet', '--duration', 'forever'), 2, /invalid --duration/);
    expectOneLine(await runCli('ping', loopbackEnode, '--timeout', '5 s s'), 2, /invalid --timeout/);
  });

  it('bad CIDRs', async () => {
    expectOneLine(await runCli('crawl', '--db', join(root, 'never'), '--netrestrict', '10.0.0.0/33'), 2, /invalid --netrestrict/);
    expectOneLine(await runCli('crawl', '--db', join(root, 'never'), '--netrestrict', 'localhost'), 2, /invalid --netrestrict/);
    expectOneLine(await runCli('ping', loopbackEnode, '--netrestrict', '1.2.3.4/8/9'), 2, /invalid --netrestrict/);
  });

  it('a bootnode outside --netrestrict: nothing could ever be contacted', async () => {
    expectOneLine(await runCli('crawl', '--db', join(root, 'never'), '--netrestrict', '10.0.0.0/8', '--bootnodes', loopbackEnode), 2, /no bootnode lies inside --netrestrict/);
  });

  it('a bad --metrics address', async () => {
    expectOneLine(await runCli('crawl', '--db', join(root, 'never'), '--metrics', '9464'), 2, /invalid --metrics "9464": use host:port/);
  });

  it('a malformed or unreadable --fork-schedule names the file and the reason', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = (name: string, text: string) => {
      writeFileSync(join(root, name), text);
      return join(root, name);
    };
    const crawl = (f: string, ...more: string[]) => runCli('crawl', '--db', join(root, 'never'), '--fork-schedule', f, ...more);
    expectOneLine(await crawl(file('trunc.json', '{"config": {"shanghaiTime": 1')), 2, /--fork-schedule .*trunc\.json: not JSON/);
    expectOneLine(await crawl(file('neg.json', '{"osakaTime": -5}')), 2, /osakaTime: not an unsigned integer/);
    expectOneLine(await crawl(file('none.json', '{"config": {"chainId": 1}}')), 2, /no fork time/);
    expectOneLine(await crawl(file('sep.json', '{"config": {"chainId": 11155111, "shanghaiTime": 1677557088}}')), 2, /chainId 11155111 is not the crawled network's \(1\)/);
    expectOneLine(await crawl(join(root, 'missing.json')), 2, /missing\.json: cannot read it \(ENOENT\)/);
  });

  it('none of these created the database directory', async () => {
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});

describe('runtime failures: one line, exit 1', () => {
  it('an unreachable Postgres URL (crawl, report, db status) — the password never printed', async () => {
    for (const args of [
      ['crawl', '--db', UNREACHABLE_PG, '--bootnodes', loopbackEnode, '--netrestrict', '127.0.0.0/8', '--duration', '1s'],
      ['report', 'snapshot', '--db', UNREACHABLE_PG],
      ['db', 'status', '--db', UNREACHABLE_PG],
    ]) {
      const r = await runCli(...args);
      expectOneLine(r, 1, /^nodefinder: cannot connect to postgres:\/\/nodefinder:\*\*\*@127\.0\.0\.1:1\/x: connection refused \(is Postgres running there, and the port right\?\)$/);
      expect(r.err).not.toContain('secret');
    }
  }, 60_000);

  it('a report on an embedded database that does not exist says how to make one', async () => {
    const dir = join(root, 'missing');
    expectOneLine(await runCli('report', 'snapshot', '--db', dir), 1, new RegExp(`no embedded database in ${dir}: crawl into it first \\(nodefinder crawl --db ${dir}\\), or pass --db$`));
  });

  it('--debug adds the stack trace', async () => {
    const r = await runCli('--debug', 'db', 'status', '--db', UNREACHABLE_PG);
    expect(r.code).toBe(1);
    expect(lines(r.err)[0]).toMatch(/^nodefinder: /);
    expect(r.err).toMatch(STACK_FRAME);
    expect(r.err).not.toContain('secret');
  });

  it('a port in use: crawl and testnet', async () => {
    const held = await occupyPort();
    try {
      const crawl = await runCli(
        'crawl', '--db', join(root, 'port-db'), '--keys', join(root, 'keys'), '--listen', '127.0.0.1', '--port', String(held.port),
        '--bootnodes', loopbackEnode, '--netrestrict', '127.0.0.0/8', '--duration', '1s', '--no-status',
      );
      expect(crawl.code, crawl.err).toBe(1);
      const last = lines(crawl.err).filter((l) => l.startsWith('nodefinder: '));
      expect(last).toHaveLength(1);
      expect(last[0]).toBe(`nodefinder: cannot listen on 127.0.0.1 port ${held.port} (UDP+TCP): address in use (another crawler or node?); choose another --port`);
      expect(crawl.err).not.toMatch(STACK_FRAME);

      const metrics = await runCli(
        'crawl', '--db', join(root, 'port-db'), '--keys', join(root, 'keys'), '--listen', '127.0.0.1', '--port', String(held.port + 1),
        '--metrics', `127.0.0.1:${held.port}`, '--bootnodes', loopbackEnode, '--netrestrict', '127.0.0.0/8', '--duration', '1s', '--no-status',
      );
      expect(metrics.code, metrics.err).toBe(1);
      expect(lines(metrics.err).filter((l) => l.startsWith('nodefinder: '))).toEqual([
        `nodefinder: cannot listen on --metrics 127.0.0.1:${held.port}: address in use (another crawler or node?); choose another --metrics`,
      ]);

      const testnet = await runCli('testnet', '--nodes', '1', '--port', String(held.port), '--duration', '1s');
      expectOneLine(testnet, 1, new RegExp(`${held.port}.*address_in_use|in use`));
    } finally {
      await held.release();
    }
  }, 60_000);

  it('a --db directory whose schema is newer than this NodeFinder: crawl, report and db migrate say what to do', async () => {
    const dir = join(root, 'newer');
    const db = await openDatabase(dir);
    await migrate(db);
    await db.query(`INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, 'from_the_future', 'x')`, [loadMigrations().length + 1]);
    await db.close();
    for (const args of [
      ['crawl', '--db', dir, '--bootnodes', loopbackEnode, '--netrestrict', '127.0.0.0/8', '--duration', '1s'],
      ['report', 'snapshot', '--db', dir],
      ['db', 'migrate', '--db', dir],
    ]) {
      const r = await runCli(...args);
      expectOneLine(r, 1, /schema is at version \d+ but this NodeFinder knows only up to \d+: upgrade NodeFinder/);
    }
  }, 120_000);
});
