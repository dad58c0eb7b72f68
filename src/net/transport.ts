/**
 * The small socket interfaces protocol code depends on. Node adapters live in node-udp.ts /
 * node-tcp.ts; tests and simulations use in-memory ones (memory-udp.ts, memory-tcp.ts).
 */
import type { NodeFinderError } from '../errors.js';
import type { Clock } from './clock.js';
import type { Netrestrict } from './netrestrict.js';

export interface UdpAddress {
  address: string; // IPv4 or IPv6 literal
  port: number;
}

export interface UdpTransport {
  /** Send one datagram. Must reject destinations outside the netrestrict list (NetrestrictError). */
  send(data: Uint8Array, to: UdpAddress): void;
  /** Register the single datagram handler. */
  onMessage(handler: (data: Uint8Array, from: UdpAddress) => void): void;
  readonly localAddress: UdpAddress;
  close(): Promise<void>;
}

/** A connected byte stream (a TCP socket, or an in-memory pipe in tests). */
export interface ByteStream {
  write(data: Uint8Array): void;
  onData(handler: (data: Uint8Array) => void): void;
  /** Called once when the stream ends for any reason; `error` is set when it failed. */
  onClose(handler: (error?: Error) => void): void;
  /** Close politely after flushing writes. */
  end(): void;
  /** Tear down at once. */
  destroy(error?: Error): void;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface TcpDialer {
  /** Open a stream; rejects with a typed error (timeout, refused, netrestrict…). */
  connect(host: string, port: number, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ByteStream>;
}

export interface TcpListener {
  onConnection(handler: (stream: ByteStream) => void): void;
  readonly port: number;
  close(): Promise<void>;
}

/** What a socket factory needs to open a UDP socket or TCP listener. */
export interface BindOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Sends, dials and accepted connections outside the allow-list are refused. */
  netrestrict?: Netrestrict;
  /** Asynchronous socket errors (UDP), already typed. */
  onError?: (err: NodeFinderError) => void;
}

/**
 * Where the crawler gets its sockets: the Node adapters (node-sockets.ts) in production, an
 * in-memory network (memory-sockets.ts) in simulations. The crawler never imports node:dgram/net.
 */
export interface SocketFactory {
  udp(options: BindOptions): Promise<UdpTransport>;
  tcpListen(options: BindOptions): Promise<TcpListener>;
  tcpDialer(options: { netrestrict?: Netrestrict; clock: Clock }): TcpDialer;
}
