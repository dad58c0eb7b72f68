/** Hand-built node records of each layer for tests (signed with the given key). */
import { encodeEnr, type Enr } from '../../src/enode/enr.js';
import { hexToBytes } from '../../src/util/bytes.js';

const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

/** SSZ ENRForkID: digest(4) ‖ next version(4) ‖ next epoch (uint64 little-endian). */
export function eth2Bytes(digest: string, version: string, epoch: bigint): Uint8Array {
  const out = new Uint8Array(16);
  out.set(hexToBytes(digest), 0);
  out.set(hexToBytes(version), 4);
  Buffer.from(out.buffer).writeBigUInt64LE(epoch, 8);
  return out;
}

/** An execution client's record: eth fork ID fc64ec04/1150000, snap, optional EIP-7636 client. */
export function elRecord(key: Uint8Array, o: { seq?: bigint; client?: string[] } = {}): Enr {
  return encodeEnr(key, o.seq ?? 1n, {
    ip: hexToBytes('7f000001'),
    udp: 30303,
    tcp: 30303,
    eth: [[hexToBytes('fc64ec04'), 1150000]],
    snap: [],
    ...(o.client ? { client: o.client.map(ascii) } : {}),
  });
}

/** A consensus client's record: eth2 (digest 6a95a1a9, no next fork), attnets, syncnets. */
export function clRecord(key: Uint8Array, seq = 1n): Enr {
  return encodeEnr(key, seq, {
    ip: hexToBytes('7f000001'),
    udp: 9000,
    tcp: 9000,
    eth2: eth2Bytes('6a95a1a9', '06000000', 2n ** 64n - 1n),
    attnets: new Uint8Array(8),
    syncnets: Uint8Array.of(0),
  });
}

/** A record of neither layer (e.g. a portal node: a client key "c" and an address). */
export function otherRecord(key: Uint8Array, seq = 1n): Enr {
  return encodeEnr(key, seq, { ip: hexToBytes('7f000001'), udp: 9009, c: ascii('t 0.1.0') });
}
