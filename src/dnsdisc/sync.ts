/**
 * Resolving DNS trees (EIP-1459 "Client Protocol"): the root at the link's domain, its signature
 * checked with the link's key, then every branch and leaf of both subtrees, each entry's text
 * checked against the hash it was found under, links followed to further trees (bounded).
 *
 * A state machine over an injected TXT lookup: no sockets here, so tests drive it with a map.
 * Entries are content-addressed, so they are cached by hash across syncs and a re-sync after the
 * root's seq changed costs only the entries that changed (geth p2p/dnsdisc/client.go caches the
 * same way). A failed entry is counted and skipped; the rest of the tree still counts.
 */
import type { Enr } from '../enode/enr.js';
import { bytesToHex } from '../util/bytes.js';
import { BRANCH_PREFIX, ENR_PREFIX, LINK_PREFIX, MAX_LINKED_TREES, MAX_TREE_DEPTH, MAX_TREE_ENTRIES, ROOT_PREFIX, SYNC_CONCURRENCY } from './constants.js';
import { DnsDiscError, type DnsErrorReason } from './errors.js';
import type { LookupRateLimiter } from './rate-limit.js';
import { formatLink, matchesHash, parseEntry, parseLink, parseRoot, verifyRoot, type RootEntry, type TreeEntry, type TreeLink } from './entries.js';

/** The TXT records at a name, each one's character-strings already joined. Rejects on failure. */
export type TxtLookup = (name: string, signal?: AbortSignal) => Promise<string[]>;

export interface TreeState {
  link: string;
  /** The last verified root; undefined until one was resolved. */
  root: RootEntry | undefined;
  /** Leaves of the last walk, by node ID (hex). */
  nodes: Map<string, Enr>;
  /** Links found in the last walk (normalised enrtree:// text). */
  links: Set<string>;
  /** Entries that failed in the last walk (re-tried at the next sync even if the root is unchanged). */
  failedEntries: number;
}

export interface SyncReport {
  /** Trees whose root resolved and verified. */
  trees: number;
  /** Trees walked this time (new root, or failures last time). */
  walked: number;
  lookups: number;
  /** Records that are new or have a higher seq than last sync. */
  changed: Enr[];
  failures: Partial<Record<DnsErrorReason, number>>;
}

export interface DnsTreeSyncOptions {
  lookup: TxtLookup;
  /** enrtree:// URLs (already validated with parseLink or not: bad ones throw here). */
  links: readonly string[];
  maxLinkedTrees?: number;
  maxEntries?: number;
  maxDepth?: number;
  concurrency?: number;
  /** Token bucket on lookups; none when absent (tests with an in-memory zone). */
  rateLimit?: LookupRateLimiter;
  /**
   * Records as they resolve, batch by batch, before the sync ends: a crawl can dial the first
   * nodes of a large list (minutes at a polite rate) at once, as geth's iterator yields them.
   */
  onLeaves?: (enrs: Enr[]) => void;
}

export class DnsTreeSync {
  private readonly o: Required<Omit<DnsTreeSyncOptions, 'links' | 'rateLimit' | 'onLeaves'>>;
  private readonly onLeaves: ((enrs: Enr[]) => void) | undefined;
  private readonly limiter: LookupRateLimiter | undefined;
  private readonly configured: TreeLink[];
  private readonly trees = new Map<string, TreeState>();
  private cache = new Map<string, TreeEntry>();
  /** Lifetime failure counts by reason. */
  readonly failures: Partial<Record<DnsErrorReason, number>> = {};
  lookups = 0;

  constructor(options: DnsTreeSyncOptions) {
    this.o = {
      lookup: options.lookup,
      maxLinkedTrees: options.maxLinkedTrees ?? MAX_LINKED_TREES,
      maxEntries: options.maxEntries ?? MAX_TREE_ENTRIES,
      maxDepth: options.maxDepth ?? MAX_TREE_DEPTH,
      concurrency: options.concurrency ?? SYNC_CONCURRENCY,
    };
    this.limiter = options.rateLimit;
    this.onLeaves = options.onLeaves;
    this.configured = options.links.map((l) => parseLink(l));
  }

