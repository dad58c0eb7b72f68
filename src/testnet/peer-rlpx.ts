/**
 * The RLPx side of an emulated peer (peer.ts), as geth behaves: accept (within geth's pending
 * handshake limit and, for "geth" peers, its inbound throttle), DISCONNECT too_many_peers before
 * HELLO when full, otherwise HELLO, STATUS on the shared eth version, GetBlockHeaders for its head
 * and mainnet's DAO block; a "geth" peer checks our STATUS and leaves with subprotocol_error on a
 * mismatch. Also geth ≥ 1.16's outbound dial, which ends in the same session.
 */
import { toNodeFinderError } from '../errors.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock } from '../net/clock.js';
import type { ByteStream, TcpDialer } from '../net/transport.js';
import { openRlpx, type RlpxSession } from '../rlpx/connection.js';
import type { LocalCapability } from '../devp2p/capabilities.js';
import { DISCONNECT_FLUSH_MS, Devp2pPeer, type CapabilityMessage } from '../devp2p/peer.js';
import { P2P_MESSAGE_IDS, encodeDisconnect } from '../devp2p/messages.js';
import { ETH_MESSAGE_IDS, decodeStatus, encodeStatus, type Status } from '../eth/status.js';
import { createForkFilter, type ForkFilter } from '../eth/fork-id.js';
import { decodeGetBlockHeaders, encodeBlockHeaders } from '../eth/headers.js';
import { equalBytes } from '../util/bytes.js';
import { headerAt, statusFor } from './chain.js';
import { localCapabilities, type PeerTimings } from './peer-config.js';
import type { InboundThrottle } from './policies.js';
import type { PeerProfile } from './profiles.js';

/** geth's MaxPendingPeers default: handshakes in progress beyond this are dropped at once. */
export const MAX_PENDING_HANDSHAKES = 50;
export interface InboundStats {
  /** TCP connections accepted. */
  accepted: number;
  /** Closed at once: the same IP connected within the inbound throttle window ("geth" peers). */
  throttled: number;
  /** Dropped before the handshake: too many handshakes in progress. */
  dropped: number;
  handshakeFailed: number;
  /** Sessions answered with DISCONNECT too_many_peers. */
  tooManyPeers: number;
  hello: number;
  /** STATUS messages sent. */
  statusSent: number;
  /** Sessions a geth-like peer ended because our STATUS failed its checks (network, genesis, fork ID). */
  statusRejected: number;
  headersServed: number;
  idleDisconnects: number;
  /** Sessions open now. */
  active: number;
}

/** All counters at zero (a peer's start, or a sum over peers). */
export function emptyInboundStats(): InboundStats {
  return {
    accepted: 0,
    throttled: 0,
    dropped: 0,
    handshakeFailed: 0,
    tooManyPeers: 0,
    hello: 0,
    statusSent: 0,
    statusRejected: 0,
    headersServed: 0,
    idleDisconnects: 0,
    active: 0,
  };
}

export interface PeerRlpxOptions {
  profile: PeerProfile;
  clock: Clock;
  timings: PeerTimings;
  /** Our listening port (HELLO). */
  tcpPort: number;
  /** geth's inbound throttle ("geth" peers). */
  throttle: InboundThrottle | undefined;
  /** The peer is closing: turn everything away. */
  isClosed: () => boolean;
}

export class PeerRlpx {
  private readonly localCaps: LocalCapability[];
  private forkFilter: ForkFilter | undefined;
  private readonly peers = new Set<Devp2pPeer>();
  /** Sessions being turned away (too_many_peers) until their DISCONNECT is flushed. */
  private readonly leaving = new Set<RlpxSession>();
  private pendingHandshakes = 0;
  private readonly stats: InboundStats = emptyInboundStats();

  constructor(private readonly o: PeerRlpxOptions) {
    this.localCaps = localCapabilities(o.profile.capabilities);
  }

  /** Inbound RLPx counters (a snapshot). */
  inboundStats(): InboundStats {
    return { ...this.stats, active: this.peers.size };
  }

  /** Leave every session (client_quitting) and drop those being turned away. */
  close(): void {
    for (const peer of [...this.peers]) peer.disconnect('client_quitting');
    for (const session of [...this.leaving]) session.destroy();
  }

  accept(stream: ByteStream): void {
    if (!this.o.isClosed() && this.o.throttle && !this.o.throttle.admit(stream.remoteAddress)) {
      // geth checkInboundConn: "too many attempts", the socket is closed before the handshake.
      this.stats.throttled++;
      stream.destroy();
      return;
    }
    if (this.o.isClosed() || this.pendingHandshakes >= MAX_PENDING_HANDSHAKES) {
      this.stats.dropped++;
      stream.destroy();
      return;
    }
    this.stats.accepted++;
    this.pendingHandshakes++;
    openRlpx({ stream, clock: this.o.clock, privateKey: this.o.profile.privateKey, handshakeTimeoutMs: this.o.timings.handshakeTimeoutMs }).then(
      (session) => {
        this.pendingHandshakes--;
        this.onSession(session);
      },
      () => {
        // openRlpx destroyed the stream.
        this.pendingHandshakes--;
        this.stats.handshakeFailed++;
      },
    );
  }

