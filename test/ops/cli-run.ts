/** Run the CLI in-process through main(argv), capturing stdout and stderr (test/ops helpers). */
import { createServer, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function runCli(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'nodefinder', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Lines of text without the trailing empty one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
}

/** A stack frame line ("    at f (file:1:2)"). */
export const STACK_FRAME = /^\s+at\s/m;

/** Hold a UDP and a TCP socket on one loopback port (the OS picks it). */
export async function occupyPort(): Promise<{ port: number; release(): Promise<void> }> {
  const tcp: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (tcp.address() as { port: number }).port;
  const udp: Socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, '127.0.0.1', () => resolve());
  }).catch(() => undefined); // the UDP side may be taken by someone else: TCP alone is enough
  return {
    port,
    release: async () => {
      await new Promise<void>((r) => tcp.close(() => r()));
      await new Promise<void>((r) => {
        try {
          udp.close(() => r());
        } catch {
          r();
        }
      });
    },
  };
}
