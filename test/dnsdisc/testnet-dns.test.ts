/** `nodefinder testnet --dns-port`: the peers as a signed DNS tree on loopback, resolvable by the crawler's sync. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsTreeSync } from '../../src/dnsdisc/sync.js';
import { createTxtLookup } from '../../src/dnsdisc/txt-lookup.js';
import { serveTestnetTree, testnetTree, TESTNET_DNS_DOMAIN } from '../../src/testnet/dns-tree.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { portBase, spawnCli, waitFor } from '../integration/helpers.js';

describe('testnet DNS tree', () => {
  let net: Testnet;
  beforeAll(async () => {
    net = await startTestnet({ nodes: 6, seed: 3, port: portBase(), bootnodesPerPeer: 1 });
  });
  afterAll(() => net?.close());

  it('publishes every peer with the record it serves (eth fork ID included); same seed, same link', async () => {
    const dns = await serveTestnetTree(net, { host: '127.0.0.1', port: 0, seed: 3 });
    try {
      expect(dns.tree.link).toBe(testnetTree(net, 3).link);
      expect(dns.tree.link).toMatch(new RegExp(`@${TESTNET_DNS_DOMAIN.replace(/\./g, '\\.')}$`));
      const r = await new DnsTreeSync({ lookup: createTxtLookup({ servers: [dns.server.address] }), links: [dns.tree.link] }).sync();
      expect(r.failures).toEqual({});
      expect(r.changed.map((e) => bytesToHex(e.nodeId)).sort()).toEqual(net.peers.map((p) => bytesToHex(p.profile.nodeId)).sort());
      for (const e of r.changed) expect(e.eth).toBeDefined();
    } finally {
      await dns.server.close();
    }
  });

  it('the CLI prints the link and the server to crawl with, and serves until it stops', async () => {
    const child = spawnCli(['testnet', '--nodes', '4', '--port', String(portBase()), '--dns-port', '0', '--seed', '9', '--duration', '60s', '--enodes-out', '/dev/null']);
    try {
      await waitFor(() => /testnet: DNS tree/.test(child.stderr()), 60_000, 'the DNS tree line');
      const m = /testnet: DNS tree (enrtree:\/\/\S+) served on (127\.0\.0\.1:\d+) \(crawl --dns \S+ --dns-server \S+\)/.exec(child.stderr());
      expect(m, child.stderr()).not.toBeNull();
      const r = await new DnsTreeSync({ lookup: createTxtLookup({ servers: [m![2]!] }), links: [m![1]!] }).sync();
      expect(r.changed).toHaveLength(4);
    } finally {
      child.child.kill('SIGINT');
      await child.exit;
    }
  }, 90_000);
});
