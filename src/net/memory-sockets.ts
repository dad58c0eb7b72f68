/**
 * A SocketFactory over the in-memory networks (memory-udp.ts, memory-tcp.ts): the whole crawler,
 * and the test network's peers, run on it in simulations (test/sim) without a socket.
 */
import { MemoryTcpNetwork, type MemoryTcpNetworkOptions } from './memory-tcp.js';
import { MemoryUdpNetwork, type MemoryUdpNetworkOptions } from './memory-udp.js';
import type { SocketFactory } from './transport.js';

export class MemorySockets implements SocketFactory {
  readonly udpNetwork: MemoryUdpNetwork;
  readonly tcpNetwork: MemoryTcpNetwork;

  constructor(options: { udp?: MemoryUdpNetworkOptions; tcp?: MemoryTcpNetworkOptions } = {}) {
    this.udpNetwork = new MemoryUdpNetwork(options.udp);
    this.tcpNetwork = new MemoryTcpNetwork(options.tcp);
  }

  udp: SocketFactory['udp'] = async (o) => this.udpNetwork.bind(o.host, o.port, o.netrestrict ? { netrestrict: o.netrestrict } : {});

  tcpListen: SocketFactory['tcpListen'] = async (o) => this.tcpNetwork.listen(o.host, o.port, o.netrestrict ? { netrestrict: o.netrestrict } : {});

  /**
   * Connections come from the dialer's host. The crawler's dialer has no bind address of its own:
   * in simulations every host dials from the address it listens on, which `dialFrom` names.
   */
  tcpDialer: SocketFactory['tcpDialer'] = (o) => this.tcpNetwork.dialer(this.dialFrom, o.netrestrict ? { netrestrict: o.netrestrict } : {});

  /** Source address of connections opened by tcpDialer (default 127.0.0.1). */
  dialFrom = '127.0.0.1';
}
