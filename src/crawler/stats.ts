/**
 * Running totals of a crawl, fed by the event stream (one consumer of CrawlerEvent among the
 * writer and the metrics endpoint). The status line and the end-of-run summary read them.
 */
import type { ErrorKind } from '../errors.js';
import type { CrawlerEvent } from '../events.js';

export class CrawlStats {
  dials = 0;
  inbound = 0;
  hellos = 0;
  statuses = 0;
  tooManyPeers = 0;
  errors = 0;
  sightings = 0;
  enrs = 0;
  expired = 0;
  readonly errorKinds = new Map<ErrorKind, number>();
  readonly disconnectsReceived = new Map<string, number>();
  readonly clients = new Map<string, number>();
  findnodeSent = 0;
  neighborsReceived = 0;
  nodesLearned = 0;
  /** Distinct node IDs that completed HELLO / STATUS in this run. */
  private readonly helloIds = new Set<string>();
  private readonly statusIds = new Set<string>();

  consume(event: CrawlerEvent): void {
    switch (event.type) {
      case 'dial': {
        if (event.kind === 'inbound') this.inbound++;
        else this.dials++;
        if (event.hello) {
          this.hellos++;
          if (event.nodeId && !this.helloIds.has(event.nodeId)) {
            this.helloIds.add(event.nodeId);
            this.clients.set(event.hello.clientName, (this.clients.get(event.hello.clientName) ?? 0) + 1);
          }
        }
        if (event.status) {
          this.statuses++;
          if (event.nodeId) this.statusIds.add(event.nodeId);
        }
        for (const d of event.disconnects) {
          if (d.direction !== 'received') continue;
          this.disconnectsReceived.set(d.reason, (this.disconnectsReceived.get(d.reason) ?? 0) + 1);
          if (d.reason === 'too_many_peers') this.tooManyPeers++;
        }
        if (event.errorKind) {
          this.errors++;
          this.errorKinds.set(event.errorKind, (this.errorKinds.get(event.errorKind) ?? 0) + 1);
        }
        break;
      }
      case 'node_seen':
        this.sightings++;
        break;
      case 'discovery_counters':
        this.findnodeSent += event.findnodeSent;
        this.neighborsReceived += event.neighborsReceived;
        this.nodesLearned += event.nodesLearned;
        break;
      case 'enr':
        this.enrs++;
        break;
      case 'node_expired':
        this.expired++;
        break;
      default:
        break;
    }
  }

  get distinctHello(): number {
    return this.helloIds.size;
  }

  get distinctStatus(): number {
    return this.statusIds.size;
  }

  hasHello(nodeId: string): boolean {
    return this.helloIds.has(nodeId);
  }

  topErrors(n = 3): string {
    return [...this.errorKinds]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  }
}
