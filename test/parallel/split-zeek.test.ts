/**
 * Split Zeek reading in the workers (each parses only its own sources' TSV lines): the same
 * findings, statistics, accounting, anomalies and conn records as every worker parsing every
 * line; clean log sets are merged without a second reading, and a file with bad lines makes
 * the run read everything again unsplit (`readAgain`), reporting nothing twice.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCompiledTree, ROOT } from './compiled-tree.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus');

type Sharded = typeof import('../../src/parallel/sharded-analysis.js');
type Anomaly = typeof import('../../src/core/anomaly.js');
let sharded: Sharded;
let anomalyMod: Anomaly;

beforeAll(async () => {
  const tree = buildCompiledTree();
  sharded = (await import(path.join(tree.dist, 'parallel/sharded-analysis.js'))) as Sharded;
  anomalyMod = (await import(path.join(tree.dist, 'core/anomaly.js'))) as Anomaly;
});

async function run(zeekInputs: string[], workers: number, splitZeek: boolean) {
  const anomalies = new anomalyMod.AnomalyCounter();
  const conns: string[] = [];
  const files: string[] = [];
  const r = await sharded.analyzeSharded({
    workers,
    detect: {},
    anomalies,
    captures: [],
    zeekInputs,
    zeek: { onFile: (f) => void files.push(f.file) },
    onConn: (c) => void conns.push(JSON.stringify(c)),
    splitZeek,
  });
  conns.sort();
  return {
    readAgain: r.readAgain,
    same: {
      findings: JSON.stringify(r.findings),
      detection: r.detection,
      zeek: r.zeek && { ...r.zeek, files: r.zeek.files.map((f) => ({ ...f, truncated: f.truncated?.message, abandoned: f.abandoned?.message })) },
      anomalies: anomalies.toJSON(),
      conns,
      files,
    },
  };
}

describe.skipIf(!existsSync(CORPUS))('split Zeek reading (skipped without ../shared/corpus)', () => {
  it('gives the unsplit results on every clean Zeek log set, without reading anything twice', async () => {
    const sets = readdirSync(path.join(CORPUS, 'zeek-logs')).map((d) => path.join(CORPUS, 'zeek-logs', d));
    const whole = await run(sets, 2, false);
    const split = await run(sets, 2, true);
    expect(split.readAgain).toBeNull();
    expect(split.same).toEqual(whole.same);
    expect(JSON.parse(split.same.findings).length).toBeGreaterThan(0);
    expect(split.same.conns.length).toBeGreaterThan(1000);
  });

  it('reads the run again unsplit after a file with bad lines, reporting each file and conn once', async () => {
    // A clean log before the malformed ones: its conns and its onFile call come from the
    // first reading only.
    const inputs = [path.join(CORPUS, 'zeek-logs', 'rita-proxy-beacon-tsv'), path.join(CORPUS, 'malformed')];
    const whole = await run(inputs, 2, false);
    const split = await run(inputs, 2, true);
    expect(split.readAgain).toMatch(/not exact/);
    expect(whole.readAgain).toBeNull();
    expect(split.same).toEqual(whole.same);
    expect(new Set(split.same.files).size).toBe(split.same.files.length);
  });
});
