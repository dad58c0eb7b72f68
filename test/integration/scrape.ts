/**
 * Waiting on a running crawl's own account of its progress instead of on the wall clock: its
 * Prometheus endpoint (`--metrics`), scraped until a condition holds. The machine is shared and
 * may be loaded (load 16+ on 2 cores): a fixed sleep is either too long when idle or too short
 * under load; a condition with a generous deadline is neither.
 */

/** Overall deadline for a condition on a shared, possibly overloaded machine (start-up alone took > 2 min at load 16). */
export const LOADED_DEADLINE_MS = 300_000;

/** Prometheus text format → "name{labels}" → value (labels as rendered, sorted by the registry). */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    out.set(m[1]!, m[2] === '+Inf' ? Infinity : Number(m[2]));
  }
  return out;
}

/** Sum of every series of a family whose labels contain all of `match` (e.g. 'outcome="status"'). */
export function sumSeries(m: Map<string, number>, name: string, ...match: string[]): number {
  let total = 0;
  for (const [k, v] of m) {
    const base = k.split('{')[0];
    if (base === name && match.every((x) => k.includes(x))) total += v;
  }
  return total;
}

/** Outbound dials (dynamic + static) that ended with `outcome`. */
export function outboundDials(m: Map<string, number>, outcome: string): number {
  return sumSeries(m, 'nodefinder_dials_total', `outcome="${outcome}"`) - sumSeries(m, 'nodefinder_dials_total', 'kind="inbound"', `outcome="${outcome}"`);
}

export async function scrape(url: string): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(url)).text());
}

/** The URL a crawl printed for `--metrics` (`metrics: http://…/metrics`), once it has. */
export function metricsUrl(stderr: string): string | undefined {
  return /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)?.[1];
}

/**
 * Poll `probe` every 100 ms until it returns a value other than undefined; throws with `what`
 * (and the last state `describe` gives) after `timeoutMs`.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = LOADED_DEADLINE_MS, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `: ${describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Wait until the writer has committed every event the crawl had produced when this was called: FIFO
 * writer, so once `written` reaches written + buffered as of the first scrape, those are in the
 * database (no outage here: nothing spilled).
 */
export async function waitCommitted(url: string, timeoutMs = LOADED_DEADLINE_MS): Promise<void> {
  const m0 = await scrape(url);
  const target = (m0.get('nodefinder_writer_written_events') ?? 0) + (m0.get('nodefinder_write_queue_depth') ?? 0);
  let last = m0;
  await pollUntil(
    async () => {
      last = await scrape(url);
      return (last.get('nodefinder_writer_written_events') ?? 0) >= target ? true : undefined;
    },
    `the writer to commit ${target} events`,
    timeoutMs,
    () => `written ${last.get('nodefinder_writer_written_events')}`,
  );
}
