import { describe, expect, it } from 'vitest';
import { checkRelayedEndpoint, MIN_RELAYED_UDP_PORT } from '../../src/discv4/relay.js';
import { checkRelayAddr, isLanIp, isLoopbackIp } from '../../src/enode/relay-ip.js';
import { ipFromBytes } from '../../src/net/ip.js';
import { BASE_SEED, Rng } from '../devp2p/fuzz-helpers.js';

const PUBLIC = '23.55.1.242';

describe('relay rules (geth netutil CheckRelayAddr, v4_udp.go nodeFromRPC)', () => {
  it('judges the cases geth tests, plus special ranges, IPv6 and mapped IPv4', () => {
    const cases: [sender: string, addr: string, want: string | undefined][] = [
      ['127.0.0.1', '0.0.0.0', 'unspecified'],
      ['192.168.0.1', '0.0.0.0', 'unspecified'],
      [PUBLIC, '::', 'unspecified'],
      ['127.0.0.1', '255.255.255.255', 'special'],
      [PUBLIC, '255.255.255.255', 'special'],
      [PUBLIC, '192.0.2.7', 'special'], // TEST-NET-1
      [PUBLIC, '198.51.100.1', 'special'], // TEST-NET-2
      [PUBLIC, '203.0.113.9', 'special'], // TEST-NET-3
      [PUBLIC, '198.19.255.255', 'special'], // benchmarking /15
      [PUBLIC, '0.1.2.3', 'special'], // "this" network /8
      [PUBLIC, '224.0.0.1', 'special'], // multicast
      [PUBLIC, '239.255.255.250', 'special'],
      [PUBLIC, '2001:db8::1', 'special'],
      [PUBLIC, '2002:1234::1', 'special'], // 6to4
      [PUBLIC, 'ff02::1', 'special'],
      ['192.168.0.1', '127.0.2.19', 'loopback'],
      [PUBLIC, '127.0.0.1', 'loopback'],
      [PUBLIC, '::1', 'loopback'],
      [PUBLIC, '192.168.0.1', 'lan'],
      [PUBLIC, '10.1.2.3', 'lan'],
      [PUBLIC, '172.31.0.1', 'lan'],
      [PUBLIC, '169.254.1.1', 'lan'],
      [PUBLIC, 'fd00::1', 'lan'],
      [PUBLIC, 'fe80::1', 'lan'],
      [PUBLIC, '::ffff:192.168.0.1', 'lan'],
      [PUBLIC, 'not-an-ip', 'invalid'],
      ['127.0.0.1', '127.0.2.19', undefined],
      ['::ffff:127.0.0.1', '127.0.2.19', undefined],
      ['127.0.0.1', '192.168.0.1', undefined], // loopback is a LAN
      ['127.0.0.1', PUBLIC, undefined],
      ['192.168.0.1', '192.168.0.1', undefined],
      ['10.0.0.1', '172.16.5.5', undefined],
      ['192.168.0.1', PUBLIC, undefined],
      [PUBLIC, PUBLIC, undefined],
      [PUBLIC, '172.32.0.1', undefined], // just past 172.16/12
      [PUBLIC, '2001:4860::8888', undefined], // outside 2001::/32 and 2001:10::/28
      [PUBLIC, '198.20.0.1', undefined], // just past 198.18/15
    ];
    for (const [sender, addr, want] of cases) expect([sender, addr, checkRelayAddr(sender, addr)]).toEqual([sender, addr, want]);
  });

  it('drops UDP ports ≤ 1024 before looking at the address', () => {
    expect(checkRelayedEndpoint(PUBLIC, { ip: PUBLIC, udpPort: 0 })).toBe('low_port');
    expect(checkRelayedEndpoint(PUBLIC, { ip: PUBLIC, udpPort: 1024 })).toBe('low_port');
    expect(checkRelayedEndpoint(PUBLIC, { ip: '0.0.0.0', udpPort: 53 })).toBe('low_port');
    expect(checkRelayedEndpoint(PUBLIC, { ip: PUBLIC, udpPort: MIN_RELAYED_UDP_PORT })).toBeUndefined();
    expect(checkRelayedEndpoint(PUBLIC, { ip: '10.0.0.1', udpPort: 30303 })).toBe('lan');
  });

  it('property: random byte addresses never throw; verdicts agree with the LAN/loopback predicates', () => {
    const rng = new Rng(BASE_SEED + 41);
    for (let i = 0; i < 5_000; i++) {
      const v6 = rng.bool();
      const addr = ipFromBytes(rng.bytes(v6 ? 16 : 4))!;
      const origins = ['127.0.0.1', '10.0.0.1', PUBLIC, '::1', 'fe80::2', ipFromBytes(rng.bytes(4))!]; // pure rule inputs
      const sender = rng.pick(origins);
      const v = checkRelayAddr(sender, addr);
      // A verdict of undefined means: not LAN unless the sender is, not loopback unless the sender is.
      if (v === undefined) {
        if (isLanIp(addr)) expect(isLanIp(sender)).toBe(true);
        if (isLoopbackIp(addr)) expect(isLoopbackIp(sender)).toBe(true);
      }
      // The loopback sender may relay every valid, non-special address.
      const fromLoopback = checkRelayAddr('127.0.0.1', addr);
      expect(fromLoopback === undefined || fromLoopback === 'special' || fromLoopback === 'unspecified').toBe(true);
      // The same address is never worse from a LAN sender than from a public one.
      const fromPublic = checkRelayAddr(PUBLIC, addr);
      if (fromPublic === undefined) expect(checkRelayAddr('10.0.0.1', addr)).toBeUndefined();
    }
  });
});
