/**
 * The crawler's discovery in the model: each instance is one identity with its own routing table
 * (k=16 per log-distance bucket, filled as nodes are learned, entries that fail to answer dropped),
 * and learns nodes in two ways:
 *  - lookups: a random target, α=3 iterative FINDNODE over the simulated tables, stopping when the
 *    k closest known nodes have all been asked (geth p2p/discover/lookup.go; discv4/lookup.ts);
 *  - enumeration: a node the instance learned for the first time is asked for its whole table
 *    (FINDNODE at every distance, as NodeFinder does), at most ENUMERATIONS_PER_TICK per tick.
 * Queries are instantaneous in simulated time (a lookup takes seconds, the study spans hours).
 */
import { Prng } from '../analysis/prng.js';
import { ALPHA, BUCKET_SIZE } from '../discv4/constants.js';
import { Fifo } from '../crawler/queues.js';
import type { SimNode } from './population.js';
import { closer, commonPrefix, type SimTables } from './tables.js';
import type { DiscoveryMode } from './options.js';

/** Whole tables read per instance per lookup tick in enumerate mode (~16 FINDNODEs each). */
export const ENUMERATIONS_PER_TICK = 4;

export interface DiscoveryCounters {
  findnodeSent: number;
  neighborsReceived: number;
  nodesLearned: number;
  newNodes: number;
  timeouts: number;
}

export const zeroCounters = (): DiscoveryCounters => ({ findnodeSent: 0, neighborsReceived: 0, nodesLearned: 0, newNodes: 0, timeouts: 0 });

export class SimInstance {
  readonly index: number;
  readonly idHex: string;
  readonly pubHex: string;
  readonly hi: number;
  readonly lo: number;
  /** Routing table: node indices per common-prefix length (0..64). */
  private readonly buckets: number[][] = Array.from({ length: 65 }, () => []);
  private readonly inTable = new Set<number>();
  /** Nodes this identity has learned (enumeration happens once per node). */
  private readonly learned = new Set<number>();
  private readonly toEnumerate = new Fifo<SimNode>();
  counters = zeroCounters();

  constructor(index: number, id: Uint8Array, publicKey: Uint8Array, idHex: string, pubHex: string) {
    this.index = index;
    this.idHex = idHex;
    this.pubHex = pubHex;
    this.hi = ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
    this.lo = ((id[4]! << 24) | (id[5]! << 16) | (id[6]! << 8) | id[7]!) >>> 0;
    void publicKey;
  }

  get tableSize(): number {
    return this.inTable.size;
  }

  /** Add to the routing table if its bucket has room (geth keeps the older entries). */
  addToTable(node: SimNode): void {
    if (this.inTable.has(node.index)) return;
    const b = this.buckets[commonPrefix(this.hi, this.lo, node.hi, node.lo)]!;
    if (b.length >= BUCKET_SIZE) return;
    b.push(node.index);
    this.inTable.add(node.index);
  }

  removeFromTable(node: SimNode): void {
    if (!this.inTable.delete(node.index)) return;
    const b = this.buckets[commonPrefix(this.hi, this.lo, node.hi, node.lo)]!;
    const at = b.indexOf(node.index);
    if (at >= 0) b.splice(at, 1);
  }

  /** First time this identity hears of the node? (queues it for enumeration). */
  markLearned(node: SimNode, enumerate: boolean): boolean {
    if (this.learned.has(node.index)) return false;
    this.learned.add(node.index);
    if (enumerate) this.toEnumerate.push(node);
    return true;
  }

  closestInTable(nodes: SimNode[], th: number, tl: number, k: number): SimNode[] {
    const all: SimNode[] = [];
    for (const b of this.buckets) for (const i of b) all.push(nodes[i]!);
    all.sort((a, b) => (closer(th, tl, a, b) ? -1 : closer(th, tl, b, a) ? 1 : 0));
    return all.slice(0, k);
  }

  nextToEnumerate(): SimNode | undefined {
    return this.toEnumerate.shift();
  }
}

