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
 * idle cheaply in one process. The RLPx side lives in peer-rlpx.ts; timings, the capability table
 * and the record in peer-config.ts; this file holds discovery and the peer's lifecycle.
 */
import { toNodeFinderError } from '../errors.js';
import { Discv4Endpoint } from '../discv4/endpoint.js';
import { PacketType } from '../discv4/constants.js';
import { Table } from '../discv4/table.js';
import { Refresher } from '../discv4/lookup.js';
import type { NodeRecord } from '../enode/node-record.js';
import { formatEnode } from '../enode/enode-url.js';
import { systemClock, type Clock, type TimerHandle } from '../net/clock.js';
import { LOOPBACK_ONLY } from '../net/netrestrict.js';
import { NodeUdpTransport } from '../net/node-udp.js';
import { NodeTcpDialer, listenTcp } from '../net/node-tcp.js';
import type { SocketFactory, TcpListener, UdpTransport } from '../net/transport.js';
import { createForkFilter } from '../eth/fork-id.js';
import { GETH_INBOUND_THROTTLE, InboundThrottle, bondExpirationFor, type InboundThrottleOptions } from './policies.js';
import type { PeerProfile } from './profiles.js';
import { GethDialer, dialsLikeGeth116, type GethDialerOptions, type GethDialerStats } from './geth-dialer.js';
import { shareTransport } from '../discv5/demux.js';
import { PeerV5 } from './peer-v5.js';
import { DEFAULT_PEER_TIMINGS, deaf, ownRecord, type PeerTimings } from './peer-config.js';
import { PeerRlpx, type InboundStats } from './peer-rlpx.js';

export { DEFAULT_PEER_TIMINGS, localCapabilities, ownRecord, type PeerTimings } from './peer-config.js';
export { MAX_PENDING_HANDSHAKES, emptyInboundStats, type InboundStats } from './peer-rlpx.js';

/**
 * Kernel receive buffer per peer socket. Far below the crawler's 4 MiB: a testnet peer gets a few
 * datagrams at a time, and hundreds of peers share one machine.
 */
export const PEER_RECEIVE_BUFFER_BYTES = 256 * 1024;
/** Ephemeral-port mode: attempts at finding a port free for both UDP and TCP. */
const BIND_ATTEMPTS = 8;

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
  private readonly randomTarget: (() => Uint8Array) | undefined;
  private refresher: Refresher | undefined;
  private discoveryStarted = false;
  /** Set for geth ≥ 1.16 profiles: dials nodes whose ENR passes geth's filter. */
  readonly dialer: GethDialer | undefined;
  private startTimer: TimerHandle | undefined;
  private firstRefresh: Promise<void> = Promise.resolve();
  private resolveStarted: (() => void) | undefined;
  private readonly rlpx: PeerRlpx;
  private closed = false;

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
    const rlpx = new PeerRlpx({
      profile: this.profile,
      clock: this.clock,
      timings: this.timings,
      tcpPort: this.tcpPort,
      throttle: this.profile.client === 'geth' ? new InboundThrottle(this.clock, options.inboundThrottle ?? GETH_INBOUND_THROTTLE) : undefined,
      isClosed: () => this.closed,
    });
    this.rlpx = rlpx;
    listener?.onConnection((stream) => rlpx.accept(stream));
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
        dial: (target, signal) => rlpx.dialOut(tcp, target, signal),
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
    return this.rlpx.inboundStats();
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
    this.rlpx.close();
    // Closing the listener destroys every accepted socket, so nothing waits on a remote.
    await Promise.all([this.listener?.close(), this.endpoint.close()]);
  }
}
