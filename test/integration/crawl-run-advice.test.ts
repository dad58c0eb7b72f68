/**
 * A crawl on a Postgres server says in one line when the server's memory and WAL settings are below
 * a mainnet crawl's needs (src/store/server-settings.ts, README "Running against mainnet"); on the
 * embedded engine it says nothing about them. Whatever this machine's server is set to: the expected
 * line is computed from the same settings.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { Netrestrict } from '../../src/net/netrestrict.js';
import { CrawlRun } from '../../src/run/crawl-run.js';
import { readServerSettings, settingsAdvice } from '../../src/store/server-settings.js';
import { closeSharedPglite, ENGINES, engineTitle, withFresh } from '../store/helpers.js';

afterAll(closeSharedPglite);

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`crawl start on ${engineTitle(engine)}`, () => {
    it('logs the server-settings advice exactly when the settings call for it', () =>
      withFresh(engine, { migrated: false })(async (t) => {
        const lines: string[] = [];
        const run = await CrawlRun.start({
          db: t.db,
          closeDatabase: false,
          journalDir: null,
          log: (l) => lines.push(l),
          keys: { privateKeys: [generatePrivateKey()] },
          crawl: {
            network: NETWORKS.mainnet,
            bootnodes: [],
            instances: 1,
            listenHost: '127.0.0.1',
            port: 0,
            netrestrict: Netrestrict.parse('127.0.0.0/8'),
            maxDials: 1,
            redialIntervalMs: 30 * 60_000,
            expireAfterMs: 24 * 3_600_000,
            maxSockets: 8,
            clientId: 'NodeFinder/vtest/linux-amd64/node20',
            codeVersion: 'test',
          },
        });
        await run.close();
        const advice = engine.name === 'postgres' ? settingsAdvice(await readServerSettings(t.db)) : null;
        const about = lines.filter((l) => l.startsWith('postgres: '));
        expect(about).toEqual(advice ? [advice] : []);
      }));
  });
}
