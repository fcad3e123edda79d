/**
 * Hostile Zeek logs (TSV and JSON, plain and gzip) through the Zeek reader: random bytes,
 * corpus logs with duplicated, swapped, cut and endless lines, garbage fields, invalid UTF-8,
 * CR line ends, and broken gzip streams. Line accounting must add up and the records must
 * write back as valid Zeek TSV/JSON/CSV.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib, { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusSeeds, makeTargets, mutate, rng32 } from './targets.mjs';
import { CORPUS, HAVE_CORPUS, NO_CORPUS_MESSAGE, modules } from './modules.js';
import { runCase, runCaseAsync } from './run-case.js';

const targets = makeTargets(modules);
const SEED = 0x7a65656b;
const seeds = corpusSeeds(CORPUS, 512 * 1024, { fs, path, zlib });
const plain: [string, Buffer][] = seeds.zeekPlain;
const gz: [string, Buffer][] = seeds.zeekGzip;

const zeek = (input: Buffer, opts: { name?: string; chunkSize?: number; splitCheck?: number } = {}) => runCase('zeek', input, () => targets.zeek(input, opts));
const zeekGzip = (input: Buffer, opts: { name?: string; chunkSize?: number } = {}) => runCaseAsync('zeek-gzip', input, () => targets.zeekGzip(input, opts));

const TSV_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring',
].join('\n') + '\n';

describe('random input', () => {
  it('random bytes, and random bytes after a valid TSV header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
        const b = Buffer.from(bytes);
        zeek(b, { chunkSize: chunk, splitCheck: 1 });
        zeek(Buffer.concat([Buffer.from(TSV_HEADER), b]), { chunkSize: chunk, splitCheck: b.length + 1000 });
        zeek(Buffer.concat([Buffer.from('{"_path":"dns","ts":1,"query":'), b]));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('random rows of tab-separated strings, with odd header directives', () => {
    const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('-', '(empty)', '', '\\x09', '1e400', '-0', '1.2.3.4', '::1', 'T', 'F', '[]'));
    const row = fc.array(cell, { maxLength: 16 }).map((c) => c.join('\t'));
    const directive = fc.constantFrom('#separator ,', '#separator \\x2', '#separator', '#set_separator\t', '#empty_field\t', '#unset_field\t', '#fields', '#types\tx', '#path\t', '#path\tdns', '#close\t-', '#', '');
    fc.assert(
      fc.property(fc.array(fc.oneof(row, directive), { maxLength: 40 }), (lines) => {
        zeek(Buffer.from(TSV_HEADER + lines.join('\n')));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('JSON lines with deep nesting, odd types and huge numbers', () => {
    const value = fc.jsonValue({ maxDepth: 6 });
    const obj = fc.dictionary(fc.constantFrom('ts', 'uid', 'id.orig_h', 'id', 'query', 'answers', 'host', 'uri', 'server_name', 'duration', 'orig_bytes', '_path', 'x'), value, { maxKeys: 8 });
    fc.assert(
      fc.property(fc.array(obj, { maxLength: 20 }), (objs) => {
        zeek(Buffer.from(objs.map((o) => JSON.stringify(o)).join('\n')), { name: 'dns.log' });
      }),
      { seed: SEED, numRuns: 150 },
    );
    // 100k levels of nesting in one line: must not blow the stack.
    zeek(Buffer.from('{"id":' + '['.repeat(100000) + ']'.repeat(100000) + '}\n'));
    zeek(Buffer.from('{"a":'.repeat(50000) + '1' + '}'.repeat(50000) + '\n'));
  });

  it('an endless line (no newline, 3 MiB) is skipped without buffering it', () => {
    const line = Buffer.alloc(3 * 1024 * 1024, 0x41);
    const before = process.memoryUsage().arrayBuffers;
    const out = zeek(Buffer.concat([Buffer.from(TSV_HEADER), line, Buffer.from('\n')]), { chunkSize: 65536 });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    expect(out.records).toBe(0);
  });
});

describe.skipIf(!HAVE_CORPUS)('corpus logs', () => {
  if (!HAVE_CORPUS) it.skip(NO_CORPUS_MESSAGE, () => {});

  it('each log read the same whole and in odd chunks', () => {
    expect(plain.length).toBeGreaterThan(20);
    for (const [name, buf] of plain) zeek(buf, { name: path.basename(name), chunkSize: 1 + (buf.length % 113), splitCheck: buf.length });
  });

  it('survive line and byte mutations', () => {
    const pool = plain.filter(([, b]) => b.length <= 128 * 1024);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: pool.length - 1 }), fc.integer(), (i, seed) => {
        const r = rng32(seed);
        const { buf } = mutate(r, pool[i][1], r() < 0.7 ? 'text' : 'bytes');
        zeek(buf, { name: path.basename(pool[i][0]), chunkSize: 1 + ((seed >>> 0) % 8192), splitCheck: seed % 3 === 0 ? 1 + ((seed >>> 0) % 97) : undefined });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('truncated at every line boundary (small logs)', () => {
    let cases = 0;
    for (const [name, buf] of plain.filter(([, b]) => b.length <= 4096).slice(0, 10)) {
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) {
        for (const cut of [i, i + 1]) {
          zeek(buf.subarray(0, cut), { name: path.basename(name) });
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(50);
  });

  it('gzip logs: whole, mutated, cut short, and corrupt', async () => {
    expect(gz.length).toBeGreaterThan(5);
    for (const [name, buf] of gz) {
      await zeekGzip(buf, { name: path.basename(name) });
      await zeekGzip(buf.subarray(0, buf.length >> 1), { name: path.basename(name) });
    }
    const r = rng32(SEED);
    for (let k = 0; k < 30; k++) {
      const [name, buf] = gz[k % gz.length];
      const { buf: m } = mutate(r, buf, 'bytes');
      await zeekGzip(m, { name: path.basename(name), chunkSize: 1 + (k * 37) % 500 });
    }
    // A gzip of a mutated plain log: the parser sees the mutation, not a gzip error.
    for (let k = 0; k < 15; k++) {
      const [name, buf] = plain[k % plain.length];
      const { buf: m } = mutate(r, buf, 'text');
      await zeekGzip(gzipSync(m), { name: path.basename(name) });
    }
  });
});

describe('hostile directories of logs', () => {
  it('a symlink loop, 20 nested levels and unreadable names end, counted, without following the loop', async () => {
    const { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } = fs;
    const { tmpdir } = await import('node:os');
    const { readZeekLogs } = await import('../../src/ingest/zeek/reader.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'konseki-fuzz-dir-'));
    try {
      const row = '1700000000.5\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1.5\t1\t2\tSF\n';
      writeFileSync(path.join(dir, 'conn.log'), TSV_HEADER + row);
      symlinkSync(dir, path.join(dir, 'loop'));
      let d = dir;
      for (let i = 0; i < 20; i++) {
        d = path.join(d, `d${i}`);
        mkdirSync(d);
      }
      writeFileSync(path.join(d, 'conn.log'), TSV_HEADER + row);
      writeFileSync(path.join(dir, 'conn.log.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]));
      const anomalies = new modules.AnomalyCounter();
      let records = 0;
      const sink = { conn: () => records++, dns: () => {}, http: () => {}, ssl: () => {} };
      const st = await runCaseAsync('zeek-dir', Buffer.alloc(0), () => readZeekLogs([dir], sink, { anomalies }));
      expect(records).toBe(1);
      expect(anomalies.get('zeek_directory_too_deep')).toBe(1);
      expect(st.totals.abandonedFiles).toBe(1); // the corrupt gzip, counted as zeek_bad_gzip
      expect(anomalies.get('zeek_bad_gzip')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
