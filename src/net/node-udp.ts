/**
 * UdpTransport over node:dgram. Every send is checked against --netrestrict first; socket errors
 * never throw out of the event loop (they go to `onError`). Node hands over whole datagrams (up to
 * 64 KiB), so datagrams above discv4's 1280 bytes are never truncated; the kernel receive buffer
 * is enlarged so bursts of NEIGHBORS replies are not dropped.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import { normalizeIp } from './ip.js';
import type { Netrestrict } from './netrestrict.js';
import type { UdpAddress, UdpTransport } from './transport.js';

/** Kernel receive buffer (SO_RCVBUF): room for a few thousand datagrams of ≤ 2 KiB. */
export const DEFAULT_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export interface NodeUdpOptions {
  /** Local address to bind; '::' gives a dual-stack socket. Default 127.0.0.1. */
  host?: string;
  /** 0 (default) lets the OS choose. */
  port?: number;
  netrestrict?: Netrestrict;
  receiveBufferBytes?: number;
  /** Asynchronous socket errors (failed sends, ICMP errors), already typed. */
  onError?: (err: NodeFinderError) => void;
}

export class NodeUdpTransport implements UdpTransport {
  private handler: ((data: Uint8Array, from: UdpAddress) => void) | undefined;
  private closed = false;
  readonly localAddress: UdpAddress;

  private constructor(
    private readonly socket: Socket,
    private readonly family: 4 | 6,
    private readonly netrestrict: Netrestrict | undefined,
    private readonly onError: ((err: NodeFinderError) => void) | undefined,
  ) {
    const a = socket.address();
    this.localAddress = { address: normalizeIp(a.address) ?? a.address, port: a.port };
    socket.on('message', (msg, rinfo) => {
      if (this.closed || !this.handler) return;
      const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      this.handler(data, { address: normalizeIp(rinfo.address) ?? rinfo.address, port: rinfo.port });
    });
    socket.on('error', (err) => this.onError?.(toNodeFinderError(err)));
  }

  static async bind(options: NodeUdpOptions = {}): Promise<NodeUdpTransport> {
    const host = options.host ?? '127.0.0.1';
    const family = isIP(host);
    if (family === 0) throw new NodeFinderError('socket_error', `UDP bind: ${host} is not an IP literal`);
    const socket = createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      ipv6Only: false,
      recvBufferSize: options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES,
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(toNodeFinderError(err));
      socket.once('error', onError);
      socket.bind(options.port ?? 0, host, () => {
        socket.off('error', onError);
        resolve();
      });
    }).catch((err) => {
      socket.close();
      throw err;
    });
    return new NodeUdpTransport(socket, family === 6 ? 6 : 4, options.netrestrict, options.onError);
  }

  send(data: Uint8Array, to: UdpAddress): void {
    if (this.closed) throw new NodeFinderError('socket_error', 'UDP send on a closed socket');
    const ip = normalizeIp(to.address);
    if (ip === undefined) throw new NodeFinderError('host_unreachable', `UDP send: ${to.address} is not an IP literal`);
    this.netrestrict?.check(ip);
    if (!Number.isInteger(to.port) || to.port <= 0 || to.port > 65535) {
      throw new NodeFinderError('host_unreachable', `UDP send: invalid port ${to.port}`);
    }
    const v6 = ip.includes(':');
    if (v6 && this.family === 4) throw new NodeFinderError('host_unreachable', `UDP send: ${ip} from an IPv4 socket`);
    // A dual-stack socket reaches IPv4 through the mapped form.
    const address = !v6 && this.family === 6 ? `::ffff:${ip}` : ip;
    this.socket.send(data, to.port, address, (err) => {
      if (err) this.onError?.(toNodeFinderError(err));
    });
  }

  onMessage(handler: (data: Uint8Array, from: UdpAddress) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Convenience: bind a Node UDP transport. */
export function bindNodeUdp(options: NodeUdpOptions = {}): Promise<NodeUdpTransport> {
  return NodeUdpTransport.bind(options);
}
