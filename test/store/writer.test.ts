import { mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import { ManualClock } from '../../src/net/clock.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { migrate } from '../../src/store/migrations.js';
import { EventWriter, uuidV4 } from '../../src/store/writer.js';
import { DatabaseError } from '../../src/store/errors.js';
import { REJECTED_FILE } from '../../src/store/journal.js';
import {
  closeSharedPglite,
  ENGINES,
  engineTitle,
  FlakyDatabase,
  storedEventCount,
  warmUp,
  withFresh,
} from './helpers.js';
import { countableStream, crawlStream, dial, failedDial, makeWorld, Rng, T0 } from './fixtures.js';
import { withDialPolicy } from '../../src/crawler/probe.js';

beforeAll(warmUp);
afterAll(closeSharedPglite);

const I = 'a1'.repeat(32);
const IPK = 'b2'.repeat(64);
const N1 = 'c3'.repeat(32);
const N1PK = 'd4'.repeat(64);
const N2 = 'e5'.repeat(32);
const D1 = '6f1c1a8e-6d2b-4a7e-9c1d-0123456789ab';
const D2 = '7f1c1a8e-6d2b-4a7e-9c1d-0123456789ab';
const HOUR = 3_600_000;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'nf-writer-'));
}

const hex = (b: unknown) => bytesToHex(b as Uint8Array);
const ms = (d: unknown) => (d as Date).getTime();

