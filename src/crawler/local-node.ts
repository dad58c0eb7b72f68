/**
 * An instance's own node record (EIP-778), kept current as go-ethereum's enode.LocalNode does:
 *
 *   - "eth" = [[forkHash, forkNext]] for the crawled network at the present time (devp2p
 *     enr-entries/eth.md; geth eth/protocols/eth/discovery.go enrEntry), re-signed when a fork
 *     passes (a timer on the injected clock at FORK_NEXT). geth ≥ 1.16 dials a discv4 node only
 *     after an ENRRequest whose record carries an "eth" entry passing its fork filter
 *     (eth/backend.go setupDiscovery), so without it no current geth ever dials us;
 *   - the IP: the static one (--external-ip), else the endpoint most peers state in their PONGs
 *     (IpTracker, geth p2p/enode/localnode.go updateEndpoints, which then also takes the stated
 *     UDP port), else the fallback (the listen address unless it is a wildcard);
 *   - seq: every change signs a new record with seq + 1, persisted beside the key before the
 *     record is served; a restart continues above the saved value (geth bumps on every signing and
 *     starts a node without a saved seq at the Unix time in ms, nodedb.go localSeq).
 */
import { formatEnode } from '../enode/enode-url.js';
import { createEnr, type Enr, type EnrFields } from '../enode/enr.js';
import { isUnspecifiedIp, normalizeIp } from '../net/ip.js';
import { IpTracker, type Endpoint, type IpTrackerOptions } from '../discv4/ip-tracker.js';
import { TIMESTAMP_THRESHOLD, currentForkId, type ForkId } from '../eth/fork-id.js';
import { forkSchedule, type NetworkDefinition } from '../eth/networks.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import type { UdpAddress } from '../net/transport.js';
import { toNodeFinderError, type NodeFinderError } from '../errors.js';
import type { EnrSeqStore } from './keys.js';
import { memoryEnrSeqStore } from './keys.js';

/** Timers on the system clock overflow past 2^31 − 1 ms (~24.8 days): re-check at least daily. */
const MAX_FORK_TIMER_MS = 24 * 3600_000;

export interface LocalNodeOptions {
  privateKey: Uint8Array;
  clock: Clock;
  network: NetworkDefinition;
  udpPort: number;
  tcpPort: number;
  /** --external-ip: announced unconditionally (no prediction). */
  staticIp?: string;
  /** Used while nothing is predicted (the listen address when it is not a wildcard). */
  fallbackIp?: string;
  seqStore?: EnrSeqStore;
  /**
   * The "eth" entry: undefined → the network's current fork ID (the normal case); null → none;
   * a ForkId → that one (tests that show what a wrong record costs).
   */
  forkId?: ForkId | null;
  tracker?: Omit<IpTrackerOptions, 'clock'>;
  /** A new record was signed (after its seq was saved). */
  onChange?: (enr: Enr) => void;
  onError?: (err: NodeFinderError) => void;
}