  /** geth's dial: TCP, RLPx as initiator, then the same session as an inbound one. */
  async dialOut(tcp: TcpDialer, target: NodeRecord, signal: AbortSignal): Promise<void> {
    const stream = await tcp.connect(target.ip, target.tcpPort, { timeoutMs: this.o.timings.handshakeTimeoutMs, signal });
    const session = await openRlpx({
      stream,
      clock: this.o.clock,
      privateKey: this.o.profile.privateKey,
      remotePublicKey: target.publicKey,
      handshakeTimeoutMs: this.o.timings.handshakeTimeoutMs,
      signal,
    });
    this.onSession(session, true);
  }

  private onSession(session: RlpxSession, outbound = false): void {
    if (this.o.isClosed()) {
      session.destroy();
      return;
    }
    if (!outbound && (this.o.profile.full || this.peers.size >= this.o.profile.maxPeers)) {
      this.turnAway(session);
      return;
    }
    let peer: Devp2pPeer;
    try {
      peer = new Devp2pPeer({
        session,
        clock: this.o.clock,
        clientId: this.o.profile.clientId,
        capabilities: this.localCaps,
        listenPort: this.o.tcpPort,
        nodeKey: this.o.profile.publicKey,
      });
    } catch {
      session.destroy();
      return;
    }
    this.peers.add(peer);
    session.onClose(() => this.peers.delete(peer));
    void this.serve(peer, outbound);
  }

  /** DISCONNECT too_many_peers before HELLO (uncompressed: nothing is negotiated yet), then close. */
  private turnAway(session: RlpxSession): void {
    this.stats.tooManyPeers++;
    try {
      session.send(P2P_MESSAGE_IDS.disconnect, encodeDisconnect('too_many_peers'));
    } catch {
      // already closed by the remote
    }
    this.leaving.add(session);
    const timer = this.o.clock.setTimer(DISCONNECT_FLUSH_MS, () => session.destroy());
    session.onClose(() => {
      this.o.clock.clearTimer(timer);
      this.leaving.delete(session);
    });
    session.close();
  }

  private async serve(peer: Devp2pPeer, outbound = false): Promise<void> {
    try {
      await peer.awaitHello({ timeoutMs: this.o.timings.helloTimeoutMs });
      if (!outbound) this.stats.hello++; // InboundStats count inbound sessions only
      const eth = peer.negotiated.find((c) => c.name === 'eth');
      if (eth) {
        peer.send('eth', ETH_MESSAGE_IDS.status, encodeStatus(statusFor(this.o.profile.chain, eth.version)));
        if (!outbound) this.stats.statusSent++;
      }
      for (;;) {
        const message = await peer.awaitMessage('a message', () => true, { timeoutMs: this.o.timings.idleTimeoutMs });
        this.handle(peer, message);
      }
    } catch (err) {
      if (peer.closed) return;
      const e = toNodeFinderError(err);
      if (e.kind === 'timeout') {
        if (!outbound) this.stats.idleDisconnects++;
        peer.disconnect('disconnect_requested');
      } else {
        peer.disconnect(e.kind === 'bad_rlp' || e.kind === 'bad_status' ? 'breach_of_protocol' : 'client_quitting');
      }
    }
  }

  /** geth's readStatus checks against this peer's own chain and fork schedule (core/forkid newFilter). */
  private acceptsStatus(status: Status): boolean {
    const chain = this.o.profile.chain;
    if (status.networkId !== BigInt(chain.network.networkId) || !equalBytes(status.genesisHash, chain.network.genesisHash)) return false;
    this.forkFilter ??= createForkFilter(this.o.profile.forkSchedule);
    return this.forkFilter(status.forkId, chain.head.number, Math.floor(this.o.clock.now() / 1000)) === 'compatible';
  }

  /** Answer what a geth node answers; everything else is read and ignored. Decode errors throw. */
  private handle(peer: Devp2pPeer, message: CapabilityMessage): void {
    if (message.capability.name !== 'eth') return;
    switch (message.id) {
      case ETH_MESSAGE_IDS.status: {
        // Read to reject garbage. Geth also checks network id, genesis and fork ID, and a failure ends
        // the session with DiscSubprotocolError (eth/protocols/eth/handshake.go readStatus; the error is
        // no DiscReason, so p2p/peer_error.go discReasonForError gives subprotocol_error). Other
        // clients here stay lenient.
        const status = decodeStatus(message.payload, message.capability.version);
        if (this.o.profile.client === 'geth' && !this.acceptsStatus(status)) {
          this.stats.statusRejected++;
          peer.disconnect('subprotocol_error');
        }
        return;
      }
      case ETH_MESSAGE_IDS.getBlockHeaders: {
        const request = decodeGetBlockHeaders(message.payload);
        const headers: Uint8Array[] = [];
        const chain = this.o.profile.chain;
        if (request.limit > 0) {
          if ('hash' in request.origin) {
            if (equalBytes(request.origin.hash, chain.head.hash)) headers.push(chain.head.headerRlp);
          } else if (request.origin.number === chain.head.number) {
            headers.push(chain.head.headerRlp);
          } else if (chain.network.daoFork && request.origin.number === BigInt(chain.network.daoFork.block) && chain.earliestBlock === 0n) {
            headers.push(headerAt(chain.network, request.origin.number).headerRlp);
          }
        }
        peer.send('eth', ETH_MESSAGE_IDS.blockHeaders, encodeBlockHeaders(request.requestId, headers));
        this.stats.headersServed++;
        return;
      }
      default:
        return;
    }
  }
}
