/**
 * Loopback TCP proxies that add a known network delay: every chunk is forwarded half the round-trip
 * delay after it arrived, in each direction, in order — so a request/response pair through a proxy
 * takes the injected round trip plus loopback. The honest way to give local peers a "distance".
 *
 * The proxies run in a worker thread with its own event loop: a busy peer or crawler in the same
 * process must not make them late (a late proxy would inflate the "network" it stands for).
 */
import { Worker } from 'node:worker_threads';

/**
 * The worker (plain JavaScript: eval'd by worker_threads). Node timers may fire up to a millisecond
 * early against performance.now() (whole-ms, loop-cached time), so a chunk not yet due waits again:
 * a proxy never delivers early, only late.
 */
const WORKER = `
const net = require('node:net');
const { parentPort } = require('node:worker_threads');
const servers = new Map();
function delayedPipe(from, to, delayMs) {
  const queue = [];
  let timer;
  let ended = false;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0].due <= now) {
      const { data } = queue.shift();
      if (!to.destroyed) to.write(data);
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.ceil(queue[0].due - now));
    else if (ended) to.end();
  };
  from.on('data', (chunk) => {
    queue.push({ due: performance.now() + delayMs, data: Buffer.from(chunk) });
    if (timer === undefined) timer = setTimeout(flush, Math.ceil(delayMs));
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0 && timer === undefined) to.end();
  });
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.destroy(), delayMs + 50));
}
parentPort.on('message', (m) => {
  if (m.type === 'open') {
    const sockets = new Set();
    const server = net.createServer((client) => {
      const upstream = net.connect({ host: m.host, port: m.targetPort });
      for (const s of [client, upstream]) {
        s.setNoDelay(true);
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {});
      }
      delayedPipe(client, upstream, m.rttMs / 2);
      delayedPipe(upstream, client, m.rttMs / 2);
    });
    server.listen(0, m.host, () => {
      servers.set(m.id, { server, sockets });
      parentPort.postMessage({ id: m.id, port: server.address().port });
    });
  } else if (m.type === 'close') {
    for (const { server, sockets } of servers.values()) {
      for (const s of sockets) s.destroy();
      server.close();
    }
    parentPort.postMessage({ id: m.id, closed: true });
  }
});
`;

export interface DelayProxies {
  /** A proxy in front of 127.0.0.1:targetPort adding `rttMs` per round trip; resolves to its port. */
  open(targetPort: number, rttMs: number): Promise<number>;
  close(): Promise<void>;
}

export function startDelayProxies(host = '127.0.0.1'): DelayProxies {
  const worker = new Worker(WORKER, { eval: true });
  worker.unref();
  let next = 0;
  const pending = new Map<number, (m: { port?: number }) => void>();
  worker.on('message', (m: { id: number; port?: number }) => {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  const ask = (msg: Record<string, unknown>) =>
    new Promise<{ port?: number }>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      worker.postMessage({ ...msg, id });
    });
  return {
    open: async (targetPort, rttMs) => (await ask({ type: 'open', targetPort, rttMs, host })).port!,
    close: async () => {
      await ask({ type: 'close' });
      await worker.terminate();
    },
  };
}
