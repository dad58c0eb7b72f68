/**
 * Reading a discv4 node's table with FINDNODE. A v4 FINDNODE carries a 64-byte "public key" target;
 * the remote hashes it (geth v4_udp.go handleFindnode: keccak256(target), never checked to be a
 * curve point) and answers the 16 entries of its table closest to that hash (table.go
 * findnodeByID). A target whose hash lies at log distance d from the remote's ID therefore returns
 * the remote's bucket d first, then its entries closer than d (they are all at distance d from the
 * target, nearer than anything farther out).
 *
 * Targets are found by search: a hash at distance d must share the remote ID's first 256−d bits
 * and differ in the next, a (257−d)-bit prefix, so ~2^(257−d) tries. Nebula (discv4/gen.go) keeps a
 * precomputed map from every 16-bit prefix to a preimage; we fill the same map lazily: every hash
 * computed while searching is kept, so after ~700 000 hashes (2–3 s of CPU in all) every prefix is
 * known. Distances below 241 would need ≥ 17-bit prefixes: like Nebula we read the top 16 buckets
 * (256…241). geth's table keeps everything closer than 241 in one bucket (nBuckets = 17,
 * bucketMinDistance = 239), and the distance-241 request returns those entries after bucket 241's.
 *
 * Stop rule (exact): when an answer for distance d holds an entry farther than d from the remote,
 * the remote holds fewer than 16 entries within distance d — nothing below is left to read. A
 * table of fewer than 16 live entries answers fewer than 16 once, and is read too.
 */
import { keccak256 } from '../crypto/index.js';
import { logDistance } from '../enode/distance.js';
import type { NodeRecord } from '../enode/node-record.js';
import { BUCKET_SIZE } from '../discv4/constants.js';
import { bytesToHex } from '../util/bytes.js';
import type { EnumerationAdapter, StepOutcome } from './enumerate.js';

/** Deepest bucket we can target: a 16-bit prefix (Nebula reads the same 16 buckets). */
export const V4_MIN_DISTANCE = 241;
export const V4_STEPS = 256 - V4_MIN_DISTANCE + 1;
const PREFIX_BITS = 16;
/** A search that has not found a prefix after this many hashes gives up (p ≈ e^-64 for 16 bits). */
const MAX_SEARCH = 1 << 22;

/**
 * FINDNODE targets by the 16-bit prefix of their hash: target(prefix) is a 64-byte string whose
 * keccak256 starts with `prefix`. A target is a counter in its first 4 bytes (as Nebula's
 * keyPrefixMap), so the pool is 65 536 counters, 256 KiB when full.
 */
export class V4TargetPool {
  private readonly byPrefix = new Uint32Array(1 << PREFIX_BITS);
  private readonly known = new Uint8Array(1 << PREFIX_BITS);
  private counter = 1;
  private knownCount = 0;
  /** Hashes computed so far (benchmarks and tests). */
  hashes = 0;

  /** How many 16-bit prefixes have a target. */
  get size(): number {
    return this.knownCount;
  }

  /**
   * A 64-byte target whose keccak256 lies at log distance `distance` (V4_MIN_DISTANCE…256) from
   * `remoteId`. `random` picks among the prefixes that qualify (any [0,1) source).
   */
  targetFor(remoteId: Uint8Array, distance: number, random: () => number = Math.random): Uint8Array {
    if (!Number.isInteger(distance) || distance < V4_MIN_DISTANCE || distance > 256) {
      throw new RangeError(`v4 enumeration: distance must be ${V4_MIN_DISTANCE}..256, got ${distance}`);
    }
    const fixed = 257 - distance; // leading bits of the hash that are set by the remote's ID
    const remote16 = (remoteId[0]! << 8) | remoteId[1]!;
    const flip = 0x8000 >>> (fixed - 1);
    const mask = (0xffff << (PREFIX_BITS - fixed)) & 0xffff;
    const want = (remote16 ^ flip) & mask;
    // Prefer a known prefix among those that qualify, starting at a random one.
    const free = PREFIX_BITS - fixed;
    const span = 1 << free;
    const start = Math.floor(random() * span);
    for (let i = 0; i < span; i++) {
      const prefix = want | ((start + i) & (span - 1));
      if (this.known[prefix]) return this.target(this.byPrefix[prefix]!);
      if (i >= 64 && this.knownCount < (1 << PREFIX_BITS) / 2) break; // searching is cheaper than scanning
    }
    return this.target(this.search(want, mask));
  }

  private search(want: number, mask: number): number {
    for (let n = 0; n < MAX_SEARCH; n++) {
      const c = this.counter++;
      const h = keccak256(this.target(c));
      this.hashes++;
      const prefix = (h[0]! << 8) | h[1]!;
      if (!this.known[prefix]) {
        this.known[prefix] = 1;
        this.byPrefix[prefix] = c;
        this.knownCount++;
      }
      if ((prefix & mask) === want) return c;
    }
    throw new RangeError('v4 enumeration: no target found'); // unreachable in practice
  }

  private target(counter: number): Uint8Array {
    const t = new Uint8Array(64);
    new DataView(t.buffer).setUint32(0, counter >>> 0);
    return t;
  }
}

/** The log distance a step asks for: 256 first, then down to V4_MIN_DISTANCE. */
export function v4DistanceOfStep(step: number): number {
  return 256 - step;
}

/** Did an answer for distance `d` from `remoteId` read everything at distance ≤ d? */
export function v4TableRead(remoteId: Uint8Array, distance: number, answer: readonly NodeRecord[], received: number): boolean {
  if (received < BUCKET_SIZE) return true;
  return answer.some((n) => n.id.length === 32 && logDistance(remoteId, n.id) > distance);
}

export interface V4EnumerationOptions {
  targets: V4TargetPool;
  /** The endpoint's FINDNODE (bonding first as needed), every entry it accepted. */
  findNode: (node: NodeRecord, target: Uint8Array, signal: AbortSignal) => Promise<NodeRecord[]>;
  /** Hand the answer to the crawler; returns how many of the nodes were new to it. */
  learn: (from: NodeRecord, nodes: readonly NodeRecord[]) => number;
  random?: () => number;
}

export function v4EnumerationAdapter(o: V4EnumerationOptions): EnumerationAdapter<NodeRecord> {
  return {
    steps: V4_STEPS,
    key: (node) => bytesToHex(node.id),
    ip: (node) => node.ip,
    async request(node, step, signal): Promise<StepOutcome> {
      const distance = v4DistanceOfStep(step);
      const answer = await o.findNode(node, o.targets.targetFor(node.id, distance, o.random), signal);
      const added = o.learn(node, answer);
      return { added, complete: v4TableRead(node.id, distance, answer, answer.length) };
    },
  };
}
