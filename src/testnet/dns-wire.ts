/**
 * Just enough of the DNS wire format (RFC 1035 §4) for a test server that answers TXT queries:
 * parse one question (hostile bytes: bounds-checked, no compression pointers in a query), build
 * an answer with TXT records split into ≤ 255-byte character-strings, or NXDOMAIN.
 */
import { NodeFinderError } from '../errors.js';

export const DNS_HEADER_BYTES = 12;
export const TYPE_TXT = 16;
export const TYPE_OPT = 41;
export const CLASS_IN = 1;
export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
/** RFC 1035 §4.2.1: UDP messages are limited to 512 bytes unless EDNS (RFC 6891) says more. */
export const UDP_PLAIN_LIMIT = 512;
/** Our ceiling for an EDNS-advertised size (the common 1232-byte default, DNS flag day 2020). */
export const UDP_EDNS_LIMIT = 1232;
const MAX_NAME = 255;

export class BadDnsMessageError extends NodeFinderError {
  constructor(message: string) {
    super('bad_packet', message);
  }
}

export interface DnsQuestion {
  id: number;
  /** The query's flags (RD is echoed) */
  flags: number;
  opcode: number;
  /** Lower-cased, dot-joined, no trailing dot */
  name: string;
  qtype: number;
  qclass: number;
  /** The question section's raw bytes, echoed in the answer */
  question: Uint8Array;
  /** Largest UDP answer the client accepts. */
  udpLimit: number;
}

export function parseDnsQuery(msg: Uint8Array): DnsQuestion {
  if (msg.length < DNS_HEADER_BYTES) throw new BadDnsMessageError('DNS message shorter than its header');
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const id = v.getUint16(0);
  const flags = v.getUint16(2);
  if (flags & 0x8000) throw new BadDnsMessageError('DNS message is a response, not a query');
  const qd = v.getUint16(4);
  const an = v.getUint16(6);
  const ns = v.getUint16(8);
  const ar = v.getUint16(10);
  if (qd !== 1) throw new BadDnsMessageError(`DNS query must have one question, has ${qd}`);
  if (an !== 0 || ns !== 0 || ar > 1) throw new BadDnsMessageError('DNS query carries unexpected records');
  let off = DNS_HEADER_BYTES;
  const labels: string[] = [];
  let nameBytes = 0;
  for (;;) {
    if (off >= msg.length) throw new BadDnsMessageError('DNS name runs past the message');
    const len = msg[off]!;
    if (len === 0) {
      off++;
      break;
    }
    if (len > 63) throw new BadDnsMessageError('DNS label longer than 63 bytes (or a compression pointer)');
    if (off + 1 + len > msg.length) throw new BadDnsMessageError('DNS label runs past the message');
    nameBytes += len + 1;
    if (nameBytes > MAX_NAME) throw new BadDnsMessageError('DNS name longer than 255 bytes');
    labels.push(Buffer.from(msg.subarray(off + 1, off + 1 + len)).toString('latin1').toLowerCase());
    off += 1 + len;
  }
  if (off + 4 > msg.length) throw new BadDnsMessageError('DNS question truncated');
  const qtype = v.getUint16(off);
  const qclass = v.getUint16(off + 2);
  off += 4;
  const question = msg.slice(DNS_HEADER_BYTES, off);
  let udpLimit = UDP_PLAIN_LIMIT;
  if (ar === 1) {
    // An EDNS OPT pseudo-record: root name (0), type 41, class = the client's UDP payload size.
    if (off + 11 > msg.length || msg[off] !== 0 || v.getUint16(off + 1) !== TYPE_OPT) throw new BadDnsMessageError('DNS additional record is not EDNS OPT');
    udpLimit = Math.min(Math.max(v.getUint16(off + 3), UDP_PLAIN_LIMIT), UDP_EDNS_LIMIT);
  }
  return { id, flags, opcode: (flags >> 11) & 0xf, name: labels.join('.'), qtype, qclass, question, udpLimit };
}

/** The answer: TXT records (each split in 255-byte strings) or an rcode with no answers. Sets TC when too large. */
export function buildDnsResponse(q: DnsQuestion, rcode: number, records: readonly string[] = [], ttl = 60): Uint8Array {
  const answers: Uint8Array[] = [];
  for (const text of records) {
    const bytes = Buffer.from(text, 'latin1');
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length || i === 0; i += 255) {
      const c = bytes.subarray(i, i + 255);
      chunks.push(Uint8Array.of(c.length), c);
      if (bytes.length === 0) break;
    }
    const rdata = Buffer.concat(chunks);
    if (rdata.length > 0xffff) throw new BadDnsMessageError('TXT record larger than 65535 bytes');
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name (offset 12)
    rr.writeUInt16BE(TYPE_TXT, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(rdata.length, 10);
    answers.push(rr, rdata);
  }
  const header = (count: number, tc: boolean) => {
    const h = Buffer.alloc(DNS_HEADER_BYTES);
    h.writeUInt16BE(q.id, 0);
    // QR, opcode echoed, AA, TC, RD echoed, RA, rcode
    h.writeUInt16BE(0x8000 | (q.opcode << 11) | 0x0400 | (tc ? 0x0200 : 0) | (q.flags & 0x0100) | 0x0080 | (rcode & 0xf), 2);
    h.writeUInt16BE(1, 4);
    h.writeUInt16BE(count, 6);
    return h;
  };
  const full = Buffer.concat([header(records.length, false), q.question, ...answers]);
  if (full.length <= q.udpLimit) return full;
  return Buffer.concat([header(0, true), q.question]);
}
