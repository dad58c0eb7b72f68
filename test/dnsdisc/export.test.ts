/** `export nodes.json` (store query + geth format + filters) and `export enrtree` (CLI, files). */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { createEnr, decodeEnrText, type Enr } from '../../src/enode/enr.js';
import { currentForkId } from '../../src/eth/fork-id.js';
import { forkSchedule, NETWORKS } from '../../src/eth/networks.js';
import { runExportEnrtree } from '../../src/cli/export.js';
import { parseLink, parseRoot, verifyRoot } from '../../src/dnsdisc/entries.js';
import { DnsTreeSync } from '../../src/dnsdisc/sync.js';
import { buildNodesJson, parseNodesJson } from '../../src/export/nodes-json.js';
import { loadExportNodes, type ExportNodeRow } from '../../src/store/export-nodes.js';
import { migrate } from '../../src/store/migrations.js';
import { EventWriter } from '../../src/store/writer.js';
import type { CrawlerEvent } from '../../src/events.js';
import { bytesToHex, fromUtf8 } from '../../src/util/bytes.js';
import { closeSharedPglite, ENGINES, engineTitle } from '../store/helpers.js';
import { T0 } from '../store/fixtures.js';
import { withDialPolicy } from '../../src/crawler/probe.js';

afterAll(closeSharedPglite);

const HOUR = 3_600_000;
const key = (i: number) => keccak256(fromUtf8(`export ${i}`));
const now = Math.floor(T0 / 1000);
const mainnetFork = currentForkId(forkSchedule(NETWORKS.mainnet), now);
const sepoliaFork = currentForkId(forkSchedule(NETWORKS.sepolia), now);
const record = (i: number, fork = mainnetFork, seq = 1n): Enr =>
  createEnr({ privateKey: key(i), seq, ip: `127.0.0.${i + 1}`, tcp: 30303, udp: 30303, eth: { forkHash: fork.hash, forkNext: fork.next } });
const row = (enr: Enr, first: number | null, last: number | null, answered: number): ExportNodeRow => ({
  nodeId: bytesToHex(enr.nodeId),
  seq: enr.seq,
  raw: enr.raw,
  firstResponse: first,
  lastResponse: last,
  answered,
  lastCheck: last,
});

