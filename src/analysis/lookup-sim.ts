/**
 * What Parity's pre-2.0 distance did to Kademlia lookups: a deterministic simulation.
 *
 * A network of N nodes with random IDs. Every node keeps a 256-bucket table (k = 16 per bucket)
 * filled with the other nodes in a random order of arrival, first come first kept. A node places a
 * node in the bucket given by its OWN metric: geth's log distance, or — for the Parity fraction —
 * Parity's per-byte bit-length sum. Answering FINDNODE, a node returns the k entries of its table that
 * are "closest" to the target by its own metric (geth: XOR order; Parity: smallest Parity distance,
 * as its nearest_node_entries did).
 *
 * A lookup is the iterative Kademlia procedure (discv4.md "Recursive lookup"): start from the
 * initiator's own k closest, query the alpha closest not yet asked, merge answers, keep the k closest
 * seen (by the initiator's metric), stop when all of those k have been asked. It succeeds when its final
 * k are exactly the true k XOR-closest nodes of the network. A lookup that is still finding "closer"
 * nodes after MAX_LOOKUP_ROUNDS rounds has not converged: it wanders the network instead of
 * homing in — the unintentional eclipse of the IMC 2018 paper.
 *
 * The simulation has its own tiny table; the crawler's real table is src/discv4/table.ts.
 * Tables here have no liveness, churn or IP limits: only the metric differs between nodes.
 */
import { NODE_ID_BYTES } from '../enode/distance.js';
import { ALPHA, BUCKET_SIZE } from '../discv4/constants.js';
import { checkInteger, checkNumber } from './errors.js';
import { ID_WORDS, compareDistanceWords, idsToWords, logDistanceWords, parityDistanceWords } from './id-words.js';
import { Prng } from './prng.js';

/** One bucket per possible distance 0..256 (bucket 0 would only hold our own ID). */
export const BUCKET_COUNT = NODE_ID_BYTES * 8 + 1;
/**
 * Rounds after which a lookup counts as not converged. An XOR lookup must ask at least the final k
 * nodes (⌈16/3⌉ = 6 rounds) and over a few thousand nodes needs a few more; Parity itself gave up after
 * 8 (DISCOVERY_MAX_STEPS). 4× Parity's cap leaves room for slow but honest convergence.
 */
export const MAX_LOOKUP_ROUNDS = 32;

export const DEFAULT_NODES = 2000;
export const MIN_NODES = BUCKET_SIZE + 2;
/** Table filling is O(N²): 20 000 nodes is already ~100× the default's work. */
export const MAX_NODES = 20_000;
export const DEFAULT_LOOKUPS = 400;
export const MAX_LOOKUPS = 100_000;
export const DEFAULT_PARITY_FRACTIONS: readonly number[] = [0, 0.1, 0.25, 0.5, 1];

export type NodeMetric = 'geth' | 'parity';

export interface LookupSimOptions {
  nodes?: number;
  seed?: number;
  /** Lookups per Parity fraction (the same start/target pairs for every fraction). */
  lookups?: number;
  parityFractions?: readonly number[];
  maxRounds?: number;
}

export interface LookupOutcome {
  initiatorMetric: NodeMetric;
  success: boolean;
  /** Share of the true k closest that the lookup ended with. */
  recall: number;
  rounds: number;
  messages: number;
  converged: boolean;
}

export interface LookupSweepPoint {
  parityFraction: number;
  parityNodes: number;
  lookups: number;
  /** Share of lookups ending with exactly the true k closest. */
  success: number;
  gethLookups: number;
  gethSuccess: number | null;
  parityLookups: number;
  paritySuccess: number | null;
  meanRecall: number;
  meanHops: number;
  meanMessages: number;
  maxHops: number;
  /** Share of lookups that hit MAX_LOOKUP_ROUNDS without converging. */
  nonConverged: number;
}

export interface LookupSimResult {
  nodes: number;
  seed: number;
  lookupsPerFraction: number;
  maxRounds: number;
  /** Mean number of table entries of a geth-metric and a Parity-metric node. */
  meanTableSize: { geth: number; parity: number };
  points: LookupSweepPoint[];
}

/** A network whose nodes' tables are built for both metrics, so the sweep only reassigns metrics. */
export class SimNetwork {
  readonly size: number;
  /** All node IDs as words: node i at word offset i × ID_WORDS. */
  private readonly words: Uint32Array;
  /** Per node, the table it would have with each metric (node indices, in order of arrival). */
  private readonly tables: Record<NodeMetric, Int32Array[]>;
  /** Per node, a uniform draw: the node uses Parity's metric iff draw < fraction (nested sweeps). */
  private readonly draws: Float64Array;
  private readonly isParity: Uint8Array;

