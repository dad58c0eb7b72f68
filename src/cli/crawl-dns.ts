/**
 * `crawl --dns`: which trees to resolve and how, kept apart from crawl.ts. Default: the network's
 * public lists (as geth), unless --bootnodes is given — explicit seeds mean a chosen network (a
 * local testnet, say), where querying public DNS would be a surprise; `--dns` then adds trees.
 */
import { parseLink } from '../dnsdisc/entries.js';
import { parseDnsServer } from '../dnsdisc/txt-lookup.js';
import type { SyncReport } from '../dnsdisc/sync.js';
import { DEFAULT_DNS_TREES } from '../eth/dns-trees.js';
import type { NetworkName } from '../eth/networks.js';
import { UsageError } from './errors.js';

export interface CrawlDnsSettings {
  links: string[];
  servers?: string[];
}

export function parseCrawlDns(opts: { dns?: string; dnsServer?: string; bootnodes?: string }, network: NetworkName): CrawlDnsSettings {
  const text = opts.dns ?? (opts.bootnodes !== undefined ? 'none' : DEFAULT_DNS_TREES[network].join(','));
  const links: string[] = [];
  if (text.trim() !== 'none') {
    for (const url of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      try {
        parseLink(url);
      } catch (err) {
        throw new UsageError(`invalid --dns entry ${JSON.stringify(url.slice(0, 80))}: ${(err as Error).message} (use enrtree://<key>@<domain>, or none)`);
      }
      links.push(url);
    }
  }
  if (opts.dnsServer === undefined) return { links };
  const server = parseDnsServer(opts.dnsServer.trim());
  if (!server) throw new UsageError(`invalid --dns-server ${JSON.stringify(opts.dnsServer)}: use an IP address with an optional port (127.0.0.1:5353, [::1]:53)`);
  return { links, servers: [server] };
}

/** One line per sync that changed something or failed. */
export function dnsReportLine(r: SyncReport, known: number): string | undefined {
  const failed = Object.entries(r.failures).map(([k, v]) => `${k} ${v}`);
  if (r.changed.length === 0 && failed.length === 0) return undefined;
  return `dns: ${r.changed.length} new or updated node record(s) from ${r.trees} tree(s), ${known} known; ${r.lookups} lookups${failed.length ? `; failures: ${failed.join(', ')}` : ''}`;
}
