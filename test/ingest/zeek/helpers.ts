import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import type { ConnRecord, DnsRecord, HttpRecord, RecordSink, SslRecord } from '../../../src/core/records.js';
import { ZeekLogParser } from '../../../src/ingest/zeek/index.js';

/** The shared corpus, beside the project (never copied into it). */
export const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/corpus');
export const HAVE_CORPUS = existsSync(CORPUS);
if (!HAVE_CORPUS) console.warn(`Zeek reader corpus tests skipped: no corpus at ${CORPUS}`);

export function corpus(...parts: string[]): string {
  return path.join(CORPUS, ...parts);
}

/** A sink that keeps every record, by kind, in arrival order. */
export class CollectingSink implements RecordSink {
  readonly conns: ConnRecord[] = [];
  readonly dnss: DnsRecord[] = [];
  readonly https: HttpRecord[] = [];
  readonly ssls: SslRecord[] = [];
  conn(r: ConnRecord): void {
    this.conns.push(r);
  }
  dns(r: DnsRecord): void {
    this.dnss.push(r);
  }
  http(r: HttpRecord): void {
    this.https.push(r);
  }
  ssl(r: SslRecord): void {
    this.ssls.push(r);
  }
  all(): unknown[] {
    return [...this.conns, ...this.dnss, ...this.https, ...this.ssls];
  }
}

/** A Readable that yields `data` in chunks of `size` bytes (or of the sizes `sizes` cycles through). */
export function chunkedStream(data: Buffer, size: number | number[]): Readable {
  const sizes = Array.isArray(size) ? size : [size];
  let k = 0;
  function* gen(): Generator<Buffer> {
    for (let i = 0; i < data.length; ) {
      const n = Math.max(1, sizes[k++ % sizes.length]);
      yield data.subarray(i, i + n);
      i += n;
    }
  }
  return Readable.from(gen(), { objectMode: false });
}

/** Deterministic pseudo-random chunk sizes (xorshift), for split tests that can be replayed. */
export function randomSizes(seed: number, count: number, max: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(1 + (x % max));
  }
  return out;
}

/** Every file below `dir`, depth first, in name order. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** A log file's bytes, gunzipped when they are gzip. */
export function loadLog(file: string): Buffer {
  const raw = readFileSync(file);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

/**
 * One log read by ZeekLogParser, fed `split` bytes at a time (all at once without it), with the
 * fast readers (tsv-fast.ts' prefix parsers, json-fast.ts) or without them (the generic TSV loop
 * and JSON.parse): its records, statistics and anomalies.
 */
export function parseLog(data: Buffer, fast: boolean, file = 'x.log', split?: number) {
  const sink = new CollectingSink();
  const anomalies = new AnomalyCounter();
  const p = new ZeekLogParser(file, sink, { anomalies, prefixParsers: fast });
  const step = split ?? data.length;
  for (let i = 0; i < data.length; i += step) p.push(data.subarray(i, i + step));
  p.end();
  return { records: sink.all(), stats: p.stats, anomalies: anomalies.toJSON() };
}

/** With and without the fast readers, the same records, statistics and anomalies; returns the record count. */
export function expectSameBothWays(data: Buffer, file = 'x.log', split?: number): number {
  const reference = parseLog(data, false, file, split);
  const fast = parseLog(data, true, file, split);
  expect(fast.records).toStrictEqual(reference.records);
  expect(fast.stats).toStrictEqual(reference.stats);
  expect(fast.anomalies).toStrictEqual(reference.anomalies);
  return reference.records.length;
}
