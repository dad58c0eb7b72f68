import { describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { systemClock } from '../../src/net/clock.js';
import { NodeTcpDialer, listenTcp } from '../../src/net/node-tcp.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { probeInbound, probeOutbound, dialVerdict, type ProbeConfig } from '../../src/crawler/probe.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { bytesToHex } from '../../src/util/bytes.js';

function config(clientId: string, listenPort: number): ProbeConfig & { publicKey: Uint8Array } {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  return {
    clock: systemClock,
    privateKey,
    publicKey,
    instance: bytesToHex(nodeIdFromPublicKey(publicKey)),
    clientId,
    listenPort,
    network: NETWORKS.mainnet,
  };
}

describe('probe: NodeFinder policy over real TCP on loopback', () => {
  it('an outbound probe and an inbound probe record each other', async () => {
    const listener = await listenTcp({ host: '127.0.0.1', port: 0 });
    const server = config('NodeFinder-B/v0.1.0/linux-amd64/node20', listener.port);
    const inbound = new Promise<Awaited<ReturnType<typeof probeInbound>>>((resolve) =>
      listener.onConnection((stream) => void probeInbound(server, stream).then(resolve)),
    );
    const client = config('NodeFinder-A/v0.1.0/linux-amd64/node20', 0);
    const node = {
      id: nodeIdFromPublicKey(server.publicKey),
      publicKey: server.publicKey,
      ip: '127.0.0.1',
      udpPort: listener.port,
      tcpPort: listener.port,
    };
    const out = await probeOutbound(client, new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY }), node, 'dynamic');
    const inb = await inbound;
    await listener.close();

    expect(out.event.errorKind).toBeNull();
    expect(out.event.outcome).toBe('status');
    expect(out.event.hello?.clientName).toBe('NodeFinder-B');
    expect(out.event.status?.networkId).toBe(1n);
    expect(out.event.status?.forkVerdict).toBe('compatible');
    expect(out.event.rtt?.samples).toBeGreaterThanOrEqual(2);
    // Both sides run the same policy, so whichever finishes its PINGs first says client_quitting.
    expect(out.event.disconnects.map((d) => d.reason)).toContain('client_quitting');
    expect(dialVerdict(out.event)).toBe('hello');

    expect(inb.event.kind).toBe('inbound');
    expect(inb.event.nodeId).toBe(client.instance);
    expect(inb.event.hello?.clientName).toBe('NodeFinder-A');
    expect(inb.event.outcome).toBe('status');
  });
});
