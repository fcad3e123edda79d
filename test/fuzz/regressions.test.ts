/**
 * Regression tests for the bugs the fuzzers found, each named after what it checks, with the
 * (shrunk) input inline. docs/reliability.md lists them.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { RecordSink } from '../../src/core/records.js';
import { ZeekLogParser } from '../../src/ingest/zeek/parser.js';

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
