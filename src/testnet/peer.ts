/**
 * One emulated devp2p peer on loopback, built from our own stack: a Discv4Endpoint answering
 * PING/FINDNODE/ENRREQUEST from its own Table (geth or Parity metric) kept fresh by a Refresher,
 * and — unless its profile says "discovery only" — an RLPx listener that behaves like geth:
 *
 *   - accept, run the handshake as recipient (openRlpx);
 *   - at its peer limit ("full"), send DISCONNECT too_many_peers as the first frame, before HELLO:
 *     geth checks the limit right after the encryption handshake (p2p/server.go postHandshake);
 *   - otherwise HELLO with its client id and capabilities, STATUS for its network on the shared eth
 *     version, GetBlockHeaders answered for its head (by hash or number) and for mainnet's DAO block,
 *     p2p PING answered (Devp2pPeer does it);
 *   - a "geth" peer checks our STATUS as geth does (network id, genesis, EIP-2124 fork filter over the
 *     schedule it knows) and leaves with subprotocol_error on a mismatch;
 *   - otherwise it never disconnects first, except a peer silent for idleTimeoutMs, a protocol breach,
 *     or shutdown;
 *   - client policies (policies.ts): a "reth" peer answers FINDNODE only within 1 h of our PONG, a
 *     "geth" peer closes a second inbound connection from one IP within 30 s (loopback exempt unless
 *     the throttle options say otherwise).
 *
 * Discovery v5 (profile.discovery 'v5' or 'both'; peer-v5.ts): our discv5 node on the same UDP
 * port (src/discv5/demux.ts). A 'v5' peer leaves discv4 packets unanswered; a consensus-layer peer
 * (profile.consensus) has an `eth2` record entry instead of `eth` and no RLPx listener.
 *
 * Intervals are options with lazy defaults (30 s revalidation, 10 min refresh) so hundreds of peers
 * idle cheaply in one process.
 */
import { toNodeFinderError } from '../errors.js';
import { Discv4Endpoint } from '../discv4/endpoint.js';
import { PacketType } from '../discv4/constants.js';
import { Table } from '../discv4/table.js';
import { Refresher } from '../discv4/lookup.js';
import type { NodeRecord } from '../enode/node-record.js';
import { formatEnode } from '../enode/enode-url.js';
import { createEnr, type Enr } from '../enode/enr.js';
import { systemClock, type Clock, type TimerHandle } from '../net/clock.js';
import { LOOPBACK_ONLY } from '../net/netrestrict.js';
import { NodeUdpTransport } from '../net/node-udp.js';
import { NodeTcpDialer, listenTcp } from '../net/node-tcp.js';
import type { ByteStream, SocketFactory, TcpDialer, TcpListener, UdpTransport } from '../net/transport.js';
import { openRlpx, type RlpxSession } from '../rlpx/connection.js';
import { protocolLength, type Capability, type LocalCapability } from '../devp2p/capabilities.js';
import { DISCONNECT_FLUSH_MS, Devp2pPeer, type CapabilityMessage } from '../devp2p/peer.js';
import { P2P_MESSAGE_IDS, encodeDisconnect } from '../devp2p/messages.js';
import { ETH_MESSAGE_IDS, decodeStatus, encodeStatus, type Status } from '../eth/status.js';
import { createForkFilter, type ForkFilter } from '../eth/fork-id.js';
import { decodeGetBlockHeaders, encodeBlockHeaders } from '../eth/headers.js';
import { equalBytes } from '../util/bytes.js';
import { GETH_INBOUND_THROTTLE, InboundThrottle, bondExpirationFor, type InboundThrottleOptions } from './policies.js';
import { headerAt, statusFor } from './chain.js';
import type { PeerProfile } from './profiles.js';
import { GethDialer, dialsLikeGeth116, type GethDialerOptions, type GethDialerStats } from './geth-dialer.js';
import { shareTransport } from '../discv5/demux.js';
import { PeerV5 } from './peer-v5.js';

