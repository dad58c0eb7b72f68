/**
 * discv4: packets decoded + authenticated per second (hash check, RLP, fields, one public-key
 * recovery, node ids) for a realistic PING and a full NEIGHBORS, on each secp256k1 backend.
 * Compared with the floor — the bare recover rate of that backend, which every packet must pay —
 * and with @ethereumjs/devp2p's own discv4 `decode` of the very same bytes (devDependency, bench only).
 */
import { Common, Mainnet } from '@ethereumjs/common';
import { decode as ethjsDecode } from '@ethereumjs/devp2p';
import { backends, generatePrivateKey, keccak256, publicKeyFromPrivate, randomBytes, secp256k1, setBackend } from '../src/crypto/index.js';
import { PacketType } from '../src/discv4/constants.js';
import { decodePacket, encodeNeighbors, encodePacket } from '../src/discv4/packet.js';
import type { NodeRecord } from '../src/enode/node-record.js';
import { bytesToHex } from '../src/util/bytes.js';
import { rlpDecodePrefix } from '../src/util/rlp.js';
import { fmt, opsPerSecond, type BenchTable } from './table.js';

const ROUND_MS = 300;
const ROUNDS = 4;
const GOAL = 0.8;

/**
 * The machine is shared: measure the competing functions in interleaved short rounds and keep each
 * one's best round, so a burst of foreign load skews all of them alike rather than one.
 */
function interleaved(fns: (() => void)[]): number[] {
  const best = fns.map(() => 0);
  for (let r = 0; r < ROUNDS; r++) {
    fns.forEach((fn, i) => {
      best[i] = Math.max(best[i]!, opsPerSecond(fn, ROUND_MS));
    });
  }
  return best;
}

function packets() {
  const key = generatePrivateKey();
  const expiration = Math.floor(Date.now() / 1000) + 20;
  // What geth sends: IPv4 endpoints, 4-byte expiration, EIP-868 enr-seq.
  const ping = encodePacket(
    PacketType.Ping,
    {
      version: 4,
      from: { ip: '203.0.113.7', udpPort: 30303, tcpPort: 30303 },
      to: { ip: '198.51.100.23', udpPort: 30303, tcpPort: 0 },
      expiration,
      enrSeq: 1_700_000_123n,
    },
    key,
  ).bytes;
  // A full NEIGHBORS datagram: 12 entries, the most that fit in 1280 bytes.
  const nodes: NodeRecord[] = Array.from({ length: 12 }, (_, i) => {
    const publicKey = publicKeyFromPrivate(generatePrivateKey());
    return { id: keccak256(publicKey), publicKey, ip: `198.51.${100 + i}.${10 + i}`, udpPort: 30303, tcpPort: 30303 };
  });
  const neighbors = encodeNeighbors(nodes, expiration, key)[0]!.bytes;
  return { key, ping, neighbors };
}

/** Our crypto as @ethereumjs/common customCrypto, so the "native" comparison uses identical primitives. */
function ethjsCommonWithActiveCrypto(): Common {
  return new Common({
    chain: Mainnet,
    customCrypto: {
      keccak256: (m) => keccak256(m),
      ecdsaRecover: (sig, recId, hash) => {
        const pub = secp256k1().recover(hash, sig, recId);
        const out = new Uint8Array(65);
        out[0] = 4;
        out.set(pub, 1);
        return out;
      },
    },
  });
}

export default async function run(): Promise<BenchTable[]> {
  const { ping, neighbors } = packets();
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const available = (['native', 'noble'] as const).filter((n) => backends[n]);
  const before = secp256k1().name;
  let breakdown: BenchTable | undefined;
  try {
    for (const name of available) {
      setBackend(name);
      const b = secp256k1();
      const priv = generatePrivateKey();
      const digest = randomBytes(32);
      const { signature, recovery } = b.sign(digest, priv);
      const recover = () => void b.recover(digest, signature, recovery);
      // native: ethjs with our crypto injected (same primitives); noble: ethjs defaults (ethereum-cryptography, pure JS).
      const common = name === 'native' ? ethjsCommonWithActiveCrypto() : undefined;
      for (const [label, bytes] of [
        ['PING', ping],
        ['NEIGHBORS ×12', neighbors],
      ] as const) {
        // Same answer from both decoders before timing anything.
        const ours = decodePacket(bytes);
        const theirs = ethjsDecode(bytes, common);
        const theirPub = bytesToHex(theirs.publicKey).replace(/^04/, '');
        if (theirPub !== bytesToHex(ours.publicKey)) throw new Error(`ethjs and NodeFinder disagree on ${label}`);
        const [floor, nf, ej] = interleaved([recover, () => void decodePacket(bytes), () => void ethjsDecode(bytes, common)]) as [
          number,
          number,
          number,
        ];
        const ratio = nf / floor;
        rows.push([
          name,
          label,
          bytes.length,
          fmt(floor),
          fmt(nf),
          `${fmt(ratio, 2)}${ratio >= GOAL ? '' : ' (below goal)'}`,
          fmt(ej),
          `${fmt(nf / ej, 2)}×`,
        ]);
      }
      if (name === available[0]) breakdown = neighborsBreakdown(neighbors);
    }
  } finally {
    setBackend(before);
  }
  notes.push(
    `Floor = bare public-key recoveries/s on that backend (each packet needs one); goal: decode+verify ≥ ${GOAL} × floor.`,
    'NodeFinder decode = size checks, keccak hash check, RLP, typed fields (+ keccak node id per NEIGHBORS entry), recover, node id.',
    '@ethereumjs/devp2p: `decode` from dpt/message.js; with "native" it gets our keccak256+recover via Common.customCrypto, ' +
      'with "noble" its defaults (ethereum-cryptography). It computes no node ids and checks fewer fields.',
  );
  return [
    {
      title: 'discv4 packets decoded + verified per second (one core)',
      columns: ['backend', 'packet', 'bytes', 'recover floor/s', 'NodeFinder/s', 'NF ÷ floor', '@ethereumjs/s', 'NF ÷ ethjs'],
      rows,
      notes,
    },
    ...(breakdown ? [breakdown] : []),
  ];
}

/** Where a NEIGHBORS decode spends its time (active backend), to show what limits it. */
function neighborsBreakdown(bytes: Uint8Array): BenchTable {
  const p = decodePacket(bytes);
  const b = secp256k1();
  const digest = keccak256(bytes.subarray(97));
  const sig = bytes.subarray(32, 96);
  const keys = p.type === PacketType.Neighbors ? p.data.nodes.map((n) => n.publicKey) : [];
  const parts: [string, () => void, number][] = [
    ['RLP decode of the packet data (src/util/rlp.ts)', () => void rlpDecodePrefix(bytes.subarray(98)), 1],
    ['keccak256 over the packet, ×2 (hash check + signing digest)', () => void keccak256(bytes.subarray(32)), 2],
    [`keccak256 node id per entry, ×${keys.length}`, () => void keccak256(keys[0]!), keys.length],
    ['public-key recovery, ×1', () => void b.recover(digest, sig, bytes[96]!), 1],
    ['whole decodePacket', () => void decodePacket(bytes), 1],
  ];
  const rates = interleaved(parts.map(([, fn]) => fn));
  return {
    title: `NEIGHBORS ×${keys.length} decode: cost breakdown (${b.name} backend)`,
    columns: ['step', 'µs per packet'],
    rows: parts.map(([label, , times], i) => [label, fmt((1e6 / rates[i]!) * times, 1)]),
    notes: ['The remainder (field checks, IP formatting, key copies) is the whole minus the listed steps.'],
  };
}
