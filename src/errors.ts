/**
 * Every failure NodeFinder records has a stable `kind`. The list below is the single source of
 * truth: the Postgres enum `error_kind` (sql/migrations) must contain exactly these values, and a
 * test checks that. Classify failures by `kind` (or `instanceof`), never by message text.
 *
 * Modules declare their own subclasses in their `errors.ts`; add a new kind here first.
 */
export const ERROR_KINDS = [
  // Generic decoding of hostile bytes
  'bad_rlp', // RLP structure invalid, truncated, or a field of the wrong shape
  'too_large', // an input exceeded a spec limit (packet, frame, HELLO, snappy output…)
  'too_small', // an input shorter than its fixed header
  // discv4 / ENR / enode
  'bad_hash', // discv4 packet hash mismatch
  'bad_signature', // signature does not recover / does not verify
  'unknown_packet', // discv4 packet type or p2p message id not known
  'expired', // discv4 expiration in the past
  'bad_packet', // well-formed RLP but semantically invalid packet fields
  'bad_enr', // ENR record invalid (EIP-778)
  'bad_enode', // enode URL invalid
  'unbonded', // request from an endpoint without a valid endpoint proof
  // network and sockets
  'timeout',
  'aborted',
  'connection_refused',
  'connection_reset',
  'host_unreachable',
  'address_in_use',
  'socket_error', // any other OS-level socket error
  'closed', // the remote closed the connection before we were done (EOF)
  'disconnected', // the remote sent DISCONNECT before we were done (its reason is recorded separately)
  'netrestrict', // the destination is outside the --netrestrict allow-list
  // RLPx
  'handshake_failed', // auth/ack could not be decrypted or decoded (ECIES)
  'bad_mac', // frame header or body MAC mismatch
  'snappy', // snappy decompression failed
  'protocol_breach', // a peer sent something the protocol forbids at that point
  // DEVp2p and eth
  'bad_hello',
  'no_shared_capability', // no eth version in common
  'bad_status',
  'network_mismatch', // STATUS from another network id or genesis
  'fork_mismatch', // EIP-2124 fork ID rejected
  'useless_peer',
  // storage
  'database',
  'internal', // a bug in NodeFinder: recorded so it is never silent
  // DNS node lists (EIP-1459, src/dnsdisc)
  'bad_dns_entry', // a TXT entry that does not parse or breaks the tree's structure
  'dns_lookup', // a DNS query failed (no such name, server failure, no root/entry record)
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Base class of every typed NodeFinder error. */
export class NodeFinderError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

export function isNodeFinderError(err: unknown): err is NodeFinderError {
  return err instanceof NodeFinderError;
}

/** Map Node.js socket error codes (errno strings, not messages) to our kinds. */
export function kindFromSystemError(err: unknown): ErrorKind {
  if (err instanceof NodeFinderError) return err.kind;
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection_reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'host_unreachable';
    case 'EADDRINUSE':
      return 'address_in_use';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ABORT_ERR':
      return 'aborted';
    default:
      return typeof code === 'string' ? 'socket_error' : 'internal';
  }
}

/** Wrap anything thrown into a NodeFinderError, preserving the cause. */
export function toNodeFinderError(err: unknown): NodeFinderError {
  if (err instanceof NodeFinderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new NodeFinderError(kindFromSystemError(err), message, { cause: err });
}
