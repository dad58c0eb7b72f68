/**
 * enode URLs: `enode://<128 hex: 64-byte public key>@<ip>:<tcp port>[?discport=<udp port>]`
 * (devp2p enode-url-format). IPv6 goes in brackets. Only IP literals are accepted: NodeFinder
 * never resolves DNS, so a host name is a typed `bad_enode` error, not a lookup.
 */
import { isValidPublicKey } from '../crypto/index.js';
import { bytesToHex, hexToBytes } from '../util/bytes.js';
import { nodeIdFromPublicKey } from './distance.js';
import { BadEnodeError } from './errors.js';
import { ipToBytes, ipFromBytes } from '../net/ip.js';
import type { NodeRecord } from './node-record.js';

/** Far above any valid URL (≈ 8 + 128 + 1 + 41 + 6 + 15); bounds work on hostile CLI/file input. */
export const MAX_ENODE_URL_LENGTH = 512;

const ENODE_RE = /^enode:\/\/([0-9a-fA-F]{128})@(\[[^\]]*\]|[^:/?#@[\]]*)(?::(\d{1,5}))?(?:\?([^#]*))?$/;

function parsePort(text: string | undefined, what: string): number {
  const n = text === undefined || !/^\d{1,5}$/.test(text) ? NaN : Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new BadEnodeError(`invalid ${what} port ${JSON.stringify(text)}`);
  return n;
}

/** Parse an enode URL into a NodeRecord; throws BadEnodeError. */
export function parseEnode(url: string): NodeRecord {
  if (typeof url !== 'string') throw new BadEnodeError('enode URL must be a string');
  if (url.length > MAX_ENODE_URL_LENGTH) throw new BadEnodeError(`enode URL longer than ${MAX_ENODE_URL_LENGTH} chars`);
  const m = ENODE_RE.exec(url.trim());
  if (!m) {
    throw new BadEnodeError(
      url.startsWith('enode://') ? 'malformed enode URL (want enode://<128 hex>@<ip>:<port>)' : 'not an enode:// URL',
    );
  }
  const [, keyHex, hostPart = '', tcpText, query] = m;
  const publicKey = hexToBytes(keyHex!);
  if (!isValidPublicKey(publicKey)) throw new BadEnodeError('public key is not a point on secp256k1');
  const bracketed = hostPart.startsWith('[');
  const host = bracketed ? hostPart.slice(1, -1) : hostPart;
  if (host === '') throw new BadEnodeError('enode URL has no IP address');
  const ipBytes = ipToBytes(host);
  // A bare IPv6 literal cannot appear unbracketed (the regex forbids ':'), so this is a host name.
  if (!ipBytes || (bracketed && ipBytes.length === 4 && !host.includes(':'))) {
    throw new BadEnodeError(`${JSON.stringify(host)} is not an IP literal (host names are not resolved)`);
  }
  if (tcpText === undefined) throw new BadEnodeError('enode URL has no port');
  const tcpPort = parsePort(tcpText, 'TCP');
  let udpPort = tcpPort;
  if (query !== undefined && query !== '') {
    for (const param of query.split('&')) {
      const eq = param.indexOf('=');
      const key = eq < 0 ? param : param.slice(0, eq);
      // Other parameters are ignored, as geth does.
      if (key === 'discport') udpPort = parsePort(eq < 0 ? undefined : param.slice(eq + 1), 'discovery');
    }
  }
  return { id: nodeIdFromPublicKey(publicKey), publicKey, ip: ipFromBytes(ipBytes)!, udpPort, tcpPort };
}

/** Format a node as an enode URL; `?discport=` only when UDP and TCP ports differ. */
export function formatEnode(node: Pick<NodeRecord, 'publicKey' | 'ip' | 'udpPort' | 'tcpPort'>): string {
  if (node.publicKey.length !== 64) throw new BadEnodeError(`public key must be 64 bytes, got ${node.publicKey.length}`);
  const ipBytes = ipToBytes(node.ip);
  if (!ipBytes) throw new BadEnodeError(`${JSON.stringify(node.ip)} is not an IP literal`);
  const ip = ipFromBytes(ipBytes)!;
  const host = ipBytes.length === 16 ? `[${ip}]` : ip;
  const tcp = parsePort(String(node.tcpPort), 'TCP');
  const udp = parsePort(String(node.udpPort), 'discovery');
  return `enode://${bytesToHex(node.publicKey)}@${host}:${tcp}${udp !== tcp ? `?discport=${udp}` : ''}`;
}
