/**
 * The RLPx initial handshake (devp2p rlpx.md "Initial Handshake", EIP-8), as pure functions:
 * deterministic given static keys, ephemeral keys, nonces, padding and ECIES randomness. No sockets,
 * no clock. connection.ts drives initiateHandshake/respondToHandshake over a ByteStream, with
 * handshake-reader.ts finding where a message ends in the stream.
 *
 * We send EIP-8 messages (size prefix, RLP list, random padding) and accept both EIP-8 (with any
 * version and extra list elements) and the pre-EIP-8 fixed-size format. A legacy auth is answered with
 * a legacy ack, as EIP-8 asks.
 */
import {
  createKeccak256,
  ecdhX,
  keccak256,
  publicKeyFromPrivate,
  randomBytes,
  recoverPublicKey,
  secp256k1,
  signDigest,
  generatePrivateKey,
  type Keccak256State,
} from '../crypto/index.js';
import { concatBytes, equalBytes, xorBytes } from '../util/bytes.js';
import { asBytes, asList, asSafeNumber, rlpDecodePrefix, rlpEncode, type RlpItem } from '../util/rlp.js';
import {
  ECIES_IV_SIZE,
  ECIES_OVERHEAD,
  EIP8_PADDING_MAX,
  EIP8_PADDING_MIN,
  EIP8_SIZE_PREFIX,
  HANDSHAKE_VERSION,
  LEGACY_ACK_PLAINTEXT_SIZE,
  LEGACY_ACK_SIZE,
  LEGACY_AUTH_PLAINTEXT_SIZE,
  LEGACY_AUTH_SIZE,
  MAX_HANDSHAKE_BODY_SIZE,
  NONCE_SIZE,
  PUBLIC_KEY_SIZE,
  SIGNATURE_SIZE,
} from './constants.js';
import { eciesDecrypt, eciesEncrypt, type EciesRandomness } from './ecies.js';
import { HandshakeError, RlpxTooLargeError } from './errors.js';

export type HandshakeFormat = 'eip8' | 'legacy';

/** Everything random in one side's handshake; inject it for reproducible tests. */
export interface HandshakeRandomness {
  ephemeralPrivateKey: Uint8Array;
  nonce: Uint8Array;
  /** EIP-8 junk after the RLP list; random 100–300 bytes when absent. */
  padding?: Uint8Array;
  /** ECIES ephemeral key and IV of the auth/ack encryption; random when absent. */
  ecies?: EciesRandomness;
}

/**
 * Fresh randomness for one side: ephemeral key, nonce, padding and ECIES key/IV, drawn in one call to
 * the CSPRNG (per-call overhead was a visible share of a native-backend handshake).
 */
export function randomHandshakeRandomness(): HandshakeRandomness {
  const span = EIP8_PADDING_MAX - EIP8_PADDING_MIN + 1;
  const r = randomBytes(32 + NONCE_SIZE + 32 + ECIES_IV_SIZE + 2 + EIP8_PADDING_MAX);
  const key = (k: Uint8Array) => (secp256k1().isValidPrivateKey(k) ? k : generatePrivateKey());
  let o = 0;
  const take = (n: number) => r.subarray(o, (o += n));
  const ephemeralPrivateKey = key(take(32));
  const nonce = take(NONCE_SIZE);
  const ecies = { ephemeralPrivateKey: key(take(32)), iv: take(ECIES_IV_SIZE) };
  const lengthBytes = take(2);
  const padding = take(EIP8_PADDING_MIN + (((lengthBytes[0]! << 8) | lengthBytes[1]!) % span));
  return { ephemeralPrivateKey, nonce, padding, ecies };
}

/** Our static public key, derived once per private key object (one EC multiplication saved per dial). */
const staticPublicKeys = new WeakMap<Uint8Array, Uint8Array>();
function staticPublicKey(privateKey: Uint8Array): Uint8Array {
  let pub = staticPublicKeys.get(privateKey);
  if (!pub) {
    pub = publicKeyFromPrivate(privateKey);
    staticPublicKeys.set(privateKey, pub);
  }
  return pub;
}