  /** Every record of every tree reached, by node ID (hex); the highest seq wins. */
  nodes(): Map<string, Enr> {
    const out = new Map<string, Enr>();
    for (const t of this.trees.values()) {
      for (const [id, e] of t.nodes) {
        const have = out.get(id);
        if (!have || have.seq < e.seq) out.set(id, e);
      }
    }
    return out;
  }

  treeStates(): TreeState[] {
    return [...this.trees.values()];
  }

  /**
   * One pass: re-resolve every root, walk the trees whose root changed (or that had failures),
   * follow links breadth-first up to maxLinkedTrees trees beyond the configured ones.
   */
  async sync(signal?: AbortSignal): Promise<SyncReport> {
    const report: SyncReport = { trees: 0, walked: 0, lookups: 0, changed: [], failures: {} };
    const lookupsBefore = this.lookups;
    const before = this.nodes();
    const queue: TreeLink[] = [...this.configured];
    const seen = new Set<string>();
    const used = new Set<string>();
    let linked = 0;
    while (queue.length > 0) {
      signal?.throwIfAborted();
      const link = queue.shift()!;
      const key = formatLink(link);
      if (seen.has(key)) continue;
      seen.add(key);
      const state = this.trees.get(key) ?? { link: key, root: undefined, nodes: new Map(), links: new Set(), failedEntries: 0 };
      this.trees.set(key, state);
      const ok = await this.syncTree(link, state, report, used, signal);
      if (ok) report.trees++;
      for (const l of state.links) {
        if (seen.has(l)) continue;
        if (linked >= this.o.maxLinkedTrees) {
          this.fail(report, new DnsDiscError('limit', `more than ${this.o.maxLinkedTrees} linked trees`));
          break;
        }
        linked++;
        queue.push(parseLink(l));
      }
    }
    // Trees no longer linked from anywhere are dropped, with the entries only they used.
    for (const key of [...this.trees.keys()]) {
      if (seen.has(key)) continue;
      this.trees.delete(key);
      this.walkedHashes.delete(key);
    }
    for (const hash of [...this.cache.keys()]) if (!used.has(hash)) this.cache.delete(hash);
    for (const [id, e] of this.nodes()) {
      const was = before.get(id);
      if (!was || was.seq < e.seq) report.changed.push(e);
    }
    report.lookups = this.lookups - lookupsBefore;
    return report;
  }

  private async syncTree(link: TreeLink, state: TreeState, report: SyncReport, used: Set<string>, signal?: AbortSignal): Promise<boolean> {
    let root: RootEntry;
    try {
      root = await this.resolveRoot(link, signal);
    } catch (err) {
      signal?.throwIfAborted();
      this.fail(report, err);
      // Keep the last good walk: a resolver outage does not make the nodes go away.
      for (const h of this.hashesOf(state)) used.add(h);
      return false;
    }
    const same = state.root && state.root.seq === root.seq && state.root.enrRoot === root.enrRoot && state.root.linkRoot === root.linkRoot;
    if (same && state.failedEntries === 0) {
      for (const h of this.hashesOf(state)) used.add(h);
      return true;
    }
    report.walked++;
    const walk = { nodes: new Map<string, Enr>(), links: new Set<string>(), failed: 0, hashes: new Set<string>() };
    await this.walk(link.domain, root.linkRoot, 'link', walk, report, signal);
    await this.walk(link.domain, root.enrRoot, 'enr', walk, report, signal);
    for (const h of walk.hashes) used.add(h);
    state.root = root;
    state.nodes = walk.nodes;
    state.links = walk.links;
    state.failedEntries = walk.failed;
    this.walkedHashes.set(state.link, walk.hashes);
    return true;
  }

  private readonly walkedHashes = new Map<string, Set<string>>();
  private hashesOf(state: TreeState): Iterable<string> {
    return this.walkedHashes.get(state.link) ?? [];
  }

