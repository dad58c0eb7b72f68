/**
 * What the discovery v4 endpoint answers other nodes (discv4.md): PING → PONG, FINDNODE → NEIGHBORS
 * (our k closest to keccak256(target), only entries the requester may use: geth v4_udp.go
 * handleFindnode with CheckRelayAddr), ENRREQUEST → ENRRESPONSE. Whether to answer at all (the
 * endpoint proof) is decided by the receive path in endpoint.ts; a failed send is counted, never thrown.
 */
import { keccak256 } from '../crypto/index.js';
import type { Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import { checkRelayAddr } from '../enode/relay-ip.js';
import type { UdpAddress, UdpTransport } from '../net/transport.js';
import { BUCKET_SIZE, PacketType } from './constants.js';
import type { Discv4Counters } from './endpoint-types.js';
import { encodeNeighbors, encodePacket, type EncodedPacket } from './packet.js';

export interface AnswersContext {
  privateKey: Uint8Array;
  transport: UdpTransport;
  stats: Discv4Counters;
  /** Our current record (its seq goes into PONG; the record into ENRRESPONSE). */
  enr: () => Enr;
  /** Packet expiration in Unix seconds, from the endpoint's clock. */
  expiration: () => number;
  closest?: (targetId: Uint8Array, count: number) => readonly NodeRecord[];
}

export class Discv4Answers {
  constructor(private readonly c: AnswersContext) {}

  pong(pingHash: Uint8Array, tcpPort: number, from: UdpAddress): void {
    this.send(
      () =>
        encodePacket(
          PacketType.Pong,
          {
            to: { ip: from.address, udpPort: from.port, tcpPort },
            pingHash,
            expiration: this.c.expiration(),
            enrSeq: this.c.enr().seq,
          },
          this.c.privateKey,
        ),
      from,
    );
  }

  neighbors(target: Uint8Array, from: UdpAddress): void {
    const closest = (this.c.closest?.(keccak256(target), BUCKET_SIZE) ?? []).slice(0, BUCKET_SIZE);
    // geth handleFindnode: relay only entries the requester may use (CheckRelayAddr).
    const relayable = closest.filter((n) => checkRelayAddr(from.address, n.ip) === undefined);
    this.c.stats.neighborsWithheld += closest.length - relayable.length;
    const packets = encodeNeighbors(relayable, this.c.expiration(), this.c.privateKey);
    for (const packet of packets) this.send(() => packet, from);
  }

  enrResponse(requestHash: Uint8Array, from: UdpAddress): void {
    this.send(() => encodePacket(PacketType.EnrResponse, { requestHash, record: this.c.enr() }, this.c.privateKey), from);
  }

  private send(make: () => EncodedPacket, to: UdpAddress): void {
    try {
      this.c.transport.send(make().bytes, to);
    } catch {
      this.c.stats.sendErrors++;
    }
  }
}
