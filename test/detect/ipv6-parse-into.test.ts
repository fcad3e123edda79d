/**
 * parseIpv6Into (src/core/ip.ts), the allocation-free IPv6 parser CidrSet lookups use, accepts
 * exactly what parseIp accepts for a text with a ':' and gives the same bytes: checked on
 * addresses written every way (RFC 5952, full, upper case, dotted tails, `::` anywhere) and
 * on random texts made of the pieces that trip parsers (`::`, `:::`, empty groups, 5 hex
 * digits, dotted tails with bad parts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv6ToString, parseIp, parseIpv6Into } from '../../src/core/ip.js';

function same(text: string): void {
  const want = parseIp(text);
  const out = new Uint8Array(16);
  const ok = parseIpv6Into(text, out);
  expect(ok, text).toBe(want !== null);
  if (want) expect([...out], text).toEqual([...want]);
}

const PIECES = ['0', '1', '00', 'a', 'F', 'ff', 'fFf', 'ffff', '12345', 'g', ':', ':', ':', '::', ':::', '.', '1.2.3.4', '255.255.255.255', '256.0.0.1', '1.2.3', '1..2.3', '01.002.3.4', '1.2.3.4.5'];

describe('parseIpv6Into', () => {
  it('reads every writing of random addresses as parseIp does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 8 }), (b, start, len) => {
        for (let i = start; i < Math.min(16, start * 2 + len * 2); i++) b[i] = 0;
        const g: string[] = [];
        for (let i = 0; i < 8; i++) g.push(((b[2 * i] << 8) | b[2 * i + 1]).toString(16));
        const rfc = ipv6ToString(b, 0);
        same(rfc);
        same(rfc.toUpperCase());
        same(g.join(':'));
        same(g.map((x) => x.padStart(4, '0')).join(':'));
        same(g.slice(0, 6).join(':') + ':' + [b[12], b[13], b[14], b[15]].join('.'));
        // `::` for the groups [start, start + len) (len 0: a `::` standing for nothing).
        const end = Math.min(8, start + len);
        same(g.slice(0, start).join(':') + '::' + g.slice(end).join(':'));
        if (end <= 6) same(g.slice(0, start).join(':') + '::' + [...g.slice(end, 6), [b[12], b[13], b[14], b[15]].join('.')].join(':'));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects and accepts random texts as parseIp does', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 14 }), (parts) => {
        const text = parts.join('');
        if (text.indexOf(':') >= 0) same(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('handles the corner cases', () => {
    for (const t of ['::', ':::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '::1.2.3.4', ':1.2.3.4', '::ffff:10.0.0.1', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1::1.2.3.4', '::.1.2.3', '1:2:3:4:5:6:7:', 'fe80::1%eth0', '0:0:0:0:0:0:0:0']) same(t);
  });
});