export interface AuthMessage {
  format: HandshakeFormat;
  /** auth-vsn as sent (EIP-8 messages may carry any version). 4 for legacy. */
  version: number;
  initiatorPublicKey: Uint8Array;
  initiatorNonce: Uint8Array;
  /** Recovered from the signature over static-shared-secret ^ initiator-nonce. */
  initiatorEphemeralPublicKey: Uint8Array;
}

export interface AckMessage {
  format: HandshakeFormat;
  version: number;
  recipientEphemeralPublicKey: Uint8Array;
  recipientNonce: Uint8Array;
}

/** Keys and MAC states for framing (rlpx.md "Secrets"). The MAC states are live and get updated by frames. */
export interface SessionSecrets {
  aesSecret: Uint8Array;
  macSecret: Uint8Array;
  egressMac: Keccak256State;
  ingressMac: Keccak256State;
}

/** Outcome of a completed handshake, for either role. */
export interface HandshakeResult {
  remotePublicKey: Uint8Array;
  secrets: SessionSecrets;
  /** Format of the message the remote sent. */
  remoteFormat: HandshakeFormat;
  remoteVersion: number;
}

function randomPadding(): Uint8Array {
  const r = randomBytes(2);
  const span = EIP8_PADDING_MAX - EIP8_PADDING_MIN + 1;
  return randomBytes(EIP8_PADDING_MIN + (((r[0]! << 8) | r[1]!) % span));
}

