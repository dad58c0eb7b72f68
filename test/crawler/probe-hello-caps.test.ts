/**
 * A HELLO whose capability names break the 1–8 printable ASCII rule is recorded, not a protocol
 * breach: the dial still reaches STATUS and the odd names land, escaped, in hello.caps.
 */
import { describe, expect, it } from 'vitest';
import { rlpEncode } from '../../src/util/rlp.js';
import { ManualClock } from '../../src/net/clock.js';
import { createMemoryStreamPair } from '../../src/net/memory-stream.js';
import { probeOutbound } from '../../src/crawler/probe.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { ETH_MESSAGE_IDS, localStatus } from '../../src/eth/status.js';
import { P2P_MESSAGE_IDS } from '../../src/devp2p/messages.js';
import { ETH_OFFSET, ScriptedPeer, StreamDialer, identity, scriptedProbeConfig } from './probe-scripted-peer.js';

const START = 1_780_000_000_000;

describe('probe: odd capability names in HELLO', () => {
  it('are recorded escaped and do not cost the HELLO or the STATUS', async () => {
    const clock = new ManualClock(START);
    const [ours, theirs] = createMemoryStreamPair({ chunkSize: () => 64 });
    const me = identity();
    const them = identity();
    const config = scriptedProbeConfig(clock, me);
    const probe = probeOutbound(config, new StreamDialer(ours), them.node, 'dynamic');
    const peer = await ScriptedPeer.accept(theirs, clock, them);
    peer.autoPong = true;
    const caps = [
      ['eth', 68],
      ['verylongcap', 1],
      [Uint8Array.from([0x65, 0x00, 0xff]), 2],
      ['snap', 1],
    ];
    peer.sendRaw(P2P_MESSAGE_IDS.hello, rlpEncode([5, 'Odd/v1.0.0/linux-amd64/go1.24', caps as never, 30303, them.publicKey]));
    peer.snappy = true;
    await peer.next(ETH_OFFSET + ETH_MESSAGE_IDS.status, 'prober STATUS');
    peer.status(localStatus(NETWORKS.mainnet, 68, START / 1000));
    const { event } = await probe;
    expect(event.errorKind).toBeNull();
    expect(event.outcome).toBe('status');
    expect(event.hello?.caps).toEqual(['eth/68', 'verylongcap/1', 'e\\x00\\xff/2', 'snap/1']);
  });
});
