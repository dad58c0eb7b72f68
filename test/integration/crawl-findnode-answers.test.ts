/**
 * A crawler instance answers FINDNODE only with entries that answered its PING: hearsay (here a
 * bootnode nobody runs) is never relayed. Manual clock (no refresh or lookup runs unless the clock
 * moves), real loopback UDP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { Crawler } from '../../src/crawler/crawler.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { ManualClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { NodeUdpTransport } from '../../src/net/node-udp.js';
import { portBase } from './helpers.js';
import { nodeSockets } from '../../src/net/node-sockets.js';

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('crawler FINDNODE answers', () => {
  it('relay only live entries: the prober that bonded, never the unverified bootnode', async () => {
    const clock = new ManualClock(1_780_000_000_000);
    const ghostPub = publicKeyFromPrivate(generatePrivateKey());
    const ghost: NodeRecord = { id: keccak256(ghostPub), publicKey: ghostPub, ip: '127.0.0.1', udpPort: 9, tcpPort: 9 };
    const port = portBase();
    const crawler = new Crawler({
      clock,
      sockets: nodeSockets,
      network: NETWORKS.mainnet,
      bootnodes: [{ ...ghost, udpPort: 30999, tcpPort: 30999 }],
      instances: 1,
      listenHost: '127.0.0.1',
      port,
      netrestrict: LOOPBACK_ONLY,
      maxDials: 1,
      redialIntervalMs: 30 * 60_000,
      expireAfterMs: 24 * 3_600_000,
      maxSockets: 8,
      privateKeys: [generatePrivateKey()],
      clientId: 'NodeFinder/v0.0.0-test/linux-amd64/node20',
      codeVersion: 'test',
      sinks: [],
      feedLookups: false,
    });
    await crawler.start();
    cleanup.push(() => crawler.stop());
    const inst = crawler.instances[0]!;
    const target: NodeRecord = { id: inst.nodeId, publicKey: inst.publicKey, ip: '127.0.0.1', udpPort: inst.udpPort, tcpPort: inst.udpPort };

    const prober = new Discv4Endpoint({
      privateKey: generatePrivateKey(),
      transport: await NodeUdpTransport.bind({ host: '127.0.0.1', port: 0, netrestrict: LOOPBACK_ONLY }),
      clock,
    });
    cleanup.push(() => prober.close());
    // Bond both ways (our PING, its PING back), then ask; the instance's table: ghost (hearsay) + prober (live).
    const before = prober.counters().neighborsReceived;
    const learned = prober.counters().nodesLearned;
    const answer = prober.findNode(target, ghostPub);
    await until(() => prober.counters().neighborsReceived > before, 'NEIGHBORS');
    clock.advance(1_000); // fewer than 16 entries: the request ends at its reply timeout
    const nodes = await answer;
    expect(prober.counters().neighborsDropped).toEqual({ self: 1 }); // the prober itself, live
    expect(prober.counters().nodesLearned - learned).toBe(1); // one entry in all: no ghost
    expect(nodes).toEqual([]);
  });
});
