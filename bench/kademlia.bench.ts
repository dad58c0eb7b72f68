/**
 * CPU cost of the crawler's pure state machines (no sockets): table insertion and closest(),
 * a full lookup against an in-memory network, and the dial scheduler's learn → dial → result path.
 */
import { keccak256, randomBytes } from '../src/crypto/index.js';
import type { NodeRecord } from '../src/enode/node-record.js';
import { ManualClock } from '../src/net/clock.js';
import { Table } from '../src/discv4/table.js';
import { lookup } from '../src/discv4/lookup.js';
import { DialScheduler } from '../src/crawler/scheduler.js';
import { SocketBudget } from '../src/crawler/socket-budget.js';
import { fmt, opsPerSecond, opsPerSecondAsync, type BenchTable } from './table.js';

function randomNode(i: number): NodeRecord {
  const publicKey = randomBytes(64);
  return { id: keccak256(publicKey), publicKey, ip: `${11 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.1`, udpPort: 30303, tcpPort: 30303 };
}

export default async function run(): Promise<BenchTable[]> {
  const clock = new ManualClock();
  const pool = Array.from({ length: 20_000 }, (_, i) => randomNode(i));

  // Table: insertion (mostly replacements/known once buckets fill) and closest(16).
  const table = new Table({ selfId: keccak256(randomBytes(64)), clock });
  let i = 0;
  const addSeen = opsPerSecond(() => void table.addSeen(pool[i++ % pool.length]!), 1000);
  const target = keccak256(randomBytes(64));
  const closest = opsPerSecond(() => void table.closest(target, 16), 1000);

  // Lookup over a 2000-node network whose members answer at once with their 16 closest.
  const net = pool.slice(0, 2000);
  const findNode = async (_n: NodeRecord, t: Uint8Array): Promise<NodeRecord[]> => {
    const tid = keccak256(t);
    const out: NodeRecord[] = [];
    for (let k = 0; k < 16; k++) out.push(net[(tid[k]! * 7 + k * 131) % net.length]!);
    return out;
  };
  const lookupTable = new Table({ selfId: keccak256(randomBytes(64)), clock });
  for (const n of net.slice(0, 50)) lookupTable.addSeen(n);
  let queried = 0;
  let lookups = 0;
  const lookupRate = await opsPerSecondAsync(async () => {
    const r = await lookup({ table: lookupTable, findNode, clock, target: randomBytes(64) });
    queried += r.queried;
    lookups++;
  }, 1000);

  // Scheduler: learn a new node, dial it (resolves at once), record the verdict.
  const sched = new DialScheduler({ clock, budget: new SocketBudget(1024), dial: async () => 'hello' });
  sched.start();
  let j = 0;
  const learnRate = await opsPerSecondAsync(async () => {
    sched.learn(randomNodeCached(j++));
    await Promise.resolve();
  }, 1000);
  await sched.stop();

  return [
    {
      title: 'Kademlia table, lookup and dial scheduler (pure CPU, no sockets)',
      columns: ['operation', 'ops/s'],
      rows: [
        ['Table.addSeen (20k-node pool into one table)', fmt(addSeen)],
        [`Table.closest(target, 16) over ${table.size} entries`, fmt(closest)],
        [`lookup() over 2000 in-memory nodes (${fmt(queried / Math.max(1, lookups), 1)} FINDNODEs each)`, fmt(lookupRate)],
        ['DialScheduler learn → dial → verdict', fmt(learnRate)],
      ],
      notes: ['The wire (PING/FINDNODE over UDP, RLPx dials) dominates in practice; these are upper bounds of the logic.'],
    },
  ];

  function randomNodeCached(k: number): NodeRecord {
    // New IDs for the scheduler without paying keccak in the loop: reuse keys, vary the ID bytes.
    const base = pool[k % pool.length]!;
    const id = Uint8Array.from(base.id);
    id[0] = k & 255;
    id[1] = (k >> 8) & 255;
    id[2] = (k >> 16) & 255;
    id[3] = (k >> 24) & 255;
    return { ...base, id };
  }
}
