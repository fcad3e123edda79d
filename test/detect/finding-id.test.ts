/**
 * findingId (src/detect/context.ts) hashes the detector and key fields in one piece: the ids
 * are the ones the piece-by-piece digest gave (the 16 first hex digits of SHA-256 over the
 * detector, then NUL and each field, `-` for null), for any text, lone surrogates included.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingId } from '../../src/detect/context.js';

function pieceByPiece(detector: string, key: (string | number | null)[]): string {
  const h = createHash('sha256');
  h.update(detector);
  for (const k of key) h.update('\u0000' + (k === null ? '-' : String(k)));
  return h.digest('hex').slice(0, 16);
}

describe('findingId', () => {
  it('gives the piece-by-piece digest', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constantFrom('\ud800', '\udc00', 'é', '\u0000')), { maxLength: 6 }), (key) => {
        expect(findingId('beacon', ...key)).toBe(pieceByPiece('beacon', key));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a known id', () => {
    // A finding of the bench capture (bench/gen-capture.mjs) as the earlier builds wrote it.
    expect(findingId('suspicious_port', '10.195.120.111', '37.141.25.66', 8080, 'tcp')).toBe('c7cb73a09d49dc61');
    expect(findingId('scan', null)).toMatch(/^[0-9a-f]{16}$/);
  });
});
