import { defineConfig } from 'vitest/config';
import SlowFirst from './test/slow-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Interop and storage tests open real sockets and databases; forks isolate native addons.
    pool: 'forks',
    // Vitest's default on 2 cores is one worker (cores − 1): the whole suite in series, a core idle
    // whenever a file waits on a child process or a socket. Two at a time: the real-socket tests wait
    // for conditions (test/integration/scrape.ts), and the few timing bounds left (crawl-rtt) hold at
    // two; more workers only cost time.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // PGlite starts from one initdb dump instead of running initdb per file (test/store/pglite-template.ts).
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    // Longest files first, also on a fresh clone (test/slow-first.ts).
    sequence: { sequencer: SlowFirst },
  },
});
