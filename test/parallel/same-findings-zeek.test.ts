/**
 * `--workers 1` and `--workers N` give the same findings and the same line accounting on Zeek
 * logs: every log set of the corpus, the C2 folders' logs, standard input in its place, and
 * logs mixed with captures in one run.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, expectSame, loadCompiled, SAMPLE } from './same-results.js';

beforeAll(loadCompiled);

describe.skipIf(!existsSync(CORPUS))('same findings for any number of workers: Zeek logs', () => {
  const c2 = path.join(CORPUS, 'c2');
  const zeekSets = path.join(CORPUS, 'zeek-logs');
  const captures = existsSync(c2)
    ? readdirSync(c2).flatMap((d) => readdirSync(path.join(c2, d)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => path.join(c2, d, f)))
    : [];
  const sets = existsSync(zeekSets) ? readdirSync(zeekSets).map((d) => path.join(zeekSets, d)) : [];
  it('every Zeek log set of zeek-logs/ in one run (TSV, JSON, gzip, rotated, open connections)', async () => {
    expect(sets.length).toBeGreaterThan(3);
    const one = await expectSame(sets, [2, 3]);
    expect(JSON.parse(one.findings).length).toBeGreaterThan(0);
    expect((one.summary as { lines: { read: number } }).lines.read).toBeGreaterThan(1000);
  });

  it('Zeek logs from the C2 folders, file by file and as directories', async () => {
    const dirs = ['slips-ctu-sme-11-remcosrat-labeled-zeek', 'zeek-merlin-c2-quic'].map((d) => path.join(c2, d));
    const one = await expectSame(dirs);
    expect(JSON.parse(one.findings).length).toBeGreaterThan(0);
    await expectSame([path.join(c2, 'slips-ctu-sme-11-remcosrat-labeled-zeek', 'conn.log.labeled'), path.join(c2, 'slips-ctu-sme-11-remcosrat-labeled-zeek', 'dns.log.labeled')]);
  });

  it('standard input (-) in its place among the inputs: a capture, and a Zeek log', async () => {
    const cap = await expectSame(['-'], [2], SAMPLE);
    expect(JSON.parse(cap.findings).length).toBeGreaterThan(0);
    const log = path.join(c2, 'slips-ctu-sme-11-remcosrat-labeled-zeek', 'conn.log.labeled');
    const z = await expectSame([path.join(zeekSets, 'rita-proxy-beacon-tsv'), '-', path.join(zeekSets, 'slips-test10-tsv')], [2], log);
    expect((z.summary as { lines: { read: number } }).lines.read).toBeGreaterThan(100);
  });

  it('captures and Zeek logs mixed in one run', async () => {
    await expectSame([SAMPLE, path.join(zeekSets, 'rita-proxy-rolling-gzip'), ...captures.slice(0, 2)], [2]);
  });
});
