import { describe, expect, it } from 'vitest';
import { keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { createEnr } from '../../src/enode/enr.js';
import { base32Decode, base32Encode } from '../../src/dnsdisc/base32.js';
import { DnsDiscError } from '../../src/dnsdisc/errors.js';
import {
  entryHash,
  formatEntry,
  formatLink,
  formatRoot,
  matchesHash,
  parseEntry,
  parseLink,
  parseRoot,
  signRoot,
  verifyRoot,
} from '../../src/dnsdisc/entries.js';
import { makeTree, splitTxt, toZoneLines } from '../../src/dnsdisc/tree.js';
import { WRITE_BRANCH_WIDTH } from '../../src/dnsdisc/constants.js';
import { bytesToHex, fromUtf8, hexToBytes } from '../../src/util/bytes.js';
import { BASE_SEED, FUZZ_SCALE, Rng, mutate } from '../devp2p/fuzz-helpers.js';

import { GETH_KEY, GETH_LINK, GETH_TREE } from './vectors.js';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DnsDiscError)) throw err;
    return err.reason;
  }
  return 'none';
}

describe('base32 (RFC 4648, no padding)', () => {
  it('matches RFC 4648 §10 vectors and round-trips random bytes', () => {
    const rfc: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, enc] of rfc) {
      expect(base32Encode(fromUtf8(plain))).toBe(enc);
      expect(Buffer.from(base32Decode(enc)!).toString()).toBe(plain);
    }
    const rng = new Rng(BASE_SEED);
    for (let i = 0; i < 500 * FUZZ_SCALE; i++) {
      const b = rng.bytes(rng.int(40));
      expect(base32Decode(base32Encode(b))).toEqual(b);
    }
  });

  it('refuses lower case, padding, impossible lengths and non-zero trailing bits', () => {
    for (const bad of ['my', 'MY======', 'M', 'MZX', 'MZXW6Y', '0A', 'M1']) expect(base32Decode(bad, true)).toBeUndefined();
    // Non-zero trailing bits: refused strictly, accepted leniently (as Go's decoder, which geth uses).
    for (const odd of ['MZ', 'MZXR', 'MZXW7']) {
      expect(base32Decode(odd)).toBeUndefined();
      expect(base32Decode(odd, true)).toBeDefined();
    }
  });
});

