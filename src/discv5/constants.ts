/**
 * Every discovery v5 limit and timing in one place, each citing where it comes from.
 * "wire" is ethereum/devp2p discv5/discv5-wire.md (v5.1), "theory" discv5-theory.md; "geth" is
 * go-ethereum p2p/discover/v5_udp.go and v5wire/ (learned, not copied).
 */

/** wire "UDP Communication": "The maximum size of any packet is 1280 bytes." Sent and accepted. */
export const MAX_PACKET_SIZE = 1280;
/** wire: "The minimum size of any Discovery v5 packet is 63 bytes." */
export const MIN_PACKET_SIZE = 63;

/** wire "Protocol Header": masking-iv = uint128. */
export const MASKING_IV_SIZE = 16;
/** protocol-id(6) || version(2) || flag(1) || nonce(12) || authdata-size(2). */
export const STATIC_HEADER_SIZE = 23;
export const NONCE_SIZE = 12;
export const PROTOCOL_ID = 'discv5';
/** wire: version = 0x0001. geth accepts any version ≥ 1 (v5wire checkValid); so do we. */
export const PROTOCOL_VERSION = 1;

/** Packet flags (wire "Packet Encoding"). */
export const Flag = { Message: 0, Whoareyou: 1, Handshake: 2 } as const;
export type FlagValue = (typeof Flag)[keyof typeof Flag];

/** wire: ordinary message authdata = src-id (32). */
export const MESSAGE_AUTHDATA_SIZE = 32;
/** wire: WHOAREYOU authdata = id-nonce(16) || enr-seq(8). */
export const WHOAREYOU_AUTHDATA_SIZE = 24;
export const ID_NONCE_SIZE = 16;
/** wire: authdata-head = src-id(32) || sig-size(1) || eph-key-size(1). */
export const HANDSHAKE_AUTHDATA_HEAD_SIZE = 34;
/** wire: "For the v4 identity scheme, we assume 64-byte signature size and 33 bytes of public key". */
export const V4_SIGNATURE_SIZE = 64;
export const V4_PUBKEY_SIZE = 33;

/** AES-GCM tag appended to every message (discv5-wire-test-vectors.md "the MAC is appended"). */
export const GCM_TAG_SIZE = 16;
/** AES-128 keys: masking key, session keys (wire "Notation"). */
export const AES_KEY_SIZE = 16;
/** geth v5wire minMessageSize: authdata(32) + tag(16) after the static header of a non-WHOAREYOU packet. */
export const MIN_MESSAGE_SIZE = 48;
/** geth v5wire randomPacketMsgSize: filler "message" of the packet that starts a handshake. */
export const RANDOM_MESSAGE_SIZE = 20;

/** A handshake packet without its record: iv 16 + static header 23 + authdata head 34 + v4 signature 64 + key 33 + tag 16. */
export const HANDSHAKE_PACKET_OVERHEAD = 16 + 23 + 34 + 64 + 33 + 16;

/** wire "Protocol Messages": request-id is an RLP byte array of length ≤ 8. */
export const MAX_REQUEST_ID_SIZE = 8;

/** Message-type bytes (wire). */
export const MessageType = {
  Ping: 0x01,
  Pong: 0x02,
  FindNode: 0x03,
  Nodes: 0x04,
  TalkReq: 0x05,
  TalkResp: 0x06,
} as const;
export type MessageTypeId = (typeof MessageType)[keyof typeof MessageType];

/** wire "UDP Communication": "500ms for a single request/response and 1s for the handshake". */
export const RESPONSE_TIMEOUT_MS = 500;
export const HANDSHAKE_TIMEOUT_MS = 1000;

/** wire FINDNODE: "The recommended result limit for FINDNODE queries is 16 nodes." (geth findnodeResultLimit) */
export const FINDNODE_RESULT_LIMIT = 16;
/** wire NODES: implementations may cap `total`; geth totalNodesResponseLimit = 5. */
export const NODES_TOTAL_LIMIT = 5;
/** geth packNodes: records per NODES message until their encoded sizes pass 1000 bytes (fits 1280). */
export const NODES_RECORD_BYTES_LIMIT = 1000;
/** Distances we put in one FINDNODE: its handshake re-send (≤ 431 bytes of authdata) must fit 1280 bytes. */
export const MAX_FINDNODE_DISTANCES = 128;
/** Distances 0..256 (wire FINDNODE, theory "logdistance"). */
export const MAX_DISTANCE = 256;

/** geth v5wire NewSessionCache(1024): sessions are cheap to re-establish, so an LRU suffices (theory "Session Cache"). */
export const SESSION_CACHE_SIZE = 1024;
/** geth v5wire handshakeTimeout: a WHOAREYOU challenge we sent is kept this long for the handshake. */
export const CHALLENGE_TTL_MS = 1000;
/** Bound on challenges kept at once (each is ~100 bytes; a flood of unknown packets must not grow memory). */
export const MAX_PENDING_CHALLENGES = 4096;

/** Politeness: handshake work (WHOAREYOU sent, handshake verified) per source IP — a burst, then a rate. */
export const HANDSHAKE_BURST_PER_IP = 20;
export const HANDSHAKES_PER_SECOND_PER_IP = 10;
/** Source IPs tracked by the rate limiter; the least recently used are forgotten. */
export const RATE_LIMIT_MAX_IPS = 10_000;

/** geth v5_talk maxActiveTalkRequests: answered TALKREQs in flight. We answer synchronously; cap the protocol name. */
export const MAX_TALK_PROTOCOL_SIZE = 64;
