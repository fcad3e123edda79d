/** Test helpers: run captures through the real reader, decoder and flow table. */
import { readFileSync } from 'node:fs';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { DecodeStatus } from '../../src/core/packet.js';
import type { AppAnalyzerFactory, ConnRecord } from '../../src/core/records.js';
import { readCaptureBuffer } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { FlowTable } from '../../src/flow/flow-table.js';

export interface FlowRun {
  conns: ConnRecord[];
  anomalies: AnomalyCounter;
  table: FlowTable;
}

/** Reads the capture files in order into one flow table and returns every record. */
export function flowsFromFiles(files: string[], appFactory?: AppAnalyzerFactory): FlowRun {
  return flowsFromBuffers(files.map((f) => ({ name: f, data: readFileSync(f) })), appFactory);
}

/** Reads captures already in memory (e.g. built with src/synth) in order into one flow table. */
export function flowsFromBuffers(captures: { name: string; data: Buffer }[], appFactory?: AppAnalyzerFactory): FlowRun {
  const anomalies = new AnomalyCounter();
  const conns: ConnRecord[] = [];
  const table = new FlowTable({ emit: (c) => conns.push(c), anomalies, appFactory });
  const decoder = new PacketDecoder(anomalies);
  captures.forEach(({ name, data }, i) => {
    readCaptureBuffer(data, name, i, (meta, status) => {
      if (status === DecodeStatus.Ip) table.addPacket(meta);
    }, { anomalies, decoder });
  });
  table.flush();
  return { conns, anomalies, table };
}

export interface BaselineRow {
  [field: string]: string;
}

/**
 * Parses a Zeek btest conn.log baseline: skips the `###` btest line, reads `#fields`, or the
 * single plain header line of a `zeek-cut -m` file.
 */
export function readBaseline(path: string): BaselineRow[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  let fields: string[] | null = null;
  const rows: BaselineRow[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('###')) continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#fields\t')) fields = line.split('\t').slice(1);
      continue;
    }
    const cols = line.split('\t');
    if (fields === null) {
      fields = cols;
      continue;
    }
    const row: BaselineRow = {};
    fields.forEach((f, i) => (row[f] = cols[i]));
    rows.push(row);
  }
  return rows;
}
