/**
 * report forks and the snapshot's fork_ids on a tiny hand-built crawl, both engines. Database rows
 * only (TEST-NET and documentation addresses, never contacted).
 *   a, b  Geth v1.16.0   mainnet STATUS 0x07c9462e next 0            compatible
 *   c     Geth v1.17.6   mainnet STATUS 0x07c9462e next 1800000000   compatible (a FORK_NEXT unknown to our schedule)
 *   d     Nethermind     mainnet STATUS 0x07c9462e/0 at 10:00, then 0xdeadbeef/0 at 11:00 (latest counts): local_stale
 *   e     Geth v1.17.6   sepolia STATUS 0x268956b6 next 1791294816 (Amsterdam)  unchecked
 *   f     —              no STATUS; ENR eth [0x07c9462e, 1800000000]
 *   a also has an ENR: ignored (its STATUS counts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CrawlerEvent, DialEvent, StatusInfo } from '../../src/events.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { parseClientId } from '../../src/devp2p/client-id.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { createEnr } from '../../src/enode/enr.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { ReportContext } from '../../src/report/context.js';
import { buildReport } from '../../src/report/registry.js';
import { renderReport, REPORT_FORMATS, toJsonObject } from '../../src/report/render/index.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { closeSharedPglite, ENGINES, engineTitle, datasetPerSuite } from '../store/helpers.js';
import { datasetGeo } from './dataset.js';
import { withDialPolicy } from '../../src/crawler/probe.js';

afterAll(closeSharedPglite);

const SINCE = Date.UTC(2026, 11, 1);
const UNTIL = SINCE + 86_400_000;
const H = 3_600_000;
const I1 = '11'.repeat(32);

const keys = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => [n, generatePrivateKey()]));
const pk = (n: string) => bytesToHex(publicKeyFromPrivate(keys[n]!));
const id = (n: string) => bytesToHex(nodeIdFromPublicKey(publicKeyFromPrivate(keys[n]!)));
let uuid = 0;

function status(net: 'mainnet' | 'sepolia', forkHash: string, forkNext: bigint, verdict: StatusInfo['forkVerdict']): StatusInfo {
  const n = NETWORKS[net];
  return { ethVersion: 68, networkId: BigInt(n.networkId), totalDifficulty: 1n, bestHash: 'ab'.repeat(32), genesisHash: n.genesisHash, forkHash, forkNext, forkVerdict: verdict, bestBlock: null, earliestBlock: null };
}

/** Rows only: a documentation address stored in the database, never contacted. */
const STORED_IP = '198.51.100.7';

function dial(node: string, at: number, clientId: string, st: StatusInfo): DialEvent {
  const p = parseClientId(clientId);
  return withDialPolicy({
    type: 'dial', dialId: `00000000-0000-4000-8000-${String(++uuid).padStart(12, '0')}`, instance: I1, kind: 'dynamic', nodeId: id(node), publicKey: pk(node),
    ip: STORED_IP, tcpPort: 30303, startedAt: at, endedAt: at + 1000, connectMs: 5, handshakeMs: 5, outcome: 'status', errorKind: null, errorMessage: null,
    hello: { p2pVersion: 5, clientId, clientName: p.name, clientVersion: p.version, os: p.os, arch: p.arch, runtime: p.runtime, caps: ['eth/68'], listenPort: 30303 },
    status: st, disconnects: [], rtt: null,
  });
}

function enr(node: string, forkHash: string, forkNext: bigint, at: number): CrawlerEvent {
  const r = createEnr({ privateKey: keys[node]!, seq: 3n, ip: '198.51.100.8', udp: 30303, tcp: 30303, eth: { forkHash: hexToBytes(forkHash), forkNext } });
  return { type: 'enr', instance: I1, nodeId: id(node), seq: 3n, raw: bytesToHex(r.raw), at };
}

