/**
 * The straight-line prefix parsers (tsv-fast.ts) against the generic loop they short-cut: the
 * same log read both ways must give the same records, statistics and anomalies, on every TSV
 * log of the corpus and on generated lines full of edge cases (unset and empty values, escapes,
 * non-ASCII bytes, long numbers, IPv6, bad values, short and long lines, carried lines).
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connMapper } from '../../../src/ingest/zeek/conn.js';
import { dnsMapper } from '../../../src/ingest/zeek/dns.js';
import { httpMapper } from '../../../src/ingest/zeek/http.js';
import { sslMapper } from '../../../src/ingest/zeek/ssl.js';
import { connTsvPrefix, dnsTsvPrefix, httpTsvLong, httpTsvPrefix, memoSkips, sslTsvPrefix } from '../../../src/ingest/zeek/tsv-fast.js';
import { corpus, expectSameBothWays, filesUnder, HAVE_CORPUS, loadLog } from './helpers.js';

const tsvLogsUnder = (dir: string) =>
  filesUnder(dir).filter((f) => /^(conn|dns|http|ssl|open_conn|open_http|open_ssl)[._]/.test(path.basename(f)));

describe.skipIf(!HAVE_CORPUS)('prefix parsers on the corpus', () => {
  it('give the records, statistics and anomalies of the generic loop on every conn/dns/http/ssl log', () => {
    const files = [...tsvLogsUnder(corpus('zeek-logs')), ...tsvLogsUnder(corpus('malformed'))].filter((f) => loadLog(f)[0] !== 0x7b);
    expect(files.length).toBeGreaterThan(20);
    let records = 0;
    for (const f of files) records += expectSameBothWays(loadLog(f));
    expect(records).toBeGreaterThan(70_000);
  });

  it('apply to the lines of real logs, not only in theory', () => {
    const cases = [
      { file: corpus('zeek-logs/rita-proxy-beacon-tsv/conn.log'), mapper: connMapper, fn: connTsvPrefix },
      { file: corpus('zeek-logs/wrccdc2018-zed-sample-tsv-gz-and-json-gz/dns.log.gz'), mapper: dnsMapper, fn: dnsTsvPrefix },
      { file: corpus('zeek-logs/rita-proxy-beacon-tsv/http.log'), mapper: httpMapper, fn: httpTsvPrefix },
      { file: corpus('zeek-logs/rita-proxy-beacon-tsv/ssl.log'), mapper: sslMapper, fn: sslTsvPrefix },
    ] as const;
    for (const c of cases) {
      const data = loadLog(c.file);
      let lines = 0;
      let taken = 0;
      for (let p = 0; ; ) {
        const nl = data.indexOf(10, p);
        if (nl < 0) break;
        if (data[p] !== 0x23) {
          lines++;
          if ((c.fn as (r: unknown, b: Buffer, s: number, e: number) => number)(c.mapper.create(undefined), data, p, nl) >= 0) taken++;
        }
        p = nl + 1;
      }
      expect(lines, c.file).toBeGreaterThan(100);
      expect(taken / lines, c.file).toBeGreaterThan(0.9);
    }
  });
});

const HEAD = (pathName: string, fields: string) =>
  `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t${pathName}\n#fields\t${fields.split(' ').join('\t')}\n`;

const ID = 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p';
const LAYOUTS = {
  conn: `${ID} proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents`,
  dns: `${ID} proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected`,
  http: `${ID} trans_depth method host uri referrer version user_agent request_body_len response_body_len status_code status_msg info_code info_msg tags username password proxied orig_fuids orig_filenames orig_mime_types resp_fuids resp_filenames resp_mime_types`,
  ssl: `${ID} version cipher curve server_name resumed last_alert next_protocol established ssl_history cert_chain_fps client_cert_chain_fps sni_matches_cert`,
};
/** Field kinds, by column name (anything else is a string). */
const KIND: Record<string, string> = {
  ts: 'time', 'id.orig_h': 'addr', 'id.resp_h': 'addr', 'id.orig_p': 'port', 'id.resp_p': 'port', proto: 'proto',
  duration: 'time', rtt: 'time', orig_bytes: 'count', resp_bytes: 'count', missed_bytes: 'count', orig_pkts: 'count',
  orig_ip_bytes: 'count', resp_pkts: 'count', resp_ip_bytes: 'count', trans_id: 'count', qclass: 'count', qtype: 'count',
  rcode: 'count', Z: 'count', trans_depth: 'count', request_body_len: 'count', response_body_len: 'count',
  status_code: 'count', info_code: 'count', local_orig: 'bool', local_resp: 'bool', AA: 'bool', TC: 'bool', RD: 'bool',
  RA: 'bool', rejected: 'bool', resumed: 'bool', established: 'bool', sni_matches_cert: 'bool', tunnel_parents: 'list',
  answers: 'list', TTLs: 'times', tags: 'list', orig_filenames: 'list', resp_mime_types: 'list',
};

