/**
 * DEVp2p/eth codec throughput: our snappy against snappyjs (the implementation @ethereumjs/devp2p
 * uses), and HELLO/STATUS decoding rates.
 */
import { createRequire } from 'node:module';
import { decodeHello, encodeHello } from '../src/devp2p/hello.js';
import { snappyCompress, snappyDecompress } from '../src/devp2p/snappy.js';
import { NETWORKS } from '../src/eth/networks.js';
import { decodeStatus, encodeStatus, localStatus } from '../src/eth/status.js';
import { fmt, opsPerSecond, type BenchTable } from './table.js';

const snappyjs = createRequire(import.meta.url)('snappyjs') as {
  compress(data: Uint8Array): Uint8Array;
  uncompress(data: Uint8Array): Uint8Array;
};

/** Block-like data: RLP-ish runs of zeros, repeated hashes and noise. */
function sample(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let s = seed;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < size; ) {
    const mode = next() % 3;
    const len = Math.min(size - i, 8 + (next() % 64));
    if (mode === 0) out.fill(0, i, i + len);
    else if (mode === 1 && i > 256) {
      const from = i - 32 - (next() % 200);
      out.copyWithin(i, from, from + len);
    }
    else for (let k = 0; k < len; k++) out[i + k] = next() & 0xff;
    i += len;
  }
  return out;
}

export default async function run(): Promise<BenchTable[]> {
  const rows: (string | number)[][] = [];
  for (const size of [1024, 64 * 1024, 1024 * 1024]) {
    const data = sample(size, size);
    const ours = snappyCompress(data);
    const theirs = snappyjs.compress(data);
    const mbs = (ops: number) => fmt((ops * size) / (1024 * 1024), 0);
    const batch = Math.max(1, Math.floor(65536 / size));
    const loop = (fn: () => void) => () => {
      for (let i = 0; i < batch; i++) fn();
    };
    rows.push([
      `${size / 1024} KiB`,
      mbs(opsPerSecond(loop(() => snappyCompress(data)), 1000, batch)),
      mbs(opsPerSecond(loop(() => snappyjs.compress(data)), 1000, batch)),
      mbs(opsPerSecond(loop(() => snappyDecompress(ours)), 1000, batch)),
      mbs(opsPerSecond(loop(() => snappyjs.uncompress(theirs)), 1000, batch)),
      `${fmt((100 * ours.length) / size, 1)}% / ${fmt((100 * theirs.length) / size, 1)}%`,
    ]);
  }

  const hello = encodeHello({
    protocolVersion: 5,
    clientId: 'Geth/v1.14.11-stable-f3c696fa/linux-amd64/go1.23.2',
    capabilities: [
      { name: 'eth', version: 68 },
      { name: 'eth', version: 69 },
      { name: 'snap', version: 1 },
    ],
    listenPort: 30303,
    nodeKey: new Uint8Array(64).fill(7),
  });
  const status = encodeStatus(localStatus(NETWORKS.mainnet, 69, 1_770_000_000));

  return [
    {
      title: 'Snappy (block format), MB/s of uncompressed data',
      columns: ['message', 'compress (ours)', 'compress (snappyjs)', 'decompress (ours)', 'decompress (snappyjs)', 'size ours / snappyjs'],
      rows,
      notes: ['Synthetic block-like data (zero runs, repeats, noise); 2-core machine, Node 20.'],
    },
    {
      title: 'Base and eth codecs, decodes per second',
      columns: ['message', 'decode/s'],
      rows: [
        ['HELLO (3 caps)', fmt(opsPerSecond(() => decodeHello(hello), 1000))],
        ['STATUS eth/69', fmt(opsPerSecond(() => decodeStatus(status, 69), 1000))],
      ],
    },
  ];
}
