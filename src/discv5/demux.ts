/**
 * Port sharing with discovery v4, as geth does (p2p/discover/v4_udp.go readLoop hands packets that
 * fail v4's decoding to the v5 listener through `Unhandled`): a datagram whose first 32 bytes are
 * keccak256 of the rest is discv4 (a discv5 packet starts with a random masking IV, so this is
 * wrong with probability 2^-256); anything else within discv5's size bounds goes to discv5.
 */
import { keccak256 } from '../crypto/index.js';
import type { UdpAddress, UdpTransport } from '../net/transport.js';
import { equalBytes } from '../util/bytes.js';
import { MAX_PACKET_SIZE, MIN_PACKET_SIZE } from './constants.js';

/** discv4: hash(32) || signature(65) || type(1) (discv4.md "Wire Protocol"). */
const DISCV4_MIN_SIZE = 98;

export type DatagramProtocol = 'discv4' | 'discv5' | 'none';

/** Which protocol a datagram on a shared port belongs to. Pure; never throws. */
export function classifyDatagram(data: Uint8Array): DatagramProtocol {
  if (data.length >= DISCV4_MIN_SIZE && equalBytes(keccak256(data.subarray(32)), data.subarray(0, 32))) return 'discv4';
  if (data.length >= MIN_PACKET_SIZE && data.length <= MAX_PACKET_SIZE) return 'discv5';
  return 'none';
}

export interface SharedTransports {
  v4: UdpTransport;
  v5: UdpTransport;
  /** Datagrams that were neither (counted, dropped). */
  readonly dropped: number;
}

/**
 * Split one socket into two views: each protocol's endpoint gets its own UdpTransport that only
 * receives its datagrams; both send through the socket, which closes once both views are closed.
 */
export function shareTransport(socket: UdpTransport): SharedTransports {
  const handlers: Partial<Record<'discv4' | 'discv5', (data: Uint8Array, from: UdpAddress) => void>> = {};
  let open = 2;
  let dropped = 0;
  socket.onMessage((data, from) => {
    const p = classifyDatagram(data);
    const h = p === 'none' ? undefined : handlers[p];
    if (h) h(data, from);
    else dropped++;
  });
  const view = (p: 'discv4' | 'discv5'): UdpTransport => {
    let closed = false;
    return {
      send: (data, to) => socket.send(data, to),
      onMessage: (handler) => {
        handlers[p] = handler;
      },
      get localAddress() {
        return socket.localAddress;
      },
      async close() {
        if (closed) return;
        closed = true;
        delete handlers[p];
        if (--open === 0) await socket.close();
      },
    };
  };
  return {
    v4: view('discv4'),
    v5: view('discv5'),
    get dropped() {
      return dropped;
    },
  };
}