  constructor(size: number, prng: Prng) {
    checkInteger('nodes', size, MIN_NODES, MAX_NODES);
    this.size = size;
    this.words = idsToWords(prng.fillBytes(new Uint8Array(size * NODE_ID_BYTES)), size);
    this.draws = Float64Array.from({ length: size }, () => prng.nextFloat());
    this.isParity = new Uint8Array(size);
    this.tables = { geth: [], parity: [] };
    const order = new Int32Array(size);
    const fill = new Uint8Array(BUCKET_COUNT);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) order[j] = j;
      prng.shuffle(order);
      this.tables.geth.push(this.fillTable(i, order, fill, logDistanceWords));
      this.tables.parity.push(this.fillTable(i, order, fill, parityDistanceWords));
    }
  }

  private fillTable(self: number, order: Int32Array, fill: Uint8Array, metric: typeof logDistanceWords): Int32Array {
    fill.fill(0);
    const members: number[] = [];
    const w = this.words;
    for (let n = 0; n < order.length; n++) {
      const j = order[n]!;
      if (j === self) continue;
      const bucket = metric(w, self * ID_WORDS, w, j * ID_WORDS);
      if (fill[bucket]! < BUCKET_SIZE) {
        fill[bucket]!++;
        members.push(j);
      }
    }
    return Int32Array.from(members);
  }

  /** Node `i`'s 32-byte ID. */
  id(i: number): Uint8Array {
    const out = new Uint8Array(NODE_ID_BYTES);
    const view = new DataView(out.buffer);
    for (let k = 0; k < ID_WORDS; k++) view.setUint32(k * 4, this.words[i * ID_WORDS + k]!, false);
    return out;
  }

  /** Make the nodes whose draw is below `fraction` use Parity's metric; returns how many do. */
  setParityFraction(fraction: number): number {
    checkNumber('parity fraction', fraction, 0, 1);
    let count = 0;
    for (let i = 0; i < this.size; i++) {
      // fraction 1 must mean every node, whatever the draw.
      const parity = fraction >= 1 || this.draws[i]! < fraction;
      this.isParity[i] = parity ? 1 : 0;
      count += parity ? 1 : 0;
    }
    return count;
  }

  metricOf(node: number): NodeMetric {
    return this.isParity[node] ? 'parity' : 'geth';
  }

  table(node: number, metric: NodeMetric = this.metricOf(node)): Int32Array {
    return this.tables[metric][node]!;
  }

  /** The FINDNODE answer of `node` for `target`: its k closest table entries by its own metric. */
  answer(node: number, target: Uint8Array): number[] {
    return this.closestWords(this.table(node), idsToWords(target, 1), this.metricOf(node), BUCKET_SIZE);
  }

  /** The `count` closest of `candidates` to `target`, closest first, by a metric's notion of closeness. */
  closest(candidates: ArrayLike<number>, target: Uint8Array, metric: NodeMetric, count: number): number[] {
    return this.closestWords(candidates, idsToWords(target, 1), metric, count);
  }

  private closestWords(candidates: ArrayLike<number>, t: Uint32Array, metric: NodeMetric, count: number): number[] {
    const w = this.words;
    const parity = metric === 'parity';
    const best: number[] = [];
    const keys: number[] = [];
    for (let n = 0; n < candidates.length; n++) {
      const j = candidates[n]!;
      const jo = j * ID_WORDS;
      // Parity: its distance. geth: the first XOR word, with a full comparison on ties.
      const key = parity ? parityDistanceWords(t, 0, w, jo) : (w[jo]! ^ t[0]!) >>> 0;
      // Insert into the sorted top list when strictly better than an entry; ties keep the earlier one.
      let pos = best.length;
      while (pos > 0) {
        const kb = keys[pos - 1]!;
        const closer = key < kb || (!parity && key === kb && compareDistanceWords(t, 0, w, jo, best[pos - 1]! * ID_WORDS) < 0);
        if (!closer) break;
        pos--;
      }
      if (pos >= count) continue;
      best.splice(pos, 0, j);
      keys.splice(pos, 0, key);
      if (best.length > count) {
        best.pop();
        keys.pop();
      }
    }
    return best;
  }

  /** The true k closest nodes to target by XOR, excluding `exclude` (the initiator). */
  trueClosest(target: Uint8Array, exclude: number, count = BUCKET_SIZE): number[] {
    const all: number[] = [];
    for (let j = 0; j < this.size; j++) if (j !== exclude) all.push(j);
    return this.closest(all, target, 'geth', count);
  }

  /**
   * One iterative lookup from `initiator` for `target`. `truth` (the true k closest, excluding the
   * initiator) and `answers` (a cache of FINDNODE answers for this target, keyed by node and metric)
   * may be passed when the same lookup is repeated under several metric assignments.
   */
  lookup(
    initiator: number,
    target: Uint8Array,
    maxRounds = MAX_LOOKUP_ROUNDS,
    truth?: readonly number[],
    answers?: Map<number, number[]>,
  ): LookupOutcome {
    const metric = this.metricOf(initiator);
    const t = idsToWords(target, 1);
    const seen = new Set<number>([initiator]);
    const asked = new Set<number>();
    let result = this.closestWords(this.table(initiator), t, metric, BUCKET_SIZE);
    for (const j of result) seen.add(j);
    let rounds = 0;
    let messages = 0;
    let converged = false;
    for (;;) {
      const next = result.filter((j) => !asked.has(j)).slice(0, ALPHA);
      if (next.length === 0) {
        converged = true;
        break;
      }
      if (rounds === maxRounds) break;
      rounds++;
      const merged = [...result];
      for (const j of next) {
        asked.add(j);
        messages++;
        const answerKey = j * 2 + (this.isParity[j] ? 1 : 0);
        let answer = answers?.get(answerKey);
        if (!answer) {
          answer = this.closestWords(this.table(j), t, this.metricOf(j), BUCKET_SIZE);
          answers?.set(answerKey, answer);
        }
        for (const n of answer) {
          if (!seen.has(n)) {
            seen.add(n);
            merged.push(n);
          }
        }
      }
      result = this.closestWords(merged, t, metric, BUCKET_SIZE);
    }
    const expected = new Set(truth ?? this.trueClosest(target, initiator));
    let hits = 0;
    for (const j of result) if (expected.has(j)) hits++;
    return {
      initiatorMetric: metric,
      success: hits === expected.size && result.length === expected.size,
      recall: expected.size === 0 ? 1 : hits / expected.size,
      rounds,
      messages,
      converged,
    };
  }
}

