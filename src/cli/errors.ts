/**
 * CLI error contract (DESIGN.md): exit 0 ok, 1 runtime failure, 2 bad usage/input; always one line,
 * no stack trace unless --debug.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export class RuntimeError extends Error {
  readonly exitCode = 1;
}

export function exitCodeFor(err: unknown): number {
  const code = (err as { exitCode?: unknown } | null)?.exitCode;
  return code === 2 ? 2 : 1;
}

export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim() || 'unknown error';
}
