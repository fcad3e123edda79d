import { describe, expect, it } from 'vitest';
import { CELL_BYTES, EntropySlab, SMALL_CELL_BYTES } from '../../src/app/entropy.js';

/** Straightforward reference: byte histogram, plug-in entropy plus Miller-Madow, in thousandths. */
function reference(b: Buffer): number {
  const h = new Array<number>(256).fill(0);
  for (const x of b) h[x]++;
  let e = 0;
  let bins = 0;
  for (const k of h) {
    if (k === 0) continue;
    bins++;
    e -= (k / b.length) * Math.log2(k / b.length);
  }
  e += (bins - 1) / (2 * b.length * Math.LN2);
  return Math.round(Math.min(8, Math.max(0, e)) * 1000);
}

/** Deterministic pseudo-random bytes (a 32-bit LCG), so the expected values never move. */
function lcgBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('EntropySlab', () => {
  // Lengths on both sides of the word-wise path's threshold and chunk size, at odd offsets.
  const lengths = [1, 3, 63, 64, 65, 255, 1023, 1024, 4095, 4096, 4097, 9001];
  const data = Buffer.concat([lcgBytes(6000, 7), Buffer.from('GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(100), 'latin1')]);

  it('counts a whole sample the same whatever its length and alignment', () => {
    for (const n of lengths) {
      const slab = new EntropySlab(Math.min(n, 65535));
      for (const off of [0, 1, 2, 3, 5997 - Math.min(n, 5997)]) {
        const piece = data.subarray(off, off + n);
        expect(slab.milliValueOf(data, off, n), `n=${n} off=${off}`).toBe(reference(piece));
      }
    }
  });

  it('counts the same from buffers that start at any offset of their memory, read alternately', () => {
    // Words are read in place from the buffer's ArrayBuffer: byteOffset decides the alignment,
    // and switching between buffers must not reuse the other one's view.
    const slab = new EntropySlab(4096);
    const memA = new ArrayBuffer(20000);
    const memB = new ArrayBuffer(9000);
    for (const n of [64, 65, 67, 1000, 4096]) {
      for (const byteOffset of [0, 1, 2, 3, 4097]) {
        const a = Buffer.from(memA, byteOffset, 10000);
        data.copy(a, 0, 0, 6000);
        const b = Buffer.from(memB, 3 - (byteOffset & 3), 6001);
        data.copy(b, 0, 3000, 9001);
        for (const off of [0, 1, 2, 3, 1001]) {
          expect(slab.milliValueOf(a, off, n), `a n=${n} byteOffset=${byteOffset} off=${off}`).toBe(reference(a.subarray(off, off + n)));
          expect(slab.milliValueOf(b, off, n), `b n=${n} byteOffset=${byteOffset} off=${off}`).toBe(reference(b.subarray(off, off + n)));
        }
      }
    }
  });

  it('keeps a small sample as raw bytes and moves it to a histogram when it grows, same value', () => {
    const slab = new EntropySlab(1024);
    const S = SMALL_CELL_BYTES;
    const pieceLists = [[5], [CELL_BYTES], [100, 100, 56], [100, 100, 57], [3, 250, 700], [200, 824]];
    // Small cell, then a cell, then a histogram, with each move exactly at and just past the sizes.
    pieceLists.push([40], [S], [40, S - 40], [40, S - 39], [40, 100, CELL_BYTES - 140], [40, 100, CELL_BYTES - 139], [S, CELL_BYTES - S], [10, 300], [1, 1, 1, 1000]);
    for (const pieces of pieceLists) {
      let slot = slab.allocFor(pieces[0]);
      let n = 0;
      let off = 11;
      for (const len of pieces) {
        slot = slab.addAt(slot, n, data, off, len);
        expect(slot).toBeGreaterThanOrEqual(0);
        n += len;
        off += len;
      }
      expect(slab.milliValue(slot, n), pieces.join('+')).toBe(reference(data.subarray(11, off)));
      slab.release(slot);
    }
    // A first piece larger than a cell goes to a histogram at once.
    const big = slab.allocFor(CELL_BYTES + 1);
    expect(slab.addAt(big, 0, data, 0, CELL_BYTES + 1)).toBe(big);
    expect(slab.milliValue(big, CELL_BYTES + 1)).toBe(reference(data.subarray(0, CELL_BYTES + 1)));
  });

  it('keeps thousands of interleaved samples apart while they move between cell sizes and histograms', () => {
    const slab = new EntropySlab(1024);
    const n = 5000; // more than one block of each cell size
    const slots = new Array<number>(n);
    const lens = new Array<number>(n).fill(0);
    const starts = new Array<number>(n);
    let x = 12345;
    const rnd = (m: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x >>> 8) % m;
    };
    for (let i = 0; i < n; i++) starts[i] = rnd(4000);
    let lost = 0;
    // Round after round, every sample grows by a small piece (1..48 bytes) until 1024 bytes.
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < n; i++) {
        const take = Math.min(1 + rnd(48), 1024 - lens[i]);
        if (take <= 0) continue;
        const off = starts[i] + lens[i];
        if (lens[i] === 0) slots[i] = slab.allocFor(take);
        slots[i] = slab.addAt(slots[i], lens[i], data, off, take);
        if (slots[i] < 0) lost++;
        lens[i] += take;
      }
      if (round === 1 || round === 8 || round === 29) {
        expect(lost).toBe(0);
        for (let i = 0; i < n; i += 7) expect(slab.milliValue(slots[i], lens[i]), `sample ${i} at round ${round}`).toBe(reference(data.subarray(starts[i], starts[i] + lens[i])));
      }
    }
    for (let i = 0; i < n; i++) slab.release(slots[i]);
  });

  it('gives a sample built in slab pieces the value of the same bytes in one piece', () => {
    const slab = new EntropySlab(9001);
    const slot = slab.alloc();
    let off = 1;
    for (const n of [7, 64, 1, 300, 4096, 2000, 3]) {
      slab.add(slot, data, off, n);
      off += n;
    }
    const n = off - 1;
    expect(slab.milliValue(slot, n)).toBe(reference(data.subarray(1, off)));
    expect(slab.milliValue(slot, n)).toBe(slab.milliValueOf(data, 1, n));
    slab.release(slot);
    // A released slot comes back zeroed.
    const again = slab.alloc();
    expect(again).toBe(slot);
    slab.add(again, data, 0, 100);
    expect(slab.milliValue(again, 100)).toBe(reference(data.subarray(0, 100)));
  });

  it('reads clear text low and random bytes close to 8', () => {
    const slab = new EntropySlab(1024);
    const text = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(30), 'latin1');
    expect(slab.milliValueOf(text, 0, 1024)).toBeLessThan(4500);
    expect(slab.milliValueOf(data, 0, 1024)).toBeGreaterThan(7800);
  });
});
