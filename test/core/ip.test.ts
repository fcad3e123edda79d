import { describe, expect, it } from 'vitest';
import { ipv4ToString, ipv6ToString, parseIp } from '../../src/core/ip.js';

describe('ip text', () => {
  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['2001:470:1f11:81f:c999:d94:aa7c:2e3e', '2001:470:1f11:81f:c999:d94:aa7c:2e3e'],
  ])('%s -> %s (RFC 5952)', (input, expected) => {
    const b = parseIp(input)!;
    expect(b).not.toBeNull();
    expect(ipv6ToString(b, 0)).toBe(expected);
  });

  it('round-trips IPv4 and rejects junk', () => {
    expect(ipv4ToString(parseIp('10.0.88.85')!, 0)).toBe('10.0.88.85');
    expect(parseIp('256.1.1.1')).toBeNull();
    expect(parseIp('1.2.3')).toBeNull();
    expect(parseIp('1::2::3')).toBeNull();
    expect(parseIp('hello')).toBeNull();
  });
});
