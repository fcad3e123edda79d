/**
 * Captures walked by every worker (capture-walk.ts, `walkCaptures`) give what the main
 * thread's walk gives: findings, capture accounting, flow counters, anomalies and conn
 * records, on the bundled sample and the corpus' C2, link-type and malformed captures.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCompiledTree, ROOT } from './compiled-tree.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus');
const SAMPLE = path.join(ROOT, 'samples/c2-sample.pcap');

type Sharded = typeof import('../../src/parallel/sharded-analysis.js');
type Anomaly = typeof import('../../src/core/anomaly.js');
let sharded: Sharded;
let anomalyMod: Anomaly;

beforeAll(async () => {
  const tree = buildCompiledTree();
  sharded = (await import(path.join(tree.dist, 'parallel/sharded-analysis.js'))) as Sharded;
  anomalyMod = (await import(path.join(tree.dist, 'core/anomaly.js'))) as Anomaly;
});

function captures(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir).sort()) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) captures(p, out);
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e)) out.push(p);
  }
  return out;
}

async function run(files: string[], walkCaptures: boolean) {
  const anomalies = new anomalyMod.AnomalyCounter();
  const conns: string[] = [];
  const noted: string[] = [];
  const r = await sharded.analyzeSharded({
    workers: 2,
    detect: {},
    anomalies,
    captures: files.map((p, index) => ({ path: p, index })),
    capture: { onCapture: (c, st) => void noted.push(`${c.path} ${st.packetsRead}`) },
    zeekInputs: [],
    onConn: (c) => void conns.push(JSON.stringify(c)),
    walkCaptures,
  });
  conns.sort();
  return {
    findings: JSON.stringify(r.findings),
    detection: r.detection,
    captures: r.capture?.captures.map((c) => ({ ...c, error: c.error?.message })),
    flowStats: r.capture?.flowStats,
    anomalies: anomalies.toJSON(),
    conns,
    noted,
  };
}

describe('captures walked in every worker', () => {
  it('the bundled sample', async () => {
    const walked = await run([SAMPLE], true);
    expect(walked).toEqual(await run([SAMPLE], false));
    expect(JSON.parse(walked.findings).length).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(CORPUS))('the C2, link-type and malformed captures of the corpus in one run (skipped without ../shared/corpus)', async () => {
    const files = ['c2', 'linktypes', 'malformed'].flatMap((d) => captures(path.join(CORPUS, d)));
    expect(files.length).toBeGreaterThan(10);
    const walked = await run(files, true);
    expect(walked).toEqual(await run(files, false));
    expect(walked.conns.length).toBeGreaterThan(100);
  });
});