function sampleEvents(): CrawlerEvent[] {
  const d1: DialEvent = withDialPolicy({
    type: 'dial',
    dialId: D1,
    instance: I,
    kind: 'dynamic',
    nodeId: N1,
    publicKey: N1PK,
    ip: '10.0.0.1',
    tcpPort: 30303,
    startedAt: T0 + 5000,
    endedAt: T0 + 6000,
    connectMs: 12.5,
    outcome: 'status',
    errorKind: null,
    errorMessage: null,
    hello: {
      p2pVersion: 5,
      clientId: 'Geth/v1.14.0-stable-abcdef/linux-amd64/go1.22.1',
      clientName: 'Geth',
      clientVersion: 'v1.14.0-stable-abcdef',
      os: 'linux',
      arch: 'amd64',
      runtime: 'go1.22.1',
      caps: ['eth/68', 'snap/1', 'odd,cap'],
      listenPort: 30303,
    },
    status: {
      ethVersion: 68,
      networkId: (1n << 64n) - 1n,
      totalDifficulty: 58750003716598352816469n,
      bestHash: '11'.repeat(32),
      genesisHash: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3',
      forkHash: 'fc64ec04',
      forkNext: 1150000n,
      forkVerdict: 'compatible',
      bestBlock: 19_000_000n,
      earliestBlock: null,
    },
    disconnects: [
      { direction: 'sent', reason: 'disconnect_requested', at: T0 + 5900 },
      { direction: 'received', reason: 'too_many_peers', at: T0 + 5950 },
    ],
    rtt: { srttMs: 40.5, minMs: 30.25, samples: 3, rttMs: 30.25, rttSource: 'p2p_ping', tcpConnectMs: 12.5, discPingMs: null, handshakeMs: 95.5, statusMs: 61.75 },
  });
  const d2: DialEvent = withDialPolicy({
    type: 'dial',
    dialId: D2,
    instance: I,
    kind: 'inbound',
    nodeId: null,
    publicKey: null,
    ip: '2001:db8::7',
    tcpPort: 51234,
    startedAt: T0 + 7000,
    endedAt: T0 + 7001,
    connectMs: null,
    outcome: 'error',
    errorKind: 'handshake_failed',
    errorMessage: 'bad\0auth',
    hello: null,
    status: null,
    disconnects: [],
    rtt: null,
  });
  return [
    { type: 'instance_started', instance: I, publicKey: IPK, host: '127.0.0.1', udpPort: 30303, tcpPort: 30304, network: 'mainnet', codeVersion: '0.1.0', at: T0 },
    { type: 'node_seen', instance: I, nodeId: N1, publicKey: N1PK, ip: '10.0.0.1', udpPort: 30303, tcpPort: 30303, source: 'neighbors', at: T0 + 1000 },
    { type: 'node_seen', instance: I, nodeId: N1, publicKey: N1PK, ip: '10.0.0.1', udpPort: 30303, tcpPort: 30303, source: 'ping', at: T0 + 2000 },
    { type: 'node_seen', instance: I, nodeId: N2, publicKey: N1PK.replace('d4', 'aa'), ip: '10.0.0.2', udpPort: 30301, tcpPort: 0, source: 'bootnode', at: T0 - 48 * HOUR },
    { type: 'discovery_counters', instance: I, minute: T0, findnodeSent: 1, neighborsReceived: 2, nodesLearned: 3, newNodes: 4, pingsSent: 5, pongsReceived: 6, pingsReceived: 7, findnodeReceived: 8, tableSize: 100 },
    { type: 'discovery_counters', instance: I, minute: T0, findnodeSent: 10, neighborsReceived: 20, nodesLearned: 30, newNodes: 40, pingsSent: 50, pongsReceived: 60, pingsReceived: 70, findnodeReceived: 80, tableSize: 90 },
    d1,
    d2,
    { type: 'enr', instance: I, nodeId: N1, seq: (1n << 64n) - 1n, raw: 'f84b'.padEnd(200, '0'), at: T0 + 8000 },
    { type: 'node_expired', nodeId: N2, at: T0 },
    { type: 'instance_stopped', instance: I, at: T0 + HOUR },
  ];
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`writer on ${engineTitle(engine)}`, () => {
    const withDb = withFresh(engine);

    it('round-trips every table', () =>
      withDb(async (t) => {
        const w = await EventWriter.open(t.db, { journalDir: null });
        w.writeMany(sampleEvents());
        expect(await w.flush()).toBe(true);
        const stats = await w.close();
        expect(stats).toMatchObject({ accepted: 11, written: 11, dropped: 0, rejected: 0, buffered: 0, batches: 1 });
        const q = t.db.query.bind(t.db);

        const [inst] = await q('SELECT * FROM instances');
        expect([hex(inst!.id), hex(inst!.public_key), ms(inst!.first_started_at), ms(inst!.last_started_at)]).toEqual([I, IPK, T0, T0]);
        const runs = await q('SELECT * FROM instance_runs');
        expect(runs.map((r) => [hex(r.instance_id), ms(r.started_at), ms(r.stopped_at), r.host, r.udp_port, r.tcp_port, r.network, r.code_version])).toEqual([
          [I, T0, T0 + HOUR, '127.0.0.1', 30303, 30304, 'mainnet', '0.1.0'],
        ]);

        const nodes = await q('SELECT * FROM nodes ORDER BY id');
        expect(nodes.map((n) => [hex(n.id), n.public_key && hex(n.public_key), ms(n.first_seen), ms(n.last_seen), n.last_hello_at && ms(n.last_hello_at), n.last_status_at && ms(n.last_status_at), n.last_too_many_peers_at && ms(n.last_too_many_peers_at), n.expired_at && ms(n.expired_at)])).toEqual([
          // d1 said too_many_peers after STATUS: the probe's verdict is 'hello', not a refusal
          [N1, N1PK, T0 + 1000, T0 + 8000, T0 + 5000, T0 + 5000, null, null],
          [N2, N1PK.replace('d4', 'aa'), T0 - 48 * HOUR, T0 - 48 * HOUR, null, null, null, T0],
        ]);

        const addrs = await q(`SELECT node_id, host(ip) AS ip, udp_port, tcp_port, first_seen, last_seen, first_source::text AS fs, last_source::text AS ls FROM addresses ORDER BY node_id`);
        expect(addrs.map((a) => [hex(a.node_id), a.ip, a.udp_port, a.tcp_port, ms(a.first_seen), ms(a.last_seen), a.fs, a.ls])).toEqual([
          [N1, '10.0.0.1', 30303, 30303, T0 + 1000, T0 + 2000, 'neighbors', 'ping'],
          [N2, '10.0.0.2', 30301, 0, T0 - 48 * HOUR, T0 - 48 * HOUR, 'bootnode', 'bootnode'],
        ]);

        const sightings = await q(`SELECT day::text AS day, node_id, sightings, first_source::text AS src, first_seen, last_seen FROM node_sightings ORDER BY day`);
        expect(sightings.map((s) => [s.day, hex(s.node_id), s.sightings, s.src, ms(s.first_seen), ms(s.last_seen)])).toEqual([
          ['2024-01-13', N2, 1, 'bootnode', T0 - 48 * HOUR, T0 - 48 * HOUR],
          ['2024-01-15', N1, 2, 'neighbors', T0 + 1000, T0 + 2000],
        ]);

        const [c] = await q('SELECT * FROM discovery_counters');
        expect([ms(c!.minute), c!.findnode_sent, c!.neighbors_received, c!.nodes_learned, c!.new_nodes, c!.pings_sent, c!.pongs_received, c!.pings_received, c!.findnode_received, c!.table_size]).toEqual([
          T0, 11, 22, 33, 44, 55, 66, 77, 88, 100,
        ]);

        const dials = await q(`SELECT dial_id::text AS id, started_at, ended_at, kind::text AS kind, node_id, host(ip) AS ip, tcp_port, connect_ms, outcome::text AS outcome, error_kind::text AS ek, error_message FROM dials ORDER BY started_at`);
        expect(dials.map((d) => [d.id, ms(d.started_at), ms(d.ended_at), d.kind, d.node_id && hex(d.node_id), d.ip, d.tcp_port, d.connect_ms, d.outcome, d.ek, d.error_message])).toEqual([
          [D1, T0 + 5000, T0 + 6000, 'dynamic', N1, '10.0.0.1', 30303, 12.5, 'status', null, null],
          [D2, T0 + 7000, T0 + 7001, 'inbound', null, '2001:db8::7', 51234, null, 'error', 'handshake_failed', 'bad\uFFFDauth'],
        ]);

        const [h] = await q('SELECT *, dial_id::text AS id FROM hellos');
        expect([h!.id, ms(h!.started_at), hex(h!.node_id), h!.p2p_version, h!.client_id, h!.client_name, h!.client_version, h!.os, h!.arch, h!.runtime, h!.caps, h!.listen_port]).toEqual([
          D1, T0 + 5000, N1, 5, 'Geth/v1.14.0-stable-abcdef/linux-amd64/go1.22.1', 'Geth', 'v1.14.0-stable-abcdef', 'linux', 'amd64', 'go1.22.1', ['eth/68', 'snap/1', 'odd,cap'], 30303,
        ]);

        const [s] = await q(`SELECT *, network_id::text AS nid, total_difficulty::text AS td, fork_next::text AS fnx, best_block::text AS bb, fork_verdict::text AS fv FROM statuses`);
        expect([s!.eth_version, s!.nid, s!.td, hex(s!.best_hash), hex(s!.genesis_hash), hex(s!.fork_hash), s!.fnx, s!.fv, s!.bb, s!.earliest_block]).toEqual([
          68, '18446744073709551615', '58750003716598352816469', '11'.repeat(32), 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'fc64ec04', '1150000', 'compatible', '19000000', null,
        ]);

        const disc = await q(`SELECT seq, direction::text AS dir, reason::text AS reason, at FROM disconnects ORDER BY seq`);
        expect(disc.map((d) => [d.seq, d.dir, d.reason, ms(d.at)])).toEqual([
          [0, 'sent', 'disconnect_requested', T0 + 5900],
          [1, 'received', 'too_many_peers', T0 + 5950],
        ]);

        const [r] = await q('SELECT * FROM rtts');
        expect([r!.srtt_ms, r!.min_ms, r!.samples, r!.tcp_connect_ms, r!.disc_ping_ms]).toEqual([40.5, 30.25, 3, 12.5, null]);
        expect([r!.rtt_ms, r!.rtt_source, r!.handshake_ms, r!.status_ms]).toEqual([30.25, 'p2p_ping', 95.5, 61.75]);

        const [e] = await q('SELECT node_id, seq::text AS seq, raw, first_seen, instance_id FROM enrs');
        expect([hex(e!.node_id), e!.seq, hex(e!.raw), ms(e!.first_seen), hex(e!.instance_id)]).toEqual([N1, '18446744073709551615', 'f84b'.padEnd(200, '0'), T0 + 8000, I]);

        const leases = await q('SELECT node_id, due_at, holder FROM redial_leases');
        expect(leases.map((l) => [hex(l.node_id), ms(l.due_at), l.holder])).toEqual([[N1, T0 + 5000, null]]);

        const [tot] = await q('SELECT findnode_sent, dials, hellos, statuses FROM instance_totals');
        expect(tot).toEqual({ findnode_sent: 11n, dials: 2n, hellos: 1n, statuses: 1n });

        // each day's rows sit in that day's partition, none in the default one
        const stray = await q(`SELECT count(*)::int AS n FROM dials_default`);
        expect(stray[0]!.n).toBe(0);
      }));

    it('gives the same tables whatever the batch boundaries and order (property)', () =>
      withDb(async (t) => {
        const rng = new Rng(7);
        const w0 = makeWorld(rng, 3, 40);
        const events = [...crawlStream(rng, w0, 600, T0, 20_000)];
        const dump = async (schemaDb: typeof t.db) => {
          const out: Record<string, unknown[]> = {};
          for (const table of ['instances', 'nodes', 'addresses', 'node_sightings', 'discovery_counters', 'dials', 'hellos', 'statuses', 'disconnects', 'rtts', 'enrs', 'instance_totals', 'redial_leases']) {
            out[table] = (await schemaDb.query(`SELECT to_jsonb(x)::text AS j FROM ${table} x ORDER BY 1`)).map((r) => r.j);
          }
          return out;
        };
        const a = await EventWriter.open(t.db, { journalDir: null, batchSize: 1000, lastSeenRefreshMs: 0 });
        a.writeMany(events);
        await a.close();
        const expected = await dump(t.db);
        expect(expected['dials']!.length).toBeGreaterThan(50);

        const t2 = await engine.fresh();
        try {
          await migrate(t2.db);
          const shuffled = [...events];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = rng.int(i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const b = await EventWriter.open(t2.db, { journalDir: null, batchSize: 37, lastSeenRefreshMs: 0 });
          for (const ev of shuffled) {
            b.write(ev);
            if (rng.int(50) === 0) await b.flush();
          }
          await b.close();
          expect(await dump(t2.db)).toEqual(expected);
        } finally {
          await t2.dispose();
        }
      }));

    it('rejects invalid events at the door and keeps them aside', () =>
      withDb(async (t) => {
        const dir = tmp();
        try {
          const errors: string[] = [];
          const w = await EventWriter.open(t.db, { journalDir: dir, onError: (e) => errors.push(e.kind) });
          const good = sampleEvents()[1]!;
          w.write({ ...good, nodeId: 'xyz' } as CrawlerEvent);
          w.write({ ...good, ip: 'not-an-ip' } as CrawlerEvent);
          w.write({ ...good, udpPort: 70000 } as CrawlerEvent);
          w.write({ type: 'bogus' } as unknown as CrawlerEvent);
          w.write(good);
          const stats = await w.close();
          expect(stats).toMatchObject({ accepted: 1, written: 1, rejected: 4 });
          expect(errors).toEqual(['internal', 'internal', 'internal', 'internal']);
          expect(readFileSync(join(dir, REJECTED_FILE), 'utf8').trim().split('\n')).toHaveLength(4);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));

    it('isolates an event the server refuses by splitting the batch; the rest is written', () =>
      withDb(async (t) => {
        const flaky = new FlakyDatabase(t.db);
        const rng = new Rng(3);
        const world = makeWorld(rng);
        const events = [...countableStream(rng, world, 300)];
        const poison = (events.find((e) => e.type === 'dial') as DialEvent).dialId;
        // The server refuses any statement carrying this dial (as if a value were out of range).
        flaky.failOn = (_sql, params) =>
          params.some((p) => Array.isArray(p) && p.includes(poison)) ? new DatabaseError('value out of range', { sqlState: '22003', transient: false }) : null;
        const w = await EventWriter.open(flaky, { journalDir: null, batchSize: 300 });
        w.writeMany(events);
        const stats = await w.close();
        expect(stats).toMatchObject({ accepted: 300, written: 299, rejected: 1, dropped: 0 });
        expect(await storedEventCount(t.db)).toBe(299);
      }));

    it('retries with exponential backoff on the injected clock, then writes everything', () =>
      withDb(async (t) => {
        const clock = new ManualClock(T0);
        const flaky = new FlakyDatabase(t.db);
        const rng = new Rng(11);
        const world = makeWorld(rng);
        const w = await EventWriter.open(flaky, { journalDir: null, clock, retryInitialMs: 100, retryMaxMs: 400, flushIntervalMs: 1000 });
        flaky.down = true;
        w.writeMany(countableStream(rng, world, 50));
        expect(await w.flush()).toBe(false);
        expect(w.stats()).toMatchObject({ state: 'retrying', consecutiveFailures: 1, buffered: 50 });
        const attemptsAt = async (advanceMs: number) => {
          const before = w.stats().failures;
          await clock.advanceAsync(advanceMs);
          await new Promise((r) => setTimeout(r, 20));
          return w.stats().failures - before;
        };
        expect(await attemptsAt(99)).toBe(0); // first retry after 100 ms
        expect(await attemptsAt(1)).toBe(1);
        expect(await attemptsAt(199)).toBe(0); // then 200 ms
        expect(await attemptsAt(1)).toBe(1);
        expect(await attemptsAt(400)).toBe(1); // then capped at 400 ms
        expect(await attemptsAt(400)).toBe(1);
        flaky.down = false;
        await clock.advanceAsync(400);
        await w.flush();
        expect(w.stats()).toMatchObject({ state: 'ok', written: 50, buffered: 0, consecutiveFailures: 0 });
        expect(await storedEventCount(t.db)).toBe(50);
        await w.close();
        expect(clock.pending).toBe(0);
      }));

    it('spills past the memory bound during an outage and loses nothing', { timeout: 120_000 }, () =>
      withDb(async (t) => {
        const dir = tmp();
        try {
          const flaky = new FlakyDatabase(t.db);
          const rng = new Rng(5);
          const world = makeWorld(rng);
          const w = await EventWriter.open(flaky, { journalDir: dir, batchSize: 100, maxBufferedEvents: 300, retryInitialMs: 5, retryMaxMs: 20 });
          w.writeMany(countableStream(rng, world, 150, T0));
          await w.flush();
          flaky.down = true;
          const during = [...countableStream(rng, world, 2000, T0 + HOUR)];
          for (let i = 0; i < during.length; i++) {
            w.write(during[i]!);
            if (i % 250 === 0) await new Promise((r) => setTimeout(r, 2));
          }
          await w.flush();
          const mid = w.stats();
          expect(mid.buffered).toBeLessThanOrEqual(300);
          expect(mid.spilled).toBeGreaterThanOrEqual(1700);
          expect(mid.journalBytes).toBeGreaterThan(0);
          flaky.down = false;
          expect(await w.flush()).toBe(true);
          const end = await w.close();
          expect(end).toMatchObject({ accepted: 2150, written: 2150, dropped: 0, rejected: 0, buffered: 0, journalBytes: 0 });
          expect(end.replayed).toBe(end.spilled);
          expect(await storedEventCount(t.db)).toBe(2150);
          expect(readdirSync(dir).filter((f) => f.startsWith('segment-'))).toEqual([]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));

    it('hands back from the journal to memory while events keep coming, in order', { timeout: 120_000 }, () =>
      withDb(async (t) => {
        const dir = tmp();
        try {
          const flaky = new FlakyDatabase(t.db);
          const rng = new Rng(8);
          const world = makeWorld(rng);
          const inst = world.instances[0]!;
          const w = await EventWriter.open(flaky, { journalDir: dir, batchSize: 200, maxBufferedEvents: 1000, retryInitialMs: 5, retryMaxMs: 10, flushIntervalMs: 20 });
          const stream = countableStream(rng, world, 1_000_000);
          let sent = 0;
          const send = (n: number) => {
            for (let i = 0; i < n; i++, sent++) w.write(stream.next().value as CrawlerEvent);
          };
          flaky.down = true;
          w.write({ type: 'instance_started', instance: inst, publicKey: IPK, host: 'h', udpPort: 1, tcpPort: 2, network: 'mainnet', codeVersion: 'x', at: T0 });
          send(3000);
          expect(await w.flush()).toBe(false); // database down; the overflow is on disk now
          expect(w.stats().spilled).toBeGreaterThan(1500);
          flaky.down = false;
          // keep crawling until the journal is empty and stays so (the producer only holds back when
          // memory is half full, so a slow machine does not turn this into an overflow test)
          let calm = 0;
          let lastSpilled = -1;
          for (let round = 0; round < 20_000 && calm < 10; round++) {
            if (w.stats().buffered < 500) send(10);
            await new Promise((r) => setTimeout(r, 5));
            const s = w.stats();
            calm = s.journalBytes === 0 && s.spilled === lastSpilled ? calm + 1 : 0;
            lastSpilled = s.spilled;
          }
          expect(calm).toBe(10);
          const spilledBefore = w.stats().spilled;
          for (let round = 0; round < 20; round++) {
            if (w.stats().buffered < 500) send(10);
            await new Promise((r) => setTimeout(r, 5));
          }
          expect(w.stats().spilled).toBe(spilledBefore); // back to memory
          w.write({ type: 'instance_stopped', instance: inst, at: T0 + HOUR });
          const end = await w.close();
          expect(end).toMatchObject({ accepted: sent + 2, written: sent + 2, dropped: 0, journalBytes: 0 });
          expect(await storedEventCount(t.db)).toBe(sent);
          const runs = await t.db.query('SELECT started_at, stopped_at FROM instance_runs');
          expect(runs.map((r) => [ms(r.started_at), ms(r.stopped_at)])).toEqual([[T0, T0 + HOUR]]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));

    it('counts what it cannot keep when there is no journal', () =>
      withDb(async (t) => {
        const flaky = new FlakyDatabase(t.db);
        flaky.down = true;
        const rng = new Rng(9);
        const w = await EventWriter.open(flaky, { journalDir: null, batchSize: 10, maxBufferedEvents: 20, retryInitialMs: 60_000 });
        w.writeMany(countableStream(rng, makeWorld(rng), 50));
        expect(w.stats()).toMatchObject({ accepted: 50, buffered: 20, dropped: 30 });
        flaky.down = false;
        const end = await w.close();
        expect(end).toMatchObject({ written: 20, dropped: 30 });
        expect(await storedEventCount(t.db)).toBe(20);
      }));

    it('after a crash (no close) the next writer replays the journal; a torn line is counted', () =>
      withDb(async (t) => {
        const dir = tmp();
        try {
          const flaky = new FlakyDatabase(t.db);
          flaky.down = true;
          const rng = new Rng(21);
          const world = makeWorld(rng);
          const crashed = await EventWriter.open(flaky, { journalDir: dir, batchSize: 50, maxBufferedEvents: 100, retryInitialMs: 60_000 });
          crashed.writeMany(countableStream(rng, world, 1000));
          await crashed.flush();
          const s = crashed.stats();
          expect(s.spilled).toBe(900); // 100 stay in memory and die with the process
          // the process is killed mid-append: a torn line of 7 events at the end of the journal
          const seg = readdirSync(dir).filter((f) => f.startsWith('segment-')).sort().at(-1)!;
          appendFileSync(join(dir, seg), `{"v":1,"id":"${uuidV4()}","n":7,"events":[{"type":"node_se`);

          const next = await EventWriter.open(t.db, { journalDir: dir });
          expect(await next.flush()).toBe(true);
          const end = await next.close();
          expect(end).toMatchObject({ replayed: 900, written: 900, dropped: 7, duplicates: 0 });
          expect(await storedEventCount(t.db)).toBe(900);
          expect(readdirSync(dir).filter((f) => f.startsWith('segment-'))).toEqual([]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));

    it('replaying a journal whose batches were already committed is a no-op (idempotent)', () =>
      withDb(async (t) => {
        const dir = tmp();
        try {
          const rng = new Rng(31);
          const world = makeWorld(rng);
          const flaky = new FlakyDatabase(t.db);
          flaky.down = true;
          const a = await EventWriter.open(flaky, { journalDir: dir, batchSize: 50, maxBufferedEvents: 100, retryInitialMs: 60_000 });
          a.writeMany(countableStream(rng, world, 400));
          await a.close(); // database down: everything lands in the journal
          expect(a.stats()).toMatchObject({ spilled: 400, dropped: 0 });
          const copy = mkdtempSync(join(tmpdir(), 'nf-writer-copy-'));
          for (const f of readdirSync(dir)) appendFileSync(join(copy, f), readFileSync(join(dir, f)));
          const b = await EventWriter.open(t.db, { journalDir: dir });
          await b.close();
          expect(b.stats()).toMatchObject({ replayed: 400, duplicates: 0 });
          // crash between commit and journal deletion: the same journal comes back
          const c = await EventWriter.open(t.db, { journalDir: copy });
          await c.close();
          expect(c.stats()).toMatchObject({ replayed: 0, written: 0, duplicates: 400 });
          expect(await storedEventCount(t.db)).toBe(400);
          rmSync(copy, { recursive: true, force: true });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));

    it('keeps event order across memory and journal (start and stop of a run)', () =>
      withDb(async (t) => {
        const dir = tmp();
        try {
          const flaky = new FlakyDatabase(t.db);
          flaky.down = true;
          const rng = new Rng(41);
          const world = makeWorld(rng);
          const inst = world.instances[0]!;
          const w = await EventWriter.open(flaky, { journalDir: dir, batchSize: 20, maxBufferedEvents: 40, retryInitialMs: 60_000 });
          w.write({ type: 'instance_started', instance: inst, publicKey: IPK, host: 'h', udpPort: 1, tcpPort: 2, network: 'mainnet', codeVersion: 'x', at: T0 });
          w.writeMany(countableStream(rng, world, 200));
          w.write({ type: 'instance_stopped', instance: inst, at: T0 + HOUR });
          await w.close(); // the start is in memory (oldest), the stop in the journal
          const next = await EventWriter.open(t.db, { journalDir: dir });
          await next.close();
          const runs = await t.db.query('SELECT started_at, stopped_at FROM instance_runs');
          expect(runs.map((r) => [ms(r.started_at), ms(r.stopped_at)])).toEqual([[T0, T0 + HOUR]]);
          expect(await storedEventCount(t.db)).toBe(200);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));

    it('flushes on its own at least every flushIntervalMs (injected clock)', () =>
      withDb(async (t) => {
        const clock = new ManualClock(T0);
        const w = await EventWriter.open(t.db, { journalDir: null, clock, flushIntervalMs: 1000 });
        await w.flush();
        const rng = new Rng(1);
        w.writeMany(countableStream(rng, makeWorld(rng), 10));
        await new Promise((r) => setTimeout(r, 30));
        expect(w.stats().written).toBe(0);
        await clock.advanceAsync(1000);
        for (let i = 0; i < 100 && w.stats().written < 10; i++) await new Promise((r) => setTimeout(r, 10));
        expect(w.stats().written).toBe(10);
        await w.close();
      }));

    it('refreshes last_seen at most once per lastSeenRefreshMs, and counts every sighting', () =>
      withDb(async (t) => {
        const w = await EventWriter.open(t.db, { journalDir: null, lastSeenRefreshMs: 60_000 });
        const seenAt = (at: number, ip = '10.0.0.1'): CrawlerEvent => ({ type: 'node_seen', instance: I, nodeId: N1, publicKey: N1PK, ip, udpPort: 30303, tcpPort: 30303, source: 'neighbors', at });
        const state = async () => {
          await w.flush();
          const [n] = await t.db.query('SELECT first_seen, last_seen FROM nodes');
          const [a] = await t.db.query(`SELECT last_seen FROM addresses WHERE host(ip) = '10.0.0.1'`);
          const [s] = await t.db.query<{ n: number }>('SELECT sum(sightings)::int AS n FROM node_sightings');
          return [ms(n!.first_seen), ms(n!.last_seen), ms(a!.last_seen), s!.n];
        };
        w.write(seenAt(T0));
        expect(await state()).toEqual([T0, T0, T0, 1]);
        w.write(seenAt(T0 + 59_999)); // within the window: only the sighting is counted
        expect(await state()).toEqual([T0, T0, T0, 2]);
        w.write(seenAt(T0 + 60_000));
        expect(await state()).toEqual([T0, T0 + 60_000, T0 + 60_000, 3]);
        w.write(seenAt(T0 - 5)); // earlier than anything written: first_seen moves back at once
        expect(await state()).toEqual([T0 - 5, T0 + 60_000, T0 + 60_000, 4]);
        w.write(seenAt(T0 + 60_001, '10.0.0.9')); // a new address is always written
        await w.flush();
        expect((await t.db.query('SELECT 1 FROM addresses')).length).toBe(2);
        await w.close();
      }));

    it('skips failed dials to nodes it wrote, yet stores what such a dial adds (earlier first_seen, a public key)', () =>
      withDb(async (t) => {
        const w = await EventWriter.open(t.db, { journalDir: null, lastSeenRefreshMs: 60_000 });
        let n = 0;
        const failed = (node: string, publicKey: string | null, at: number): DialEvent => failedDial({ instance: I, nodeId: node, publicKey, ip: `10.0.1.${++n}` }, at);
        const row = async (node: string) => {
          await w.flush();
          const [r] = await t.db.query<{ first_seen: Date; last_seen: Date | null; pk: string | null }>(`SELECT first_seen, last_seen, encode(public_key, 'hex') AS pk FROM nodes WHERE id = decode($1, 'hex')`, [node]);
          return [ms(r!.first_seen), r!.last_seen === null ? null : ms(r!.last_seen), r!.pk];
        };
        w.write({ type: 'node_seen', instance: I, nodeId: N1, publicKey: N1PK, ip: '10.0.0.1', udpPort: 30303, tcpPort: 30303, source: 'neighbors', at: T0 });
        expect(await row(N1)).toEqual([T0, T0, N1PK]);
        w.write(failed(N1, N1PK, T0 + 5)); // nothing to change: skipped
        expect(await row(N1)).toEqual([T0, T0, N1PK]);
        w.write(failed(N1, N1PK, T0 - 9)); // earlier than first_seen
        expect(await row(N1)).toEqual([T0 - 9, T0, N1PK]);
        // A node known only from its record has no public key yet; a failed dial brings it.
        w.write({ type: 'enr', instance: I, nodeId: N2, seq: 1n, raw: 'f84b', at: T0 });
        w.write(failed(N2, null, T0 + 1));
        expect(await row(N2)).toEqual([T0, T0, null]);
        w.write(failed(N2, N1PK, T0 + 2));
        expect(await row(N2)).toEqual([T0, T0, N1PK]);
        await w.close();
        expect((await t.db.query('SELECT 1 FROM dials')).length).toBe(4);
      }));

    it('stores the dial of a random crawl exactly once even when sent twice', () =>
      withDb(async (t) => {
        const rng = new Rng(2);
        const world = makeWorld(rng);
        const d = dial(rng, world, T0, 'status');
        const w = await EventWriter.open(t.db, { journalDir: null });
        w.write(d);
        await w.flush();
        w.write(d);
        await w.close();
        const [n] = await t.db.query<{ dials: number; hellos: number }>(`SELECT (SELECT count(*) FROM dials)::int AS dials, (SELECT count(*) FROM hellos)::int AS hellos`);
        expect(n).toEqual({ dials: 1, hellos: 1 });
      }));
  });
}
