/** Real DNS I/O against the loopback TXT server this test starts: never real DNS. */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/crypto/index.js';
import { createEnr } from '../../src/enode/enr.js';
import { DnsDiscError } from '../../src/dnsdisc/errors.js';
import { DnsTreeSync } from '../../src/dnsdisc/sync.js';
import { makeTree } from '../../src/dnsdisc/tree.js';
import { createTxtLookup, parseDnsServer } from '../../src/dnsdisc/txt-lookup.js';
import { DnsTxtServer } from '../../src/testnet/dns-server.js';
import { buildDnsResponse, parseDnsQuery, RCODE_NOERROR, TYPE_TXT } from '../../src/testnet/dns-wire.js';
import { fromUtf8, hexToBytes } from '../../src/util/bytes.js';
import { BASE_SEED, FUZZ_SCALE, Rng, mutate } from '../devp2p/fuzz-helpers.js';

/** A TXT query as a resolver sends it (RD set, optional EDNS OPT). */
function query(name: string, id = 0x1234, edns?: number): Uint8Array {
  const labels = name.split('.').flatMap((l) => [Uint8Array.of(l.length), fromUtf8(l)]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  if (edns) header.writeUInt16BE(1, 10);
  const opt = edns ? Buffer.from([0, 0, 41, edns >> 8, edns & 255, 0, 0, 0, 0, 0, 0]) : Buffer.alloc(0);
  return Buffer.concat([header, ...labels, Uint8Array.of(0), Uint8Array.of(0, TYPE_TXT, 0, 1), opt]);
}

describe('DNS wire codec (test server side)', () => {
  it('parses a query, answers TXT split into 255-byte strings, sets TC beyond the UDP limit', () => {
    const q = parseDnsQuery(query('AbC.Example', 7, 1232));
    expect(q).toMatchObject({ id: 7, name: 'abc.example', qtype: TYPE_TXT, udpLimit: 1232 });
    const r = Buffer.from(buildDnsResponse(q, RCODE_NOERROR, ['x'.repeat(300)]));
    expect(r.readUInt16BE(0)).toBe(7);
    expect(r.readUInt16BE(6)).toBe(1); // one answer
    const rdataAt = 12 + q.question.length + 12;
    expect(r[rdataAt]).toBe(255);
    expect(r[rdataAt + 256]).toBe(45);
    const big = Buffer.from(buildDnsResponse({ ...q, udpLimit: 512 }, RCODE_NOERROR, ['y'.repeat(600)]));
    expect(big.readUInt16BE(2) & 0x0200).toBe(0x0200);
    expect(big.readUInt16BE(6)).toBe(0);
  });

  it('fuzz: mutated queries only ever throw typed errors', () => {
    const rng = new Rng(BASE_SEED + 53);
    const seeds = [query('a.example'), query('ABCDEFGHIJKLMNOPQRSTUVWXYZ.nodes.example.org', 1, 4096)];
    let ok = 0;
    for (let i = 0; i < 3000 * FUZZ_SCALE; i++) {
      try {
        parseDnsQuery(mutate(rng, rng.pick(seeds)));
        ok++;
      } catch (err) {
        expect((err as { kind?: string }).kind).toBe('bad_packet');
      }
    }
    expect(ok).toBeGreaterThan(0);
  });
});

describe('TXT lookups over node:dns against a loopback server', () => {
  let server: DnsTxtServer;
  const key = hexToBytes('77'.repeat(32));
  const enrs = Array.from({ length: 30 }, (_, i) =>
    createEnr({ privateKey: keccak256(fromUtf8(`io ${i}`)), seq: 1n, ip: '127.0.0.1', tcp: 40000 + i, udp: 40000 + i, extra: { pad: new Uint8Array(60) } }),
  );
  const tree = makeTree({ enrs, seq: 3n, domain: 'nodes.test.example', privateKey: key });

  beforeAll(async () => {
    server = await DnsTxtServer.start({ records: [...tree.records, { name: 'long.test.example', text: 'z'.repeat(700) }] });
  });
  afterAll(() => server.close());

  it('joins TXT character-strings and maps NXDOMAIN to a typed lookup failure', async () => {
    const lookup = createTxtLookup({ servers: [server.address], timeoutMs: 5_000 });
    expect(await lookup('long.test.example')).toEqual(['z'.repeat(700)]);
    await expect(lookup('missing.test.example')).rejects.toMatchObject({ reason: 'lookup_failed', kind: 'dns_lookup' });
    expect(server.stats.nxdomain).toBe(1);
  });

  it('times out (typed) when the server never answers', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const lookup = createTxtLookup({ servers: [`127.0.0.1:${silent.address().port}`], timeoutMs: 200, retries: 0 });
      const err = await lookup('a.example').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DnsDiscError);
      expect((err as DnsDiscError).reason).toBe('timeout');
    } finally {
      silent.close();
    }
  });

  it('syncs a whole signed tree through real DNS queries', async () => {
    const sync = new DnsTreeSync({ lookup: createTxtLookup({ servers: [server.address], timeoutMs: 5_000 }), links: [tree.link] });
    const report = await sync.sync();
    expect(report.failures).toEqual({});
    expect(report.changed).toHaveLength(30);
    expect(report.lookups).toBe(tree.records.length);
  });

  it('parses --dns-server forms, IP literals only', () => {
    expect(parseDnsServer('127.0.0.1:5353')).toBe('127.0.0.1:5353');
    expect(parseDnsServer('127.0.0.1')).toBe('127.0.0.1:53');
    expect(parseDnsServer('[::1]:53')).toBe('[::1]:53');
    for (const bad of ['localhost:53', '127.0.0.1:0', '127.0.0.1:70000', '300.1.1.1', '']) expect(parseDnsServer(bad)).toBeUndefined();
  });
});
