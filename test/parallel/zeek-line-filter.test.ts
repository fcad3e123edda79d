/**
 * Split Zeek reading: the shard read from a raw TSV line (ShardLineFilter) is the shard of the
 * record the reader makes of that line, on every data line of the corpus' TSV logs and on
 * hand-made lines for the odd cases (active-FTP data, escapes, reordered columns, short
 * lines); and the byte hash equals the string hash.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { RecordSink } from '../../src/core/records.js';
import { normalizeDetectConfig } from '../../src/detect/config.js';
import { detectionShardKey, shardOfAddress, shardOfAddressBytes } from '../../src/detect/shard.js';
import { ZeekLogParser } from '../../src/ingest/zeek/parser.js';
import { readZeekFile } from '../../src/ingest/zeek/reader.js';
import { ShardLineFilter } from '../../src/parallel/zeek-line-filter.js';
import { internalV4Ranges, type InternalV4 } from '../../src/parallel/shard.js';
import { DEFAULT_INTERNAL_NETWORKS } from '../../src/detect/cidr.js';
import { ROOT } from './compiled-tree.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus');
const internal = normalizeDetectConfig({}).internal;
const isInternal = (ip: string): boolean => internal.has(ip);

/** A filter that lets every line through and notes the shard it computed for each. */
class Recording extends ShardLineFilter {
  last = -2;
  override keep(buf: Buffer, s: number, e: number): boolean {
    this.last = this.shardOfLine(buf, s, e);
    return true;
  }
}

/** Pairs of (shard from the raw line, shard of its record) over one input. */
function pairsOf(lines: string, n: number, v4: InternalV4 | null = null): [number, number][] {
  const f = new Recording(0, n, isInternal, v4);
  const out: [number, number][] = [];
  const note = (r: { origH: string; respH: string; service?: string | null }): void => void out.push([f.last, shardOfAddress(detectionShardKey(r, isInternal), n)]);
  const sink: RecordSink = { conn: note, dns: note, http: note, ssl: note };
  const p = new ZeekLogParser('test.log', sink, { anomalies: new AnomalyCounter(), lineFilter: f });
  p.push(Buffer.from(lines));
  p.end();
  return out;
}

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.log|\.labeled/.test(e)) out.push(p);
  }
  return out;
}

const CONN_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval',
].join('\n');

describe('shardOfAddressBytes', () => {
  it('equals shardOfAddress over the same characters (IPv4, IPv6, junk)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 }).map((t) => t.replace(/[^\x20-\x7e]/g, 'x'))), fc.integer({ min: 1, max: 9 }), (a, n) => {
        const b = Buffer.from(`\t${a}\t`, 'latin1');
        expect(shardOfAddressBytes(b, 1, b.length - 1, n)).toBe(shardOfAddress(a, n));
      }),
    );
  });
});

describe('ShardLineFilter', () => {
  it('keys active-FTP data from an external server by its internal client, in any case and escaped', () => {
    const lines = [
      CONN_HEADER,
      '1.0\tC1\t93.184.216.34\t20\t10.0.0.7\t40000\ttcp\tftp-data\t1.0',
      '1.0\tC2\t93.184.216.34\t20\t10.0.0.7\t40001\ttcp\tFTP-DATA\t1.0',
      '1.0\tC3\t93.184.216.34\t20\t10.0.0.7\t40002\ttcp\tftp\\x2ddata\t1.0',
      '1.0\tC4\t10.0.0.8\t40003\t93.184.216.34\t21\ttcp\tftp,ftp-data\t1.0',
      '1.0\tC5\t93.184.216.34\t20\t10.0.0.7\t40004\ttcp\tftp\t1.0',
      '',
    ].join('\n');
    for (const [n, v4] of [2, 3, 5, 7].flatMap((k) => [[k, null], [k, internalV4Ranges(DEFAULT_INTERNAL_NETWORKS)]] as const)) {
      const pairs = pairsOf(lines, n, v4);
      expect(pairs).toHaveLength(5);
      for (const [raw, rec] of pairs) expect(raw).toBe(rec);
      // The data connections (C1 to C3) belong to the client's shard.
      expect(pairs[0][1]).toBe(shardOfAddress('10.0.0.7', n));
    }
  });

  it('follows the block\'s own column order, and sends lines too short for the column to shard 0', () => {
    const lines = [
      '#separator \\x09',
      '#path\tdns',
      '#fields\tts\tuid\tid.resp_p\tid.resp_h\tid.orig_p\tid.orig_h\tquery',
      '1.0\tD1\t53\t8.8.8.8\t5353\t10.1.2.3\texample.com',
      '1.0\tD2\t53\t8.8.8.8\t5353\t2001:db8::1\texample.com',
      '',
    ].join('\n');
    const pairs = pairsOf(lines, 3);
    expect(pairs).toHaveLength(2);
    for (const [raw, rec] of pairs) expect(raw).toBe(rec);
    const f = new ShardLineFilter(0, 3, isInternal);
    f.block(['ts', 'uid', 'id.orig_h'], 0x09, 'dns');
    const short = Buffer.from('1.0\tD3');
    expect(f.shardOfLine(short, 0, short.length)).toBe(0);
  });

  it.skipIf(!existsSync(CORPUS))('gives each record\'s shard on every data line of the corpus\' TSV logs (skipped without ../shared/corpus)', async () => {
    const all = [...files(path.join(CORPUS, 'zeek-logs')), ...files(path.join(CORPUS, 'c2'))];
    let lines = 0;
    for (const file of all) {
      for (const n of [2, 5]) {
        const f = new Recording(0, n, isInternal, internalV4Ranges(DEFAULT_INTERNAL_NETWORKS));
        const bad: string[] = [];
        const note = (r: { origH: string; respH: string; service?: string | null }): void => {
          const want = shardOfAddress(detectionShardKey(r, isInternal), n);
          if (f.last !== -2 && f.last !== want) bad.push(`${r.origH} ${f.last} ${want}`);
          if (f.last !== -2) lines++;
          f.last = -2;
        };
        await readZeekFile(file, { conn: note, dns: note, http: note, ssl: note }, { anomalies: new AnomalyCounter(), lineFilter: f });
        expect(bad, file).toEqual([]);
      }
    }
    expect(lines).toBeGreaterThan(10_000);
  });
});
