/**
 * What we answer (discv5-wire.md "Protocol Messages"), as pure functions of the request and our
 * state: PONG mirrors the UDP envelope address; FINDNODE collects at most 16 records at the asked
 * distances (0 = our own record) and packs them into NODES messages that each fit one packet (geth
 * v5_udp.go collectTableNodes/packNodes); an unknown TALKREQ protocol gets an empty TALKRESP.
 */
import { logDistance } from '../enode/distance.js';
import type { Enr } from '../enode/enr.js';
import type { UdpAddress } from '../net/transport.js';
import { bytesToHex } from '../util/bytes.js';
import type { RlpItem } from '../util/rlp.js';
import { rlpDecode } from '../util/rlp.js';
import { FINDNODE_RESULT_LIMIT, MAX_DISTANCE, MessageType, NODES_RECORD_BYTES_LIMIT } from './constants.js';
import type { FindNodeMessage, NodesMessage, PingMessage, PongMessage } from './messages.js';

/** Records at one log distance from us, from the routing table (only nodes known to be live, per theory "Table Maintenance"). */
export type TableLookup = (distance: number) => readonly Enr[];

export function answerPing(ping: PingMessage, from: UdpAddress, ourSeq: bigint): PongMessage {
  return { type: MessageType.Pong, requestId: ping.requestId, enrSeq: ourSeq, ip: from.address, port: from.port };
}

/** Up to `limit` records for the distances in order, each distance once, only records that truly lie at it. */
export function collectNodes(distances: readonly number[], self: Enr, lookup: TableLookup | undefined, limit = FINDNODE_RESULT_LIMIT): Enr[] {
  const out: Enr[] = [];
  const seenDistance = new Set<number>();
  const seenId = new Set<string>();
  for (const d of distances) {
    if (out.length >= limit) break;
    if (seenDistance.has(d) || d < 0 || d > MAX_DISTANCE) continue;
    seenDistance.add(d);
    const candidates = d === 0 ? [self] : (lookup?.(d) ?? []);
    for (const enr of candidates) {
      if (out.length >= limit) break;
      if (logDistance(self.nodeId, enr.nodeId) !== d) continue; // a table bug must not make us lie
      const id = bytesToHex(enr.nodeId);
      if (seenId.has(id)) continue;
      seenId.add(id);
      out.push(enr);
    }
  }
  return out;
}

/** Split records into NODES messages whose records total ≤ 1000 bytes; `total` = number of messages (≥ 1). */
export function packNodes(requestId: Uint8Array, records: readonly Enr[]): NodesMessage[] {
  const groups: RlpItem[][] = [];
  let current: RlpItem[] = [];
  let size = 0;
  for (const enr of records) {
    if (current.length > 0 && size + enr.raw.length > NODES_RECORD_BYTES_LIMIT) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(rlpDecode(enr.raw));
    size += enr.raw.length;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  return groups.map((g) => ({ type: MessageType.Nodes, requestId, total: groups.length, records: g }));
}

export function answerFindNode(req: FindNodeMessage, self: Enr, lookup: TableLookup | undefined): NodesMessage[] {
  return packNodes(req.requestId, collectNodes(req.distances, self, lookup));
}
