/**
 * The probe's optional eth measurements over GetBlockHeaders (the best block's number, the DAO
 * header): each is skipped, not an error, when it times out or fails on its own.
 */
import type { Devp2pPeer } from '../devp2p/peer.js';
import { ETH_MESSAGE_IDS } from '../eth/status.js';
import { decodeBlockHeaders, encodeGetBlockHeaders } from '../eth/headers.js';
import { equalBytes } from '../util/bytes.js';

/**
 * An optional measurement: its value, or null when it timed out or failed on its own. Rethrows when
 * the session itself is over or we were aborted — then the policy stops.
 */
export async function optional<T>(peer: Devp2pPeer, signal: AbortSignal | undefined, request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (err) {
    if (peer.closed || signal?.aborted) throw err;
    return null;
  }
}

export function awaitHeaders(peer: Devp2pPeer, requestId: bigint, timeoutMs: number, signal?: AbortSignal) {
  return peer.awaitMessage(
    'BlockHeaders',
    (m) => {
      if (m.capability.name !== 'eth' || m.id !== ETH_MESSAGE_IDS.blockHeaders) return false;
      try {
        return decodeBlockHeaders(m.payload).requestId === requestId;
      } catch {
        return true; // let the caller see the decode error
      }
    },
    { timeoutMs, signal },
  );
}

/**
 * GetBlockHeaders(hash) → the header's number, or null when the peer does not answer usefully. Not an
 * RTT sample: the remote reads the header from its database (and may queue the request) first.
 */
export async function requestHeaderNumber(
  peer: Devp2pPeer,
  requestId: bigint,
  hash: Uint8Array,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<bigint | null> {
  peer.send('eth', ETH_MESSAGE_IDS.getBlockHeaders, encodeGetBlockHeaders({ requestId, origin: { hash }, limit: 1, skip: 0, reverse: false }));
  const reply = await optional(peer, signal, awaitHeaders(peer, requestId, timeoutMs, signal));
  if (!reply) return null;
  try {
    const header = decodeBlockHeaders(reply.payload).headers[0];
    // Only the header we asked for tells the best block's number.
    return header && equalBytes(header.hash, hash) ? header.number : null;
  } catch {
    return null; // an undecodable reply: no number, but not a reason to stop
  }
}

