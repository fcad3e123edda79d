/**
 * The findings as a ranked text table for a terminal: fitted to its width (the evidence
 * column takes what is left and is cut with `…`), colour by severity only when asked
 * (the caller passes `color: stdout is a TTY and NO_COLOR is unset`, https://no-color.org).
 * Control characters in traffic-derived text are shown as `\xHH`, so that a host name
 * cannot move the cursor or change the terminal's colours.
 */
import type { EnrichedFinding, GeoInfo, Severity } from '../core/finding.js';
import { formatScore, isoTime } from './fields.js';
import { rankFindings } from './run-info.js';

export interface TableOptions {
  /** Terminal width in columns (default 120). */
  width?: number;
  color?: boolean;
}

/** Below this width the table drops the WHERE column, then the time. */
const MIN_EVIDENCE = 20;

const SGR: Record<Severity, string> = {
  critical: '\x1b[1;37;41m',
  high: '\x1b[1;31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  informational: '\x1b[2m',
};
const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';

// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text safe for a terminal: control characters (C0, DEL, C1) written as \xHH, and line
 * separators and bidirectional overrides (which can make text read differently than it is,
 * "Trojan Source") as \uHHHH.
 */
export function terminalSafe(s: string): string {
  return s.replace(CONTROL_ALL, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? '\\x' + n.toString(16).padStart(2, '0') : '\\u' + n.toString(16).padStart(4, '0');
  });
}

/**
 * Columns a code point takes in a terminal: 2 for East Asian wide and fullwidth characters
 * and most emoji (the ranges of Unicode's EastAsianWidth W/F, simplified), 0 for combining
 * marks, else 1.
 */
export function charWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Display width of a string in terminal columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** `s` cut or padded to exactly `w` columns (cut text ends with `…`). */
function fit(s: string, w: number): string {
  const sw = displayWidth(s);
  if (sw <= w) return s + ' '.repeat(w - sw);
  let out = '';
  let used = 0;
  const limit = w <= 1 ? w : w - 1;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (used + cw > limit) break;
    out += ch;
    used += cw;
  }
  if (w > 1) {
    out += '…';
    used += 1;
  }
  return out + ' '.repeat(Math.max(0, w - used));
}

function endpoint(ip: string | null, port: number | null): string {
  if (!ip) return '-';
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return port === null ? host : `${host}:${port}`;
}

function where(g: GeoInfo | null): string {
  if (!g) return '';
  if (g.ipClass !== 'public') return g.ipClass;
  const parts: string[] = [];
  if (g.country) parts.push(g.country);
  if (g.asn !== null) parts.push(`AS${g.asn}${g.asOrg ? ' ' + g.asOrg : ''}`);
  return parts.join(' ');
}

interface Col {
  title: string;
  width: number;
  get: (f: EnrichedFinding, rank: number) => string;
}

/**
 * The table as text (with a trailing newline). All findings are listed: there is no row cap.
 */
export function formatTable(findings: readonly EnrichedFinding[], opts: TableOptions = {}): string {
  const width = Math.max(40, opts.width ?? 120);
  const color = opts.color === true;
  if (findings.length === 0) return 'No findings.\n';
  const ranked = rankFindings(findings);
  const rows = ranked.map((f) => ({
    f,
    src: terminalSafe(endpoint(f.srcIp, f.srcPort)),
    dst: terminalSafe(f.destHost ? `${endpoint(f.destIp, f.destPort)} (${f.destHost})` : endpoint(f.destIp, f.destPort)),
    where: terminalSafe(where(f.destGeo)),
    evidence: terminalSafe(f.evidence),
  }));
  const maxLen = (sel: (r: (typeof rows)[number]) => string, cap: number, min: number) =>
    Math.min(cap, Math.max(min, ...rows.map((r) => displayWidth(sel(r)))));

  const cols: Col[] = [
    { title: '#', width: String(rows.length).length, get: (_f, i) => String(i + 1) },
    { title: 'SEVERITY', width: 8, get: (f) => f.severity === 'informational' ? 'info' : f.severity },
    { title: 'SCORE', width: 5, get: (f) => String(formatScore(f.score)) },
    { title: 'DETECTOR', width: maxLen((r) => r.f.detector, 15, 8), get: (f) => f.detector },
    { title: 'START (UTC)', width: 19, get: (f) => isoTime(f.startTime).slice(0, 19).replace('T', ' ') },
    { title: 'SOURCE', width: maxLen((r) => r.src, 22, 6), get: (_f, i) => rows[i].src },
    { title: 'DESTINATION', width: maxLen((r) => r.dst, 40, 11), get: (_f, i) => rows[i].dst },
    { title: 'WHERE', width: maxLen((r) => r.where, 40, 5), get: (_f, i) => rows[i].where },
  ];
  const evidenceCol: Col = { title: 'EVIDENCE', width: 0, get: (_f, i) => rows[i].evidence };
  const used = () => cols.reduce((s, c) => s + c.width + 2, 0);
  // Narrow terminals: drop the least important columns, then shrink the destination.
  // Steps, least important first: [column, 0 to drop it or the width to shrink it to].
  const steps: [string, number][] = [
    ['DESTINATION', 32],
    ['WHERE', 24],
    ['START (UTC)', 0],
    ['DESTINATION', 24],
    ['SOURCE', 15],
    ['DETECTOR', 12],
    ['WHERE', 16],
    ['SCORE', 0],
    ['WHERE', 0],
    ['DETECTOR', 0],
    ['SOURCE', 0],
    ['DESTINATION', 15],
  ];
  for (const [title, to] of steps) {
    if (width - used() >= MIN_EVIDENCE) break;
    const i = cols.findIndex((c) => c.title === title);
    if (i < 0) continue;
    if (to === 0) cols.splice(i, 1);
    else while (width - used() < MIN_EVIDENCE && cols[i].width > to) cols[i].width--;
  }
  evidenceCol.width = Math.max(4, width - used());
  cols.push(evidenceCol);

  let out = '';
  const header = fit(cols.map((c) => fit(c.title, c.width)).join('  '), width).trimEnd();
  out += (color ? BOLD + header + RESET : header) + '\n';
  const overflow = used() - 2 > width;
  for (let i = 0; i < rows.length; i++) {
    const f = rows[i].f;
    const cells = cols.map((c) => fit(c.get(f, i), c.width));
    // On a terminal too narrow for the minimal columns, cut the line (and skip colour).
    if (overflow) {
      out += fit(cells.join('  '), width).trimEnd() + '\n';
      continue;
    }
    if (color) {
      const sevIdx = cols.findIndex((c) => c.title === 'SEVERITY');
      cells[sevIdx] = SGR[f.severity] + cells[sevIdx] + RESET;
    }
    out += cells.join('  ').trimEnd() + '\n';
  }
  return out;
}
