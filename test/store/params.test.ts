/**
 * Array parameters sent to a Postgres server as ready-made literals (src/store/database.ts
 * arrayLiteral, used by the pg adapter): what the server reads back is exactly what was sent, for
 * every kind of string (quotes, backslashes, braces, commas, spaces, "NULL", empty, non-ASCII).
 * And ADDRESS_SOURCES is in the address_source enum's order, which the writer relies on when it
 * sends node_sightings.sources sorted (fold-statements.ts), on both engines.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { arrayLiteral } from '../../src/store/database.js';
import { ADDRESS_SOURCES } from '../../src/store/validate.js';
import { Rng } from '../../src/util/rng.js';
import { closeSharedPglite, ENGINES, engineTitle, withFresh } from './helpers.js';

afterAll(closeSharedPglite);

const ALPHABET = ['a', 'Z', '0', '-', '.', ':', '_', '+', ' ', '\t', '\n', '"', '\\', '{', '}', ',', "'", 'é', '€', '😀', 'NULL', 'null', '(', ')', '[', ']'];
function randomString(rng: Rng): string {
  const n = rng.int(8);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[rng.int(ALPHABET.length)]!;
  return s;
}

describe('arrayLiteral', () => {
  it('writes bare tokens as they are, quotes the rest, and spells null as NULL', () => {
    expect(arrayLiteral(['ab09', '2024-02-01', 'v5_session', '-1.5e3'])).toBe('{ab09,2024-02-01,v5_session,-1.5e3}');
    expect(arrayLiteral([null, undefined, 'NULL', 'nUlL', '', 'a b', 'x"y\\z', '{,}'])).toBe('{NULL,NULL,"NULL","nUlL","","a b","x\\"y\\\\z","{,}"}');
    expect(arrayLiteral([1, -2.5, 10n, true, false])).toBe('{1,-2.5,10,true,false}');
    expect(arrayLiteral([])).toBe('{}');
  });

  it('leaves arrays of anything else to the driver', () => {
    expect(arrayLiteral([new Date(0)])).toBeUndefined();
    expect(arrayLiteral([['a']])).toBeUndefined();
    expect(arrayLiteral([new Uint8Array(2)])).toBeUndefined();
    expect(arrayLiteral([{}])).toBeUndefined();
  });
});

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`array parameters on ${engineTitle(engine)}`, () => {
    const withDb = withFresh(engine);
    it('reads back 2 000 random strings, numbers and nulls exactly as sent', () =>
      withDb(async (t) => {
        const rng = new Rng(20261206);
        for (let round = 0; round < 10; round++) {
          const texts = Array.from({ length: 200 }, () => (rng.int(10) === 0 ? null : randomString(rng)));
          const ints = Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? null : i % 3 === 0 ? BigInt(rng.int(1e9)) * 1_000_000_007n : rng.int(2e9) - 1e9));
          const [r] = await t.db.query<{ t: (string | null)[]; i: (string | null)[] }>('SELECT $1::text[] AS t, $2::int8[]::text[] AS i', [texts, ints]);
          expect(r!.t).toEqual(texts);
          expect(r!.i).toEqual(ints.map((v) => (v === null ? null : String(v))));
        }
      }));

    it('ADDRESS_SOURCES lists the address_source enum in its order (the writer sorts sources by it)', () =>
      withDb(async (t) => {
        const [r] = await t.db.query<{ e: string }>(`SELECT array_to_string(enum_range(NULL::address_source), ',') AS e`);
        expect(r!.e.split(',').filter((s) => s !== 'dial')).toEqual([...ADDRESS_SOURCES]);
      }));
  });
}