describe('EIP-1459 entries', () => {
  it('parses and verifies the example root (go-ethereum vectors), and its text round-trips', () => {
    const link = parseLink(GETH_LINK);
    expect(link.domain).toBe('n');
    expect(bytesToHex(link.publicKey)).toBe(bytesToHex(publicKeyFromPrivate(GETH_KEY)));
    expect(formatLink(link)).toBe(GETH_LINK);
    const root = parseRoot(GETH_TREE.n!);
    expect(root).toMatchObject({ enrRoot: 'JWXYDBPXYWG6FX3GMDIBFA6CJ4', linkRoot: 'C7HRFPF3BLGF3YR4DY5KX3SMBE', seq: 1n });
    expect(() => verifyRoot(root, link.publicKey)).not.toThrow();
    expect(formatRoot(root)).toBe(GETH_TREE.n);
    // Every entry is found under its own hash.
    for (const [name, text] of Object.entries(GETH_TREE)) {
      if (name === 'n') continue;
      expect(matchesHash(text, name.split('.')[0]!)).toBe(true);
      expect(entryHash(text)).toBe(name.split('.')[0]);
      expect(formatEntry(parseEntry(text))).toBe(text);
    }
  });

  it('parses the go-ethereum root vectors with the same verdicts', () => {
    expect(reasonOf(() => parseRoot('enrtree-root:v1 e=TO4Q75OQ2N7DX4EOOR7X66A6OM seq=3 sig=N-YY6UB9xD0hFx1Gmnt7v0RfSxch5tKyry2SRDoLx7B4GfPXagwLxQqyf7gAMvApFn_ORwZQekMWa_pXrcGCtw'))).toBe('syntax');
    expect(
      reasonOf(() => parseRoot('enrtree-root:v1 e=TO4Q75OQ2N7DX4EOOR7X66A6OM l=TO4Q75OQ2N7DX4EOOR7X66A6OM seq=3 sig=N-YY6UB9xD0hFx1Gmnt7v0RfSxch5tKyry2SRDoLx7B4GfPXagwLxQqyf7gAMvApFn_ORwZQekMWa_pXrcGCtw')),
    ).toBe('bad_signature'); // 64 bytes: the recovery byte is missing
    const ok = parseRoot('enrtree-root:v1 e=QFT4PBCRX4XQCV3VUYJ6BTCEPU l=JGUFMSAGI7KZYB3P7IZW4S5Y3A seq=3 sig=3FmXuVwpa8Y7OstZTx9PIb1mt8FrW7VpDOFv4AaGCsZ2EIHmhraWhe4NxYhQDlw5MjeFXYMbJjsPeKlHzmJREQE');
    expect(bytesToHex(ok.signature)).toBe(
      'dc5997b95c296bc63b3acb594f1f4f21bd66b7c16b5bb5690ce16fe006860ac6761081e686b69685ee0dc588500e5c393237855d831b263b0f78a947ce62511101',
    );
  });

  it('parses the go-ethereum entry vectors with the same verdicts', () => {
    expect(reasonOf(() => parseEntry('enrtree-branch:1,2'))).toBe('bad_hash');
    expect(reasonOf(() => parseEntry(`enrtree-branch:${'A'.repeat(53)}`))).toBe('bad_hash');
    expect(parseEntry('enrtree-branch:')).toEqual({ type: 'branch', children: [] });
    expect(parseEntry('enrtree-branch:AAAAAAAAAAAAAAAAAAAA,BBBBBBBBBBBBBBBBBBBB')).toEqual({ type: 'branch', children: ['AAAAAAAAAAAAAAAAAAAA', 'BBBBBBBBBBBBBBBBBBBB'] });
    expect(reasonOf(() => parseEntry('enrtree://nodes.example.org'))).toBe('syntax');
    expect(reasonOf(() => parseEntry('enrtree://AP62DT7WOTEQZGQZOU474PP3KMEGVTTE7A7NPRXKX3DUD57@nodes.example.org'))).toBe('bad_pubkey');
    expect(reasonOf(() => parseEntry('enrtree://AP62DT7WONEQZGQZOU474PP3KMEGVTTE7A7NPRXKX3DUD57TQHGIA@nodes.example.org'))).toBe('bad_pubkey');
    const enr = parseEntry('enr:-HW4QES8QIeXTYlDzbfr1WEzE-XKY4f8gJFJzjJL-9D7TC9lJb4Z3JPRRz1lP4pL_N_QpT6rGQjAU9Apnc-C1iMP36OAgmlkgnY0iXNlY3AyNTZrMaED5IdwfMxdmR8W37HqSFdQLjDkIwBd4Q_MjxgZifgKSdM');
    expect(enr.type).toBe('enr');
    expect(
      reasonOf(() => parseEntry('enr:-HW4QLZHjM4vZXkbp-5xJoHsKSbE7W39FPC8283X-y8oHcHPTnDDlIlzL5ArvDUlHZVDPgmFASrh7cWgLOLxj4wprRkHgmlkgnY0iXNlY3AyNTZrMaEC3t2jLMhDpCDX5mbSEwDn4L3iUfyXzoO8G28XvjGRkrAg=')),
    ).toBe('bad_enr');
    for (const unknown of ['', 'foo', 'enrtree', 'enrtree-x=']) expect(reasonOf(() => parseEntry(unknown))).toBe('unknown_entry');
  });

  it('maps reasons to database error kinds', () => {
    const kinds = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as DnsDiscError).kind;
      }
      return 'none';
    };
    expect(kinds(() => parseEntry('foo'))).toBe('bad_dns_entry');
    expect(kinds(() => verifyRoot(parseRoot(GETH_TREE.n!), publicKeyFromPrivate(hexToBytes('11'.repeat(32)))))).toBe('bad_signature');
    expect(kinds(() => parseEntry(`enrtree-branch:${Array(65).fill('AAAAAAAAAAAAAAAAAAAA').join(',')}`))).toBe('too_large');
  });

  it('signs roots that verify with the signer only, and a changed field breaks the signature', () => {
    const key = hexToBytes('22'.repeat(32));
    const root = signRoot({ enrRoot: 'JWXYDBPXYWG6FX3GMDIBFA6CJ4', linkRoot: 'C7HRFPF3BLGF3YR4DY5KX3SMBE', seq: 42n }, key);
    const parsed = parseRoot(formatRoot(root));
    expect(() => verifyRoot(parsed, publicKeyFromPrivate(key))).not.toThrow();
    expect(reasonOf(() => verifyRoot(parsed, publicKeyFromPrivate(GETH_KEY)))).toBe('bad_signature');
    expect(reasonOf(() => verifyRoot({ ...parsed, seq: 43n }, publicKeyFromPrivate(key)))).toBe('bad_signature');
  });

  it('refuses oversized and malformed links', () => {
    const key = base32Encode(new Uint8Array(33).fill(2));
    expect(reasonOf(() => parseLink(`enrtree://${key}@${'a'.repeat(300)}`))).toBe('limit');
    expect(reasonOf(() => parseLink(`enrtree://${key}@bad..domain`))).not.toBe('none');
    expect(reasonOf(() => parseLink('https://example.org'))).toBe('syntax');
    expect(reasonOf(() => parseLink(`enrtree://${key}@`))).not.toBe('none');
  });

  it('fuzz: mutated entries, roots and links only ever throw DnsDiscError', () => {
    const rng = new Rng(BASE_SEED + 1459);
    const seeds = [...Object.values(GETH_TREE), GETH_LINK, 'enrtree-branch:', 'enrtree-branch:AAAAAAAAAAAAAAAAAAAA,BBBBBBBBBBBBBBBBBBBB'];
    let parsed = 0;
    for (let i = 0; i < 3000 * FUZZ_SCALE; i++) {
      const text = Buffer.from(mutate(rng, fromUtf8(rng.pick(seeds)))).toString('latin1');
      for (const fn of [parseEntry, parseRoot, parseLink]) {
        try {
          fn(text);
          parsed++;
        } catch (err) {
          if (!(err instanceof DnsDiscError)) throw new Error(`${fn.name}(${JSON.stringify(text)}) threw ${String(err)}`);
        }
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});

describe('tree writer', () => {
  const enrs = (n: number, seed = 1) =>
    Array.from({ length: n }, (_, i) => {
      const privateKey = keccak256(fromUtf8(`node ${seed} ${i}`));
      return createEnr({ privateKey, seq: 1n, ip: `127.0.0.${1 + (i % 250)}`, tcp: 30303 + i, udp: 30303 + i });
    });

  it('builds branches of at most 13 children, every entry under its hash, root signed', () => {
    const tree = makeTree({ enrs: enrs(50), links: [GETH_LINK], seq: 7n, domain: 'nodes.example.org', privateKey: GETH_KEY });
    expect(tree.nodes).toBe(50);
    expect(tree.links).toBe(1);
    expect(tree.link).toBe('enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@nodes.example.org');
    const [root, ...rest] = tree.records;
    expect(root!.name).toBe('nodes.example.org');
    verifyRoot(parseRoot(root!.text), publicKeyFromPrivate(GETH_KEY));
    let leaves = 0;
    for (const r of rest) {
      const hash = r.name.split('.')[0]!;
      expect(entryHash(r.text)).toBe(hash);
      const e = parseEntry(r.text);
      if (e.type === 'branch') expect(e.children.length).toBeLessThanOrEqual(WRITE_BRANCH_WIDTH);
      if (e.type === 'enr') leaves++;
    }
    expect(leaves).toBe(50);
    // 50 leaves → 4 branches of ≤ 13 → 1 top branch; plus the single link leaf.
    expect(rest.length).toBe(50 + 4 + 1 + 1);
  });

  it('an empty tree is valid (empty branches), and zone lines split long TXT strings at 255', () => {
    const tree = makeTree({ enrs: [], seq: 1n, domain: 'x.example', privateKey: GETH_KEY });
    expect(tree.records.map((r) => r.text).slice(1)).toEqual(['enrtree-branch:']);
    expect(splitTxt('a'.repeat(600)).map((s) => s.length)).toEqual([255, 255, 90]);
    const lines = toZoneLines([{ name: 'h.x.example', text: 'a'.repeat(300) }]);
    expect(lines[0]).toBe(`h.x.example. 60 IN TXT "${'a'.repeat(255)}" "${'a'.repeat(45)}"`);
  });

  it('keeps the highest seq of a node given twice', () => {
    const privateKey = hexToBytes('33'.repeat(32));
    const a = createEnr({ privateKey, seq: 1n, ip: '127.0.0.1', tcp: 1, udp: 1 });
    const b = createEnr({ privateKey, seq: 5n, ip: '127.0.0.2', tcp: 1, udp: 1 });
    const tree = makeTree({ enrs: [b, a], seq: 1n, domain: 'x.example', privateKey: GETH_KEY });
    expect(tree.nodes).toBe(1);
    expect(tree.records.filter((r) => r.text.startsWith('enr:')).map((r) => r.text)).toEqual([b.toText()]);
  });
});
