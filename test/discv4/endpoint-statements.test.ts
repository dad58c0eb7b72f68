import { describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { createEnr } from '../../src/enode/enr.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { PacketType } from '../../src/discv4/constants.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import { decodePacket, encodePacket, type DecodedPacket } from '../../src/discv4/packet.js';
import { ManualClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import type { UdpAddress } from '../../src/net/transport.js';

/** The hooks LocalNode's IP tracker hangs on: PONG `to` statements and PING contacts. */
describe('discv4 endpoint: endpoint statements and contacts', () => {
  function setup() {
    const clock = new ManualClock();
    const net = new MemoryUdpNetwork({ clock, latencyMs: 5 });
    const statements: [UdpAddress, UdpAddress][] = [];
    const contacts: UdpAddress[] = [];
    const privateKey = generatePrivateKey();
    const e = new Discv4Endpoint({
      privateKey,
      transport: net.bind('10.0.0.1', 30303),
      clock,
      onEndpointStatement: (from, to) => statements.push([from, to]),
      onContact: (to) => contacts.push(to),
    });
    // A scripted remote that answers PINGs with a PONG stating `statedIp` as our address.
    const remoteKey = generatePrivateKey();
    const remotePub = publicKeyFromPrivate(remoteKey);
    const remote: NodeRecord = { id: keccak256(remotePub), publicKey: remotePub, ip: '10.0.0.2', udpPort: 30303, tcpPort: 30303 };
    const t = net.bind('10.0.0.2', 30303);
    const inbox: DecodedPacket[] = [];
    let statedIp = '198.51.7.10';
    t.onMessage((data, from) => {
      const p = decodePacket(data);
      inbox.push(p);
      if (p.type === PacketType.Ping) {
        const exp = Math.floor(clock.now() / 1000) + 20;
        t.send(encodePacket(PacketType.Pong, { to: { ip: statedIp, udpPort: 31000, tcpPort: 0 }, pingHash: p.hash, expiration: exp }, remoteKey).bytes, from);
      }
    });
    return { clock, e, remote, remoteKey, t, statements, contacts, inbox, privateKey, state: (ip: string) => (statedIp = ip) };
  }

  it('reports the `to` of a solicited PONG, and each PING sent as a contact', async () => {
    const s = setup();
    const result = s.e.ping(s.remote);
    await s.clock.advanceAsync(20, 1);
    await result;
    expect(s.contacts).toEqual([{ address: '10.0.0.2', port: 30303 }]);
    expect(s.statements).toEqual([[{ address: '10.0.0.2', port: 30303 }, { address: '198.51.7.10', port: 31000 }]]);
  });

  it('an unsolicited PONG states nothing', async () => {
    const s = setup();
    const exp = Math.floor(s.clock.now() / 1000) + 20;
    s.t.send(
      encodePacket(PacketType.Pong, { to: { ip: '6.6.6.6', udpPort: 1, tcpPort: 0 }, pingHash: new Uint8Array(32), expiration: exp }, s.remoteKey).bytes,
      { address: '10.0.0.1', port: 30303 },
    );
    await s.clock.advanceAsync(20, 1);
    expect(s.statements).toEqual([]);
    expect(s.e.counters().unsolicitedReplies).toBe(1);
  });

  it('a throwing hook is counted, never breaks the reply', async () => {
    const clock = new ManualClock();
    const net = new MemoryUdpNetwork({ clock, latencyMs: 5 });
    const a = new Discv4Endpoint({ privateKey: generatePrivateKey(), transport: net.bind('10.0.0.1', 30303), clock, onEndpointStatement: () => { throw new Error('boom'); } });
    const b = new Discv4Endpoint({ privateKey: generatePrivateKey(), transport: net.bind('10.0.0.2', 30303), clock });
    const r = a.ping({ id: b.nodeId, publicKey: b.publicKey, ip: '10.0.0.2', udpPort: 30303, tcpPort: 30303 });
    await clock.advanceAsync(40, 1);
    await expect(r).resolves.toMatchObject({ rttMs: 10 });
    expect(a.counters().decodeErrors.internal).toBe(1);
  });

  it('PING `from` follows a new record’s IP', async () => {
    const s = setup();
    s.e.setEnr(createEnr({ privateKey: s.privateKey, seq: 5n, ip: '198.51.7.10', udp: 30303, tcp: 30303 }));
    const r = s.e.ping(s.remote);
    await s.clock.advanceAsync(20, 1);
    await r;
    const ping = s.inbox.find((p) => p.type === PacketType.Ping) as Extract<DecodedPacket, { type: 1 }>;
    expect(ping.data.from.ip).toBe('198.51.7.10');
    expect(ping.data.enrSeq).toBe(5n);
  });
});
