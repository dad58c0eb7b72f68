/**
 * Building a tree to publish (what geth's dnsdisc.MakeTree and `devp2p dns sign` do): leaves
 * sorted by node ID, branches of at most WRITE_BRANCH_WIDTH children, one subtree of records and
 * one of links, a root signed with the publisher's key. Pure: records in, TXT records out.
 */
import { publicKeyFromPrivate } from '../crypto/index.js';
import type { Enr } from '../enode/enr.js';
import { WRITE_BRANCH_WIDTH } from './constants.js';
import { DnsDiscError } from './errors.js';
import { entryHash, formatBranch, formatLink, formatRoot, isValidDomain, parseLink, signRoot, type RootEntry } from './entries.js';

export interface TxtRecord {
  /** Fully qualified name without the trailing dot: the domain itself or <hash>.<domain>. */
  name: string;
  text: string;
}

export interface SignedTree {
  /** The tree's URL: enrtree://<key>@<domain> */
  link: string;
  root: RootEntry;
  /** Root first, then every entry in name order. */
  records: TxtRecord[];
  nodes: number;
  links: number;
}

/**
 * Build and sign. `links` are enrtree:// URLs of other trees. Records are de-duplicated by node
 * ID (the highest seq wins); an empty list still gives a valid tree (empty branches).
 */
export function makeTree(opts: { enrs: readonly Enr[]; links?: readonly string[]; seq: bigint; domain: string; privateKey: Uint8Array }): SignedTree {
  if (!isValidDomain(opts.domain)) throw new DnsDiscError('syntax', `${JSON.stringify(opts.domain)} is not a DNS name`);
  const byId = new Map<string, Enr>();
  for (const e of opts.enrs) {
    // geth tree.go checkRecordPorts: a port that does not decode as uint16 would be published
    // signed, and fail in every strict reader.
    for (const key of PORT_KEYS) {
      if (e.get(key) !== undefined && portOf(e, key) === undefined) {
        throw new DnsDiscError('bad_enr', `record of node ${Buffer.from(e.nodeId).toString('hex').slice(0, 16)}… has an invalid "${key}" port`);
      }
    }
    const id = Buffer.from(e.nodeId).toString('hex');
    const have = byId.get(id);
    if (!have || have.seq < e.seq) byId.set(id, e);
  }
  const enrs = [...byId.values()].sort((a, b) => Buffer.compare(a.nodeId, b.nodeId));
  const linkTexts = [...new Set(opts.links ?? [])].map((l) => formatLink(parseLink(l)));

  const entries = new Map<string, string>();
  const enrRoot = build(enrs.map((e) => e.toText()), entries);
  const linkRoot = build(linkTexts, entries);
  const root = signRoot({ enrRoot, linkRoot, seq: opts.seq }, opts.privateKey);
  const records: TxtRecord[] = [{ name: opts.domain, text: formatRoot(root) }];
  for (const [hash, text] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    records.push({ name: `${hash}.${opts.domain}`, text });
  }
  return {
    link: formatLink({ publicKey: publicKeyFromPrivate(opts.privateKey), domain: opts.domain }),
    root,
    records,
    nodes: enrs.length,
    links: linkTexts.length,
  };
}

const PORT_KEYS = ['tcp', 'udp', 'tcp6', 'udp6'] as const;
function portOf(e: Enr, key: (typeof PORT_KEYS)[number]): number | undefined {
  const b = e.getBytes(key);
  if (!b || b.length > 2 || (b.length > 0 && b[0] === 0)) return undefined;
  return b.length === 0 ? 0 : b.length === 1 ? b[0]! : (b[0]! << 8) | b[1]!;
}

/** Add the subtree over `leaves` to `entries`; returns its root hash (geth tree.go build). */
function build(leaves: readonly string[], entries: Map<string, string>): string {
  const add = (text: string) => {
    const h = entryHash(text);
    entries.set(h, text);
    return h;
  };
  if (leaves.length === 1) return add(leaves[0]!);
  let level = leaves.map(add);
  if (level.length === 0) return add(formatBranch([]));
  while (level.length > WRITE_BRANCH_WIDTH) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += WRITE_BRANCH_WIDTH) {
      const group = level.slice(i, i + WRITE_BRANCH_WIDTH);
      next.push(group.length === 1 ? group[0]! : add(formatBranch(group)));
    }
    level = next;
  }
  return add(formatBranch(level));
}

/** Zone-file lines (`name. 60 IN TXT "…"`), TXT strings split into ≤ 255-byte chunks (RFC 1035 §3.3.14). */
export function toZoneLines(records: readonly TxtRecord[], ttl = 60): string[] {
  return records.map((r) => `${r.name}. ${ttl} IN TXT ${splitTxt(r.text).map((s) => JSON.stringify(s)).join(' ')}`);
}

/** Split a TXT value into character-strings of at most 255 bytes (entries are ASCII). */
export function splitTxt(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 255) out.push(text.slice(i, i + 255));
  return out.length > 0 ? out : [''];
}
