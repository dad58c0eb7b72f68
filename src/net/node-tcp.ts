/**
 * TcpDialer and TcpListener on node:net. Every dial is checked against --netrestrict first, has a
 * connect timeout and an AbortSignal; sockets run with TCP_NODELAY (some peers write the frame header
 * and body separately, and we want ours out without Nagle delay). Socket failures are typed with
 * kindFromSystemError.
 */
import { createServer, Socket, type Server } from 'node:net';
import { NodeFinderError, kindFromSystemError, type ErrorKind } from '../errors.js';
import { systemClock, type Clock } from './clock.js';
import type { Netrestrict } from './netrestrict.js';
import type { ByteStream, TcpDialer, TcpListener } from './transport.js';

/** geth's defaultDialTimeout (p2p/dial.go). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/** A socket-level failure: kind from the errno (connection_refused, connection_reset, timeout…). */
export class TcpError extends NodeFinderError {
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind, message, options);
  }

  static from(err: unknown): NodeFinderError {
    if (err instanceof NodeFinderError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const kind = kindFromSystemError(err);
    // A socket error without an errno code is still a socket error, not a bug of ours.
    return new TcpError(kind === 'internal' ? 'socket_error' : kind, message, { cause: err });
  }
}

/** Adapt a connected net.Socket to ByteStream. Errors surface once, through onClose. */
export function socketStream(socket: Socket): ByteStream {
  let closeError: NodeFinderError | undefined;
  let closed = false;
  const closeHandlers: ((error?: Error) => void)[] = [];
  socket.setNoDelay(true);
  socket.on('error', (err) => {
    closeError ??= TcpError.from(err);
  });
  socket.on('close', () => {
    closed = true;
    for (const h of closeHandlers.splice(0)) h(closeError);
  });
  const remoteAddress = socket.remoteAddress ?? '';
  const remotePort = socket.remotePort ?? 0;
  return {
    remoteAddress,
    remotePort,
    write(data) {
      if (!socket.destroyed && socket.writable) socket.write(data);
    },
    onData(handler) {
      // Attaching the listener starts the flow; until then Node buffers, so nothing is lost.
      socket.on('data', (chunk: Buffer) => handler(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    },
    onClose(handler) {
      if (closed) setImmediate(() => handler(closeError));
      else closeHandlers.push(handler);
    },
    end() {
      socket.end();
    },
    destroy(error) {
      if (error) closeError ??= TcpError.from(error);
      socket.destroy();
    },
  };
}

export interface NodeTcpDialerOptions {
  /** Allow-list checked before every dial; unrestricted when absent. */
  netrestrict?: Netrestrict;
  defaultTimeoutMs?: number;
  clock?: Clock;
}

export class NodeTcpDialer implements TcpDialer {
  private readonly netrestrict: Netrestrict | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly clock: Clock;

  constructor(options: NodeTcpDialerOptions = {}) {
    this.netrestrict = options.netrestrict;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
  }

  connect(host: string, port: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ByteStream> {
    return new Promise<ByteStream>((resolve, reject) => {
      try {
        this.netrestrict?.check(host);
      } catch (err) {
        reject(err);
        return;
      }
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        reject(new TcpError('socket_error', `invalid TCP port ${port}`));
        return;
      }
      const { signal } = options;
      if (signal?.aborted) {
        reject(new TcpError('aborted', 'dial aborted', { cause: signal.reason }));
        return;
      }
      const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
      const socket = new Socket();
      let settled = false;
      const settle = (err?: NodeFinderError) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimer(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.removeListener('error', onError);
        if (err) {
          socket.destroy();
          reject(err);
        } else {
          resolve(socketStream(socket));
        }
      };
      const onAbort = () => settle(new TcpError('aborted', 'dial aborted', { cause: signal?.reason }));
      const onError = (err: Error) => settle(TcpError.from(err));
      const timer = this.clock.setTimer(timeoutMs, () =>
        settle(new TcpError('timeout', `TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`)),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.connect({ host, port, noDelay: true }, () => settle());
    });
  }
}

export interface ListenTcpOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Inbound connections from outside the allow-list are dropped at once. */
  netrestrict?: Netrestrict;
}

class NodeTcpListener implements TcpListener {
  private handler: ((stream: ByteStream) => void) | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly server: Server,
    readonly port: number,
    netrestrict: Netrestrict | undefined,
  ) {
    server.on('connection', (socket) => {
      const address = socket.remoteAddress ?? '';
      if (!this.handler || (netrestrict && !netrestrict.allows(address))) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.handler(socketStream(socket));
    });
  }

  onConnection(handler: (stream: ByteStream) => void): void {
    this.handler = handler;
  }

  /** Stop listening and destroy accepted sockets still open, so close never waits on a peer. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}

export function listenTcp(options: ListenTcpOptions = {}): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    const onError = (err: Error) => reject(TcpError.from(err));
    server.once('error', onError);
    server.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 }, () => {
      server.removeListener('error', onError);
      // Later server errors (e.g. EMFILE on accept) must not crash the process.
      server.on('error', () => undefined);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve(new NodeTcpListener(server, port, options.netrestrict));
    });
  });
}
