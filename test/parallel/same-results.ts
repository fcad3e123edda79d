/**
 * Shared by the same-findings tests: runs the pipeline from the compiled tree with a given
 * number of workers and compares everything a run produces.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { buildCompiledTree, ROOT } from './compiled-tree.js';

export const CORPUS = path.resolve(ROOT, '../shared/corpus');
export const SAMPLE = path.join(ROOT, 'samples/c2-sample.pcap');

type Pipeline = typeof import('../../src/pipeline.js');
type Anomaly = typeof import('../../src/core/anomaly.js');

let pipeline: Pipeline;
let anomalyMod: Anomaly;

/** Loads the pipeline from the compiled tree (call in beforeAll). */
export async function loadCompiled(): Promise<void> {
  const tree = buildCompiledTree();
  pipeline = (await import(path.join(tree.dist, 'pipeline.js'))) as Pipeline;
  anomalyMod = (await import(path.join(tree.dist, 'core/anomaly.js'))) as Anomaly;
}

export interface Outcome {
  findings: string;
  conns: string[];
  summary: unknown;
}

export async function run(inputs: string[], workers: number, stdinFile?: string): Promise<Outcome> {
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
      closedTcp: r.flowStats?.closedTcp,
      reused: r.flowStats?.reused,
      zeek: r.zeek && { ...r.zeek, files: r.zeek.files.map((f) => ({ ...f, truncated: f.truncated?.message, abandoned: f.abandoned?.message })) },
      detection: r.detection,
      anomalies: anomalies.toJSON(),
    },
  };
}

/** Runs with 1 worker, then with each count, and asserts the same results. */
export async function expectSame(inputs: string[], workerCounts = [2], stdinFile?: string): Promise<Outcome> {
  const one = await run(inputs, 1, stdinFile);
  for (const n of workerCounts) {
    const many = await run(inputs, n, stdinFile);
    expect(many.conns, `conn records with --workers ${n}`).toEqual(one.conns);
    expect(many.summary, `accounting with --workers ${n}`).toEqual(one.summary);
    expect(many.findings, `findings with --workers ${n}`).toBe(one.findings);
  }
  return one;
}

