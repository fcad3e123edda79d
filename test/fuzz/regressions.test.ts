/**
 * Regression tests for the bugs the fuzzers found, each named after what it checks, with the
 * (shrunk) input inline. docs/reliability.md lists them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyInputs } from '../../src/pipeline.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';
import { runCase } from './run-case.js';
import { AnomalyCounter as Counter } from '../../src/core/anomaly.js';
import { readCaptureBuffer } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { buildFrame, TcpConversation } from '../../src/synth/packet-builder.js';
import { udpFrame } from '../../src/synth/packet-builder.js';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { RecordSink } from '../../src/core/records.js';
import { ZeekLogParser } from '../../src/ingest/zeek/parser.js';
import { ZeekLogWriter } from '../../src/export/zeek-log-writer.js';
import type { LogSpec } from '../../src/export/zeek-fields.js';
import { parseAllowList, parseIndicatorCsv, parseIndicatorList } from '../../src/cli/signatures.js';

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum',
].join('\n') + '\n';

function parseZeek(text: string, name = 'conn.log') {
  const anomalies = new AnomalyCounter();
  let records = 0;
  const sink: RecordSink = { conn: () => records++, dns: () => records++, http: () => records++, ssl: () => records++ };
  const p = new ZeekLogParser(name, sink, { anomalies });
  p.push(Buffer.from(text));
  p.end();
  const skipped = Object.values(p.stats.skipped).reduce((a, b) => a + b, 0);
  return { stats: p.stats, anomalies, records, skipped };
}

describe('Zeek reader', () => {
  it('counts the data line that reveals a bad header block as skipped (linesRead = records + skipped)', () => {
    // Fuzz case: a second '#fields' line with no columns; the next data line abandons the file.
    for (const text of [HEADER + '#fields\n$\n', HEADER + '#fields\tts\n#types\ttime\tstring\n1\n', '#separator \\x09\n#path\tconn\n#fields\tts\n#types\ttime\n1\n']) {
      const r = parseZeek(text);
      expect(r.stats.abandoned?.code).toBe('ERR_ZEEK_HEADER');
      expect(r.stats.linesRead).toBe(r.records + r.skipped);
      expect(r.stats.skipped.zeek_bad_header).toBe(1);
    }
  });

  it('a bad value after a lone comment line between data lines is counted, not thrown', () => {
    // Fuzz case: '#separator' without a value reads as a comment, it starts a new header block
    // with no #fields, and the next line's bad value used to dereference the missing field names.
    const r = parseZeek(HEADER + '-\n#separator\n \n');
    expect(r.stats.linesRead).toBe(r.records + r.skipped);
    expect(r.stats.abandoned).toBeUndefined();
    expect(r.anomalies.get('zeek_bad_value') + r.anomalies.get('zeek_field_count_mismatch')).toBeGreaterThan(0);
  });
});

describe('Zeek reader: numbers', () => {
  it('a TSV number that overflows to Infinity (1e309, 400 digits) is a bad value, not an Infinity in the record', () => {
    // Fuzz case (long run, seed 3630461578): duration 1e309 reached the conn record and the
    // Zeek JSON writer wrote `"duration":Infinity`, which is not JSON.
    const anomalies = new AnomalyCounter();
    const recs: { duration: number | null; ts: number }[] = [];
    const sink: RecordSink = { conn: (r) => recs.push(r as never), dns: () => {}, http: () => {}, ssl: () => {} };
    const p = new ZeekLogParser('conn.log', sink, { anomalies });
    const row = (ts: string, dur: string) => `${ts}\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t${dur}\n`;
    const header = HEADER.replace('\tproto\n', '\tproto\tduration\n').replace('\tenum\n', '\tenum\tinterval\n');
    p.push(Buffer.from(header + row('1700000000.5', '1e309') + row('1700000001.5', '9'.repeat(400)) + row('1e309', '1.5') + row('1700000002.5', '2.25')));
    p.end();
    expect(recs.map((r) => r.duration)).toEqual([2.25]);
    expect(anomalies.get('zeek_bad_value')).toBe(3);
    expect(p.stats.linesRead).toBe(p.stats.records + Object.values(p.stats.skipped).reduce((a, b) => a + b, 0));
  });
});

describe('indicator CSV feeds', () => {
  it('a first line csv-parse cannot read (unclosed quote, lone CR) is data, not an escaped CsvError', () => {
    // Fuzz cases: the header guess ran csv-parse on the first line without a guard.
    for (const text of ['"', 'indicator,type,description\r1.2.3.4', '"1.2.3.4\n5.6.7.8']) {
      const anomalies = new AnomalyCounter();
      let out: unknown;
      try {
        out = parseIndicatorCsv(text, 'feed.csv', anomalies);
      } catch (e) {
        // Only the documented refusal of the whole feed is allowed.
        expect((e as { code?: string }).code).toBe('ERR_CONFIG');
        expect((e as Error).message).toContain('feed.csv');
        continue;
      }
      expect(Array.isArray(out)).toBe(true);
    }
    expect(parseIndicatorCsv('indicator,type,description\r1.2.3.4,ip,x', 'feed.csv', new AnomalyCounter())).toEqual([
      { type: 'ip', value: '1.2.3.4', source: 'feed.csv', description: 'x' },
    ]);
  });
});

describe('indicator CSV feeds: long lines', () => {
  it('a 4 MB first line is not parsed as a header candidate (it took ~3 s per MB in csv-parse)', () => {
    // Fuzz case (long run, seed 1202272823): a 1.1 MB line first in a feed took 7-13 s.
    const text = 'A'.repeat(4_000_000) + '\n5.6.7.8,y\n';
    const anomalies = new AnomalyCounter();
    const out = runCase('indicators', text, () => parseIndicatorCsv(text, 'feed.csv', anomalies));
    expect(out.map((i) => i.value)).toEqual(['5.6.7.8']);
    expect(anomalies.get('ioc_bad_line')).toBe(1);
  });
});

describe('indicator lists and allow-lists', () => {
  it('lines ended by a lone CR are separate lines, none silently dropped', () => {
    const text = '1.2.3.4\revil.example.com\r10.0.0.0/8';
    expect(parseIndicatorList(text, 'iocs.txt', new AnomalyCounter()).map((i) => i.value)).toEqual(['1.2.3.4', 'evil.example.com', '10.0.0.0/8']);
    expect(parseAllowList(text, new AnomalyCounter())).toEqual(['1.2.3.4', 'evil.example.com', '10.0.0.0/8']);
  });
});

describe('Zeek CSV writer', () => {
  it('neutralises a leading = + - @ TAB CR in text cells and escapes control bytes, as the findings CSV does', () => {
    // Found by the output property (konseki flows --format csv): an HTTP URI or SNI such as
    // `=HYPERLINK(...)` was written as is, and a spreadsheet would evaluate it.
    const spec: LogSpec<{ s: string; l: string[]; n: number }> = {
      path: 'test',
      fields: [
        { name: 's', type: 'string', get: (r) => r.s },
        { name: 'l', type: 'set[string]', get: (r) => r.l },
        { name: 'n', type: 'count', get: (r) => r.n },
      ],
    };
    const w = new ZeekLogWriter(spec, 'csv', null);
    w.write({ s: '=HYPERLINK("http://evil.example","x")', l: ['@SUM(1)', 'b'], n: 3 });
    w.write({ s: '-2+3\u001b[31m', l: [], n: 0 });
    expect(w.lines[1]).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")","'@SUM(1),b",3`);
    expect(w.lines[2]).toBe(`'-2+3\\x1b[31m,,0`);
  });
});

describe('Zeek JSON writer', () => {
  it('writes U+2028 and U+2029 in strings as \\u escapes, so no line splitter cuts a record', () => {
    // Fuzz case: an HTTP URI or DNS name holding U+2028 was written raw into the JSON line.
    const spec: LogSpec<{ s: string }> = { path: 'test', fields: [{ name: 's', type: 'string', get: (r) => r.s }] };
    for (const s of ['a\u2028b', '\u2029', 'q"\u2028\\']) {
      const w = new ZeekLogWriter(spec, 'json', null);
      w.write({ s });
      expect(w.lines[0]).not.toMatch(/[\u2028\u2029]/);
      expect(JSON.parse(w.lines[0]).s).toBe(s);
    }
  });
});

describe('input classification', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'konseki-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a gzip bomb is sniffed from a bounded head, not decompressed whole (256 MB from 256 KB)', async () => {
    // Found by review of the gzip path: the 1 MiB head was gunzipped without an output cap.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const pcapHead = new PcapBuffer().toBuffer();
    const bomb = Buffer.concat([gzipSync(pcapHead), member, member, member, member]);
    const f = path.join(dir, 'bomb.pcap.gz');
    writeFileSync(f, bomb);
    const before = process.memoryUsage().arrayBuffers;
    const [c] = await classifyInputs([f]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(c.kind).toBe('capture');
    expect(c.compressed).toBe(true);
  });

  it('an ordinary gzip capture is still classified, with its first packet time', async () => {
    const p = new PcapBuffer();
    for (let i = 0; i < 200; i++) p.add(1700000000 + i, udpFrame('10.0.0.1', 1000 + i, '10.0.0.2', 53, Buffer.alloc(100, i)));
    const f = path.join(dir, 'small.pcap.gz');
    writeFileSync(f, gzipSync(p.toBuffer()));
    const [c] = await classifyInputs([f]);
    expect(c.kind).toBe('capture');
    expect(c.firstTs).toBe(1700000000);
  });
});

describe('TCP reassembly', () => {
  it('giving up on a side with data above a hole and no acks is counted (above_hole_data_without_any_acks)', () => {
    // Found by the caps flood: the reassembler dropped its buffered blocks without a trace.
    const p = new PcapBuffer();
    const c = new TcpConversation((ts, f) => p.add(ts, f), '10.0.0.5', 50000, '198.51.100.7', 80);
    const t = c.handshake(1700000000);
    for (let i = 0; i < 200; i++) {
      p.add(t + 0.001 + i * 0.0001, buildFrame({ src: '10.0.0.5', dst: '198.51.100.7', proto: 6, sport: 50000, dport: 80, seq: (1002 + i * 2000) >>> 0, ack: 5001, flags: 0x18, payload: Buffer.alloc(1000, 0x41) }));
    }
    const anomalies = new Counter();
    const sink = { conn: () => {}, dns: () => {}, http: () => {}, ssl: () => {} };
    const decoder = new PacketDecoder(anomalies);
    const table = new FlowTable({ emit: sink.conn, appFactory: createAppAnalyzerFactory(sink, anomalies), anomalies });
    readCaptureBuffer(p.toBuffer(), 'hole.pcap', 0, (m, s) => s === 0 && table.addPacket(m), { anomalies, decoder });
    table.flush();
    expect(anomalies.get('above_hole_data_without_any_acks')).toBeGreaterThan(0);
  });
});
