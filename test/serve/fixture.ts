/**
 * The web view's test database: the reports' hand-built crawl (test/report/dataset.ts) plus a node
 * with two ENR versions and a node whose HELLO client ID is an HTML/script injection attempt.
 */
import { randomUUID } from 'node:crypto';
import type { CrawlerEvent } from '../../src/events.js';
import { publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import { createEnr } from '../../src/enode/enr.js';
import type { Database } from '../../src/store/database.js';
import { migrateAndWrite } from '../store/helpers.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { datasetEvents, I1, NODES, SINCE } from '../report/dataset.js';
import { withDialPolicy } from '../../src/crawler/probe.js';

const H = 3_600_000;
const key = (byte: string) => hexToBytes(byte.repeat(32));

export const ENR_KEY = key('e1');
export const ENR_PK = bytesToHex(publicKeyFromPrivate(ENR_KEY));
export const ENR_NODE = bytesToHex(nodeIdFromPublicKey(hexToBytes(ENR_PK)));
export const ENR_V2 = createEnr({ privateKey: ENR_KEY, seq: 2n, ip: '5.9.1.77', tcp: 30303, udp: 30301, eth: { forkHash: hexToBytes('9f3d2254'), forkNext: 0n } });
const ENR_V1 = createEnr({ privateKey: ENR_KEY, seq: 1n, ip: '5.9.1.76', tcp: 30303, udp: 30303 });

const EVIL_PK = bytesToHex(publicKeyFromPrivate(key('e2')));
/** A stored address only (rows in the database; nothing is ever sent to it). */
const EVIL_IP = '1.0.0.99';
export const EVIL_NODE = bytesToHex(nodeIdFromPublicKey(hexToBytes(EVIL_PK)));
export const EVIL_CLIENT_ID = '<script>alert("x")</script>/v1.0<img src=x onerror=alert(1)>';

export function enodeOf(name: string): string {
  const n = NODES[name]!;
  return formatEnode({ publicKey: hexToBytes(n.pk), ip: n.ip, udpPort: 30303, tcpPort: 30303 });
}

function extraEvents(): CrawlerEvent[] {
  const at = SINCE + 17 * H;
  return [
    { type: 'node_seen', instance: I1, nodeId: ENR_NODE, publicKey: ENR_PK, ip: '5.9.1.77', udpPort: 30301, tcpPort: 30303, source: 'neighbors', at },
    { type: 'enr', instance: I1, nodeId: ENR_NODE, seq: 1n, raw: bytesToHex(ENR_V1.raw), at: at - H },
    { type: 'enr', instance: I1, nodeId: ENR_NODE, seq: 2n, raw: bytesToHex(ENR_V2.raw), at },
    { type: 'node_seen', instance: I1, nodeId: EVIL_NODE, publicKey: EVIL_PK, ip: EVIL_IP, udpPort: 30303, tcpPort: 30303, source: 'neighbors', at },
    withDialPolicy({
      type: 'dial', dialId: randomUUID(), instance: I1, kind: 'dynamic', nodeId: EVIL_NODE, publicKey: EVIL_PK, ip: EVIL_IP, tcpPort: 30303,
      startedAt: at, endedAt: at + 1000, connectMs: 3, outcome: 'hello', errorKind: null, errorMessage: null,
      hello: { p2pVersion: 5, clientId: EVIL_CLIENT_ID, clientName: '<script>', clientVersion: 'v1.0', os: null, arch: null, runtime: null, caps: ['eth/68'], listenPort: 30303 },
      status: null, disconnects: [{ direction: 'received', reason: 'useless_peer', at: at + 900 }], rtt: null,
    }),
  ];
}

/** Migrate and fill `db`; returns the node IDs written (hex), our instances excluded. */
export async function fillDatabase(db: Database): Promise<void> {
  await migrateAndWrite(db, [...datasetEvents(), ...extraEvents()]);
}
