/**
 * --netrestrict: a CIDR allow-list. When set, nothing outside it is ever sent a datagram or dialed
 * (the same semantics as geth's --netrestrict). IPv4 and IPv6 are supported; IPv4-mapped IPv6
 * addresses (::ffff:a.b.c.d) are matched as IPv4.
 */
import { isIP } from 'node:net';
import { NodeFinderError } from '../errors.js';

export class NetrestrictError extends NodeFinderError {
  constructor(address: string) {
    super('netrestrict', `${address} is outside the --netrestrict allow-list`);
  }
}

export class InvalidCidrError extends Error {
  readonly kind = 'bad_cidr' as const;
}

interface Cidr {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
  text: string;
}

function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const family = isIP(ip);
  if (family === 4) {
    let v = 0n;
    for (const part of ip.split('.')) v = (v << 8n) | BigInt(Number(part));
    return { family: 4, value: v };
  }
  if (family === 6) {
    const [head = '', tail] = ip.split('::') as [string, string | undefined];
    const parse = (s: string) => (s ? s.split(':') : []);
    let groups = parse(head);
    let tailGroups = tail === undefined ? [] : parse(tail);
    // Embedded IPv4 in the last group
    const fix = (gs: string[]) => {
      const last = gs[gs.length - 1];
      if (last && last.includes('.')) {
        const p = last.split('.').map(Number);
        gs.splice(gs.length - 1, 1, ((p[0]! << 8) | p[1]!).toString(16), ((p[2]! << 8) | p[3]!).toString(16));
      }
      return gs;
    };
    groups = fix(groups);
    tailGroups = fix(tailGroups);
    const fill = tail === undefined ? [] : new Array(8 - groups.length - tailGroups.length).fill('0');
    let v = 0n;
    for (const g of [...groups, ...fill, ...tailGroups]) v = (v << 16n) | BigInt(parseInt(g, 16));
    return { family: 6, value: v };
  }
  return undefined;
}

export function parseCidr(text: string): Cidr {
  const [ip, prefixText, ...extra] = text.trim().split('/');
  const parsed = ip && extra.length === 0 ? ipToBigInt(ip) : undefined;
  if (!parsed) throw new InvalidCidrError(`invalid CIDR ${JSON.stringify(text)}: bad address`);
  const width = parsed.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new InvalidCidrError(`invalid CIDR ${JSON.stringify(text)}: bad prefix length`);
  }
  const shift = BigInt(width - prefix);
  return { family: parsed.family, bits: parsed.value >> shift, prefix, text: text.trim() };
}

export class Netrestrict {
  private readonly cidrs: Cidr[];

  /** `undefined` or an empty list means "no restriction". */
  constructor(cidrs?: readonly string[]) {
    this.cidrs = (cidrs ?? []).filter((c) => c.trim() !== '').map(parseCidr);
  }

  static parse(list: string | undefined): Netrestrict {
    return new Netrestrict(list ? list.split(',') : []);
  }

  get restricted(): boolean {
    return this.cidrs.length > 0;
  }

  toString(): string {
    return this.cidrs.map((c) => c.text).join(',');
  }

  allows(address: string): boolean {
    if (this.cidrs.length === 0) return true;
    const ip = ipToBigInt(address);
    if (!ip) return false;
    const width = ip.family === 4 ? 32 : 128;
    return this.cidrs.some((c) => c.family === ip.family && ip.value >> BigInt(width - c.prefix) === c.bits);
  }

  /** Throws NetrestrictError unless allowed. Call before every send and dial. */
  check(address: string): void {
    if (!this.allows(address)) throw new NetrestrictError(address);
  }
}

export const LOOPBACK_ONLY = new Netrestrict(['127.0.0.0/8', '::1/128']);
