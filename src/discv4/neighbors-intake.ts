/**
 * The entries of a solicited NEIGHBORS datagram, judged one by one as geth's nodeFromRPC does (one
 * bad entry costs only itself): geth's port and relay rules (relay.ts), a valid public key, not our
 * own id. Counts what arrived and what was dropped, by reason.
 */
import { isValidPublicKey } from '../crypto/index.js';
import type { NodeRecord } from '../enode/node-record.js';
import { equalBytes } from '../util/bytes.js';
import type { Discv4Counters } from './endpoint-types.js';
import { checkRelayedEndpoint, type DropReason } from './relay.js';

/** The usable entries from `sender` (an IP); `malformed` entries failed to decode at all. */
export function acceptNeighbors(
  stats: Discv4Counters,
  selfId: Uint8Array,
  nodes: readonly NodeRecord[],
  sender: string,
  malformed: number,
): NodeRecord[] {
  stats.neighborsReceived++;
  stats.nodesLearned += nodes.length + malformed;
  if (malformed > 0) {
    stats.invalidNeighbors += malformed;
    stats.neighborsDropped.malformed = (stats.neighborsDropped.malformed ?? 0) + malformed;
  }
  const out: NodeRecord[] = [];
  for (const n of nodes) {
    const reason: DropReason | undefined =
      checkRelayedEndpoint(sender, n) ?? (equalBytes(n.id, selfId) ? 'self' : !isValidPublicKey(n.publicKey) ? 'bad_key' : undefined);
    if (reason) {
      stats.invalidNeighbors++;
      stats.neighborsDropped[reason] = (stats.neighborsDropped[reason] ?? 0) + 1;
      continue;
    }
    out.push(n);
  }
  return out;
}
