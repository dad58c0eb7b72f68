/**
 * The probe against scripted, often hostile peers (test/crawler/probe-scripted-peer.ts) over memory
 * streams that split and coalesce reads, with a ManualClock for every timeout. Each case checks the
 * DialEvent (outcome, errorKind, DISCONNECTs both ways), what the peer received, and that nothing
 * rejected unhandled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../src/errors.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { ManualClock } from '../../src/net/clock.js';
import { createMemoryStreamPair, randomChunks } from '../../src/net/memory-stream.js';
import { DEFAULT_PROBE_TIMEOUTS, PING_SAMPLES, dialVerdict, probeInbound, probeOutbound, type ProbeConfig, type ProbeResult } from '../../src/crawler/probe.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { localStatus, ETH_MESSAGE_IDS, decodeStatus } from '../../src/eth/status.js';
import { decodeGetBlockHeaders, encodeBlockHeaders, encodeHeader } from '../../src/eth/headers.js';
import { keccak256 } from '../../src/crypto/index.js';
import { P2P_MESSAGE_IDS } from '../../src/devp2p/messages.js';
import { ETH_OFFSET, ScriptedPeer, StreamDialer, identity, turns, until, type Identity } from './probe-scripted-peer.js';
import { Rng } from '../devp2p/fuzz-helpers.js';

/** 2026-05-28: mainnet's fork ID is BPO2's, with no next fork. */
const START = 1_780_000_000_000;
const NOW_S = START / 1000;
const T = DEFAULT_PROBE_TIMEOUTS;

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

function config(clock: ManualClock, me: Identity, extra: Partial<ProbeConfig> = {}): ProbeConfig {
  return {
    clock,
    privateKey: me.privateKey,
    publicKey: me.publicKey,
    instance: bytesToHex(me.node.id),
    clientId: 'NodeFinder/v0.1.0/linux-amd64/node20',
    listenPort: 30304,
    network: NETWORKS.mainnet,
    learnBestBlock: false,
    statusWaitMs: 0, // these scripted peers wait for our STATUS (echoing theirs: status-exchange.test.ts)
    // The ManualClock moves only when a test advances it: PINGs go back to back here
    // (probe-rtt.test.ts covers their spacing).
    pingSpacingMs: 0,
    ...extra,
  };
}

interface Run {
  clock: ManualClock;
  peer: ScriptedPeer;
  probe: Promise<ProbeResult>;
  settled: () => boolean;
}

let seed = 1;

/** Start an outbound probe towards a scripted peer; returns once the RLPx handshake is done. */
async function outbound(extra: Partial<ProbeConfig> = {}, signal?: AbortSignal, chunkSize = randomChunks(seed++, 300)): Promise<Run> {
  const clock = new ManualClock(START);
  const [ours, theirs] = createMemoryStreamPair({ chunkSize });
  const me = identity();
  const them = identity();
  let done = false;
  const probe = probeOutbound(config(clock, me, extra), new StreamDialer(ours), them.node, 'dynamic', signal);
  void probe.then(() => (done = true));
  const peer = await ScriptedPeer.accept(theirs, clock, them);
  return { clock, peer, probe, settled: () => done };
}

/** Run a whole script and return the event. */
async function script(fn: (run: Run) => Promise<void> | void, extra: Partial<ProbeConfig> = {}): Promise<ProbeResult['event'] & { peer: ScriptedPeer }> {
  const run = await outbound(extra);
  await fn(run);
  const { event } = await run.probe;
  return Object.assign(event, { peer: run.peer });
}

/** The well-behaved part: HELLO, wait for the prober's STATUS, answer with ours. */
async function helloAndStatus(run: Run, status = localStatus(NETWORKS.mainnet, 68, NOW_S)): Promise<void> {
  run.peer.autoPong = true;
  run.peer.hello();
  await run.peer.next(ETH_OFFSET + ETH_MESSAGE_IDS.status, 'prober STATUS');
  run.peer.status(status);
}

