/**
 * The session-aware packet codec (the role of geth's v5wire.Codec): it turns messages into packets
 * for (node ID, endpoint) using the session cache, starts handshakes, answers handshakes with the
 * stored challenge, and turns packets back into messages. No sockets, no timers: time comes from the
 * injected clock (challenge expiry), randomness from an injectable source (so the official vectors
 * can be reproduced byte for byte).
 */
import { compressPublicKey, generatePrivateKey, publicKeyFromPrivate, randomBytes } from '../crypto/index.js';
import { decodeEnr, type Enr } from '../enode/enr.js';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import { NodeFinderError } from '../errors.js';
import type { Clock } from '../net/clock.js';
import type { UdpAddress } from '../net/transport.js';
import { equalBytes } from '../util/bytes.js';
import { Flag, ID_NONCE_SIZE, MASKING_IV_SIZE, NONCE_SIZE, RANDOM_MESSAGE_SIZE, V4_PUBKEY_SIZE } from './constants.js';
import { aesGcmDecrypt, aesGcmEncrypt, decodeEphemeralKey, deriveKeys, signIdNonce, verifyIdSignature } from './crypto.js';
import { DecryptError, HandshakeError } from './errors.js';
import { decodeMessage, encodeMessage, type Message } from './messages.js';
import { decodePacket, encodeHeader, encodePacket, type WhoareyouHeader } from './packet.js';
import { SessionCache, type Session } from './session-cache.js';

/** Our node: the static key and the record we hand out (read on every handshake: it may be re-signed). */
export interface Discv5Identity {
  privateKey: Uint8Array;
  enr(): Enr;
}

/** Randomness the codec uses; tests replace it to reproduce vectors. */
export interface Discv5Random {
  bytes(n: number): Uint8Array;
  /** theory "Session Cache": 32-bit message counter || 64 random bits. */
  nonce(counter: number): Uint8Array;
  ephemeralKey(): Uint8Array;
}

export const systemRandom: Discv5Random = {
  bytes: (n) => randomBytes(n),
  nonce(counter) {
    const n = randomBytes(NONCE_SIZE);
    new DataView(n.buffer).setUint32(0, counter >>> 0);
    return n;
  },
  ephemeralKey: () => generatePrivateKey(),
};

/** What the WHOAREYOU answering our packet told us (what a handshake needs). */
export interface ReceivedChallenge {
  challengeData: Uint8Array;
  enrSeq: bigint;
}

export type DecodeResult =
  | { kind: 'whoareyou'; header: WhoareyouHeader; challengeData: Uint8Array }
  /** A message from `srcId`; `enr` is set when it came in a handshake (the sender's verified record). */
  | { kind: 'message'; srcId: Uint8Array; message: Message; handshake: boolean; enr?: Enr }
  /** An ordinary packet we hold no (valid) session for: the caller answers with WHOAREYOU. */
  | { kind: 'unknown'; srcId: Uint8Array; nonce: Uint8Array };

export interface EncodedPacket {
  packet: Uint8Array;
  nonce: Uint8Array;
}

export class Discv5Codec {
  readonly sessions: SessionCache;
  readonly localId: Uint8Array;

  constructor(
    private readonly identity: Discv5Identity,
    clock: Clock,
    private readonly random: Discv5Random = systemRandom,
    maxSessions?: number,
  ) {
    this.localId = nodeIdFromPublicKey(publicKeyFromPrivate(identity.privateKey));
    this.sessions = new SessionCache(clock, maxSessions);
  }

  /**
   * An ordinary message packet: encrypted with the session for (destId, addr), or — without one — a
   * packet with random content that makes the remote answer WHOAREYOU (theory "Step 1").
   */
  encodeMessage(destId: Uint8Array, addr: UdpAddress, message: Message): EncodedPacket {
    const session = this.sessions.get(destId, addr);
    if (!session) {
      const nonce = this.random.bytes(NONCE_SIZE);
      const header = encodeHeader(this.random.bytes(MASKING_IV_SIZE), { flag: Flag.Message, nonce, srcId: this.localId });
      return { packet: encodePacket(destId, header, this.random.bytes(RANDOM_MESSAGE_SIZE)), nonce };
    }
    const nonce = this.random.nonce(++session.nonceCounter);
    const header = encodeHeader(this.random.bytes(MASKING_IV_SIZE), { flag: Flag.Message, nonce, srcId: this.localId });
    return { packet: encodePacket(destId, header, aesGcmEncrypt(session.writeKey, nonce, encodeMessage(message), header)), nonce };
  }