describe('nodes.json (geth cmd/devp2p nodeset.go format)', () => {
  it('writes seq, record, score, times (Go zero time for never), keyed by node ID', () => {
    const a = record(0);
    const b = record(1);
    const { nodes } = buildNodesJson([row(a, T0, T0 + HOUR, 3), row(b, null, null, 0)]);
    expect(nodes[bytesToHex(a.nodeId)]).toEqual({
      seq: 1,
      record: a.toText(),
      score: 3,
      firstResponse: '2024-01-15T12:00:00Z',
      lastResponse: '2024-01-15T13:00:00Z',
      lastCheck: '2024-01-15T13:00:00Z',
    });
    expect(nodes[bytesToHex(b.nodeId)]).toEqual({ seq: 1, record: b.toText(), firstResponse: '0001-01-01T00:00:00Z', lastResponse: '0001-01-01T00:00:00Z', lastCheck: '0001-01-01T00:00:00Z' });
    // What we write, parseNodesJson (and so export enrtree) reads back.
    expect(parseNodesJson(JSON.stringify(nodes)).enrs.map((e) => e.toText()).sort()).toEqual([a.toText(), b.toText()].sort());
  });

  it('filters: network by the eth fork ID (static filter), minimum age, limit by score', () => {
    const onMainnet = [0, 1, 2, 3].map((i) => record(i));
    const onSepolia = record(4, sepoliaFork);
    const noEth = createEnr({ privateKey: key(5), seq: 1n, ip: '127.0.0.9', tcp: 1, udp: 1 });
    const rows = [
      row(onMainnet[0]!, T0, T0 + 48 * HOUR, 10),
      row(onMainnet[1]!, T0, T0 + 2 * HOUR, 5),
      row(onMainnet[2]!, null, null, 0),
      row(onMainnet[3]!, T0, T0 + 30 * HOUR, 1),
      row(onSepolia, T0, T0 + 48 * HOUR, 10),
      row(noEth, T0, T0 + 48 * HOUR, 10),
    ];
    const ids = (r: ReturnType<typeof buildNodesJson>) => Object.keys(r.nodes).sort();
    const hex = (xs: Enr[]) => xs.map((e) => bytesToHex(e.nodeId)).sort();
    expect(ids(buildNodesJson(rows, { network: NETWORKS.mainnet }))).toEqual(hex(onMainnet));
    expect(ids(buildNodesJson(rows, { network: NETWORKS.sepolia }))).toEqual(hex([onSepolia]));
    expect(ids(buildNodesJson(rows, { network: NETWORKS.mainnet, minAgeMs: 24 * HOUR }))).toEqual(hex([onMainnet[0]!, onMainnet[3]!]));
    expect(ids(buildNodesJson(rows, { network: NETWORKS.mainnet, limit: 2 }))).toEqual(hex([onMainnet[0]!, onMainnet[1]!]));
    expect(ids(buildNodesJson(rows, { limit: 0 }))).toEqual([]);
  });

  it('refuses what is not a nodes.json, entry by entry', () => {
    expect(parseNodesJson('[1]').errors).toHaveLength(1);
    expect(parseNodesJson('{"x": {"record": "enr:AAAA"}, "y": {}}').errors).toHaveLength(2);
    expect(parseNodesJson('nope').errors[0]).toMatch(/not JSON/);
  });
});

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`export query on ${engineTitle(engine)}`, () => {
    it('reads the highest-seq record and the answered dials of every node with an ENR', async () => {
      const t = await engine.fresh();
      try {
        await migrate(t.db);
        const w = await EventWriter.open(t.db);
        const inst = bytesToHex(keccak256(fromUtf8('instance')));
        const a1 = record(0, mainnetFork, 1n);
        const a2 = record(0, mainnetFork, 2n);
        const b = record(1);
        const events: CrawlerEvent[] = [
          { type: 'instance_started', instance: inst, publicKey: bytesToHex(publicKeyFromPrivate(key(99))), host: '127.0.0.1', udpPort: 1, tcpPort: 1, network: 'mainnet', codeVersion: 't', at: T0 },
          ...[a1, a2, b].map((e): CrawlerEvent => ({ type: 'enr', instance: inst, nodeId: bytesToHex(e.nodeId), seq: e.seq, raw: bytesToHex(e.raw), at: T0 })),
        ];
        const dial = (e: Enr, at: number, outcome: 'status' | 'error' | 'disconnect'): CrawlerEvent => (withDialPolicy({
          type: 'dial',
          dialId: crypto.randomUUID(),
          instance: inst,
          kind: 'dynamic',
          nodeId: bytesToHex(e.nodeId),
          publicKey: null,
          ip: '127.0.0.1',
          tcpPort: 30303,
          startedAt: at,
          endedAt: at + 10,
          connectMs: 1,
          outcome,
          errorKind: outcome === 'error' ? 'timeout' : null,
          errorMessage: outcome === 'error' ? 'x' : null,
          hello: null,
          status: null,
          disconnects: outcome === 'disconnect' ? [{ direction: 'received', reason: 'too_many_peers', at: at + 5 }] : [],
          rtt: null,
        }));
        events.push(dial(a1, T0 + HOUR, 'disconnect'), dial(a1, T0 + 3 * HOUR, 'error'), dial(a1, T0 + 2 * HOUR, 'disconnect'), dial(b, T0 + HOUR, 'error'));
        for (const e of events) w.write(e);
        await w.close();
        const rows = await loadExportNodes(t.db);
        expect(rows).toHaveLength(2);
        const ra = rows.find((r) => r.nodeId === bytesToHex(a1.nodeId))!;
        expect(ra).toMatchObject({ seq: 2n, firstResponse: T0 + HOUR, lastResponse: T0 + 2 * HOUR, answered: 2, lastCheck: T0 + 3 * HOUR });
        expect(bytesToHex(ra.raw)).toBe(bytesToHex(a2.raw));
        const rb = rows.find((r) => r.nodeId === bytesToHex(b.nodeId))!;
        expect(rb).toMatchObject({ firstResponse: null, lastResponse: null, answered: 0, lastCheck: T0 + HOUR });
      } finally {
        await t.dispose();
      }
    });
  });
}