/** Values Zeek writes, with the odd ones a generic loop must judge. */
const ODD = ['-', '(empty)', '', 'x', '-1', '\\x41', '\\\\', 'caf\u00e9', '\u00ff\u00fe', '1e3', '(emptyish)'];
const VALUES: Record<string, string[]> = {
  time: ['1709251200.269321', '0.5', '1', '12.', '.5', '1709251200.2693215', '17092512002693215.5', '99999999999.999999', '0000000000000000001.25', '1.1234567'],
  addr: ['10.0.0.1', '255.255.255.255', '0.0.0.0', '1.2.3', '01.2.3.4', '256.1.1.1', '2001:db8::1', 'fe80::1%eth0', '1.2.3.4.5', '1..2.3'],
  port: ['0', '53', '65535', '65536', '123456', '0053'],
  count: ['0', '7', '123456789012345', '1234567890123456', '9007199254740993', '12345678901234567'],
  bool: ['T', 'F', 't', 'TT'],
  proto: ['tcp', 'udp', 'icmp', 'sctp', 'tcpx', 'TCP'],
  list: ['Cx1', 'Cx1,Cx2', 'a\\x2cb', ',', 'a,', ',a', 'a,,b', 'x\\x09y', '1.2.3.4,5.6.7.8,9.9.9.9', 'caf\u00e9,b'],
  times: ['300', '300,60.5', '1,x', '0.1234567', '1,', ',1', '999999999999999,5', '17092512002693215.5', '99999999999.999999,1.5', '-1', '1e3'],
  string: ['dns', 'SF', 'ShADadFf', 'www.example.com', 'Mozilla/5.0 (X11; Linux)', 'a\\x2cb', 'GET', 'TLSv13', 'C_INTERNET'],
};

function fieldArb(name: string, strings = VALUES.string): fc.Arbitrary<string> {
  const kind = KIND[name] ?? 'string';
  const usual = fc.constantFrom(...(kind === 'string' ? strings : VALUES[kind]));
  return fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: fc.constantFrom(...ODD) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
}

function lineArb(fields: string[], strings = VALUES.string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.tuple(...fields.map((f) => fieldArb(f, strings))), fc.constantFrom('', '', '', '', 'drop', 'extra', 'cr'))
    .map(([vals, twist]) => {
      const v = [...vals];
      if (twist === 'drop') v.pop();
      if (twist === 'extra') v.push('more');
      return v.join('\t') + (twist === 'cr' ? '\r' : '');
    });
}

