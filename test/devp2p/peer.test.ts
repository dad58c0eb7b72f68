/**
 * Devp2pPeer on our own RLPx sessions over memory streams, driven by a ManualClock: two real peers
 * talking, and a scripted peer (test/crawler/probe-scripted-peer.ts) for what a real one never does.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ethCapabilities } from '../../src/devp2p/capabilities.js';
import { P2P_MESSAGE_IDS } from '../../src/devp2p/messages.js';
import {
  DISCONNECT_FLUSH_MS,
  Devp2pPeer,
  MAX_PONGS_PER_SESSION,
  MAX_UNCLAIMED_BYTES,
  MAX_UNCLAIMED_MESSAGES,
} from '../../src/devp2p/peer.js';
import { RemoteDisconnectError } from '../../src/devp2p/errors.js';
import { NodeFinderError } from '../../src/errors.js';
import { ManualClock } from '../../src/net/clock.js';
import { createMemoryStreamPair, randomChunks, type MemoryStream } from '../../src/net/memory-stream.js';
import type { ByteStream } from '../../src/net/transport.js';
import { openRlpx } from '../../src/rlpx/connection.js';
import { ETH_OFFSET, ScriptedPeer, identity, turns, until } from '../crawler/probe-scripted-peer.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  await turns(5);
  expect(unhandled).toEqual([]);
});

const LONG = { timeoutMs: 60_000 };

/** Wrap a stream to see end()/destroy() calls; with `halfOpen`, end() never reaches the remote. */
function tap(stream: MemoryStream, halfOpen = false) {
  const calls: string[] = [];
  const wrapped: ByteStream = {
    get remoteAddress() {
      return stream.remoteAddress;
    },
    get remotePort() {
      return stream.remotePort;
    },
    write: (d) => stream.write(d),
    onData: (h) => stream.onData(h),
    onClose: (h) => stream.onClose(h),
    end: () => {
      calls.push('end');
      if (!halfOpen) stream.end();
    },
    destroy: (e) => {
      calls.push('destroy');
      stream.destroy(e);
    },
  };
  return { wrapped, calls };
}

/** Our Devp2pPeer (as initiator) facing either another Devp2pPeer or a scripted peer. */
async function setup(seed: number, opts: { halfOpen?: boolean } = {}) {
  const clock = new ManualClock();
  const [a, b] = createMemoryStreamPair({ chunkSize: randomChunks(seed, 200) });
  const me = identity();
  const them = identity();
  const t = tap(a, opts.halfOpen);
  const [session, other] = await Promise.all([
    openRlpx({ stream: t.wrapped, clock, privateKey: me.privateKey, remotePublicKey: them.publicKey }),
    ScriptedPeer.accept(b, clock, them),
  ]);
  const peer = new Devp2pPeer({ session, clock, clientId: 'Me/v1', capabilities: ethCapabilities([68]), listenPort: 0, nodeKey: me.publicKey });
  return { clock, peer, other, calls: t.calls, me, them };
}

/** Two Devp2pPeers. */
async function pair(seed: number) {
  const clock = new ManualClock();
  const [a, b] = createMemoryStreamPair({ chunkSize: randomChunks(seed, 200) });
  const x = identity();
  const y = identity();
  const [sa, sb] = await Promise.all([
    openRlpx({ stream: a, clock, privateKey: x.privateKey, remotePublicKey: y.publicKey }),
    openRlpx({ stream: b, clock, privateKey: y.privateKey }),
  ]);
  const mk = (session: typeof sa, id: typeof x, versions: number[]) =>
    new Devp2pPeer({ session, clock, clientId: `Peer-${versions.join('-')}/v1`, capabilities: ethCapabilities(versions), listenPort: 30303, nodeKey: id.publicKey });
  return { clock, a: mk(sa, x, [66, 67, 68]), b: mk(sb, y, [67, 68, 69]) };
}

