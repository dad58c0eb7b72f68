/**
 * A @chainsafe/discv5 11.0.0 node (Lodestar's discv5) on a free UDP port of 127.0.0.1: the other
 * implementation for the interop tests (chainsafe-interop.test.ts) and the crawl of a network of
 * them (test/integration/crawl-chainsafe-v5.test.ts). The caller stops it (`node.stop()`).
 */
import { createSocket } from 'node:dgram';
import { Discv5 } from '@chainsafe/discv5';
import { SignableENR, ENR as CsEnr } from '@chainsafe/enr';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { decodeEnrText, type Enr } from '../../src/enode/enr.js';

/** Its events, typed here: the package's emitter typings do not resolve under our tsconfig. */
export interface ChainsafeEvents {
  on(event: 'talkReqReceived', fn: (addr: Parameters<Discv5['sendTalkResp']>[0], enr: unknown, msg: { id: Parameters<Discv5['sendTalkResp']>[1]; request: Uint8Array }) => void): void;
  on(event: 'discovered', fn: (enr: CsEnr) => void): void;
}

export interface ChainsafeNode {
  node: Discv5;
  events: ChainsafeEvents;
  /** Its record, decoded by our ENR code. */
  enr: Enr;
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Start a node with a fresh key; 3 s request timeout, no periodic pings or ENR updates. */
export async function startChainsafe(): Promise<ChainsafeNode> {
  // Two copies of @libp2p/interface in node_modules give the same key two nominal types.
  const privateKey = (await generateKeyPair('secp256k1')) as unknown as Parameters<typeof Discv5.create>[0]['privateKey'];
  const port = await freePort();
  const enr = SignableENR.createFromPrivateKey(privateKey);
  enr.ip = '127.0.0.1';
  enr.udp = port;
  const node = Discv5.create({
    enr,
    privateKey,
    bindAddrs: { ip4: multiaddr(`/ip4/127.0.0.1/udp/${port}`) },
    config: { enrUpdate: false, requestTimeout: 3000, pingInterval: 3_600_000 },
  });
  await node.start();
  return { node, events: node as unknown as ChainsafeEvents, enr: decodeEnrText(node.enr.encodeTxt()) };
}
