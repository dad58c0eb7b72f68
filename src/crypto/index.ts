/**
 * The one small crypto surface every protocol module uses. Two secp256k1 backends sit behind it:
 * `native` (libsecp256k1 through the `secp256k1` package, prebuilt binaries inside the package) and
 * `noble` (@noble/secp256k1, pure JS). `npm run bench` measures both; native is ~20–30× faster for
 * recover/ECDH (see README), so it is the default, and noble is the fallback when the addon cannot
 * load (or NODEFINDER_CRYPTO=noble is set).
 *
 * Public keys are always 64 bytes (uncompressed, without the 0x04 prefix) — the devp2p node-key form.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createCipheriv, createHash, createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import * as noble from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { InvalidKeyError } from './errors.js';
import { createWasmKeccak256, KECCAK256_WASM_MAX } from './keccak.js';

export { InvalidKeyError } from './errors.js';

noble.hashes.sha256 = nobleSha256;
noble.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(nobleSha256, key, msg);

export interface Secp256k1Backend {
  readonly name: 'native' | 'noble';
  publicKey(privateKey: Uint8Array): Uint8Array;
  /** Recoverable ECDSA over a 32-byte digest. */
  sign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recovery: number };
  /** Returns the 64-byte public key; throws InvalidKeyError when the signature does not recover. */
  recover(digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array;
  /** Raw ECDH: the x coordinate of privateKey·publicKey (RLPx uses it un-hashed). */
  ecdhX(publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** ECDH as a 33-byte compressed point (y parity || x): discv5's shared secret (discv5-theory.md). */
  ecdhCompressed(publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array;
  isValidPublicKey(publicKey: Uint8Array): boolean;
  isValidPrivateKey(privateKey: Uint8Array): boolean;
  /** 64-byte key → 33-byte SEC1 compressed form (ENR "secp256k1" entry); throws InvalidKeyError. */
  compressPublicKey(publicKey: Uint8Array): Uint8Array;
  /** 33-byte compressed key → 64-byte form; throws InvalidKeyError when not on the curve. */
  decompressPublicKey(compressed: Uint8Array): Uint8Array;
}

function with04(pub64: Uint8Array): Uint8Array {
  if (pub64.length !== 64) throw new InvalidKeyError(`public key must be 64 bytes, got ${pub64.length}`);
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(pub64, 1);
  return out;
}

const nobleBackend: Secp256k1Backend = {
  name: 'noble',
  publicKey: (priv) => noble.getPublicKey(priv, false).subarray(1),
  sign(digest, priv) {
    const sig = noble.sign(digest, priv, { prehash: false, format: 'recovered' });
    return { signature: sig.subarray(1), recovery: sig[0]! };
  },
  recover(digest, signature, recovery) {
    if (signature.length !== 64 || recovery < 0 || recovery > 3) throw new InvalidKeyError('malformed signature');
    const sig = new Uint8Array(65);
    sig[0] = recovery;
    sig.set(signature, 1);
    try {
      return noble.recoverPublicKey(sig, digest, { prehash: false, isCompressed: false } as never).subarray(1);
    } catch (err) {
      throw new InvalidKeyError(`signature does not recover: ${(err as Error).message}`);
    }
  },
  ecdhX(pub, priv) {
    try {
      return noble.getSharedSecret(priv, with04(pub), true).subarray(1);
    } catch (err) {
      if (err instanceof InvalidKeyError) throw err;
      throw new InvalidKeyError(`ECDH failed: ${(err as Error).message}`);
    }
  },
  ecdhCompressed(pub, priv) {
    try {
      return noble.getSharedSecret(priv, with04(pub), true);
    } catch (err) {
      if (err instanceof InvalidKeyError) throw err;
      throw new InvalidKeyError(`ECDH failed: ${(err as Error).message}`);
    }
  },
  isValidPublicKey(pub) {
    if (pub.length !== 64) return false;
    try {
      noble.Point.fromBytes(with04(pub));
      return true;
    } catch {
      return false;
    }
  },
  isValidPrivateKey: (priv) => noble.utils.isValidSecretKey(priv),
  compressPublicKey(pub) {
    const full = with04(pub);
    try {
      return noble.Point.fromBytes(full).toBytes(true);
    } catch (err) {
      throw new InvalidKeyError(`invalid public key: ${(err as Error).message}`);
    }
  },
  decompressPublicKey(compressed) {
    if (compressed.length !== 33) throw new InvalidKeyError(`compressed key must be 33 bytes, got ${compressed.length}`);
    try {
      return noble.Point.fromBytes(compressed).toBytes(false).subarray(1);
    } catch (err) {
      throw new InvalidKeyError(`invalid compressed key: ${(err as Error).message}`);
    }
  },
};

interface NativeSecp {
  publicKeyCreate(priv: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyVerify(pub: Uint8Array): boolean;
  privateKeyVerify(priv: Uint8Array): boolean;
  ecdsaSign(msg: Uint8Array, priv: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyConvert(pub: Uint8Array, compressed: boolean): Uint8Array;
  ecdh(
    pub: Uint8Array,
    priv: Uint8Array,
    opts: { hashfn: (x: Uint8Array, y: Uint8Array, data?: unknown) => Uint8Array },
    output: Uint8Array,
  ): Uint8Array;
}

function loadNative(): Secp256k1Backend | undefined {
  let lib: NativeSecp;
  try {
    const require = createRequire(import.meta.url);
    // Load the addon entry directly: the package's index silently falls back to elliptic.js.
    lib = require('secp256k1/bindings.js') as NativeSecp;
  } catch {
    return undefined;
  }
  const xOnly = (x: Uint8Array) => Uint8Array.from(x);
  const compressedPoint = (x: Uint8Array, y: Uint8Array) => {
    const out = new Uint8Array(33);
    out[0] = 0x02 | (y[31]! & 1);
    out.set(x, 1);
    return out;
  };
  return {
    name: 'native',
    publicKey: (priv) => lib.publicKeyCreate(priv, false).subarray(1),
    sign(digest, priv) {
      const { signature, recid } = lib.ecdsaSign(digest, priv);
      return { signature, recovery: recid };
    },
    recover(digest, signature, recovery) {
      if (signature.length !== 64 || recovery < 0 || recovery > 3) throw new InvalidKeyError('malformed signature');
      try {
        return lib.ecdsaRecover(signature, recovery, digest, false).subarray(1);
      } catch (err) {
        throw new InvalidKeyError(`signature does not recover: ${(err as Error).message}`);
      }
    },
    ecdhX(pub, priv) {
      try {
        return lib.ecdh(with04(pub), priv, { hashfn: xOnly }, new Uint8Array(32));
      } catch (err) {
        if (err instanceof InvalidKeyError) throw err;
        throw new InvalidKeyError(`ECDH failed: ${(err as Error).message}`);
      }
    },
    ecdhCompressed(pub, priv) {
      try {
        return lib.ecdh(with04(pub), priv, { hashfn: compressedPoint }, new Uint8Array(33));
      } catch (err) {
        if (err instanceof InvalidKeyError) throw err;
        throw new InvalidKeyError(`ECDH failed: ${(err as Error).message}`);
      }
    },
    isValidPublicKey: (pub) => pub.length === 64 && lib.publicKeyVerify(with04(pub)),
    isValidPrivateKey: (priv) => priv.length === 32 && lib.privateKeyVerify(priv),
    compressPublicKey(pub) {
      const full = with04(pub);
      try {
        return lib.publicKeyConvert(full, true);
      } catch (err) {
        throw new InvalidKeyError(`invalid public key: ${(err as Error).message}`);
      }
    },
    decompressPublicKey(compressed) {
      if (compressed.length !== 33) throw new InvalidKeyError(`compressed key must be 33 bytes, got ${compressed.length}`);
      try {
        return lib.publicKeyConvert(compressed, false).subarray(1);
      } catch (err) {
        throw new InvalidKeyError(`invalid compressed key: ${(err as Error).message}`);
      }
    },
  };
}

const nativeBackend = loadNative();

export const backends: { native?: Secp256k1Backend; noble: Secp256k1Backend } = {
  ...(nativeBackend ? { native: nativeBackend } : {}),
  noble: nobleBackend,
};

let active: Secp256k1Backend =
  process.env.NODEFINDER_CRYPTO === 'noble' || !nativeBackend ? nobleBackend : nativeBackend;

/** The backend in use; `setBackend` exists for benchmarks and cross-backend tests. */
export function secp256k1(): Secp256k1Backend {
  return active;
}

export function setBackend(name: 'native' | 'noble'): void {
  const b = backends[name];
  if (!b) throw new Error(`secp256k1 backend ${name} is not available`);
  active = b;
}

export const publicKeyFromPrivate = (priv: Uint8Array) => active.publicKey(priv);
export const signDigest = (digest: Uint8Array, priv: Uint8Array) => active.sign(digest, priv);
export const recoverPublicKey = (digest: Uint8Array, sig: Uint8Array, recovery: number) =>
  active.recover(digest, sig, recovery);
export const ecdhX = (pub: Uint8Array, priv: Uint8Array) => active.ecdhX(pub, priv);
export const ecdhCompressed = (pub: Uint8Array, priv: Uint8Array) => active.ecdhCompressed(pub, priv);
export const isValidPublicKey = (pub: Uint8Array) => active.isValidPublicKey(pub);
export const compressPublicKey = (pub: Uint8Array) => active.compressPublicKey(pub);
export const decompressPublicKey = (compressed: Uint8Array) => active.decompressPublicKey(compressed);

export function generatePrivateKey(): Uint8Array {
  for (;;) {
    const k = randomBytes(32);
    if (active.isValidPrivateKey(k)) return k;
  }
}

export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(n));
}

interface NativeKeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Uint8Array): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Uint8Array;
}

