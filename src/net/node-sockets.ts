/** The production SocketFactory: node:dgram and node:net through the adapters of node-udp.ts and node-tcp.ts. */
import { NodeUdpTransport } from './node-udp.js';
import { NodeTcpDialer, listenTcp } from './node-tcp.js';
import type { SocketFactory } from './transport.js';

export const nodeSockets: SocketFactory = {
  udp: (o) =>
    NodeUdpTransport.bind({
      host: o.host,
      port: o.port,
      ...(o.netrestrict ? { netrestrict: o.netrestrict } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    }),
  tcpListen: (o) => listenTcp({ host: o.host, port: o.port, ...(o.netrestrict ? { netrestrict: o.netrestrict } : {}) }),
  tcpDialer: (o) => new NodeTcpDialer({ clock: o.clock, ...(o.netrestrict ? { netrestrict: o.netrestrict } : {}) }),
};
