/** The local testnet's public API: start one in-process, read its manifest of ground truth. */
export { startTestnet, isLoopbackHost, chooseBootnodes, DEFAULT_HOST, DEFAULT_BOOTNODES_PER_PEER } from './testnet.js';
export type { Testnet, TestnetOptions, TestnetStats } from './testnet.js';
export { EmulatedPeer, DEFAULT_PEER_TIMINGS } from './peer.js';
export type { PeerTimings, InboundStats } from './peer.js';
export { buildProfiles, testnetPrivateKey, DEFAULT_MIX, CLIENT_KINDS } from './profiles.js';
export type { PeerProfile, MixOptions, ResolvedMix, ClientKind } from './profiles.js';
export { buildManifest, expectedProbe, manifestToJson, MANIFEST_FORMAT } from './manifest.js';
export type { Manifest, ManifestPeer, ExpectedProbe } from './manifest.js';
export { NonLoopbackHostError, TestnetParameterError } from './errors.js';
