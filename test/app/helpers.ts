/** Test helpers: run captures through the real reader, decoder, flow table and app analyzers. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { DecodeStatus } from '../../src/core/packet.js';
import type { ConnRecord, DnsRecord, HttpRecord, RecordSink, SslRecord } from '../../src/core/records.js';
import { readCaptureBuffer } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { createAppAnalyzerFactory, type AppOptions } from '../../src/app/index.js';

export const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');

/** Records collected from one run. */
export class CollectSink implements RecordSink {
  readonly conns: ConnRecord[] = [];
  readonly dnsRecs: DnsRecord[] = [];
  readonly httpRecs: HttpRecord[] = [];
  readonly sslRecs: SslRecord[] = [];
  conn(r: ConnRecord): void {
    this.conns.push(r);
  }
  dns(r: DnsRecord): void {
    this.dnsRecs.push(r);
  }
  http(r: HttpRecord): void {
    this.httpRecs.push(r);
  }
  ssl(r: SslRecord): void {
    this.sslRecs.push(r);
  }
}

export interface AppRun {
  sink: CollectSink;
  anomalies: AnomalyCounter;
}

/** Reads capture files (paths relative to the corpus) through the whole capture pipeline. */
export function appRecordsFromFiles(files: string[], opts: AppOptions = {}): AppRun {
  const anomalies = new AnomalyCounter();
  const sink = new CollectSink();
  const appFactory = createAppAnalyzerFactory(sink, anomalies, opts);
  const table = new FlowTable({ emit: (c) => sink.conn(c), anomalies, appFactory });
  const decoder = new PacketDecoder(anomalies);
  files.forEach((f, i) => {
    const full = path.join(CORPUS, f);
    readCaptureBuffer(readFileSync(full), full, i, (meta, status) => {
      if (status === DecodeStatus.Ip) table.addPacket(meta);
    }, { anomalies, decoder });
  });
  table.flush();
  return { sink, anomalies };
}

export interface BaselineRow {
  [field: string]: string;
}

/** Parses a Zeek btest baseline (TSV with #fields, or a zeek-cut -m file with one header line). */
export function readBaseline(file: string): BaselineRow[] {
  const lines = readFileSync(path.join(CORPUS, file), 'utf8').split('\n');
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

/** Zeek TSV rendering of a value, for comparing against baseline cells. */
export function z(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.map((x) => z(x)).join(',');
  return String(v);
}

/** Zeek's interval rendering (6 decimals). */
export function zi(v: number | null): string {
  return v === null ? '-' : v.toFixed(6);
}

/** Escape non-printable bytes of a string the way Zeek's TSV writer does (\xNN, backslash doubled). */
export function zeekEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out;
}
