/**
 * The eth STATUS exchange of a crawler: our STATUS must never be the reason a peer leaves.
 *
 * Every peer validates the STATUS it receives (go-ethereum eth/protocols/eth/handshake.go readStatus:
 * network id, genesis, fork filter; a rejection ends the session with DiscSubprotocolError). A
 * crawler whose fork schedule is one fork behind would be refused by every up-to-date peer. So, as
 * node-crawler does (angaz/node-crawler pkg/execution/p2p/get_client_info.go), we wait for the
 * remote's STATUS and answer with its own values — network id, genesis, head, fork ID — which its
 * filter accepts by construction. Only a silent remote gets ours, after STATUS_FIRST_WAIT_MS.
 * Classification stays ours and local (status.ts createStatusChecker).
 *
 * Why 1 s: geth, reth, Nethermind and Besu send STATUS as soon as the eth protocol starts, so the
 * remote's STATUS arrives about one round trip after our HELLO; 1 s covers any terrestrial or
 * satellite path, and leaves 4 s of geth's 5 s eth handshake timeout (handshakeTimeout in
 * handshake.go) for our STATUS to reach a peer that waits for ours.
 */
import type { CapabilityMessage, Devp2pPeer } from '../devp2p/peer.js';
import { ETH_MESSAGE_IDS, decodeStatus, encodeStatus, localStatus, type Status } from '../eth/status.js';
import type { NetworkDefinition } from '../eth/networks.js';
import { toNodeFinderError } from '../errors.js';

export const STATUS_FIRST_WAIT_MS = 1_000;

export interface StatusExchange {
  /** The remote's STATUS message (payload and receive time). */
  message: CapabilityMessage;
  status: Status;
  /** What we sent: the remote's own values ('echo'), or ours because it stayed silent ('own'). */
  sent: 'echo' | 'own';
}

export interface StatusExchangeOptions {
  network: NetworkDefinition;
  /** The negotiated eth version. */
  version: number;
  nowSeconds: number;
  /** How long to wait for the remote's STATUS before sending ours (0: send ours at once). */
  waitMs?: number;
  /** Total time for the remote's STATUS. */
  timeoutMs: number;
  signal?: AbortSignal;
}

const isStatus = (m: CapabilityMessage) => m.capability.name === 'eth' && m.id === ETH_MESSAGE_IDS.status;

/**
 * The STATUS we answer with: the remote's own (same version and shape). Re-encoded from the decoded
 * fields, so extra EIP-8 list elements are not reflected.
 */
export function echoStatus(remote: Status): Status {
  return remote.shape === 'td'
    ? { ...remote, bestHash: Uint8Array.from(remote.bestHash), genesisHash: Uint8Array.from(remote.genesisHash) }
    : { ...remote, latestBlockHash: Uint8Array.from(remote.latestBlockHash), genesisHash: Uint8Array.from(remote.genesisHash) };
}

function trySend(peer: Devp2pPeer, status: Status): void {
  try {
    peer.send('eth', ETH_MESSAGE_IDS.status, encodeStatus(status));
  } catch (err) {
    // Already over (e.g. HELLO, STATUS, DISCONNECT in one burst): a STATUS that came is still read.
    if (!peer.closed) throw err;
  }
}

/** Wait for the remote's STATUS, answer it (or send ours to a silent remote); throws typed errors. */
export async function exchangeStatus(peer: Devp2pPeer, options: StatusExchangeOptions): Promise<StatusExchange> {
  const waitMs = Math.min(options.waitMs ?? STATUS_FIRST_WAIT_MS, options.timeoutMs);
  let sent: StatusExchange['sent'] = 'echo';
  let message: CapabilityMessage;
  if (waitMs <= 0) {
    // No wait asked for: ours first (the classic order; tests of peers that wait for ours).
    sent = 'own';
    trySend(peer, localStatus(options.network, options.version, options.nowSeconds));
    message = await peer.awaitMessage('STATUS', isStatus, { timeoutMs: options.timeoutMs, signal: options.signal });
    return { message, status: decodeStatus(message.payload, options.version), sent };
  }
  try {
    message = await peer.awaitMessage('STATUS', isStatus, { timeoutMs: waitMs, signal: options.signal });
  } catch (err) {
    if (toNodeFinderError(err).kind !== 'timeout' || peer.closed || options.signal?.aborted) throw err;
    sent = 'own';
    trySend(peer, localStatus(options.network, options.version, options.nowSeconds));
    message = await peer.awaitMessage('STATUS', isStatus, { timeoutMs: Math.max(1, options.timeoutMs - waitMs), signal: options.signal });
  }
  const status = decodeStatus(message.payload, options.version);
  if (sent === 'echo') trySend(peer, echoStatus(status));
  return { message, status, sent };
}
