/**
 * A PGlite start without initdb. PGlite.create on an empty data directory runs initdb in WebAssembly:
 * ~5 s on an idle 2-core machine, 15–17 s at load 15, ~770 MB RSS. Starting from the dump of a freshly
 * initialised data directory (`loadDataDir`) takes ~3 s at load 15 and ~440 MB. The first test file
 * that needs PGlite initialises it as before and leaves the dump in the OS temp directory (named by
 * the PGlite version, written atomically); every later file, in this run and the next, loads it. A
 * dump that cannot be read or loaded is ignored: the file starts PGlite the slow way and rewrites it.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/** The installed PGlite's version (its package.json is not exported: found next to its entry point). */
const version = (() => {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const root = entry.slice(0, entry.lastIndexOf('/dist/'));
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
})();
const uid = (() => {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
})();
/** One dump per PGlite version and user (the data directory format changes with PGlite). */
export const TEMPLATE_PATH = join(tmpdir(), `nodefinder-test-pglite-${version}-${uid}.tar`);

/** An in-memory PGlite, from the template when there is one (else initialised, and the template written). */
export async function createTestPglite(options: Omit<PGliteOptions, 'dataDir' | 'loadDataDir'> = {}): Promise<PGlite> {
  const template = readTemplate();
  if (template) {
    try {
      return await PGlite.create({ ...options, dataDir: 'memory://', loadDataDir: new Blob([template]) });
    } catch {
      // A truncated or foreign dump: start from scratch and replace it below.
    }
  }
  const pg = await PGlite.create({ ...options, dataDir: 'memory://' });
  await writeTemplate(pg);
  return pg;
}

function readTemplate(): Uint8Array | undefined {
  try {
    return readFileSync(TEMPLATE_PATH);
  } catch {
    return undefined;
  }
}

/** Dump the still untouched cluster; tmp file + rename, so parallel test files never read half a dump. */
async function writeTemplate(pg: PGlite): Promise<void> {
  const tmp = `${TEMPLATE_PATH}.${process.pid}.tmp`;
  try {
    const dump = await pg.dumpDataDir('none');
    writeFileSync(tmp, new Uint8Array(await dump.arrayBuffer()));
    renameSync(tmp, TEMPLATE_PATH);
  } catch {
    rmSync(tmp, { force: true }); // only a lost speed-up
  }
}
