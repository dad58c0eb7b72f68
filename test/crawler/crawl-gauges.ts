/** Builders for crawl-metrics tests: discv4 counters with every field, and gauges that report nothing else. */
import type { CrawlGauges } from '../../src/crawler/metrics.js';
import type { Discv4Counters } from '../../src/discv4/endpoint.js';

export function counters(over: Partial<Discv4Counters>): Discv4Counters {
  return {
    pingsSent: 0, pongsReceived: 0, pingsReceived: 0, findnodeSent: 0, findnodeReceived: 0, neighborsReceived: 0,
    nodesLearned: 0, invalidNeighbors: 0, neighborsDropped: {}, neighborsWithheld: 0, findnodeRebonds: 0,
    findnodeRebondsAnswered: 0, enrRequestsSent: 0, enrRequestsReceived: 0, enrResponsesReceived: 0,
    unsolicitedReplies: 0, unbondedRequests: 0, expiredPackets: 0, selfPackets: 0, sendErrors: 0, decodeErrors: {},
    ...over,
  };
}

export const gauges = (discovery?: CrawlGauges['discovery'], discoveryV5?: CrawlGauges['discoveryV5']): CrawlGauges => ({
  knownNodes: () => 0,
  tableSizes: () => [],
  dialsInFlight: () => 0,
  dialsQueued: () => 0,
  staticNodes: () => 0,
  socketsInUse: () => 0,
  writer: () => undefined,
  ...(discovery ? { discovery } : {}),
  ...(discoveryV5 ? { discoveryV5 } : {}),
});
