/**
 * What keeps the web view cheap under a crowd: identical requests in flight share one computation
 * (one database read answers them all), and an answer is reused until it is `ttlMs` old — the page
 * refresh interval, so a viewer never sees older data than its page's own refresh would show. A
 * failed computation is not kept (the next request tries again). Bounded: the oldest answers are
 * dropped past `maxEntries`. The clock is injected (monotonic in the server, manual in tests).
 */
export interface AnswerCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now: () => number;
}

export interface AnswerCacheStats {
  /** Answered from a kept answer. */
  hits: number;
  /** Joined a computation already in flight. */
  joined: number;
  /** Computed. */
  computed: number;
}

export class AnswerCache<T> {
  private readonly kept = new Map<string, { at: number; value: T }>();
  private readonly inFlight = new Map<string, Promise<T>>();
  readonly stats: AnswerCacheStats = { hits: 0, joined: 0, computed: 0 };

  constructor(private readonly opts: AnswerCacheOptions) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.kept.get(key);
    if (hit && this.opts.now() - hit.at < this.opts.ttlMs) {
      this.stats.hits++;
      return Promise.resolve(hit.value);
    }
    const running = this.inFlight.get(key);
    if (running) {
      this.stats.joined++;
      return running;
    }
    this.stats.computed++;
    const started = this.opts.now();
    const p = compute().then(
      (value) => {
        this.inFlight.delete(key);
        // Fresh from when the read started: it shows the database as of then.
        this.kept.delete(key);
        this.kept.set(key, { at: started, value });
        while (this.kept.size > this.opts.maxEntries) this.kept.delete(this.kept.keys().next().value as string);
        return value;
      },
      (err: unknown) => {
        this.inFlight.delete(key);
        throw err;
      },
    );
    this.inFlight.set(key, p);
    return p;
  }

  get size(): number {
    return this.kept.size;
  }
}
