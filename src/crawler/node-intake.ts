/**
 * What one CrawlerInstance (instance.ts) does with a node it hears of — from discv4 (a PING's
 * sender once bonded, a NEIGHBORS entry), discv5 (a record), a DNS list or the bootnodes: the
 * --netrestrict rule, the table, the new-node count, the node's dial owner, the sighting and
 * protocol-answer events (deduplicated by SharedCrawlState) and routing-table enumeration.
 */
import type { Discv4Endpoint } from '../discv4/endpoint.js';
import type { Table } from '../discv4/table.js';
import type { Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { AddressSource, DiscoveryProtocol } from '../events.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import type { DiscoveryCounterReporter } from './discovery-counters.js';
import { v5DialTarget, v5Sighting, type V5Source } from './discovery-v5.js';
import type { Enumerator } from './enumerate.js';
import { HeardSet } from './heard-set.js';
import type { InstanceOptions } from './instance-options.js';
import type { DialScheduler } from './scheduler.js';

export interface NodeIntakeOptions {
  o: InstanceOptions;
  nodeId: Uint8Array;
  /** Our node ID hex (the events' `instance`). */
  instance: string;
  isStopped: () => boolean;
  table: () => Table | undefined;
  endpoint: () => Discv4Endpoint | undefined;
  counters: () => DiscoveryCounterReporter | undefined;
  enumerator: () => Enumerator<NodeRecord> | undefined;
  ownerOf: (node: NodeRecord) => DialScheduler;
}

export class NodeIntake {
  /** Node IDs this instance heard of within --expire-after (for the new-nodes counter). */
  private readonly heard = new HeardSet();
  /** Nodes heard of outside --netrestrict, ignored. */
  private outside = 0;
  /** Packets from senders without an endpoint proof, ignored until they answer our PING. */
  private unproven = 0;
  /** Nodes new to this instance (within --expire-after), all time. */
  private learned = 0;

  constructor(private readonly d: NodeIntakeOptions) {}

  /** Nodes heard of outside --netrestrict and ignored. */
  get ignoredOutsideNetrestrict(): number {
    return this.outside;
  }

  /** Packets from senders without an endpoint proof, ignored. */
  get ignoredUnproven(): number {
    return this.unproven;
  }

  /** Nodes new to this instance (within --expire-after), all time. */
  get newNodes(): number {
    return this.learned;
  }

  /** Forget heard-of node IDs older than --expire-after. */
  prune(now: number): void {
    this.heard.prune(now, this.d.o.expireAfterMs);
  }

  /** Hand a node to routing-table enumeration, if this instance enumerates it. */
  offerEnumeration(node: NodeRecord): void {
    const enumerator = this.d.enumerator();
    if (!enumerator || node.udpPort <= 0) return;
    if (this.d.o.enumerates && !this.d.o.enumerates(node)) return;
    enumerator.offer(node);
  }

  /**
   * A node learned outside discovery, from a signed DNS tree (EIP-1459): hearsay for the table like
   * a bootnode, a dial candidate for its owner (geth feeds DNS nodes to its dialer the same way).
   */
  fromDns(node: NodeRecord, source: Extract<AddressSource, 'dns'>): void {
    const table = this.d.table();
    if (this.d.isStopped() || !table) return;
    if (!this.d.o.netrestrict.allows(node.ip)) {
      this.outside++;
      return;
    }
    table.addSeen(node);
    if (this.heard.add(node.id, this.d.o.clock.now())) this.learned++;
    if (node.tcpPort > 0) this.d.ownerOf(node).learn(node);
    this.reportSighting(node, source);
    this.offerEnumeration(node);
  }

  fromDiscv4(node: NodeRecord, source: 'ping' | 'neighbors'): void {
    const table = this.d.table();
    if (this.d.isStopped() || !table) return;
    // --netrestrict: a node outside the allow-list is neither kept nor dialed (geth does the same).
    if (!this.d.o.netrestrict.allows(node.ip)) {
      this.outside++;
      return;
    }
    if (source === 'ping') {
      // A packet's UDP source can be forged: only an endpoint proof (its PONG to our PING, discv4.md)
      // verifies it. The endpoint pings back an unproven PING, and that PONG brings the node here
      // again; an unproven FINDNODE or ENRREQUEST teaches nothing (geth adds inbound nodes the same way).
      if (!this.d.endpoint()?.isBonded(node)) {
        this.unproven++;
        return;
      }
      table.addVerified(node);
      // Bonded = it answered our PING with a PONG: the node speaks discv4.
      this.reportAnswer(node.id, 'v4');
    } else {
      table.addSeen(node); // NEIGHBORS entries are hearsay
    }
    if (this.heard.add(node.id, this.d.o.clock.now())) {
      this.d.counters()?.countNewNode();
      this.learned++;
    }
    if (node.tcpPort > 0) this.d.ownerOf(node).learn(node);
    this.reportSighting(node, source);
    this.offerEnumeration(node);
  }

  /**
   * A record from discv5 (a NODES entry, or the record of a node that opened a session with us):
   * sighted and stored always; dialed over RLPx only when it has a TCP port and is not a
   * consensus-layer record (discovery-v5.ts v5DialTarget).
   */
  fromV5(enr: Enr, source: V5Source): boolean {
    if (this.d.isStopped()) return false;
    const node = v5Sighting(enr);
    // Our own record comes back in other nodes' NODES answers: never a sighting, never a dial.
    if (!node || equalBytes(node.id, this.d.nodeId)) return false;
    if (!this.d.o.netrestrict.allows(node.ip)) {
      this.outside++;
      return false;
    }
    const fresh = this.heard.add(node.id, this.d.o.clock.now());
    if (fresh) {
      this.d.counters()?.countNewNode();
      this.learned++;
    }
    const dialable = v5DialTarget(enr);
    if (dialable) this.d.ownerOf(dialable).learn(dialable);
    this.reportSighting(node, source);
    const idHex = bytesToHex(enr.nodeId);
    const at = this.d.o.clock.now();
    if (this.d.o.shared.shouldReportEnr(idHex, enr.seq, at)) this.d.o.emit({ type: 'enr', instance: this.d.instance, nodeId: idHex, seq: enr.seq, raw: bytesToHex(enr.raw), at });
    return fresh;
  }

  reportAnswer(id: Uint8Array, protocol: DiscoveryProtocol): void {
    if (this.d.isStopped()) return;
    const idHex = bytesToHex(id);
    const at = this.d.o.clock.now();
    if (this.d.o.shared.shouldReportAnswer(idHex, protocol, at)) this.d.o.emit({ type: 'discovery_answer', instance: this.d.instance, nodeId: idHex, protocol, at });
  }

  reportSighting(node: NodeRecord, source: AddressSource): void {
    const idHex = bytesToHex(node.id);
    if (!this.d.o.shared.shouldReportSighting(node, idHex, this.d.o.clock.now(), source)) return;
    this.d.o.emit({
      type: 'node_seen',
      instance: this.d.instance,
      nodeId: idHex,
      publicKey: bytesToHex(node.publicKey),
      ip: node.ip,
      udpPort: node.udpPort,
      tcpPort: node.tcpPort,
      source,
      at: this.d.o.clock.now(),
    });
  }
}