export class LocalNode {
  private readonly o: LocalNodeOptions;
  private readonly store: EnrSeqStore;
  private readonly trackers: { 4: IpTracker; 6: IpTracker };
  private current: Enr | undefined;
  private contentKey = '';
  /** The fork ID in the record; recomputed when the fork timer fires, not per PONG. */
  private eth: ForkId | undefined;
  private seq = 0n;
  private forkTimer: TimerHandle | undefined;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: LocalNodeOptions) {
    this.o = options;
    this.store = options.seqStore ?? memoryEnrSeqStore();
    const t = { clock: options.clock, ...options.tracker };
    this.trackers = { 4: new IpTracker(t), 6: new IpTracker(t) };
  }

  /** Load the saved seq, sign the first record (saving its seq) and arm the fork timer. */
  async start(): Promise<Enr> {
    this.eth = this.forkId();
    const saved = await this.store.load();
    this.seq = saved > 0n ? saved : BigInt(Math.floor(this.o.clock.now()));
    const fields = this.fields();
    this.seq += 1n;
    const enr = createEnr({ ...fields, seq: this.seq });
    await this.store.save(this.seq);
    this.current = enr;
    this.contentKey = keyOf(fields);
    this.armForkTimer();
    return enr;
  }

  get enr(): Enr {
    if (!this.current) throw new RangeError('LocalNode: start() first');
    return this.current;
  }

  /** enode://id@ip:tcp?discport=udp of the current record (ip 0.0.0.0 when it has none yet). */
  get enode(): string {
    const enr = this.enr;
    const rec = enr.toNodeRecord();
    return formatEnode(rec ?? { id: enr.nodeId, publicKey: enr.publicKey, ip: '0.0.0.0', udpPort: this.o.udpPort, tcpPort: this.o.tcpPort });
  }

  /** A PONG from `from` says our endpoint is `to` (Discv4Endpoint onEndpointStatement). */
  endpointStatement(from: UdpAddress, to: UdpAddress): void {
    const family = familyOf(to.address);
    if (family === undefined) return;
    this.trackers[family].addStatement(from.address, { ip: to.address, port: to.port });
    this.refresh();
  }

  /** We sent a PING to `to` (Discv4Endpoint onContact). */
  contact(to: UdpAddress): void {
    const family = familyOf(to.address);
    if (family !== undefined) this.trackers[family].addContact(to.address);
  }

  /** Re-sign when the content changed (endpoint prediction, a fork passed). */
  refresh(): void {
    if (!this.current || this.closed) return;
    const fields = this.fields();
    const key = keyOf(fields);
    if (key === this.contentKey) return;
    this.seq += 1n;
    let enr: Enr;
    try {
      enr = createEnr({ ...fields, seq: this.seq });
    } catch (err) {
      this.o.onError?.(toNodeFinderError(err));
      return;
    }
    this.contentKey = key;
    const seq = this.seq;
    // Saved before it is served: a restart must never go below a seq a peer has seen.
    this.saving = this.saving
      .then(() => this.store.save(seq))
      .then(
        () => {
          if (seq !== this.seq) return;
          this.current = enr;
          try {
            this.o.onChange?.(enr);
          } catch (err) {
            this.o.onError?.(toNodeFinderError(err));
          }
        },
        (err: unknown) => this.o.onError?.(toNodeFinderError(err)),
      );
  }

  /** Resolves when every record signed so far is saved and served. */
  flush(): Promise<void> {
    return this.saving;
  }

  /** Stop the fork timer and wait for the last seq to be saved. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.forkTimer !== undefined) this.o.clock.clearTimer(this.forkTimer);
    this.forkTimer = undefined;
    await this.saving;
  }

  /** The predicted endpoint of a family, if any (status and tests). */
  predicted(family: 4 | 6): Endpoint | undefined {
    return this.trackers[family].predictEndpoint();
  }

  private forkId(): ForkId | undefined {
    if (this.o.forkId === null) return undefined;
    return this.o.forkId ?? currentForkId(forkSchedule(this.o.network), Math.floor(this.o.clock.now() / 1000));
  }

  private fields(): Omit<EnrFields, 'seq'> {
    const o = this.o;
    const f: Omit<EnrFields, 'seq'> = { privateKey: o.privateKey, tcp: o.tcpPort, udp: o.udpPort };
    const v4 = this.endpointOf(4);
    const v6 = this.endpointOf(6);
    if (v4) {
      f.ip = v4.ip;
      f.udp = v4.port;
    }
    if (v6) {
      f.ip6 = v6.ip;
      if (v6.port !== f.udp) f.udp6 = v6.port; // EIP-778: udp6 only where it differs
    }
    if (this.eth) f.eth = { forkHash: this.eth.hash, forkNext: this.eth.next };
    return f;
  }

  /** geth lnEndpoint.get: static IP, else the prediction (with its port), else the fallback IP. */
  private endpointOf(family: 4 | 6): Endpoint | undefined {
    const usable = (ip: string | undefined) => {
      const n = ip === undefined ? undefined : normalizeIp(ip);
      return n !== undefined && !isUnspecifiedIp(n) && familyOf(n) === family ? n : undefined;
    };
    const fixed = usable(this.o.staticIp);
    if (fixed) return { ip: fixed, port: this.o.udpPort };
    const predicted = this.trackers[family].predictEndpoint();
    if (predicted && usable(predicted.ip)) return predicted;
    const fallback = usable(this.o.fallbackIp);
    return fallback ? { ip: fallback, port: this.o.udpPort } : undefined;
  }

  /** FORK_NEXT is a timestamp after every block fork: re-sign once the clock reaches it. */
  private armForkTimer(): void {
    if (this.closed) return;
    const eth = this.o.forkId === undefined ? this.eth : undefined;
    if (!eth || eth.next <= TIMESTAMP_THRESHOLD) return;
    const due = Number(eth.next) * 1000 - this.o.clock.now();
    this.forkTimer = this.o.clock.setTimer(Math.max(0, Math.min(due, MAX_FORK_TIMER_MS)), () => {
      this.forkTimer = undefined;
      this.eth = this.forkId();
      this.refresh();
      this.armForkTimer();
    });
  }
}

function familyOf(ip: string): 4 | 6 | undefined {
  const n = normalizeIp(ip);
  if (n === undefined) return undefined;
  return n.includes(':') ? 6 : 4;
}

function keyOf(f: Omit<EnrFields, 'seq'>): string {
  const eth = f.eth ? `${Buffer.from(f.eth.forkHash).toString('hex')}/${f.eth.forkNext}` : '';
  return [f.ip, f.udp, f.ip6, f.udp6, f.tcp, eth].map((x) => x ?? '').join('|');
}
