/**
 * The NodeFinder connection policy (IMC 2018 §3): connect, RLPx handshake, HELLO, STATUS (+ fork-ID
 * check), learn the best block number, PING_SAMPLES p2p PINGs for RTT, then leave with client_quitting —
 * recording everything the peer said and every failure as one DialEvent. Used for outbound dials
 * (crawler, `nodefinder ping`) and for inbound connections, which we always accept whatever our
 * peer count (we keep none).
 *
 * Recording (dial-record.ts): `errorKind` is the first failure that cut the policy short, at any stage (so a
 * STATUS followed by an EOF is outcome 'status' with errorKind 'closed'); it stays null when the
 * policy ran to the end or the peer left with DISCONNECT (its reason is in `disconnects`). Optional
 * measurements (best-block header, DAO header, PINGs) that time out are skipped, not errors. When we
 * end a session early we say why, as geth does: ping_timeout for a read timeout, subprotocol_error
 * for a bad eth message, useless_peer without a shared eth version, client_quitting otherwise.
 */
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock } from '../net/clock.js';
import type { ByteStream, TcpDialer } from '../net/transport.js';
import { openRlpx, type RlpxSession } from '../rlpx/connection.js';
import { ethCapabilities, type LocalCapability } from '../devp2p/capabilities.js';
import type { DISCONNECT_REASONS } from '../devp2p/disconnect-reasons.js';
import { RemoteDisconnectError } from '../devp2p/errors.js';
import { Devp2pPeer } from '../devp2p/peer.js';
import { ETH_MESSAGE_IDS, createStatusChecker } from '../eth/status.js';
import { exchangeStatus } from './status-exchange.js';
import { daoForkRequest, daoForkVerdict, decodeBlockHeaders, encodeGetBlockHeaders } from '../eth/headers.js';
import type { NetworkDefinition } from '../eth/networks.js';
import { samplePings } from './ping-samples.js';
import type { DialKind } from '../events.js';
import { bytesToHex } from '../util/bytes.js';
import { NoSharedCapabilityError } from '../devp2p/errors.js';
import { finish, helloInfo, newRecorder, recordError, statusInfo, type ProbeResult, type Recorder } from './dial-record.js';
import { awaitHeaders, optional, requestHeaderNumber } from './header-requests.js';

export { blankDialEvent, dialPolicy, dialVerdict, withDialPolicy, type ProbeResult } from './dial-record.js';

export interface ProbeTimeouts {
  /** TCP connect. */
  connectMs: number;
  /** RLPx auth/ack. */
  handshakeMs: number;
  /** Remote HELLO after the handshake. */
  helloMs: number;
  /** Remote STATUS after HELLO. */
  statusMs: number;
  /** One GetBlockHeaders round trip. */
  headerMs: number;
  /** One p2p PING round trip. */
  pingMs: number;
}

/** geth: dial 15 s, handshake 5 s; peers answer STATUS within a second or two. */
export const DEFAULT_PROBE_TIMEOUTS: ProbeTimeouts = {
  connectMs: 10_000,
  handshakeMs: 5_000,
  helloMs: 5_000,
  statusMs: 5_000,
  headerMs: 3_000,
  pingMs: 3_000,
};

export interface ProbeConfig {
  clock: Clock;
  /** Our node key. */
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  /** Instance ID (hex node ID) recorded with each dial. */
  instance: string;
  clientId: string;
  /** TCP port we listen on, announced in HELLO. */
  listenPort: number;
  network: NetworkDefinition;
  capabilities?: readonly LocalCapability[];
  timeouts?: Partial<ProbeTimeouts>;
  /** p2p PINGs sent after STATUS for RTT samples (default PING_SAMPLES). */
  pingSamples?: number;
  /** Least time between the starts of two PINGs (default PING_SPACING_MS; 0 = back to back). */
  pingSpacingMs?: number;
  /** Ask for the best block's header to learn its number (eth < 69; default true). */
  learnBestBlock?: boolean;
  /** Ask mainnet peers for block 1 920 000 and check the DAO-fork extraData (default false). */
  checkDaoFork?: boolean;
  /** Wait this long for the remote's STATUS before sending ours (default STATUS_FIRST_WAIT_MS). */
  statusWaitMs?: number;
  /** DialEvent IDs (default random UUIDs; simulations pass a seeded generator). */
  newDialId?: () => string;
}

export { PING_SAMPLES, PING_SPACING_MS, withDiscPing } from './ping-samples.js';

/** Dial `node`, run the policy, and return the recorded DialEvent. Never rejects. */
export async function probeOutbound(
  config: ProbeConfig,
  dialer: TcpDialer,
  node: NodeRecord,
  kind: Exclude<DialKind, 'inbound'>,
  signal?: AbortSignal,
  extra?: { discPingMs?: number | null },
): Promise<ProbeResult> {
  const timeouts = { ...DEFAULT_PROBE_TIMEOUTS, ...config.timeouts };
  const rec = newRecorder(config, kind, node.ip, node.tcpPort, bytesToHex(node.id), bytesToHex(node.publicKey));
  let stream: ByteStream | undefined;
  try {
    const connectStart = config.clock.now();
    stream = await dialer.connect(node.ip, node.tcpPort, { timeoutMs: timeouts.connectMs, signal });
    rec.event.connectMs = config.clock.now() - connectStart;
    const handshakeStart = config.clock.now();
    const session = await openRlpx({
      stream,
      clock: config.clock,
      privateKey: config.privateKey,
      remotePublicKey: node.publicKey,
      handshakeTimeoutMs: timeouts.handshakeMs,
      signal,
    });
    rec.event.handshakeMs = config.clock.now() - handshakeStart;
    // auth written → ack received: one round trip plus the remote's ECIES work (not an RTT sample).
    rec.authAckMs = Math.max(0, session.timing.handshakeEndedAt - session.timing.handshakeStartedAt);
    await runSession(config, rec, session, signal);
  } catch (err) {
    recordError(rec, toNodeFinderError(err));
    stream?.destroy();
  }
  return finish(config, rec, extra?.discPingMs ?? null);
}

