/**
 * CSV serialisation of findings (the CSV contract of issue 7): UTF-8 without BOM, RFC 4180
 * quoting, and CRLF line ends as RFC 4180 section 2 asks ("Each record is located on a
 * separate line, delimited by a line break (CRLF)"); Excel, Splunk, csv-parse and Python's
 * csv all read it.
 *
 * Spreadsheet formula injection: the traffic's attacker-controlled bytes end up in cells
 * (host names, URIs in evidence). A cell that begins with `=`, `+`, `-`, `@`, tab or CR is
 * prefixed with `'` (OWASP "CSV Injection"), so that no spreadsheet evaluates it.
 *
 * One record, one line: CR and LF inside a cell are written as the two characters `\r` and
 * `\n`, and other C0 control characters (and DEL) as `\xHH`. RFC 4180 would allow quoted line
 * breaks, but line-based shippers (Sentinel's text-log collection, Filebeat without a multiline
 * setting, syslog forwarders to QRadar) split records on them; and a CSV shown in a terminal
 * cannot carry escape sequences. Tab stays as it is.
 */
import type { EnrichedFinding } from '../core/finding.js';
import { CSV_COLUMNS, csvValues } from './fields.js';

export const CSV_EOL = '\r\n';

// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\x00-\x08\x0a-\x1f\x7f]/g;

function escapeControl(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
}

/** One text cell: formula prefix neutralised, controls escaped, RFC 4180 quoting. */
export function csvTextCell(s: string): string {
  const n = s.length;
  if (n === 0) return '';
  // One pass over the code units decides what the cell needs (regexes cost more per cell).
  let quote = false;
  let control = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) {
      if (c !== 0x09) control = true;
    } else if (c === 0x22 || c === 0x2c) quote = true;
    else if (c === 0x7f) control = true;
  }
  const c0 = s.charCodeAt(0);
  let v = control ? s.replace(CONTROL_ALL, escapeControl) : s;
  // = + - @ TAB CR
  if (c0 === 0x3d || c0 === 0x2b || c0 === 0x2d || c0 === 0x40 || c0 === 0x09 || c0 === 0x0d) v = "'" + v;
  return quote ? '"' + v.replace(/"/g, '""') + '"' : v;
}

function cell(v: string | number | null): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return csvTextCell(v);
}

/** The header row, with its line end. */
export function csvHeader(): string {
  return CSV_COLUMNS.join(',') + CSV_EOL;
}

/** One finding as a CSV row, with its line end. */
export function csvRow(f: EnrichedFinding): string {
  const vals = csvValues(f);
  let out = cell(vals[0]);
  for (let i = 1; i < vals.length; i++) out += ',' + cell(vals[i]);
  return out + CSV_EOL;
}
