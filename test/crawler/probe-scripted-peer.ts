/**
 * A scripted (possibly hostile) DEVp2p peer for session tests, built from our RLPx primitives only:
 * it completes the RLPx handshake, then sends exactly the frames a test tells it to — well-formed,
 * out of order, uncompressed, garbage — and records every frame it receives.
 */
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import type { NodeFinderError } from '../../src/errors.js';
import { P2P_VERSION, encodeHello, type Hello } from '../../src/devp2p/hello.js';
import { decodeDisconnect, encodeDisconnect, encodeMessageData, P2P_MESSAGE_IDS } from '../../src/devp2p/messages.js';
import type { DISCONNECT_REASONS, DisconnectReasonName } from '../../src/devp2p/disconnect-reasons.js';
import { snappyDecompress } from '../../src/devp2p/snappy.js';
import { encodeStatus, type Status } from '../../src/eth/status.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import type { Clock } from '../../src/net/clock.js';
import type { ProbeConfig } from '../../src/crawler/probe.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { bytesToHex } from '../../src/util/bytes.js';
import type { ByteStream, TcpDialer } from '../../src/net/transport.js';
import { openRlpx, type RlpxSession } from '../../src/rlpx/connection.js';
import type { RlpxMessage } from '../../src/rlpx/frame.js';

/** First eth message id on the wire when eth is the only shared capability (rlpx.md). */
export const ETH_OFFSET = 0x10;

/** A dialer that hands out a prepared stream (the other end of a memory pair). */
export class StreamDialer implements TcpDialer {
  constructor(private readonly stream: ByteStream) {}
  connect(): Promise<ByteStream> {
    return Promise.resolve(this.stream);
  }
}

/** Let the event loop turn `n` times (memory streams deliver through setImmediate). */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Resolve once `cond` holds; throws after `maxTurns` event-loop turns. */
export async function until(cond: () => boolean, what = 'condition', maxTurns = 20_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`${what} never held`);
}

export interface Identity {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  node: NodeRecord;
}

export function identity(port = 30303): Identity {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  return { privateKey, publicKey, node: { id: nodeIdFromPublicKey(publicKey), publicKey, ip: '127.0.0.1', udpPort: port, tcpPort: port } };
}

/**
 * A probe config for scripted peers on a manual clock: our STATUS goes first (these peers wait for it;
 * the echo is status-exchange.test.ts) and PINGs go back to back (the clock moves only when a test
 * advances it; spacing is probe-rtt.test.ts). `extra` overrides.
 */
export function scriptedProbeConfig(clock: Clock, me: Identity, extra: Partial<ProbeConfig> = {}): ProbeConfig {
  return {
    clock,
    privateKey: me.privateKey,
    publicKey: me.publicKey,
    instance: bytesToHex(me.node.id),
    clientId: 'NodeFinder/v0.1.0/linux-amd64/node20',
    listenPort: 30304,
    network: NETWORKS.mainnet,
    learnBestBlock: false,
    statusWaitMs: 0,
    pingSpacingMs: 0,
    ...extra,
  };
}

export class ScriptedPeer {
  /** Frames from the other side, msg-data decompressed when the session compresses (HELLO never). */
  readonly received: RlpxMessage[] = [];
  /** Set once the session closed: undefined for a clean close by us, else the error. */
  closedWith: { error: NodeFinderError | undefined } | undefined;
  /** Compress msg-data (both sides speak p2p ≥ 5) — set by hello(). */
  snappy = false;
  autoPong = false;

  private constructor(
    readonly session: RlpxSession,
    readonly id: Identity,
  ) {
    session.onMessage((m) => this.onFrame(m));
    session.onClose((error) => (this.closedWith = { error }));
  }

  /** Accept the prober's dial on `stream` (we are the RLPx recipient). */
  static async accept(stream: ByteStream, clock: Clock, id: Identity): Promise<ScriptedPeer> {
    return new ScriptedPeer(await openRlpx({ stream, clock, privateKey: id.privateKey }), id);
  }

  /** Dial the prober on `stream` (we are the RLPx initiator). */
  static async dial(stream: ByteStream, clock: Clock, id: Identity, remotePublicKey: Uint8Array): Promise<ScriptedPeer> {
    return new ScriptedPeer(await openRlpx({ stream, clock, privateKey: id.privateKey, remotePublicKey }), id);
  }

  private onFrame(m: RlpxMessage): void {
    let data = m.data;
    if (this.snappy && m.code !== P2P_MESSAGE_IDS.hello) {
      try {
        data = snappyDecompress(m.data);
      } catch {
        // keep as received: the test looks at it
      }
    }
    this.received.push({ code: m.code, data });
    if (this.autoPong && m.code === P2P_MESSAGE_IDS.ping) this.send(P2P_MESSAGE_IDS.pong, Uint8Array.of(0xc0));
  }

  /** Our HELLO (snappy from here on if both versions ≥ 5; the prober speaks 5). */
  hello(overrides: Partial<Hello> = {}): void {
    const hello: Hello = {
      protocolVersion: P2P_VERSION,
      clientId: 'Scripted/v1.0.0/linux-amd64/go1.22.0',
      capabilities: [{ name: 'eth', version: 68 }],
      listenPort: 30303,
      nodeKey: this.id.publicKey,
      ...overrides,
    };
    this.sendRaw(P2P_MESSAGE_IDS.hello, encodeHello(hello));
    this.snappy = hello.protocolVersion >= 5;
  }

  /** A message with msg-data compressed per the session (override with `compress`). */
  send(code: number, payload: Uint8Array, compress = this.snappy): void {
    this.sendRaw(code, encodeMessageData(code, payload, compress));
  }

  sendRaw(code: number, data: Uint8Array): void {
    this.session.send(code, data);
  }

  status(status: Status): void {
    this.send(ETH_OFFSET, encodeStatus(status));
  }

  disconnect(reason: keyof typeof DISCONNECT_REASONS, compress = this.snappy): void {
    this.send(P2P_MESSAGE_IDS.disconnect, encodeDisconnect(reason), compress);
  }

  /** Wait for a frame with this code (the first not yet taken). */
  async next(code: number, what = `frame 0x${code.toString(16)}`): Promise<RlpxMessage> {
    let found: RlpxMessage | undefined;
    await until(() => (found = this.received.find((m) => m.code === code)) !== undefined || this.closedWith !== undefined, what);
    if (!found) throw new Error(`session closed before ${what}`);
    return found;
  }

  /** Reasons of the DISCONNECTs received so far. */
  disconnectsReceived(): DisconnectReasonName[] {
    return this.received.filter((m) => m.code === P2P_MESSAGE_IDS.disconnect).map((m) => decodeDisconnect(m.data).reason);
  }
}
