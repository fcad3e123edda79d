/**
 * `--workers 1` and `--workers N` give the same findings, byte for byte and in the same order,
 * and the same conn records, accounting, flow-table and anomaly counts: captures (the bundled
 * sample and the C2 captures of the corpus). Zeek logs: same-findings-zeek.test.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, expectSame, loadCompiled, SAMPLE } from './same-results.js';

beforeAll(loadCompiled);

describe('same findings for any number of workers: bundled sample', () => {
  it('samples/c2-sample.pcap', async () => {
    const one = await expectSame([SAMPLE], [2, 3, 5]);
    // Not a vacuous comparison: the sample holds a beacon.
    expect(JSON.parse(one.findings).length).toBeGreaterThan(0);
    expect(one.conns.length).toBeGreaterThan(10);
  });
});

describe.skipIf(!existsSync(CORPUS))('same findings for any number of workers: corpus', () => {
  const c2 = path.join(CORPUS, 'c2');
  const captures = existsSync(c2)
    ? readdirSync(c2).flatMap((d) => readdirSync(path.join(c2, d)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => path.join(c2, d, f)))
    : [];

  for (const f of captures) {
    it(`capture ${path.relative(CORPUS, f)}`, async () => {
      await expectSame([f]);
    });
  }

  it('all C2 captures in one run (one flow table across files)', async () => {
    const one = await expectSame(captures, [2, 3]);
    expect(JSON.parse(one.findings).length).toBeGreaterThan(0);
  });
});
