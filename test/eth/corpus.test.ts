/**
 * Real node records from the public discv4 DNS lists (test/vectors/corpus, README there): every
 * record decodes and verifies, and the fork-ID verdicts of their `eth` entries at the lists' date
 * are those of go-ethereum's fork filter (core/forkid/forkid.go newFilter).
 *
 * The oracle below is a second, deliberately plain transcription of geth's rules (gather, checksum
 * list, rules 1a/1b/2/3/4 and the sentinel), independent of src/eth/fork-id.ts, so the counts are
 * checked twice: once against it and once as hand-derived numbers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/crypto/index.js';
import { decodeEnrText } from '../../src/enode/enr.js';
import { crc32Update, createForkClassifier, createForkFilter, forkHashHex, lastBlockFork, type ForkSchedule } from '../../src/eth/fork-id.js';
import { withTimeForks } from '../../src/eth/fork-schedule-file.js';
import { NETWORKS, forkSchedule, type NetworkDefinition } from '../../src/eth/networks.js';
import { bytesToHex } from '../../src/util/bytes.js';

/** The lists' crawl: 2026-06-10T09:00:00Z. */
const AT = Date.UTC(2026, 5, 10, 9, 0, 0) / 1000;

interface Row {
  nodeId: string;
  seq: bigint;
  text: string;
}

function load(name: string): Row[] {
  const text = readFileSync(new URL(`../vectors/corpus/${name}.tsv`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [nodeId, seq, enr] = l.split('\t');
      return { nodeId: nodeId!, seq: BigInt(seq!), text: enr! };
    });
}

type GethResult = 'nil' | 'ErrRemoteStale' | 'ErrLocalIncompatibleOrStale';

/** geth's newFilter, transcribed plainly (uint64 as bigint). */
function gethFilter(s: ForkSchedule, head: bigint, time: bigint): (hash: string, next: bigint) => GethResult {
  const uniq = (xs: readonly (number | bigint)[]) => [...new Set(xs.map(BigInt))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let byBlock = uniq(s.blockForks);
  if (byBlock[0] === 0n) byBlock = byBlock.slice(1);
  let byTime = uniq(s.timeForks);
  while (byTime.length > 0 && byTime[0]! <= BigInt(s.genesisTime)) byTime = byTime.slice(1);
  const forks = [...byBlock, ...byTime];
  const be = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v);
    return b;
  };
  let crc = crc32Update(0, s.genesisHash);
  const sums = [crc];
  for (const f of forks) sums.push((crc = crc32Update(crc, be(f))));
  const hexOf = (c: number) => c.toString(16).padStart(8, '0');
  const max = (1n << 64n) - 1n;
  forks.push(max);
  const blockCount = byTime.length === 0 ? byBlock.length + 1 : byBlock.length;
  return (hash, next) => {
    for (let i = 0; i < forks.length; i++) {
      const h = i >= blockCount ? time : head;
      if (h >= forks[i]!) continue;
      if (hexOf(sums[i]!) === hash) {
        if (next > 0n && (h >= next || (next > 1438269973n && time >= next))) return 'ErrLocalIncompatibleOrStale';
        return 'nil';
      }
      for (let j = 0; j < i; j++) if (hexOf(sums[j]!) === hash) return forks[j] === next ? 'nil' : 'ErrRemoteStale';
      for (let j = i + 1; j < sums.length; j++) if (hexOf(sums[j]!) === hash) return 'nil';
      return 'ErrLocalIncompatibleOrStale';
    }
    return 'nil';
  };
}

/** geth's schedule at the lists' date: Sepolia's Amsterdam was scheduled later (2026-09-21, geth #35734). */
function asOf(net: NetworkDefinition): NetworkDefinition {
  return withTimeForks(net, net.timeForks.filter((f) => !(net.name === 'sepolia' && f.name === 'amsterdam')));
}

