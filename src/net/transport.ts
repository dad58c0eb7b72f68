/**
 * The small socket interfaces protocol code depends on. Node adapters live in node-udp.ts /
 * node-tcp.ts; tests use in-memory implementations (memory.ts).
 */

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
