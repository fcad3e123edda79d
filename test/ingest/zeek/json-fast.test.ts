/**
 * The byte-level JSON reader (json-fast.ts) against JSON.parse, which it short-cuts: the same
 * JSON log read both ways must give the same records, statistics and anomalies, on every JSON
 * log of the corpus and on generated lines full of edge cases (escapes, non-ASCII text, numbers
 * JSON's grammar rejects or that need more than 2^53, exponents, -0, null, duplicate and unknown
 * keys, nested objects, whitespace, arrays of anything, broken lines, any chunking).
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connMapper } from '../../../src/ingest/zeek/conn.js';
import { dnsMapper } from '../../../src/ingest/zeek/dns.js';
import { httpMapper } from '../../../src/ingest/zeek/http.js';
import { sslMapper } from '../../../src/ingest/zeek/ssl.js';
import { jsonKeyTable, readJsonFields } from '../../../src/ingest/zeek/json-fast.js';
import type { RecordMapper } from '../../../src/ingest/zeek/mapper.js';
import { corpus, expectSameBothWays, filesUnder, HAVE_CORPUS, loadLog } from './helpers.js';

const isJsonLog = (f: string) => /(conn|dns|http|ssl)[^/]*\.(log|json)(\.gz)?$/.test(f) && loadLog(f)[0] === 0x7b;

describe.skipIf(!HAVE_CORPUS)('byte-level JSON reader on the corpus', () => {
  it('gives the records, statistics and anomalies of JSON.parse on every conn/dns/http/ssl JSON log', () => {
    const files = [...filesUnder(corpus('zeek-logs')), ...filesUnder(corpus('malformed'))].filter(isJsonLog);
    expect(files.length).toBeGreaterThan(8);
    let records = 0;
    for (const f of files) records += expectSameBothWays(loadLog(f), path.basename(f));
    expect(records).toBeGreaterThan(20_000);
  });

  it('reads the lines of real logs itself, not only in theory', () => {
    const cases: [string, RecordMapper<unknown>][] = [
      [corpus('zeek-logs/wrccdc2018-zed-sample-tsv-gz-and-json-gz/dns.json.gz'), dnsMapper as RecordMapper<unknown>],
      [corpus('zeek-logs/rita-json-all-fields/conn.log'), connMapper as RecordMapper<unknown>],
      [corpus('zeek-logs/rita-json-all-fields/http.log'), httpMapper as RecordMapper<unknown>],
      [corpus('zeek-logs/rita-json-all-fields/ssl.log'), sslMapper as RecordMapper<unknown>],
    ];
    for (const [file, mapper] of cases) {
      const data = loadLog(file);
      const table = jsonKeyTable(mapper)!;
      let lines = 0;
      let taken = 0;
      for (let p = 0; ; ) {
        const nl = data.indexOf(10, p);
        if (nl < 0) break;
        if (data[p] === 0x7b) {
          lines++;
          if (readJsonFields(mapper.create(undefined), mapper, table, data, p, nl)) taken++;
        }
        p = nl + 1;
      }
      expect(lines, file).toBeGreaterThanOrEqual(10);
      expect(taken / lines, file).toBeGreaterThan(0.9);
    }
  });
});

/** Columns of each log, plus keys no mapper knows. */
const KEYS: Record<string, string[]> = {
  conn: [...connMapper.codes.keys()],
  dns: [...dnsMapper.codes.keys()],
  http: [...httpMapper.codes.keys()],
  ssl: [...sslMapper.codes.keys()],
};
const UNKNOWN_KEYS = ['_path', '_write_ts', 'id', 'extra', 'id.orig_h.x', '__proto__'];

/** JSON value texts, usual and odd (raw text, so that grammar errors reach the reader). */
const NUMBERS = [
  '0', '7', '53', '65535', '65536', '-1', '-0', '-0.0', '1709251200.269321', '0.0008699893951416016', '2230.0', '1e3',
  '1E-2', '2.5e+1', '9007199254740993', '123456789012345678901234', '0.12345678901234567890123', '01', '1.', '.5', '-',
  '1e', '0x10', '1709251200269', '1.7976931348623157e309', '00', '-01',
];
const STRINGS = [
  '"tcp"', '"udp"', '"icmp"', '"SF"', '"dns"', '"10.0.0.1"', '"255.255.255.255"', '"0.0.0.0"', '"01.2.3.4"', '"256.1.1.1"',
  '"1.2.3"', '"2001:db8::1"', '"fe80::1%eth0"', '"CHhAvVGS1DHFjwGM9"', '""', '"caf\u00e9"', '"a\\"b"', '"a\\\\b"',
  '"a\\u0041"', '"\\u00e9"', '"tab\\there"', '"x\\/y"', '"2024-03-01T00:00:00.123456Z"', '"2024-03-01T00:00:00Z"',
  '"T"', '"www.example.com"', '"Mozilla/5.0 (X11; Linux)"', '"\u00ff"', '"a\u0001b"', '"\\x41"', '"a\\u00zz"', '"\\u12"',
  '"a\\', '"\\uD800"',
];
const OTHER = [
  'true', 'false', 'null', 'tru', 'nul', '[]', '["a"]', '["a","b"]', '[300]', '[300,60.5]', '[1,"a"]', '[null]', '[[1]]',
  '[', '["a",]', '[1 ]', '{}', '{"orig_h":"10.0.0.1"}', '{"a":1}',
];

