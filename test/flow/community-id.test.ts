import { describe, expect, it } from 'vitest';
import { communityIdV1, icmpPorts } from '../../src/core/community-id.js';
import { parseIp } from '../../src/core/ip.js';

const ip = (s: string): Uint8Array => parseIp(s)!;

/**
 * Vectors from Zeek's btest baselines (zeek/zeek testing/btest/Baseline/bifs.community_id.v1/out
 * and bifs.community_id.run-pcaps/*.out at a13de64f), which match the spec's reference output.
 */
const vectors: { name: string; s: string; d: string; proto: number; sp: number; dp: number; seed: number; id: string }[] = [
  { name: 'tcp', s: '1.2.3.4', d: '5.6.7.8', proto: 6, sp: 1122, dp: 3344, seed: 0, id: '1:wCb3OG7yAFWelaUydu0D+125CLM=' },
  { name: 'udp', s: '1.2.3.4', d: '5.6.7.8', proto: 17, sp: 1122, dp: 3344, seed: 0, id: '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=' },
  { name: 'icmp echo', s: '1.2.3.4', d: '5.6.7.8', proto: 1, sp: 8, dp: 0, seed: 0, id: '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=' },
  { name: 'icmp6 echo', s: 'fe80:1:203:405:607:809:a0b:c0d', d: 'fe80:1011:1213:1415:1617:1819:1a1b:1c1d', proto: 58, sp: 128, dp: 129, seed: 0, id: '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=' },
  { name: 'tcp seed 1', s: '1.2.3.4', d: '5.6.7.8', proto: 6, sp: 1122, dp: 3344, seed: 1, id: '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=' },
  { name: 'udp seed 1', s: '1.2.3.4', d: '5.6.7.8', proto: 17, sp: 1122, dp: 3344, seed: 1, id: '1:OShq+iKDAMVouh/4bMxB9Sz4amw=' },
  { name: 'icmp seed 1', s: '1.2.3.4', d: '5.6.7.8', proto: 1, sp: 8, dp: 0, seed: 1, id: '1:9pr4ZGTICiuZoIh90RRYE2RyXpU=' },
  { name: 'icmp6 seed 1', s: 'fe80:1:203:405:607:809:a0b:c0d', d: 'fe80:1011:1213:1415:1617:1819:1a1b:1c1d', proto: 58, sp: 128, dp: 129, seed: 1, id: '1:IO27GQzPuCtNnwFvjWALMHu5tJE=' },
  { name: 'proto 10 (no ports)', s: '1.2.3.4', d: '5.6.7.8', proto: 10, sp: 0, dp: 0, seed: 0, id: '1:7bYuQ7nyGBIQn7uDcQ5WraAnhWI=' },
  { name: 'proto 10 v6 seed 1', s: 'fe80:1:203:405:607:809:a0b:c0d', d: 'fe80:1011:1213:1415:1617:1819:1a1b:1c1d', proto: 10, sp: 0, dp: 0, seed: 1, id: '1:rcMO2BlHXpMNFXyyWqSDUQCBRBc=' },
  { name: 'pcap tcp', s: '128.232.110.120', d: '66.35.250.204', proto: 6, sp: 34855, dp: 80, seed: 0, id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=' },
  { name: 'pcap udp', s: '192.168.1.52', d: '8.8.8.8', proto: 17, sp: 54585, dp: 53, seed: 0, id: '1:d/FP5EW3wiY1vCndhwleRRKHowQ=' },
  { name: 'pcap icmp', s: '192.168.0.89', d: '192.168.0.1', proto: 1, sp: 8, dp: 0, seed: 0, id: '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=' },
  { name: 'pcap ipv6 tcp', s: '2001:470:e5bf:dead:4957:2174:e82c:4887', d: '2607:f8b0:400c:c03::1a', proto: 6, sp: 63943, dp: 25, seed: 0, id: '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=' },
  { name: 'icmp6 one-way unreach', s: '3ffe:501:0:1802:260:97ff:feb6:7ff0', d: '3ffe:507:0:1:200:86ff:fe05:80da', proto: 58, sp: 3, dp: 0, seed: 0, id: '1:bnQKq8A2r//dWnkRW2EYcMhShjc=' },
  { name: 'icmp6 one-way from higher addr', s: '3ffe:507:0:1:200:86ff:fe05:80da', d: '3ffe:501:4819::42', proto: 58, sp: 1, dp: 4, seed: 0, id: '1:jwuBy9UWZK1KUFqJV5cHdVpfrlY=' },
];

describe('communityIdV1', () => {
  for (const v of vectors) {
    it(v.name, () => {
      expect(communityIdV1(ip(v.s), ip(v.d), v.proto, v.sp, v.dp, v.seed)).toBe(v.id);
    });
  }

  it('is direction-independent for two-way flows', () => {
    expect(communityIdV1(ip('5.6.7.8'), ip('1.2.3.4'), 6, 3344, 1122)).toBe('1:wCb3OG7yAFWelaUydu0D+125CLM=');
    expect(communityIdV1(ip('5.6.7.8'), ip('1.2.3.4'), 1, 0, 8)).toBe('1:crodRHL2FEsHjbv3UkRrfbs4bZ0=');
  });

  it('maps ICMP types to Zeek ports', () => {
    expect(icmpPorts(1, 8, 0)).toEqual([8, 0, false]);
    expect(icmpPorts(1, 3, 3)).toEqual([3, 3, true]);
    expect(icmpPorts(58, 135, 0)).toEqual([135, 136, false]);
    expect(icmpPorts(58, 143, 0)).toEqual([143, 0, true]);
  });
});