describe('prefix parsers on generated lines', () => {
  for (const [log, layout] of Object.entries(LAYOUTS)) {
    it(`give the generic loop's outcome on ${log} lines with odd values, in any chunking`, () => {
      const fields = layout.split(' ');
      fc.assert(
        fc.property(fc.array(lineArb(fields), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 400 }), fc.boolean(), (lines, split, lastNl) => {
          const text = HEAD(log, layout) + lines.join('\n') + (lastNl ? '\n' : '');
          // 'latin1' keeps \u00e9 and \u00ff as the single bytes e9 and ff: not UTF-8, as in a broken log.
          const data = Buffer.from(text, text.includes('\u00ff') ? 'latin1' : 'utf8');
          expectSameBothWays(data);
          expectSameBothWays(data, 'x.log', split);
        }),
        { numRuns: 150 },
      );
    });
  }

  // tokenAt takes a column's value from the line before when the bytes are the same: values that
  // are prefixes, extensions and escaped spellings of one another, on consecutive lines.
  // Escaped ones too: `SFF`, `S\x46F` and `S\x46\x46` are three spellings of one value, whose
  // raw bytes tokenAt keeps apart from the decoded text.
  const LOOKALIKES = ['S', 'SF', 'SFX', 'SF ', 'S\\x46', 'SF\\x2c', 'SF,', ' SF', 'SS', 'FS', 'SFF', 'S\\x46F', 'S\\x46\\x46', 'S\\x46\\x46X'];
  for (const [log, layout] of Object.entries(LAYOUTS)) {
    it(`give the generic loop's outcome on ${log} lines whose strings repeat or nearly repeat the line before`, () => {
      const fields = layout.split(' ');
      fc.assert(
        fc.property(fc.array(lineArb(fields, LOOKALIKES), { minLength: 2, maxLength: 16 }), fc.integer({ min: 1, max: 300 }), (lines, split) => {
          const data = Buffer.from(HEAD(log, layout) + lines.join('\n') + '\n');
          expectSameBothWays(data);
          expectSameBothWays(data, 'x.log', split);
        }),
        { numRuns: 100 },
      );
    });
  }

  it('reads long times and intervals (16 digits and more, 0 to 7 decimals) to the same value as the generic loop', () => {
    const layout = LAYOUTS.conn;
    const rest = '\tCx\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t';
    const tail = '\t1\t2\tSF\tT\tF\t0\tS\t1\t2\t3\t4\t(empty)';
    fc.assert(
      fc.property(fc.bigInt({ min: 10n ** 13n, max: 2n ** 54n }), fc.integer({ min: 0, max: 7 }), fc.bigInt({ min: 0n, max: 2n ** 53n }), fc.integer({ min: 0, max: 7 }), (m1, fd1, m2, fd2) => {
        const dec = (m: bigint, fd: number) => {
          const s = m.toString().padStart(fd + 1, '0');
          return fd === 0 ? s : s.slice(0, s.length - fd) + '.' + s.slice(s.length - fd);
        };
        const data = Buffer.from(HEAD('conn', layout) + dec(m1, fd1) + rest + dec(m2, fd2) + tail + '\n');
        expect(expectSameBothWays(data)).toBe(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the usual lines of every log whole, without the generic loop', () => {
    const line = {
      conn: '1709251200.269321\tCry0WvDgR22TU4huRk\t10.20.2.25\t19526\t10.20.0.53\t53\tudp\tdns\t0.062610\t51\t100\tSF\tT\tT\t0\tDd\t2\t107\t1\t128\t(empty)',
      dns: '1709251200.269321\tCry0WvDgR22TU4huRk\t10.20.2.25\t19526\t10.20.0.53\t53\tudp\t54020\t0.062610\toutlook.office365.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t160.64.122.232\t300\tF',
      http: '1709251208.376312\tCcyIXJDf7zJlCV65c0\t10.20.2.101\t30199\t34.125.39.136\t80\t1\tGET\twww.google.com\t/path/b2xx?q=4676\t-\t1.1\tMozilla/5.0 (KHTML\\x2c like Gecko)\t-',
      ssl: '1709251203.266864\tCEKjtaU0OQg2GIBjwf\t10.20.2.21\t6870\t185.23.22.86\t443\tTLSv13\tTLS_AES_128_GCM_SHA256\tx25519\twww.amazon.com\tF\t-\th2\tT\tCsxknGIti',
    };
    const conn = connMapper.create(undefined);
    const b1 = Buffer.from(line.conn + '\n');
    expect(connTsvPrefix(conn, b1, 0, b1.length - 1)).toBe(b1.length - 1);
    expect(conn).toMatchObject({ ts: 1709251200.269321, uid: 'Cry0WvDgR22TU4huRk', origP: 19526, respH: '10.20.0.53', proto: 'udp', service: 'dns', duration: 0.06261, respBytes: 100, localResp: true, history: 'Dd', respIpBytes: 128, tunnelParents: [] });
    const dns = dnsMapper.create(undefined);
    const b2 = Buffer.from(line.dns + '\n');
    expect(dnsTsvPrefix(dns, b2, 0, b2.length - 1)).toBe(b2.length - 1);
    expect(dns).toMatchObject({ transId: 54020, query: 'outlook.office365.com', qtypeName: 'A', rcodeName: 'NOERROR', RD: true, TC: false, answers: ['160.64.122.232'], TTLs: [300], rejected: false });
    const http = httpMapper.create(undefined);
    const b3 = Buffer.from(line.http + '\n');
    // The prefix ends at the TAB before `-` (the column after user_agent), decoded escape and all.
    expect(httpTsvPrefix(http, b3, 0, b3.length - 1)).toBe(b3.length - 3);
    expect(http).toMatchObject({ transDepth: 1, method: 'GET', uri: '/path/b2xx?q=4676', referrer: null, version: '1.1', userAgent: 'Mozilla/5.0 (KHTML, like Gecko)' });
    // The whole of http.log's default columns, as the generator (and Zeek 5+) writes them.
    const long = Buffer.from(line.http + '\t0\t5923\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t(empty)\t(empty)\t(empty)\tFS4scAy0zuFE2DUHx4\t(empty)\ttext/html\n');
    const http2 = httpMapper.create(undefined);
    expect(httpTsvLong(http2, long, 0, long.length - 1)).toBe(long.length - 1);
    expect(http2).toMatchObject({ userAgent: 'Mozilla/5.0 (KHTML, like Gecko)', origin: null, requestBodyLen: 0, responseBodyLen: 5923, statusCode: 200, statusMsg: 'OK', tags: [], respMimeTypes: ['text/html'] });
    const ssl = sslMapper.create(undefined);
    const b4 = Buffer.from(line.ssl + '\n');
    expect(sslTsvPrefix(ssl, b4, 0, b4.length - 1)).toBe(b4.length - 1 - '\tCsxknGIti'.length);
    expect(ssl).toMatchObject({ version: 'TLSv13', serverName: 'www.amazon.com', resumed: false, lastAlert: null, nextProtocol: 'h2', established: true });
  });

  it('share a one-element list, frozen, with the line before when it holds the same element, and take a repeated escaped value from the line before', () => {
    const dnsLine = (answer: string, ttl: string) =>
      Buffer.from(`1709251200.269321\tCry0WvDgR22TU4huRk\t10.20.2.25\t19526\t10.20.0.53\t53\tudp\t54020\t0.062610\toutlook.office365.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t${answer}\t${ttl}\tF\n`);
    const read = (b: Buffer) => {
      const r = dnsMapper.create(undefined);
      expect(dnsTsvPrefix(r, b, 0, b.length - 1)).toBe(b.length - 1);
      return r;
    };
    const a = read(dnsLine('192.0.2.7', '300'));
    const b = read(dnsLine('192.0.2.7', '300'));
    expect(b.answers).toEqual(['192.0.2.7']);
    expect(b.TTLs).toEqual([300]);
    expect(b.answers).toBe(a.answers);
    expect(b.TTLs).toBe(a.TTLs);
    expect(Object.isFrozen(a.answers) && Object.isFrozen(a.TTLs)).toBe(true);
    expect(() => a.answers.push('x')).toThrow(TypeError);
    // A different element, or two elements, give new lists of their own.
    const c = read(dnsLine('192.0.2.8', '60.5'));
    expect(c.answers).toEqual(['192.0.2.8']);
    expect(c.TTLs).toEqual([60.5]);
    expect(c.answers).not.toBe(b.answers);
    expect(Object.isFrozen(c.answers) || Object.isFrozen(c.TTLs)).toBe(false);
    const d = read(dnsLine('192.0.2.8,192.0.2.9', '60.5,60.5'));
    expect(d.answers).toEqual(['192.0.2.8', '192.0.2.9']);
    expect(d.TTLs).toEqual([60.5, 60.5]);
    expect(read(dnsLine('192.0.2.8', '60.5')).answers).toBe(c.answers);
    // The same value spelled with and without escapes, in both orders, and repeated.
    const head = '1709251208.376312\tCcyIXJDf7zJlCV65c0\t10.20.2.101\t30199\t34.125.39.136\t80\t1\tGET\twww.google.com\t/p\t-\t1.1\t';
    for (const agents of [
      ['Mozilla/5.0 (KHTML\\x2c like Gecko)', 'Mozilla/5.0 (KHTML\\x2c like Gecko)', 'Mozilla/5.0 (KHTML, like Gecko)', 'Mozilla/5.0 (KHTML\\x2c like Gecko)'],
      ['a\\x2cb', 'a,b', 'a\\x2cb', 'a\\x2cbc', 'a\\x2c'],
    ]) {
      for (const agent of agents) {
        const line = Buffer.from(head + agent + '\t-\n');
        const r = httpMapper.create(undefined);
        expect(httpTsvPrefix(r, line, 0, line.length - 1)).toBe(line.length - 3);
        expect(r.userAgent).toBe(agent.replaceAll('\\x2c', ','));
      }
    }
    // A decoded value whose text is another value's raw bytes: `a\\x41` is `a\x41`, `a\x41` is `aA`.
    for (const [raw, value] of [['a\\\\x41', 'a\\x41'], ['a\\x41', 'aA'], ['a\\\\x41', 'a\\x41'], ['aA', 'aA'], ['a\\x41', 'aA']]) {
      const line = Buffer.from(head + raw + '\t-\n');
      const r = httpMapper.create(undefined);
      expect(httpTsvPrefix(r, line, 0, line.length - 1)).toBe(line.length - 3);
      expect(r.userAgent, raw).toBe(value);
    }
  });

  it('give the generic loop\'s outcome when a column holds more distinct values than its memo, in any order', () => {
    // 300 names (escaped spellings among them) against tokenAt's 64 memo slots per column:
    // buckets shared, values evicted and read again.
    const layout = LAYOUTS.dns;
    const names = Array.from({ length: 300 }, (_, k) => (k % 7 === 0 ? `h${k}\\x2cexample.com` : `host-${k % 50}.d${k}.example`));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: names.length - 1 }), { minLength: 50, maxLength: 400 }), (picks) => {
        const lines = picks.map((k) => `1709251200.269321\tCx\t10.0.0.1\t1\t10.0.0.2\t53\tudp\t7\t0.5\t${names[k]}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t${names[(k * 7) % 300]}\t300\tF`);
        const data = Buffer.from(HEAD('dns', layout) + lines.join('\n') + '\n');
        expect(expectSameBothWays(data)).toBe(picks.length);
      }),
      { numRuns: 30 },
    );
  });

  it('give the generic loop\'s outcome while a column that keeps missing its memo skips it, and after it takes it back', () => {
    // 5,000 lines of names seen once (a long tail), with escaped, non-ASCII, long, empty and
    // lookalike values among them: the query and server-name columns miss their memos, skip
    // them for a while (one pass that scans and hashes), then try them again; then 5,000 lines
    // over 6 names, which the memos serve again.
    const tail = (k: number) =>
      k % 97 === 0 ? `t${k}\\x2cexample.com` : k % 89 === 0 ? `caf\u00e9${k}.fr` : k % 83 === 0 ? 'x'.repeat(300 + (k % 7)) : k % 79 === 0 ? '' : k % 73 === 0 ? `S\\x46${k % 3}` : `n${k}.tail${k % 13}.example`;
    const few = ['www.example.com', 'api.example.com', 'S\\x46', 'SF', 'a\\x2cb', 'cdn.example.net'];
    const names = [...Array.from({ length: 5000 }, (_, k) => tail(k)), ...Array.from({ length: 5000 }, (_, k) => few[(k * 7) % 6])];
    const before = memoSkips.count;
    const dns = names.map((q, k) => `1709251200.269321\tC${k}\t10.0.0.1\t1\t10.0.0.2\t53\tudp\t7\t0.5\t${q}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t1.2.3.4\t300\tF`);
    const dnsData = Buffer.from(HEAD('dns', LAYOUTS.dns) + dns.join('\n') + '\n', 'latin1');
    expect(expectSameBothWays(dnsData)).toBe(names.length);
    expect(memoSkips.count).toBeGreaterThan(before);
    const afterDns = memoSkips.count;
    const ssl = names.map((q, k) => `1709251200.269321\tC${k}\t10.0.0.1\t1\t10.0.0.2\t443\tTLSv13\tTLS_AES_128_GCM_SHA256\tx25519\t${q}\tF\t-\th2\tT\tCsxknGIti\t(empty)\t(empty)\tT`);
    const sslData = Buffer.from(HEAD('ssl', LAYOUTS.ssl) + ssl.join('\n') + '\n', 'latin1');
    expect(expectSameBothWays(sslData)).toBe(names.length);
    expect(expectSameBothWays(sslData, 'x.log', 777)).toBe(names.length);
    expect(memoSkips.count).toBeGreaterThan(afterDns);
  });
});
