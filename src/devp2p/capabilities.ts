/**
 * Capability negotiation and message-id multiplexing (rlpx.md "Message ID-based Multiplexing"):
 * ids 0x00–0x0f belong to the base protocol; the shared capabilities, sorted by name with the
 * highest shared version per name, take consecutive id ranges starting at 0x10, each as long as
 * that protocol version's message count.
 */
import { NoSharedCapabilityError, UnknownMessageError } from './errors.js';

export interface Capability {
  name: string;
  version: number;
  /**
   * Set on a received capability whose name breaks the 1–8 printable ASCII rule (hello.ts
   * capabilityNameText): `name` is then an escaped, bounded rendering and never negotiates.
   */
  irregular?: true;
}

/** A capability we offer: `length` is its number of message ids. */
export interface LocalCapability extends Capability {
  length: number;
}

export interface NegotiatedCapability {
  name: string;
  version: number;
  /** First message id of this capability on the wire. */
  offset: number;
  length: number;
}

/** Ids below this belong to the base protocol (HELLO, DISCONNECT, PING, PONG, reserved). */
export const BASE_PROTOCOL_LENGTH = 0x10;

/**
 * Message counts per protocol version (one past the highest message id). Sources: devp2p
 * caps/eth.md (eth/66–68: 0x00–0x10), EIP-7642 (eth/69 adds BlockRangeUpdate 0x11), EIP-7975
 * (eth/70: same ids as eth/69), EIP-8159 (eth/71 adds 0x12–0x13), caps/snap.md (snap/1: 0x00–0x07).
 */
export const PROTOCOL_LENGTHS: Readonly<Record<string, Readonly<Record<number, number>>>> = {
  eth: { 66: 17, 67: 17, 68: 17, 69: 18, 70: 18, 71: 20 },
  snap: { 1: 8 },
};

/**
 * The eth versions we advertise. eth/69+ peers (which may have dropped ≤68) accept us, and older
 * peers still find a common version. eth/71 is known but not offered while its EIP is a draft.
 */
export const ADVERTISED_ETH_VERSIONS: readonly number[] = [66, 67, 68, 69, 70];

export function protocolLength(name: string, version: number): number | undefined {
  return PROTOCOL_LENGTHS[name]?.[version];
}

/** Our eth capabilities with their message counts, ready for HELLO and negotiation. */
export function ethCapabilities(versions: readonly number[] = ADVERTISED_ETH_VERSIONS): LocalCapability[] {
  return versions.map((version) => {
    const length = protocolLength('eth', version);
    if (length === undefined) throw new RangeError(`eth/${version}: unknown message count`);
    return { name: 'eth', version, length };
  });
}

/** "eth/68" — the form used in events, JSON and the database. */
export function formatCapability(cap: Capability): string {
  return `${cap.name}/${cap.version}`;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Shared capabilities with their id ranges. For each name both sides offer, the highest version
 * both offer wins; ranges are assigned in name order (byte-wise, as geth's sort.Strings does).
 */
export function negotiateCapabilities(
  local: readonly LocalCapability[],
  remote: readonly Capability[],
): NegotiatedCapability[] {
  const best = new Map<string, LocalCapability>();
  for (const r of remote) {
    if (r.irregular) continue;
    const mine = local.find((l) => l.name === r.name && l.version === r.version);
    if (!mine) continue;
    const prev = best.get(mine.name);
    if (!prev || mine.version > prev.version) best.set(mine.name, mine);
  }
  const names = [...best.keys()].sort(byName);
  const out: NegotiatedCapability[] = [];
  let offset = BASE_PROTOCOL_LENGTH;
  for (const name of names) {
    const cap = best.get(name)!;
    out.push({ name, version: cap.version, offset, length: cap.length });
    offset += cap.length;
  }
  return out;
}

/** The negotiated eth capability, or NoSharedCapabilityError. */
export function requireSharedEth(negotiated: readonly NegotiatedCapability[]): NegotiatedCapability {
  const eth = negotiated.find((c) => c.name === 'eth');
  if (!eth) throw new NoSharedCapabilityError('no eth version in common');
  return eth;
}

/** Route a wire message id to its capability and the id within that capability. */
export function resolveMessageId(
  negotiated: readonly NegotiatedCapability[],
  messageId: number,
): { capability: NegotiatedCapability; id: number } {
  for (const capability of negotiated) {
    if (messageId >= capability.offset && messageId < capability.offset + capability.length) {
      return { capability, id: messageId - capability.offset };
    }
  }
  throw new UnknownMessageError(messageId);
}

/** The wire id of message `id` of capability `name` (throws RangeError on our own misuse). */
export function wireMessageId(negotiated: readonly NegotiatedCapability[], name: string, id: number): number {
  const cap = negotiated.find((c) => c.name === name);
  if (!cap || id < 0 || id >= cap.length) throw new RangeError(`${name} message ${id} not negotiated`);
  return cap.offset + id;
}
