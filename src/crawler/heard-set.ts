/**
 * Node IDs heard of, as 31-bit fingerprints of the ID (IDs are keccak256 outputs, so uniform) with
 * the minute last heard: ~30 bytes per node instead of a hex string and a record. A collision only
 * miscounts one "new node"; forgetting after --expire-after matches the scheduler's.
 */
export class HeardSet {
  private readonly minutes = new Map<number, number>();

  /** True when the ID was not heard of (within the window); records it either way. */
  add(id: Uint8Array, now: number): boolean {
    const key = ((id[0]! << 23) | (id[1]! << 15) | (id[2]! << 7) | (id[3]! >> 1)) >>> 0;
    const known = this.minutes.has(key);
    this.minutes.set(key, Math.floor(now / 60_000));
    return !known;
  }

  get size(): number {
    return this.minutes.size;
  }

  prune(now: number, expireAfterMs: number): void {
    const oldest = Math.floor((now - expireAfterMs) / 60_000);
    for (const [k, m] of this.minutes) if (m < oldest) this.minutes.delete(k);
  }
}
