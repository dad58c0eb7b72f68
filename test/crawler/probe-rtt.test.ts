/**
 * What the probe calls RTT (issue 9 §1): only p2p PING→PONG pairs are samples; the RLPx handshake
 * (auth→ack, the remote's ECIES work) and HELLO→STATUS (its application work) are kept in their own
 * fields; GetBlockHeaders round trips count nowhere. A scripted peer on a ManualClock makes every
 * time exact: it "works" (advances the clock) before its ack, its STATUS, its header and each PONG.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/net/clock.js';
import { createMemoryStreamPair } from '../../src/net/memory-stream.js';
import type { ByteStream } from '../../src/net/transport.js';
import { PING_SAMPLES, PING_SPACING_MS, probeOutbound, withDiscPing } from '../../src/crawler/probe.js';
import { RttEstimator } from '../../src/crawler/rtt.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { localStatus, ETH_MESSAGE_IDS } from '../../src/eth/status.js';
import { decodeGetBlockHeaders, encodeBlockHeaders, encodeHeader } from '../../src/eth/headers.js';
import { keccak256 } from '../../src/crypto/index.js';
import { P2P_MESSAGE_IDS } from '../../src/devp2p/messages.js';
import { ETH_OFFSET, ScriptedPeer, StreamDialer, identity, scriptedProbeConfig, turns, until } from './probe-scripted-peer.js';

const START = 1_780_000_000_000;
const NOW_S = START / 1000;

/** The recipient's side of the stream: its first write (the RLPx ack) happens after `ackWorkMs`. */
function slowAck(stream: ByteStream, clock: ManualClock, ackWorkMs: number): ByteStream {
  let first = true;
  return {
    write(data) {
      if (first) clock.advance(ackWorkMs);
      first = false;
      stream.write(data);
    },
    onData: (h) => stream.onData(h),
    onClose: (h) => stream.onClose(h),
    end: () => stream.end(),
    destroy: (e) => stream.destroy(e),
    get remoteAddress() {
      return stream.remoteAddress;
    },
    get remotePort() {
      return stream.remotePort;
    },
  };
}

