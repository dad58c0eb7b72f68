/**
 * RlpxSession reports when each message's first byte arrived. A peer that writes a frame's header
 * and body separately without TCP_NODELAY (@ethereumjs/devp2p does) has its body held back by Nagle
 * until our delayed ACK (~40 ms): the probe's PING→PONG time must not include that wait.
 */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { ManualClock } from '../../src/net/clock.js';
import { createMemoryStreamPair } from '../../src/net/memory-stream.js';
import type { ByteStream } from '../../src/net/transport.js';
import { openRlpx } from '../../src/rlpx/connection.js';

/** Forwards writes until `capture` is set, then keeps them instead. */
function capturing(stream: ByteStream) {
  const captured: Uint8Array[] = [];
  const state = { capture: false };
  const wrapped: ByteStream = {
    write: (d) => (state.capture ? captured.push(Uint8Array.from(d)) : stream.write(d)),
    onData: (h) => stream.onData(h),
    onClose: (h) => stream.onClose(h),
    end: () => stream.end(),
    destroy: (e) => stream.destroy(e),
    remoteAddress: stream.remoteAddress,
    remotePort: stream.remotePort,
  };
  return { wrapped, captured, state };
}

describe('RLPx first-byte time of each message', () => {
  it('a frame split across reads is timed by its first chunk; frames sharing a chunk by that chunk', async () => {
    const keyA = generatePrivateKey();
    const keyB = generatePrivateKey();
    const clock = new ManualClock(1_000);
    const [sa, sb] = createMemoryStreamPair({});
    const cap = capturing(sa);
    const [a, b] = await Promise.all([
      openRlpx({ stream: cap.wrapped, clock, privateKey: keyA, remotePublicKey: publicKeyFromPrivate(keyB) }),
      openRlpx({ stream: sb, clock, privateKey: keyB }),
    ]);
    const got: { code: number; at: number }[] = [];
    b.onMessage((m, at) => got.push({ code: m.code, at }));

    cap.state.capture = true;
    for (const code of [1, 2, 3, 4]) a.send(code, Uint8Array.of(0xc0));
    const [f1, f2, f3, f4] = cap.captured;
    expect(cap.captured).toHaveLength(4);

    // Frame 1: header at t=2000, body 40 ms later (a Nagle-held second write).
    b.receive(f1!.subarray(0, 32), 2_000);
    b.receive(f1!.subarray(32), 2_040);
    // Frames 2 and the start of 3 in one chunk at t=3000; the rest of 3 and all of 4 at t=3100.
    const both = new Uint8Array([...f2!, ...f3!.subarray(0, 10)]);
    b.receive(both, 3_000);
    b.receive(new Uint8Array([...f3!.subarray(10), ...f4!]), 3_100);

    expect(got).toEqual([
      { code: 1, at: 2_000 },
      { code: 2, at: 3_000 },
      { code: 3, at: 3_000 },
      { code: 4, at: 3_100 },
    ]);
    a.destroy();
    b.destroy();
  });
});
