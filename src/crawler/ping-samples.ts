/**
 * The RTT samples of a connection (README "How RTT is measured and what it means"): p2p PING→PONG
 * pairs taken by samplePings, and the discv4 PING→PONG fallback set by withDiscPing. The RLPx
 * handshake and HELLO→STATUS are measured by the probe and stored apart, never as samples.
 */
import type { Clock } from '../net/clock.js';
import type { Devp2pPeer } from '../devp2p/peer.js';
import type { DialEvent } from '../events.js';
import type { RttEstimator } from './rtt.js';

/**
 * p2p PING→PONG samples per connection: the only RTT samples a connection gives (README "How RTT is
 * measured"). The remote answers a PING at once without real work (geth p2p/peer.go: pingMsg →
 * SendItems(pongMsg) from the read loop; @ethereumjs/devp2p: _handleMessage → _sendPong), unlike the
 * RLPx handshake (ECIES), HELLO→STATUS (peer setup) or GetBlockHeaders (a database read).
 * One PING is outstanding at a time: PONG carries no identifier, so only then does each PONG match
 * its PING unambiguously (the reason of Karn's rule, RFC 6298 §3: no sample from an ambiguous echo).
 * Eight samples, each started ≥ PING_SPACING_MS after the previous one: a stall on either host (GC,
 * a busy event loop, a database flush in our process) inflates every sample it overlaps, so samples
 * taken back to back are inflated together; spread over ~0.7 s, the minimum is a clean sample unless
 * all eight hit stalls (with a 30 % stall rate per sample, 0.3^8 < 1e-4). RFC 6298 §3 asks TCP for at
 * least one sample per RTT to track a flow; we estimate a path's floor, for which independent samples
 * matter more than many. Cost: a dial slot stays ~0.7 s + 8 RTTs longer (≤ ~3 s on a 300 ms path).
 * With α = 1/8 the SRTT of 8 samples still gives its first (7/8)^7 ≈ 39 %: kept, but reports use the min.
 */
export const PING_SAMPLES = 8;
export const PING_SPACING_MS = 100;

/**
 * Up to `count` PINGs, one outstanding at a time, each started ≥ `spacingMs` after the previous one,
 * into `rtt`. A PING that times out ends the sampling (the peer does not answer PINGs); a closed
 * session or an abort rethrows, so the probe stops.
 */
export async function samplePings(
  clock: Clock,
  peer: Devp2pPeer,
  rtt: RttEstimator,
  options: { count?: number; spacingMs?: number; timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const { signal, timeoutMs } = options;
  const spacing = options.spacingMs ?? PING_SPACING_MS;
  let lastPingAt = -Infinity;
  for (let i = 0; i < (options.count ?? PING_SAMPLES); i++) {
    await pause(clock, lastPingAt + spacing - clock.now(), signal);
    lastPingAt = clock.now();
    let ms: number;
    try {
      ms = await peer.ping({ timeoutMs, signal });
    } catch (err) {
      if (peer.closed || signal?.aborted) throw err;
      return;
    }
    rtt.addSample(ms);
  }
}

/** Wait `ms` on the injected clock (no-op when ≤ 0); resolves early when `signal` aborts. */
function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (!(ms > 0) || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimer(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimer(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Set a dial's discv4 PING→PONG time, and make it the node's RTT when the connection gave no p2p
 * PONG (a peer that refused before HELLO, or never answered a PING). discv4 is the second choice:
 * one sample, and the remote verifies and signs (~0.1 ms in geth, a few ms in pure-JS clients).
 */
export function withDiscPing(event: DialEvent, discPingMs: number | null): void {
  if (discPingMs === null || !(discPingMs >= 0)) return;
  event.rtt ??= {
    srttMs: null,
    minMs: null,
    samples: 0,
    rttMs: null,
    rttSource: null,
    tcpConnectMs: null,
    discPingMs: null,
    handshakeMs: null,
    statusMs: null,
  };
  const r = event.rtt;
  r.discPingMs = discPingMs;
  if (r.rttMs === null) {
    r.rttMs = discPingMs;
    r.rttSource = 'disc_ping';
  }
}
