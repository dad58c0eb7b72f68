/** The stream adapters under RLPx: the in-memory pair (split/coalesce/EOF) and node:net on 127.0.0.1. */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { ManualClock } from '../../src/net/clock.js';
import { createMemoryStreamPair, randomChunks } from '../../src/net/memory-stream.js';
import { LOOPBACK_ONLY, Netrestrict } from '../../src/net/netrestrict.js';
import { NodeTcpDialer, listenTcp } from '../../src/net/node-tcp.js';
import type { ByteStream } from '../../src/net/transport.js';

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('memory stream pair', () => {
  it('delivers every byte in order, split and coalesced by the chunk chooser', async () => {
    const [a, b] = createMemoryStreamPair({ chunkSize: randomChunks(5, 7) });
    const reads: Uint8Array[] = [];
    b.onData((d) => reads.push(d));
    const writes = Array.from({ length: 50 }, (_, i) => Uint8Array.from({ length: i + 1 }, (_, j) => (i * 31 + j) & 0xff));
    for (const w of writes) a.write(w);
    await turns(2000);
    expect(Buffer.concat(reads)).toEqual(Buffer.concat(writes));
    // Split: some write arrives in several reads. Coalesced: some read spans two writes.
    const boundaries = new Set<number>();
    let at = 0;
    for (const w of writes) boundaries.add((at += w.length));
    let pos = 0;
    let spans = 0;
    for (const r of reads) {
      for (let k = pos + 1; k < pos + r.length; k++) if (boundaries.has(k)) spans++;
      pos += r.length;
    }
    expect(spans).toBeGreaterThan(0);
    expect(reads.length).toBeGreaterThan(writes.length);
    expect(Math.max(...reads.map((r) => r.length))).toBeLessThanOrEqual(7);
  });

  it('coalesces writes made in one turn into one read when the chooser takes all', async () => {
    const [a, b] = createMemoryStreamPair();
    const reads: Uint8Array[] = [];
    b.onData((d) => reads.push(d));
    a.write(Uint8Array.of(1));
    a.write(Uint8Array.of(2, 3));
    await turns(3);
    expect(reads).toEqual([Uint8Array.of(1, 2, 3)]);
  });

  it('holds data until a handler is set; end() delivers then closes both sides cleanly', async () => {
    const [a, b] = createMemoryStreamPair();
    const events: string[] = [];
    a.onClose((e) => events.push(`a:${e ? 'err' : 'ok'}`));
    b.onClose((e) => events.push(`b:${e ? 'err' : 'ok'}`));
    a.write(Uint8Array.of(7));
    a.end();
    a.write(Uint8Array.of(8)); // after end: dropped
    await turns(3);
    const reads: number[] = [];
    b.onData((d) => reads.push(...d));
    await turns(5);
    expect(reads).toEqual([7]);
    expect(events.sort()).toEqual(['a:ok', 'b:ok']);
  });

  it('destroy(err) closes this side with the error; the peer gets what was written, then EOF', async () => {
    const [a, b] = createMemoryStreamPair();
    const reads: number[] = [];
    let aErr: Error | undefined;
    let bClosed: Error | undefined | 'open' = 'open';
    a.onClose((e) => (aErr = e));
    b.onClose((e) => (bClosed = e));
    b.onData((d) => reads.push(...d));
    a.write(Uint8Array.of(1, 2));
    a.destroy(new Error('boom'));
    await turns(5);
    expect(aErr?.message).toBe('boom');
    expect(reads).toEqual([1, 2]);
    expect(bClosed).toBeUndefined();
  });
});

describe('node:net dialer and listener (127.0.0.1 only)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it('a closed port → connection_refused', async () => {
    // Bind then release a port so that nothing listens on it.
    const l = await listenTcp({ host: '127.0.0.1', port: 0 });
    const port = l.port;
    await l.close();
    await expect(new NodeTcpDialer().connect('127.0.0.1', port)).rejects.toMatchObject({ kind: 'connection_refused' });
  });

  it('netrestrict is checked before dialing; invalid ports are refused without a socket', async () => {
    const dialer = new NodeTcpDialer({ netrestrict: new Netrestrict(['10.0.0.0/8']) });
    await expect(dialer.connect('127.0.0.1', 30303)).rejects.toMatchObject({ kind: 'netrestrict' });
    await expect(dialer.connect('localhost', 30303)).rejects.toMatchObject({ kind: 'netrestrict' });
    await expect(new NodeTcpDialer().connect('127.0.0.1', 70000)).rejects.toMatchObject({ kind: 'socket_error' });
  });

  it('connect timeout on the injected clock, and abort before/while connecting', async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const clock = new ManualClock();
    const dialer = new NodeTcpDialer({ clock, netrestrict: LOOPBACK_ONLY });
    const p = dialer.connect('127.0.0.1', port, { timeoutMs: 1000 });
    clock.advance(1000); // fires before the loopback connect can complete
    await expect(p).rejects.toMatchObject({ kind: 'timeout' });
    const ac = new AbortController();
    ac.abort();
    await expect(dialer.connect('127.0.0.1', port, { signal: ac.signal })).rejects.toMatchObject({ kind: 'aborted' });
    const ac2 = new AbortController();
    const q = dialer.connect('127.0.0.1', port, { signal: ac2.signal });
    ac2.abort();
    await expect(q).rejects.toMatchObject({ kind: 'aborted' });
    expect(clock.pending).toBe(0);
  });

  it('listener: bytes flow both ways, the remote close is seen, and close() drops open sockets', async () => {
    const listener = await listenTcp({ host: '127.0.0.1', port: 0 });
    const inbound = new Promise<ByteStream>((r) => listener.onConnection(r));
    const out = await new NodeTcpDialer().connect('127.0.0.1', listener.port);
    const inb = await inbound;
    const got: number[] = [];
    const done = new Promise<void>((r) => inb.onData((d) => (got.push(...d), got.length === 3 && r())));
    out.write(Uint8Array.of(1, 2, 3));
    await done;
    expect(got).toEqual([1, 2, 3]);
    const outClosed = new Promise<Error | undefined>((r) => out.onClose(r));
    await listener.close();
    const err = await outClosed;
    expect(err === undefined || ['connection_reset', 'socket_error'].includes((err as { kind?: string }).kind ?? '')).toBe(true);
  });
});
