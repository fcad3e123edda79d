/** Field value readers: numbers as Number() reads them, ISO 8601 times, Zeek's string escaping. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanDecimal, scanState, scanTime } from '../../../src/ingest/zeek/scan.js';
import {
  jsonTime,
  parseCount,
  parseDecimal,
  parseIsoTime,
  tsvString,
  unescapeTsvBytes,
  zeekJsonText,
} from '../../../src/ingest/zeek/values.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('numbers', () => {
  it('parses decimals exactly as Number() does (Zeek %.6f times, intervals, counts)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), fc.integer({ min: 0, max: 999_999 }), (sec, usec) => {
        const text = `${sec}.${String(usec).padStart(6, '0')}`;
        expect(parseDecimal(b(text), 0, text.length)).toBe(Number(text));
        const line = b(text + '\tnext');
        expect(scanDecimal(line, 0, line.length, 9)).toBe(Number(text));
        expect(scanState.end).toBe(text.length);
      }),
      { numRuns: 2000 },
    );
    for (const t of ['0', '-1.5', '123456789012345678', '1e5', '0.0008699893951416016', '.5']) {
      expect(parseDecimal(b(t), 0, t.length)).toBe(Number(t));
    }
    for (const t of ['', '-', '1.2.3', 'abc', '0x10', ' 1', 'Infinity']) expect(parseDecimal(b(t), 0, t.length)).toBeNaN();
    expect(parseCount(b('12345'), 0, 5)).toBe(12345);
    expect(parseCount(b('-1'), 0, 2)).toBe(-1);
    expect(parseCount(b('99999999999999999'), 0, 17)).toBe(-1);
  });

  it('reads ISO 8601 times to the same double as the epoch text (JSON::TS_ISO8601 vs TSV)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_799 }), fc.integer({ min: 0, max: 999_999 }), (sec, usec) => {
        const frac = String(usec).padStart(6, '0');
        const iso = new Date(sec * 1000).toISOString().slice(0, 19) + '.' + frac + 'Z';
        const epoch = `${sec}.${frac}`;
        expect(parseIsoTime(iso)).toBe(Number(epoch));
        expect(jsonTime(iso)).toBe(Number(epoch));
        const tsv = b(iso);
        expect(scanTime(tsv, 0, tsv.length, 9)).toBe(Number(epoch));
      }),
      { numRuns: 1000 },
    );
    expect(parseIsoTime('2018-03-24T17:15:20Z')).toBe(1521911720);
    expect(parseIsoTime('2018-03-24T19:15:20.5+02:00')).toBe(1521911720.5);
    expect(parseIsoTime('2018-03-24')).toBeNaN();
    expect(jsonTime(1521911720865)).toBe(1521911720.865); // JSON::TS_MILLIS
    expect(jsonTime(0.0008699893951416016)).toBe(0.00087);
  });
});

describe("Zeek's string rendering", () => {
  // The cases of Zeek's own unit test of util::escape_utf8 (src/util.cc), for the escapes
  // that do not depend on the control-character flags.
  it.each([
    ['string', 'string'],
    ['string\x82', 'string\\x82'],
    ['\x07\xd4\xb7o', '\\x07\\xd4\\xb7o'],
    ['\f\n\r\t\x00\x15', '\f\n\r\t\\x00\\x15'],
    ['\xc3\xb1', 'ñ'],
    ['\xc3\x28', '\\xc3('],
    ['\xc0\x81', '\\xc0\\x81'],
    ['\xc1\x81', '\\xc1\\x81'],
    ['\xc2\xcf', '\\xc2\\xcf'],
    ['\xa0\xa1', '\\xa0\\xa1'],
    ['\xe2\x82\xa1', '₡'],
    ['\xe0\xa3\xa1', '\u08e1'],
    ['\xe0\x80\xa1', '\\xe0\\x80\\xa1'],
    ['\xe2\x28\xa1', '\\xe2(\\xa1'],
    ['\xed\xa0\xa1', '\\xed\\xa0\\xa1'],
    ['\xe2\x82\x28', '\\xe2\\x82('],
    ['\xf0\x90\x8c\xbc', '\u{1033c}'],
    ['\xf4\x80\x8c\xbc', '\u{10033c}'],
    ['\xf0\x80\x8c\xbc', '\\xf0\\x80\\x8c\\xbc'],
    ['\xf2\x28\x8c\xbc', '\\xf2(\\x8c\\xbc'],
    ['\xf4\x90\x8c\xbc', '\\xf4\\x90\\x8c\\xbc'],
    ['\xf0\x90\x28\xbc', '\\xf0\\x90(\\xbc'],
    ['\xf0\x28\x8c\x28', '\\xf0(\\x8c('],
    ['\xf4\x80\x8c', '\\xf4\\x80\\x8c'],
    ['\xf0', '\\xf0'],
    ['\xee\x8b\xa0', '\\xee\\x8b\\xa0'],
    ['\xc3\xb1\xc0\x81', '\\xc3\\xb1\\xc0\\x81'],
  ])('bytes %j render as %j', (raw, want) => {
    const bytes = b(raw);
    expect(zeekJsonText(bytes, 0, bytes.length)).toBe(want);
  });

  it('undoes TSV escaping exactly (\\\\ and \\xNN only)', () => {
    const t = b('a\\\\b\\x09c\\x2cd\\xZZ\\q');
    expect(unescapeTsvBytes(t, 0, t.length).toString('latin1')).toBe('a\\b\tc,d\\xZZ\\q');
  });

  it('renders a TSV field as the JSON writer renders the same bytes', () => {
    // Zeek's TSV writer: backslash -> \\, separators and non-printables -> \xNN (get_escaped_string).
    const tsvEscape = (raw: Buffer) => {
      let out = '';
      for (const c of raw) {
        if (c === 0x5c) out += '\\\\';
        else if (c === 0x09 || c === 0x2c || c < 0x20 || c > 0x7e) out += '\\x' + c.toString(16).padStart(2, '0');
        else out += String.fromCharCode(c);
      }
      return b(out);
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (arr) => {
        const raw = Buffer.from(arr);
        const field = tsvEscape(raw);
        expect(tsvString(field, 0, field.length, field.includes(0x5c))).toBe(zeekJsonText(raw, 0, raw.length));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('addresses', () => {
  it('takes dotted quads and IPv6 as Zeek writes them, and rejects junk', async () => {
    const { scanAddr } = await import('../../../src/ingest/zeek/scan.js');
    const read = (t: string) => {
      const line = b(t + '\tx');
      const v = scanAddr(line, 0, line.length, 9);
      return v === null ? null : [v, scanState.end];
    };
    for (const ok of ['10.0.0.1', '255.255.255.255', '0.0.0.0', '2001:db8::1', 'fe80::1%eth0', '::ffff:192.0.2.1']) {
      expect(read(ok)).toEqual([ok, ok.length]);
      expect(read(ok)).toEqual([ok, ok.length]); // from the cache the second time
    }
    for (const bad of ['010.0.0.1', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', 'example.com', 'not-an-ip', '-', '']) {
      expect(read(bad), bad).toBeNull();
    }
  });
});

describe('log file names', () => {
  it('tells the log type and whether a directory entry is a log', async () => {
    const { logTypeFromFileName, looksLikeZeekLogName } = await import('../../../src/ingest/zeek/log-types.js');
    const { isLogFileForDirectory } = await import('../../../src/ingest/zeek/reader.js');
    const cases: [string, string | null, boolean][] = [
      ['conn.13:00:00-14:00:00.log.gz', 'conn', true],
      ['/var/zeek/2024-01-01/dns.00:00:00-01:00:00.log.gz', 'dns', true],
      ['conn_20240101.json', 'conn', true],
      ['ssl.json.gz', 'ssl', true],
      ['open_conn.log', 'open_conn', true],
      ['conn_long.log', 'conn_long', true],
      ['conn.log.labeled', 'conn', true],
      ['conn.log.1.gz', 'conn', true],
      ['x509.log', 'x509', true],
      ['capture.log', 'capture', true], // a .log: its #path decides
      ['manifest.json', 'manifest', false],
      ['LICENSE-CC-BY-SA-4.0.txt', null, false],
      ['LICENSE.txt', 'LICENSE', false],
      ['trace.pcap', 'trace', false],
    ];
    for (const [name, type, pick] of cases) {
      expect(logTypeFromFileName(name), name).toBe(type);
      expect(isLogFileForDirectory(name.slice(name.lastIndexOf('/') + 1)), name).toBe(pick);
    }
    expect(looksLikeZeekLogName('README.md')).toBe(false);
  });
});
