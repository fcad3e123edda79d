import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildC2Sample } from '../../src/synth/c2-sample.js';

const SAMPLE = fileURLToPath(new URL('../../samples/c2-sample.pcap', import.meta.url));

describe('bundled sample capture', () => {
  it('is exactly what the deterministic generator writes (run `npm run samples` after changing it)', () => {
    const generated = buildC2Sample();
    const committed = readFileSync(SAMPLE);
    const h = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(h(committed)).toBe(h(generated));
  });
});