const sent = (e: { disconnects: { direction: string; reason: string }[] }) => e.disconnects.filter((d) => d.direction === 'sent').map((d) => d.reason);
const received = (e: { disconnects: { direction: string; reason: string }[] }) =>
  e.disconnects.filter((d) => d.direction === 'received').map((d) => d.reason);

describe('probe against a well-behaved scripted peer', () => {
  it('HELLO + STATUS + header + PINGs → status, client_quitting; the peer sees our HELLO, STATUS and DISCONNECT', async () => {
    const best = encodeHeader({
      parentHash: new Uint8Array(32), ommersHash: new Uint8Array(32), coinbase: new Uint8Array(20), stateRoot: new Uint8Array(32),
      txRoot: new Uint8Array(32), receiptsRoot: new Uint8Array(32), bloom: new Uint8Array(256), difficulty: 0n, number: 23_456_789n,
      gasLimit: 30_000_000n, gasUsed: 0n, time: BigInt(NOW_S), extraData: new Uint8Array(0), mixHash: new Uint8Array(32), nonce: new Uint8Array(8),
    });
    const status = { ...localStatus(NETWORKS.mainnet, 68, NOW_S), bestHash: keccak256(best), td: 123n } as ReturnType<typeof localStatus>;
    const e = await script(async (run) => {
      await helloAndStatus(run, status);
      const req = await run.peer.next(ETH_OFFSET + ETH_MESSAGE_IDS.getBlockHeaders, 'GetBlockHeaders');
      const { requestId, origin } = decodeGetBlockHeaders(req.data);
      expect(origin).toEqual({ hash: keccak256(best) });
      run.peer.send(ETH_OFFSET + ETH_MESSAGE_IDS.blockHeaders, encodeBlockHeaders(requestId, [best]));
    }, { learnBestBlock: true });
    expect(e.outcome).toBe('status');
    expect(e.errorKind).toBeNull();
    expect(e.hello?.clientName).toBe('Scripted');
    expect(e.hello?.caps).toEqual(['eth/68']);
    expect(e.status).toMatchObject({ ethVersion: 68, networkId: 1n, totalDifficulty: 123n, forkVerdict: 'compatible', bestBlock: 23_456_789n });
    // RTT samples are the p2p PINGs only (the handshake and HELLO→STATUS have fields of their own).
    expect(e.rtt?.samples).toBe(PING_SAMPLES);
    expect(e.rtt?.rttSource).toBe('p2p_ping');
    expect(e.rtt?.statusMs).not.toBeNull();
    expect(sent(e)).toEqual(['client_quitting']);
    expect(received(e)).toEqual([]);
    expect(dialVerdict(e)).toBe('hello');
    await until(() => e.peer.disconnectsReceived().length > 0, 'DISCONNECT at the peer');
    expect(e.peer.disconnectsReceived()).toEqual(['client_quitting']);
    const ourStatus = decodeStatus((await e.peer.next(ETH_OFFSET)).data, 68);
    expect(ourStatus.networkId).toBe(1n);
  });

  it('an eth/69 peer: block-range STATUS gives the best block without a header request', async () => {
    const e = await script(async (run) => {
      run.peer.autoPong = true;
      run.peer.hello({ capabilities: [{ name: 'eth', version: 68 }, { name: 'eth', version: 69 }, { name: 'snap', version: 1 }] });
      const theirs = decodeStatus((await run.peer.next(ETH_OFFSET, 'prober STATUS')).data, 69);
      expect(theirs.shape).toBe('range');
      run.peer.status({ ...localStatus(NETWORKS.mainnet, 69, NOW_S), latestBlock: 99n, earliestBlock: 7n } as ReturnType<typeof localStatus>);
    }, { learnBestBlock: true });
    expect(e.outcome).toBe('status');
    expect(e.status).toMatchObject({ ethVersion: 69, bestBlock: 99n, earliestBlock: 7n, totalDifficulty: null });
    expect(e.peer.received.some((m) => m.code === ETH_OFFSET + ETH_MESSAGE_IDS.getBlockHeaders)).toBe(false);
  });
});

