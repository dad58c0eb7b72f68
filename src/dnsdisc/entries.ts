/**
 * EIP-1459 tree entries as TXT strings, and `enrtree://` links. Pure: text in, typed values out.
 *
 *   enrtree-root:v1 e=<enr-root> l=<link-root> seq=<n> sig=<base64url 65 bytes>
 *   enrtree-branch:<h1>,<h2>,…         (a branch may be empty)
 *   enr:<base64url record>               (a leaf of the ENR subtree)
 *   enrtree://<base32 compressed key>@<domain>   (a leaf of the link subtree, and the tree's URL)
 *
 * An entry lives at <base32(keccak256(text)[:16])>.<domain>; the root at <domain>, signed over its
 * text without " sig=…" (keccak256, secp256k1). Reference: geth p2p/dnsdisc/tree.go.
 */
import { compressPublicKey, decompressPublicKey, keccak256, recoverPublicKey, signDigest } from '../crypto/index.js';
import { decodeEnrText, type Enr } from '../enode/enr.js';
import { equalBytes, fromUtf8 } from '../util/bytes.js';
import { base32Decode, base32DecodedLength, base32Encode } from './base32.js';
import {
  BRANCH_PREFIX,
  ENR_PREFIX,
  HASH_BYTES,
  LINK_PREFIX,
  MAX_BRANCH_WIDTH,
  MAX_DOMAIN_LENGTH,
  MAX_HASH_BYTES,
  MAX_TXT_LENGTH,
  MIN_HASH_BYTES,
  ROOT_PREFIX,
  ROOT_SIGNATURE_BYTES,
} from './constants.js';
import { DnsDiscError } from './errors.js';

/** A parsed `enrtree://key@domain`: the tree's location and the key its root must be signed with. */
export interface TreeLink {
  /** 64-byte uncompressed public key */
  publicKey: Uint8Array;
  domain: string;
}

export interface RootEntry {
  type: 'root';
  enrRoot: string;
  linkRoot: string;
  seq: bigint;
  /** 65 bytes r||s||v */
  signature: Uint8Array;
}
export interface BranchEntry {
  type: 'branch';
  children: string[];
}
export interface EnrEntry {
  type: 'enr';
  enr: Enr;
}
export interface LinkEntry {
  type: 'link';
  link: TreeLink;
}
export type TreeEntry = BranchEntry | EnrEntry | LinkEntry;

const MAX_SEQ = (1n << 64n) - 1n;
/** Labels of letters, digits, '-' and '_' (DNS names in practice), dot-separated, no empty label. */
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

/** base32(keccak256(text)[:16]): the subdomain an entry is published under. */
export function entryHash(text: string): string {
  return base32Encode(keccak256(fromUtf8(text)).subarray(0, HASH_BYTES));
}

/** geth isValidHash: base32 of 12..32 bytes (publishers may truncate). */
export function isValidHash(hash: string): boolean {
  const n = base32DecodedLength(hash.length);
  return n !== undefined && n >= MIN_HASH_BYTES && n <= MAX_HASH_BYTES && base32Decode(hash, true) !== undefined;
}

/** Does `text` hash to `hash` (a prefix of keccak256(text), as geth's client checks)? */
export function matchesHash(text: string, hash: string): boolean {
  const want = base32Decode(hash, true);
  if (!want || want.length < MIN_HASH_BYTES) return false;
  return equalBytes(keccak256(fromUtf8(text)).subarray(0, want.length), want);
}

export function isValidDomain(domain: string): boolean {
  return domain.length <= MAX_DOMAIN_LENGTH && DOMAIN.test(domain);
}

export function parseLink(text: string): TreeLink {
  if (typeof text !== 'string' || !text.startsWith(LINK_PREFIX)) throw new DnsDiscError('syntax', 'a tree link must start with "enrtree://"');
  if (text.length > LINK_PREFIX.length + 53 + 1 + MAX_DOMAIN_LENGTH) throw new DnsDiscError('limit', 'tree link is too long');
  const rest = text.slice(LINK_PREFIX.length);
  const at = rest.indexOf('@');
  if (at < 0) throw new DnsDiscError('syntax', 'tree link has no public key (enrtree://<key>@<domain>)');
  const keyText = rest.slice(0, at);
  const domain = rest.slice(at + 1);
  const compressed = base32Decode(keyText, true);
  if (!compressed || compressed.length !== 33) throw new DnsDiscError('bad_pubkey', 'tree link key is not base32 of a 33-byte compressed key');
  let publicKey: Uint8Array;
  try {
    publicKey = decompressPublicKey(compressed);
  } catch (err) {
    throw new DnsDiscError('bad_pubkey', 'tree link key is not a secp256k1 point', { cause: err });
  }
  if (!isValidDomain(domain)) throw new DnsDiscError('syntax', `tree link domain ${JSON.stringify(domain.slice(0, 64))} is not a DNS name`);
  return { publicKey, domain };
}

export function formatLink(link: TreeLink): string {
  return `${LINK_PREFIX}${base32Encode(compressPublicKey(link.publicKey))}@${link.domain}`;
}

