/** Limits of DNS node lists (EIP-1459; geth p2p/dnsdisc/tree.go and client.go). */

/** Entry prefixes (EIP-1459 "Entry types"). */
export const ROOT_PREFIX = 'enrtree-root:v1';
export const BRANCH_PREFIX = 'enrtree-branch:';
export const LINK_PREFIX = 'enrtree://';
export const ENR_PREFIX = 'enr:';

/** A subdomain hash is base32 of the first 16 bytes of keccak256(entry text) (EIP-1459). */
export const HASH_BYTES = 16;
/** geth tree.go isValidHash: child hashes decode to 12..32 bytes (truncated hashes are allowed). */
export const MIN_HASH_BYTES = 12;
export const MAX_HASH_BYTES = 32;
/** secp256k1 recoverable signature r||s||v (EIP-1459: "sig is a 65-byte secp256k1 signature"). */
export const ROOT_SIGNATURE_BYTES = 65;

/**
 * geth tree.go: maxChildren = 370 / (1 + 26) = 13 hashes per branch keeps each answer under a
 * 512-byte UDP response. We write at most this many and read up to MAX_BRANCH_WIDTH.
 */
export const WRITE_BRANCH_WIDTH = 13;
/** Ours: a branch read from DNS may be wider (other publishers), but not unboundedly so. */
export const MAX_BRANCH_WIDTH = 64;
/** Ours: a TXT answer (all strings of one record joined) longer than this is refused. */
export const MAX_TXT_LENGTH = 4096;
/** Ours: a DNS name is at most 253 characters (RFC 1035 §2.3.4); the link's domain too. */
export const MAX_DOMAIN_LENGTH = 253;
/** Ours: deepest branch nesting walked (13^8 ≈ 8e8 leaves: never reached by an honest tree). */
export const MAX_TREE_DEPTH = 8;
/** Ours: most entries (branches + leaves) resolved per tree per sync. */
export const MAX_TREE_ENTRIES = 20_000;
/** Ours: most distinct trees reached through links from the configured ones. */
export const MAX_LINKED_TREES = 16;
/** Ours: DNS queries in flight per sync. */
export const SYNC_CONCURRENCY = 8;
/** geth client.go: defaultRecheck — how often a tree's root is checked for a new seq. */
export const ROOT_RECHECK_MS = 30 * 60_000;
/**
 * Ours: lookups per second during a crawl (geth client.go allows 3/s with a burst of 10 for a node
 * that needs a few peers; a crawler wants the whole list, ~5 000 entries on mainnet, in minutes).
 */
export const CRAWL_LOOKUPS_PER_SECOND = 20;
/** geth client.go: defaultTimeout for one DNS lookup. */
export const LOOKUP_TIMEOUT_MS = 5_000;
