/**
 * RLPx + DEVp2p + eth interop with real @ethereumjs/devp2p peers over TCP on 127.0.0.1: our probe
 * as initiator and as responder completes HELLO and STATUS (eth/68: ethereumjs offers 66–68, we
 * 66–70), the fork IDs agree both ways (its Common is set to today's fork), and a full ethereumjs
 * node (maxPeers 0) answers TOO_MANY_PEERS.
 *
 * ethereumjs quirks met here: it sends DISCONNECT uncompressed even after p2p/5 HELLOs (we accept
 * both forms); it refuses a full house only after the HELLO exchange (geth refuses before), so the
 * event has a HELLO and dialVerdict is still too_many_peers.
 */
import { DISCONNECT_REASON } from '@ethereumjs/devp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { PING_SAMPLES, dialVerdict, probeInbound, probeOutbound, type ProbeConfig, type ProbeResult } from '../../src/crawler/probe.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { currentForkId } from '../../src/eth/fork-id.js';
import { forkSchedule } from '../../src/eth/networks.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { NodeTcpDialer, listenTcp } from '../../src/net/node-tcp.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { EJS_BEST_BLOCK, EJS_CLIENT_ID, startEjsNode, type EjsNode } from './ethereumjs-node.js';

const nodes: EjsNode[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) n.close();
  for (const c of closers.splice(0)) await c();
});

async function ejs(options: Parameters<typeof startEjsNode>[0] = {}): Promise<EjsNode> {
  const n = await startEjsNode(options);
  nodes.push(n);
  return n;
}

function ourConfig(listenPort = 0): ProbeConfig {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  return {
    clock: systemClock,
    privateKey,
    publicKey,
    instance: bytesToHex(nodeIdFromPublicKey(publicKey)),
    clientId: 'NodeFinder/v0.1.0/linux-x64/node20',
    listenPort,
    network: NETWORKS.mainnet,
  };
}

async function eventually(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What both sides must have seen after a complete session. */
function expectFullSession(e: ProbeResult['event'], them: EjsNode): void {
  expect(e.errorKind).toBeNull();
  expect(e.outcome).toBe('status');
  expect(e.hello).toMatchObject({ clientId: EJS_CLIENT_ID, clientName: 'EthereumJS', p2pVersion: 5, caps: ['eth/66', 'eth/67', 'eth/68'] });
  expect(e.status).toMatchObject({
    ethVersion: 68,
    networkId: 1n,
    genesisHash: NETWORKS.mainnet.genesisHash,
    bestHash: bytesToHex(them.bestHash),
    totalDifficulty: 58_750_003_716_598_352_816_469n,
    forkVerdict: 'compatible',
    bestBlock: EJS_BEST_BLOCK,
  });
  const ours = currentForkId(forkSchedule(NETWORKS.mainnet), Math.floor(Date.now() / 1000));
  expect(e.status?.forkHash).toBe(bytesToHex(ours.hash));
  expect(e.disconnects.map((d) => `${d.direction}:${d.reason}`)).toEqual(['sent:client_quitting']);
  expect(dialVerdict(e)).toBe('hello');
  // ethereumjs accepted our STATUS (its fork-ID check included), then our DISCONNECT.
  expect(them.statuses).toHaveLength(1);
  expect(bytesToHex(them.statuses[0]!.forkId[0]!)).toBe(bytesToHex(ours.hash));
  expect(them.errors).toEqual([]);
}

describe('RLPx interop with @ethereumjs/devp2p', () => {
  it('as initiator: our probe completes HELLO, STATUS, a header request and PINGs with an ethereumjs peer', async () => {
    const them = await ejs();
    const { event: e } = await probeOutbound(ourConfig(), new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY }), them.node, 'dynamic');
    expectFullSession(e, them);
    expect(e.kind).toBe('dynamic');
    expect(e.nodeId).toBe(bytesToHex(them.node.id));
    expect(e.connectMs).not.toBeNull();
    // ethereumjs answers every p2p PING: those are the RTT samples; handshake and STATUS stand apart.
    expect(e.rtt?.samples).toBe(PING_SAMPLES);
    expect(e.rtt?.rttSource).toBe('p2p_ping');
    expect(e.rtt?.handshakeMs).not.toBeNull();
    expect(e.rtt?.statusMs).not.toBeNull();
    await eventually(() => them.removed.length === 1, 'ethereumjs to see the DISCONNECT');
    expect(them.removed[0]).toEqual({ reason: DISCONNECT_REASON.CLIENT_QUITTING, disconnectWe: false });
  });

  it('as responder: an ethereumjs peer dials our listener and probeInbound records its HELLO and STATUS', async () => {
    const listener = await listenTcp({ host: '127.0.0.1', port: 0, netrestrict: LOOPBACK_ONLY });
    closers.push(() => listener.close());
    const config = ourConfig(listener.port);
    const inbound = new Promise<ProbeResult>((resolve) => listener.onConnection((stream) => void probeInbound(config, stream).then(resolve)));
    const them = await ejs();
    await them.rlpx.connect({ id: config.publicKey, address: '127.0.0.1', tcpPort: listener.port });
    const { event: e } = await inbound;
    expectFullSession(e, them);
    expect(e.kind).toBe('inbound');
    expect(e.nodeId).toBe(bytesToHex(them.node.id));
    expect(e.publicKey).toBe(bytesToHex(them.node.publicKey));
    expect(e.connectMs).toBeNull();
    await eventually(() => them.removed.length === 1, 'ethereumjs to see the DISCONNECT');
    expect(them.removed[0]?.reason).toBe(DISCONNECT_REASON.CLIENT_QUITTING);
  });

  it('TOO_MANY_PEERS: a full ethereumjs node (maxPeers 0) refuses us after HELLO', async () => {
    const them = await ejs({ maxPeers: 0 });
    const { event: e } = await probeOutbound(ourConfig(), new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY }), them.node, 'dynamic');
    expect(e.disconnects.map((d) => `${d.direction}:${d.reason}`)).toEqual(['received:too_many_peers']);
    expect(dialVerdict(e)).toBe('too_many_peers');
    expect(e.outcome).toBe('hello');
    expect(e.hello?.clientId).toBe(EJS_CLIENT_ID);
    expect(e.status).toBeNull();
    expect(e.errorKind).toBeNull();
    expect(them.added).toHaveLength(0);
  });
});
