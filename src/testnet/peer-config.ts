/**
 * How an emulated peer (peer.ts) is set up: its timings (lazy defaults so hundreds idle cheaply),
 * its local capability table, its ENR as geth (or a consensus-layer client) builds it, and the
 * deaf discv4 view of a v5-only peer.
 */
import { protocolLength, type Capability, type LocalCapability } from '../devp2p/capabilities.js';
import { createEnr, type Enr } from '../enode/enr.js';
import type { UdpTransport } from '../net/transport.js';
import type { PeerProfile } from './profiles.js';

export interface PeerTimings {
  /**
   * Table revalidation: fast-list interval (slow list 3×). geth uses 3 s; 30 s keeps 200 idle
   * peers near 20 PINGs/s in total (each ping is a signature and a recovery on each side).
   */
  pingIntervalMs: number;
  /** Periodic refresh (self + random lookups). geth: 30 min. */
  refreshIntervalMs: number;
  /** Random-target lookups per refresh (geth: 3). */
  randomLookups: number;
  /** How often to check for a near-empty table (then refresh early). */
  lowTableCheckMs: number;
  /** discv4 reply timeout (geth: 500 ms); a loaded 2-core machine answers later than a network. */
  responseTimeoutMs: number;
  /** RLPx auth/ack (geth: 5 s). */
  handshakeTimeoutMs: number;
  /** Remote HELLO after the handshake. */
  helloTimeoutMs: number;
  /** A session without any capability message for this long is closed. */
  idleTimeoutMs: number;
}

export const DEFAULT_PEER_TIMINGS: PeerTimings = {
  pingIntervalMs: 30_000,
  refreshIntervalMs: 10 * 60_000,
  randomLookups: 1,
  lowTableCheckMs: 60_000,
  responseTimeoutMs: 1_000,
  handshakeTimeoutMs: 5_000,
  helloTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
};

/**
 * Message counts of eth versions before eth/66 (caps/eth.md: eth/62 had ids 0x00–0x07, eth/63
 * added 0x0d–0x10), used only for old clients' local capability table.
 */
const OLD_ETH_LENGTHS: Readonly<Record<number, number>> = { 62: 8, 63: 17, 64: 17, 65: 17 };

export function localCapabilities(caps: readonly Capability[]): LocalCapability[] {
  return caps.map((c) => {
    const length = protocolLength(c.name, c.version) ?? (c.name === 'eth' ? OLD_ETH_LENGTHS[c.version] : undefined);
    if (length === undefined) throw new RangeError(`no message count for ${c.name}/${c.version}`);
    return { ...c, length };
  });
}

/**
 * The peer's ENR as geth builds it: endpoint, the "eth" entry with its fork ID (devp2p
 * enr-entries/eth.md) and an empty "snap" entry when it serves snap (enr-entries/snap.md).
 */
export function ownRecord(profile: PeerProfile, ip: string, udp: number, tcp: number): Enr {
  const v6 = ip.includes(':');
  const endpoint = v6 ? { ip6: ip, udp6: udp, tcp6: tcp } : { ip, udp, tcp };
  // A consensus-layer node: `eth2` = SSZ ENRForkID (consensus-specs phase0/p2p-interface.md), no `eth`.
  if (profile.consensus) return createEnr({ privateKey: profile.privateKey, seq: 1n, ...endpoint, extra: { eth2: TESTNET_ETH2_FORK_ID } });
  return createEnr({
    privateKey: profile.privateKey,
    seq: 1n,
    ...endpoint,
    eth: { forkHash: profile.chain.forkId.hash, forkNext: profile.chain.forkId.next },
    ...(profile.capabilities.some((c) => c.name === 'snap') ? { extra: { snap: [] } } : {}),
  });
}

/**
 * The `eth2` entry of consensus-layer peers: fork_digest(4) ‖ next_fork_version(4) ‖
 * next_fork_epoch(8, little-endian; FAR_FUTURE_EPOCH = 2^64 − 1). Made up: no chain behind it.
 */
const TESTNET_ETH2_FORK_ID = Uint8Array.from([0x6a, 0x95, 0xa1, 0xa9, 0x06, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** A discv4 view that hears nothing (a v5-only peer's discv4 packets are dropped by the demux). */
export function deaf(view: UdpTransport): UdpTransport {
  return {
    send: (data, to) => view.send(data, to),
    onMessage: () => {},
    get localAddress() {
      return view.localAddress;
    },
    close: () => view.close(),
  };
}

