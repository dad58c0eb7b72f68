/**
 * `report abusive`: IP addresses that carry many node IDs in the window (one host minting
 * identities, or churning through them) — the paper's "abusive" peers. By default their node IDs are
 * left out of every network-size count (snapshot, clients, countries, size…); --include-abusive keeps
 * them. Private and reserved addresses are listed but never excluded: many unrelated nodes share a
 * NAT or a LAN, and a local testnet runs entirely on loopback.
 */
import type { Report, Row, Section } from './render/model.js';
import { DAY_MS, ReportContext, type AbusiveIp } from './context.js';

export function abusiveSection(ctx: ReportContext, ips: readonly AbusiveIp[], exempt: readonly AbusiveIp[], excludedIds: number): Section {
  const days = Math.max((ctx.until - ctx.since) / DAY_MS, 1 / 24);
  const all = [...ips.map((ip) => ({ ip, exempt: false })), ...exempt.map((ip) => ({ ip, exempt: true }))].sort(
    (a, b) => b.ip.node_ids - a.ip.node_ids || (a.ip.ip < b.ip.ip ? -1 : 1),
  );
  return {
    id: 'abusive-ips',
    title: `IP addresses with at least ${ctx.abusiveMinIds} node IDs`,
    columns: [
      { key: 'ip', label: 'IP', type: 'text' },
      { key: 'country', label: 'Country', type: 'text' },
      { key: 'asn', label: 'AS', type: 'text' },
      { key: 'node_ids', label: 'Node IDs', type: 'integer' },
      { key: 'new_node_ids', label: 'New IDs', type: 'integer' },
      { key: 'ids_per_day', label: 'New IDs / day', type: 'number', digits: 1 },
      { key: 'hello_node_ids', label: 'IDs with HELLO', type: 'integer' },
      { key: 'first_seen', label: 'First seen', type: 'timestamp' },
      { key: 'last_seen', label: 'Last seen', type: 'timestamp' },
      { key: 'excluded', label: 'Excluded', type: 'text' },
    ],
    rows: all.map(({ ip, exempt: ex }): Row => {
      const g = ctx.geo.lookup(ip.ip);
      return {
        ip: ip.ip,
        country: g.special ? `${g.special.label} (${g.special.name})` : g.country,
        asn: g.asn === null ? null : `AS${g.asn} ${g.org ?? ''}`.trim(),
        node_ids: ip.node_ids,
        new_node_ids: ip.new_node_ids,
        ids_per_day: ip.new_node_ids / days,
        hello_node_ids: ip.hello_node_ids,
        first_seen: ip.first_seen_ms,
        last_seen: ip.last_seen_ms,
        excluded: ex ? 'no (private/reserved)' : ctx.includeAbusive ? 'no (--include-abusive)' : 'yes',
      };
    }),
    chart: { type: 'bar', x: 'ip', series: ['node_ids', 'new_node_ids'], yLabel: 'node IDs' },
    notes: [
      `Node IDs per IP from the endpoints learned (discovery, inbound HELLO) and the connections made in the window; "new" = first seen by NodeFinder in the window (churn: new IDs per day of window).`,
      ctx.includeAbusive
        ? 'These node IDs are counted in the other reports (--include-abusive).'
        : `${excludedIds} node IDs on the public IPs above are left out of the network-size counts of the other reports (--include-abusive keeps them).`,
    ],
  };
}

export async function buildAbusiveReport(ctx: ReportContext): Promise<Report> {
  const { ips, exempt, abusive } = await ctx.exclusion();
  return {
    name: 'abusive',
    title: 'Abusive IP addresses (many node IDs)',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), min_ids: ctx.abusiveMinIds, include_abusive: ctx.includeAbusive },
    sections: [abusiveSection(ctx, ips, exempt, abusive.length)],
    data: {
      abusive_ips: ips.map((r) => ({ ip: r.ip, node_ids: r.node_ids, new_node_ids: r.new_node_ids, hello_node_ids: r.hello_node_ids })),
      exempt_ips: exempt.map((r) => ({ ip: r.ip, node_ids: r.node_ids, new_node_ids: r.new_node_ids, hello_node_ids: r.hello_node_ids })),
      excluded_node_ids: abusive.length,
    },
  };
}