/** Run the policy on an accepted connection (we are the RLPx recipient). Never rejects. */
export async function probeInbound(config: ProbeConfig, stream: ByteStream, signal?: AbortSignal): Promise<ProbeResult> {
  const timeouts = { ...DEFAULT_PROBE_TIMEOUTS, ...config.timeouts };
  const rec = newRecorder(config, 'inbound', stream.remoteAddress, stream.remotePort, null, null);
  try {
    const handshakeStart = config.clock.now();
    const session = await openRlpx({
      stream,
      clock: config.clock,
      privateKey: config.privateKey,
      handshakeTimeoutMs: timeouts.handshakeMs,
      signal,
    });
    rec.event.handshakeMs = config.clock.now() - handshakeStart;
    rec.event.publicKey = bytesToHex(session.remotePublicKey);
    rec.event.nodeId = bytesToHex(nodeIdFromPublicKey(session.remotePublicKey));
    await runSession(config, rec, session, signal);
  } catch (err) {
    recordError(rec, toNodeFinderError(err));
    stream.destroy();
  }
  return finish(config, rec, null);
}

async function runSession(config: ProbeConfig, rec: Recorder, session: RlpxSession, signal?: AbortSignal): Promise<void> {
  const timeouts = { ...DEFAULT_PROBE_TIMEOUTS, ...config.timeouts };
  const clock = config.clock;
  const peer = new Devp2pPeer({
    session,
    clock,
    clientId: config.clientId,
    capabilities: config.capabilities ?? ethCapabilities(),
    listenPort: config.listenPort,
    nodeKey: config.publicKey,
  });
  try {
    const hello = await peer.awaitHello({ timeoutMs: timeouts.helloMs, signal });
    rec.event.hello = helloInfo(hello);
    const eth = peer.negotiated.find((c) => c.name === 'eth');
    if (!eth) {
      // Nothing to learn beyond HELLO (a snap-only or non-Ethereum peer).
      throw new NoSharedCapabilityError(`no eth version in common (peer offers ${rec.event.hello.caps.join(', ') || 'nothing'})`);
    }
    const nowSeconds = Math.floor(clock.now() / 1000);
    // Our STATUS is never why a peer leaves: we answer with its own (status-exchange.ts).
    const { message: statusMessage, status } = await exchangeStatus(peer, {
      network: config.network,
      version: eth.version,
      nowSeconds,
      timeoutMs: timeouts.statusMs,
      ...(config.statusWaitMs !== undefined ? { waitMs: config.statusWaitMs } : {}),
      ...(signal ? { signal } : {}),
    });
    // The remote sends STATUS once it has our HELLO (either role): HELLO written → STATUS received
    // is one round trip plus the remote's HELLO/STATUS work, kept as its own column, not an RTT sample.
    rec.helloStatusMs = Math.max(0, statusMessage.receivedAt - peer.helloSentAt);
    const assessment = createStatusChecker(config.network)(status, nowSeconds);
    const sameChain = assessment.networkIdMatches && assessment.genesisMatches;
    rec.event.status = statusInfo(status, sameChain ? assessment.forkVerdict : 'unchecked');

    let requestId = 1n;
    if (sameChain && status.shape === 'td' && config.learnBestBlock !== false) {
      const number = await requestHeaderNumber(peer, requestId++, status.bestHash, timeouts.headerMs, signal);
      if (number !== null) rec.event.status.bestBlock = number;
    }
    if (sameChain && config.checkDaoFork) {
      const request = daoForkRequest(config.network, requestId++);
      if (request) {
        peer.send('eth', ETH_MESSAGE_IDS.getBlockHeaders, encodeGetBlockHeaders(request));
        const reply = await optional(peer, signal, awaitHeaders(peer, request.requestId, timeouts.headerMs, signal));
        rec.daoFork = 'unknown';
        if (reply) {
          try {
            rec.daoFork = daoForkVerdict(config.network, decodeBlockHeaders(reply.payload).headers);
          } catch {
            // an undecodable reply leaves the verdict unknown
          }
        }
      }
    }
    await samplePings(clock, peer, rec.rtt, { count: config.pingSamples, spacingMs: config.pingSpacingMs, timeoutMs: timeouts.pingMs, signal });
    peer.disconnect('client_quitting');
  } catch (err) {
    const e = toNodeFinderError(err);
    // A remote DISCONNECT is an answer, not a failure of ours: its reason is in `disconnects`.
    if (!(e instanceof RemoteDisconnectError)) recordError(rec, e);
    if (!peer.closed) peer.disconnect(disconnectReasonFor(e));
  } finally {
    rec.event.disconnects = peer.disconnects.map((d) => ({ ...d }));
  }
}

/** The reason we give when we end a session because of `err` (geth's choices, p2p/peer.go). */
function disconnectReasonFor(err: NodeFinderError): keyof typeof DISCONNECT_REASONS {
  switch (err.kind) {
    case 'timeout':
      return 'ping_timeout'; // DiscReadTimeout: "timeout on receiving a message"
    case 'no_shared_capability':
      return 'useless_peer';
    case 'aborted':
    case 'internal':
      return 'client_quitting';
    default:
      return 'subprotocol_error'; // a bad eth message (STATUS shape, version…)
  }
}
