import { defineConfig } from 'vitest/config';
import SlowFirst from './test/slow-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Interop and storage tests open real sockets and databases; forks isolate native addons.
    pool: 'forks',
    // PGlite starts from one initdb dump instead of running initdb per file (test/store/pglite-template.ts).
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    // Longest files first, also on a fresh clone (test/slow-first.ts).
    sequence: { sequencer: SlowFirst },
  },
});
