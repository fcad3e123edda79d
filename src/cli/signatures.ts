/**
 * Loads signature, indicator, periodic-by-design, allow-list and public-suffix files from
 * disk into the typed sets DetectConfig takes. src/detect/ stays pure; this is the only
 * place that reads them.
 *
 * Formats:
 *  - plain lists (allow-lists, indicator .txt): one entry per line, `#` starts a comment
 *    (also after an entry), blank lines ignored;
 *  - CSV feeds (indicator .csv): read with csv-parse; the header names the columns
 *    (indicator/ioc_value/value/url/dst_ip/ip/domain/ja3..., optional type and description).
 *    A header written as a comment (abuse.ch style: `# id,dateadded,url,...`) is used too;
 *  - ports.json: `{ "ports": [ { port, proto, strength, reason, references } ] }`;
 *  - periodic.txt: `<match> <reason...>` per line;
 *  - public_suffix_list.dat: the PSL format (`//` comments, one rule per line).
 * A bad line is counted as an anomaly (code, file and line) and skipped; an unreadable or
 * structurally invalid file is a KonsekiError (ERR_CONFIG / ERR_IO).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { AnomalyCounter } from '../core/anomaly.js';
import { ErrorCodes, KonsekiError } from '../core/errors.js';
import type { DetectConfig, Indicator, IndicatorType, PeriodicEntry, PortSignature } from '../detect/config.js';
import { parseCidr } from '../detect/cidr.js';
import { isDomainLike, normalizeName } from '../detect/domains.js';

/** Largest signature file read (feeds of a few hundred thousand lines fit easily). */
export const MAX_SIGNATURE_FILE_BYTES = 64 * 1024 * 1024;
/** Longest line taken as a CSV feed's header: column names are short; 4 KiB holds hundreds. */
const MAX_HEADER_LINE = 4096;

/** The signatures/ folder shipped with the package (dist/cli/ or src/cli/ -> ../../signatures). */
export function defaultSignaturesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '../../signatures');
}

function readText(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new KonsekiError(ErrorCodes.IO, `cannot read signature file: ${(e as Error).message}`, { file });
  }
  if (size > MAX_SIGNATURE_FILE_BYTES) {
    throw new KonsekiError(ErrorCodes.CONFIG, `signature file is larger than ${MAX_SIGNATURE_FILE_BYTES} bytes, got ${size}`, { file });
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new KonsekiError(ErrorCodes.IO, `cannot read signature file: ${(e as Error).message}`, { file });
  }
}

/** Lines of a plain list with comments removed: [lineNumber, text]. */
function listLines(text: string): [number, string][] {
  const out: [number, string][] = [];
  // A lone CR ends a line too (classic Mac files), as csv-parse reads it: otherwise the rest is silently lost.
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let s = lines[i];
    const hash = s.search(/(^|\s)#/);
    if (hash >= 0) s = s.slice(0, hash);
    s = s.trim();
    if (s.length > 0) out.push([i + 1, s]);
  }
  return out;
}

/** Infer the type of a plain indicator; null when it is not one we match on. */
export function inferIndicatorType(value: string): IndicatorType | null {
  const v = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return 'url';
  if (/^[0-9a-f]{32}$/i.test(v)) return 'ja3';
  if (/^[tqd][0-9]{2}[di][0-9a-z]{4,}_[0-9a-f]{12}_[0-9a-f]{12}$/i.test(v)) return 'ja4';
  const c = parseCidr(v);
  if (c) return v.indexOf('/') >= 0 ? 'cidr' : 'ip';
  if (/^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(v)) return null; // file hashes: not network indicators
  const n = normalizeName(v.replace(/^\*\./, ''));
  if (n && /^[a-z0-9_.-]+$/.test(n) && n.indexOf('.') > 0) return 'domain';
  return null;
}

/** `1.2.3.4:443` -> `1.2.3.4`; `[2001:db8::1]:443` -> `2001:db8::1`. */
function stripPort(v: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (m) return m[1];
  const m4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(v);
  return m4 ? m4[1] : v;
}

/**
 * Parse a plain indicator list.
 * @param text file contents
 * @param source name used in findings (the file name)
 * @param anomalies bad lines are counted here as `ioc_bad_line`
 */
