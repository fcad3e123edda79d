/**
 * Frames that lie whole in a read chunk go to the workers as references into a shared chunk
 * slot; the others (a frame across two chunks, a chunk without a free slot) are copied into
 * the batch. Whatever the read size, and so whatever the mix, the records are the same.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCompiledTree } from './compiled-tree.js';
import { CORPUS, SAMPLE } from './same-results.js';

type CaptureParallel = typeof import('../../src/parallel/capture-parallel.js');
type Anomaly = typeof import('../../src/core/anomaly.js');

let cp: CaptureParallel;
let anomalyMod: Anomaly;

beforeAll(async () => {
  const tree = buildCompiledTree();
  cp = (await import(path.join(tree.dist, 'parallel/capture-parallel.js'))) as CaptureParallel;
  anomalyMod = (await import(path.join(tree.dist, 'core/anomaly.js'))) as Anomaly;
});

async function records(files: string[], workers: number, chunkSize?: number): Promise<{ recs: string[]; anomalies: unknown; captures: unknown }> {
  const anomalies = new anomalyMod.AnomalyCounter();
  const recs: string[] = [];
  const put = (kind: string) => (r: unknown) => void recs.push(kind + JSON.stringify(r));
  const r = await cp.analyzeCapturesParallel(files.map((f, index) => ({ path: f, index })), { conn: put('conn'), dns: put('dns'), http: put('http'), ssl: put('ssl') }, { anomalies, workers, chunkSize });
  recs.sort();
  return { recs, anomalies: anomalies.counts, captures: r.captures };
}

async function expectSameForReadSizes(files: string[]): Promise<number> {
  const base = await records(files, 2);
  // 1500 bytes: most frames cross a chunk boundary (copied); 64 KiB: most lie whole (references).
  for (const size of [1500, 65536]) {
    const other = await records(files, 2, size);
    expect(other.recs, `records with ${size}-byte reads`).toEqual(base.recs);
    expect(other.anomalies).toEqual(base.anomalies);
    expect(other.captures).toEqual(base.captures);
  }
  return base.recs.length;
}

describe('frame references and copied frames give the same records', () => {
  it('samples/c2-sample.pcap', async () => {
    expect(await expectSameForReadSizes([SAMPLE])).toBeGreaterThan(10);
  });
});

/** Captures under `dir` (one level of subfolders), by name. */
function capturesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? readdirSync(path.join(dir, d.name)).map((f) => path.join(dir, d.name, f)) : [path.join(dir, d.name)]))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort();
}

describe.skipIf(!existsSync(CORPUS))('frame references: corpus (skipped when ../shared/corpus is missing)', () => {
  it('the malformed and C2 captures', async () => {
    const files = [...capturesIn(path.join(CORPUS, 'malformed')), ...capturesIn(path.join(CORPUS, 'c2'))];
    expect(files.length).toBeGreaterThan(3);
    // One run over all of them (one flow table across files, as in `analyze`).
    expect(await expectSameForReadSizes(files)).toBeGreaterThan(100);
  });
});
