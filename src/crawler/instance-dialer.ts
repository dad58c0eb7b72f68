/**
 * The dial side of one CrawlerInstance (instance.ts): its DialScheduler (dynamic dials and static
 * redials, scheduler.ts) with the dial itself — one probe per node and period across the process's
 * instances (shared-state.ts), a discv4 PING beside the TCP dial for the discovery RTT, one ENR
 * request per node that said HELLO — and the inbound side: every peer that dials us is probed
 * within the process-wide socket budget and handed to the node's dial owner.
 */
import type { Discv4Endpoint } from '../discv4/endpoint.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { AddressSource, DialEvent, DialVerdict } from '../events.js';
import type { ByteStream, TcpDialer } from '../net/transport.js';
import { bytesToHex } from '../util/bytes.js';
import type { V5Discovery } from './discovery-v5.js';
import type { InstanceOptions } from './instance-options.js';
import { dialVerdict, probeInbound, probeOutbound, withDiscPing, type ProbeConfig } from './probe.js';
import { DialScheduler, type ScheduledDialKind } from './scheduler.js';

export interface InstanceDialerOptions {
  o: InstanceOptions;
  /** Our public key (64 bytes) and node ID hex (the events' `instance`). */
  publicKey: Uint8Array;
  instance: string;
  /** The instance's stop signal: every probe and discovery PING of a dial listens on it. */
  signal: AbortSignal;
  /** The instance's discovery nodes, once started. */
  endpoint: () => Discv4Endpoint | undefined;
  v5: () => V5Discovery | undefined;
  reportSighting: (node: NodeRecord, source: AddressSource) => void;
}

export class InstanceDialer {
  readonly scheduler: DialScheduler;
  private readonly probeConfig: ProbeConfig;
  private readonly inbound = new Set<Promise<unknown>>();
  private readonly dials = new Set<Promise<unknown>>();
  /** Inbound connections closed at once: the socket budget was spent. */
  private inboundShed = 0;

  constructor(private readonly d: InstanceDialerOptions) {
    const o = d.o;
    this.probeConfig = {
      clock: o.clock,
      privateKey: o.privateKey,
      publicKey: d.publicKey,
      instance: d.instance,
      clientId: o.clientId,
      listenPort: o.port,
      network: o.network,
      timeouts: o.probeTimeouts,
      checkDaoFork: o.checkDaoFork,
      ...(o.newDialId ? { newDialId: o.newDialId } : {}),
    };
    const dialer = o.sockets.tcpDialer({ netrestrict: o.netrestrict, clock: o.clock });
    // Built before start() so other instances can route nodes here while this one starts.
    this.scheduler = new DialScheduler({
      clock: o.clock,
      budget: o.budget,
      maxDials: o.maxDials,
      redialIntervalMs: o.redialIntervalMs,
      expireAfterMs: o.expireAfterMs,
      ...(o.claim ? { claim: o.claim } : {}),
      dial: (node, kind, signal) => this.dial(dialer, node, kind, signal),
      onExpire: (node, at) => o.emit({ type: 'node_expired', nodeId: bytesToHex(node.id), at }),
    });
    if (o.staticSeed?.length) this.scheduler.seed(o.staticSeed);
  }

  /** Inbound connections closed at once because the socket budget was spent. */
  get inboundRefused(): number {
    return this.inboundShed;
  }

  /** Inbound connections being probed now. */
  get inboundInFlight(): number {
    return this.inbound.size;
  }

  /** The scheduler that dials `node` (one per node in the process). */
  ownerOf(node: NodeRecord): DialScheduler {
    return this.d.o.owner?.(node) ?? this.scheduler;
  }

  /**
   * An inbound connection. Every inbound peer is accepted whatever our peer count, but its socket
   * counts against the process-wide budget like a dial's: past it, a flood is shed at once.
   */
  accept(stream: ByteStream, stopped: boolean): void {
    const budget = this.d.o.budget;
    if (stopped || !budget.tryAcquire()) {
      this.inboundShed++;
      stream.destroy();
      return;
    }
    const task = probeInbound(this.probeConfig, stream, this.d.signal)
      .then(({ event }) => this.onInbound(event))
      .finally(() => budget.release());
    this.inbound.add(task);
    void task.finally(() => this.inbound.delete(task));
  }