export interface PeerTimings {
  /**
   * Table revalidation: fast-list interval (slow list 3×). geth uses 3 s; 30 s keeps 200 idle
   * peers near 20 PINGs/s in total (each ping is a signature and a recovery on each side).
   */
  pingIntervalMs: number;
  /** Periodic refresh (self + random lookups). geth: 30 min. */
  refreshIntervalMs: number;
  /** Random-target lookups per refresh (geth: 3). */
  randomLookups: number;
  /** How often to check for a near-empty table (then refresh early). */
  lowTableCheckMs: number;
  /** discv4 reply timeout (geth: 500 ms); a loaded 2-core machine answers later than a network. */
  responseTimeoutMs: number;
  /** RLPx auth/ack (geth: 5 s). */
  handshakeTimeoutMs: number;
  /** Remote HELLO after the handshake. */
  helloTimeoutMs: number;
  /** A session without any capability message for this long is closed. */
  idleTimeoutMs: number;
}

export const DEFAULT_PEER_TIMINGS: PeerTimings = {
  pingIntervalMs: 30_000,
  refreshIntervalMs: 10 * 60_000,
  randomLookups: 1,
  lowTableCheckMs: 60_000,
  responseTimeoutMs: 1_000,
  handshakeTimeoutMs: 5_000,
  helloTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
};

/** geth's MaxPendingPeers default: handshakes in progress beyond this are dropped at once. */
export const MAX_PENDING_HANDSHAKES = 50;
/**
 * Kernel receive buffer per peer socket. Far below the crawler's 4 MiB: a testnet peer gets a few
 * datagrams at a time, and hundreds of peers share one machine.
 */
export const PEER_RECEIVE_BUFFER_BYTES = 256 * 1024;
/** Ephemeral-port mode: attempts at finding a port free for both UDP and TCP. */
const BIND_ATTEMPTS = 8;

/**
 * Message counts of eth versions before eth/66 (caps/eth.md: eth/62 had ids 0x00–0x07, eth/63
 * added 0x0d–0x10), used only for old clients' local capability table.
 */
const OLD_ETH_LENGTHS: Readonly<Record<number, number>> = { 62: 8, 63: 17, 64: 17, 65: 17 };

export function localCapabilities(caps: readonly Capability[]): LocalCapability[] {
  return caps.map((c) => {
    const length = protocolLength(c.name, c.version) ?? (c.name === 'eth' ? OLD_ETH_LENGTHS[c.version] : undefined);
    if (length === undefined) throw new RangeError(`no message count for ${c.name}/${c.version}`);
    return { ...c, length };
  });
}

/**
 * The peer's ENR as geth builds it: endpoint, the "eth" entry with its fork ID (devp2p
 * enr-entries/eth.md) and an empty "snap" entry when it serves snap (enr-entries/snap.md).
 */
export function ownRecord(profile: PeerProfile, ip: string, udp: number, tcp: number): Enr {
  const v6 = ip.includes(':');
  const endpoint = v6 ? { ip6: ip, udp6: udp, tcp6: tcp } : { ip, udp, tcp };
  // A consensus-layer node: `eth2` = SSZ ENRForkID (consensus-specs phase0/p2p-interface.md), no `eth`.
  if (profile.consensus) return createEnr({ privateKey: profile.privateKey, seq: 1n, ...endpoint, extra: { eth2: TESTNET_ETH2_FORK_ID } });
  return createEnr({
    privateKey: profile.privateKey,
    seq: 1n,
    ...endpoint,
    eth: { forkHash: profile.chain.forkId.hash, forkNext: profile.chain.forkId.next },
    ...(profile.capabilities.some((c) => c.name === 'snap') ? { extra: { snap: [] } } : {}),
  });
}

/**
 * The `eth2` entry of consensus-layer peers: fork_digest(4) ‖ next_fork_version(4) ‖
 * next_fork_epoch(8, little-endian; FAR_FUTURE_EPOCH = 2^64 − 1). Made up: no chain behind it.
 */
