/**
 * The reader's string caches (values.ts): whatever collides in a slot or bucket, a lookup
 * returns the text of the bytes it was given, never another entry's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteStringCache, HASH_SEED, v4Text } from '../../../src/ingest/zeek/values.js';

const b = (s: string) => Buffer.from(s, 'latin1');

/** The hash the callers pass: HASH_SEED, FNV-1a over the bytes, then the length. */
function tokenHash(buf: Buffer): number {
  let h = HASH_SEED;
  for (const c of buf) h = Math.imul(h ^ c, 0x01000193);
  return Math.imul(h ^ buf.length, 0x01000193);
}

const quad = (ip: number) => `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;

describe('IPv4 text cache', () => {
  it('returns the text of the address asked for, across bucket collisions and evictions', () => {
    // 40,000 addresses over the cache's buckets: many share one; looked up in random order, repeatedly.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 39_999 }), { minLength: 2000, maxLength: 2000 }), fc.integer(), (picks, seed) => {
        for (const k of picks) {
          const ip = Math.imul(k + 1, 0x01000193) ^ seed; // an int32, as the parsers compute it
          const text = quad(ip);
          const buf = b(`x\t${text}\t`);
          expect(v4Text(buf, 2, 2 + text.length, ip | 0)).toBe(text);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('returns each of three addresses that share a bucket, in any order', () => {
    // Find three addresses in one bucket whatever its size (at most 2^16 buckets).
    const byBucket = new Map<number, number[]>();
    let trio: number[] | undefined;
    for (let ip = 1; trio === undefined; ip++) {
      const bucket = Math.imul(ip, 0x9e3779b1) >>> 16;
      const list = byBucket.get(bucket) ?? [];
      list.push(ip);
      byBucket.set(bucket, list);
      if (list.length === 3) trio = list;
    }
    const look = (ip: number) => {
      const t = quad(ip);
      return v4Text(b(t), 0, t.length, ip);
    };
    for (const round of [0, 1, 2]) {
      for (const ip of round === 1 ? [...trio].reverse() : trio) expect(look(ip)).toBe(quad(ip));
    }
  });
});

describe('token cache', () => {
  it('returns the text of the bytes asked for, across slot collisions', () => {
    const cache = new ByteStringCache(3); // 8 slots: nearly every lookup collides
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[ -~]{0,12}$/), { minLength: 1, maxLength: 300 }), (words) => {
        for (const w of words) {
          const buf = b(`\t${w}\t`);
          expect(cache.intern(buf, 1, w.length, tokenHash(b(w)))).toBe(w);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('compares the bytes when two values have the same hash', () => {
    const cache = new ByteStringCache(4);
    const h = tokenHash(b('SF'));
    // Same hash passed for different bytes (as a real FNV collision would be): the bytes decide.
    expect(cache.intern(b('SF'), 0, 2, h)).toBe('SF');
    expect(cache.intern(b('S0'), 0, 2, h)).toBe('S0');
    expect(cache.intern(b('SF'), 0, 2, h)).toBe('SF');
    expect(cache.intern(b('SHR'), 0, 3, h)).toBe('SHR');
    expect(cache.find(b('SF'), 0, 2, h)).toBeNull();
    expect(cache.find(b('SHR'), 0, 3, h)).toBe('SHR');
  });

  it('find then store: a miss is remembered, a hit returns the stored text', () => {
    const cache = new ByteStringCache(4);
    const w = b('2001:db8::1');
    const h = tokenHash(w);
    expect(cache.find(w, 0, w.length, h)).toBeNull();
    cache.store('2001:db8::1');
    expect(cache.find(w, 0, w.length, h)).toBe('2001:db8::1');
    const other = b('2001:db8::2');
    expect(cache.find(other, 0, other.length, tokenHash(other))).toBeNull();
  });
});
