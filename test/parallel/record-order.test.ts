/**
 * The sharded capture path feeds the DetectionEngine the same records as one thread, but in
 * another (deterministic) order: batch by batch rather than in the single flow table's emit
 * order. That is only sound while the engine's findings do not depend on the order of its
 * input. This test feeds the same records in their original, reversed and shuffled orders and
 * asserts byte-identical findings, over the sample and the C2 captures of the corpus.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../../src/core/records.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { DecodeStatus } from '../../src/core/packet.js';
import type { RecordSink } from '../../src/core/records.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { readCapture } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { ROOT } from './compiled-tree.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus');
const SAMPLE = path.join(ROOT, 'samples/c2-sample.pcap');

type Rec = ['conn', ConnRecord] | ['dns', DnsRecord] | ['http', HttpRecord] | ['ssl', SslRecord];

/** Every record one thread produces from the captures (conn, dns, http, ssl), in emit order. */
async function records(inputs: string[]): Promise<Rec[]> {
  const out: Rec[] = [];
  const anomalies = new AnomalyCounter();
  const sink: RecordSink = {
    conn: (r) => void out.push(['conn', r]),
    dns: (r) => void out.push(['dns', r]),
    http: (r) => void out.push(['http', r]),
    ssl: (r) => void out.push(['ssl', r]),
  };
  const decoder = new PacketDecoder(anomalies);
  const table = new FlowTable({ emit: (c) => sink.conn(c), appFactory: createAppAnalyzerFactory(sink, anomalies), anomalies });
  for (let i = 0; i < inputs.length; i++) {
    await readCapture(inputs[i], i, (m, st) => st === DecodeStatus.Ip && table.addPacket(m), { anomalies, decoder });
  }
  table.flush();
  expect(out.filter((r) => r[0] === 'conn').length).toBe(table.stats.flowsEmitted);
  return out;
}

function findings(recs: Rec[], sourceNames: string[]): string {
  const e = new DetectionEngine({ sourceNames }, new AnomalyCounter());
  for (const [k, r] of recs) (e[k] as (x: unknown) => void)(r);
  return JSON.stringify(e.finish());
}

function shuffled<T>(a: T[], seed: number): T[] {
  const out = a.slice();
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function expectOrderFree(inputs: string[]): Promise<void> {
  const recs = await records(inputs);
  const base = findings(recs, inputs);
  expect(findings(recs.slice().reverse(), inputs)).toBe(base);
  for (const seed of [1, 2, 3]) expect(findings(shuffled(recs, seed), inputs)).toBe(base);
}

describe('DetectionEngine findings do not depend on the order of its records', () => {
  it('samples/c2-sample.pcap', async () => {
    await expectOrderFree([SAMPLE]);
  });

  const c2 = path.join(CORPUS, 'c2');
  const captures = existsSync(c2)
    ? readdirSync(c2).flatMap((d) => readdirSync(path.join(c2, d)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => path.join(c2, d, f)))
    : [];
  it.skipIf(captures.length === 0)('C2 captures of the corpus (skipped when ../shared/corpus is missing)', async () => {
    for (const f of captures) await expectOrderFree([f]);
  });
});
