import { describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { isNodeFinderError } from '../../src/errors.js';
import { formatEnode, parseEnode } from '../../src/enode/enode-url.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { Rng } from './random.js';
import bootnodes from '../vectors/bootnodes.json' with { type: 'json' };

const KEY = 'd860a01f9722d78051619d1e2351aba3f43f943f6f00718d1b9baa4101932a1f5011f16bb2b1bb35db20d6fe28fa0bf09636d26a87d31de9ec6203eeedb1f666';

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!isNodeFinderError(err)) throw err;
    return err.kind;
  }
  return 'none';
}

describe('enode URLs', () => {
  const all = (['mainnet', 'sepolia', 'holesky', 'hoodi'] as const).flatMap((n) => bootnodes[n].map((b) => b.enode));

  it('parses every bootnode in bootnodes.json and formats it back identically', () => {
    expect(all.length).toBeGreaterThan(10);
    for (const url of all) {
      const node = parseEnode(url);
      expect(node.publicKey.length).toBe(64);
      expect(node.id).toEqual(keccak256(node.publicKey));
      expect(node.tcpPort).toBe(30303);
      expect(node.udpPort).toBe(30303);
      expect(formatEnode(node)).toBe(url);
    }
  });

  it('reads discport as the UDP port, IPv6 in brackets, and canonicalises addresses', () => {
    const n = parseEnode(`enode://${KEY}@10.3.58.6:30303?discport=30301`);
    expect(n).toMatchObject({ ip: '10.3.58.6', tcpPort: 30303, udpPort: 30301 });
    expect(formatEnode(n)).toBe(`enode://${KEY}@10.3.58.6:30303?discport=30301`);
    const v6 = parseEnode(`enode://${KEY.toUpperCase()}@[2001:DB8:0:0:0:0:0:1]:0`);
    expect(v6.ip).toBe('2001:db8::1');
    expect(formatEnode(v6)).toBe(`enode://${KEY}@[2001:db8::1]:0`);
    expect(parseEnode(`enode://${KEY}@[::ffff:1.2.3.4]:1`).ip).toBe('1.2.3.4');
    expect(parseEnode(`enode://${KEY}@1.2.3.4:5?foo=bar&discport=6`).udpPort).toBe(6);
  });

  it('property: format → parse round trip for random keys, IPs and ports', () => {
    const rng = new Rng(8);
    for (let i = 0; i < 50; i++) {
      const publicKey = publicKeyFromPrivate(generatePrivateKey());
      const node = { publicKey, ip: rng.bool() ? rng.ipv4() : rng.ipv6(), tcpPort: rng.int(65536), udpPort: rng.int(65536) };
      const back = parseEnode(formatEnode(node));
      expect(back).toEqual({ ...node, id: keccak256(publicKey) });
    }
  });

  it('rejects host names (no DNS), bad keys, ports and shapes with bad_enode', () => {
    const bad = [
      `enode://${KEY}@bootnode.example.org:30303`,
      `enode://${KEY}@localhost:30303`,
      `enode://${KEY}@[1.2.3.4]:30303`,
      `enode://${KEY}@1.2.3.4`,
      `enode://${KEY}@1.2.3.4:65536`,
      `enode://${KEY}@1.2.3.4:30303?discport=`,
      `enode://${KEY}@1.2.3.4:30303?discport=99999`,
      `enode://${KEY}@:30303`,
      `enode://${KEY}@1.2.3.4:30303/path`,
      `enode://${KEY}@[fe80::1%eth0]:30303`,
      `enode://${KEY}@2001:db8::1:30303`,
      `enode://${KEY.slice(2)}@1.2.3.4:30303`,
      `enode://${'00'.repeat(64)}@1.2.3.4:30303`, // not a curve point
      `enode://${KEY}`,
      `enr://${KEY}@1.2.3.4:30303`,
      `enode://${KEY}@1.2.3.4:30303${'a'.repeat(600)}`,
      '',
    ];
    for (const url of bad) expect(kindOf(() => parseEnode(url)), url).toBe('bad_enode');
  });

  it('fuzz: mutated URLs never throw anything but bad_enode', () => {
    const rng = new Rng(1);
    const base = all[0]!;
    const alphabet = 'enode:/@[]?=&.:0123456789abcdefxyz%# ';
    for (let i = 0; i < 3000; i++) {
      const chars = base.split('');
      for (let j = 0, n = 1 + rng.int(4); j < n; j++) {
        const at = rng.int(chars.length);
        const op = rng.int(3);
        if (op === 0) chars[at] = rng.pick(alphabet.split(''));
        else if (op === 1) chars.splice(at, 1);
        else chars.splice(at, 0, rng.pick(alphabet.split('')));
      }
      const url = chars.join('');
      const kind = kindOf(() => parseEnode(url));
      expect(['none', 'bad_enode']).toContain(kind);
    }
    expect(bytesToHex(parseEnode(base).publicKey)).toBe(base.slice(8, 136));
  });
});
