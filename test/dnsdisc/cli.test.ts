/** CLI surface of DNS discovery: options parse into one-line usage errors (exit 2), never network. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCrawlDns } from '../../src/cli/crawl-dns.js';
import { DEFAULT_DNS_TREES } from '../../src/eth/dns-trees.js';
import { parseLink } from '../../src/dnsdisc/entries.js';
import { NETWORK_NAMES } from '../../src/eth/networks.js';
import { lines, runCli, STACK_FRAME } from '../ops/cli-run.js';

const root = mkdtempSync(join(tmpdir(), 'nf-dns-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LINK = 'enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@nodes.example.org';

describe('crawl --dns settings', () => {
  it("defaults to the network's public lists (valid links), but to none when --bootnodes is given", () => {
    for (const n of NETWORK_NAMES) {
      expect(DEFAULT_DNS_TREES[n].length).toBeGreaterThan(0);
      for (const l of DEFAULT_DNS_TREES[n]) expect(parseLink(l).domain).toBe(`all.${n}.ethdisco.net`);
      expect(parseCrawlDns({}, n).links).toEqual(DEFAULT_DNS_TREES[n]);
      expect(parseCrawlDns({ bootnodes: 'enode://…' }, n).links).toEqual([]);
    }
    expect(parseCrawlDns({ dns: 'none' }, 'mainnet')).toEqual({ links: [] });
    expect(parseCrawlDns({ dns: `${LINK}, ${LINK}`, bootnodes: '', dnsServer: '127.0.0.1:5300' }, 'mainnet')).toEqual({ links: [LINK, LINK], servers: ['127.0.0.1:5300'] });
  });

  it('bad --dns, --dns-server and --dns-interval values are one-line usage errors', async () => {
    for (const [args, pattern] of [
      [['--dns', 'enrtree://nodes.example.org'], /invalid --dns entry/],
      [['--dns', 'https://example.org'], /invalid --dns entry/],
      [['--dns', LINK, '--dns-server', 'dns.example.org'], /invalid --dns-server/],
      [['--dns', LINK, '--dns-interval', 'soon'], /invalid --dns-interval/],
    ] as const) {
      const r = await runCli('crawl', '--db', join(root, 'never'), ...args);
      expect(r.code, r.err).toBe(2);
      expect(lines(r.err)).toHaveLength(1);
      expect(r.err).toMatch(pattern);
      expect(r.err).not.toMatch(STACK_FRAME);
    }
  });

  it('export enrtree: missing required options and bad files are usage errors', async () => {
    const missing = await runCli('export', 'enrtree', '--domain', 'x.example');
    expect(missing.code).toBe(2);
    const bad = await runCli('export', 'enrtree', '--key', join(root, 'nokey'), '--domain', 'x.example', '--in', join(root, 'none.json'));
    expect(bad.code, bad.err).toBe(2);
    expect(lines(bad.err)).toHaveLength(1);
    expect(bad.err).toMatch(/^nodefinder: cannot read --key/);
    const db = await runCli('export', 'nodes.json', '--db', join(root, 'no-db'), '--limit', '-3');
    expect(db.code).toBe(2);
    expect(db.err).toMatch(/--limit/);
  });
});
