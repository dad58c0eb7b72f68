/**
 * RLPx: complete handshakes per second (both sides in-process; pure codec and over memory streams)
 * on each secp256k1 backend, framed messages per second, against the bare crypto floor and against
 * @ethereumjs/devp2p's ECIES class driven the same way (devDependency, bench only).
 */
import { ECIES } from '@ethereumjs/devp2p';
import {
  backends,
  createKeccak256,
  generatePrivateKey,
  randomBytes,
  secp256k1,
  setBackend,
  type Secp256k1Backend,
} from '../src/crypto/index.js';
import { ManualClock } from '../src/net/clock.js';
import { createMemoryStreamPair } from '../src/net/memory-stream.js';
import { openRlpx } from '../src/rlpx/connection.js';
import { FrameReader, FrameWriter, type FrameSecrets } from '../src/rlpx/frame.js';
import { initiateHandshake, respondToHandshake } from '../src/rlpx/handshake.js';
import { fmt, opsPerSecond, opsPerSecondAsync, type BenchTable } from './table.js';

type BackendName = 'native' | 'noble';
const available = (['native', 'noble'] as const).filter((n) => backends[n]);

/** Our crypto work per handshake pair (both sides): 8 ECDH, 1 sign, 1 recover, 3 public-key derivations (our static key is cached). */
const PER_PAIR = { ecdh: 8, sign: 1, recover: 1, publicKey: 3 };

function primitives(b: Secp256k1Backend, ms: number) {
  const k1 = generatePrivateKey();
  const k2 = generatePrivateKey();
  const p2 = b.publicKey(k2);
  const digest = randomBytes(32);
  const { signature, recovery } = b.sign(digest, k1);
  const ecdh = opsPerSecond(() => void b.ecdhX(p2, k1), ms);
  const sign = opsPerSecond(() => void b.sign(digest, k1), ms);
  const recover = opsPerSecond(() => void b.recover(digest, signature, recovery), ms);
  const publicKey = opsPerSecond(() => void b.publicKey(k1), ms);
  const floor =
    1 / (PER_PAIR.ecdh / ecdh + PER_PAIR.sign / sign + PER_PAIR.recover / recover + PER_PAIR.publicKey / publicKey);
  return { ecdh, sign, recover, publicKey, floor };
}

function pureHandshake(keyA: Uint8Array, keyB: Uint8Array, pubB: Uint8Array): void {
  const init = initiateHandshake({ staticPrivateKey: keyA, remotePublicKey: pubB });
  const resp = respondToHandshake({ staticPrivateKey: keyB, authWire: init.auth });
  init.finish(resp.ack);
}

async function streamHandshake(keyA: Uint8Array, keyB: Uint8Array, pubB: Uint8Array): Promise<void> {
  const clock = new ManualClock();
  const [sa, sb] = createMemoryStreamPair();
  const [a, b] = await Promise.all([
    openRlpx({ stream: sa, clock, privateKey: keyA, remotePublicKey: pubB }),
    openRlpx({ stream: sb, clock, privateKey: keyB }),
  ]);
  a.destroy();
  b.destroy();
}

/** @ethereumjs/devp2p: the auth/ack create/parse its RLPx peer performs, in-process. */
type EjsEcies = ECIES & { _gotEIP8Auth: boolean; _gotEIP8Ack: boolean };
function ejsHandshake(keyA: Uint8Array, pubA: Uint8Array, keyB: Uint8Array, pubB: Uint8Array): { a: EjsEcies; b: EjsEcies } {
  const a = new ECIES(keyA, pubA, pubB) as EjsEcies;
  const b = new ECIES(keyB, pubB, null as unknown as Uint8Array) as EjsEcies;
  const auth = a.createAuthEIP8()!;
  b._gotEIP8Auth = true;
  b.parseAuthEIP8(auth);
  const ack = b.createAckEIP8()!;
  a._gotEIP8Ack = true;
  a.parseAckEIP8(ack);
  return { a, b };
}

function framePair(): { out: FrameSecrets; in: FrameSecrets } {
  const aesSecret = randomBytes(32);
  const macSecret = randomBytes(32);
  const seed = randomBytes(32);
  return {
    out: { aesSecret, macSecret, egressMac: createKeccak256().update(seed), ingressMac: createKeccak256() },
    in: { aesSecret, macSecret, egressMac: createKeccak256(), ingressMac: createKeccak256().update(seed) },
  };
}