  /**
   * theory "Step 3": answer a WHOAREYOU by re-sending `message` as a handshake packet. A new session
   * (we are the initiator) replaces any old one for (remote, addr). Our record goes along when the
   * challenge's enr-seq is lower than ours.
   */
  encodeHandshake(remote: Enr, addr: UdpAddress, message: Message, challenge: ReceivedChallenge): EncodedPacket {
    const ephemeralKey = this.random.ephemeralKey();
    const ephemeralPubkey = compressPublicKey(publicKeyFromPrivate(ephemeralKey));
    const keys = deriveKeys(ephemeralKey, remote.publicKey, this.localId, remote.nodeId, challenge.challengeData);
    const idSignature = signIdNonce(this.identity.privateKey, challenge.challengeData, ephemeralPubkey, remote.nodeId);
    const ours = this.identity.enr();
    const session: Session = { writeKey: keys.initiatorKey, readKey: keys.recipientKey, nonceCounter: 0, enr: remote };
    const nonce = this.random.nonce(++session.nonceCounter);
    const header = encodeHeader(this.random.bytes(MASKING_IV_SIZE), {
      flag: Flag.Handshake,
      nonce,
      srcId: this.localId,
      idSignature,
      ephemeralPubkey,
      ...(challenge.enrSeq < ours.seq ? { record: ours.raw } : {}),
    });
    const packet = encodePacket(remote.nodeId, header, aesGcmEncrypt(session.writeKey, nonce, encodeMessage(message), header));
    this.sessions.set(remote.nodeId, addr, session);
    return { packet, nonce };
  }

  /**
   * theory "Step 2": a WHOAREYOU for the packet `requestNonce` from (destId, addr). `known` is the
   * remote's record if we have it (its seq goes into enr-seq; 0 asks for the record).
   */
  encodeWhoareyou(destId: Uint8Array, addr: UdpAddress, requestNonce: Uint8Array, known: Enr | undefined): Uint8Array {
    const header = encodeHeader(this.random.bytes(MASKING_IV_SIZE), {
      flag: Flag.Whoareyou,
      nonce: requestNonce,
      idNonce: this.random.bytes(ID_NONCE_SIZE),
      enrSeq: known?.seq ?? 0n,
    });
    const packet = encodePacket(destId, header, new Uint8Array());
    this.sessions.storeChallenge(destId, addr, { challengeData: header, enr: known, packet });
    return packet;
  }

  /**
   * Decode a datagram from `addr`. Throws the packet errors (not discv5, malformed), and for
   * handshake packets HandshakeError / IdSignatureError / DecryptError (the challenge is then
   * spent); a decrypted message that does not parse throws BadMessageError.
   */
  decode(data: Uint8Array, addr: UdpAddress): DecodeResult {
    const { header, headerBytes, message } = decodePacket(this.localId, data);
    switch (header.flag) {
      case Flag.Whoareyou:
        return { kind: 'whoareyou', header, challengeData: headerBytes };
      case Flag.Message: {
        const session = this.sessions.get(header.srcId, addr);
        if (!session) return { kind: 'unknown', srcId: header.srcId, nonce: header.nonce };
        const plaintext = this.tryDecrypt(session.readKey, header.nonce, message, headerBytes) ??
          (session.previousReadKey && this.tryDecrypt(session.previousReadKey, header.nonce, message, headerBytes));
        if (!plaintext) return { kind: 'unknown', srcId: header.srcId, nonce: header.nonce };
        return { kind: 'message', srcId: header.srcId, message: decodeMessage(plaintext), handshake: false };
      }
      case Flag.Handshake: {
        const challenge = this.sessions.challenge(header.srcId, addr);
        if (!challenge) throw new HandshakeError('discv5 handshake without an outstanding challenge');
        // One attempt per challenge, as geth deletes it whatever the outcome.
        this.sessions.deleteChallenge(header.srcId, addr);
        const enr = this.handshakeRecord(header.srcId, header.record, challenge.enr);
        verifyIdSignature(enr.publicKey, header.idSignature, challenge.challengeData, header.ephemeralPubkey, this.localId);
        if (header.ephemeralPubkey.length !== V4_PUBKEY_SIZE) throw new HandshakeError('discv5 handshake: ephemeral key is not 33 bytes');
        const ephemeral = decodeEphemeralKey(header.ephemeralPubkey);
        const keys = deriveKeys(this.identity.privateKey, ephemeral, header.srcId, this.localId, challenge.challengeData);
        const plaintext = aesGcmDecrypt(keys.initiatorKey, header.nonce, message, headerBytes);
        const decoded = decodeMessage(plaintext);
        this.sessions.set(header.srcId, addr, { writeKey: keys.recipientKey, readKey: keys.initiatorKey, nonceCounter: 0, enr });
        return { kind: 'message', srcId: header.srcId, message: decoded, handshake: true, enr };
      }
    }
  }

  private tryDecrypt(key: Uint8Array, nonce: Uint8Array, message: Uint8Array, ad: Uint8Array): Uint8Array | undefined {
    try {
      return aesGcmDecrypt(key, nonce, message, ad);
    } catch (err) {
      if (err instanceof DecryptError) return undefined;
      throw err;
    }
  }

  /** The sender's record: the one in the packet if newer than what we knew, else the known one. */
  private handshakeRecord(srcId: Uint8Array, raw: Uint8Array | undefined, known: Enr | undefined): Enr {
    if (raw && raw.length > 0) {
      let enr: Enr;
      try {
        enr = decodeEnr(raw);
      } catch (err) {
        if (err instanceof NodeFinderError) throw new HandshakeError(`discv5 handshake record: ${err.message}`, { cause: err });
        throw err;
      }
      if (!equalBytes(enr.nodeId, srcId)) throw new HandshakeError('discv5 handshake record belongs to another node');
      if (!known || known.seq < enr.seq) return enr;
    }
    if (!known) throw new HandshakeError('discv5 handshake without the record we asked for');
    return known;
  }
}
