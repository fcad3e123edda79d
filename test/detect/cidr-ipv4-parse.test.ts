/**
 * CidrSet's allocation-free IPv4 parser (parseIpv4Into) accepts exactly what parseIp accepts
 * for texts without ':', with the same bytes, so IOC, internal-network and allow-list
 * lookups answer as before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../src/core/ip.js';
import { CidrSet, parseIpv4Into } from '../../src/detect/cidr.js';

function viaParseIpv4Into(text: string): number[] | null {
  const out = new Uint8Array(4);
  return parseIpv4Into(text, out) ? [...out] : null;
}

function viaParseIp(text: string): number[] | null {
  const b = parseIp(text);
  return b ? [...b] : null;
}

describe('parseIpv4Into', () => {
  it('agrees with parseIp on edge cases', () => {
    for (const t of ['1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.002.3.4', '0001.2.3.4', '1.2.3', '1.2.3.4.5', '1..3.4', '.1.2.3', '1.2.3.', '', 'a.b.c.d', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4', '1.2.3.999']) {
      expect(viaParseIpv4Into(t), t).toEqual(viaParseIp(t));
    }
  });

  it('agrees with parseIp on random dotted texts', () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9a]{0,4}$/));
    const text = fc.oneof(
      fc.array(part, { minLength: 1, maxLength: 6 }).map((ps) => ps.join('.')),
      fc.string({ maxLength: 16 }).filter((s) => !s.includes(':')),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(viaParseIpv4Into(t)).toEqual(viaParseIp(t));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps CidrSet lookups by text', () => {
    const s = new CidrSet<string>();
    s.add('10.0.0.0/8', 'ten');
    s.add('10.1.2.0/24', 'ten-one-two');
    s.add('2001:db8::/32', 'doc6');
    expect(s.get('10.1.2.3')).toBe('ten-one-two');
    expect(s.get('10.9.9.9')).toBe('ten');
    expect(s.get('010.1.2.3')).toBe('ten-one-two');
    expect(s.get('11.0.0.1')).toBeUndefined();
    expect(s.get('10.1.2')).toBeUndefined();
    expect(s.get('2001:db8::1')).toBe('doc6');
  });
});