export function parseIndicatorList(text: string, source: string, anomalies: AnomalyCounter, file = source): Indicator[] {
  const out: Indicator[] = [];
  for (const [line, s] of listLines(text)) {
    const v = stripPort(s.split(/\s+/)[0]);
    const type = inferIndicatorType(v);
    if (!type) {
      anomalies.add('ioc_bad_line', file, undefined, line, `not an address, CIDR, domain, URL or JA3/JA4: "${v.slice(0, 80)}"`);
      continue;
    }
    const rest = s.slice(s.split(/\s+/)[0].length).trim();
    out.push({ type, value: v, source, ...(rest ? { description: rest } : {}) });
  }
  return out;
}

const VALUE_COLUMNS = ['indicator', 'ioc_value', 'ioc', 'value', 'url', 'dst_ip', 'ip', 'ip_address', 'domain', 'host', 'ja3', 'ja3_md5', 'ja4'];
const TYPE_COLUMNS = ['type', 'ioc_type', 'indicator_type'];
const DESC_COLUMNS = ['description', 'malware_printable', 'malware', 'threat', 'tags', 'comment'];

/** Map a feed's type text to ours (`ip:port` -> ip, `md5_hash` -> null...). */
function feedType(t: string | undefined, value: string): IndicatorType | null {
  const s = (t ?? '').toLowerCase().trim();
  if (s === 'ip' || s === 'ipv4' || s === 'ipv6' || s === 'ip:port' || s === 'ip-dst' || s === 'ip-dst|port') return parseCidr(value) ? (value.includes('/') ? 'cidr' : 'ip') : null;
  if (s === 'cidr' || s === 'network') return 'cidr';
  if (s === 'domain' || s === 'hostname' || s === 'fqdn') return 'domain';
  if (s === 'url' || s === 'uri') return 'url';
  if (s === 'ja3' || s === 'ja3_md5') return 'ja3';
  if (s === 'ja4') return 'ja4';
  if (s.length > 0 && /hash|md5|sha/.test(s)) return null;
  return inferIndicatorType(value);
}

/**
 * Parse a CSV indicator feed with csv-parse.
 * @returns the indicators; unusable rows are counted as `ioc_bad_line` (or `ioc_unsupported_type` for file hashes)
 */
export function parseIndicatorCsv(text: string, source: string, anomalies: AnomalyCounter, file = source): Indicator[] {
  // Find the header: the first non-comment line when it names a known column, else the
  // last comment line before the data when it looks like one (abuse.ch feeds).
  const lines = text.split(/\r\n|\r|\n/);
  let header: string[] | null = null;
  let lastComment: string | null = null;
  let firstData = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l.length === 0) continue;
    if (l.startsWith('#')) {
      lastComment = l.replace(/^#+\s*/, '');
      continue;
    }
    firstData = i;
    break;
  }
  if (firstData < 0) return [];
  // Header detection is a guess: a line csv-parse cannot read (an unclosed quote, a lone CR
  // splitting it into records of different lengths) is split on commas rather than thrown.
  // A line longer than MAX_HEADER_LINE is no header (csv-parse reads one huge field at ~3 s/MB).
  const splitHeader = (l: string): string[] => {
    if (l.length > MAX_HEADER_LINE) return [];
    let cells: string[];
    try {
      cells = (parseCsv(l, { relax_quotes: true, relax_column_count: true })[0] as string[] | undefined) ?? [];
    } catch {
      cells = l.split(',');
    }
    return cells.map((c) => c.trim().toLowerCase().replace(/^"|"$/g, ''));
  };
  const first = splitHeader(lines[firstData]);
  let dataStart = firstData;
  if (first.some((c) => VALUE_COLUMNS.includes(c))) {
    header = first;
    dataStart = firstData + 1;
  } else if (lastComment && lastComment.includes(',')) {
    const h = splitHeader(lastComment);
    if (h.some((c) => VALUE_COLUMNS.includes(c))) header = h;
  }
  const valueIdx = header ? header.findIndex((c) => VALUE_COLUMNS.includes(c)) : 0;
  const bestValue = header ? VALUE_COLUMNS.map((c) => header!.indexOf(c)).find((i) => i >= 0) ?? valueIdx : 0;
  const typeIdx = header ? header.findIndex((c) => TYPE_COLUMNS.includes(c)) : -1;
  const descIdx = header ? DESC_COLUMNS.map((c) => header!.indexOf(c)).find((i) => i >= 0) ?? -1 : -1;
  let rows: string[][];
  try {
    rows = parseCsv(lines.slice(dataStart).join('\n'), {
      // The lines are joined with LF: saying so skips csv-parse's record-delimiter detection,
      // which is superlinear on a long first record (4 MB: 5.7 s against 0.9 s).
      record_delimiter: '\n',
      comment: '#',
      comment_no_infix: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      info: false,
    }) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new KonsekiError(ErrorCodes.CONFIG, `CSV feed cannot be parsed: ${err.message}`, { file, line: err.lines !== undefined ? dataStart + err.lines : undefined });
  }
  const out: Indicator[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const raw = (row[bestValue] ?? '').trim();
    if (raw.length === 0) {
      anomalies.add('ioc_bad_line', file, undefined, dataStart + i + 1, 'empty indicator column');
      continue;
    }
    const value = stripPort(raw);
    const t = feedType(typeIdx >= 0 ? row[typeIdx] : undefined, value);
    if (!t) {
      const hashy = typeIdx >= 0 && /hash|md5|sha/i.test(row[typeIdx] ?? '');
      anomalies.add(hashy ? 'ioc_unsupported_type' : 'ioc_bad_line', file, undefined, dataStart + i + 1, `unusable indicator "${value.slice(0, 80)}"`);
      continue;
    }
    const desc = descIdx >= 0 ? (row[descIdx] ?? '').trim() : '';
    out.push({ type: t, value, source, ...(desc ? { description: desc } : {}) });
  }
  return out;
}

