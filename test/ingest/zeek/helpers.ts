import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ConnRecord, DnsRecord, HttpRecord, RecordSink, SslRecord } from '../../../src/core/records.js';

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