describe('export enrtree', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nf-enrtree-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = async (opts: Parameters<typeof runExportEnrtree>[0]) => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    await runExportEnrtree(opts, { stdout, stderr: new PassThrough(), now: () => T0 });
    return out;
  };

  it('signs a tree of the nodes.json records that resolves back to the same records', async () => {
    const enrs = Array.from({ length: 20 }, (_, i) => record(i));
    const nodes = buildNodesJson(enrs.map((e) => row(e, null, null, 0))).nodes;
    await writeFile(join(dir, 'nodes.json'), JSON.stringify(nodes));
    await writeFile(join(dir, 'key'), `${bytesToHex(key(42))}\n`);
    const json = JSON.parse(await run({ key: join(dir, 'key'), domain: 'nodes.example.org', in: join(dir, 'nodes.json'), format: 'json' }));
    expect(json.seq).toBe(now);
    expect(json.nodes).toBe(20);
    const link = parseLink(json.link);
    expect(link.domain).toBe('nodes.example.org');
    verifyRoot(parseRoot(json.records['nodes.example.org']), link.publicKey);
    const sync = new DnsTreeSync({ lookup: async (name) => (json.records[name] ? [json.records[name]] : Promise.reject(new Error('nx'))), links: [json.link] });
    const report = await sync.sync();
    expect(report.failures).toEqual({});
    expect(report.changed.map((e) => e.toText()).sort()).toEqual(enrs.map((e) => e.toText()).sort());

    const zone = await run({ key: join(dir, 'key'), domain: 'nodes.example.org', in: join(dir, 'nodes.json'), format: 'zone', seq: '7' });
    const lines = zone.trim().split('\n');
    expect(lines[0]).toMatch(/^; enrtree:\/\/\S+@nodes\.example\.org seq=7 nodes=20 links=0$/);
    expect(lines[1]).toMatch(/^nodes\.example\.org\. 60 IN TXT "enrtree-root:v1 e=\S+ l=\S+ seq=7 sig=\S+"$/);
    expect(lines).toHaveLength(Object.keys(json.records).length + 1);
    expect(decodeEnrText(JSON.parse(lines.find((l) => l.includes('"enr:'))!.split(' IN TXT ')[1]!.split('" "').join('')))).toBeDefined();
  });

  it('refuses bad input with usage errors', async () => {
    await writeFile(join(dir, 'bad.json'), '{"ab": {"record": "enr:nope"}}');
    const base = { key: join(dir, 'key'), domain: 'nodes.example.org', in: join(dir, 'nodes.json'), format: 'json' };
    await expect(run({ ...base, in: join(dir, 'bad.json') })).rejects.toThrow(/1 invalid entry/);
    await expect(run({ ...base, in: join(dir, 'missing.json') })).rejects.toThrow(/cannot read --in/);
    await expect(run({ ...base, domain: 'not a domain' })).rejects.toThrow(/invalid --domain/);
    await expect(run({ ...base, seq: '-1' })).rejects.toThrow(/invalid --seq/);
    await expect(run({ ...base, links: 'enrtree://x@y' })).rejects.toThrow(/invalid --links/);
    await expect(run({ ...base, key: join(dir, 'nodes.json') })).rejects.toThrow(/--key/);
  });
});
