/**
 * A real @ethereumjs/devp2p node on 127.0.0.1 for interop tests: RLPx + ETH (eth/66–68) with a
 * mainnet Common set to today's fork, optionally a DPT (discv4) with the same key, every port
 * ephemeral. It answers STATUS and GetBlockHeaders like a synced peer and records what it saw.
 *
 * ethereumjs exposes no listening address, so a subclass reads its protected server; its Common
 * must be at the fork of "now" for both fork-ID checks (its and ours) to pass.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { Common, Mainnet } from '@ethereumjs/common';
import { DPT, ETH, EthMessageCodes, RLPx, type Peer } from '@ethereumjs/devp2p';
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { encodeHeader } from '../../src/eth/headers.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { fromUtf8, hexToBytes, uintToBytes } from '../../src/util/bytes.js';
import { rlpDecode, type RlpItem } from '../../src/util/rlp.js';

class ListeningRLPx extends RLPx {
  get port(): number {
    return (this._server!.address() as AddressInfo).port;
  }
}

export const EJS_CLIENT_ID = 'EthereumJS/v10.0.0/linux-x64/interop';
/** The head block the ethereumjs node claims (and serves the header of). */
export const EJS_BEST_BLOCK = 23_456_789n;

export interface EjsStatusSeen {
  chainId: Uint8Array;
  genesisHash: Uint8Array;
  forkId: Uint8Array[];
}

export interface EjsNode {
  rlpx: ListeningRLPx;
  dpt: DPT | null;
  node: NodeRecord;
  common: Common;
  /** Peers that completed HELLO with it. */
  added: Peer[];
  /** Our STATUS as it decoded and accepted it. */
  statuses: EjsStatusSeen[];
  /** Peers that left: DISCONNECT reason code and whether it was the one to send it. */
  removed: { reason: number; disconnectWe: boolean | null }[];
  errors: unknown[];
  bestHash: Uint8Array;
  close(): void;
}

/** A mainnet header with number EJS_BEST_BLOCK (content otherwise arbitrary). */
export function bestHeader(): Uint8Array {
  const z = (n: number) => new Uint8Array(n);
  return encodeHeader({
    parentHash: z(32), ommersHash: z(32), coinbase: z(20), stateRoot: z(32), txRoot: z(32), receiptsRoot: z(32),
    bloom: z(256), difficulty: 0n, number: EJS_BEST_BLOCK, gasLimit: 36_000_000n, gasUsed: 0n, time: 1_780_000_000n,
    extraData: fromUtf8('interop'), mixHash: z(32), nonce: z(8),
  });
}

export async function startEjsNode(
  options: {
    maxPeers?: number;
    withDpt?: boolean;
    /** Put something in front of its TCP port (e.g. a delay proxy); returns the port announced instead. */
    tcpFront?: (rlpxPort: number) => Promise<number>;
  } = {},
): Promise<EjsNode> {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  const common = new Common({ chain: Mainnet });
  common.setHardforkBy({ blockNumber: 30_000_000n, timestamp: BigInt(Math.floor(Date.now() / 1000)) });
  const rlpx = new ListeningRLPx(privateKey, {
    dpt: null,
    maxPeers: options.maxPeers ?? 10,
    capabilities: [ETH.eth66, ETH.eth67, ETH.eth68],
    common,
    clientId: fromUtf8(EJS_CLIENT_ID),
  });
  await new Promise<void>((resolve) => {
    rlpx.events.once('listening', () => resolve());
    rlpx.listen(0, '127.0.0.1');
  });
  const header = bestHeader();
  const bestHash = keccak256(header);
  const headerFields = rlpDecode(header) as RlpItem[];

  let dpt: DPT | null = null;
  const tcpPort = options.tcpFront ? await options.tcpFront(rlpx.port) : rlpx.port;
  let udpPort = tcpPort;
  if (options.withDpt) {
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    udpPort = socket.address().port;
    dpt = new DPT(privateKey, {
      endpoint: { address: '127.0.0.1', udpPort, tcpPort },
      createSocket: () => socket,
      refreshInterval: 3_600_000,
      timeout: 3_000,
    });
    dpt.events.on('error', () => undefined);
  }

  const out: EjsNode = {
    rlpx,
    dpt,
    node: { id: nodeIdFromPublicKey(publicKey), publicKey, ip: '127.0.0.1', udpPort, tcpPort },
    common,
    added: [],
    statuses: [],
    removed: [],
    errors: [],
    bestHash,
    close: () => {
      rlpx.destroy();
      dpt?.destroy();
    },
  };
  rlpx.events.on('peer:error', (_peer, err) => out.errors.push(err));
  rlpx.events.on('error', (err) => out.errors.push(err));
  rlpx.events.on('peer:removed', (_peer, reason, disconnectWe) => out.removed.push({ reason: Number(reason), disconnectWe }));
  rlpx.events.on('peer:added', (peer) => {
    out.added.push(peer);
    const eth = peer.getProtocols()[0] as ETH;
    eth.events.on('status', (s) => out.statuses.push(s as unknown as EjsStatusSeen));
    eth.events.on('message', (code, payload) => {
      if (code !== EthMessageCodes.GET_BLOCK_HEADERS) return;
      // eth/66+: [request-id, [origin, amount, skip, reverse]] — serve our one header when asked by its hash.
      const [requestId, query] = payload as [Uint8Array, Uint8Array[]];
      const origin = query[0]!;
      const found = origin.length === 32 && Buffer.from(origin).equals(Buffer.from(bestHash));
      eth.sendMessage(EthMessageCodes.BLOCK_HEADERS, [requestId, found ? [headerFields] : []] as never);
    });
    eth.sendStatus({
      td: uintToBytes(58_750_003_716_598_352_816_469n), // mainnet's terminal total difficulty
      bestHash,
      genesisHash: hexToBytes(NETWORKS.mainnet.genesisHash),
    });
  });
  return out;
}
