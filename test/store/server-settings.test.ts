/** The crawl's one-line advice about a Postgres server's memory and WAL settings (src/store/server-settings.ts). */
import { afterAll, describe, expect, it } from 'vitest';
import { readServerSettings, RECOMMENDED_SETTINGS, settingsAdvice } from '../../src/store/server-settings.js';
import { closeSharedPglite, ENGINES, engineTitle, withFresh } from './helpers.js';

afterAll(closeSharedPglite);

const MB = 1024 * 1024;

describe('settingsAdvice', () => {
  it("names what is below a mainnet crawl's needs, and says what to set", () => {
    const advice = settingsAdvice({ sharedBuffersBytes: 128 * MB, maxWalSizeBytes: 1024 * MB });
    expect(advice).toBe(
      'postgres: shared_buffers 128MB, max_wal_size 1024MB — fine for a small crawl; for mainnet volume set shared_buffers=1GB max_wal_size=8GB checkpoint_timeout=15min wal_compression=lz4 (README: Running against mainnet)',
    );
    expect(settingsAdvice({ sharedBuffersBytes: 1024 * MB, maxWalSizeBytes: 1024 * MB })).toMatch(/^postgres: max_wal_size 1024MB —/);
    expect(settingsAdvice({ sharedBuffersBytes: 1024 * MB, maxWalSizeBytes: 8192 * MB })).toBeNull();
    expect(settingsAdvice({ sharedBuffersBytes: NaN, maxWalSizeBytes: NaN })).toBeNull();
    expect(RECOMMENDED_SETTINGS.shared_buffers).toBe('1GB');
  });
});

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`readServerSettings on ${engineTitle(engine)}`, () => {
    it('reads shared_buffers and max_wal_size in bytes, as SHOW states them', () =>
      withFresh(engine, { migrated: false })(async (t) => {
        const s = await readServerSettings(t.db);
        const [shown] = await t.db.query<{ sb: string; wal: string }>(`SELECT current_setting('shared_buffers') AS sb, current_setting('max_wal_size') AS wal`);
        const bytes = (v: string) => {
          const [, n, unit] = /^(\d+)(kB|MB|GB)$/.exec(v)!;
          return Number(n) * { kB: 1024, MB: MB, GB: 1024 * MB }[unit as 'kB' | 'MB' | 'GB'];
        };
        expect(s.sharedBuffersBytes).toBe(bytes(shown!.sb));
        expect(s.maxWalSizeBytes).toBe(bytes(shown!.wal));
      }));
  });
}
