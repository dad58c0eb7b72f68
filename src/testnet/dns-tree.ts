/**
 * The testnet's peers as a signed DNS tree (EIP-1459) on a loopback DNS server, so `crawl --dns`
 * can be tried and tested without real DNS. The records are the ones the peers serve themselves
 * (ownRecord); the tree's key follows from the seed, so the same seed gives the same enrtree:// URL.
 */
import { keccak256 } from '../crypto/index.js';
import { makeTree, type SignedTree } from '../dnsdisc/tree.js';
import { fromUtf8 } from '../util/bytes.js';
import { DnsDiscError } from '../dnsdisc/errors.js';
import { DnsTxtServer } from './dns-server.js';
import { ownRecord } from './peer.js';
import type { Testnet } from './testnet.js';

/** The domain the testnet's tree is published under (RFC 6761 reserves .test). */
export const TESTNET_DNS_DOMAIN = 'nodes.nodefinder.test';

export function testnetTreeKey(seed: number): Uint8Array {
  return keccak256(fromUtf8(`nodefinder testnet dns tree ${seed}`));
}

export function testnetTree(testnet: Testnet, seed: number, seq = 1n): SignedTree {
  const enrs = testnet.peers.map((p) => ownRecord(p.profile, p.record.ip, p.record.udpPort, p.tcpPort));
  return makeTree({ enrs, seq, domain: TESTNET_DNS_DOMAIN, privateKey: testnetTreeKey(seed) });
}

export interface TestnetDns {
  server: DnsTxtServer;
  tree: SignedTree;
}

/** Serve the tree on host:port (UDP + TCP; port 0 picks one). */
export async function serveTestnetTree(testnet: Testnet, opts: { host: string; port: number; seed: number }): Promise<TestnetDns> {
  const tree = testnetTree(testnet, opts.seed);
  if (tree.nodes !== testnet.peers.length) throw new DnsDiscError('bad_enr', `only ${tree.nodes} of ${testnet.peers.length} peers went into the tree`);
  const server = await DnsTxtServer.start({ host: opts.host, port: opts.port, records: tree.records });
  return { server, tree };
}
