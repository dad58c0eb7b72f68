/**
 * A node as discovery knows it: identity plus one endpoint. Shared by the discv4 codec (NEIGHBORS
 * entries), the table, the dialer and enode URLs.
 */
export interface NodeRecord {
  /** keccak256(publicKey), 32 bytes */
  id: Uint8Array;
  /** 64-byte uncompressed secp256k1 key without the 0x04 prefix */
  publicKey: Uint8Array;
  /** IPv4 or IPv6 literal */
  ip: string;
  udpPort: number;
  tcpPort: number;
}