/** Load one indicator file: `.csv` as a feed, anything else as a plain list. */
export function loadIndicators(file: string, anomalies: AnomalyCounter): Indicator[] {
  const text = readText(file);
  const source = path.basename(file);
  return file.toLowerCase().endsWith('.csv') ? parseIndicatorCsv(text, source, anomalies, file) : parseIndicatorList(text, source, anomalies, file);
}

/** Parse an allow-list: addresses, CIDRs, exact domains and `*.domain`. */
export function parseAllowList(text: string, anomalies: AnomalyCounter, file = 'allow-list'): string[] {
  const out: string[] = [];
  for (const [line, s] of listLines(text)) {
    const v = s.split(/\s+/)[0];
    const ok = parseCidr(v) !== null || (normalizeName(v.replace(/^\*\./, '')) !== null && /^(\*\.)?[a-z0-9_.-]+$/i.test(v));
    if (!ok) {
      anomalies.add('allow_list_bad_line', file, undefined, line, `not an address, CIDR or domain: "${v.slice(0, 80)}"`);
      continue;
    }
    out.push(v);
  }
  return out;
}

export function loadAllowList(file: string, anomalies: AnomalyCounter): string[] {
  return parseAllowList(readText(file), anomalies, file);
}

/** Parse periodic.txt: `<match> <reason...>`. */
export function parsePeriodic(text: string, anomalies: AnomalyCounter, file = 'periodic'): PeriodicEntry[] {
  const out: PeriodicEntry[] = [];
  for (const [line, s] of listLines(text)) {
    const m = /^(\S+)\s*(.*)$/.exec(s)!;
    const match = m[1];
    const okPort = /^port:[0-9]{1,5}\/(tcp|udp)$/i.test(match);
    const ok = okPort || parseCidr(match) !== null || isDomainLike(match.replace(/^\*\./, ''));
    if (!ok) {
      anomalies.add('periodic_bad_line', file, undefined, line, `not a domain, CIDR or port:N/proto: "${match.slice(0, 80)}"`);
      continue;
    }
    out.push({ match, reason: m[2] || 'periodic by design' });
  }
  return out;
}

export function loadPeriodic(file: string, anomalies: AnomalyCounter): PeriodicEntry[] {
  return parsePeriodic(readText(file), anomalies, file);
}

