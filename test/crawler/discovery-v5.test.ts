/**
 * The crawler's discv5 side (src/crawler/discovery-v5.ts): which records are dialed over RLPx
 * (never consensus-layer ones, never without a TCP port), and a V5Discovery on the in-memory UDP
 * network that starts from one enode URL (key only), finds every node of a small network through
 * NODES answers, reports who answered, and learns nodes that open a session with it.
 */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { createEnr, type Enr } from '../../src/enode/enr.js';
import { systemClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { V5Discovery, v5DialTarget, v5Sighting, type V5Source } from '../../src/crawler/discovery-v5.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { makeNode, type TestNode } from '../discv5/helpers.js';
import { Rng } from '../devp2p/fuzz-helpers.js';

const ETH2 = new Uint8Array(16);

function shuffled<T>(rng: Rng, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function rec(fields: { tcp?: number; eth?: boolean; eth2?: boolean; ip6?: boolean }): Enr {
  const endpoint = fields.ip6 ? { ip6: '::1', udp6: 9000, ...(fields.tcp ? { tcp6: fields.tcp } : {}) } : { ip: '127.0.0.1', udp: 9000, ...(fields.tcp ? { tcp: fields.tcp } : {}) };
  return createEnr({
    privateKey: generatePrivateKey(),
    seq: 1n,
    ...endpoint,
    ...(fields.eth ? { eth: { forkHash: Uint8Array.of(1, 2, 3, 4), forkNext: 0n } } : {}),
    ...(fields.eth2 ? { extra: { eth2: ETH2 } } : {}),
  });
}

describe('v5 records: sighting and RLPx dial rule', () => {
  it('dials execution and other records with a TCP port; never consensus-layer ones; never without TCP', () => {
    expect(v5DialTarget(rec({ tcp: 30303, eth: true }))?.tcpPort).toBe(30303);
    expect(v5DialTarget(rec({ tcp: 30303 }))?.tcpPort).toBe(30303); // 'other': old geth had no eth entry
    expect(v5DialTarget(rec({ tcp: 9000, eth2: true }))).toBeUndefined(); // libp2p port
    expect(v5DialTarget(rec({ tcp: 30303, eth: true, eth2: true }))?.tcpPort).toBe(30303); // eth wins
    expect(v5DialTarget(rec({ eth: true }))).toBeUndefined();
    expect(v5DialTarget(rec({ tcp: 30305, eth: true, ip6: true }))).toMatchObject({ ip: '::1', tcpPort: 30305 });
  });

  it('the sighting carries TCP port 0 when the record states none (not the UDP port)', () => {
    expect(v5Sighting(rec({ eth2: true }))).toMatchObject({ ip: '127.0.0.1', udpPort: 9000, tcpPort: 0 });
    expect(v5Sighting(rec({ tcp: 1234, eth2: true }))).toMatchObject({ udpPort: 9000, tcpPort: 1234 });
  });
});

describe('V5Discovery on the in-memory network', () => {
  it('from one enode URL, finds every node by lookups; answers and inbound sessions are reported', async () => {
    const net = new MemoryUdpNetwork();
    // 24 nodes of a settled network: each knows every other, in its own order. A FINDNODE answer
    // holds only the asked distances from the answering node, at most 16 records (the first in
    // its table's order), so finding all takes lookups through several nodes.
    const rng = new Rng(24);
    const nodes: TestNode[] = Array.from({ length: 24 }, (_, i) => makeNode(net.bind(`127.0.3.${i + 1}`, 30303), systemClock));
    for (const n of nodes) for (const m of shuffled(rng, nodes)) n.table.add(m.enr);
    const key = generatePrivateKey();
    const self = createEnr({ privateKey: key, seq: 1n, ip: '127.0.0.1', udp: 30303 });
    const learned = new Map<string, Set<V5Source>>();
    const answered = new Set<string>();
    const boot = nodes[5]!.enr.toNodeRecord()!;
    const d = new V5Discovery({
      transport: net.bind('127.0.0.1', 30303),
      privateKey: key,
      clock: systemClock,
      localEnr: () => self,
      netrestrict: LOOPBACK_ONLY,
      bootnodes: [boot],
      onNode: (enr, source) => {
        const id = bytesToHex(enr.nodeId);
        if (!learned.has(id)) learned.set(id, new Set());
        learned.get(id)!.add(source);
      },
      onAnswer: (id) => answered.add(bytesToHex(id)),
    });
    try {
      d.start();
      const all = nodes.map((n) => bytesToHex(n.enr.nodeId));
      const deadline = Date.now() + 20_000;
      while (!all.every((id) => learned.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(all.filter((id) => !learned.has(id))).toEqual([]);
      expect(answered.has(bytesToHex(boot.id))).toBe(true);
      expect(d.counters().lookups).toBeGreaterThan(0);
      // Table enumeration (enumerate-v5.ts) read the nodes' tables one distance per request.
      expect(d.enumerationStats()!.requests).toBeGreaterThan(nodes.length);
      // Our table answers FINDNODE with the nodes that answered us.
      const asker = makeNode(net.bind('127.0.4.1', 30303), systemClock);
      await asker.endpoint.ping(self);
      expect(learned.get(bytesToHex(asker.enr.nodeId))).toEqual(new Set(['v5_session']));
      const ours = await asker.endpoint.findNode(self, [256, 255, 254]);
      expect(ours.length).toBeGreaterThan(0);
      for (const r of ours) expect(answered.has(bytesToHex(r.nodeId)) || bytesToHex(r.nodeId) === bytesToHex(asker.enr.nodeId)).toBe(true);
      await asker.endpoint.close();
    } finally {
      await d.stop();
      await Promise.all(nodes.map((n) => n.endpoint.close()));
    }
  }, 40_000);
});
