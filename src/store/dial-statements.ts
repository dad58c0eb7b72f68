/**
 * Pure: statements for the per-connection tables of a batch. Every row is keyed by its dial_id (a
 * client-generated UUID) with ON CONFLICT DO NOTHING, so a replayed batch inserts nothing twice.
 */
import type { DialEvent } from '../events.js';
import { helloStatements } from './hello-statements.js';
import { bytes, ts, type Statement } from './statement.js';

/** The per-connection tables: dials, hellos, statuses, disconnects, rtts (keyed by dial_id). */
export function dialStatements(dials: DialEvent[]): Statement[] {
  const out: Statement[] = [];
  dials.sort((a, b) => (a.dialId < b.dialId ? -1 : a.dialId > b.dialId ? 1 : 0));
  out.push({
    table: 'dials',
    sql: `INSERT INTO dials (dial_id, started_at, ended_at, instance_id, kind, node_id, ip, tcp_port, connect_ms, outcome, error_kind, error_message)
SELECT d::uuid, ${ts('s')}, ${ts('e')}, ${bytes('i')}, k::dial_kind, ${bytes('n')}, ip::inet, tp, c, o::dial_outcome, ek::error_kind, em
FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int4[], $9::float4[], $10::text[], $11::text[], $12::text[]) AS u(d, s, e, i, k, n, ip, tp, c, o, ek, em)
ON CONFLICT (dial_id, started_at) DO NOTHING`,
    params: [
      dials.map((d) => d.dialId),
      dials.map((d) => d.startedAt),
      dials.map((d) => d.endedAt),
      dials.map((d) => d.instance),
      dials.map((d) => d.kind),
      dials.map((d) => d.nodeId),
      dials.map((d) => d.ip),
      dials.map((d) => d.tcpPort),
      dials.map((d) => d.connectMs),
      dials.map((d) => d.outcome),
      dials.map((d) => d.errorKind),
      dials.map((d) => d.errorMessage),
    ],
  });

  out.push(...helloStatements(dials));

  const statuses = dials.filter((d) => d.status);
  if (statuses.length) {
    out.push({
      table: 'statuses',
      sql: `INSERT INTO statuses (dial_id, started_at, instance_id, node_id, eth_version, network_id, total_difficulty, best_hash, genesis_hash, fork_hash, fork_next, fork_verdict, best_block, earliest_block)
SELECT d::uuid, ${ts('s')}, ${bytes('i')}, ${bytes('n')}, ev, nid, td, ${bytes('bh')}, ${bytes('gh')}, ${bytes('fh')}, fnx, fv::fork_verdict, bb, eb
FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::int4[], $6::numeric[], $7::numeric[], $8::text[], $9::text[], $10::text[], $11::numeric[], $12::text[], $13::numeric[], $14::numeric[]) AS u(d, s, i, n, ev, nid, td, bh, gh, fh, fnx, fv, bb, eb)
ON CONFLICT (dial_id, started_at) DO NOTHING`,
      params: [
        statuses.map((d) => d.dialId),
        statuses.map((d) => d.startedAt),
        statuses.map((d) => d.instance),
        statuses.map((d) => d.nodeId),
        statuses.map((d) => d.status!.ethVersion),
        statuses.map((d) => d.status!.networkId),
        statuses.map((d) => d.status!.totalDifficulty),
        statuses.map((d) => d.status!.bestHash),
        statuses.map((d) => d.status!.genesisHash),
        statuses.map((d) => d.status!.forkHash),
        statuses.map((d) => d.status!.forkNext),
        statuses.map((d) => d.status!.forkVerdict),
        statuses.map((d) => d.status!.bestBlock),
        statuses.map((d) => d.status!.earliestBlock),
      ],
    });
  }

  const disc: { d: DialEvent; seq: number; dir: string; reason: string; at: number }[] = [];
  for (const d of dials) d.disconnects.forEach((x, seq) => disc.push({ d, seq, dir: x.direction, reason: x.reason, at: x.at }));
  if (disc.length) {
    out.push({
      table: 'disconnects',
      sql: `INSERT INTO disconnects (dial_id, started_at, seq, instance_id, node_id, direction, reason, at)
SELECT d::uuid, ${ts('s')}, q, ${bytes('i')}, ${bytes('n')}, dir::disconnect_direction, r::disconnect_reason, ${ts('a')}
FROM unnest($1::text[], $2::int8[], $3::int2[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int8[]) AS u(d, s, q, i, n, dir, r, a)
ON CONFLICT (dial_id, started_at, seq) DO NOTHING`,
      params: [
        disc.map((x) => x.d.dialId),
        disc.map((x) => x.d.startedAt),
        disc.map((x) => x.seq),
        disc.map((x) => x.d.instance),
        disc.map((x) => x.d.nodeId),
        disc.map((x) => x.dir),
        disc.map((x) => x.reason),
        disc.map((x) => x.at),
      ],
    });
  }

  const rtts = dials.filter((d) => d.rtt);
  if (rtts.length) {
    out.push({
      table: 'rtts',
      sql: `INSERT INTO rtts (dial_id, started_at, instance_id, node_id, srtt_ms, min_ms, samples, tcp_connect_ms, disc_ping_ms,
                  rtt_ms, rtt_source, handshake_ms, status_ms)
SELECT d::uuid, ${ts('s')}, ${bytes('i')}, ${bytes('n')}, sr, mn, sm, tc, dp, rt, rs, hs, st
FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::float4[], $6::float4[], $7::int4[], $8::float4[], $9::float4[],
            $10::float4[], $11::text[], $12::float4[], $13::float4[]) AS u(d, s, i, n, sr, mn, sm, tc, dp, rt, rs, hs, st)
ON CONFLICT (dial_id, started_at) DO NOTHING`,
      params: [
        rtts.map((d) => d.dialId),
        rtts.map((d) => d.startedAt),
        rtts.map((d) => d.instance),
        rtts.map((d) => d.nodeId),
        rtts.map((d) => d.rtt!.srttMs),
        rtts.map((d) => d.rtt!.minMs),
        rtts.map((d) => d.rtt!.samples),
        rtts.map((d) => d.rtt!.tcpConnectMs),
        rtts.map((d) => d.rtt!.discPingMs),
        rtts.map((d) => d.rtt!.rttMs),
        rtts.map((d) => d.rtt!.rttSource),
        rtts.map((d) => d.rtt!.handshakeMs),
        rtts.map((d) => d.rtt!.statusMs),
      ],
    });
  }
  return out;
}
