/**
 * NEIGHBORS decoding entry by entry (property): whatever shape each entry has, the datagram decodes,
 * every entry is either a well-formed record or counted as malformed, and good entries come out as sent.
 */
import { describe, expect, it } from 'vitest';
import { keccak256, secp256k1 } from '../../src/crypto/index.js';
import { PacketType } from '../../src/discv4/constants.js';
import { decodePacket } from '../../src/discv4/packet.js';
import { ipFromBytes } from '../../src/net/ip.js';
import { concatBytes } from '../../src/util/bytes.js';
import { rlpEncode, type RlpInput } from '../../src/util/rlp.js';
import { BASE_SEED, FUZZ_SCALE, Rng } from '../devp2p/fuzz-helpers.js';

const key = keccak256(Uint8Array.of(1, 2, 3));

function datagram(type: number, data: Uint8Array): Uint8Array {
  const typeAndData = concatBytes(Uint8Array.of(type), data);
  const { signature, recovery } = secp256k1().sign(keccak256(typeAndData), key);
  const body = concatBytes(signature, Uint8Array.of(recovery), typeAndData);
  return concatBytes(keccak256(body), body);
}

describe('NEIGHBORS entries decode one by one (property)', () => {
  it('good entries come out as sent, every other one is counted as malformed', () => {
    const rng = new Rng(BASE_SEED + 91);
    for (let i = 0; i < 300 * FUZZ_SCALE; i++) {
      const entries: RlpInput[] = [];
      const goods: { ip: string; udp: number; tcp: number; pub: Uint8Array }[] = [];
      let bad = 0;
      const n = rng.int(14);
      for (let j = 0; j < n; j++) {
        const good = rng.int(3) > 0;
        const ipLen = good ? rng.pick([4, 16]) : rng.pick([0, 1, 3, 5, 15, 17, 4, 16]);
        const ip = rng.bytes(ipLen);
        const udp = rng.int(65536);
        const tcp = rng.int(65536);
        const pubLen = good ? 64 : rng.pick([0, 63, 65, 64]);
        const pub = rng.bytes(pubLen);
        let entry: RlpInput = [ip, udp, tcp, pub];
        if (!good) {
          const how = rng.int(4);
          if (how === 0) entry = rng.bytes(rng.int(8)); // not a list
          else if (how === 1) entry = [ip, udp, tcp]; // too short
          else if (how === 2) entry = [new Uint8Array(rng.pick([5, 7])), udp, tcp, rng.bytes(64)]; // IP length
          else entry = [rng.bytes(4), Uint8Array.of(1, 2, 3), tcp, rng.bytes(64)]; // 3-byte port
          bad++;
        } else {
          goods.push({ ip: ipFromBytes(ip)!, udp, tcp, pub });
          if (rng.bool()) entry = [...entry, rng.bytes(3)]; // EIP-8 extra element: fine
        }
        entries.push(entry);
      }
      const p = decodePacket(datagram(PacketType.Neighbors, rlpEncode([entries, 1_800_000_000])));
      if (p.type !== PacketType.Neighbors) throw new Error('not NEIGHBORS');
      expect(p.data.nodes.map((x) => ({ ip: x.ip, udp: x.udpPort, tcp: x.tcpPort, pub: x.publicKey }))).toEqual(goods);
      expect(p.data.malformed ?? 0).toBe(bad);
      for (const x of p.data.nodes) expect(x.id).toEqual(keccak256(x.publicKey));
    }
  });
});
