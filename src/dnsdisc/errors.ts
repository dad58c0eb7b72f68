/**
 * Typed errors of DNS node lists (EIP-1459). `kind` maps to the database's error enum; `reason`
 * is the finer, equally stable classification (geth p2p/dnsdisc/error.go has the same split).
 */
import { NodeFinderError, type ErrorKind } from '../errors.js';

export const DNS_ERROR_REASONS = [
  'syntax', // an entry or link that does not parse
  'unknown_entry', // a TXT string of no known entry type
  'bad_pubkey', // a link whose base32 key is not a compressed secp256k1 key
  'bad_hash', // a child hash that is not base32 of 12..32 bytes
  'bad_signature', // the root's signature is malformed or does not verify with the link's key
  'hash_mismatch', // an entry's text does not hash to the name it was found under
  'bad_enr', // a leaf's record is invalid (EIP-778)
  'no_root', // no enrtree-root TXT string at the tree's domain
  'no_entry', // no tree entry at hash.domain
  'enr_in_link_tree', // a record where only links may be
  'link_in_enr_tree', // a link where only records and branches may be
  'limit', // a spec or NodeFinder limit was exceeded (TXT size, width, depth, entries, links)
  'lookup_failed', // the DNS query failed (NXDOMAIN, SERVFAIL, refused, …)
  'timeout', // the DNS query timed out
] as const;
export type DnsErrorReason = (typeof DNS_ERROR_REASONS)[number];

const KIND_OF: Record<DnsErrorReason, ErrorKind> = {
  syntax: 'bad_dns_entry',
  unknown_entry: 'bad_dns_entry',
  bad_pubkey: 'bad_dns_entry',
  bad_hash: 'bad_dns_entry',
  bad_signature: 'bad_signature',
  hash_mismatch: 'bad_hash',
  bad_enr: 'bad_enr',
  no_root: 'dns_lookup',
  no_entry: 'dns_lookup',
  enr_in_link_tree: 'bad_dns_entry',
  link_in_enr_tree: 'bad_dns_entry',
  limit: 'too_large',
  lookup_failed: 'dns_lookup',
  timeout: 'timeout',
};

export class DnsDiscError extends NodeFinderError {
  readonly reason: DnsErrorReason;
  constructor(reason: DnsErrorReason, message: string, options?: { cause?: unknown }) {
    super(KIND_OF[reason], message, options);
    this.reason = reason;
  }
}
