/**
 * Our STATUS is never the reason a peer leaves (src/crawler/status-exchange.ts): a peer that sends
 * STATUS first gets its own values back; a silent peer gets ours after STATUS_FIRST_WAIT_MS.
 * Scripted peers over memory streams, ManualClock for the wait.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/util/bytes.js';
import { ManualClock } from '../../src/net/clock.js';
import { createMemoryStreamPair } from '../../src/net/memory-stream.js';
import { probeOutbound, type ProbeConfig } from '../../src/crawler/probe.js';
import { STATUS_FIRST_WAIT_MS, echoStatus } from '../../src/crawler/status-exchange.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { withTimeForks } from '../../src/eth/fork-schedule-file.js';
import { computeForkId, forkHashHex } from '../../src/eth/fork-id.js';
import { forkSchedule } from '../../src/eth/networks.js';
import { ETH_MESSAGE_IDS, decodeStatus, encodeStatus, localStatus, type Status } from '../../src/eth/status.js';
import { ETH_OFFSET, ScriptedPeer, StreamDialer, identity, turns, until } from './probe-scripted-peer.js';

const START = 1_780_000_000_000; // 2026-05-28: mainnet is past BPO2
const NOW_S = START / 1000;
/** A crawler whose schedule lacks BPO2: its own STATUS would be refused by an up-to-date peer. */
const STALE = withTimeForks(NETWORKS.mainnet, NETWORKS.mainnet.timeForks.filter((f) => f.name !== 'bpo2'));

function config(clock: ManualClock): ProbeConfig {
  const me = identity();
  return {
    clock,
    privateKey: me.privateKey,
    publicKey: me.publicKey,
    instance: bytesToHex(me.node.id),
    clientId: 'NodeFinder/v0.1.0/linux-amd64/node20',
    listenPort: 30304,
    network: STALE,
    learnBestBlock: false,
    pingSamples: 0,
  };
}

async function start() {
  const clock = new ManualClock(START);
  const [ours, theirs] = createMemoryStreamPair();
  const them = identity();
  const probe = probeOutbound(config(clock), new StreamDialer(ours), them.node, 'dynamic');
  const peer = await ScriptedPeer.accept(theirs, clock, them);
  peer.autoPong = true;
  return { clock, peer, probe };
}

const statusFrames = (peer: ScriptedPeer) => peer.received.filter((m) => m.code === ETH_OFFSET + ETH_MESSAGE_IDS.status);

describe('STATUS exchange', () => {
  it('a peer that speaks first gets its own STATUS back; our verdict stays ours (local_stale)', async () => {
    const { peer, probe } = await start();
    const theirs: Status = { ...localStatus(NETWORKS.mainnet, 68, NOW_S), td: 58_750_003_716_598_352_816_469n, bestHash: new Uint8Array(32).fill(7) } as Status;
    expect(forkHashHex(theirs.forkId.hash)).toBe('0x07c9462e');
    peer.hello();
    peer.status(theirs);
    const { event } = await probe;
    await until(() => statusFrames(peer).length > 0, 'our answer');
    const answers = statusFrames(peer);
    expect(answers).toHaveLength(1);
    expect(decodeStatus(answers[0]!.data, 68)).toEqual(theirs);
    expect(event.status).toMatchObject({ forkHash: '07c9462e', forkVerdict: 'local_stale' });
    expect(event.disconnects.filter((d) => d.direction === 'received')).toEqual([]);
  });

  it('eth/69: the block-range STATUS is echoed as well', async () => {
    const { peer, probe } = await start();
    const theirs = { ...localStatus(NETWORKS.mainnet, 69, NOW_S), earliestBlock: 5n, latestBlock: 23_000_000n, latestBlockHash: new Uint8Array(32).fill(9) } as Status;
    peer.hello({ capabilities: [{ name: 'eth', version: 69 }] });
    peer.status(theirs);
    const { event } = await probe;
    await until(() => statusFrames(peer).length > 0, 'our answer');
    expect(decodeStatus(statusFrames(peer)[0]!.data, 69)).toEqual(theirs);
    expect(event.status).toMatchObject({ ethVersion: 69, bestBlock: 23_000_000n });
  });

  it('a silent peer gets ours after the wait, and its STATUS is still read', async () => {
    const { clock, peer, probe } = await start();
    peer.hello();
    await turns(50);
    expect(statusFrames(peer)).toHaveLength(0);
    clock.advance(STATUS_FIRST_WAIT_MS - 1);
    await turns(50);
    expect(statusFrames(peer)).toHaveLength(0);
    clock.advance(1);
    await until(() => statusFrames(peer).length === 1, 'our STATUS');
    const ours = decodeStatus(statusFrames(peer)[0]!.data, 68);
    expect(ours.forkId).toEqual(computeForkId(forkSchedule(STALE), 15_050_000, NOW_S));
    peer.status(localStatus(NETWORKS.mainnet, 68, NOW_S));
    const { event } = await probe;
    expect(event.outcome).toBe('status');
    expect(statusFrames(peer)).toHaveLength(1);
  });

  it('a peer that leaves during the wait: its reason is recorded and we never sent a STATUS', async () => {
    const { peer, probe } = await start();
    peer.hello();
    await turns(20);
    peer.disconnect('too_many_peers');
    const { event } = await probe;
    expect(event.outcome).toBe('hello');
    expect(event.disconnects).toContainEqual(expect.objectContaining({ direction: 'received', reason: 'too_many_peers' }));
    expect(statusFrames(peer)).toHaveLength(0);
  });

  it('echoStatus copies, never aliases, the remote fields', () => {
    const theirs = localStatus(NETWORKS.sepolia, 68, NOW_S);
    const echo = echoStatus(theirs);
    expect(encodeStatus(echo)).toEqual(encodeStatus(theirs));
    expect(echo.genesisHash).not.toBe(theirs.genesisHash);
  });
});
