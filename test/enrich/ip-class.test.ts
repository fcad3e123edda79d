import { describe, expect, it } from 'vitest';
import { classifyIp, cidrContains, parseCidr, normalizeIpBytes } from '../../src/enrich/ip-class.js';
import { parseIp } from '../../src/core/ip.js';

describe('classifyIp (IANA special-purpose registries)', () => {
  const rows: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.100.206', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['169.254.10.1', 'link_local'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this_network'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.1', 'benchmarking'],
    ['192.0.0.9', 'ietf_protocol'],
    ['192.88.99.1', 'reserved'],
    ['192.31.196.1', 'as112'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['ff02::fb', 'multicast'],
    ['fd00::1', 'private'],
    ['fc12:3456::1', 'private'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:3::1', 'amt'],
    ['2001:4:112::1', 'as112'],
    ['2001:20::1', 'ietf_protocol'],
    ['2002:c000:0204::1', '6to4'],
    ['64:ff9b::8.8.8.8', 'nat64'],
    ['100::1', 'discard'],
    ['2001:4860:4860::8888', 'public'],
    ['2a00:1450:4001::1', 'public'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'invalid'],
    ['1.2.3', 'invalid'],
  ];
  it.each(rows)('%s is %s', (ip, cls) => {
    expect(classifyIp(ip).ipClass).toBe(cls);
  });

  it('normalises IPv4-mapped IPv6 before classifying', () => {
    const c = classifyIp('::ffff:10.0.0.5');
    expect(c.ipClass).toBe('private');
    expect(c.text).toBe('10.0.0.5');
    expect(c.bytes).toEqual(Uint8Array.from([10, 0, 0, 5]));
    expect(classifyIp('::ffff:8.8.4.4')).toMatchObject({ ipClass: 'public', text: '8.8.4.4' });
    // ::ffff:0:0:0/96 (IPv4-translated, RFC 2765) is not mapped: it stays IPv6.
    expect(normalizeIpBytes(parseIp('::ffff:0:1.2.3.4')!).length).toBe(16);
  });
});

describe('parseCidr / cidrContains', () => {
  it('parses v4 and v6 networks and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ prefix: 8 });
    expect(parseCidr('fd00::/8')).toMatchObject({ prefix: 8 });
    expect(parseCidr('192.168.1.7')).toMatchObject({ prefix: 32 });
    expect(parseCidr('2001:db8::1')).toMatchObject({ prefix: 128 });
  });
  it('rejects host bits, junk and out-of-range prefixes', () => {
    expect(parseCidr('10.0.0.1/8')).toBeNull();
    expect(parseCidr('2001:db8::1/32')).toBeNull();
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('banana')).toBeNull();
    expect(parseCidr('')).toBeNull();
  });
  it('matches on the prefix bits only, never across families', () => {
    const net = parseCidr('172.16.0.0/12')!;
    expect(cidrContains(net, parseIp('172.20.1.1')!)).toBe(true);
    expect(cidrContains(net, parseIp('172.32.0.0')!)).toBe(false);
    expect(cidrContains(net, parseIp('::ffff:172.20.1.1')!)).toBe(false);
    const v6 = parseCidr('2001:db8:80::/41')!;
    expect(cidrContains(v6, parseIp('2001:db8:ff::1')!)).toBe(true);
    expect(cidrContains(v6, parseIp('2001:db8:7f::1')!)).toBe(false);
  });
});
