/**
 * PGlite starts without initdb in the tests. PGlite.create on an empty data directory runs initdb in
 * WebAssembly: ~5 s on an idle 2-core machine, 15–17 s at load 15, ~770 MB RSS. Loading the dump of a
 * freshly initialised directory (`loadDataDir`) takes ~3 s at load 15 and ~440 MB. The global setup
 * (test/global-setup.ts) writes that dump once, in a child process, to the OS temp directory (named by
 * the PGlite version, written atomically, kept for later runs). In-memory test databases load it
 * (helpers.ts); new embedded directories are filled from it through NODEFINDER_PGLITE_TEMPLATE
 * (src/store/pglite-adapter.ts), set for every test file by test/setup-env.ts. Without a dump
 * everything still works, the slow way.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
/** The installed PGlite's version (its package.json is not exported: found above its dist/). */
const version = (JSON.parse(readFileSync(join(pgliteEntry.slice(0, pgliteEntry.lastIndexOf('/dist/')), 'package.json'), 'utf8')) as { version: string }).version;
const uid = (() => {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
})();

/** One dump per PGlite version and user (the data directory format changes with PGlite). */
export const TEMPLATE_PATH = join(tmpdir(), `nodefinder-test-pglite-${version}-${uid}.tar`);

/** The dump's bytes, or undefined when there is none. */
export function readTemplate(): Uint8Array | undefined {
  try {
    return readFileSync(TEMPLATE_PATH);
  } catch {
    return undefined;
  }
}

/**
 * Write the dump unless it exists: initdb in a short-lived child (its memory is never returned to
 * the OS), dumped uncompressed to a temporary file renamed into place, so that parallel runs never
 * read half a dump. Returns whether the dump is there.
 */
export async function ensureTemplate(): Promise<boolean> {
  if (existsSync(TEMPLATE_PATH)) return true;
  const script = `
    const { PGlite } = require(process.argv[1]);
    const fs = require('node:fs');
    const [target, tmp] = [process.argv[2], process.argv[2] + '.' + process.pid + '.tmp'];
    PGlite.create({ dataDir: 'memory://' })
      .then(async (pg) => {
        const dump = await pg.dumpDataDir('none');
        fs.writeFileSync(tmp, new Uint8Array(await dump.arrayBuffer()));
        fs.renameSync(tmp, target);
        await pg.close();
      })
      .catch((err) => { fs.rmSync(tmp, { force: true }); console.error(err); process.exit(1); });`;
  await new Promise<void>((resolve) => {
    execFile(process.execPath, ['-e', script, pgliteEntry, TEMPLATE_PATH], { timeout: 300_000 }, () => resolve());
  });
  return existsSync(TEMPLATE_PATH);
}
