/** Helpers for integration tests: in-process loopback networks and CLI child processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { Crawler } from '../../src/crawler/crawler.js';
import type { CrawlerEvent } from '../../src/events.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { nodeSockets } from '../../src/net/node-sockets.js';

/** A free-ish port range per test file (each file runs in its own process). */
/**
 * A random base for a block of fixed loopback ports, below Linux's ephemeral range (32768–60999), so
 * that the OS never hands one of them to an outgoing socket of a parallel test (EADDRINUSE).
 */
export function portBase(): number {
  return 20000 + Math.floor(Math.random() * 12000);
}

export function loopbackCrawler(
  instances: number,
  port: number,
  bootnodes: NodeRecord[],
  sink: (e: CrawlerEvent) => void = () => {},
): Crawler {
  return new Crawler({
    clock: systemClock,
    sockets: nodeSockets,
    network: NETWORKS.mainnet,
    bootnodes,
    instances,
    listenHost: '127.0.0.1',
    port,
    netrestrict: LOOPBACK_ONLY,
    maxDials: 16,
    redialIntervalMs: 30 * 60_000,
    expireAfterMs: 24 * 3_600_000,
    maxSockets: 64,
    privateKeys: Array.from({ length: instances }, () => generatePrivateKey()),
    clientId: 'Geth/v1.14.11-stable/linux-amd64/go1.23.2',
    codeVersion: 'test',
    sinks: [sink],
    refreshIntervalMs: 2_000,
  });
}

export function instanceNode(c: Crawler, i: number): NodeRecord {
  const inst = c.instances[i]!;
  return { id: inst.nodeId, publicKey: inst.publicKey, ip: '127.0.0.1', udpPort: inst.udpPort, tcpPort: inst.udpPort };
}

/** A small network: one hub and `n` peers that bootstrap from it; all answer HELLO + STATUS. */
export async function startPeerNetwork(n: number, port: number): Promise<{ hub: Crawler; peers: Crawler; enode: string; ids: string[]; stop(): Promise<void> }> {
  const hub = loopbackCrawler(1, port, []);
  await hub.start();
  const peers = loopbackCrawler(n, port + 1, [instanceNode(hub, 0)]);
  await peers.start();
  const ids = [instanceNode(hub, 0), ...Array.from({ length: n }, (_, i) => instanceNode(peers, i))].map((x) =>
    Buffer.from(x.id).toString('hex'),
  );
  return {
    hub,
    peers,
    enode: formatEnode(instanceNode(hub, 0)),
    ids,
    stop: async () => {
      await peers.stop();
      await hub.stop();
    },
  };
}

const viteNode = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
const cliEntry = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));

export interface CliChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Run the CLI from source in a child process (so it can be killed with SIGKILL). */
export function spawnCli(args: string[]): CliChild {
  const child = spawn(process.execPath, [viteNode, cliEntry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