/**
 * One-shot keccak256 from the `keccak` package's native addon, driven directly: its public API
 * wraps every hash in a stream object, which costs more than the hash. ~5–10× @noble/hashes
 * (3 µs vs 12 µs for 64 bytes; a 1 KB NEIGHBORS packet is hashed twice per decode).
 */
function loadNativeKeccak(): ((data: Uint8Array) => Uint8Array) | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('keccak/package.json');
    const State = createRequire(pkg)('node-gyp-build')(dirname(pkg)) as new () => NativeKeccakState;
    const state = new State();
    const hash = (data: Uint8Array): Uint8Array => {
      state.initialize(1088, 512); // keccak256: rate 1088 bits, capacity 512
      state.absorb(data);
      state.absorbLastFewBits(0x01); // original Keccak padding, not SHA-3's 0x06
      const out = state.squeeze(32);
      return new Uint8Array(out.buffer, out.byteOffset, 32);
    };
    // Known answer, so a broken addon can never silently produce wrong hashes.
    const empty = hash(new Uint8Array());
    return Buffer.from(empty).toString('hex') === 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470' ? hash : undefined;
  } catch {
    return undefined;
  }
}

const nativeKeccak = loadNativeKeccak();

/** keccak256 in WebAssembly: ~2.5× the addon per node id, ~1.4× per 1 KB packet (bench/keccak.bench.ts). */
const wasmKeccak = createWasmKeccak256();

