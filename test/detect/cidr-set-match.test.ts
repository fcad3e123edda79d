/**
 * CidrSet (src/detect/cidr.ts) gives the value of the most specific network holding an
 * address: checked against a plain bit-by-bit comparison for random IPv4 networks (IPv4
 * networks are keyed by their masked 32-bit value) and fixed IPv6 ones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv6ToString } from '../../src/core/ip.js';
import { CidrSet } from '../../src/detect/cidr.js';

const toText = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');

/** Most specific of the networks [value, prefix] holding `a`, by comparing the top `prefix` bits. */
function reference(nets: [number, number][], a: number): string | undefined {
  let best: [number, number] | undefined;
  for (const [v, p] of nets) {
    const same = p === 0 || v >>> (32 - p) === a >>> (32 - p);
    if (same && (!best || p >= best[1])) best = [v, p];
  }
  return best && `${toText(best[0])}/${best[1]}`;
}

describe('CidrSet', () => {
  it('gives the most specific IPv4 network holding an address', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 })), { maxLength: 30 }),
        fc.array(fc.nat(0xffffffff), { maxLength: 50 }),
        (raw, addrs) => {
          // Networks as written (host bits cleared); the same network twice keeps the last value.
          const nets = raw.map(([v, p]) => [p === 0 ? 0 : (v & (-1 << (32 - p))) >>> 0, p] as [number, number]);
          const set = new CidrSet<string>();
          for (const [v, p] of nets) expect(set.add(`${toText(v)}/${p}`, `${toText(v)}/${p}`)).toBe(true);
          expect(set.size).toBe(new Set(nets.map(([v, p]) => `${v}/${p}`)).size);
          // Addresses inside the networks and anywhere.
          for (const a of [...addrs, ...nets.map(([v]) => v)]) expect(set.get(toText(a))).toBe(reference(nets, a));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the most specific IPv6 network holding an address (short prefixes keyed by number, long ones by text)', () => {
    const bit = (b: Uint8Array, i: number) => (b[i >> 3] >> (7 - (i & 7))) & 1;
    const text = (b: Uint8Array) => ipv6ToString(b, 0);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 })), { maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(19), fc.integer({ min: 0, max: 128 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), { maxLength: 40 }),
        (raw, probes) => {
          const set = new CidrSet<string>();
          for (const [b, p] of raw) expect(set.add(`${text(b)}/${p}`, `${text(b)}/${p}`)).toBe(true);
          const reference = (a: Uint8Array): string | undefined => {
            let best: [Uint8Array, number] | undefined;
            for (const [b, p] of raw) {
              let same = true;
              for (let i = 0; i < p && same; i++) same = bit(a, i) === bit(b, i);
              if (same && (!best || p >= best[1])) best = [b, p];
            }
            return best && `${text(best[0])}/${best[1]}`;
          };
          // Probes: a network's address with its bits from `keep` on taken from random bytes.
          for (const [k, keep, rnd] of probes) {
            const a = raw.length > 0 ? Uint8Array.from(raw[k % raw.length][0]) : rnd;
            for (let i = keep; i < 128; i++) if (bit(rnd, i) !== bit(a, i)) a[i >> 3] ^= 1 << (7 - (i & 7));
            expect(set.get(text(a))).toBe(reference(a));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps IPv4 and IPv6 networks apart, most specific first', () => {
    const set = new CidrSet<string>();
    set.add('10.0.0.0/8', 'a');
    set.add('10.1.0.0/16', 'b');
    set.add('0.0.0.0/0', 'any4');
    set.add('fc00::/7', 'ula');
    set.add('fd00::1/128', 'host');
    expect(set.get('10.1.2.3')).toBe('b');
    expect(set.get('10.2.0.1')).toBe('a');
    expect(set.get('192.0.2.1')).toBe('any4');
    expect(set.get('255.255.255.255')).toBe('any4');
    expect(set.get('fd00::1')).toBe('host');
    expect(set.get('fd00::2')).toBe('ula');
    expect(set.get('2001:db8::1')).toBeUndefined();
    expect(set.get('not an address')).toBeUndefined();
    // Leading zeros are read as parseIp reads them.
    expect(set.get('010.001.002.003')).toBe('b');
  });
});
