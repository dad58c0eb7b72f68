/**
 * `crawl --dns` end to end, loopback only: a testnet whose peers know nobody (no bootnodes) is
 * announced only through a signed DNS tree on a DNS server this test starts; the crawl, given no
 * bootnodes at all, resolves the tree and finds every peer. Its root is then republished with a
 * new seq and more peers, and the next poll finds those too. The crawl is stopped (SIGTERM) once
 * its status line says it has dialed every node it knows, never after a fixed --duration.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrawl } from '../../src/cli/crawl.js';
import { makeTree } from '../../src/dnsdisc/tree.js';
import { openDatabase } from '../../src/store/open.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import { DnsTxtServer } from '../../src/testnet/dns-server.js';
import { ownRecord } from '../../src/testnet/peer.js';
import { hexToBytes } from '../../src/util/bytes.js';
import { portBase } from './helpers.js';
import { LOADED_DEADLINE_MS, pollUntil } from './scrape.js';

const PEERS = 12;
const FIRST = 8; // announced in the first version of the tree; the rest in the second
const KEY = hexToBytes('88'.repeat(32));

/** The record each peer serves itself (endpoint, eth fork ID, snap). */
function peerEnr(net: Testnet, i: number) {
  const p = net.peers[i]!;
  return ownRecord(p.profile, p.record.ip, p.record.udpPort, p.tcpPort);
}

describe('crawl --dns: nodes announced only through a DNS tree on a local DNS server', () => {
  let net: Testnet;
  let dns: DnsTxtServer;
  let dir: string;
  const base = portBase();

  beforeAll(async () => {
    net = await startTestnet({ nodes: PEERS, seed: 11, port: base, bootnodesPerPeer: 0, otherNetworkFraction: 0, noTcpFraction: 0, staleForkPeers: 0, parityFraction: 0 });
    dns = await DnsTxtServer.start();
    dir = await mkdtemp(join(tmpdir(), 'nf-crawl-dns-'));
  });
  afterAll(async () => {
    await net?.close();
    await dns?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('resolves the tree, dials every announced peer, records the source as dns, and follows a new seq', async () => {
    const enrs = Array.from({ length: PEERS }, (_, i) => peerEnr(net, i));
    const v1 = makeTree({ enrs: enrs.slice(0, FIRST), seq: 1n, domain: 'nodes.test.example', privateKey: KEY });
    dns.setRecords(v1.records);
    // The second version is published once the crawl has reported the first; it re-checks the root every second.
    const v2 = makeTree({ enrs, seq: 2n, domain: 'nodes.test.example', privateKey: KEY });
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    let out = '';
    let republished = false;
    stderr.on('data', (d: Buffer) => {
      out += d.toString();
      if (!republished && /dns: 8 new/.test(out)) {
        republished = true;
        dns.setRecords(v2.records);
      }
    });
    const db = join(dir, 'db');
    const run = runCrawl(
        {
          network: 'mainnet',
          bootnodes: '',
          dns: v1.link,
          dnsServer: dns.address,
          dnsInterval: '1s',
          instances: '2',
          listen: '127.0.0.1',
          port: String(base + PEERS + 10),
          db,
          maxDials: '16',
          maxSockets: '64',
          redialInterval: '30m',
          expireAfter: '24h',
          netrestrict: '127.0.0.0/8',
          status: true,
          statusInterval: '250ms',
        },
      { stderr },
    );
    let ended = false;
    void run.finally(() => (ended = true)).catch(() => {});
    // Both tree versions read, every known node dialed and nothing queued or in flight (a status line
    // after the second version): then every announced peer has had its dial, however slow the machine.
    const idle = /nodes (\d+) \| dials 0 in flight, 0 queued, (\d+) done/;
    await pollUntil(
      () => {
        if (ended) return true;
        const after = out.split(/dns: 4 new or updated node record\(s\)/)[1];
        if (after === undefined) return undefined;
        const lines = after.split('\r\x1b[2K').slice(1);
        const m = idle.exec(lines[lines.length - 1] ?? '');
        return m && Number(m[1]) >= PEERS && Number(m[2]) >= PEERS ? true : undefined;
      },
      'every announced peer dialed',
      LOADED_DEADLINE_MS,
      () => out.slice(-2000),
    );
    process.emit('SIGTERM'); // vitest's worker has no SIGTERM handler of its own: this reaches only the crawl's
    await run;
    expect(out).toMatch(/dns: resolving 1 tree\(s\) via 127\.0\.0\.1:\d+/);
    expect(out).toMatch(/dns: 8 new or updated node record\(s\) from 1 tree\(s\), 8 known/);
    expect(out).toMatch(/dns: 4 new or updated node record\(s\) from 1 tree\(s\), 12 known/);

    const store = await openDatabase(db, { mustExist: true });
    try {
      const want = net.peers.map((p) => Buffer.from(p.profile.nodeId).toString('hex')).sort();
      const fromDns = await store.query<{ id: string }>(`SELECT DISTINCT encode(node_id, 'hex') AS id FROM addresses WHERE first_source = 'dns' ORDER BY 1`);
      expect(fromDns.map((r) => r.id)).toEqual(want);
      // Every announced peer was dialed (our own instances may be there too). Whether each handshake
      // beat its timeout depends on the machine's load, not on DNS discovery: not asserted per peer,
      // but the dials were real (some answered with HELLO, STATUS or too_many_peers).
      const dialed = await store.query<{ id: string; answered: boolean }>(
        `SELECT encode(node_id, 'hex') AS id, bool_or(outcome IN ('hello', 'status', 'disconnect')) AS answered
           FROM dials WHERE kind <> 'inbound' GROUP BY 1 ORDER BY 1`,
      );
      expect(dialed.map((r) => r.id)).toEqual(expect.arrayContaining(want));
      expect(dialed.some((r) => r.answered)).toBe(true);
      const stored = await store.query<{ n: number }>(`SELECT count(DISTINCT node_id)::int AS n FROM enrs`);
      expect(stored[0]!.n).toBeGreaterThanOrEqual(PEERS);
    } finally {
      await store.close();
    }
    expect(dns.stats.malformed).toBe(0);
  }, LOADED_DEADLINE_MS + 120_000);
});
