/**
 * The budget's meter for database reads (src/serve/backend-cpu.ts): a Postgres backend on this
 * machine has a readable, growing CPU count; anything that is not a postgres process is null, so
 * the budget falls back to wall time rather than charging some other process's CPU.
 */
import { describe, expect, it } from 'vitest';
import { backendCpuMs } from '../../src/serve/backend-cpu.js';
import { engineTitle, postgresEngine } from '../store/helpers.js';

describe('backendCpuMs', () => {
  it('is null for a process that is not postgres, and for no process at all', () => {
    expect(backendCpuMs(process.pid)).toBeNull();
    for (const pid of [0, -1, 1.5, Number.NaN, 2 ** 40]) expect(backendCpuMs(pid)).toBeNull();
  });

  describe.skipIf(postgresEngine.skip !== null)(`a backend of ${engineTitle(postgresEngine)}`, () => {
    it('counts the CPU a statement burns, in 10 ms steps', async () => {
      const t = await postgresEngine.fresh();
      try {
        const [row] = await t.db.query<{ pid: number; local: boolean }>(`SELECT pg_backend_pid() AS pid, coalesce(inet_server_addr() << inet '127.0.0.0/8' OR inet_server_addr() = inet '::1', true) AS local`);
        if (!row!.local) return; // a server elsewhere: its processes are not ours to read (the budget charges wall time)
        // One pinned connection: the pool would hand each statement to any backend.
        await t.db.transaction(async (tx) => {
          const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          const before = backendCpuMs(me!.pid);
          expect(before).not.toBeNull();
          expect(before! % 10).toBe(0);
          // About 0.2–2 s of CPU, whatever the machine's speed: enough ticks to count.
          await tx.query('SELECT count(*) FROM generate_series(1, 3000000) g WHERE g % 7 = 3');
          expect(backendCpuMs(me!.pid)!).toBeGreaterThan(before!);
        });
      } finally {
        await t.dispose();
      }
    }, 60_000);
  });
});
