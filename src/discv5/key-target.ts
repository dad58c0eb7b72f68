/**
 * A call target known by its public key and address only (an enode URL), with no record yet. The
 * handshake needs the remote's key, not its record (discv5-theory.md "Handshake": ECDH with the
 * remote's static key), so this is enough to start; geth does the same with enode.NewV4 nodes
 * (an unsigned "v4 compat" record). The stand-in record has seq 0 and no bytes: a remote that sees
 * enr-seq 0 sends its real record, and callers must never store, serve or report it (`isKeyOnly`).
 */
import { Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Discv5Target } from './service-types.js';

export function keyOnlyTarget(node: Pick<NodeRecord, 'id' | 'publicKey' | 'ip' | 'udpPort'>): Discv5Target {
  const enr = Enr.fromVerified(new Uint8Array(), new Uint8Array(), 0n, new Map(), node.publicKey);
  return { nodeId: node.id, addr: { address: node.ip, port: node.udpPort }, enr };
}

/** True for keyOnlyTarget's stand-in record (a real record is never empty). */
export function isKeyOnly(enr: Enr): boolean {
  return enr.raw.length === 0;
}
