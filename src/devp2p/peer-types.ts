/**
 * The shapes of a DEVp2p session (peer.ts): capability messages, DISCONNECT records, counters,
 * options and waits.
 */
import type { Clock } from '../net/clock.js';
import type { RlpxSession } from '../rlpx/connection.js';
import type { LocalCapability, NegotiatedCapability } from './capabilities.js';
import type { DisconnectReasonName } from './disconnect-reasons.js';

export interface CapabilityMessage {
  capability: NegotiatedCapability;
  /** Message id within the capability (e.g. eth STATUS = 0). */
  id: number;
  payload: Uint8Array;
  receivedAt: number;
}

export interface DisconnectRecord {
  direction: 'sent' | 'received';
  reason: DisconnectReasonName;
  at: number;
}

export interface Devp2pPeerStats {
  /** Frames received after the handshake (all ids). */
  messagesReceived: number;
  /** Unsolicited capability messages dropped over MAX_UNCLAIMED_MESSAGES / MAX_UNCLAIMED_BYTES. */
  unclaimedDropped: number;
  /** Capability messages held for a later awaitMessage, and their bytes. */
  unclaimedHeld: number;
  unclaimedBytes: number;
  pongsSent: number;
  /** PINGs left unanswered over MAX_PONGS_PER_SESSION. */
  pingsIgnored: number;
}

export interface Devp2pPeerOptions {
  session: RlpxSession;
  clock: Clock;
  clientId: string;
  capabilities: readonly LocalCapability[];
  /** Our TCP listening port for HELLO (0 when we do not accept connections). */
  listenPort: number;
  /** Our 64-byte public key. */
  nodeKey: Uint8Array;
  /** Largest capability message accepted (default MAX_MESSAGE_SIZE, 16 MiB). */
  maxMessageSize?: number;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}
