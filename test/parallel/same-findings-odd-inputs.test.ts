/**
 * `--workers 1` and `--workers 2` agree on odd inputs too: every capture of the corpus' link
 * type, malformed and Zeek trace folders (big-endian, pcapng conformance files, raw IP, SLL2,
 * null/loopback, PPP, fuzzed and truncated files), read in one run, and the malformed Zeek
 * logs. Same findings, conn records, packet/line accounting and anomaly counts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompiledTree, ROOT } from './compiled-tree.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus');

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

function files(dir: string, test: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (test(e)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

async function outcome(inputs: string[], workers: number) {
  const anomalies = new anomalyMod.AnomalyCounter();
  const conns: string[] = [];
  const r = await pipeline.runAnalysis({
    inputs: await pipeline.classifyInputs(inputs),
    detect: { sourceNames: inputs },
    anomalies,
    workers,
    onConn: (c) => conns.push(JSON.stringify(c)),
  });
  conns.sort();
  return {
    findings: JSON.stringify(r.findings),
    conns,
    packets: r.packets,
    lines: r.lines,
    flows: r.flows,
    partial: r.partial,
    inputs: r.inputs,
    captures: r.captures.map((c) => ({ ...c, error: c.error?.message })),
    anomalies: anomalies.toJSON(),
  };
}

describe.skipIf(!existsSync(CORPUS))('same results for 1 and 2 workers on odd inputs', () => {
  const isCapture = (n: string) => /\.(pcap|pcapng|cap)(\.gz)?$/.test(n);
  it('every capture of linktypes/, malformed/ and zeek-traces/ in one run', async () => {
    const caps = ['linktypes', 'malformed', 'zeek-traces'].flatMap((d) => files(path.join(CORPUS, d), isCapture));
    expect(caps.length).toBeGreaterThan(20);
    const one = await outcome(caps, 1);
    const two = await outcome(caps, 2);
    expect(two.conns).toEqual(one.conns);
    expect(two).toEqual(one);
    // Not vacuous: packets were read, some were anomalies, flows were made.
    expect(one.packets.read).toBeGreaterThan(1000);
    expect(one.packets.skipped).toBeGreaterThan(0);
    expect(one.flows).toBeGreaterThan(50);
  });

  it('the malformed Zeek logs', async () => {
    const logs = files(path.join(CORPUS, 'malformed'), (n) => /\.log(\.gz)?$|\.json$|\.txt$/.test(n) && !/^README/i.test(n));
    expect(logs.length).toBeGreaterThan(0);
    const one = await outcome(logs, 1);
    expect(await outcome(logs, 2)).toEqual(one);
    expect(one.lines.read).toBeGreaterThan(0);
  });
});
