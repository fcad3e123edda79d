import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS } from '../../src/export/fields.js';
import { csvHeader, csvRow, csvTextCell } from '../../src/export/csv.js';
import { ATTACKER_STRINGS, makeFinding, makeFindings } from './fixtures.js';

// The contract from issue 7, spelled out independently of the code under test.
const CONTRACT =
  'finding_id,start_time,end_time,detector,severity,score,src_ip,src_port,dest_ip,dest_port,dest_host,transport,app_protocol,direction,mitre_technique_ids,mitre_tactic_ids,conn_count,src_bytes,dest_bytes,src_country,src_asn,src_as_org,dest_country,dest_asn,dest_as_org,community_id,evidence,input_source';

function toCsv(findings = makeFindings()): string {
  return csvHeader() + findings.map(csvRow).join('');
}

describe('CSV contract', () => {
  it('has exactly the contract columns in order', () => {
    expect(CSV_COLUMNS.join(',')).toBe(CONTRACT);
    expect(csvHeader()).toBe(CONTRACT + '\r\n');
  });

  it('reads back with csv-parse: same column count on every row, values intact', () => {
    const findings = makeFindings();
    const text = toCsv(findings);
    expect(text.charCodeAt(0)).not.toBe(0xfeff); // no BOM
    const rows: string[][] = parse(text, { relax_column_count: false });
    expect(rows.length).toBe(findings.length + 1);
    for (const r of rows) expect(r.length).toBe(28);
    const recs: Record<string, string>[] = parse(text, { columns: true });
    const first = recs[0];
    expect(first).toMatchObject({
      finding_id: 'b-0001',
      start_time: '2024-02-08T15:16:39.123Z',
      end_time: '2024-02-08T15:27:44.500Z',
      detector: 'beacon',
      severity: 'high',
      score: '87.3',
      src_ip: '147.32.80.37',
      src_port: '',
      dest_ip: '141.193.213.21',
      dest_port: '443',
      dest_host: 'testing.com',
      mitre_technique_ids: 'T1071.001;T1573',
      mitre_tactic_ids: 'TA0011',
      conn_count: '297',
      src_country: 'CZ',
      src_asn: '2852',
      dest_as_org: 'Cloudflare London, LLC',
      community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
      input_source: 'test-cc-capture-1.pcap',
    });
    // Missing values are empty cells, not "null" or "-".
    const dns = recs.find((r) => r.finding_id === 'd-0005')!;
    expect(dns.dest_ip).toBe('');
    expect(dns.dest_port).toBe('');
    expect(dns.dest_country).toBe('');
    const port = recs.find((r) => r.finding_id === 'p-0002')!;
    expect(port.src_country).toBe('');
    expect(port.community_id).toBe('');
    expect(port.app_protocol).toBe('');
  });

  it('neutralises formula cells and keeps the text otherwise', () => {
    const recs: Record<string, string>[] = parse(toCsv(), { columns: true });
    const iocs = recs.filter((r) => r.detector === 'ioc_match');
    expect(iocs.length).toBe(ATTACKER_STRINGS.length);
    for (let i = 0; i < ATTACKER_STRINGS.length; i++) {
      const s = ATTACKER_STRINGS[i];
      for (const col of ['dest_host', 'evidence', 'input_source', 'dest_as_org']) {
        const v = iocs[i][col];
        expect(v[0], `${col} of ${JSON.stringify(s)}`).not.toMatch(/^[=+\-@\t\r]/);
        if (/^[=+\-@\t\r]/.test(s)) expect(v.startsWith("'"), col).toBe(true);
      }
    }
    expect(csvTextCell('=1+1')).toBe("'=1+1");
    expect(csvTextCell('-x')).toBe("'-x");
    expect(csvTextCell('@x')).toBe("'@x");
    expect(csvTextCell('+x')).toBe("'+x");
    expect(csvTextCell('\tx')).toBe("'\tx"); // a tab needs no quotes (RFC 4180)
    expect(csvTextCell('\rx')).toBe("'\\rx");
    expect(csvTextCell('line one\nline two')).toBe('line one\\nline two');
    expect(csvTextCell('a=1')).toBe('a=1');
    expect(csvTextCell('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvTextCell('')).toBe('');
  });

  it('keeps every record on one physical line', () => {
    const findings = makeFindings();
    const text = csvHeader() + findings.map(csvRow).join('');
    expect(text.split('\r\n').length).toBe(findings.length + 2);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('escapes control characters (no terminal escape sequences, no NUL) but keeps UTF-8 text', () => {
    const f = makeFinding({ evidence: 'esc \u001b[31m nul \u0000 del \u007f', destHost: 'ünïcödé-日本.example' });
    const row = csvRow(f);
    expect(row).not.toMatch(/[\u0000\u001b\u007f]/);
    expect(row).toContain('esc \\x1b[31m nul \\x00 del \\x7f');
    expect(row).toContain('ünïcödé-日本.example');
    expect(Buffer.from(row, 'utf8').toString('utf8')).toBe(row);
  });

  it('writes ISO 8601 UTC times with milliseconds, empty for an invalid time', () => {
    const recs: Record<string, string>[] = parse(
      toCsv([makeFinding({ startTime: 1.234, endTime: Number.NaN }), makeFinding({ startTime: 0, endTime: 1e15 })]),
      { columns: true },
    );
    expect(recs[0].start_time).toBe('1970-01-01T00:00:01.234Z');
    expect(recs[0].end_time).toBe('');
    expect(recs[1].start_time).toBe('1970-01-01T00:00:00.000Z');
    expect(recs[1].end_time).toBe('');
    for (const r of recs) if (r.start_time) expect(r.start_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('writes every row: no cap', () => {
    const many = Array.from({ length: 5000 }, (_, i) => makeFinding({ findingId: `n-${i}` }));
    const rows: string[][] = parse(toCsv(many));
    expect(rows.length).toBe(5001);
    expect(rows[5000][0]).toBe('n-4999');
  });
});

// A second, independent reader: Python's csv module (RFC 4180 dialect "excel"), when present.
let python: string | null = null;
try {
  execFileSync('python3', ['-c', 'import csv'], { stdio: 'ignore' });
  python = 'python3';
} catch {
  python = null;
}
describe.skipIf(!python)("Python's csv module", () => {
  it('reads the same 28 columns and the same values', () => {
    const findings = makeFindings();
    const text = toCsv(findings);
    const out = execFileSync(
      python!,
      ['-c', 'import csv,sys,json; rows=list(csv.reader(sys.stdin, dialect="excel")); print(json.dumps(rows))'],
      { input: text, encoding: 'utf8' },
    );
    const rows: string[][] = JSON.parse(out);
    expect(rows.length).toBe(findings.length + 1);
    for (const r of rows) expect(r.length).toBe(28);
    expect(rows).toEqual(parse(text));
  });
});