/** The signed part of the root: its text without " sig=…". */
export function rootSigningText(root: Omit<RootEntry, 'type' | 'signature'>): string {
  return `${ROOT_PREFIX} e=${root.enrRoot} l=${root.linkRoot} seq=${root.seq}`;
}

export function formatRoot(root: RootEntry): string {
  return `${rootSigningText(root)} sig=${Buffer.from(root.signature).toString('base64url')}`;
}

const ROOT_SYNTAX = /^enrtree-root:v1 e=([A-Z2-7]+) l=([A-Z2-7]+) seq=(0|[1-9][0-9]{0,19}) sig=([A-Za-z0-9_-]+)$/;

/** Parse a root (without checking its signature: see verifyRoot). */
export function parseRoot(text: string): RootEntry {
  if (text.length > MAX_TXT_LENGTH) throw new DnsDiscError('limit', `root entry is ${text.length} characters, the limit is ${MAX_TXT_LENGTH}`);
  const m = ROOT_SYNTAX.exec(text);
  if (!m) throw new DnsDiscError('syntax', 'root entry is not "enrtree-root:v1 e=… l=… seq=… sig=…"');
  const [, enrRoot, linkRoot, seqText, sigText] = m as unknown as [string, string, string, string, string];
  if (!isValidHash(enrRoot) || !isValidHash(linkRoot)) throw new DnsDiscError('bad_hash', 'root entry names an invalid subtree hash');
  const seq = BigInt(seqText);
  if (seq > MAX_SEQ) throw new DnsDiscError('syntax', 'root seq exceeds 64 bits');
  // Strict base64url: 65 bytes are 87 characters without padding.
  const signature = Uint8Array.from(Buffer.from(sigText, 'base64url'));
  if (signature.length !== ROOT_SIGNATURE_BYTES || Buffer.from(signature).toString('base64url') !== sigText) {
    throw new DnsDiscError('bad_signature', `root signature must be ${ROOT_SIGNATURE_BYTES} bytes of unpadded base64url`);
  }
  return { type: 'root', enrRoot, linkRoot, seq, signature };
}

/**
 * Check the root's signature against the link's key. As geth (crypto.VerifySignature), only r||s
 * count: the recovery byte is tried both ways rather than trusted.
 */
export function verifyRoot(root: RootEntry, publicKey: Uint8Array): void {
  const digest = keccak256(fromUtf8(rootSigningText(root)));
  const rs = root.signature.subarray(0, 64);
  for (const recovery of [0, 1]) {
    try {
      if (equalBytes(recoverPublicKey(digest, rs, recovery), publicKey)) return;
    } catch {
      // not this recovery id
    }
  }
  throw new DnsDiscError('bad_signature', 'root signature does not verify with the tree link\'s key');
}

export function signRoot(root: Omit<RootEntry, 'type' | 'signature'>, privateKey: Uint8Array): RootEntry {
  const { signature, recovery } = signDigest(keccak256(fromUtf8(rootSigningText(root))), privateKey);
  const sig = new Uint8Array(ROOT_SIGNATURE_BYTES);
  sig.set(signature);
  sig[64] = recovery;
  return { type: 'root', enrRoot: root.enrRoot, linkRoot: root.linkRoot, seq: root.seq, signature: sig };
}

export function formatBranch(children: readonly string[]): string {
  return BRANCH_PREFIX + children.join(',');
}

/** Parse a branch, an ENR leaf or a link leaf. Throws DnsDiscError (reason `unknown_entry` for other texts). */
export function parseEntry(text: string): TreeEntry {
  if (text.length > MAX_TXT_LENGTH) throw new DnsDiscError('limit', `tree entry is ${text.length} characters, the limit is ${MAX_TXT_LENGTH}`);
  if (text.startsWith(BRANCH_PREFIX)) {
    const body = text.slice(BRANCH_PREFIX.length);
    if (body === '') return { type: 'branch', children: [] }; // geth: an empty branch is valid
    const children = body.split(',');
    if (children.length > MAX_BRANCH_WIDTH) throw new DnsDiscError('limit', `branch has ${children.length} children, the limit is ${MAX_BRANCH_WIDTH}`);
    for (const c of children) if (!isValidHash(c)) throw new DnsDiscError('bad_hash', 'branch names an invalid child hash');
    return { type: 'branch', children };
  }
  if (text.startsWith(ENR_PREFIX)) {
    try {
      return { type: 'enr', enr: decodeEnrText(text) };
    } catch (err) {
      throw new DnsDiscError('bad_enr', `invalid record in tree: ${(err as Error).message}`, { cause: err });
    }
  }
  if (text.startsWith(LINK_PREFIX)) return { type: 'link', link: parseLink(text) };
  throw new DnsDiscError('unknown_entry', 'TXT string is no tree entry');
}

export function formatEntry(entry: TreeEntry): string {
  switch (entry.type) {
    case 'branch':
      return formatBranch(entry.children);
    case 'enr':
      return entry.enr.toText();
    case 'link':
      return formatLink(entry.link);
  }
}
