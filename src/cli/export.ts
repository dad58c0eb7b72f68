/**
 * `nodefinder export nodes.json` — geth's nodes.json from the database (filters as geth's
 * `devp2p nodeset filter`); `nodefinder export enrtree` — a signed EIP-1459 tree from a nodes.json,
 * as TXT records ready to publish (what geth's `devp2p dns sign` + `dns to-txt` produce).
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { parseLink } from '../dnsdisc/entries.js';
import { makeTree, toZoneLines } from '../dnsdisc/tree.js';
import { isValidDomain } from '../dnsdisc/entries.js';
import { NETWORK_NAMES, getNetwork, isNetworkName } from '../eth/networks.js';
import { buildNodesJson, parseNodesJson } from '../export/nodes-json.js';
import { loadExportNodes } from '../store/export-nodes.js';
import { DEFAULT_DB } from '../store/database.js';
import { openMigratedDatabase } from '../store/open.js';
import { writeReportOutput } from './report-output.js';
import { parseDuration, parseIntOption } from './durations.js';
import { UsageError } from './errors.js';
import { readKeyFile } from './ping.js';

/** Ours: a nodes.json larger than this is refused (the public mainnet list is a few MB). */
const MAX_NODES_JSON_BYTES = 256 * 1024 * 1024;
const MAX_SEQ = (1n << 64n) - 1n;

interface NodesJsonCliOptions {
  db: string;
  network?: string;
  minAge?: string;
  limit?: string;
  out?: string;
}

interface EnrtreeCliOptions {
  key: string;
  domain: string;
  in: string;
  seq?: string;
  links?: string;
  format: string;
  out?: string;
}

export function registerExport(program: Command): void {
  const exp = program.command('export').description('write node lists: geth nodes.json from the database, or a signed DNS tree (EIP-1459)');
  exp
    .command('nodes.json')
    .description("geth's nodes.json of every node with a stored ENR (filters as geth's devp2p nodeset filter)")
    .option('--db <url|dir>', 'postgres:// URL, or a directory for the embedded database', DEFAULT_DB)
    .addOption(new Option('--network <name>', "only records whose eth fork ID is on this network's chain").choices([...NETWORK_NAMES]))
    .option('--min-age <time>', 'only nodes answering dials for at least this long (lastResponse - firstResponse)')
    .option('--limit <n>', 'at most n nodes, highest score (answered dials) first')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: NodesJsonCliOptions) => {
      await runExportNodesJson(opts);
    });
  exp
    .command('enrtree')
    .description('sign a DNS tree of the records in a nodes.json and print its TXT records')
    .requiredOption('--key <file>', 'signing key of the tree (64 hex characters, geth nodekey format)')
    .requiredOption('--domain <name>', 'the domain the tree is published under')
    .requiredOption('--in <nodes.json>', "the records (geth's or nodefinder export nodes.json)")
    .option('--seq <n>', 'sequence number of the root (default: the current Unix time, as geth)')
    .option('--links <enrtree,...>', 'links to other trees to include')
    .addOption(new Option('--format <format>', 'json (name → TXT text) or zone (zone-file lines)').choices(['json', 'zone']).default('json'))
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: EnrtreeCliOptions) => {
      await runExportEnrtree(opts);
    });
}

export async function runExportNodesJson(opts: NodesJsonCliOptions, io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {}): Promise<void> {
  if (opts.network !== undefined && !isNetworkName(opts.network)) throw new UsageError(`unknown --network ${opts.network}`);
  const minAgeMs = opts.minAge === undefined ? undefined : parseDuration(opts.minAge, '--min-age');
  const limit = opts.limit === undefined ? undefined : parseIntOption(opts.limit, '--limit', 0, 10_000_000);
  if (opts.out !== undefined && opts.out.trim() === '') throw new UsageError('invalid --out: empty file name');
  const { db } = await openMigratedDatabase(opts.db, { mustExist: true });
  let text: string;
  try {
    const rows = await loadExportNodes(db);
    const { nodes, invalid } = buildNodesJson(rows, {
      ...(opts.network !== undefined ? { network: getNetwork(opts.network as (typeof NETWORK_NAMES)[number]) } : {}),
      ...(minAgeMs !== undefined ? { minAgeMs } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    text = `${JSON.stringify(nodes, null, 4)}\n`;
    if (invalid > 0) (io.stderr ?? process.stderr).write(`export: skipped ${invalid} stored record(s) that do not verify\n`);
  } finally {
    await db.close();
  }
  await writeReportOutput(text, opts.out, io);
}

export async function runExportEnrtree(
  opts: EnrtreeCliOptions,
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; now?: () => number } = {},
): Promise<void> {
  const domain = opts.domain.trim().replace(/\.$/, '');
  if (!isValidDomain(domain)) throw new UsageError(`invalid --domain ${JSON.stringify(opts.domain)}: a DNS name like nodes.example.org`);
  let seq: bigint;
  if (opts.seq === undefined) seq = BigInt(Math.floor((io.now ?? Date.now)() / 1000));
  else {
    if (!/^\d{1,20}$/.test(opts.seq.trim()) || BigInt(opts.seq.trim()) > MAX_SEQ) throw new UsageError(`invalid --seq ${JSON.stringify(opts.seq)}: a uint64`);
    seq = BigInt(opts.seq.trim());
  }
  const links = (opts.links ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const l of links) {
    try {
      parseLink(l);
    } catch (err) {
      throw new UsageError(`invalid --links entry: ${(err as Error).message}`);
    }
  }
  if (opts.out !== undefined && opts.out.trim() === '') throw new UsageError('invalid --out: empty file name');
  const privateKey = readKeyFile(opts.key);
  let size: number;
  try {
    size = (await stat(opts.in)).size;
  } catch (err) {
    throw new UsageError(`cannot read --in ${JSON.stringify(opts.in)}: ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
  if (size > MAX_NODES_JSON_BYTES) throw new UsageError(`--in ${JSON.stringify(opts.in)} is ${size} bytes, the limit is ${MAX_NODES_JSON_BYTES}`);
  const { enrs, errors } = parseNodesJson(await readFile(opts.in, 'utf8'));
  if (errors.length > 0) throw new UsageError(`--in ${JSON.stringify(opts.in)}: ${errors.length} invalid entr${errors.length === 1 ? 'y' : 'ies'}, first: ${errors[0]}`);
  let tree;
  try {
    tree = makeTree({ enrs, links, seq, domain, privateKey });
  } catch (err) {
    throw new UsageError(`--in ${JSON.stringify(opts.in)}: ${(err as Error).message}`);
  }
  const text =
    opts.format === 'zone'
      ? `; ${tree.link} seq=${seq} nodes=${tree.nodes} links=${tree.links}\n${toZoneLines(tree.records).join('\n')}\n`
      : `${JSON.stringify({ link: tree.link, seq: seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seq) : seq.toString(), nodes: tree.nodes, links: tree.links, records: Object.fromEntries(tree.records.map((r) => [r.name, r.text])) }, null, 2)}\n`;
  await writeReportOutput(text, opts.out, io);
}
