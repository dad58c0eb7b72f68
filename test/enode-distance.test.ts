import { describe, expect, it } from 'vitest';
import { compareDistance, logDistance, nodeIdFromPublicKey, parityDistance } from '../src/enode/distance.js';
import { hexToBytes, bytesToHex } from '../src/util/bytes.js';
import vectors from './vectors/devp2p-test-vectors.json' with { type: 'json' };

const id = (bytes: number[]) => {
  const out = new Uint8Array(32);
  bytes.forEach((b, i) => (out[i] = b));
  return out;
};

describe('node IDs and distances', () => {
  it('node ID of the EIP-8 key', () => {
    expect(bytesToHex(nodeIdFromPublicKey(hexToBytes(vectors.discv4.signer_public_key_64)))).toBe(
      vectors.discv4.signer_node_id_keccak256,
    );
  });
  it('geth log distance', () => {
    const zero = id([]);
    expect(logDistance(zero, zero)).toBe(0);
    expect(logDistance(zero, id([0x80]))).toBe(256);
    expect(logDistance(zero, id([0x01]))).toBe(249);
    const last = new Uint8Array(32);
    last[31] = 1;
    expect(logDistance(zero, last)).toBe(1);
  });
  it('parity distance sums per-byte bit lengths', () => {
    const zero = id([]);
    expect(parityDistance(zero, zero)).toBe(0);
    expect(parityDistance(zero, id([0x80, 0x01, 0x0f]))).toBe(8 + 1 + 4);
    expect(parityDistance(zero, new Uint8Array(32).fill(0xff))).toBe(256);
  });
  it('compareDistance orders by XOR', () => {
    const t = id([0x10]);
    expect(compareDistance(t, id([0x11]), id([0x20]))).toBe(-1);
    expect(compareDistance(t, id([0x20]), id([0x11]))).toBe(1);
    expect(compareDistance(t, id([0x20]), id([0x20]))).toBe(0);
  });
  it('rejects wrong lengths with RangeError', () => {
    expect(() => logDistance(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
  });
});