  /** Resolves when no probe is left (a probe that ends adds the task that emits its event). */
  async settled(): Promise<void> {
    while (this.inbound.size + this.dials.size > 0) await Promise.allSettled([...this.inbound, ...this.dials]);
  }

  /**
   * One scheduled dial. A dynamic dial of a node another instance dialed this period, or is dialing
   * now, reuses that answer instead of connecting again.
   */
  private dial(dialer: TcpDialer, node: NodeRecord, kind: ScheduledDialKind, signal: AbortSignal): Promise<DialVerdict> {
    const { shared, clock, emit } = this.d.o;
    const idHex = bytesToHex(node.id);
    if (kind === 'dynamic') {
      const recent = shared.recentDial(idHex, clock.now());
      if (recent) return Promise.resolve(recent);
      const running = shared.runningDial(idHex);
      if (running) return running;
    }
    // discv4 PING→PONG alongside the TCP dial: the node's discovery RTT at the time of the dial.
    const discPing = this.discoveryPing(node);
    const verdict = probeOutbound(this.probeConfig, dialer, node, kind, signal).then(({ event }) => {
      const v = dialVerdict(event);
      shared.recordDial(idHex, event.startedAt, v);
      // The dial slot is free now; the event waits for the PING (at most one discovery timeout).
      this.track(
        discPing.then((ms) => {
          withDiscPing(event, ms);
          emit(event);
          if (v === 'hello') this.fetchEnr(node, idHex);
        }),
      );
      return v;
    });
    shared.trackDial(idHex, verdict);
    // stop() waits for the probe itself (the scheduler lets go of a dial as soon as it aborts),
    // so its DialEvent is emitted before instance_stopped and reaches the writer.
    this.track(verdict);
    return verdict;
  }

  private track(task: Promise<unknown>): void {
    this.dials.add(task);
    void task.finally(() => this.dials.delete(task));
  }

  /** PING→PONG time in ms, or null when the node does not answer discovery. Never rejects. */
  private discoveryPing(node: NodeRecord): Promise<number | null> {
    const endpoint = this.d.endpoint();
    if (!endpoint || node.udpPort <= 0) return Promise.resolve(null);
    return endpoint.ping(node, { signal: this.d.signal }).then(
      (r) => r.rttMs,
      () => null,
    );
  }

  private onInbound(event: DialEvent): void {
    this.d.o.emit(event);
    if (!event.nodeId || !event.publicKey) return;
    const verdict = dialVerdict(event);
    if (verdict === 'failed') return;
    // The peer dialed us: we know its key and IP; its listening port comes from HELLO.
    const port = event.hello?.listenPort ?? 0;
    if (port > 0) {
      const node: NodeRecord = {
        id: Buffer.from(event.nodeId, 'hex'),
        publicKey: Buffer.from(event.publicKey, 'hex'),
        ip: event.ip,
        udpPort: port,
        tcpPort: port,
      };
      this.ownerOf(node).recordInbound(node, verdict);
      this.d.reportSighting(node, 'inbound');
    }
  }

  /** One ENR request per node per process, after it proved alive. Cut short by stop(). */
  private fetchEnr(node: NodeRecord, idHex: string): void {
    const { shared, clock, emit } = this.d.o;
    const endpoint = this.d.endpoint();
    if (this.d.signal.aborted || !endpoint || !shared.claimEnrFetch(idHex, clock.now())) return;
    endpoint
      .requestEnr(node, { signal: this.d.signal })
      .then((enr) => {
        if (this.d.signal.aborted) return;
        emit({ type: 'enr', instance: this.d.instance, nodeId: idHex, seq: enr.seq, raw: bytesToHex(enr.raw), at: clock.now() });
        this.d.v5()?.seed(enr); // a node that runs v5 on its v4 port becomes a v5 lookup candidate
      })
      .catch(() => {
        // Many nodes do not answer ENRREQUEST (pre-EIP-868): nothing to record.
      });
  }
}