function valueArb(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
    { weight: 3, arbitrary: fc.constantFrom(...STRINGS) },
    { weight: 2, arbitrary: fc.constantFrom(...OTHER) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)) },
  );
}

/** A usual line of a log (every column, a plausible value), as Zeek writes it. */
const USUAL: Record<string, Record<string, unknown>> = {
  conn: {
    ts: 1709251200.269321, uid: 'Cry0WvDgR22TU4huRk', 'id.orig_h': '10.20.2.25', 'id.orig_p': 19526, 'id.resp_h': '10.20.0.53',
    'id.resp_p': 53, proto: 'udp', service: 'dns', duration: 0.06261, orig_bytes: 51, resp_bytes: 100, conn_state: 'SF',
    local_orig: true, local_resp: true, missed_bytes: 0, history: 'Dd', orig_pkts: 2, orig_ip_bytes: 107, resp_pkts: 1,
    resp_ip_bytes: 128, tunnel_parents: [],
  },
  dns: {
    ts: 1709251200.269321, uid: 'Cry0WvDgR22TU4huRk', 'id.orig_h': '10.20.2.25', 'id.orig_p': 19526, 'id.resp_h': '10.20.0.53',
    'id.resp_p': 53, proto: 'udp', trans_id: 54020, rtt: 0.06261, query: 'outlook.office365.com', qclass: 1,
    qclass_name: 'C_INTERNET', qtype: 1, qtype_name: 'A', rcode: 0, rcode_name: 'NOERROR', AA: false, TC: false, RD: true,
    RA: true, Z: 0, answers: ['160.64.122.232'], TTLs: [300.0], rejected: false,
  },
  http: {
    ts: 1709251208.376312, uid: 'CcyIXJDf7zJlCV65c0', 'id.orig_h': '10.20.2.101', 'id.orig_p': 30199, 'id.resp_h': '34.125.39.136',
    'id.resp_p': 80, trans_depth: 1, method: 'GET', host: 'www.google.com', uri: '/path/b2xx?q=4676', version: '1.1',
    user_agent: 'Mozilla/5.0 (KHTML, like Gecko)', request_body_len: 0, response_body_len: 5923, status_code: 200,
    status_msg: 'OK', tags: [], resp_mime_types: ['text/html'],
  },
  ssl: {
    ts: 1709251203.266864, uid: 'CEKjtaU0OQg2GIBjwf', 'id.orig_h': '10.20.2.21', 'id.orig_p': 6870, 'id.resp_h': '185.23.22.86',
    'id.resp_p': 443, version: 'TLSv13', cipher: 'TLS_AES_128_GCM_SHA256', curve: 'x25519', server_name: 'www.amazon.com',
    resumed: false, next_protocol: 'h2', established: true,
  },
};

/** A line from the usual one with a few keys changed, added, repeated or dropped, and maybe a twist in its text. */
function lineArb(log: string): fc.Arbitrary<string> {
  const usual = Object.entries(USUAL[log]).map(([k, v]) => [k, JSON.stringify(v)] as [string, string]);
  const keys = [...KEYS[log], ...UNKNOWN_KEYS];
  const edit = fc.oneof(
    fc.tuple(fc.constant('set'), fc.constantFrom(...keys), valueArb()),
    fc.tuple(fc.constant('add'), fc.constantFrom(...keys), valueArb()),
    fc.tuple(fc.constant('drop'), fc.constantFrom(...keys), fc.constant('')),
  );
  return fc
    .tuple(fc.array(edit, { maxLength: 4 }), fc.constantFrom('', '', '', '', 'space', 'cr', 'trail', 'cut', 'shuffle'), fc.nat())
    .map(([edits, twist, seed]) => {
      let pairs = [...usual];
      for (const [op, k, v] of edits) {
        if (op === 'set') {
          const i = pairs.findIndex(([pk]) => pk === k);
          if (i >= 0) pairs[i] = [k, v];
          else pairs.push([k, v]);
        } else if (op === 'add') pairs.push([k, v]);
        else pairs = pairs.filter(([pk]) => pk !== k);
      }
      if (twist === 'shuffle') pairs = pairs.map((p, i) => [p, (i * 7919 + seed) % 101] as const).sort((a, b) => a[1] - b[1]).map(([p]) => p);
      const sep = twist === 'space' ? ', ' : ',';
      let text = '{' + pairs.map(([k, v]) => JSON.stringify(k) + ':' + v).join(sep) + '}';
      if (twist === 'cr') text += '\r';
      if (twist === 'trail') text += ' ';
      if (twist === 'cut') text = text.slice(0, Math.max(1, seed % text.length));
      return text;
    });
}