  private async resolveRoot(link: TreeLink, signal?: AbortSignal): Promise<RootEntry> {
    await this.limiter?.take(signal);
    this.lookups++;
    const txts = await this.o.lookup(link.domain, signal);
    const text = txts.find((t) => t.startsWith(ROOT_PREFIX));
    if (text === undefined) throw new DnsDiscError('no_root', `no ${ROOT_PREFIX} record at ${link.domain}`);
    const root = parseRoot(text);
    verifyRoot(root, link.publicKey);
    return root;
  }

  /** Breadth-first over one subtree, `concurrency` lookups at a time, each hash at most once. */
  private async walk(
    domain: string,
    rootHash: string,
    subtree: 'enr' | 'link',
    walk: { nodes: Map<string, Enr>; links: Set<string>; failed: number; hashes: Set<string> },
    report: SyncReport,
    signal?: AbortSignal,
  ): Promise<void> {
    let frontier: string[] = [rootHash];
    for (let depth = 0; frontier.length > 0; depth++) {
      if (depth > this.o.maxDepth) {
        walk.failed += frontier.length;
        this.fail(report, new DnsDiscError('limit', `tree at ${domain} is deeper than ${this.o.maxDepth} levels`));
        return;
      }
      const next: string[] = [];
      const queued = new Set<string>();
      for (let i = 0; i < frontier.length; i += this.o.concurrency) {
        signal?.throwIfAborted();
        const batch = frontier.slice(i, i + this.o.concurrency);
        const results = await Promise.allSettled(batch.map((h) => this.resolveEntry(domain, h, signal)));
        signal?.throwIfAborted();
        const leaves: Enr[] = [];
        results.forEach((r, j) => {
          if (r.status === 'rejected') {
            walk.failed++;
            this.fail(report, r.reason);
            return;
          }
          const entry = r.value;
          walk.hashes.add(batch[j]!);
          if (entry.type === 'branch') {
            for (const c of entry.children) {
              if (walk.hashes.has(c) || queued.has(c)) continue;
              if (walk.hashes.size + next.length >= this.o.maxEntries) {
                walk.failed++;
                this.fail(report, new DnsDiscError('limit', `tree at ${domain} has more than ${this.o.maxEntries} entries`));
                break;
              }
              next.push(c);
              queued.add(c);
            }
          } else if (entry.type === 'enr') {
            if (subtree === 'link') {
              walk.failed++;
              return this.fail(report, new DnsDiscError('enr_in_link_tree', `record in the link subtree of ${domain}`));
            }
            const id = bytesToHex(entry.enr.nodeId);
            const have = walk.nodes.get(id);
            if (!have || have.seq < entry.enr.seq) walk.nodes.set(id, entry.enr);
            leaves.push(entry.enr);
          } else {
            if (subtree === 'enr') {
              walk.failed++;
              return this.fail(report, new DnsDiscError('link_in_enr_tree', `link in the record subtree of ${domain}`));
            }
            walk.links.add(formatLink(entry.link));
          }
        });
        if (leaves.length > 0) this.onLeaves?.(leaves);
      }
      frontier = next;
    }
  }

  /** The entry at hash.domain, from the cache or DNS. Unknown TXT strings are skipped (geth). */
  private async resolveEntry(domain: string, hash: string, signal?: AbortSignal): Promise<TreeEntry> {
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const name = `${hash}.${domain}`;
    await this.limiter?.take(signal);
    this.lookups++;
    const txts = await this.o.lookup(name, signal);
    for (const text of txts) {
      if (!text.startsWith(BRANCH_PREFIX) && !text.startsWith(ENR_PREFIX) && !text.startsWith(LINK_PREFIX)) continue;
      // Hash first: it is cheap, and a record's signature check is not.
      if (!matchesHash(text, hash)) throw new DnsDiscError('hash_mismatch', `entry at ${name} does not hash to its name`);
      const entry = parseEntry(text);
      this.cache.set(hash, entry);
      return entry;
    }
    throw new DnsDiscError('no_entry', `no tree entry at ${name}`);
  }

  private fail(report: SyncReport, err: unknown): void {
    const reason: DnsErrorReason = err instanceof DnsDiscError ? err.reason : 'lookup_failed';
    report.failures[reason] = (report.failures[reason] ?? 0) + 1;
    this.failures[reason] = (this.failures[reason] ?? 0) + 1;
  }
}