describe('probe against hostile or odd peers', () => {
  it('DISCONNECT before HELLO (uncompressed, geth style) → outcome disconnect, verdict too_many_peers', async () => {
    const e = await script(({ peer }) => peer.disconnect('too_many_peers', false));
    expect(e.outcome).toBe('disconnect');
    expect(e.errorKind).toBeNull();
    expect(e.hello).toBeNull();
    expect(received(e)).toEqual(['too_many_peers']);
    expect(sent(e)).toEqual([]);
    expect(dialVerdict(e)).toBe('too_many_peers');
  });

  it('DISCONNECT after HELLO, compressed → outcome hello; too_many_peers still counts as a full peer', async () => {
    const e = await script(async ({ peer }) => {
      peer.hello();
      await peer.next(P2P_MESSAGE_IDS.hello);
      peer.disconnect('too_many_peers');
    });
    expect(e.outcome).toBe('hello');
    expect(e.errorKind).toBeNull();
    expect(e.hello?.clientId).toMatch(/^Scripted\//);
    expect(received(e)).toEqual(['too_many_peers']);
    expect(sent(e)).toEqual([]);
    expect(dialVerdict(e)).toBe('too_many_peers');
  });

  it('HELLO, STATUS and DISCONNECT in one read → the STATUS is still recorded', async () => {
    const run = await outbound({}, undefined, (n) => n); // every write arrives whole, coalesced
    run.peer.hello();
    run.peer.status(localStatus(NETWORKS.mainnet, 68, NOW_S));
    run.peer.disconnect('too_many_peers');
    const { event: e } = await run.probe;
    expect([e.outcome, e.errorKind, received(e), sent(e)]).toEqual(['status', null, ['too_many_peers'], []]);
    expect(e.status?.forkVerdict).toBe('compatible');
    expect(dialVerdict(e)).toBe('hello');
  });

  it('a p2p/4 peer: nothing is compressed either way', async () => {
    const e = await script(async (run) => {
      run.peer.autoPong = true;
      run.peer.hello({ protocolVersion: 4 });
      const theirs = await run.peer.next(ETH_OFFSET, 'prober STATUS');
      expect(decodeStatus(theirs.data, 68).networkId).toBe(1n); // plain RLP, no snappy
      run.peer.status(localStatus(NETWORKS.mainnet, 68, NOW_S));
    });
    expect([e.outcome, e.errorKind, e.hello?.p2pVersion, sent(e)]).toEqual(['status', null, 4, ['client_quitting']]);
    await until(() => e.peer.disconnectsReceived().length > 0);
    expect(e.peer.disconnectsReceived()).toEqual(['client_quitting']);
  });

  it('DISCONNECT after HELLO but uncompressed (ethereumjs style) → the reason is still read', async () => {
    const e = await script(async ({ peer }) => {
      peer.hello();
      await peer.next(P2P_MESSAGE_IDS.hello);
      peer.disconnect('useless_peer', false);
    });
    expect(received(e)).toEqual(['useless_peer']);
    expect(e.errorKind).toBeNull();
    expect(dialVerdict(e)).toBe('hello');
  });

  it('a peer that never sends HELLO → timeout after helloMs, we say ping_timeout', async () => {
    const run = await outbound();
    await run.peer.next(P2P_MESSAGE_IDS.hello, 'prober HELLO');
    run.clock.advance(T.helloMs - 1);
    await turns(20);
    expect(run.settled()).toBe(false);
    run.clock.advance(1);
    const { event: e } = await run.probe;
    expect(e.outcome).toBe('error');
    expect(e.errorKind).toBe('timeout');
    expect(sent(e)).toEqual(['ping_timeout']);
    await until(() => run.peer.disconnectsReceived().length > 0);
    expect(run.peer.disconnectsReceived()).toEqual(['ping_timeout']);
    expect(dialVerdict(e)).toBe('failed');
  });

  it('a second HELLO → protocol_breach after recording the first', async () => {
    const e = await script(({ peer }) => {
      peer.hello();
      peer.hello({ clientId: 'Other/v2' });
    });
    expect(e.outcome).toBe('hello');
    expect(e.hello?.clientName).toBe('Scripted');
    expect(e.errorKind).toBe('protocol_breach');
    expect(sent(e)).toEqual(['breach_of_protocol']);
    await until(() => e.peer.disconnectsReceived().length > 0);
    expect(e.peer.disconnectsReceived()).toEqual(['breach_of_protocol']);
  });

  it('a PING or an eth message before HELLO → protocol_breach, outcome error', async () => {
    for (const code of [P2P_MESSAGE_IDS.ping, ETH_OFFSET]) {
      const e = await script(({ peer }) => peer.sendRaw(code, Uint8Array.of(0xc0)));
      expect(e.outcome).toBe('error');
      expect(e.errorKind).toBe('protocol_breach');
      expect(sent(e)).toEqual(['breach_of_protocol']);
    }
  });

  it('a HELLO whose key is not the RLPx identity → bad_hello, unexpected_identity', async () => {
    const e = await script(({ peer }) => peer.hello({ nodeKey: identity().publicKey }));
    expect(e.outcome).toBe('error');
    expect(e.errorKind).toBe('bad_hello');
    expect(sent(e)).toEqual(['unexpected_identity']);
  });

  it('a malformed or oversized HELLO → bad_hello / too_large, breach_of_protocol', async () => {
    const bad = await script(({ peer }) => peer.sendRaw(P2P_MESSAGE_IDS.hello, Uint8Array.of(0xc2, 0x05, 0x80)));
    expect([bad.outcome, bad.errorKind, sent(bad)]).toEqual(['error', 'bad_hello', ['breach_of_protocol']]);
    const big = await script(({ peer }) => peer.sendRaw(P2P_MESSAGE_IDS.hello, new Uint8Array(4096)));
    expect([big.outcome, big.errorKind, sent(big)]).toEqual(['error', 'too_large', ['breach_of_protocol']]);
  });

  it('garbage snappy after HELLO → snappy, breach_of_protocol', async () => {
    const e = await script(async ({ peer }) => {
      peer.hello();
      await peer.next(ETH_OFFSET, 'prober STATUS');
      peer.sendRaw(ETH_OFFSET, Uint8Array.of(0x40, 0xff, 0xff, 0xff)); // declares 64 bytes, then nonsense
    });
    expect(e.outcome).toBe('hello');
    expect(e.errorKind).toBe('snappy');
    expect(sent(e)).toEqual(['breach_of_protocol']);
  });

  it('a reserved base-protocol id is ignored; an id beyond every capability → unknown_packet', async () => {
    const ok = await script(async (run) => {
      run.peer.hello();
      run.peer.send(0x07, Uint8Array.of(0xc0));
      await helloAndStatusAfterHello(run);
    });
    expect(ok.outcome).toBe('status');
    expect(ok.errorKind).toBeNull();

    const e = await script(async ({ peer }) => {
      peer.hello();
      await peer.next(ETH_OFFSET, 'prober STATUS');
      peer.send(ETH_OFFSET + 17, Uint8Array.of(0xc0)); // eth/68 has ids 0..16
    });
    expect(e.outcome).toBe('hello');
    expect(e.errorKind).toBe('unknown_packet');
    expect(sent(e)).toEqual(['breach_of_protocol']);
  });

  it('a malformed STATUS → bad_status, subprotocol_error', async () => {
    const e = await script(async ({ peer }) => {
      peer.hello();
      await peer.next(ETH_OFFSET, 'prober STATUS');
      peer.send(ETH_OFFSET, Uint8Array.of(0xc3, 0x44, 0x01, 0x02));
    });
    expect(e.outcome).toBe('hello');
    expect(e.errorKind).toBe('bad_status');
    expect(sent(e)).toEqual(['subprotocol_error']);
  });

  it('STATUS from another network → recorded with verdict unchecked', async () => {
    const sepolia = localStatus(NETWORKS.sepolia, 68, NOW_S);
    const e = await script((run) => helloAndStatus(run, sepolia));
    expect(e.outcome).toBe('status');
    expect(e.errorKind).toBeNull();
    expect(e.status).toMatchObject({ networkId: 11_155_111n, genesisHash: NETWORKS.sepolia.genesisHash, forkVerdict: 'unchecked' });
    expect(sent(e)).toEqual(['client_quitting']);
  });

  it('an unknown fork hash after our last known fork → recorded with verdict local_stale (we may be the stale side)', async () => {
    const status = { ...localStatus(NETWORKS.mainnet, 68, NOW_S), forkId: { hash: Uint8Array.of(1, 2, 3, 4), next: 0n } };
    const e = await script((run) => helloAndStatus(run, status as ReturnType<typeof localStatus>));
    expect(e.outcome).toBe('status');
    expect(e.status).toMatchObject({ forkHash: '01020304', forkVerdict: 'local_stale' });
    expect(e.errorKind).toBeNull();
  });

  it('a peer without eth → no_shared_capability, useless_peer', async () => {
    const e = await script(({ peer }) => peer.hello({ capabilities: [{ name: 'snap', version: 1 }] }));
    expect(e.outcome).toBe('hello');
    expect(e.errorKind).toBe('no_shared_capability');
    expect(sent(e)).toEqual(['useless_peer']);
  });

  it('no STATUS → timeout after statusMs, ping_timeout', async () => {
    const run = await outbound();
    run.peer.hello();
    await run.peer.next(ETH_OFFSET, 'prober STATUS');
    run.clock.advance(T.statusMs);
    const { event: e } = await run.probe;
    expect([e.outcome, e.errorKind, sent(e)]).toEqual(['hello', 'timeout', ['ping_timeout']]);
  });

  it('unanswered header request and PINGs are skipped, not errors', async () => {
    const run = await outbound({ learnBestBlock: true });
    run.peer.hello();
    await run.peer.next(ETH_OFFSET, 'prober STATUS');
    run.peer.status(localStatus(NETWORKS.mainnet, 68, NOW_S));
    await run.peer.next(ETH_OFFSET + ETH_MESSAGE_IDS.getBlockHeaders);
    run.clock.advance(T.headerMs);
    await run.peer.next(P2P_MESSAGE_IDS.ping);
    run.clock.advance(T.pingMs);
    const { event: e } = await run.probe;
    expect([e.outcome, e.errorKind, sent(e)]).toEqual(['status', null, ['client_quitting']]);
    expect(e.status?.bestBlock).toBeNull();
  });

  it('a flood of unsolicited messages after STATUS does not stop the probe', async () => {
    const e = await script(async (run) => {
      await helloAndStatus(run);
      const junk = new Uint8Array(4000).fill(7);
      for (let i = 0; i < 1000; i++) run.peer.send(ETH_OFFSET + ETH_MESSAGE_IDS.newPooledTransactionHashes, junk);
      for (let i = 0; i < 200; i++) run.peer.send(P2P_MESSAGE_IDS.ping, Uint8Array.of(0xc0));
    });
    expect(e.outcome).toBe('status');
    expect(e.errorKind).toBeNull();
    expect(sent(e)).toEqual(['client_quitting']);
    // PONGs are rationed: 32 answers at most, plus nothing else of ours but HELLO, STATUS, PINGs, DISCONNECT.
    await until(() => e.peer.disconnectsReceived().length > 0);
    expect(e.peer.received.filter((m) => m.code === P2P_MESSAGE_IDS.pong).length).toBeLessThanOrEqual(32);
  });

  it('the peer closing mid-session → closed, after what it already said', async () => {
    const afterHello = await script(async ({ peer }) => {
      peer.hello();
      await peer.next(ETH_OFFSET);
      peer.session.close();
    });
    expect([afterHello.outcome, afterHello.errorKind, afterHello.disconnects]).toEqual(['hello', 'closed', []]);

    const afterStatus = await script(async (run) => {
      run.peer.hello();
      await run.peer.next(ETH_OFFSET);
      run.peer.status(localStatus(NETWORKS.mainnet, 68, NOW_S));
      await run.peer.next(P2P_MESSAGE_IDS.ping);
      run.peer.session.destroy();
    });
    expect([afterStatus.outcome, afterStatus.errorKind, afterStatus.disconnects]).toEqual(['status', 'closed', []]);
    expect(afterStatus.status?.forkVerdict).toBe('compatible');
  });

  it('an AbortSignal mid-session → aborted, client_quitting', async () => {
    const ac = new AbortController();
    const run = await outbound({}, ac.signal);
    run.peer.hello();
    await run.peer.next(ETH_OFFSET);
    ac.abort();
    const { event: e } = await run.probe;
    expect([e.outcome, e.errorKind, sent(e)]).toEqual(['hello', 'aborted', ['client_quitting']]);
  });

  it('random frames after HELLO never crash the probe: typed kinds only', async () => {
    const rng = new Rng(0x9e11);
    for (let i = 0; i < 40; i++) {
      const e = await script(async (run) => {
        run.peer.autoPong = true;
        run.peer.hello();
        await run.peer.next(ETH_OFFSET);
        for (let k = 0; k < 1 + rng.int(4); k++) {
          const code = rng.pick([0, 1, 2, 3, 5, 0x10, 0x10 + rng.int(20), rng.int(256)]);
          const body = rng.bytes(rng.int(64));
          if (rng.bool()) run.peer.send(code, body);
          else run.peer.sendRaw(code, body);
        }
        await turns(30);
        run.clock.advance(T.statusMs + T.pingMs * 3);
      });
      expect(['status', 'hello', 'disconnect']).toContain(e.outcome);
      if (e.errorKind !== null) expect(ERROR_KINDS).toContain(e.errorKind);
      expect(e.errorKind).not.toBe('internal');
    }
  });
});

describe('probeInbound against scripted initiators', () => {
  async function inbound(fn: (peer: ScriptedPeer, clock: ManualClock) => Promise<void> | void) {
    const clock = new ManualClock(START);
    const [ours, theirs] = createMemoryStreamPair({ chunkSize: randomChunks(seed++, 300) });
    const me = identity();
    const probe = probeInbound(config(clock, me), ours);
    const peer = await ScriptedPeer.dial(theirs, clock, identity(), me.publicKey);
    await fn(peer, clock);
    return { event: (await probe).event, peer };
  }

  it('records the initiator key, HELLO and STATUS', async () => {
    const { event: e, peer } = await inbound(async (p) => {
      p.autoPong = true;
      p.hello({ listenPort: 40404 });
      await p.next(ETH_OFFSET);
      p.status(localStatus(NETWORKS.mainnet, 68, NOW_S));
    });
    expect(e.kind).toBe('inbound');
    expect(e.nodeId).toBe(bytesToHex(peer.id.node.id));
    expect(e.publicKey).toBe(bytesToHex(peer.id.publicKey));
    expect(e.hello?.listenPort).toBe(40404);
    expect([e.outcome, e.errorKind, sent(e)]).toEqual(['status', null, ['client_quitting']]);
    expect(e.connectMs).toBeNull();
  });

  it('an initiator that leaves with DISCONNECT before HELLO → outcome disconnect', async () => {
    const { event: e } = await inbound((p) => p.disconnect('client_quitting', false));
    expect([e.outcome, e.errorKind, received(e)]).toEqual(['disconnect', null, ['client_quitting']]);
  });

  it('an initiator that closes during the handshake → error closed, no identity', async () => {
    const clock = new ManualClock(START);
    const [ours, theirs] = createMemoryStreamPair();
    const probe = probeInbound(config(clock, identity()), ours);
    theirs.write(Uint8Array.of(0x01, 0x20, 1, 2, 3, 4)); // an EIP-8 auth of 288 bytes, cut short
    theirs.end();
    const { event: e } = await probe;
    expect([e.outcome, e.errorKind, e.nodeId]).toEqual(['error', 'closed', null]);
  });
});

/** HELLO already sent: wait for the prober's STATUS and answer. */
async function helloAndStatusAfterHello(run: Run): Promise<void> {
  run.peer.autoPong = true;
  await run.peer.next(ETH_OFFSET, 'prober STATUS');
  run.peer.status(localStatus(NETWORKS.mainnet, 68, NOW_S));
}