describe('probe RTT: p2p PING→PONG only', () => {
  it('stores handshake and HELLO→STATUS apart, ignores the header round trip, and takes the min of the PINGs', async () => {
    const clock = new ManualClock(START);
    const [ours, theirs] = createMemoryStreamPair({});
    const me = identity();
    const them = identity();
    const config = scriptedProbeConfig(clock, me, { learnBestBlock: true });
    const probe = probeOutbound(config, new StreamDialer(ours), them.node, 'dynamic');
    const peer = await ScriptedPeer.accept(slowAck(theirs, clock, 250), clock, them);

    const best = encodeHeader({
      parentHash: new Uint8Array(32), ommersHash: new Uint8Array(32), coinbase: new Uint8Array(20), stateRoot: new Uint8Array(32),
      txRoot: new Uint8Array(32), receiptsRoot: new Uint8Array(32), bloom: new Uint8Array(256), difficulty: 0n, number: 42n,
      gasLimit: 30_000_000n, gasUsed: 0n, time: BigInt(NOW_S), extraData: new Uint8Array(0), mixHash: new Uint8Array(32), nonce: new Uint8Array(8),
    });
    peer.hello();
    await peer.next(ETH_OFFSET + ETH_MESSAGE_IDS.status, 'prober STATUS');
    clock.advance(400); // the peer's HELLO/STATUS work
    peer.status({ ...localStatus(NETWORKS.mainnet, 68, NOW_S), bestHash: keccak256(best), td: 1n } as ReturnType<typeof localStatus>);
    const req = await peer.next(ETH_OFFSET + ETH_MESSAGE_IDS.getBlockHeaders, 'GetBlockHeaders');
    clock.advance(900); // a slow database read
    peer.send(ETH_OFFSET + ETH_MESSAGE_IDS.blockHeaders, encodeBlockHeaders(decodeGetBlockHeaders(req.data).requestId, [best]));

    // Each PONG after a "network" delay; one outlier (a scheduling stall) must not move rtt_ms.
    const delays = [31, 30, 120, 32, 30.5, 33, 30, 31];
    expect(delays).toHaveLength(PING_SAMPLES);
    for (let i = 0; i < delays.length; i++) {
      await until(() => peer.received.filter((m) => m.code === P2P_MESSAGE_IDS.ping).length > i, `PING ${i + 1}`);
      // One PING outstanding at a time: the next comes only after this PONG.
      expect(peer.received.filter((m) => m.code === P2P_MESSAGE_IDS.ping)).toHaveLength(i + 1);
      clock.advance(delays[i]!);
      peer.send(P2P_MESSAGE_IDS.pong, Uint8Array.of(0xc0));
    }
    const { event: e } = await probe;
    expect(e.outcome).toBe('status');
    expect(e.status?.bestBlock).toBe(42n);
    const expected = new RttEstimator();
    for (const d of delays) expected.addSample(d);
    expect(e.rtt).toEqual({
      srttMs: expected.srttMs,
      minMs: 30,
      samples: PING_SAMPLES,
      rttMs: 30,
      rttSource: 'p2p_ping',
      tcpConnectMs: 0,
      discPingMs: null,
      handshakeMs: 250,
      statusMs: 400,
    });
    withDiscPing(e, 2);
    // A discv4 PING is recorded, but the p2p PINGs stay the node's RTT.
    expect([e.rtt?.discPingMs, e.rtt?.rttMs, e.rtt?.rttSource]).toEqual([2, 30, 'p2p_ping']);
  });

  it('PINGs start PING_SPACING_MS apart, one outstanding at a time', async () => {
    const clock = new ManualClock(START);
    const [ours, theirs] = createMemoryStreamPair({});
    const me = identity();
    const them = identity();
    // Default spacing here: this test pins it.
    const config = scriptedProbeConfig(clock, me, { pingSpacingMs: PING_SPACING_MS });
    const probe = probeOutbound(config, new StreamDialer(ours), them.node, 'dynamic');
    const peer = await ScriptedPeer.accept(theirs, clock, them);
    peer.hello();
    await peer.next(ETH_OFFSET + ETH_MESSAGE_IDS.status, 'prober STATUS');
    peer.status(localStatus(NETWORKS.mainnet, 68, NOW_S));
    const pings = () => peer.received.filter((m) => m.code === P2P_MESSAGE_IDS.ping).length;
    for (let i = 0; i < PING_SAMPLES; i++) {
      await until(() => pings() > i, `PING ${i + 1}`);
      clock.advance(2); // the round trip
      peer.send(P2P_MESSAGE_IDS.pong, Uint8Array.of(0xc0));
      if (i === PING_SAMPLES - 1) break;
      await turns(200);
      expect(pings()).toBe(i + 1);
      clock.advance(PING_SPACING_MS - 3);
      await turns(200);
      expect(pings(), 'not before the spacing').toBe(i + 1);
      clock.advance(1);
    }
    const { event: e } = await probe;
    expect(e.rtt).toMatchObject({ samples: PING_SAMPLES, minMs: 2, rttMs: 2, rttSource: 'p2p_ping' });
    expect(e.endedAt - e.startedAt).toBeGreaterThanOrEqual((PING_SAMPLES - 1) * PING_SPACING_MS);
  });

  it('without a p2p PONG the discv4 PING→PONG is the RTT; with neither there is none', () => {
    const base = {
      srttMs: null, minMs: null, samples: 0, rttMs: null, rttSource: null,
      tcpConnectMs: 3, discPingMs: null, handshakeMs: 80, statusMs: null,
    } as const;
    const e = { rtt: { ...base } } as Parameters<typeof withDiscPing>[0];
    withDiscPing(e, null);
    expect([e.rtt?.rttMs, e.rtt?.rttSource]).toEqual([null, null]);
    withDiscPing(e, 12.5);
    expect(e.rtt).toEqual({ ...base, discPingMs: 12.5, rttMs: 12.5, rttSource: 'disc_ping' });
    const bare = { rtt: null } as Parameters<typeof withDiscPing>[0];
    withDiscPing(bare, 7);
    expect(bare.rtt).toMatchObject({ samples: 0, rttMs: 7, rttSource: 'disc_ping', handshakeMs: null, statusMs: null });
    withDiscPing(bare, Number.NaN);
    expect(bare.rtt?.discPingMs).toBe(7);
  });
});
