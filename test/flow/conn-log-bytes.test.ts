/**
 * The TSV writer's byte path (a stream sink: values written as bytes into the batch) against
 * its string path (no sink: `lines`), which is what it replaced for `konseki flows`: the same
 * bytes for every type, including the values the byte path hands back to the string functions
 * (escapes, non-ASCII, lone surrogates, unsafe integers, negative or huge times, sets).
 */
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZeekLogWriter } from '../../src/export/zeek-log-writer.js';
import { CONN_LOG, type LogSpec } from '../../src/export/zeek-fields.js';
import type { ConnRecord } from '../../src/core/records.js';

type Row = Record<string, unknown>;

const ALL_TYPES: LogSpec<Row> = {
  path: 'types',
  fields: (
    [
      ['t', 'time'],
      ['i', 'interval'],
      ['s', 'string'],
      ['e', 'enum'],
      ['a', 'addr'],
      ['p', 'port'],
      ['c', 'count'],
      ['n', 'int'],
      ['b', 'bool'],
      ['d', 'double'],
      ['ss', 'set[string]'],
      ['vs', 'vector[string]'],
      ['vi', 'vector[interval]'],
    ] as const
  ).map(([name, type]) => ({ name, type, get: (r: Row) => r[name] as never })),
};

const OPEN = new Date(Date.UTC(2026, 10, 29, 5, 0, 0));
const CLOSE = new Date(Date.UTC(2026, 10, 29, 6, 0, 0));

/**
 * The string path: every line as the writer builds it without a stream, read back from its
 * UTF-8 (what a stream writes for a string chunk: a lone surrogate becomes U+FFFD).
 */
function viaStrings<R>(spec: LogSpec<R>, rows: R[]): string {
  const w = new ZeekLogWriter(spec, 'tsv', null, { openTime: OPEN });
  for (const r of rows) w.write(r);
  void w.close(CLOSE);
  return Buffer.from(w.lines.join('\n') + '\n', 'utf8').toString('utf8');
}

/** The byte path: what a stream receives. */
async function viaBytes<R>(spec: LogSpec<R>, rows: R[], batchChars?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const w = new ZeekLogWriter(spec, 'tsv', sink, { openTime: OPEN, batchChars });
  for (const r of rows) {
    if (!w.write(r)) await w.ready();
  }
  await w.close(CLOSE);
  return Buffer.concat(chunks);
}

const TRICKY_TIMES = [
  0, -0, 1, 0.5, 0.0000005, 0.0000015, 2.5e-7, 1e-7, 1.0000005, 1763000000.123456, 1763000000.9999995,
  1763000000.0000005, 2251799813.685247, 2251799813.685248, 4.6e9, 1e20, 1e21, 1e300, -1.5, -0.0000004, NaN,
  Infinity, 123.456789, 0.1 + 0.2, 59.999999999, 86400.0000004999,
];
const TRICKY_STRINGS = [
  '', '-', '(empty)', '--', 'x', 'plain text', 'tab\there', 'nl\n', 'back\\slash', 'comma,inside', 'del\x7f',
  '\x00\x01', 'ünïcödé', '日本語', '\ud800 lone', 'emoji 😀', '\\x41', 'Cz8Xbd3YiHd4OKhyT7', '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
];
const TRICKY_COUNTS = [0, 1, 9, 10, 99, 100, 65535, 4294967296, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, -1, -4096, 1.5, -0, NaN];

describe('TSV writer: byte path (stream) equals string path (lines)', () => {
  it('writes every type and tricky value the same', async () => {
    const rows: Row[] = [];
    const n = Math.max(TRICKY_TIMES.length, TRICKY_STRINGS.length, TRICKY_COUNTS.length);
    for (let k = 0; k < n; k++) {
      const t = TRICKY_TIMES[k % TRICKY_TIMES.length];
      const s = TRICKY_STRINGS[k % TRICKY_STRINGS.length];
      const c = TRICKY_COUNTS[k % TRICKY_COUNTS.length];
      rows.push({
        t,
        i: TRICKY_TIMES[(k + 7) % TRICKY_TIMES.length],
        s,
        e: TRICKY_STRINGS[(k + 3) % TRICKY_STRINGS.length],
        a: k % 2 ? '2001:db8::1' : '192.168.0.1',
        p: c,
        c: TRICKY_COUNTS[(k + 5) % TRICKY_COUNTS.length],
        n: -c,
        b: k % 3 === 0 ? null : k % 3 === 1,
        d: t,
        ss: k % 4 === 0 ? [] : [s, 'b,c'],
        vs: k % 5 === 0 ? null : [s],
        vi: [t, 0.25],
      });
    }
    rows.push({});
    const want = viaStrings(ALL_TYPES, rows);
    expect((await viaBytes(ALL_TYPES, rows)).toString('utf8')).toBe(want);
    // A tiny batch: every line flushes, and long lines grow the buffer.
    expect((await viaBytes(ALL_TYPES, rows, 16)).toString('utf8')).toBe(want);
    expect(want).toContain('\ufffd lone');
  });

  it('writes times and counts like toFixed(6) and String() for any double', async () => {
    const num = fc.oneof(
      fc.double({ noNaN: false }),
      fc.double({ min: 0, max: 5e9 }),
      fc.integer({ min: 0, max: 2e9 }).chain((sec) => fc.integer({ min: 0, max: 999999 }).map((us) => sec + us / 1e6)),
      fc.integer({ min: 0, max: 2e9 }).chain((sec) => fc.integer({ min: 0, max: 999999 }).map((us) => sec + (us + 0.5) / 1e6)),
      fc.maxSafeInteger(),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(num, { minLength: 1, maxLength: 20 }), async (xs) => {
        const rows = xs.map((x) => ({ t: x, i: x, c: x, n: Math.trunc(x) }));
        const want = viaStrings(ALL_TYPES, rows);
        expect((await viaBytes(ALL_TYPES, rows, 256)).toString('utf8')).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('writes conn.log records the same', async () => {
    const base: ConnRecord = {
      ts: 1763000000.123456,
      uid: 'CAbcdEFgh123456789',
      origH: '10.0.0.1',
      origP: 51234,
      respH: '93.184.216.34',
      respP: 443,
      proto: 'tcp',
      service: 'ssl',
      duration: 12.000001,
      origBytes: 517,
      respBytes: 4096,
      connState: 'SF',
      localOrig: true,
      localResp: false,
      missedBytes: 0,
      history: 'ShADadFf',
      origPkts: 12,
      origIpBytes: 1200,
      respPkts: 10,
      respIpBytes: 5000,
      tunnelParents: [],
      vlan: null,
      innerVlan: null,
      communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
      ipProto: 6,
    };
    const rows: ConnRecord[] = [
      base,
      { ...base, service: null, duration: null, origBytes: null, respBytes: null, history: null, ipProto: undefined },
      { ...base, tunnelParents: ['CTunnel1'], vlan: 10, innerVlan: 20, history: '^hADdf', connState: 'OTH' },
      { ...base, origH: 'fe80::1', respH: 'ff02::fb', proto: 'udp', service: 'dns,mdns', localOrig: null },
    ];
    const want = viaStrings(CONN_LOG, rows);
    expect((await viaBytes(CONN_LOG, rows)).toString('utf8')).toBe(want);
  });
});
