/**
 * A crawler instance answers FINDNODE only with entries that answered its PING: hearsay (here a
 * bootnode nobody runs) is never relayed. Manual clock (no refresh or lookup runs unless the clock
 * moves), in-memory UDP (src/net/memory-sockets.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { Crawler } from '../../src/crawler/crawler.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { ManualClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { MemorySockets } from '../../src/net/memory-sockets.js';

/** Let in-memory deliveries run (no time passes): at most `turns` event-loop turns. */
async function until(cond: () => boolean, what: string, turns = 1_000): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= turns) throw new Error(`no ${what} after ${turns} event-loop turns`);
    await new Promise((r) => setImmediate(r));
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
    const port = 30303;
    const sockets = new MemorySockets();
    const crawler = new Crawler({
      clock,
      sockets,
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
      transport: sockets.udpNetwork.bind('127.0.0.1', 0, { netrestrict: LOOPBACK_ONLY }),
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
