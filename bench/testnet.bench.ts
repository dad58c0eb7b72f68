/**
 * The local testnet at the size integration tests crawl (200 peers, one process): how long binding
 * takes, how long until every peer finished its first refresh, what 200 idle peers cost per second
 * of CPU, memory, and how fast our probe gets through all of them.
 */
import { generatePrivateKey, publicKeyFromPrivate } from '../src/crypto/index.js';
import { probeOutbound } from '../src/crawler/probe.js';
import { parseEnode } from '../src/enode/enode-url.js';
import { NETWORKS } from '../src/eth/networks.js';
import { systemClock } from '../src/net/clock.js';
import { LOOPBACK_ONLY } from '../src/net/netrestrict.js';
import { NodeTcpDialer } from '../src/net/node-tcp.js';
import { startTestnet } from '../src/testnet/testnet.js';
import { fmt, type BenchTable } from './table.js';

const NODES = 200;
const IDLE_MS = 10_000;
const PROBE_CONCURRENCY = 16;

const mb = (bytes: number) => fmt(bytes / 1024 / 1024, 0);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

export default async function run(): Promise<BenchTable[]> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const testnet = await startTestnet({ nodes: NODES, seed: 1 });
  const started = performance.now() - t0;
  const rssStarted = process.memoryUsage().rss;
  await testnet.bootstrapped();
  const bootstrapped = performance.now() - t0;
  const bootCpu = cpuMs(process.cpuUsage(cpu0));
  const boot = testnet.stats();

  const idleCpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleCpuPerS = cpuMs(process.cpuUsage(idleCpu0)) / (IDLE_MS / 1000);
  const rssIdle = process.memoryUsage().rss;
  const heapIdle = process.memoryUsage().heapUsed;

  const privateKey = generatePrivateKey();
  const config = {
    clock: systemClock,
    privateKey,
    publicKey: publicKeyFromPrivate(privateKey),
    instance: 'bench',
    clientId: 'NodeFinder/bench',
    listenPort: 0,
    network: NETWORKS.mainnet,
    pingSamples: 1,
  };
  const dialer = new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY });
  const queue = testnet.manifest.peers.slice();
  let matched = 0;
  const p0 = performance.now();
  await Promise.all(
    Array.from({ length: PROBE_CONCURRENCY }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const { event } = await probeOutbound(config, dialer, parseEnode(p.enode), 'dynamic');
        if (event.outcome === p.expected.outcome && event.errorKind === p.expected.errorKind) matched++;
      }
    }),
  );
  const probeS = (performance.now() - p0) / 1000;

  const c0 = performance.now();
  await testnet.close();
  const closeMs = performance.now() - c0;

  return [
    {
      title: `Local testnet: ${NODES} emulated peers in one process`,
      columns: ['measure', 'value'],
      rows: [
        ['bind all sockets (startTestnet resolves)', `${fmt(started)} ms`],
        ['every peer finished its first refresh', `${fmt(bootstrapped / 1000, 1)} s (${fmt(bootCpu / 1000, 1)} s CPU)`],
        ['tables after bootstrap (min / mean / max)', `${boot.table.min} / ${fmt(boot.table.mean, 1)} / ${boot.table.max}`],
        ['discv4 PINGs / FINDNODEs received during bootstrap', `${fmt(boot.discv4.pingsReceived)} / ${fmt(boot.discv4.findnodeReceived)}`],
        ['idle CPU (default 30 s revalidation, 10 min refresh)', `${fmt(idleCpuPerS, 0)} ms per s`],
        ['RSS: before / started / idle', `${mb(rss0)} / ${mb(rssStarted)} / ${mb(rssIdle)} MiB`],
        ['heap used when idle', `${mb(heapIdle)} MiB`],
        [`probe every peer (${PROBE_CONCURRENCY} at a time)`, `${fmt(probeS, 1)} s, ${fmt(NODES / probeS, 0)} peers/s, ${matched}/${NODES} as the manifest says`],
        ['close()', `${fmt(closeMs)} ms`],
      ],
      notes: [
        'Bootstrap is dominated by discv4 crypto (one signature and one recovery per datagram, both on the main thread) and by FINDNODE replies shorter than 16 entries, which the asker waits out (responseTimeoutMs).',
      ],
    },
  ];
}