export interface DiscoveryHooks {
  /** `node` was named in a NEIGHBORS answer to `inst`. */
  learn(inst: SimInstance, node: SimNode): void;
}

export class SimDiscovery {
  private readonly tables: SimTables;
  private readonly nodes: SimNode[];
  private readonly mode: DiscoveryMode;
  private readonly hooks: DiscoveryHooks;
  readonly prng: Prng;
  lookups = 0;
  enumerations = 0;

  constructor(tables: SimTables, nodes: SimNode[], mode: DiscoveryMode, hooks: DiscoveryHooks, seed: number) {
    this.tables = tables;
    this.nodes = nodes;
    this.mode = mode;
    this.hooks = hooks;
    this.prng = new Prng(BigInt(seed) * 4n + 3n);
  }

  get enumerates(): boolean {
    return this.mode !== 'lookups';
  }

  /** One discovery tick of an instance: a lookup and/or a few enumerations. */
  tick(inst: SimInstance, now: number): void {
    if (this.mode !== 'enumerate') this.lookup(inst, this.prng.nextU32(), this.prng.nextU32(), now);
    if (this.mode !== 'lookups') {
      for (let i = 0; i < ENUMERATIONS_PER_TICK; i++) {
        const node = inst.nextToEnumerate();
        if (!node) break;
        this.enumerate(inst, node, now);
      }
      // Enumeration alone needs a seed of its own when the queue runs dry: ask the table's nodes.
      if (this.mode === 'enumerate' && inst.tableSize > 0 && this.prng.nextFloat() < 0.1) {
        const pick = inst.closestInTable(this.nodes, this.prng.nextU32(), this.prng.nextU32(), 1)[0];
        if (pick) this.enumerate(inst, pick, now);
      }
    }
  }

  /** α=3 iterative lookup towards (th, tl) starting from the instance's own table. */
  lookup(inst: SimInstance, th: number, tl: number, now: number): void {
    this.lookups++;
    let result = inst.closestInTable(this.nodes, th, tl, BUCKET_SIZE);
    const asked = new Set<number>();
    for (;;) {
      const round: SimNode[] = [];
      for (const n of result) {
        if (round.length >= ALPHA) break;
        if (!asked.has(n.index)) round.push(n);
      }
      if (round.length === 0) break;
      for (const q of round) {
        asked.add(q.index);
        const answer = this.ask(inst, q, now, (node) => this.tables.closest(node, th, tl, now));
        if (answer === null) {
          result = result.filter((n) => n !== q);
          continue;
        }
        for (const n of answer) {
          if (n.index === q.index || result.includes(n)) continue;
          let pos = result.length;
          while (pos > 0 && closer(th, tl, n, result[pos - 1]!)) pos--;
          if (pos >= BUCKET_SIZE) continue;
          result.splice(pos, 0, n);
          if (result.length > BUCKET_SIZE) result.pop();
        }
      }
    }
  }

  /** Read a node's whole table (one FINDNODE per non-empty bucket distance). */
  enumerate(inst: SimInstance, node: SimNode, now: number): void {
    this.enumerations++;
    this.ask(inst, node, now, (n) => this.tables.allOnline(n, now));
  }

  /** One query: null when the node does not answer (offline: it leaves the instance's table). */
  private ask(inst: SimInstance, q: SimNode, now: number, answer: (n: SimNode) => SimNode[]): SimNode[] | null {
    inst.counters.findnodeSent++;
    if (!q.online) {
      inst.counters.timeouts++;
      inst.removeFromTable(q);
      return null;
    }
    inst.addToTable(q);
    const found = answer(q);
    inst.counters.neighborsReceived += Math.max(1, Math.ceil(found.length / 12));
    inst.counters.nodesLearned += found.length;
    for (const n of found) {
      if (inst.markLearned(n, this.enumerates)) inst.counters.newNodes++;
      inst.addToTable(n);
      this.hooks.learn(inst, n);
    }
    return found;
  }
}
