/** Shared fixtures for the discv5 tests: nodes with keys, records and a tiny routing table. */
import { generatePrivateKey } from '../../src/crypto/index.js';
import { logDistance } from '../../src/enode/distance.js';
import { createEnr, type Enr } from '../../src/enode/enr.js';
import type { Clock } from '../../src/net/clock.js';
import type { UdpTransport } from '../../src/net/transport.js';
import { Discv5Endpoint, type Discv5EndpointOptions } from '../../src/discv5/endpoint.js';
import type { Discv5Event } from '../../src/discv5/service.js';
import { bytesToHex } from '../../src/util/bytes.js';

/** A table as the crawler would provide: records by log distance from us. */
export class TestTable {
  readonly records = new Map<string, Enr>();
  constructor(readonly selfId: Uint8Array) {}
  add(enr: Enr): void {
    if (bytesToHex(enr.nodeId) !== bytesToHex(this.selfId)) this.records.set(bytesToHex(enr.nodeId), enr);
  }
  atDistance = (d: number): Enr[] => [...this.records.values()].filter((e) => logDistance(this.selfId, e.nodeId) === d);
  get = (id: Uint8Array): Enr | undefined => this.records.get(bytesToHex(id));
}

export interface TestNode {
  key: Uint8Array;
  enr: Enr;
  endpoint: Discv5Endpoint;
  table: TestTable;
  events: Discv5Event[];
}

export function makeNode(
  transport: UdpTransport,
  clock: Clock | undefined,
  extra: Partial<Discv5EndpointOptions> & { key?: Uint8Array; seq?: bigint } = {},
): TestNode {
  const key = extra.key ?? generatePrivateKey();
  const { address, port } = transport.localAddress;
  const v6 = address.includes(':');
  const enr = createEnr({ privateKey: key, seq: extra.seq ?? 1n, ...(v6 ? { ip6: address, udp6: port } : { ip: address, udp: port }) });
  const table = new TestTable(enr.nodeId);
  const events: Discv5Event[] = [];
  const endpoint = new Discv5Endpoint({
    identity: { privateKey: key, enr: () => enr },
    transport,
    ...(clock ? { clock } : {}),
    lookup: table.atDistance,
    knownEnr: table.get,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { key, enr, endpoint, table, events };
}

/** Let queued microtasks (in-memory datagram deliveries, promise continuations) run. */
export async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