export default async function run(): Promise<BenchTable[]> {
  const restore = secp256k1().name;
  const keyA = generatePrivateKey();
  const keyB = generatePrivateKey();
  const tables: BenchTable[] = [];

  // --- @ethereumjs/devp2p baseline (its own crypto: noble through ethereum-cryptography)
  const pubA = backends.noble.publicKey(keyA);
  const pubB = backends.noble.publicKey(keyB);
  const ejs = opsPerSecond(() => void ejsHandshake(keyA, pubA, keyB, pubB), 3000);

  // --- handshakes per backend
  const hsRows: (string | number)[][] = [];
  const prim: Partial<Record<BackendName, ReturnType<typeof primitives>>> = {};
  for (const name of available) {
    setBackend(name);
    const slow = name === 'noble';
    const p = primitives(backends[name]!, slow ? 1000 : 700);
    prim[name] = p;
    const pure = opsPerSecond(() => pureHandshake(keyA, keyB, pubB), slow ? 3000 : 1500);
    const streamed = await opsPerSecondAsync(() => streamHandshake(keyA, keyB, pubB), slow ? 3000 : 1500);
    hsRows.push(
      [`NodeFinder, pure codec (${name})`, fmt(pure), `${fmt((pure / p.floor) * 100)} %`, `${fmt(pure / ejs, 1)}×`],
      [`NodeFinder, openRlpx over memory streams (${name})`, fmt(streamed), `${fmt((streamed / p.floor) * 100)} %`, `${fmt(streamed / ejs, 1)}×`],
      [`crypto floor (${name}): 8 ECDH + sign + recover + 3 pubkey`, fmt(p.floor), '100 %', `${fmt(p.floor / ejs, 1)}×`],
    );
  }
  hsRows.push(['@ethereumjs/devp2p 10 ECIES auth/ack, in-process', fmt(ejs), '', '1.0×']);
  tables.push({
    title: 'RLPx handshakes per second (both sides in one process, one core)',
    columns: ['implementation', 'handshakes/s', 'of crypto floor', 'vs @ethereumjs/devp2p'],
    rows: hsRows,
    notes: [
      'A complete handshake = auth built, sent, decrypted, answered with an ack, ack decrypted, secrets derived on both sides.',
      '@ethereumjs/devp2p is driven through its ECIES class (createAuthEIP8/parseAuthEIP8/createAckEIP8/parseAckEIP8) — the same work its peer does, without sockets.',
    ],
  });

  tables.push({
    title: 'secp256k1 primitives behind the handshake (ops/s)',
    columns: ['backend', 'ECDH', 'sign', 'recover', 'public key'],
    rows: available.map((n) => [n, fmt(prim[n]!.ecdh), fmt(prim[n]!.sign), fmt(prim[n]!.recover), fmt(prim[n]!.publicKey)]),
  });

  // --- framing (crypto backend irrelevant: AES + keccak)
  const frameRows: (string | number)[][] = [];
  const { a: ejsA, b: ejsB } = ejsHandshake(keyA, pubA, keyB, pubB);
  for (const size of [16, 1024, 64 * 1024]) {
    const data = randomBytes(size);
    const { out, in: inn } = framePair();
    const writer = new FrameWriter(out);
    const reader = new FrameReader(inn);
    const ours = opsPerSecond(() => {
      reader.push(writer.encode(0x10, data));
      if (!reader.read()) throw new Error('frame lost');
    }, 1200);
    const theirs = opsPerSecond(() => {
      const header = ejsA.createBlockHeader(size + 1)!;
      const body = ejsA.createBody(concat1(data))!;
      ejsB.parseHeader(header);
      if (!ejsB.parseBody(body)) throw new Error('frame lost');
    }, 1200);
    frameRows.push([
      `${fmt(size)} B`,
      fmt(ours),
      fmt((ours * size) / 1e6, 1),
      fmt(theirs),
      `${fmt(ours / theirs, 1)}×`,
    ]);
  }
  tables.push({
    title: 'RLPx framed messages per second (encode + MAC + encrypt, then verify + decrypt + decode)',
    columns: ['msg-data size', 'NodeFinder msgs/s', 'NodeFinder MB/s', '@ethereumjs/devp2p msgs/s', 'ratio'],
    rows: frameRows,
  });

  setBackend(restore);
  return tables;
}

/** rlp(msg-id 0x10) || data, as @ethereumjs/devp2p's peer assembles a frame body. */
function concat1(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 1);
  out[0] = 0x10;
  out.set(data, 1);
  return out;
}
