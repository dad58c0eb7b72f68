/**
 * The simulated network's truth: who exists, who is online, how each node answers a dial. Model
 * level — peers stand in above the crypto: a node's "public key" is 64 seeded random bytes and its
 * ID their keccak256, so node IDs are spread as on the real network but nothing is signed.
 *
 * Churn (all exponential, so the start is already the steady state): a node is online for a
 * session (mean `sessionMs`), then leaves; with probability `leaveShare` for good, otherwise it
 * returns after a downtime (mean `downtimeMs`) with the same ID and address. New IDs join as a
 * Poisson process (`joinRatePerHour`). Addresses are private (10.0.0.0/8): nothing is ever sent.
 */
import { keccak256 } from '../crypto/index.js';
import { Prng } from '../analysis/prng.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { HelloInfo, StatusInfo } from '../events.js';
import { parseClientId } from '../devp2p/client-id.js';
import { formatCapability } from '../devp2p/capabilities.js';
import { getNetwork, networkForkId, type NetworkName } from '../eth/networks.js';
import { forkHashHex } from '../eth/fork-id.js';
import { CLIENT_WEIGHTS, ETH_MODE_WEIGHTS, chooseClient, weighted } from '../testnet/profiles.js';
import { bytesToHex } from '../util/bytes.js';
import type { SimClock } from './clock.js';
import { HOUR_MS, type SimOptions } from './options.js';

export type Reachability = 'reachable' | 'unreachable' | 'full';

/** The standard devp2p port (geth's default --port). */
const DEVP2P_PORT = 30303;
/** Mainnet-like slot time, to give STATUS a plausible head (EIP-7600 era: 12 s). */
const SLOT_SECONDS = 12;
const OTHER_NETWORKS: readonly NetworkName[] = ['sepolia', 'holesky', 'hoodi'];

export interface SimNode {
  index: number;
  record: NodeRecord;
  idHex: string;
  pubHex: string;
  /** Top 64 bits of the node ID as two unsigned 32-bit words (for XOR distances). */
  hi: number;
  lo: number;
  reach: Reachability;
  hello: HelloInfo;
  /** Chain the node follows, or null when it speaks no eth/66+ (HELLO only, no STATUS). */
  network: NetworkName | null;
  online: boolean;
  /** Left for good. */
  gone: boolean;
  onlineSince: number;
  /** When it last went offline, or -Infinity. */
  leftAt: number;
  /** The crawl learned this node from discovery (any instance, any time). */
  discovered: boolean;
  /** Last time the crawl's dial scheduler was told about this node (see SimCrawl.learn). */
  lastLearnAt: number;
  /** Last successful dial (HELLO or TOO_MANY_PEERS), or -Infinity. */
  lastOkAt: number;
  /** The node's own Kademlia table (node indices) and when it was built (src/sim/tables.ts). */
  table: Int32Array | null;
  tableBuiltAt: number;
}

export interface ChurnStats {
  joins: number;
  /** Sessions that ended (left, for good or not), with their total length. */
  sessionsEnded: number;
  sessionMsTotal: number;
  permanentLeaves: number;
  returns: number;
  downtimesEnded: number;
  downtimeMsTotal: number;
}

/** An exponential draw with the given mean. */
export function exponential(prng: Prng, mean: number): number {
  return -Math.log(1 - prng.nextFloat()) * mean;
}

export class Population {
  readonly nodes: SimNode[] = [];
  readonly byHex = new Map<string, SimNode>();
  readonly churn: ChurnStats = { joins: 0, sessionsEnded: 0, sessionMsTotal: 0, permanentLeaves: 0, returns: 0, downtimesEnded: 0, downtimeMsTotal: 0 };
  online = 0;
  /** Called when a node joins the network for the first time (the table index adds it). */
  onJoin: (node: SimNode) => void = () => {};
  private readonly idPrng: Prng;
  private readonly churnPrng: Prng;
  private readonly clock: SimClock;
  private readonly o: SimOptions;
  private readonly nowSeconds: number;

  constructor(clock: SimClock, o: SimOptions) {
    this.clock = clock;
    this.o = o;
    // Separate streams: changing a churn parameter does not change who the nodes are.
    this.idPrng = new Prng(BigInt(o.seed) * 4n + 1n);
    this.churnPrng = new Prng(BigInt(o.seed) * 4n + 2n);
    this.nowSeconds = Math.floor(o.start / 1000);
  }

  /** Create the initial population (each online with the steady-state probability) and arm churn. */
  populate(): void {
    const pOnline = this.o.sessionMs / (this.o.sessionMs + this.o.downtimeMs);
    for (let i = 0; i < this.o.nodes; i++) {
      const node = this.create();
      if (this.churnPrng.nextFloat() < pOnline) this.goOnline(node);
      else this.scheduleReturn(node);
    }
    this.scheduleJoin();
  }

