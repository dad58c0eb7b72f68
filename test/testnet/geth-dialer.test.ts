import { describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { createEnr, type Enr } from '../../src/enode/enr.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { ManualClock } from '../../src/net/clock.js';
import { DIAL_HISTORY_MS, GethDialer, dialsLikeGeth116 } from '../../src/testnet/geth-dialer.js';
import { buildProfiles } from '../../src/testnet/profiles.js';

const GOOD = Uint8Array.of(1, 2, 3, 4);

function remote(ip: string, enrFields: { ip?: string; eth?: boolean; hash?: Uint8Array; tcp?: number } = {}) {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  const node: NodeRecord = { id: keccak256(publicKey), publicKey, ip, udpPort: 30303, tcpPort: 30303 };
  const enr = createEnr({
    privateKey,
    seq: 1n,
    ...(enrFields.ip !== undefined ? { ip: enrFields.ip } : { ip }),
    udp: 30303,
    ...(enrFields.tcp !== 0 ? { tcp: enrFields.tcp ?? 30304 } : {}),
    ...(enrFields.eth === false ? {} : { eth: { forkHash: enrFields.hash ?? GOOD, forkNext: 0n } }),
  });
  return { node, enr };
}

function setup(records: Map<string, Enr>, maxDials = 4) {
  const clock = new ManualClock();
  const dialed: NodeRecord[] = [];
  const release: (() => void)[] = [];
  const d = new GethDialer({
    clock,
    requestEnr: async (node) => {
      const r = records.get(Buffer.from(node.id).toString('hex'));
      if (!r) throw new Error('timeout');
      return r;
    },
    forkFilter: (id) => (id.hash.every((b, i) => b === GOOD[i]) ? 'compatible' : 'incompatible'),
    candidates: () => [],
    dial: (target) => {
      dialed.push(target);
      return new Promise<void>((r) => release.push(r));
    },
    maxDials,
  });
  return { clock, d, dialed, release };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('GethDialer (geth eth/backend.go setupDiscovery rule)', () => {
  it('dials the record’s IP and TCP port only when eth passes the filter and the IP passes CheckRelayAddr', async () => {
    const cases = {
      good: remote('127.0.0.2'),
      noEth: remote('127.0.0.3', { eth: false }),
      wrongFork: remote('127.0.0.4', { hash: Uint8Array.of(9, 9, 9, 9) }),
      special: remote('127.0.0.5', { ip: '203.0.113.9' }),
      noTcp: remote('127.0.0.6', { tcp: 0 }),
      silent: remote('127.0.0.7'),
    };
    const records = new Map<string, Enr>();
    for (const [k, c] of Object.entries(cases)) if (k !== 'silent') records.set(Buffer.from(c.node.id).toString('hex'), c.enr);
    const s = setup(records);
    s.d.start();
    for (const c of Object.values(cases)) s.d.offer(c.node);
    await flush();
    expect(s.dialed).toEqual([{ ...cases.good.node, tcpPort: 30304 }]);
    expect(s.d.stats()).toMatchObject({ enrRequests: 6, enrFailed: 1, noEth: 1, forkRejected: 1, addressRejected: 2, dials: 1 });
    s.release.forEach((r) => r());
    await s.d.stop();
  });

  it('runs at most maxDials at once and does not retry a node within the dial history', async () => {
    const nodes = Array.from({ length: 3 }, (_, i) => remote(`127.0.0.${10 + i}`));
    const s = setup(new Map(nodes.map((n) => [Buffer.from(n.node.id).toString('hex'), n.enr])), 2);
    s.d.start();
    for (const n of nodes) s.d.offer(n.node);
    await flush();
    expect(s.dialed).toHaveLength(2);
    s.release.shift()!();
    await flush();
    expect(s.dialed).toHaveLength(3);
    s.release.forEach((r) => r());
    await flush();
    s.d.offer(nodes[0]!.node); // too soon
    await flush();
    expect(s.dialed).toHaveLength(3);
    s.clock.advance(DIAL_HISTORY_MS);
    s.d.offer(nodes[0]!.node);
    await flush();
    expect(s.dialed).toHaveLength(4);
    s.release.forEach((r) => r());
    await s.d.stop();
    expect(s.clock.pending).toBe(0);
  });

  it('only geth ≥ 1.16 profiles with a listener, not at their peer limit, dial', () => {
    const { profiles } = buildProfiles({ nodes: 200, seed: 3, nowSeconds: 1_765_000_000 });
    const dialing = profiles.filter(dialsLikeGeth116);
    expect(dialing.length).toBeGreaterThan(10);
    for (const p of dialing) {
      expect(p.clientId).toMatch(/^Geth\/v1\.1[6-9]\./);
      expect(p.tcp && !p.full).toBe(true);
    }
    expect(profiles.some((p) => p.client === 'geth' && /^Geth\/v1\.1[45]\./.test(p.clientId) && dialsLikeGeth116(p))).toBe(false);
  });
});
