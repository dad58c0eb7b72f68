/**
 * TXT lookups over real DNS (node:dns Resolver): the only socket code of DNS discovery. A server
 * list (`127.0.0.1:5353`) replaces the system's resolvers — tests point it at their own server.
 * Each TXT record's character-strings are joined (RFC 1035 §3.3.14; EIP-1459 entries are split
 * into 255-byte strings by publishers).
 */
import { Resolver } from 'node:dns/promises';
import { LOOKUP_TIMEOUT_MS, MAX_TXT_LENGTH } from './constants.js';
import { DnsDiscError } from './errors.js';
import type { TxtLookup } from './sync.js';

export interface TxtLookupOptions {
  /** host:port or IP entries for Resolver.setServers; default: the system's resolvers. */
  servers?: readonly string[];
  timeoutMs?: number;
  /** Retries per query after a timeout (c-ares `tries` minus one). */
  retries?: number;
}

/** Most TXT records taken from one answer: an entry name holds one, a root one (plus unrelated ones). */
const MAX_RECORDS = 16;

export function createTxtLookup(options: TxtLookupOptions = {}): TxtLookup {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? LOOKUP_TIMEOUT_MS, tries: 1 + (options.retries ?? 1) });
  if (options.servers && options.servers.length > 0) resolver.setServers([...options.servers]);
  return async (name, signal) => {
    signal?.throwIfAborted();
    const onAbort = () => resolver.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const records = await resolver.resolveTxt(name);
      return records.slice(0, MAX_RECORDS).map((chunks) => {
        const text = chunks.join('');
        if (text.length > MAX_TXT_LENGTH) throw new DnsDiscError('limit', `TXT record at ${name} is ${text.length} characters, the limit is ${MAX_TXT_LENGTH}`);
        return text;
      });
    } catch (err) {
      if (err instanceof DnsDiscError) throw err;
      // node:dns error codes (not messages): ETIMEOUT, ENOTFOUND (NXDOMAIN), ENODATA, ESERVFAIL, ECONNREFUSED, ECANCELLED…
      const code = (err as { code?: unknown }).code;
      if (code === 'ETIMEOUT') throw new DnsDiscError('timeout', `DNS lookup of ${name} timed out`, { cause: err });
      throw new DnsDiscError('lookup_failed', `DNS lookup of ${name} failed (${typeof code === 'string' ? code : 'error'})`, { cause: err });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  };
}

/** Parse `--dns-server host:port` forms into setServers entries (IP literals only: no lookup for the resolver itself). */
export function parseDnsServer(text: string): string | undefined {
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(text);
  const m = v4 ?? v6;
  if (!m) return undefined;
  if (v4 && m[1]!.split('.').some((o) => Number(o) > 255)) return undefined;
  const port = m[2] === undefined ? 53 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return v4 ? `${m[1]}:${port}` : `[${m[1]}]:${port}`;
}