const EXPECTED = {
  // hand-derived: hoodi BPO2 0x23aa1351/0 (470); syncing nodes announcing their next fork (genesis→Prague 11,
  // Osaka→BPO1 1, BPO1→BPO2 1); 0x0929e24e/0: a past checksum without the fork after it (3).
  hoodi: { records: 486, nil: 483, ErrRemoteStale: 3, ErrLocalIncompatibleOrStale: 0 },
  // sepolia BPO2 0x268956b6/0 (237); syncing: genesis→merge netsplit 2, Cancun→Prague 1; stale: 0x88cf81d9/0 (7), 0xed88b5fd/0 (3).
  sepolia: { records: 250, nil: 240, ErrRemoteStale: 10, ErrLocalIncompatibleOrStale: 0 },
} as const;

for (const name of ['hoodi', 'sepolia'] as const) {
  describe(`corpus: ${name} (real ENRs, ${EXPECTED[name].records} records)`, () => {
    const rows = load(name);

    it('every record decodes and verifies: signature, keccak256(public key) = node id, seq', () => {
      expect(rows).toHaveLength(EXPECTED[name].records);
      expect(new Set(rows.map((r) => r.nodeId)).size).toBe(rows.length);
      for (const r of rows) {
        const enr = decodeEnrText(r.text); // throws unless the v4 signature verifies
        expect(bytesToHex(enr.nodeId), r.nodeId).toBe(r.nodeId);
        expect(enr.publicKey).toHaveLength(64);
        expect(bytesToHex(keccak256(enr.publicKey))).toBe(r.nodeId);
        // the record's compressed key is the same point: parity prefix ‖ x
        const compressed = enr.entries.get('secp256k1') as Uint8Array;
        expect(bytesToHex(compressed)).toBe(bytesToHex(Uint8Array.of(2 + (enr.publicKey[63]! & 1), ...enr.publicKey.subarray(0, 32))));
        expect(enr.seq, r.nodeId).toBe(r.seq);
        expect(enr.eth, r.nodeId).toBeDefined();
      }
      // and verification can fail: one flipped bit in the signed content is refused
      const raw = Buffer.from(rows[0]!.text.slice(4), 'base64url');
      raw[raw.length - 1]! ^= 1;
      expect(() => decodeEnrText(`enr:${raw.toString('base64url')}`)).toThrow();
    });

    it("fork-ID verdicts at 2026-06-10T09:00Z are go-ethereum's", () => {
      const net = asOf(NETWORKS[name]);
      const s = forkSchedule(net);
      const head = lastBlockFork(s) + 1_000_000n; // a synced node: past every block fork
      const oracle = gethFilter(s, head, BigInt(AT));
      const ours = createForkFilter(s);
      const now = createForkFilter(forkSchedule(NETWORKS[name])); // today's schedule, judged at the same instant
      const counts = { nil: 0, ErrRemoteStale: 0, ErrLocalIncompatibleOrStale: 0 };
      const toGeth = (v: string): GethResult => (v === 'compatible' ? 'nil' : v === 'remote_stale' ? 'ErrRemoteStale' : 'ErrLocalIncompatibleOrStale');
      for (const r of rows) {
        const eth = decodeEnrText(r.text).eth!;
        const remote = { hash: eth.forkHash, next: eth.forkNext };
        const geth = oracle(forkHashHex(eth.forkHash).slice(2), eth.forkNext);
        expect([r.nodeId, toGeth(ours(remote, head, AT))]).toEqual([r.nodeId, geth]);
        expect([r.nodeId, toGeth(now(remote, head, AT))]).toEqual([r.nodeId, geth]);
        // NodeFinder's own verdict never calls these local_stale/incompatible either.
        expect(createForkClassifier(s)(remote, head, AT)).toBe(ours(remote, head, AT));
        counts[geth]++;
      }
      const { records: _records, ...expected } = EXPECTED[name];
      expect(counts).toEqual(expected);
    });
  });
}

