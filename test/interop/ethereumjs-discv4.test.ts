/**
 * discv4 interop with @ethereumjs/devp2p's DPT over real UDP on 127.0.0.1: we ping it (PONG), it
 * pings us back and adds us to its table, it sends us FINDNODE and uses the nodes of our NEIGHBORS,
 * and we FINDNODE it and get the nodes it learned.
 *
 * ethereumjs notes: a DPT answers FINDNODE without an endpoint proof and pings back any node that
 * pings it (once, 100 ms later); its bootstrap() sends FINDNODE right after its PING is answered,
 * before it has answered our PING — so, as geth would, we ignore that first FINDNODE unless we are
 * already bonded. The tests bond first (we ping it), as a real crawler does.
 */
import { createSocket, type Socket } from 'node:dgram';
import { DPT, type PeerInfo } from '@ethereumjs/devp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate, randomBytes } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { NodeUdpTransport } from '../../src/net/node-udp.js';
import { bytesToHex } from '../../src/util/bytes.js';

interface EjsNode {
  dpt: DPT;
  node: NodeRecord;
  added: string[]; // hex public keys added to its table, in order
  errors: unknown[];
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An ethereumjs DPT on 127.0.0.1 with an ephemeral port (we bind its socket so we know the port). */
async function ejsDpt(): Promise<EjsNode> {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  const socket: Socket = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  const dpt = new DPT(privateKey, {
    endpoint: { address: '127.0.0.1', udpPort: port, tcpPort: port },
    createSocket: () => socket,
    refreshInterval: 3_600_000, // no background FINDNODE rounds during a test
    timeout: 3_000,
  });
  const out: EjsNode = { dpt, node: { id: nodeIdFromPublicKey(publicKey), publicKey, ip: '127.0.0.1', udpPort: port, tcpPort: port }, added: [], errors: [] };
  dpt.events.on('peer:added', (peer: PeerInfo) => out.added.push(bytesToHex(peer.id!)));
  dpt.events.on('error', (err: unknown) => out.errors.push(err)); // e.g. its pings to fake nodes time out
  cleanups.push(() => dpt.destroy());
  return out;
}

/** Our endpoint on 127.0.0.1; `neighbors` is what we answer to FINDNODE. */
async function ours(neighbors: NodeRecord[] = []) {
  const privateKey = generatePrivateKey();
  const transport = await NodeUdpTransport.bind({ host: '127.0.0.1', port: 0, netrestrict: LOOPBACK_ONLY });
  const endpoint = new Discv4Endpoint({
    privateKey,
    transport,
    clock: systemClock,
    tcpPort: 30399,
    closest: () => neighbors,
    responseTimeoutMs: 3_000,
    bondWaitMs: 3_000,
  });
  cleanups.push(() => endpoint.close());
  return endpoint;
}

async function eventually(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('discv4 interop with @ethereumjs/devp2p DPT', () => {
  it('we PING it and get a PONG; it pings us back and adds us to its table', async () => {
    const a = await ejsDpt();
    const me = await ours();
    const pong = await me.ping(a.node);
    expect(pong.rttMs).toBeGreaterThanOrEqual(0);
    expect(pong.enrSeq).toBeUndefined(); // ethereumjs does not implement EIP-868
    await eventually(() => a.added.includes(bytesToHex(me.publicKey)), 'ethereumjs to add us');
    expect(me.counters()).toMatchObject({ pingsSent: 1, pongsReceived: 1, pingsReceived: 1 });
    expect(me.isBonded(a.node)).toBe(true);
    expect(a.errors).toEqual([]);
  });

  it('it sends us FINDNODE and uses the nodes of our NEIGHBORS', async () => {
    const a = await ejsDpt();
    const c = await ejsDpt(); // a node only we know about
    const me = await ours([c.node]);
    await me.ping(a.node);
    await eventually(() => a.added.includes(bytesToHex(me.publicKey)), 'ethereumjs to add us');
    // Now bonded both ways: its FINDNODE gets our NEIGHBORS; it pings C and adds it.
    a.dpt.bootstrap({ id: me.publicKey, address: '127.0.0.1', udpPort: me.localAddress.port, tcpPort: 30399 });
    await eventually(() => a.added.includes(bytesToHex(c.node.publicKey)), 'ethereumjs to add the node from our NEIGHBORS');
    expect(me.counters().findnodeReceived).toBeGreaterThanOrEqual(1);
    expect(me.counters().unbondedRequests).toBe(0);
  });

  it('we FINDNODE it and receive NEIGHBORS with the nodes it learned', async () => {
    const a = await ejsDpt();
    const b = await ejsDpt();
    const c = await ejsDpt();
    for (const x of [b, c]) await a.dpt.addPeer({ address: '127.0.0.1', udpPort: x.node.udpPort, tcpPort: x.node.tcpPort });
    expect(a.dpt.numPeers()).toBe(2);
    const me = await ours();
    const nodes = await me.findNode(a.node, randomBytes(64));
    const got = nodes.map((n) => bytesToHex(n.id)).sort();
    expect(got).toEqual([bytesToHex(b.node.id), bytesToHex(c.node.id)].sort());
    for (const n of nodes) expect([n.ip, n.tcpPort === n.udpPort]).toEqual(['127.0.0.1', true]);
    // It also lists us (it added us while bonding): our own entry is dropped and counted.
    expect(me.counters()).toMatchObject({ findnodeSent: 1, neighborsReceived: 1, nodesLearned: 3, invalidNeighbors: 1 });
  });
});
