/**
 * RLPx sizes and limits. Sources: ethereum/devp2p rlpx.md ("ECIES Encryption", "Initial Handshake",
 * "Framing") and EIP-8 (size-prefixed, padded, forward-compatible auth/ack).
 */

/** Uncompressed secp256k1 public key without the 0x04 prefix (the devp2p node-key form). */
export const PUBLIC_KEY_SIZE = 64;
/** Recoverable signature r || s || v. */
export const SIGNATURE_SIZE = 65;
export const NONCE_SIZE = 32;

/** ECIES: 0x04 || R (65) || iv (16) || c || tag (32) — rlpx.md "ECIES Encryption". */
export const ECIES_IV_SIZE = 16;
export const ECIES_TAG_SIZE = 32;
export const ECIES_OVERHEAD = 65 + ECIES_IV_SIZE + ECIES_TAG_SIZE;

/** Pre-EIP-8 plaintexts: sig || keccak(ephemeral-pubk) || pubk || nonce || 0x00, and ephemeral-pubk || nonce || 0x00. */
export const LEGACY_AUTH_PLAINTEXT_SIZE = SIGNATURE_SIZE + 32 + PUBLIC_KEY_SIZE + NONCE_SIZE + 1; // 194
export const LEGACY_ACK_PLAINTEXT_SIZE = PUBLIC_KEY_SIZE + NONCE_SIZE + 1; // 97
/** Pre-EIP-8 messages on the wire have no size prefix: exactly these many bytes (EIP-8 vectors Auth₁/Ack₁). */
export const LEGACY_AUTH_SIZE = LEGACY_AUTH_PLAINTEXT_SIZE + ECIES_OVERHEAD; // 307
export const LEGACY_ACK_SIZE = LEGACY_ACK_PLAINTEXT_SIZE + ECIES_OVERHEAD; // 210

/** EIP-8: auth-size / ack-size is a big-endian uint16 before the ECIES body. */
export const EIP8_SIZE_PREFIX = 2;
/**
 * Our cap on an EIP-8 handshake body. The uint16 field allows 65535; real auth/ack are ~400–500 bytes
 * (body + 100–300 bytes padding). 2 KiB, as reth's MAX_INITIAL_HANDSHAKE_SIZE, leaves room for
 * forward-compatible extra list elements while refusing to buffer 64 KiB for a stranger.
 */
export const MAX_HANDSHAKE_BODY_SIZE = 2048;

/** auth-vsn / ack-vsn we send (rlpx.md: "auth-vsn = 4"). Received versions are ignored (EIP-8). */
export const HANDSHAKE_VERSION = 4;
/** EIP-8: "at least 100 bytes of junk" so the message is distinguishable from the legacy format. */
export const EIP8_PADDING_MIN = 100;
export const EIP8_PADDING_MAX = 300;

/** Framing: 16-byte header (3-byte size || rlp header-data || zero padding) and 16-byte MACs. */
export const FRAME_HEADER_SIZE = 16;
export const FRAME_MAC_SIZE = 16;
/** frame-size is a 24-bit big-endian integer (rlpx.md "Framing"): 16 MiB − 1 is the hard maximum. */
export const MAX_FRAME_SIZE = 0xffffff;
/**
 * Default cap on a frame we accept, below the 24-bit maximum: geth's eth protocol refuses messages
 * above 10 MiB (eth/protocols/eth maxMessageSize), so nothing legitimate is larger.
 */
export const DEFAULT_MAX_FRAME_SIZE = 10 * 1024 * 1024;
/** header-data is rlp([capability-id, context-id]) = c2 80 80; it is ignored on read (rlpx.md). */
export const FRAME_HEADER_DATA = Uint8Array.of(0xc2, 0x80, 0x80);

/** geth's handshakeTimeout (p2p/server.go): the whole auth/ack exchange must finish within 5 s. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