/** Build one network and sweep the Parity fraction over the same lookups. Deterministic in `seed`. */
export function runLookupSimulation(options: LookupSimOptions = {}): LookupSimResult {
  const nodes = options.nodes ?? DEFAULT_NODES;
  const seed = options.seed ?? 1;
  const lookups = options.lookups ?? DEFAULT_LOOKUPS;
  const fractions = options.parityFractions ?? DEFAULT_PARITY_FRACTIONS;
  const maxRounds = options.maxRounds ?? MAX_LOOKUP_ROUNDS;
  checkInteger('nodes', nodes, MIN_NODES, MAX_NODES);
  checkInteger('seed', seed, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('lookups', lookups, 1, MAX_LOOKUPS);
  checkInteger('maxRounds', maxRounds, 1, 10_000);
  for (const f of fractions) checkNumber('parity fraction', f, 0, 1);

  // A stream of its own, so the study's samples and the network never share random numbers.
  const prng = new Prng(BigInt(seed) ^ 0x5eed_1007_c0de_0001n);
  const network = new SimNetwork(nodes, prng);
  const pairs = Array.from({ length: lookups }, () => {
    const initiator = prng.nextBelow(nodes);
    const target = prng.fillBytes(new Uint8Array(NODE_ID_BYTES));
    return { initiator, target, truth: network.trueClosest(target, initiator), answers: new Map<number, number[]>() };
  });
  const points = fractions.map((fraction) => {
    const parityNodes = network.setParityFraction(fraction);
    const outcomes = pairs.map((p) => network.lookup(p.initiator, p.target, maxRounds, p.truth, p.answers));
    return summarizeOutcomes(fraction, parityNodes, outcomes);
  });
  const meanSize = (metric: NodeMetric) => {
    let sum = 0;
    for (let i = 0; i < nodes; i++) sum += network.table(i, metric).length;
    return sum / nodes;
  };
  return {
    nodes,
    seed,
    lookupsPerFraction: lookups,
    maxRounds,
    meanTableSize: { geth: meanSize('geth'), parity: meanSize('parity') },
    points,
  };
}

export function summarizeOutcomes(parityFraction: number, parityNodes: number, outcomes: LookupOutcome[]): LookupSweepPoint {
  const n = outcomes.length;
  const share = (xs: LookupOutcome[], f: (o: LookupOutcome) => boolean) => (xs.length === 0 ? null : xs.filter(f).length / xs.length);
  const mean = (f: (o: LookupOutcome) => number) => (n === 0 ? 0 : outcomes.reduce((s, o) => s + f(o), 0) / n);
  const geth = outcomes.filter((o) => o.initiatorMetric === 'geth');
  const parity = outcomes.filter((o) => o.initiatorMetric === 'parity');
  return {
    parityFraction,
    parityNodes,
    lookups: n,
    success: share(outcomes, (o) => o.success) ?? 0,
    gethLookups: geth.length,
    gethSuccess: share(geth, (o) => o.success),
    parityLookups: parity.length,
    paritySuccess: share(parity, (o) => o.success),
    meanRecall: mean((o) => o.recall),
    meanHops: mean((o) => o.rounds),
    meanMessages: mean((o) => o.messages),
    maxHops: outcomes.reduce((m, o) => Math.max(m, o.rounds), 0),
    nonConverged: share(outcomes, (o) => !o.converged) ?? 0,
  };
}
