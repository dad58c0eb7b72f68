/**
 * Child process for crawl-rtt.test.ts: real @ethereumjs/devp2p nodes (DPT + RLPx + ETH) on 127.0.0.1,
 * some behind delay proxies (in a worker thread of their own), all bootstrapped off the first. Remote peers live in another process, as
 * they would on a network: their CPU work and timers do not share the crawler's event loop.
 *
 * argv[2]: JSON array of injected round trips in ms (0 = reached directly).
 * Prints one JSON line: [{ id, publicKey, udpPort, tcpPort, delayMs }] (hex), then runs until its
 * stdin closes (the test ended or died) or it is signalled.
 */
import { bytesToHex } from '../../src/util/bytes.js';
import { startEjsNode, type EjsNode } from '../interop/ethereumjs-node.js';
import { startDelayProxies } from './delay-proxy.js';

const delays = JSON.parse(process.argv[2] ?? '[]') as number[];
const nodes: { node: EjsNode; delayMs: number }[] = [];
const proxies = startDelayProxies();

const shutdown = () => {
  for (const { node } of nodes) node.close();
  void proxies.close();
  setTimeout(() => process.exit(0), 100);
};
process.on('SIGTERM', shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();

for (const delayMs of delays) {
  const tcpFront =
    delayMs > 0
      ? (port: number) => proxies.open(port, delayMs)
      : undefined;
  nodes.push({ node: await startEjsNode({ withDpt: true, tcpFront }), delayMs });
}
// Each pings the first (which pings back and adds it), so the first knows them all.
const hub = nodes[0]!.node;
for (const { node } of nodes.slice(1)) await node.dpt!.addPeer({ address: '127.0.0.1', udpPort: hub.node.udpPort, tcpPort: hub.node.tcpPort });
const deadline = Date.now() + 20_000;
while (hub.dpt!.numPeers() < nodes.length - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

process.stdout.write(
  `${JSON.stringify(
    nodes.map(({ node, delayMs }) => ({
      id: bytesToHex(node.node.id),
      publicKey: bytesToHex(node.node.publicKey),
      udpPort: node.node.udpPort,
      tcpPort: node.node.tcpPort,
      delayMs,
      hubPeers: hub.dpt!.numPeers(),
    })),
  )}\n`,
);