  private create(): SimNode {
    const prng = this.idPrng;
    const index = this.nodes.length;
    const publicKey = prng.fillBytes(new Uint8Array(64));
    const id = keccak256(publicKey);
    const ip = `10.${(index >>> 16) & 0xff}.${(index >>> 8) & 0xff}.${index & 0xff}`;
    const record: NodeRecord = { id, publicKey, ip, udpPort: DEVP2P_PORT, tcpPort: DEVP2P_PORT };
    const r = prng.nextFloat();
    const reach: Reachability = r < this.o.unreachableShare ? 'unreachable' : prng.nextFloat() < this.o.fullShare ? 'full' : 'reachable';
    const kind = weighted(prng, CLIENT_WEIGHTS);
    const { clientId, capabilities } = chooseClient(kind, weighted(prng, ETH_MODE_WEIGHTS), prng);
    const info = parseClientId(clientId);
    const caps = capabilities.map(formatCapability);
    const speaksEth66 = capabilities.some((c) => c.name === 'eth' && c.version >= 66);
    const network: NetworkName | null = !speaksEth66
      ? null
      : prng.nextFloat() < this.o.otherNetworkShare
        ? OTHER_NETWORKS[prng.nextBelow(OTHER_NETWORKS.length)]!
        : 'mainnet';
    const node: SimNode = {
      index,
      record,
      idHex: bytesToHex(id),
      pubHex: bytesToHex(publicKey),
      hi: ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0,
      lo: ((id[4]! << 24) | (id[5]! << 16) | (id[6]! << 8) | id[7]!) >>> 0,
      reach,
      hello: {
        p2pVersion: 5,
        clientId,
        clientName: info.name,
        clientVersion: info.version,
        os: info.os,
        arch: info.arch,
        runtime: info.runtime,
        caps,
        listenPort: DEVP2P_PORT,
      },
      network,
      online: false,
      gone: false,
      onlineSince: 0,
      leftAt: -Infinity,
      discovered: false,
      lastLearnAt: -Infinity,
      lastOkAt: -Infinity,
      table: null,
      tableBuiltAt: -Infinity,
    };
    this.nodes.push(node);
    this.byHex.set(node.idHex, node);
    this.onJoin(node);
    return node;
  }

  /** What the node answers in STATUS (null: no eth/66+). */
  status(node: SimNode, now: number): StatusInfo | null {
    if (node.network === null) return null;
    const net = getNetwork(node.network);
    const fork = this.forkIdAt(node.network, now);
    const head = BigInt(Math.max(0, Math.floor((Math.floor(now / 1000) - net.genesisTime) / SLOT_SECONDS)));
    return {
      ethVersion: Number(node.hello.caps.filter((c) => c.startsWith('eth/')).map((c) => c.slice(4)).sort().at(-1)),
      networkId: BigInt(net.networkId),
      totalDifficulty: null,
      bestHash: node.idHex, // any 32 bytes: no chain is simulated
      genesisHash: net.genesisHash,
      forkHash: forkHashHex(fork.hash).replace(/^0x/, ''),
      forkNext: fork.next,
      forkVerdict: node.network === 'mainnet' ? 'compatible' : 'incompatible',
      bestBlock: head,
      earliestBlock: null,
    };
  }

  /** Fork IDs per chain, recomputed once a simulated minute (they change at forks only). */
  private readonly forkCache = new Map<NetworkName, { minute: number; fork: ReturnType<typeof networkForkId> }>();

  private forkIdAt(network: NetworkName, now: number): ReturnType<typeof networkForkId> {
    const minute = Math.floor(now / 60_000);
    const hit = this.forkCache.get(network);
    if (hit && hit.minute === minute) return hit.fork;
    const fork = networkForkId(getNetwork(network), Math.floor(now / 1000));
    this.forkCache.set(network, { minute, fork });
    return fork;
  }

  private goOnline(node: SimNode): void {
    node.online = true;
    node.onlineSince = this.clock.now();
    this.online++;
    const session = exponential(this.churnPrng, this.o.sessionMs);
    this.clock.setTimer(session, () => this.leave(node));
  }

  private leave(node: SimNode): void {
    const now = this.clock.now();
    node.online = false;
    node.leftAt = now;
    this.online--;
    this.churn.sessionsEnded++;
    this.churn.sessionMsTotal += now - node.onlineSince;
    if (this.churnPrng.nextFloat() < this.o.leaveShare) {
      node.gone = true;
      node.table = null;
      this.churn.permanentLeaves++;
      return;
    }
    this.scheduleReturn(node);
  }

  private scheduleReturn(node: SimNode): void {
    const away = exponential(this.churnPrng, this.o.downtimeMs);
    const since = this.clock.now();
    this.clock.setTimer(away, () => {
      this.churn.returns++;
      this.churn.downtimesEnded++;
      this.churn.downtimeMsTotal += this.clock.now() - since;
      this.goOnline(node);
    });
  }

  private scheduleJoin(): void {
    if (!(this.o.joinRatePerHour > 0)) return;
    this.clock.setTimer(exponential(this.churnPrng, HOUR_MS / this.o.joinRatePerHour), () => {
      this.churn.joins++;
      this.goOnline(this.create());
      this.scheduleJoin();
    });
  }
}