function events(): CrawlerEvent[] {
  const t = SINCE + 10 * H;
  const ev: CrawlerEvent[] = [
    { type: 'instance_started', instance: I1, publicKey: I1 + I1, host: '192.0.2.1', udpPort: 30303, tcpPort: 30303, network: 'mainnet', codeVersion: '0.1.0', at: SINCE - H },
  ];
  for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) {
    ev.push({ type: 'node_seen', instance: I1, nodeId: id(n), publicKey: pk(n), ip: '198.51.100.7', udpPort: 30303, tcpPort: 30303, source: 'neighbors', at: t });
  }
  ev.push(
    dial('a', t, 'Geth/v1.16.0-stable-aaaaaaaa/linux-amd64/go1.24.1', status('mainnet', '07c9462e', 0n, 'compatible')),
    dial('b', t, 'Geth/v1.16.0-stable-aaaaaaaa/linux-amd64/go1.24.1', status('mainnet', '07c9462e', 0n, 'compatible')),
    dial('c', t, 'Geth/v1.17.6-stable-cccccccc/linux-amd64/go1.25.0', status('mainnet', '07c9462e', 1_800_000_000n, 'compatible')),
    dial('d', t, 'Nethermind/v1.36.0+1a2b3c4d/linux-x64/dotnet9.0.1', status('mainnet', '07c9462e', 0n, 'compatible')),
    dial('d', t + H, 'Nethermind/v1.36.0+1a2b3c4d/linux-x64/dotnet9.0.1', status('mainnet', 'deadbeef', 0n, 'local_stale')),
    dial('e', t, 'Geth/v1.17.6-stable-cccccccc/linux-amd64/go1.25.0', status('sepolia', '268956b6', 1_791_294_816n, 'unchecked')),
    enr('f', '07c9462e', 1_800_000_000n, t),
    enr('a', '07c9462e', 0n, t),
  );
  return ev;
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`report forks on ${engineTitle(engine)}`, () => {
    const db = datasetPerSuite(engine, () => events());
    const ctx = () => new ReportContext(db(), { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo: datasetGeo() });

    const FORK_IDS = [
      { hash: '0x07c9462e', next: '0', nodes: 2, verdict: 'compatible', network: 'mainnet' },
      { hash: '0x07c9462e', next: '1800000000', nodes: 1, verdict: 'compatible', network: 'mainnet' },
      { hash: '0x268956b6', next: '1791294816', nodes: 1, verdict: 'unchecked', network: 'sepolia' },
      { hash: '0xdeadbeef', next: '0', nodes: 1, verdict: 'local_stale', network: 'mainnet' },
    ];

    it('fork_ids: each node once by its latest STATUS, with the verdict of the crawl', async () => {
      const j = toJsonObject(await buildReport('forks', ctx())) as Record<string, any>;
      expect(j.fork_ids).toEqual(FORK_IDS);
      const snap = toJsonObject(await buildReport('snapshot', ctx())) as Record<string, any>;
      expect(snap.fork_ids).toEqual(FORK_IDS);
    });

    it('readiness: FORK_NEXT by client release from STATUS and ENR; unknown forks marked', async () => {
      const j = toJsonObject(await buildReport('forks', ctx())) as Record<string, any>;
      expect(j.readiness).toEqual([
        { network: 'mainnet', next: '0', fork: null, known: true, client: 'Geth', version: '1.16.0', source: 'status', nodes: 2 },
        { network: 'mainnet', next: '0', fork: null, known: true, client: 'Nethermind', version: '1.36.0', source: 'status', nodes: 1 },
        { network: 'sepolia', next: '1791294816', fork: 'amsterdam', known: true, client: 'Geth', version: '1.17.6', source: 'status', nodes: 1 },
        { network: 'mainnet', next: '1800000000', fork: null, known: false, client: 'Geth', version: '1.17.6', source: 'status', nodes: 1 },
        { network: 'mainnet', next: '1800000000', fork: null, known: false, client: 'unknown', version: '', source: 'enr', nodes: 1 },
      ]);
    });

    it('renders in every format', async () => {
      const report = await buildReport('forks', ctx());
      for (const format of REPORT_FORMATS) {
        const out = renderReport(report, format);
        expect(out.length).toBeGreaterThan(100);
        if (format !== 'json') expect(out).toContain('unknown to our schedule');
        if (format === 'table') expect(out).toContain('1 of 4 judged nodes (25 %) are local_stale');
      }
    });
  });
}
