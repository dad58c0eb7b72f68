import { describe, expect, it } from 'vitest';
import { uuidV7 } from '../../src/crypto/uuid.js';

describe('uuidV7', () => {
  it('is an RFC 9562 version-7 UUID carrying the millisecond timestamp', () => {
    const ms = Date.UTC(2025, 2, 1, 12, 34, 56, 789);
    const id = uuidV7(ms, (n) => new Uint8Array(n).fill(0xff));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(ms);
    expect(id.slice(14)).toBe('7fff-bfff-ffffffffffff');
  });

  it('sorts by time: later milliseconds sort after earlier ones whatever the random bits', () => {
    const ids = Array.from({ length: 200 }, (_, i) => uuidV7(1_700_000_000_000 + i * 7));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