/** Parse ports.json; a structurally bad file is an error (it is our own data or the user's config). */
export function parsePortSignatures(text: string, file = 'ports.json'): PortSignature[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new KonsekiError(ErrorCodes.CONFIG, `port signatures are not valid JSON: ${(e as Error).message}`, { file });
  }
  const list = Array.isArray(doc) ? doc : (doc as { ports?: unknown })?.ports;
  if (!Array.isArray(list)) throw new KonsekiError(ErrorCodes.CONFIG, 'port signatures must be an array or { "ports": [...] }', { file });
  return list.map((p: Record<string, unknown>, i: number) => {
    const port = p.port;
    const proto = p.proto ?? 'tcp';
    const strength = p.strength ?? 'medium';
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new KonsekiError(ErrorCodes.CONFIG, `port signature #${i + 1} has an invalid port: ${JSON.stringify(port)}`, { file });
    }
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'any') throw new KonsekiError(ErrorCodes.CONFIG, `port signature ${port} has an invalid proto: ${JSON.stringify(proto)}`, { file });
    if (strength !== 'weak' && strength !== 'medium' && strength !== 'strong') throw new KonsekiError(ErrorCodes.CONFIG, `port signature ${port} has an invalid strength: ${JSON.stringify(strength)}`, { file });
    const refs = Array.isArray(p.references) ? p.references.filter((r): r is string => typeof r === 'string') : [];
    return { port, proto, strength, reason: typeof p.reason === 'string' ? p.reason : `port ${port}`, references: refs };
  });
}

export function loadPortSignatures(file: string): PortSignature[] {
  return parsePortSignatures(readText(file), file);
}

/** Rules of a PSL file (comments and blank lines dropped; each rule is the first word of its line). */
export function parsePublicSuffixList(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split(/\r?\n/)) {
    const s = l.trim();
    if (s.length === 0 || s.startsWith('//')) continue;
    out.push(s.split(/\s/)[0]);
  }
  return out;
}

export interface SignatureOptions {
  /** Folder with ports.json, periodic.txt, public_suffix_list.dat and ioc/. Default: the package's signatures/. */
  dir?: string;
  /** Do not load the built-in signatures (only the user's files). */
  noBuiltin?: boolean;
  /** The user's indicator files (plain lists or .csv feeds). */
  ioc?: string[];
  /** The user's allow-list files. */
  allowList?: string[];
  /** The user's periodic-by-design files (added to the built-in one). */
  periodic?: string[];
}

/** What loadSignatures returns: the parts of DetectConfig that come from files. */
export type SignatureSets = Required<Pick<DetectConfig, 'ports' | 'periodic' | 'indicators' | 'allowList'>> & Pick<DetectConfig, 'publicSuffixes'>;

/**
 * Load the built-in signatures and the user's files.
 * @param opts which files
 * @param anomalies where bad lines are counted
 * @returns sets ready to spread into a DetectConfig
 */
export function loadSignatures(opts: SignatureOptions = {}, anomalies: AnomalyCounter = new AnomalyCounter()): SignatureSets {
  const dir = opts.dir ?? defaultSignaturesDir();
  const sets: SignatureSets = { ports: [], periodic: [], indicators: [], allowList: [] };
  if (!opts.noBuiltin) {
    const ports = path.join(dir, 'ports.json');
    if (existsSync(ports)) sets.ports = loadPortSignatures(ports);
    const periodic = path.join(dir, 'periodic.txt');
    if (existsSync(periodic)) sets.periodic.push(...loadPeriodic(periodic, anomalies));
    const psl = path.join(dir, 'public_suffix_list.dat');
    if (existsSync(psl)) sets.publicSuffixes = parsePublicSuffixList(readText(psl));
    const iocDir = path.join(dir, 'ioc');
    if (existsSync(iocDir)) {
      for (const f of readdirSync(iocDir).sort()) {
        if (/\.(txt|csv)$/i.test(f)) sets.indicators.push(...loadIndicators(path.join(iocDir, f), anomalies));
      }
    }
  }
  for (const f of opts.ioc ?? []) sets.indicators.push(...loadIndicators(f, anomalies));
  for (const f of opts.allowList ?? []) sets.allowList.push(...loadAllowList(f, anomalies));
  for (const f of opts.periodic ?? []) sets.periodic.push(...loadPeriodic(f, anomalies));
  return sets;
}
