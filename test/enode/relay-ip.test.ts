import { describe, expect, it } from 'vitest';
import { checkRelayAddr, isLanIp, isSpecialNetworkIp } from '../../src/enode/relay-ip.js';

describe('checkRelayAddr (geth p2p/netutil CheckRelayAddr)', () => {
  it.each([
    // sender, relayed address, verdict
    ['127.0.0.1', '127.0.0.2', undefined],
    ['198.51.7.1', '127.0.0.1', 'loopback'],
    ['10.0.0.1', '127.0.0.1', 'loopback'],
    ['10.0.0.1', '192.168.1.5', undefined],
    ['127.0.0.1', '10.0.0.9', undefined],
    ['198.51.7.1', '10.0.0.9', 'lan'],
    ['198.51.7.1', '172.20.0.1', 'lan'],
    ['198.51.7.1', '169.254.1.1', 'lan'],
    ['198.51.7.1', '8.8.4.4', undefined],
    ['127.0.0.1', '0.0.0.0', 'unspecified'],
    ['127.0.0.1', '::', 'unspecified'],
    ['127.0.0.1', '203.0.113.7', 'special'],
    ['127.0.0.1', '192.0.2.1', 'special'],
    ['127.0.0.1', '255.255.255.255', 'special'],
    ['127.0.0.1', '224.0.0.1', 'special'],
    ['127.0.0.1', '2001:db8::1', 'special'],
    ['::1', '::1', undefined],
    ['2a01:4f8::1', '::1', 'loopback'],
    ['2a01:4f8::1', 'fd00::1', 'lan'],
    ['127.0.0.1', undefined, 'invalid'],
    ['127.0.0.1', 'example.org', 'invalid'],
    ['198.51.7.1', '::ffff:127.0.0.1', 'loopback'],
  ] as const)('%s relays %s → %s', (sender, addr, verdict) => {
    expect(checkRelayAddr(sender, addr)).toBe(verdict);
  });

  it('classifies LAN and special ranges', () => {
    expect(isLanIp('192.168.0.1')).toBe(true);
    expect(isLanIp('8.8.8.8')).toBe(false);
    expect(isSpecialNetworkIp('198.18.5.5')).toBe(true);
    expect(isSpecialNetworkIp('198.20.5.5')).toBe(false);
  });
});