describe('Devp2pPeer between two of ours', () => {
  it('exchanges HELLO, negotiates the highest shared eth, compresses, and measures PING', async () => {
    const { clock, a, b } = await pair(1);
    const [ha, hb] = await Promise.all([a.awaitHello(LONG), b.awaitHello(LONG)]);
    expect(ha.clientId).toBe('Peer-67-68-69/v1');
    expect(hb.clientId).toBe('Peer-66-67-68/v1');
    expect(a.negotiated).toEqual([{ name: 'eth', version: 68, offset: 0x10, length: 17 }]);
    expect(b.negotiated).toEqual(a.negotiated);
    expect(a.snappy && b.snappy).toBe(true);

    const rtt = a.ping(LONG);
    await turns(3);
    clock.advance(7); // time passes while the PONG travels
    expect(await rtt).toBeGreaterThanOrEqual(0);
    expect(b.stats().pongsSent).toBe(1);

    b.send('eth', 5, Uint8Array.of(0xc1, 0x01));
    const m = await a.awaitMessage('GetBlockBodies', (x) => x.id === 5, LONG);
    expect([...m.payload]).toEqual([0xc1, 0x01]);
    expect(m.capability.name).toBe('eth');

    a.disconnect('client_quitting');
    await expect(b.awaitMessage('never', () => false, LONG)).rejects.toBeInstanceOf(RemoteDisconnectError);
    expect(b.disconnects).toMatchObject([{ direction: 'received', reason: 'client_quitting' }]);
    expect(a.disconnects).toMatchObject([{ direction: 'sent', reason: 'client_quitting' }]);
    expect(() => a.send('eth', 0, new Uint8Array())).toThrow(NodeFinderError);
    await expect(a.ping(LONG)).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('waits time out and abort with typed errors, leaving no timer behind', async () => {
    const { clock, a } = await pair(2);
    await a.awaitHello(LONG);
    const t = a.awaitMessage('nothing', () => false, { timeoutMs: 1000 });
    clock.advance(1000);
    await expect(t).rejects.toMatchObject({ kind: 'timeout' });
    const ac = new AbortController();
    const p = a.awaitMessage('nothing', () => false, { timeoutMs: 1000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ kind: 'aborted' });
    await expect(a.awaitHello({ timeoutMs: 1, signal: ac.signal })).resolves.toBeDefined(); // already there
    await expect(a.ping({ timeoutMs: 1, signal: ac.signal })).rejects.toMatchObject({ kind: 'aborted' });
    expect(clock.pending).toBe(0);
  });
});

describe('Devp2pPeer against a scripted peer', () => {
  it('a pending PING rejects as soon as the session dies, not at its deadline', async () => {
    const { clock, peer, other } = await setup(3);
    other.hello();
    await peer.awaitHello(LONG);
    const p = peer.ping({ timeoutMs: 60_000 });
    await other.next(P2P_MESSAGE_IDS.ping);
    other.session.destroy();
    await expect(p).rejects.toMatchObject({ kind: 'closed' });
    expect(clock.pending).toBe(0);
  });

  it('reads DISCONNECT in every form: compressed, raw after HELLO, bare integer, empty, garbage', async () => {
    const cases: [string, (o: ScriptedPeer) => void, string][] = [
      ['compressed', (o) => o.disconnect('too_many_peers', true), 'too_many_peers'],
      ['raw after HELLO', (o) => o.disconnect('already_connected', false), 'already_connected'],
      ['bare integer', (o) => o.send(P2P_MESSAGE_IDS.disconnect, Uint8Array.of(0x04)), 'too_many_peers'],
      ['empty', (o) => o.send(P2P_MESSAGE_IDS.disconnect, new Uint8Array(0)), 'disconnect_requested'],
      ['garbage', (o) => o.sendRaw(P2P_MESSAGE_IDS.disconnect, Uint8Array.of(0xff, 0xfe, 0xfd)), 'unknown'],
      ['code 0x99', (o) => o.send(P2P_MESSAGE_IDS.disconnect, Uint8Array.of(0xc2, 0x81, 0x99)), 'unknown'],
    ];
    let seed = 10;
    for (const [what, send, reason] of cases) {
      const { peer, other } = await setup(seed++);
      other.hello();
      await peer.awaitHello(LONG);
      send(other);
      const err = await peer.awaitMessage('x', () => false, LONG).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(RemoteDisconnectError);
      expect(peer.disconnects, what).toMatchObject([{ direction: 'received', reason }]);
    }
  });

  it('keeps the earliest unsolicited messages within count and byte budgets; a flood costs nothing more', async () => {
    const { peer, other } = await setup(4);
    other.hello();
    await peer.awaitHello(LONG);
    const big = new Uint8Array(100_000);
    for (let i = 0; i < 200; i++) {
      big[0] = i;
      other.send(ETH_OFFSET + 2, big);
    }
    const small = Uint8Array.of(0xc0);
    for (let i = 0; i < 500; i++) other.send(ETH_OFFSET + 8, small);
    await until(() => peer.stats().messagesReceived >= 701, 'flood delivered');
    const s = peer.stats();
    expect(s.unclaimedBytes).toBeLessThanOrEqual(MAX_UNCLAIMED_BYTES);
    expect(s.unclaimedHeld).toBeLessThanOrEqual(MAX_UNCLAIMED_MESSAGES);
    expect(s.unclaimedHeld + s.unclaimedDropped).toBe(700);
    expect(s.unclaimedHeld).toBe(Math.floor(MAX_UNCLAIMED_BYTES / 100_000) + 22); // 10 big, then small ones up to 32
    const first = await peer.awaitMessage('first', (m) => m.id === 2, LONG);
    expect(first.payload[0]).toBe(0); // the earliest was kept
    expect(peer.stats().unclaimedHeld).toBe(s.unclaimedHeld - 1);
    expect(peer.closed).toBe(false);
  });

  it(`answers at most ${MAX_PONGS_PER_SESSION} PINGs`, async () => {
    const { peer, other } = await setup(5);
    other.hello();
    await peer.awaitHello(LONG);
    for (let i = 0; i < 100; i++) other.send(P2P_MESSAGE_IDS.ping, Uint8Array.of(0xc0));
    await until(() => peer.stats().pongsSent + peer.stats().pingsIgnored === 100);
    expect(peer.stats()).toMatchObject({ pongsSent: MAX_PONGS_PER_SESSION, pingsIgnored: 100 - MAX_PONGS_PER_SESSION });
    await until(() => other.received.filter((m) => m.code === P2P_MESSAGE_IDS.pong).length === MAX_PONGS_PER_SESSION);
  });

  it('base-protocol messages over 2 KiB are refused (too_large, breach_of_protocol)', async () => {
    const { peer, other } = await setup(6);
    other.hello();
    await peer.awaitHello(LONG);
    other.send(P2P_MESSAGE_IDS.ping, new Uint8Array(3000).fill(0xc0));
    await expect(peer.awaitMessage('x', () => false, LONG)).rejects.toMatchObject({ kind: 'too_large' });
    expect(peer.disconnects).toMatchObject([{ direction: 'sent', reason: 'breach_of_protocol' }]);
    await until(() => other.disconnectsReceived().length === 1);
    expect(other.disconnectsReceived()).toEqual(['breach_of_protocol']);
  });

  it('a polite close is bounded: a remote that never finishes its side is cut off after DISCONNECT_FLUSH_MS', async () => {
    const { clock, peer, other, calls } = await setup(7, { halfOpen: true });
    other.hello();
    await peer.awaitHello(LONG);
    peer.disconnect('client_quitting');
    expect(calls).toEqual(['end']);
    await until(() => other.disconnectsReceived().length === 1);
    clock.advance(DISCONNECT_FLUSH_MS - 1);
    expect(calls).toEqual(['end']);
    expect(other.closedWith).toBeUndefined(); // half-open: the remote still holds the connection
    clock.advance(1);
    expect(calls).toEqual(['end', 'destroy']);
    await until(() => other.closedWith !== undefined, 'remote sees the close');
  });

  it('the same bound applies after a DISCONNECT from the remote', async () => {
    const { clock, peer, other, calls } = await setup(8, { halfOpen: true });
    other.disconnect('too_many_peers', false);
    await expect(peer.awaitHello(LONG)).rejects.toMatchObject({ kind: 'disconnected', reason: 'too_many_peers' });
    expect(calls).toEqual(['end']);
    clock.advance(DISCONNECT_FLUSH_MS);
    expect(calls).toEqual(['end', 'destroy']);
  });

  it('destroy() tears down at once, rejecting every wait with the given error', async () => {
    const { peer, calls } = await setup(9);
    const hello = peer.awaitHello(LONG);
    peer.destroy(new NodeFinderError('internal', 'test'));
    await expect(hello).rejects.toMatchObject({ kind: 'internal' });
    expect(calls).toEqual(['destroy']);
    expect(peer.disconnects).toEqual([]);
  });
});