/**
 * Longest input the WebAssembly path takes while the addon is available. The addon absorbs a block
 * slightly faster (~0.33 vs ~0.4 µs) but pays ~2 µs per call, so they cross at ~8–16 KiB (measured);
 * 4 KiB keeps a margin and covers every discv4 packet (≤ 1280 B) and ENR (≤ 300 B).
 */
export const KECCAK256_WASM_CROSSOVER = 4096;

/**
 * keccak256 of one buffer: through ./keccak.ts (either backend) up to the crossover, longer ones
 * through the native addon with the native backend; with noble, WebAssembly up to its memory limit
 * (it beats @noble/hashes at every length) and @noble/hashes beyond.
 */
export function keccak256(data: Uint8Array): Uint8Array {
  const native = nativeKeccak !== undefined && active === nativeBackend;
  if (wasmKeccak !== undefined && data.length <= (native ? KECCAK256_WASM_CROSSOVER : KECCAK256_WASM_MAX)) return wasmKeccak(data);
  return native ? nativeKeccak(data) : keccak_256(data);
}

/** Incremental keccak256 with clone(): the RLPx MAC states need a digest without finalizing. */
export function createKeccak256() {
  return keccak_256.create();
}
export type Keccak256State = ReturnType<typeof keccak_256.create>;

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function hmacSha256(key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
}

/** AES-CTR with a 16-byte IV (ECIES uses AES-128-CTR; the RLPx frame cipher AES-256-CTR). */
export function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const algo = key.length === 16 ? 'aes-128-ctr' : key.length === 32 ? 'aes-256-ctr' : undefined;
  if (!algo) throw new RangeError(`AES key must be 16 or 32 bytes, got ${key.length}`);
  const c = createCipheriv(algo, key, iv);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}
