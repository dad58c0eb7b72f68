/**
 * Every discovery v4 limit and timing in one place, each citing where it comes from.
 * "discv4.md" is ethereum/devp2p discv4.md; "geth" is go-ethereum p2p/discover (learned, not copied).
 */

/** discv4.md "Wire Protocol": "The maximum size of any packet is 1280 bytes." We never send more. */
export const MAX_PACKET_SIZE = 1280;

/**
 * Largest datagram we accept. Some implementations send NEIGHBORS with 16 entries (≈1.5 KB with
 * IPv6) above MAX_PACKET_SIZE (DESIGN.md interop notes); anything past this cap is not discv4.
 */
export const MAX_RECEIVE_SIZE = 2048;

/** hash(32) || signature(65) precede the packet-type byte (discv4.md "Wire Protocol"). */
export const HASH_SIZE = 32;
export const SIGNATURE_SIZE = 65;
export const HEAD_SIZE = HASH_SIZE + SIGNATURE_SIZE;
/** Header plus the type byte: nothing shorter can be a packet. */
export const MIN_PACKET_SIZE = HEAD_SIZE + 1;

/** discv4.md Ping: "version = 4". Mismatches are ignored on receipt (EIP-8). */
export const PROTOCOL_VERSION = 4;

/** discv4.md "Kademlia Table": k = 16 — each bucket's size; NEIGHBORS replies carry up to k nodes. */
export const BUCKET_SIZE = 16;
/** discv4.md "Recursive Lookup": concurrency α = 3. */
export const ALPHA = 3;

/**
 * Entries per NEIGHBORS datagram we send: 12 IPv6 entries still fit in 1280 bytes (geth computes
 * the same bound, maxNeighbors). Replies to one FINDNODE therefore come in several datagrams.
 */
export const MAX_NEIGHBORS_PER_PACKET = 12;

/** Lifetime we put in `expiration` of packets we send (geth: 20 s). */
export const PACKET_EXPIRATION_MS = 20_000;

/**
 * discv4.md "Endpoint Proof": a sender is verified if it sent a valid PONG within the last 12 hours.
 * Used both ways: we answer FINDNODE/ENRREQUEST only from proven endpoints, and we re-ping before
 * FINDNODE when we have not answered their PING within this window.
 */
export const BOND_EXPIRATION_MS = 12 * 60 * 60 * 1000;

/** geth respTimeout: how long to wait for a reply (and between NEIGHBORS datagrams). */
export const RESPONSE_TIMEOUT_MS = 500;

/**
 * After our ping in the bonding step, how long to wait for the remote's own PING (geth sleeps one
 * respTimeout; we resolve early when the PING arrives).
 */
export const BOND_WAIT_MS = 500;

/** Bound on remembered endpoint proofs (node id + IP pairs); oldest are forgotten first. */
export const MAX_BOND_ENTRIES = 200_000;

/** Packet-type bytes (discv4.md, EIP-868 for 5 and 6). */
export const PacketType = {
  Ping: 0x01,
  Pong: 0x02,
  FindNode: 0x03,
  Neighbors: 0x04,
  EnrRequest: 0x05,
  EnrResponse: 0x06,
} as const;
export type PacketTypeId = (typeof PacketType)[keyof typeof PacketType];

export const PACKET_TYPE_NAMES: Record<PacketTypeId, string> = {
  1: 'ping',
  2: 'pong',
  3: 'findnode',
  4: 'neighbors',
  5: 'enrrequest',
  6: 'enrresponse',
};
