/**
 * The Zeek log parser core on small hand-made logs: header handling, escapes, sets, unset and
 * empty values, concatenated blocks, bad-line budgets, JSON variants, and chunk splitting.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { ZeekErrorCodes, ZeekLogParser, type ZeekParserOptions } from '../../../src/ingest/zeek/index.js';
import { CollectingSink, randomSizes } from './helpers.js';

const HEADER = (path: string, fields: string[], types: string[]) =>
  [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    `#path\t${path}`,
    '#open\t2024-01-01-00-00-00',
    `#fields\t${fields.join('\t')}`,
    `#types\t${types.join('\t')}`,
  ].join('\n') + '\n';

const CONN_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'history', 'tunnel_parents'];
const CONN_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count', 'string', 'bool', 'string', 'set[string]'];
const CONN_HEADER = HEADER('conn', CONN_FIELDS, CONN_TYPES);

function parse(text: string | Buffer, opts: Partial<ZeekParserOptions> = {}, name = 'test.log', split?: number[]) {
  const sink = new CollectingSink();
  const anomalies = new AnomalyCounter();
  const p = new ZeekLogParser(name, sink, { anomalies, ...opts });
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  if (split) {
    let k = 0;
    for (let i = 0; i < buf.length; ) {
      const n = split[k++ % split.length];
      p.push(buf.subarray(i, i + n));
      i += n;
    }
  } else {
    p.push(buf);
  }
  p.end();
  return { sink, anomalies, stats: p.stats };
}

describe('Zeek TSV parser', () => {
  it('maps a conn line field by field, with unset and empty values', () => {
    const { sink, stats } = parse(
      CONN_HEADER +
        '1700000000.123456\tCabc\t10.0.0.1\t51000\t2001:db8::1\t443\ttcp\tssl\t1.500000\t100\t2000\tSF\tT\tShADadFf\t(empty)\n' +
        '1700000001.000000\tCdef\t10.0.0.2\t0\t10.0.0.3\t8\ticmp\t-\t-\t-\t-\tOTH\tF\t-\tCx1,Cx2\n' +
        '#close\t2024-01-01-01-00-00\n',
    );
    expect(stats).toMatchObject({ path: 'conn', format: 'tsv', linesRead: 2, records: 2, headerLines: 9, closed: true, badLines: 0 });
    expect(sink.conns[0]).toEqual({
      ts: 1700000000.123456, uid: 'Cabc', origH: '10.0.0.1', origP: 51000, respH: '2001:db8::1', respP: 443, proto: 'tcp',
      service: 'ssl', duration: 1.5, origBytes: 100, respBytes: 2000, connState: 'SF', localOrig: true, localResp: null,
      missedBytes: 0, history: 'ShADadFf', origPkts: 0, origIpBytes: 0, respPkts: 0, respIpBytes: 0, tunnelParents: [],
      vlan: null, innerVlan: null, communityId: null, source: undefined,
    });
    expect(sink.conns[1]).toMatchObject({ proto: 'icmp', service: null, duration: null, origBytes: null, localOrig: false, history: null, tunnelParents: ['Cx1', 'Cx2'] });
  });

  it('follows each header block: column order, extra columns, missing optional columns, other separators', () => {
    const reordered = [
      '#separator \\x7c', // '|'
      '#set_separator|;',
      '#empty_field|EMPTY',
      '#unset_field|NONE',
      '#path|dns',
      '#fields|query|extra_col|id.resp_h|ts|id.orig_h|answers|TTLs',
      '#types|string|string|addr|time|addr|vector[string]|vector[interval]',
      'example.com|whatever|10.0.0.53|1700000000.5|10.0.0.9|1.2.3.4;5.6.7.8|60.0;120.000000',
      'empty.example|x|10.0.0.53|1700000001|10.0.0.9|EMPTY|NONE',
    ].join('\n') + '\n';
    const { sink, stats } = parse(reordered);
    expect(stats.records).toBe(2);
    expect(sink.dnss[0]).toMatchObject({ query: 'example.com', respH: '10.0.0.53', origH: '10.0.0.9', ts: 1700000000.5, answers: ['1.2.3.4', '5.6.7.8'], TTLs: [60, 120], proto: 'unknown_transport', rcode: null, AA: false });
    expect(sink.dnss[1]).toMatchObject({ answers: [], TTLs: [] });
  });

  it('reads concatenated logs: a second header block with another log type and column set', () => {
    const text =
      CONN_HEADER +
      '1700000000.000000\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\thttp\t0.1\t1\t2\tSF\tT\tSh\t(empty)\n' +
      '#close\t2024-01-01-01-00-00\n' +
      HEADER('weird', ['ts', 'name'], ['time', 'string']) +
      '1700000000.000000\tbad_checksum\n' +
      '#close\t2024-01-01-01-00-00\n' +
      HEADER('http', ['ts', 'id.orig_h', 'id.resp_h', 'method', 'host', 'uri'], ['time', 'addr', 'addr', 'string', 'string', 'string']) +
      '1700000002.000000\t10.0.0.1\t10.0.0.2\tGET\texample.com\t/a\n';
    const { sink, stats } = parse(text);
    expect(sink.conns.length).toBe(1);
    expect(sink.https).toMatchObject([{ method: 'GET', host: 'example.com', uri: '/a', ts: 1700000002 }]);
    expect(stats).toMatchObject({ path: 'conn', linesRead: 3, records: 2, skipped: { other_log: 1 } });
  });

  it('undoes TSV escapes: \\xNN, \\\\, escaped separators inside sets, and a literal "-"', () => {
    const fields = ['ts', 'id.orig_h', 'id.resp_h', 'uri', 'user_agent', 'tags', 'username'];
    const types = ['time', 'addr', 'addr', 'string', 'string', 'set[enum]', 'string'];
    const { sink } = parse(
      HEADER('http', fields, types) +
        '1700000000.000000\t10.0.0.1\t10.0.0.2\t/a\\x09b\\\\c\tMozilla\\x2c 5.0\tx\\x2cy,z\t\\x2d\n' +
        '1700000000.000000\t10.0.0.1\t10.0.0.2\t/bell\\x07\\xc3\\xa9\té\t(empty)\t\\x28empty)\n',
    );
    expect(sink.https[0]).toMatchObject({ uri: '/a\tb\\c', userAgent: 'Mozilla, 5.0', tags: ['x,y', 'z'], username: '-' });
    // A control byte makes Zeek hex-escape every non-ASCII byte of the string (util::escape_utf8).
    expect(sink.https[1]).toMatchObject({ uri: '/bell\\x07\\xc3\\xa9', userAgent: 'é', tags: [], username: '(empty)' });
  });

  it('counts bad lines with their line numbers and keeps going', () => {
    const { sink, stats, anomalies } = parse(
      CONN_HEADER +
        '1700000000.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n' + // line 9
        'notatime\tC2\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n' + // 10: bad ts
        '1700000000.0\tC3\t10.0.0.1\t70000\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n' + // 11: bad port
        '1700000000.0\tC4\tnot-an-ip\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n' + // 12: bad addr
        '1700000000.0\tC5\t10.0.0.1\t1\t10.0.0.2\n' + // 13: too few fields
        '1700000000.0\tC6\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\textra\n' + // 14: too many
        '-\tC7\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n' + // 15: unset ts
        '\n' + // 16: empty line
        '1700000000.0\tC8\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tX\tS\t(empty)\n', // 17: bad bool
    );
    expect(sink.conns.map((r) => r.uid)).toEqual(['C1']);
    expect(stats.skipped).toEqual({ zeek_bad_value: 4, zeek_field_count_mismatch: 2, zeek_missing_field: 1, empty_line: 1 });
    expect(stats.linesRead).toBe(9);
    expect(stats.badLines).toBe(7);
    expect(stats.abandoned).toBeUndefined();
    expect(anomalies.samples.map((s) => [s.code, s.line])).toEqual([
      ['zeek_bad_value', 10],
      ['zeek_bad_value', 11],
      ['zeek_bad_value', 12],
      ['zeek_field_count_mismatch', 13],
      ['zeek_field_count_mismatch', 14],
      ['zeek_missing_field', 15],
      ['zeek_bad_value', 17],
    ]);
    expect(anomalies.samples[1].message).toBe("zeek_bad_value: column 'id.orig_p' holds '70000' (test.log at line 11)");
  });

  it('abandons a file after more bad lines in a row than the budget, naming the file and line', () => {
    const good = '1700000000.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n';
    const bad = 'garbage line\n';
    const text = CONN_HEADER + good + bad.repeat(3) + good + bad.repeat(4) + good;
    const r = parse(text, { maxBadLinesInARow: 3 });
    expect(r.sink.conns.length).toBe(2); // the third good line comes after the budget ran out
    expect(r.stats.abandoned?.code).toBe(ErrorCodes.ZEEK_TOO_MANY_BAD_LINES);
    expect(r.stats.abandoned?.line).toBe(8 + 1 + 3 + 1 + 4);
    expect(r.stats.abandoned?.message).toMatch(/^Zeek log abandoned: 4 bad lines in a row \(budget 3\)/);
    expect(r.anomalies.get('zeek_file_abandoned')).toBe(1);
    // The default budget is 25 in a row.
    const d = parse(CONN_HEADER + bad.repeat(25) + good + bad.repeat(26) + good);
    expect(d.sink.conns.length).toBe(1);
    expect(d.stats.abandoned?.line).toBe(8 + 25 + 1 + 26);
  });

  it('abandons a file whose share of bad lines passes maxBadShare once 100 lines were read', () => {
    const good = '1700000000.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n';
    const bad = 'garbage\n';
    const text = CONN_HEADER + (good + bad + bad).repeat(60);
    const r = parse(text, { maxBadShare: 0.5 });
    expect(r.stats.abandoned?.code).toBe(ErrorCodes.ZEEK_TOO_MANY_BAD_LINES);
    expect(r.stats.linesRead).toBe(101); // judged at the first bad line from the 100th on
    expect(r.stats.abandoned?.message).toContain('67 of 101 lines are bad (budget 50%)');
    const ok = parse(text, { maxBadShare: 0.7 });
    expect(ok.stats.abandoned).toBeUndefined();
    expect(ok.sink.conns.length).toBe(60);
  });

  it('rejects bad budget options up front', () => {
    expect(() => parse('', { maxBadShare: 2 })).toThrow(/maxBadShare must be a number from 0 to 1, got 2/);
    expect(() => parse('', { maxBadLinesInARow: -1 })).toThrow(/maxBadLinesInARow must be a non-negative integer/);
  });

  it('flags a truncated last line, keeps a complete last line without a newline', () => {
    const line = '1700000000.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)';
    const full = parse(CONN_HEADER + line);
    expect(full.sink.conns.length).toBe(1);
    expect(full.stats.truncated).toBeUndefined();
    const cut = parse(CONN_HEADER + line + '\n' + line.slice(0, 30));
    expect(cut.sink.conns.length).toBe(1);
    expect(cut.stats.truncated?.code).toBe(ZeekErrorCodes.TRUNCATED);
    expect(cut.stats.truncated?.line).toBe(10);
    expect(cut.stats.skipped).toEqual({ zeek_truncated_line: 1 });
  });

  it('skips an over-long line without buffering it, and reads on', () => {
    const line = '1700000000.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n';
    const long = Buffer.alloc(1024 * 1024 + 10, 0x41);
    const text = Buffer.concat([Buffer.from(CONN_HEADER + line), long, Buffer.from('\n' + line)]);
    const r = parse(text, {}, 'long.log', [65536]);
    expect(r.sink.conns.length).toBe(2);
    expect(r.stats.skipped).toEqual({ zeek_line_too_long: 1 });
    expect(r.anomalies.samples[0]).toMatchObject({ code: 'zeek_line_too_long', line: 10 });
  });

  it('says at once that input without a line break in its first MiB is not a log', () => {
    const r = parse(Buffer.alloc(3 * 1024 * 1024, 0x41), {}, 'blob.log', [65536]);
    expect(r.stats.abandoned?.code).toBe(ErrorCodes.NOT_A_CAPTURE);
    expect(r.stats.abandoned?.message).toBe('Not a Zeek log: no line break in the first 1048576 bytes (blob.log at line 1)');
    expect(r.stats.bytes).toBeLessThan(2 * 1024 * 1024); // it stopped reading
  });

  it('ignores a UTF-8 byte order mark before the header or the first JSON object', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const line = '1700000000.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tS\t(empty)\n';
    expect(parse(Buffer.concat([bom, Buffer.from(CONN_HEADER + line)])).stats.records).toBe(1);
    expect(parse(Buffer.concat([bom, Buffer.from('{"ts":1,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2"}\n')]), {}, 'conn.log').stats.records).toBe(1);
  });

  it('stops at the header of a log it does not read, and says which', () => {
    const r = parse(HEADER('x509', ['ts', 'id'], ['time', 'string']) + '1700000000.0\tFabc\n'.repeat(5), {}, 'x509.log');
    expect(r.stats).toMatchObject({ path: 'x509', skippedLog: true, linesRead: 1, records: 0, skipped: { other_log: 1 } });
  });

  it('reports a header without #fields, a #fields/#types mismatch, and a missing required column', () => {
    const noFields = parse('#separator \\x09\n#path\tconn\n1700000000.0\tC1\n');
    expect(noFields.stats.abandoned?.code).toBe(ErrorCodes.ZEEK_HEADER);
    const mismatch = parse('#separator \\x09\n#fields\tts\tuid\n#types\ttime\n1700000000.0\tC1\n');
    expect(mismatch.stats.abandoned?.message).toBe('Bad Zeek log header: #fields has 2 columns but #types has 1 (test.log at line 4)');
    const noTs = parse(HEADER('conn', ['uid', 'id.orig_h', 'id.resp_h'], ['string', 'addr', 'addr']) + 'C1\t10.0.0.1\t10.0.0.2\n');
    expect(noTs.stats.abandoned?.message).toContain("the conn log has no 'ts' column");
  });

  it('gives identical results for every way of splitting the input into chunks', () => {
    const text =
      '\t' + // Slips' stray TAB before #separator
      CONN_HEADER +
      '1700000000.123456\tCabc\t10.0.0.1\t51000\t10.0.0.2\t443\ttcp\tssl\t1.5\t100\t2000\tSF\tT\tShADadFf\t(empty)\r\n' +
      'bad\n' +
      '1700000001.5\tCdef\t10.0.0.1\t51001\t10.0.0.2\t443\ttcp\t-\t-\t-\t-\tS0\tT\tS\ta\\x2cb,c\n' +
      '#close\t2024-01-01-01-00-00\n';
    const whole = parse(text);
    expect(whole.stats.records).toBe(2);
    for (const split of [[1], [2], [3, 1], [17], randomSizes(7, 200, 40), randomSizes(99, 200, 9)]) {
      const r = parse(text, {}, 'test.log', split);
      expect(r.sink.all()).toEqual(whole.sink.all());
      expect(r.stats).toEqual(whole.stats);
      expect(r.anomalies.toJSON()).toEqual(whole.anomalies.toJSON());
    }
  });
});

describe('Zeek JSON parser', () => {
  it('reads dotted keys, nested id objects, ISO 8601 and millisecond timestamps alike', () => {
    const rows = [
      '{"ts":1700000000.25,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":53,"proto":"udp","query":"a.example","answers":["1.2.3.4"],"TTLs":[60.0],"rtt":0.0008699893951416016}',
      '{"ts":"2023-11-14T22:13:20.250000Z","uid":"C1","id":{"orig_h":"10.0.0.1","orig_p":1,"resp_h":"10.0.0.2","resp_p":53},"proto":"udp","query":"a.example","answers":["1.2.3.4"],"TTLs":[60],"rtt":0.00087}',
      '{"ts":1700000000250,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":53,"proto":"udp","query":"a.example","answers":["1.2.3.4"],"TTLs":[60],"rtt":0.00087,"unknown":{"x":1}}',
    ];
    const { sink, stats, anomalies } = parse(rows.join('\n') + '\n', {}, 'dns_20231114.json');
    expect(anomalies.total()).toBe(0);
    expect(stats).toMatchObject({ path: 'dns', format: 'json', records: 3 });
    expect(sink.dnss[0]).toMatchObject({ ts: 1700000000.25, rtt: 0.00087, respP: 53, answers: ['1.2.3.4'], TTLs: [60] });
    expect(sink.dnss[1]).toEqual(sink.dnss[0]);
    expect(sink.dnss[2]).toEqual(sink.dnss[0]);
  });

  it('takes the log type from _path, else the file name, else the fields', () => {
    const conn = '{"ts":1,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","conn_state":"S0"}\n';
    expect(parse('{"_path":"conn",' + conn.slice(1), {}, 'whatever.json').stats.path).toBe('conn');
    expect(parse(conn, {}, 'conn.09:00:00-10:00:00.log').stats.path).toBe('conn');
    expect(parse(conn, {}, '-').stats.path).toBe('conn');
    expect(parse(conn, {}, 'smtp.log').stats).toMatchObject({ path: 'smtp', skippedLog: true });
    // RITA's open_conn.log says `_path: conn`: the name tells the open variant.
    const open = parse('{"_path":"conn",' + conn.slice(1), {}, 'open_conn.log');
    expect(open.stats).toMatchObject({ path: 'open_conn', openConnections: true });
    expect(open.sink.conns[0].openAtEnd).toBe(true);
  });

  it('counts lines that are not JSON objects, wrong types and missing fields as bad', () => {
    const { sink, stats } = parse(
      [
        '{"ts":1,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","_path":"conn"}',
        '[1,2]',
        '{"ts":1,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","orig_bytes":-5}',
        '{"ts":"yesterday","id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2"}',
        '{"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2"}',
        '{"ts":1,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","service":null}',
        '{"ts":1,',
      ].join('\n') + '\n',
    );
    expect(sink.conns.length).toBe(2);
    expect(stats.skipped).toEqual({ zeek_bad_json: 2, zeek_bad_value: 2, zeek_missing_field: 1 });
  });
});
