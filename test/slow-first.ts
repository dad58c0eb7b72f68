/**
 * Vitest sequencer: the files that take longest start first. Vitest's own order (BaseSequencer) puts
 * files with a recorded duration longest-first, but a fresh clone (CI) has no record and gets the
 * largest files first — and a short file that spawns the CLI and waits on it for 45 s then starts
 * last, while the other core idles. SLOWEST lists those files (measured per file, hooks included, on
 * the 2-core machine, 2026-12-05); a stale entry only costs ordering, never a result.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SLOWEST = [
  'test/integration/restart.test.ts',
  'test/integration/crawl-cli.test.ts',
  'test/ops/metrics.test.ts',
  'test/sim/simulate-db.test.ts',
  'test/ops/demo.test.ts',
  'test/ops/errors.test.ts',
  'test/integration/crawl-dns.test.ts',
  'test/store/cli-db.test.ts',
  'test/store/outage.test.ts',
  'test/integration/crawl-enr.test.ts',
  'test/store/pglite-memory.test.ts',
  'test/sim/sim-determinism.test.ts',
  'test/sim/crawl-testnet.test.ts',
  'test/integration/crawl-mixed-discovery.test.ts',
  'test/store/window-node-days.test.ts',
  'test/store/migration-rtt.test.ts',
  'test/serve/load-shedding.test.ts',
  'test/serve/cli.test.ts',
  'test/report/cli-report.test.ts',
];

export default class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = SLOWEST.findIndex((s) => f.moduleId.endsWith(s));
      return i < 0 ? SLOWEST.length : i;
    };
    // Array#sort is stable: the rest keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