describe('byte-level JSON reader on generated lines', () => {
  for (const log of Object.keys(USUAL)) {
    it(`gives JSON.parse's outcome on ${log} lines with odd keys and values, in any chunking`, () => {
      fc.assert(
        fc.property(fc.array(lineArb(log), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), (lines, split, lastNl) => {
          const data = Buffer.from(lines.join('\n') + (lastNl ? '\n' : ''), 'utf8');
          const file = `${log}.log`;
          expectSameBothWays(data, file);
          expectSameBothWays(data, file, split);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('reads numbers to the value JSON.parse gives (up to 2^53 and beyond, 0 to 25 decimals, exponents)', () => {
    const table = jsonKeyTable(connMapper as RecordMapper<unknown>)!;
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 60n }), fc.integer({ min: 0, max: 25 }), fc.boolean(), fc.constantFrom('', 'e3', 'E-2', 'e+0'), (m, fd, neg, exp) => {
        const digits = m.toString().padStart(fd + 1, '0');
        const text = (neg ? '-' : '') + (fd === 0 ? digits : digits.slice(0, digits.length - fd) + '.' + digits.slice(digits.length - fd)) + exp;
        const line = Buffer.from(`{"ts":${text},"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2"}\n`);
        const rec = connMapper.create(undefined);
        const ok = readJsonFields(rec, connMapper, table, line, 0, line.length - 1);
        const ref = connMapper.create(undefined);
        const accepted = connMapper.setJson(ref, 1, JSON.parse(text));
        // Leading zeros (0012) are not JSON: the reader leaves them to JSON.parse, which refuses them too.
        if (!/^-?0\d/.test(text)) expect(ok).toBe(accepted);
        if (ok) expect(Object.is(rec.ts, ref.ts) || (Number.isNaN(rec.ts) && Number.isNaN(ref.ts))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the usual line of every log whole', () => {
    for (const [log, mapper] of [['conn', connMapper], ['dns', dnsMapper], ['http', httpMapper], ['ssl', sslMapper]] as const) {
      const m = mapper as RecordMapper<unknown>;
      const line = Buffer.from(JSON.stringify(USUAL[log]) + '\n');
      const rec = m.create(undefined);
      expect(readJsonFields(rec, m, jsonKeyTable(m)!, line, 0, line.length - 1), log).toBe(true);
      expect(rec).toMatchObject({ uid: USUAL[log].uid, origH: USUAL[log]['id.orig_h'], respP: USUAL[log]['id.resp_p'] });
    }
  });

  it('takes blanks after { : , and before , } as JSON allows (RITA writes spaces)', () => {
    const m = connMapper as RecordMapper<unknown>;
    const line = Buffer.from(JSON.stringify(USUAL.conn, null, 1).replace(/\n/g, '').replace(/\[\]/, '[ ]') + ' \n');
    const rec = m.create(undefined);
    expect(readJsonFields(rec, m, jsonKeyTable(m)!, line, 0, line.length - 1)).toBe(true);
    expect(rec).toMatchObject({ history: 'Dd', tunnelParents: [] });
  });

  it('leaves to JSON.parse what it does not read itself', () => {
    const m = connMapper as RecordMapper<unknown>;
    const table = jsonKeyTable(m)!;
    const base = JSON.stringify(USUAL.conn);
    for (const text of [
      base.replace('"SF"', '"S\\u0046"'), // an escape
      base.replace(',"proto"', ',\r"proto"'), // a CR inside the line
      base.replace('"history":"Dd"', '"history":"Dd","history":null'), // a key twice
      base.replace('"id.orig_h":"10.20.2.25"', '"id":{"orig_h":"10.20.2.25"}'), // a nested object
      base.replace('"orig_pkts":2', '"orig_pkts":02'), // not JSON
      base.replace('"orig_pkts":2', '"orig_pkts":-2'), // a value the mapper refuses
      base + 'x', // bytes after the object
    ]) {
      const line = Buffer.from(text + '\n');
      expect(readJsonFields(m.create(undefined), m, table, line, 0, line.length - 1), text).toBe(false);
    }
  });
});
