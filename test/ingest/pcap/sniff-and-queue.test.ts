/**
 * Format sniffing from the first bytes, and the ByteQueue's zero-copy take/consume.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../../src/ingest/byte-queue.js';
import { sniffFormat } from '../../../src/ingest/sniff.js';

describe('sniffFormat', () => {
  it.each([
    ['d4c3b2a1', 'pcap'],
    ['a1b2c3d4', 'pcap'],
    ['4d3cb2a1', 'pcap'],
    ['a1b23c4d', 'pcap'],
    ['0a0d0d0a', 'pcapng'],
    ['1f8b0800', 'gzip'],
    ['1f8b', 'gzip'],
    ['23736570', 'zeek-tsv'],
    ['0923736570', 'zeek-tsv'],
    ['efbbbf7b22', 'zeek-json'],
    ['7b227473', 'zeek-json'],
    ['4c6f7265', 'unknown'],
    ['a1b2cd34', 'pcap'],
    ['34cdb2a1', 'pcap'],
    ['a1b2cd35', 'unknown'],
    ['d4c3', 'unknown'],
    ['', 'unknown'],
  ])('%s -> %s', (hex, expected) => {
    expect(sniffFormat(Buffer.from(hex, 'hex'))).toBe(expected);
  });
});

describe('ByteQueue', () => {
  it('returns the chunk itself when the bytes sit in it', () => {
    const q = new ByteQueue();
    const a = Buffer.from('abcdef');
    q.push(a);
    q.take(4);
    expect(q.outBuf).toBe(a);
    expect(q.outOff).toBe(0);
    q.take(2);
    expect(q.outBuf).toBe(a);
    expect(q.outOff).toBe(4);
    expect(q.length).toBe(0);
    expect(q.consumed).toBe(6);
  });

  it('copies once when the bytes straddle chunks', () => {
    const q = new ByteQueue();
    const a = Buffer.from('abc');
    const b = Buffer.from('defg');
    q.push(a);
    q.push(b);
    q.skip(1);
    q.take(4);
    expect(q.outBuf).not.toBe(a);
    expect(q.outBuf).not.toBe(b);
    expect(q.outBuf.subarray(q.outOff, q.outOff + 4).toString()).toBe('bcde');
    expect(q.headAvail).toBe(2);
    expect(q.head).toBe(b);
  });

  it('consume(n) gives the same bytes as a copy of the input, for any chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (bytes, cuts, takes) => {
          const input = Buffer.from(bytes);
          const q = new ByteQueue();
          let off = 0;
          let i = 0;
          while (off < input.length) {
            const n = cuts[i++ % cuts.length];
            q.push(input.subarray(off, off + n));
            off += n;
          }
          expect(q.length).toBe(input.length);
          let pos = 0;
          let j = 0;
          while (q.length > 0) {
            const n = Math.min(takes[j++ % takes.length], q.length);
            const peek = Buffer.alloc(n);
            q.peekInto(peek, n);
            const got = q.consume(n);
            expect(got.equals(input.subarray(pos, pos + n))).toBe(true);
            expect(peek.equals(got)).toBe(true);
            pos += n;
            expect(q.consumed).toBe(pos);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles a long run of 1-byte chunks without quadratic shifting', () => {
    const q = new ByteQueue();
    for (let i = 0; i < 200_000; i++) q.push(Buffer.from([i & 0xff]));
    let sum = 0;
    while (q.length > 0) {
      q.take(1);
      sum += q.outBuf[q.outOff];
    }
    expect(sum).toBe(Array.from({ length: 200_000 }, (_, i) => i & 0xff).reduce((a, b) => a + b, 0));
  });
});
