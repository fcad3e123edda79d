/**
 * The Zeek reader's file handling: directories, gzip by magic, truncated gzip, unreadable
 * files, standard input, source indexes. Temporary files go to the OS temp folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { isZeekLogDirectory, listZeekLogDirectory, readZeekLogs, sniffZeekLog, type ZeekFileStats } from '../../../src/ingest/zeek/index.js';
import { chunkedStream, CollectingSink, corpus, HAVE_CORPUS } from './helpers.js';

const CONN =
  '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n' +
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\n' +
  '1700000000.000001\tC1\t10.0.0.1\t1000\t10.0.0.2\t80\ttcp\n' +
  '1700000000.000002\tC2\t10.0.0.1\t1001\t10.0.0.2\t80\ttcp\n';
const DNS_JSON = '{"ts":1700000001.5,"uid":"D1","id.orig_h":"10.0.0.1","id.orig_p":5353,"id.resp_h":"10.0.0.53","id.resp_p":53,"proto":"udp","query":"x.example"}\n';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'konseki-zeek-reader-'));
  mkdirSync(join(dir, 'logs/2024-01-01'), { recursive: true });
  mkdirSync(join(dir, 'logs/2024-01-02'), { recursive: true });
  writeFileSync(join(dir, 'logs/2024-01-01/conn.00:00:00-01:00:00.log.gz'), gzipSync(CONN));
  // gzip is told by its magic bytes, not the name: this one is gzip without .gz ...
  writeFileSync(join(dir, 'logs/2024-01-02/conn.00:00:00-01:00:00.log'), gzipSync(CONN));
  // ... and this one is plain text with .gz.
  writeFileSync(join(dir, 'logs/2024-01-02/conn.01:00:00-02:00:00.log.gz'), CONN);
  writeFileSync(join(dir, 'logs/2024-01-02/dns_20240102.json'), DNS_JSON);
  writeFileSync(join(dir, 'logs/manifest.json'), '{"not":"a log"}\n');
  writeFileSync(join(dir, 'logs/README.md'), '# notes\n');
  symlinkSync(join(dir, 'logs'), join(dir, 'logs/2024-01-02/loop')); // must not be followed
  mkdirSync(join(dir, 'pcaps'));
  writeFileSync(join(dir, 'pcaps/trace.pcap'), Buffer.alloc(24));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readZeekLogs inputs', () => {
  it('reads a directory recursively, picking log files, gzip by magic, and skipping the rest', async () => {
    const sink = new CollectingSink();
    const anomalies = new AnomalyCounter();
    const seen: ZeekFileStats[] = [];
    const stats = await readZeekLogs([join(dir, 'logs')], sink, { anomalies, onFile: (s) => seen.push(s) });
    expect(stats.files.map((f) => [f.file.slice(dir.length), f.gzip, f.format, f.records])).toEqual([
      ['/logs/2024-01-01/conn.00:00:00-01:00:00.log.gz', true, 'tsv', 2],
      ['/logs/2024-01-02/conn.00:00:00-01:00:00.log', true, 'tsv', 2],
      ['/logs/2024-01-02/conn.01:00:00-02:00:00.log.gz', false, 'tsv', 2],
      ['/logs/2024-01-02/dns_20240102.json', false, 'json', 1],
    ]);
    expect(seen).toEqual(stats.files);
    // manifest.json, README.md, and the symbolic link to a directory, which is not followed
    expect(stats.ignoredFiles.examples.map((p) => p.slice(dir.length)).sort()).toEqual(['/logs/2024-01-02/loop', '/logs/README.md', '/logs/manifest.json']);
    expect(stats.totals).toMatchObject({ files: 4, records: 7, linesRead: 7, byKind: { conn: 6, dns: 1, http: 0, ssl: 0 } });
    expect(sink.dnss[0]).toMatchObject({ query: 'x.example', ts: 1700000001.5 });
    expect(anomalies.total()).toBe(0);
  });

  it('lists a directory the way readZeekLogs reads it', async () => {
    const l = await listZeekLogDirectory(join(dir, 'logs'), new AnomalyCounter());
    expect(l.files.map((f) => f.slice(dir.length))).toEqual([
      '/logs/2024-01-01/conn.00:00:00-01:00:00.log.gz',
      '/logs/2024-01-02/conn.00:00:00-01:00:00.log',
      '/logs/2024-01-02/conn.01:00:00-02:00:00.log.gz',
      '/logs/2024-01-02/dns_20240102.json',
    ]);
    expect(l.ignoredFiles.count).toBe(3);
    expect(l.filesOverCap).toBe(0);
  });

  it('goes on with the other files when one cannot be read', async () => {
    const sink = new CollectingSink();
    const stats = await readZeekLogs([join(dir, 'missing.log'), join(dir, 'logs/2024-01-01/conn.00:00:00-01:00:00.log.gz')], sink, {
      anomalies: new AnomalyCounter(),
    });
    expect(stats.files[0].abandoned?.code).toBe(ErrorCodes.IO);
    expect(stats.files[0].abandoned?.message).toBe(`Cannot read Zeek log: no such file (${join(dir, 'missing.log')})`);
    expect(stats.files[1].records).toBe(2);
    expect(sink.conns.length).toBe(2);
  });

  it('reads standard input ("-"), gzip or not, in small chunks', async () => {
    for (const data of [Buffer.from(CONN), gzipSync(CONN)]) {
      const sink = new CollectingSink();
      const stats = await readZeekLogs(['-'], sink, { anomalies: new AnomalyCounter(), stdin: chunkedStream(data, 3) });
      expect(stats.files[0]).toMatchObject({ file: '-', path: 'conn', records: 2, gzip: data[0] === 0x1f });
      expect(sink.conns.map((r) => r.uid)).toEqual(['C1', 'C2']);
    }
  });

  it('reads a file of concatenated gzip members (cat a.log.gz b.log.gz), each with its header', async () => {
    const f = join(dir, 'conn.concat.log.gz');
    writeFileSync(f, Buffer.concat([gzipSync(CONN), gzipSync(CONN.replaceAll('C1', 'C3').replaceAll('C2', 'C4'))]));
    const sink = new CollectingSink();
    const stats = await readZeekLogs([f], sink, { anomalies: new AnomalyCounter() });
    expect(sink.conns.map((r) => r.uid)).toEqual(['C1', 'C2', 'C3', 'C4']);
    expect(stats.files[0]).toMatchObject({ gzip: true, records: 4, headerLines: 14 });
  });

  it('passes the bad-line budget on to every file', async () => {
    const f = join(dir, 'conn.bad.log');
    writeFileSync(f, CONN + 'junk\n'.repeat(3) + CONN.split('\n').slice(-3).join('\n'));
    const r1 = await readZeekLogs([f], new CollectingSink(), { anomalies: new AnomalyCounter(), maxBadLinesInARow: 2 });
    expect(r1.files[0].abandoned?.code).toBe(ErrorCodes.ZEEK_TOO_MANY_BAD_LINES);
    expect(r1.files[0].records).toBe(2);
    const r2 = await readZeekLogs([f], new CollectingSink(), { anomalies: new AnomalyCounter() });
    expect(r2.files[0].abandoned).toBeUndefined();
    expect(r2.files[0].records).toBe(4);
    await expect(readZeekLogs([f], new CollectingSink(), { anomalies: new AnomalyCounter(), maxBadShare: -1 })).rejects.toThrow(/maxBadShare/);
  });

  it('tags records with the index sourceIndexOf gives their file', async () => {
    const sink = new CollectingSink();
    const files = [join(dir, 'logs/2024-01-01/conn.00:00:00-01:00:00.log.gz'), join(dir, 'logs/2024-01-02/dns_20240102.json')];
    await readZeekLogs(files, sink, { anomalies: new AnomalyCounter(), sourceIndexOf: (f) => files.indexOf(f) + 10 });
    expect(sink.conns.map((r) => r.source)).toEqual([10, 10]);
    expect(sink.dnss.map((r) => r.source)).toEqual([11]);
  });

  it('tells a Zeek log directory from others, and sniffs Zeek content', async () => {
    expect(await isZeekLogDirectory(join(dir, 'logs'))).toBe(true);
    expect(await isZeekLogDirectory(join(dir, 'pcaps'))).toBe(false);
    expect(await isZeekLogDirectory(join(dir, 'nope'))).toBe(false);
    expect(await isZeekLogDirectory(join(dir, 'logs/README.md'))).toBe(false);
    expect(sniffZeekLog(Buffer.from('#separator \\x09\n'))).toBe('tsv');
    expect(sniffZeekLog(Buffer.from('\t#separator \\x09\n'))).toBe('tsv');
    expect(sniffZeekLog(Buffer.from('{"ts":1}'))).toBe('json');
    expect(sniffZeekLog(Buffer.from('\xd4\xc3\xb2\xa1', 'latin1'))).toBeNull();
  });
});

describe.skipIf(!HAVE_CORPUS)('readZeekLogs on a truncated gzip', () => {
  it('keeps the records before the cut and says the gzip stream ends early', async () => {
    const src = readFileSync(corpus('zeek-logs/rita-proxy-rolling-gzip/conn.16:00:00-17:00:00.log.gz'));
    const cut = join(dir, 'conn.16:00:00-17:00:00.log.gz');
    writeFileSync(cut, src.subarray(0, Math.floor(src.length * 0.6)));
    const sink = new CollectingSink();
    const anomalies = new AnomalyCounter();
    const stats = await readZeekLogs([cut, join(dir, 'logs/2024-01-01/conn.00:00:00-01:00:00.log.gz')], sink, { anomalies });
    const f = stats.files[0];
    expect(f.abandoned?.code).toBe(ErrorCodes.GZIP);
    expect(f.abandoned?.message).toMatch(new RegExp(`^Zeek log: the gzip stream ends early \\(truncated file\\?\\); ${f.records} records read before it`));
    expect(f.records).toBeGreaterThan(3000); // of 7260 in the whole file
    expect(f.records).toBeLessThan(7260);
    expect(anomalies.get('zeek_bad_gzip')).toBe(1);
    expect(stats.files[1].records).toBe(2); // the next file is read as usual
    expect(sink.conns.length).toBe(f.records + 2);
  });
});