function checkLength(what: string, value: Uint8Array, length: number): void {
  if (value.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${value.length}`);
}

/** Seal an EIP-8 body: auth-size || ecies.encrypt(pubk, body || padding, auth-size). */
function sealEip8(remotePublicKey: Uint8Array, body: Uint8Array, padding: Uint8Array, ecies?: EciesRandomness): Uint8Array {
  const size = body.length + padding.length + ECIES_OVERHEAD;
  if (size > MAX_HANDSHAKE_BODY_SIZE) throw new RangeError(`handshake message of ${size} bytes exceeds our limit`);
  const prefix = Uint8Array.of(size >> 8, size & 0xff);
  return concatBytes(prefix, eciesEncrypt(remotePublicKey, concatBytes(body, padding), prefix, ecies));
}

// ---------------------------------------------------------------------------------------------
// auth

export interface CreateAuthParams {
  staticPrivateKey: Uint8Array;
  remotePublicKey: Uint8Array;
  random: HandshakeRandomness;
  format?: HandshakeFormat;
}

/** The complete auth message as written to the wire (EIP-8: including its 2-byte size prefix). */
export function createAuth(p: CreateAuthParams): Uint8Array {
  const { ephemeralPrivateKey, nonce } = p.random;
  checkLength('nonce', nonce, NONCE_SIZE);
  checkLength('remote public key', p.remotePublicKey, PUBLIC_KEY_SIZE);
  // sig = sign(ephemeral-privk, static-shared-secret ^ nonce): proves the ephemeral key to the recipient.
  const staticShared = ecdhX(p.remotePublicKey, p.staticPrivateKey);
  const { signature, recovery } = signDigest(xorBytes(staticShared, nonce), ephemeralPrivateKey);
  const sig = concatBytes(signature, Uint8Array.of(recovery));
  const ourPublicKey = staticPublicKey(p.staticPrivateKey);
  if (p.format === 'legacy') {
    const ephemeralPublicKey = publicKeyFromPrivate(ephemeralPrivateKey);
    const plain = concatBytes(sig, keccak256(ephemeralPublicKey), ourPublicKey, nonce, Uint8Array.of(0));
    return eciesEncrypt(p.remotePublicKey, plain, undefined, p.random.ecies);
  }
  const body = rlpEncode([sig, ourPublicKey, nonce, HANDSHAKE_VERSION]);
  return sealEip8(p.remotePublicKey, body, p.random.padding ?? randomPadding(), p.random.ecies);
}

/** Detect the format of one complete auth or ack message. */
function detectFormat(wire: Uint8Array, legacySize: number): HandshakeFormat {
  // An ECIES message starts with 0x04 (uncompressed R); an EIP-8 size prefix starting with 0x04 would
  // announce ≥1024 bytes, so a legacy-sized message starting with 0x04 is legacy.
  if (wire.length === legacySize && wire[0] === 0x04) return 'legacy';
  return 'eip8';
}

/** Split an EIP-8 message into prefix and ECIES part, checking the announced size. */
function openEip8(privateKey: Uint8Array, wire: Uint8Array): Uint8Array {
  if (wire.length < EIP8_SIZE_PREFIX) throw new HandshakeError('handshake message shorter than its size prefix');
  const size = (wire[0]! << 8) | wire[1]!;
  if (size > MAX_HANDSHAKE_BODY_SIZE) {
    throw new RlpxTooLargeError(`handshake size prefix ${size} exceeds ${MAX_HANDSHAKE_BODY_SIZE}`);
  }
  if (wire.length !== EIP8_SIZE_PREFIX + size) {
    throw new HandshakeError(`handshake size prefix ${size} does not match the ${wire.length - EIP8_SIZE_PREFIX} bytes given`);
  }
  return eciesDecrypt(privateKey, wire.subarray(EIP8_SIZE_PREFIX), wire.subarray(0, EIP8_SIZE_PREFIX));
}

/** Decode the RLP body of an EIP-8 message; shape failures become HandshakeError. */
function decodeBody(plain: Uint8Array, what: string, minFields: number, read: (fields: RlpItem[]) => void): void {
  try {
    // EIP-8: ignore the random padding after the list and any extra list elements.
    const { item } = rlpDecodePrefix(plain);
    read(asList(item, what, minFields));
  } catch (err) {
    if (err instanceof HandshakeError) throw err;
    throw new HandshakeError(`malformed ${what}: ${(err as Error).message}`, { cause: err });
  }
}

function recoverEphemeral(
  staticPrivateKey: Uint8Array,
  initiatorPublicKey: Uint8Array,
  initiatorNonce: Uint8Array,
  sig: Uint8Array,
): Uint8Array {
  try {
    const staticShared = ecdhX(initiatorPublicKey, staticPrivateKey);
    return recoverPublicKey(xorBytes(staticShared, initiatorNonce), sig.subarray(0, 64), sig[64]!);
  } catch (err) {
    throw new HandshakeError(`auth signature or initiator key invalid: ${(err as Error).message}`, { cause: err });
  }
}

/** Decrypt and decode one complete auth message (either format) with our static key. */
export function decodeAuth(staticPrivateKey: Uint8Array, wire: Uint8Array): AuthMessage {
  if (detectFormat(wire, LEGACY_AUTH_SIZE) === 'legacy') {
    const plain = eciesDecrypt(staticPrivateKey, wire);
    if (plain.length !== LEGACY_AUTH_PLAINTEXT_SIZE) throw new HandshakeError('legacy auth has the wrong size');
    const sig = plain.subarray(0, SIGNATURE_SIZE);
    const ephemeralHash = plain.subarray(SIGNATURE_SIZE, SIGNATURE_SIZE + 32);
    const initiatorPublicKey = plain.slice(SIGNATURE_SIZE + 32, SIGNATURE_SIZE + 32 + PUBLIC_KEY_SIZE);
    const initiatorNonce = plain.slice(SIGNATURE_SIZE + 32 + PUBLIC_KEY_SIZE, LEGACY_AUTH_PLAINTEXT_SIZE - 1);
    const ephemeral = recoverEphemeral(staticPrivateKey, initiatorPublicKey, initiatorNonce, sig);
    if (!equalBytes(keccak256(ephemeral), ephemeralHash)) {
      throw new HandshakeError('legacy auth: ephemeral key hash does not match the signature');
    }
    return { format: 'legacy', version: HANDSHAKE_VERSION, initiatorPublicKey, initiatorNonce, initiatorEphemeralPublicKey: ephemeral };
  }
  const plain = openEip8(staticPrivateKey, wire);
  let sig: Uint8Array = new Uint8Array(0);
  let initiatorPublicKey: Uint8Array = sig;
  let initiatorNonce: Uint8Array = sig;
  let version = 0;
  decodeBody(plain, 'auth', 4, (f) => {
    sig = asBytes(f[0], 'auth signature', SIGNATURE_SIZE);
    initiatorPublicKey = asBytes(f[1], 'auth initiator-pubk', PUBLIC_KEY_SIZE);
    initiatorNonce = asBytes(f[2], 'auth initiator-nonce', NONCE_SIZE);
    version = asSafeNumber(f[3], 'auth-vsn');
  });
  const ephemeral = recoverEphemeral(staticPrivateKey, initiatorPublicKey, initiatorNonce, sig);
  return { format: 'eip8', version, initiatorPublicKey, initiatorNonce, initiatorEphemeralPublicKey: ephemeral };
}

// ---------------------------------------------------------------------------------------------
// ack

export interface CreateAckParams {
  /** The initiator's static public key (from its auth). */
  remotePublicKey: Uint8Array;
  random: HandshakeRandomness;
  format?: HandshakeFormat;
}

export function createAck(p: CreateAckParams): Uint8Array {
  const { ephemeralPrivateKey, nonce } = p.random;
  checkLength('nonce', nonce, NONCE_SIZE);
  checkLength('remote public key', p.remotePublicKey, PUBLIC_KEY_SIZE);
  const ephemeralPublicKey = publicKeyFromPrivate(ephemeralPrivateKey);
  if (p.format === 'legacy') {
    return eciesEncrypt(p.remotePublicKey, concatBytes(ephemeralPublicKey, nonce, Uint8Array.of(0)), undefined, p.random.ecies);
  }
  const body = rlpEncode([ephemeralPublicKey, nonce, HANDSHAKE_VERSION]);
  return sealEip8(p.remotePublicKey, body, p.random.padding ?? randomPadding(), p.random.ecies);
}

/** Decrypt and decode one complete ack message (either format) with our static key. */
export function decodeAck(staticPrivateKey: Uint8Array, wire: Uint8Array): AckMessage {
  if (detectFormat(wire, LEGACY_ACK_SIZE) === 'legacy') {
    const plain = eciesDecrypt(staticPrivateKey, wire);
    if (plain.length !== LEGACY_ACK_PLAINTEXT_SIZE) throw new HandshakeError('legacy ack has the wrong size');
    return {
      format: 'legacy',
      version: HANDSHAKE_VERSION,
      recipientEphemeralPublicKey: plain.slice(0, PUBLIC_KEY_SIZE),
      recipientNonce: plain.slice(PUBLIC_KEY_SIZE, PUBLIC_KEY_SIZE + NONCE_SIZE),
    };
  }
  const plain = openEip8(staticPrivateKey, wire);
  let recipientEphemeralPublicKey: Uint8Array = new Uint8Array(0);
  let recipientNonce: Uint8Array = recipientEphemeralPublicKey;
  let version = 0;
  decodeBody(plain, 'ack', 3, (f) => {
    recipientEphemeralPublicKey = asBytes(f[0], 'ack recipient-ephemeral-pubk', PUBLIC_KEY_SIZE);
    recipientNonce = asBytes(f[1], 'ack recipient-nonce', NONCE_SIZE);
    version = asSafeNumber(f[2], 'ack-vsn');
  });
  return { format: 'eip8', version, recipientEphemeralPublicKey, recipientNonce };
}

// ---------------------------------------------------------------------------------------------
// secrets

export interface DeriveSecretsParams {
  initiator: boolean;
  ephemeralPrivateKey: Uint8Array;
  remoteEphemeralPublicKey: Uint8Array;
  initiatorNonce: Uint8Array;
  recipientNonce: Uint8Array;
  /** Both messages exactly as they crossed the wire (EIP-8: including the size prefix). */
  authWire: Uint8Array;
  ackWire: Uint8Array;
}

/**
 * rlpx.md "Secrets": shared-secret = keccak(ephemeral-key || keccak(recipient-nonce || initiator-nonce)),
 * aes-secret = keccak(ephemeral-key || shared-secret), mac-secret = keccak(ephemeral-key || aes-secret).
 * The initiator's egress MAC starts from (mac-secret ^ recipient-nonce) || auth and its ingress MAC from
 * (mac-secret ^ initiator-nonce) || ack; the recipient's are the mirror image.
 */
export function deriveSecrets(p: DeriveSecretsParams): SessionSecrets {
  let ephemeralKey: Uint8Array;
  try {
    ephemeralKey = ecdhX(p.remoteEphemeralPublicKey, p.ephemeralPrivateKey);
  } catch (err) {
    throw new HandshakeError('remote ephemeral public key is not on the curve', { cause: err });
  }
  const sharedSecret = keccak256(concatBytes(ephemeralKey, keccak256(concatBytes(p.recipientNonce, p.initiatorNonce))));
  const aesSecret = keccak256(concatBytes(ephemeralKey, sharedSecret));
  const macSecret = keccak256(concatBytes(ephemeralKey, aesSecret));
  const macFromAuth = createKeccak256().update(xorBytes(macSecret, p.recipientNonce)).update(p.authWire);
  const macFromAck = createKeccak256().update(xorBytes(macSecret, p.initiatorNonce)).update(p.ackWire);
  return p.initiator
    ? { aesSecret, macSecret, egressMac: macFromAuth, ingressMac: macFromAck }
    : { aesSecret, macSecret, egressMac: macFromAck, ingressMac: macFromAuth };
}

// ---------------------------------------------------------------------------------------------
// both roles, end to end

/** Initiator side: build the auth, later finish with the ack. */
export function initiateHandshake(p: {
  staticPrivateKey: Uint8Array;
  remotePublicKey: Uint8Array;
  random?: HandshakeRandomness;
  format?: HandshakeFormat;
}): { auth: Uint8Array; finish(ackWire: Uint8Array, ack?: AckMessage): HandshakeResult } {
  const random = p.random ?? randomHandshakeRandomness();
  const auth = createAuth({ staticPrivateKey: p.staticPrivateKey, remotePublicKey: p.remotePublicKey, random, format: p.format });
  return {
    auth,
    // `ack`: the message already decoded from `ackWire` (HandshakeMessageReader decodes it to find its
    // end), so a connection does not decrypt it twice.
    finish(ackWire, ack = decodeAck(p.staticPrivateKey, ackWire)) {
      const secrets = deriveSecrets({
        initiator: true,
        ephemeralPrivateKey: random.ephemeralPrivateKey,
        remoteEphemeralPublicKey: ack.recipientEphemeralPublicKey,
        initiatorNonce: random.nonce,
        recipientNonce: ack.recipientNonce,
        authWire: auth,
        ackWire,
      });
      return { remotePublicKey: p.remotePublicKey, secrets, remoteFormat: ack.format, remoteVersion: ack.version };
    },
  };
}

/** Recipient side: decode the auth, build the ack (same format as the auth) and derive secrets. */
export function respondToHandshake(p: {
  staticPrivateKey: Uint8Array;
  authWire: Uint8Array;
  /** The message already decoded from `authWire` (by HandshakeMessageReader), if it was. */
  auth?: AuthMessage;
  random?: HandshakeRandomness;
}): { ack: Uint8Array; result: HandshakeResult } {
  const auth = p.auth ?? decodeAuth(p.staticPrivateKey, p.authWire);
  const random = p.random ?? randomHandshakeRandomness();
  const ack = createAck({ remotePublicKey: auth.initiatorPublicKey, random, format: auth.format });
  const secrets = deriveSecrets({
    initiator: false,
    ephemeralPrivateKey: random.ephemeralPrivateKey,
    remoteEphemeralPublicKey: auth.initiatorEphemeralPublicKey,
    initiatorNonce: auth.initiatorNonce,
    recipientNonce: random.nonce,
    authWire: p.authWire,
    ackWire: ack,
  });
  return {
    ack,
    result: { remotePublicKey: auth.initiatorPublicKey, secrets, remoteFormat: auth.format, remoteVersion: auth.version },
  };
}
