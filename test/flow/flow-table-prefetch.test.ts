/**
 * FlowTable.prefetch (the reader's lookahead, src/ingest/decode/packet-hints.ts) only loads:
 * conn records, app records and anomaly counts are the same with it, without it, and with
 * hints that are wrong on purpose. Runs the real reader, decoder, flow table and app layer
 * over the corpus's pcap and pcapng files, whole and in small chunks.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { DecodeStatus } from '../../src/core/packet.js';
import type { RecordSink } from '../../src/core/records.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { readCaptureBuffer } from '../../src/ingest/capture-reader.js';
import { PacketHints, type PacketPrefetcher } from '../../src/ingest/decode/packet-hints.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { captureFiles } from '../ingest/decode/capture-files.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../shared/corpus');

type Mode = 'none' | 'table' | 'scrambled';

/** Everything a run produces, as text: conn/dns/http/ssl records, anomalies, reader counts. */
function run(data: Buffer, name: string, mode: Mode, chunkSize?: number): { out: string; hintCalls: number } {
  const anomalies = new AnomalyCounter();
  const lines: string[] = [];
  const sink: RecordSink = {
    conn: () => {},
    dns: (r) => lines.push('dns ' + JSON.stringify(r)),
    http: (r) => lines.push('http ' + JSON.stringify(r)),
    ssl: (r) => lines.push('ssl ' + JSON.stringify(r)),
  };
  const table = new FlowTable({ emit: (c) => lines.push('conn ' + JSON.stringify(c)), anomalies, appFactory: createAppAnalyzerFactory(sink, anomalies) });
  const decoder = new PacketDecoder(anomalies);
  let hintCalls = 0;
  let prefetch: PacketPrefetcher | undefined;
  if (mode === 'table') {
    prefetch = { prefetch: (h) => { hintCalls++; table.prefetch(h); } };
  } else if (mode === 'scrambled') {
    // Wrong hints: other offsets, ports and address lengths; still only loads.
    const bad = new PacketHints();
    prefetch = {
      prefetch: (h) => {
        hintCalls++;
        bad.buf = h.buf;
        bad.n = h.n;
        for (let i = 0; i < h.n; i++) {
          bad.srcOff[i] = h.dstOff[(i + 1) % h.n];
          bad.dstOff[i] = h.srcOff[i];
          bad.addrLen[i] = h.addrLen[i] === 4 && h.srcOff[i] + 16 <= h.buf.length && h.dstOff[i] + 16 <= h.buf.length ? 16 : 4;
          bad.proto[i] = h.proto[i] ^ 23;
          bad.srcPort[i] = h.dstPort[i];
          bad.dstPort[i] = h.srcPort[i] + 1;
        }
        table.prefetch(bad);
      },
    };
  }
  const st = readCaptureBuffer(data, name, 0, (m, s) => {
    if (s === DecodeStatus.Ip) table.addPacket(m);
  }, { anomalies, decoder, prefetch, chunkSize });
  decoder.flush(name);
  table.flush();
  lines.push('stats ' + JSON.stringify({ ...st, error: st.error?.message }), 'table ' + JSON.stringify(table.stats), 'anomalies ' + JSON.stringify(anomalies.toJSON()));
  return { out: lines.join('\n'), hintCalls };
}

describe.skipIf(!existsSync(CORPUS))('FlowTable.prefetch changes no result (skipped: ../shared/corpus missing)', () => {
  const files = existsSync(CORPUS) ? captureFiles(CORPUS) : [];

  it('same records, anomalies and accounting with and without the lookahead, on every corpus pcap and pcapng file', () => {
    expect(files.length).toBeGreaterThan(50);
    let hinted = 0;
    for (const f of files) {
      const data = readFileSync(f);
      const plain = run(data, f, 'none');
      const ahead = run(data, f, 'table');
      hinted += ahead.hintCalls;
      expect(ahead.out, f).toBe(plain.out);
    }
    // The lookahead ran (a broken reader hook would make this test vacuous).
    expect(hinted).toBeGreaterThan(200);
  });

  it('same result in small read chunks (batches cut by chunk ends) and with wrong hints', () => {
    const picked = files.filter((f) => statSync(f).size > 50_000).slice(0, 6);
    expect(picked.length).toBeGreaterThan(2);
    for (const f of picked) {
      const data = readFileSync(f);
      const plain = run(data, f, 'none').out;
      fc.assert(
        fc.property(fc.integer({ min: 64, max: 20_000 }), fc.constantFrom<Mode>('table', 'scrambled'), (chunk, mode) => {
          expect(run(data, f, mode, chunk).out).toBe(plain);
        }),
        { numRuns: 4, seed: 7 },
      );
    }
  });
});
