/**
 * CidrSet (src/detect/cidr.ts) gives the value of the most specific network holding an
 * address: checked against a plain bit-by-bit comparison for random IPv4 networks (IPv4
 * networks are keyed by their masked 32-bit value) and fixed IPv6 ones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
