/**
 * The CPU a Postgres backend process has used, read from /proc/<pid>/stat (proc(5): fields 14 and 15,
 * utime and stime, in clock ticks; USER_HZ is 100 on Linux), so the web view's budget charges what its
 * reads really cost the machine rather than their wall time (which grows with everyone else's load).
 * Only for a server on this machine: the caller checks the connection is loopback or a Unix socket,
 * and the process must be named postgres. Anything unreadable or odd is null (charge wall time).
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 10;

/** Cumulative user + system CPU of process `pid`, ms (10 ms steps), or null. */
export function backendCpuMs(pid: number): number | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // "pid (comm) state …": comm may hold spaces and parentheses, so split after the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open || text.slice(open + 1, close) !== 'postgres') return null;
  const fields = text.slice(close + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * TICK_MS : null;
}
