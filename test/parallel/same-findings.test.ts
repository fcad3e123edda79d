/**
 * `--workers 1` and `--workers N` give the same findings, byte for byte and in the same order,
 * and the same flows, accounting and anomaly counts, on the bundled sample, on the Zeek log
 * sets and on the C2 captures of the corpus.
 */
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompiledTree, ROOT } from './compiled-tree.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus');
const SAMPLE = path.join(ROOT, 'samples/c2-sample.pcap');

type Pipeline = typeof import('../../src/pipeline.js');
type Anomaly = typeof import('../../src/core/anomaly.js');

let tree: ReturnType<typeof buildCompiledTree>;
let pipeline: Pipeline;
let anomalyMod: Anomaly;

beforeAll(async () => {
  tree = buildCompiledTree();
  pipeline = (await import(path.join(tree.dist, 'pipeline.js'))) as Pipeline;
  anomalyMod = (await import(path.join(tree.dist, 'core/anomaly.js'))) as Anomaly;
});
afterAll(() => tree?.remove());

interface Outcome {
  findings: string;
  conns: string[];
  summary: unknown;
}

async function run(inputs: string[], workers: number, stdinFile?: string): Promise<Outcome> {
  const anomalies = new anomalyMod.AnomalyCounter();
  const classified = await pipeline.classifyInputs(inputs, stdinFile ? createReadStream(stdinFile) : undefined);
  const conns: string[] = [];
  const r = await pipeline.runAnalysis({
    inputs: classified,
    detect: { sourceNames: inputs },
    anomalies,
    workers,
    onConn: (c) => conns.push(JSON.stringify(c)),
  });
  conns.sort();
  return {
    findings: JSON.stringify(r.findings),
    conns,
    summary: {
      inputs: r.inputs,
      packets: r.packets,
      lines: r.lines,
      flows: r.flows,
      partial: r.partial,
      captures: r.captures.map((c) => ({ ...c, error: c.error?.message })),
      flowsEmitted: r.flowStats?.flowsEmitted,
      flushedAtEnd: r.flowStats?.flushedAtEnd,
      expiredByTimeout: r.flowStats?.expiredByTimeout,
      zeek: r.zeek && { ...r.zeek, files: r.zeek.files.map((f) => ({ ...f, truncated: f.truncated?.message, abandoned: f.abandoned?.message })) },
      detection: r.detection,
      anomalies: anomalies.toJSON(),
    },
  };
}

async function expectSame(inputs: string[], workerCounts = [2], stdinFile?: string): Promise<Outcome> {
  const one = await run(inputs, 1, stdinFile);
  for (const n of workerCounts) {
    const many = await run(inputs, n, stdinFile);
    expect(many.conns, `conn records with --workers ${n}`).toEqual(one.conns);
    expect(many.summary, `accounting with --workers ${n}`).toEqual(one.summary);
    expect(many.findings, `findings with --workers ${n}`).toBe(one.findings);
  }
  return one;
}

describe('same findings for any number of workers: bundled sample', () => {
  it('samples/c2-sample.pcap', async () => {
    const one = await expectSame([SAMPLE], [2, 3, 5]);
    // Not a vacuous comparison: the sample holds a beacon.
    expect(JSON.parse(one.findings).length).toBeGreaterThan(0);
    expect(one.conns.length).toBeGreaterThan(10);
  });
});

describe.skipIf(!existsSync(CORPUS))('same findings for any number of workers: corpus (skipped: ../shared/corpus is missing)', () => {
  const c2 = path.join(CORPUS, 'c2');
  const zeekSets = path.join(CORPUS, 'zeek-logs');
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
