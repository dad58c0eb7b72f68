/**
 * The discovery v4 reply matcher: every outstanding request waits for replies of one type from one
 * node id at one IP (geth v4_udp.go replyMatcher, keyed the same way), with its own timer on the
 * injected Clock. A request settles exactly once, and settling removes it from every structure.
 */
import { toNodeFinderError, type NodeFinderError } from '../errors.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import { RequestAbortedError, RequestTimeoutError } from '../net/request.js';
import type { DecodedPacket } from './packet.js';

/** One outstanding request waiting for replies of one type from one node id at one IP. */
export class Pending<T = unknown> {
  timer: TimerHandle | undefined;
  settled = false;
  cleanup: (() => void)[] = [];

  constructor(
    readonly what: string,
    /** node id hex + ':' + reply type */
    readonly key: string,
    readonly ip: string,
    /** Returns true when the packet belongs to this request (it may settle it). */
    readonly onPacket: (p: DecodedPacket, self: Pending<T>) => boolean,
    readonly resolve: (v: T) => void,
    readonly reject: (e: NodeFinderError) => void,
    /** Called when the timer fires; default rejects with a timeout. */
    readonly onTimeout: (self: Pending<T>) => void,
  ) {}
}

export class PendingRequests {
  /** key: node id hex + ':' + reply type */
  private readonly pending = new Map<string, Set<Pending<unknown>>>();

  constructor(private readonly clock: Clock) {}

  static key(nodeIdHex: string, replyType: number): string {
    return `${nodeIdHex}:${replyType}`;
  }

  /** Number of outstanding requests (tests assert nothing leaks). */
  get count(): number {
    let n = 0;
    for (const s of this.pending.values()) n += s.size;
    return n;
  }

  /** True while a request waits for this reply type from this node id. */
  has(nodeIdHex: string, replyType: number): boolean {
    return (this.pending.get(PendingRequests.key(nodeIdHex, replyType))?.size ?? 0) > 0;
  }

  /**
   * Register a request, then `send` it (a throw rejects it): it settles on a reply its onPacket takes,
   * on its timer (default: `timeout`), or `aborted` when the signal fires.
   */
  start<T>(r: {
    what: string;
    key: string;
    ip: string;
    timeoutMs: number;
    signal: AbortSignal | undefined;
    onPacket: (p: DecodedPacket, self: Pending<T>) => boolean;
    onTimeout?: (self: Pending<T>) => void;
    send: () => void;
  }): Promise<T> {
    const { what, timeoutMs, signal } = r;
    return new Promise<T>((resolve, reject) => {
      const p = new Pending<T>(
        what,
        r.key,
        r.ip,
        r.onPacket,
        resolve,
        reject,
        r.onTimeout ?? ((self) => this.settle(self, () => self.reject(new RequestTimeoutError(what, timeoutMs)))),
      );
      this.add(p);
      if (signal) {
        const onAbort = () => this.settle(p, () => p.reject(new RequestAbortedError(what, { cause: signal.reason })));
        signal.addEventListener('abort', onAbort, { once: true });
        p.cleanup.push(() => signal.removeEventListener('abort', onAbort));
      }
      this.armTimer(p, timeoutMs);
      try {
        r.send();
      } catch (err) {
        this.settle(p, () => p.reject(toNodeFinderError(err)));
      }
    });
  }

  private add<T>(p: Pending<T>): void {
    let set = this.pending.get(p.key);
    if (!set) this.pending.set(p.key, (set = new Set()));
    set.add(p as unknown as Pending<unknown>);
  }

  /** (Re)start the request's timer: findNode waits again after each NEIGHBORS datagram. */
  armTimer<T>(p: Pending<T>, ms: number): void {
    if (p.timer !== undefined) this.clock.clearTimer(p.timer);
    p.timer = this.clock.setTimer(ms, () => {
      p.timer = undefined;
      if (!p.settled) p.onTimeout(p);
    });
  }

  /** Remove the request from every structure, then run its resolve/reject exactly once. */
  settle<T>(p: Pending<T>, fn: () => void): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer !== undefined) this.clock.clearTimer(p.timer);
    p.timer = undefined;
    for (const c of p.cleanup) c();
    const set = this.pending.get(p.key);
    if (set) {
      set.delete(p as unknown as Pending<unknown>);
      if (set.size === 0) this.pending.delete(p.key);
    }
    fn();
  }

  /** Offer a reply to the pending requests of its sender; true if one took it. */
  match(p: DecodedPacket, nodeIdHex: string, ip: string): boolean {
    const set = this.pending.get(PendingRequests.key(nodeIdHex, p.type));
    if (!set) return false;
    for (const pending of [...set]) {
      if (pending.ip === ip && !pending.settled && pending.onPacket(p, pending)) return true;
    }
    return false;
  }

  /** Reject every outstanding request `aborted` (the endpoint closes). */
  abortAll(cause: string): void {
    for (const set of [...this.pending.values()]) {
      for (const p of [...set]) this.settle(p, () => p.reject(new RequestAbortedError(p.what, { cause })));
    }
  }
}
