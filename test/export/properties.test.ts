// Property tests: whatever bytes the traffic puts in text fields, every format stays
// well-formed and keeps the text (csv-parse reads the CSV back, JSON.parse reads each line).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { csvHeader, csvRow } from '../../src/export/csv.js';
import { jsonlLine } from '../../src/export/jsonl.js';
import { esc } from '../../src/export/html.js';
import { formatTable } from '../../src/export/table.js';
import { makeFinding } from './fixtures.js';

// Strings biased towards the characters that break formats.
const nasty = fc.oneof(
  fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ';', "'", '<', '>', '&', '\u0000', '\u001b', '\u007f', '\u2028', 'é', '日', '\ud83d\ude00', 'a', ' '), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** What the CSV writer promises to keep: the text, with C0/DEL shown as \xHH and a ' before formula starts. */
function csvExpected(s: string): string {
  let v = s.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'),
  );
  if (/^[=+\-@\t\r]/.test(s)) v = "'" + v;
  return v;
}

describe('format properties', () => {
  it('CSV: every row reads back with 28 columns and the text intact', () => {
    fc.assert(
      fc.property(nasty, nasty, nasty, (host, evidence, org) => {
        const f = makeFinding({ destHost: host || null, evidence, destGeo: { ipClass: 'public', country: 'US', asn: 1, asOrg: org || null } });
        const text = csvHeader() + csvRow(f) + csvRow(f);
        // One record per physical line.
        expect(text.split('\r\n').length).toBe(4);
        const rows: string[][] = parse(text, { relax_quotes: false });
        expect(rows.length).toBe(3);
        for (const r of rows) expect(r.length).toBe(28);
        expect(rows[1][10]).toBe(host ? csvExpected(host) : '');
        expect(rows[1][26]).toBe(csvExpected(evidence));
        expect(rows[1][24]).toBe(org ? csvExpected(org) : '');
        for (const cell of rows[1]) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      }),
      { numRuns: 400 },
    );
  });

  it('JSON lines: one line per finding that parses back to the same text', () => {
    fc.assert(
      fc.property(nasty, nasty, (host, evidence) => {
        const line = jsonlLine(makeFinding({ destHost: host || null, evidence }));
        expect(line.endsWith('\n')).toBe(true);
        expect(line.slice(0, -1)).not.toMatch(/[\n\r\u2028\u2029]/);
        const d = JSON.parse(line);
        expect(d.message).toBe(evidence);
        if (host) expect(d.destination.domain).toBe(host);
      }),
      { numRuns: 400 },
    );
  });

  it('HTML: escaped text has no markup characters and decodes back', () => {
    const decode = (s: string) =>
      s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    fc.assert(
      fc.property(nasty, (s) => {
        const e = esc(s);
        expect(e).not.toMatch(/[<>"']/);
        expect(decode(e)).toBe(s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')));
      }),
      { numRuns: 400 },
    );
  });

  it('table: no control character reaches the terminal, and lines fit', () => {
    fc.assert(
      fc.property(nasty, nasty, fc.integer({ min: 40, max: 220 }), (host, evidence, width) => {
        const out = formatTable([makeFinding({ destHost: host || null, evidence })], { width });
        expect(out.slice(0, -1)).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/);
        for (const l of out.trimEnd().split('\n')) expect(Array.from(l).length).toBeLessThanOrEqual(width);
      }),
      { numRuns: 300 },
    );
  });
});