const TESTNET_ETH2_FORK_ID = Uint8Array.from([0x6a, 0x95, 0xa1, 0xa9, 0x06, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** A discv4 view that hears nothing (a v5-only peer's discv4 packets are dropped by the demux). */
function deaf(view: UdpTransport): UdpTransport {
  return {
    send: (data, to) => view.send(data, to),
    onMessage: () => {},
    get localAddress() {
      return view.localAddress;
    },
    close: () => view.close(),
  };
}

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

export interface EmulatedPeerOptions {
  profile: PeerProfile;
  /** Loopback address to bind (checked by startTestnet). */
  host: string;
  /** UDP and TCP port; 0 lets the OS choose (then TCP tries the UDP port's number first). */
  port: number;
  clock?: Clock;
  timings?: Partial<PeerTimings>;
  /** geth's inbound throttle, applied by "geth" peers (default GETH_INBOUND_THROTTLE: 30 s, LAN exempt). */
  inboundThrottle?: InboundThrottleOptions;
  /** Endpoint-proof lifetime; default by client (policies.ts bondExpirationFor). */
  bondExpirationMs?: number;
  /** Uniform [0, 1) for the table (revalidation picks, jitter). */
  random?: () => number;
  /** 64-byte random lookup targets. */
  randomTarget?: () => Uint8Array;
  /**
   * geth ≥ 1.16 profiles dial nodes learned from discovery by geth's rule (src/testnet/geth-dialer.ts);
   * false: no peer dials. `skip`: node IDs never dialed (the testnet's own peers).
   */
  gethDials?: false | Pick<GethDialerOptions, 'skip' | 'maxDials' | 'scanIntervalMs' | 'historyMs'>;
  /** Sockets (default Node's on loopback; an in-memory network in simulations, src/net/memory-sockets.ts). */
  sockets?: SocketFactory;
}

export class EmulatedPeer {
  readonly profile: PeerProfile;
  readonly endpoint: Discv4Endpoint;
  readonly table: Table;
  /** The discv5 node ('v5' and 'both' profiles). */
  readonly v5: PeerV5 | undefined;
  readonly tcpPort: number;
  private readonly clock: Clock;
  private readonly timings: PeerTimings;
  private readonly listener: TcpListener | undefined;
  private readonly localCaps: LocalCapability[];
  private readonly randomTarget: (() => Uint8Array) | undefined;
  private refresher: Refresher | undefined;
  private discoveryStarted = false;
  /** Set for geth ≥ 1.16 profiles: dials nodes whose ENR passes geth's filter. */
  readonly dialer: GethDialer | undefined;
  private startTimer: TimerHandle | undefined;
  private firstRefresh: Promise<void> = Promise.resolve();
  private forkFilter: ForkFilter | undefined;
  private resolveStarted: (() => void) | undefined;
  private readonly peers = new Set<Devp2pPeer>();
  /** Sessions being turned away (too_many_peers) until their DISCONNECT is flushed. */
  private readonly leaving = new Set<RlpxSession>();
  private pendingHandshakes = 0;
  private closed = false;
  private readonly throttle: InboundThrottle | undefined;
  private readonly stats: InboundStats = {
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

  private constructor(
    options: EmulatedPeerOptions,
    transport: UdpTransport,
    listener: TcpListener | undefined,
  ) {
    this.profile = options.profile;
    this.clock = options.clock ?? systemClock;
    this.timings = { ...DEFAULT_PEER_TIMINGS, ...options.timings };
    this.listener = listener;
    this.randomTarget = options.randomTarget;
    this.localCaps = localCapabilities(this.profile.capabilities);
    if (this.profile.client === 'geth') this.throttle = new InboundThrottle(this.clock, options.inboundThrottle ?? GETH_INBOUND_THROTTLE);
    const bondExpirationMs = options.bondExpirationMs ?? bondExpirationFor(this.profile.client);
    // A discovery-only node still announces its TCP port, as real ones do (nothing listens there).
    this.tcpPort = listener?.port ?? transport.localAddress.port;
    const record = ownRecord(this.profile, transport.localAddress.address, transport.localAddress.port, this.tcpPort);
    const ports = this.profile.discovery === 'v4' ? undefined : shareTransport(transport);
    const v4Transport = !ports ? transport : this.profile.discovery === 'v5' ? deaf(ports.v4) : ports.v4;
    this.v5 = ports
      ? new PeerV5({
          transport: ports.v5,
          privateKey: this.profile.privateKey,
          record,
          clock: this.clock,
          responseTimeoutMs: this.timings.responseTimeoutMs,
          refreshIntervalMs: this.timings.refreshIntervalMs,
          ...(options.randomTarget ? { randomTarget: options.randomTarget } : {}),
        })
      : undefined;
    const table = new Table({
      selfId: this.profile.nodeId,
      clock: this.clock,
      metric: this.profile.metric,
      random: options.random,
      pingIntervalMs: this.timings.pingIntervalMs,
      ping: (node, signal) => this.endpoint.ping(node, { signal }),
    });
    this.table = table;
    this.endpoint = new Discv4Endpoint({
      privateKey: this.profile.privateKey,
      transport: v4Transport,
      clock: this.clock,
      tcpPort: this.tcpPort,
      enr: record,
      responseTimeoutMs: this.timings.responseTimeoutMs,
      bondWaitMs: this.timings.responseTimeoutMs,
      ...(bondExpirationMs !== undefined ? { bondExpirationMs } : {}),
      // geth answers FINDNODE from live entries when it has any (findnodeByID preferLive).
      closest: (target, count) => table.closest(target, count, 'prefer-live'),
      onNodeSeen: (node, source, type) => {
        // A PONG is an endpoint proof; a PING from a node we hold a proof of counts as one too
        // (geth adds both to its table); NEIGHBORS entries are hearsay.
        if (type === PacketType.Pong) {
          table.addVerified(node);
          this.dialer?.offer(node);
        } else if (type === PacketType.Ping) {
          if (this.endpoint.isBonded(node)) {
            table.addVerified(node);
            this.dialer?.offer(node);
          }
        } else if (source === 'neighbors') table.addSeen(node);
      },
    });
    listener?.onConnection((stream) => this.onConnection(stream));
    // The geth dialer asks for records over discv4: a v5-only peer does not dial.
    if (options.gethDials !== false && this.profile.discovery !== 'v5' && dialsLikeGeth116(this.profile)) {
      const chain = this.profile.chain;
      // The schedule this peer knows: stale and newer peers judge records by their own forks.
      const filter = createForkFilter(this.profile.forkSchedule);
      const tcp = options.sockets
        ? options.sockets.tcpDialer({ netrestrict: LOOPBACK_ONLY, clock: this.clock })
        : new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY, clock: this.clock });
      this.dialer = new GethDialer({
        ...options.gethDials,
        clock: this.clock,
        requestEnr: (node, signal) => this.endpoint.requestEnr(node, { signal }),
        // geth filters with its own head; a syncing node's time is its head's.
        forkFilter: (id) => filter(id, chain.head.number, Math.max(Number(chain.head.time), Math.floor(this.clock.now() / 1000))),
        candidates: () => table.nodes(),
        dial: (target, signal) => this.dialOut(tcp, target, signal),
      });
    }
  }

  /** Outbound stats of the geth dialer (undefined for profiles that do not dial). */
  dialStats(): GethDialerStats | undefined {
    return this.dialer?.stats();
  }

  /** Bind the peer's sockets (UDP always, TCP unless discovery-only). */
  static async start(options: EmulatedPeerOptions): Promise<EmulatedPeer> {
    const attempts = options.port === 0 ? BIND_ATTEMPTS : 1;
    let lastError: unknown;
    const sockets = options.sockets;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const bind = { host: options.host, port: options.port, netrestrict: LOOPBACK_ONLY };
      const transport = sockets ? await sockets.udp(bind) : await NodeUdpTransport.bind({ ...bind, receiveBufferBytes: PEER_RECEIVE_BUFFER_BYTES });
      if (!options.profile.tcp) return new EmulatedPeer(options, transport, undefined);
      try {
        const tcpBind = { host: options.host, port: transport.localAddress.port, netrestrict: LOOPBACK_ONLY };
        const listener = sockets ? await sockets.tcpListen(tcpBind) : await listenTcp(tcpBind);
        return new EmulatedPeer(options, transport, listener);
      } catch (err) {
        lastError = err;
        await transport.close();
        if (toNodeFinderError(err).kind !== 'address_in_use') break;
      }
    }
    throw toNodeFinderError(lastError);
  }

  get record(): NodeRecord {
    const local = this.endpoint.localAddress;
    return { id: this.profile.nodeId, publicKey: this.profile.publicKey, ip: local.address, udpPort: local.port, tcpPort: this.tcpPort };
  }

  get enode(): string {
    return formatEnode(this.record);
  }

  /** Inbound RLPx counters (a snapshot). */
  inboundStats(): InboundStats {
    return { ...this.stats, active: this.peers.size };
  }

  /**
   * Seed the table with `bootnodes` and start revalidation and refresh lookups after `delayMs`
   * (startTestnet staggers peers so hundreds do not all look up in the same millisecond).
   *
   * With `prefilled` (testnet fast start, prefill.ts) the table starts as it would stand after
   * bonding with those nodes: entries live, endpoint proofs held both ways, so FINDNODE is
   * answered at once; the peer is bootstrapped now and its first refresh waits `delayMs`.
   */
  startDiscovery(
    bootnodes: readonly NodeRecord[],
    delayMs = 0,
    v5Bootnodes: readonly NodeRecord[] = bootnodes,
    prefilled?: readonly NodeRecord[],
  ): void {
    if (this.closed || this.discoveryStarted) return;
    this.discoveryStarted = true;
    const speaksV4 = this.profile.discovery !== 'v5';
    let refresher: Refresher | undefined;
    if (speaksV4) {
      for (const b of bootnodes) this.table.addSeen(b);
      for (const node of prefilled ?? []) {
        this.endpoint.assumeBonded(node);
        this.table.addVerified(node);
      }
      refresher = new Refresher({
        table: this.table,
        findNode: (node, target, signal) => this.endpoint.findNode(node, target, { signal }),
        clock: this.clock,
        selfPublicKey: this.profile.publicKey,
        bootnodes,
        intervalMs: this.timings.refreshIntervalMs,
        randomLookups: this.timings.randomLookups,
        lowTableCheckMs: this.timings.lowTableCheckMs,
        ...(this.randomTarget ? { randomTarget: this.randomTarget } : {}),
      });
      this.refresher = refresher;
    }
    this.firstRefresh = new Promise<void>((resolve) => {
      this.resolveStarted = resolve;
      const go = () => {
        this.startTimer = undefined;
        this.resolveStarted = undefined;
        if (this.closed) return resolve();
        let v4: Promise<void> = Promise.resolve();
        if (refresher) {
          this.table.start();
          refresher.start();
          this.dialer?.start();
          v4 = refresher.refresh();
        }
        const v5 = this.v5?.start(v5Bootnodes) ?? Promise.resolve();
        resolve(Promise.all([v4, v5]).then(() => undefined));
      };
      if (prefilled && refresher) {
        // Ready now: revalidation and the dialer start, lookups only at the first periodic refresh.
        this.table.start();
        this.dialer?.start();
        this.resolveStarted = undefined;
        this.startTimer = this.clock.setTimer(delayMs, () => {
          this.startTimer = undefined;
          if (!this.closed) refresher.start();
        });
        resolve(this.v5?.start(v5Bootnodes) ?? Promise.resolve());
      } else if (delayMs > 0) this.startTimer = this.clock.setTimer(delayMs, go);
      else go();
    });
  }

  /** Resolves when the first refresh (self lookup + random lookups) has finished. Never rejects. */
  bootstrapped(): Promise<void> {
    return this.firstRefresh;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.startTimer !== undefined) this.clock.clearTimer(this.startTimer);
    this.startTimer = undefined;
    this.resolveStarted?.();
    await Promise.all([this.refresher?.stop(), this.table.stop(), this.dialer?.stop(), this.v5?.close()]);
    for (const peer of [...this.peers]) peer.disconnect('client_quitting');
    for (const session of [...this.leaving]) session.destroy();
    // Closing the listener destroys every accepted socket, so nothing waits on a remote.
    await Promise.all([this.listener?.close(), this.endpoint.close()]);
  }

  // ---------------------------------------------------------------- RLPx server

  private onConnection(stream: ByteStream): void {
    if (!this.closed && this.throttle && !this.throttle.admit(stream.remoteAddress)) {
      // geth checkInboundConn: "too many attempts", the socket is closed before the handshake.
      this.stats.throttled++;
      stream.destroy();
      return;
    }
    if (this.closed || this.pendingHandshakes >= MAX_PENDING_HANDSHAKES) {
      this.stats.dropped++;
      stream.destroy();
      return;
    }
    this.stats.accepted++;
    this.pendingHandshakes++;
    openRlpx({ stream, clock: this.clock, privateKey: this.profile.privateKey, handshakeTimeoutMs: this.timings.handshakeTimeoutMs }).then(
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
  private async dialOut(tcp: TcpDialer, target: NodeRecord, signal: AbortSignal): Promise<void> {
    const stream = await tcp.connect(target.ip, target.tcpPort, { timeoutMs: this.timings.handshakeTimeoutMs, signal });
    const session = await openRlpx({
      stream,
      clock: this.clock,
      privateKey: this.profile.privateKey,
      remotePublicKey: target.publicKey,
      handshakeTimeoutMs: this.timings.handshakeTimeoutMs,
      signal,
    });
    this.onSession(session, true);
  }

  private onSession(session: RlpxSession, outbound = false): void {
    if (this.closed) {
      session.destroy();
      return;
    }
    if (!outbound && (this.profile.full || this.peers.size >= this.profile.maxPeers)) {
      this.turnAway(session);
      return;
    }
    let peer: Devp2pPeer;
    try {
      peer = new Devp2pPeer({
        session,
        clock: this.clock,
        clientId: this.profile.clientId,
        capabilities: this.localCaps,
        listenPort: this.tcpPort,
        nodeKey: this.profile.publicKey,
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
    const timer = this.clock.setTimer(DISCONNECT_FLUSH_MS, () => session.destroy());
    session.onClose(() => {
      this.clock.clearTimer(timer);
      this.leaving.delete(session);
    });
    session.close();
  }

  private async serve(peer: Devp2pPeer, outbound = false): Promise<void> {
    try {
      await peer.awaitHello({ timeoutMs: this.timings.helloTimeoutMs });
      if (!outbound) this.stats.hello++; // InboundStats count inbound sessions only
      const eth = peer.negotiated.find((c) => c.name === 'eth');
      if (eth) {
        peer.send('eth', ETH_MESSAGE_IDS.status, encodeStatus(statusFor(this.profile.chain, eth.version)));
        if (!outbound) this.stats.statusSent++;
      }
      for (;;) {
        const message = await peer.awaitMessage('a message', () => true, { timeoutMs: this.timings.idleTimeoutMs });
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
    const chain = this.profile.chain;
    if (status.networkId !== BigInt(chain.network.networkId) || !equalBytes(status.genesisHash, chain.network.genesisHash)) return false;
    this.forkFilter ??= createForkFilter(this.profile.forkSchedule);
    return this.forkFilter(status.forkId, chain.head.number, Math.floor(this.clock.now() / 1000)) === 'compatible';
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
        if (this.profile.client === 'geth' && !this.acceptsStatus(status)) {
          this.stats.statusRejected++;
          peer.disconnect('subprotocol_error');
        }
        return;
      }
      case ETH_MESSAGE_IDS.getBlockHeaders: {
        const request = decodeGetBlockHeaders(message.payload);
        const headers: Uint8Array[] = [];
        const chain = this.profile.chain;
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
