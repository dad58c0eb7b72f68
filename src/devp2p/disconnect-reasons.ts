/**
 * DEVp2p DISCONNECT reasons (devp2p rlpx.md, "Disconnect (0x01)"). The snake_case names are the
 * stable identifiers used in JSON output and in the Postgres enum `disconnect_reason`; codes not in
 * the table are recorded as `unknown`.
 */
export const DISCONNECT_REASONS = {
  disconnect_requested: 0x00,
  tcp_error: 0x01,
  breach_of_protocol: 0x02,
  useless_peer: 0x03,
  too_many_peers: 0x04,
  already_connected: 0x05,
  incompatible_p2p_version: 0x06,
  null_node_identity: 0x07,
  client_quitting: 0x08,
  unexpected_identity: 0x09,
  connected_to_self: 0x0a,
  ping_timeout: 0x0b,
  subprotocol_error: 0x10,
} as const;

export type DisconnectReasonName = keyof typeof DISCONNECT_REASONS | 'unknown';

/** Every name in enum order (the Postgres enum lists exactly these). */
export const DISCONNECT_REASON_NAMES: readonly DisconnectReasonName[] = [
  ...(Object.keys(DISCONNECT_REASONS) as (keyof typeof DISCONNECT_REASONS)[]),
  'unknown',
];

const byCode = new Map<number, keyof typeof DISCONNECT_REASONS>(
  Object.entries(DISCONNECT_REASONS).map(([name, code]) => [code, name as keyof typeof DISCONNECT_REASONS]),
);

export function disconnectReasonName(code: number): DisconnectReasonName {
  return byCode.get(code) ?? 'unknown';
}

export function disconnectReasonCode(name: keyof typeof DISCONNECT_REASONS): number {
  return DISCONNECT_REASONS[name];
}
