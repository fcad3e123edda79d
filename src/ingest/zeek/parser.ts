/**
 * The synchronous core of the Zeek log reader: bytes in (in chunks of any size), records out
 * through a RecordSink. It knows nothing of files, streams or gzip (see reader.ts).
 *
 * TSV (Zeek's ASCII writer):
 *
 *   #separator \x09                      <- always separated by a space; value \x-escaped
 *   #set_separator<TAB>,
 *   #empty_field<TAB>(empty)
 *   #unset_field<TAB>-
 *   #path<TAB>conn
 *   #open<TAB>2024-04-29-15-00-01
 *   #fields<TAB>ts<TAB>uid<TAB>id.orig_h ...
 *   #types<TAB>time<TAB>string<TAB>addr ...
 *   1714417137.321305<TAB>CLQMsB1fsfYFtmMlUf<TAB>10.0.0.11 ...
 *   #close<TAB>2024-04-29-16-00-00
 *
 * Every header block (a run of `#` lines; concatenated logs hold several) rebuilds the
 * column-index -> field-code array, so column order, extra columns (kept out, never fatal) and
 * missing optional columns follow each block's own `#fields`. JSON (Zeek's JSON writer, one
 * object per line, dotted keys or nested `id` objects) is told apart by the first byte of the
 * first data line: `{` versus a `#` header. A line is "bad" when it cannot give a record; bad
 * lines are counted per code (AnomalyCounter, with file and line) and a file with too many of
 * them is abandoned (RITA's `lineErrorLimit`, Zeek's weird sampling threshold: 25).
 */
import type { AnomalyCounter } from '../../core/anomaly.js';
import { ErrorCodes, KonsekiError } from '../../core/errors.js';
import type { RecordSink } from '../../core/records.js';
import { connMapper } from './conn.js';
import { dnsMapper } from './dns.js';
import { httpMapper } from './http.js';
import { OPEN_CONNECTION_LOGS, recordKindOf, resolveLogType, type ZeekRecordKind } from './log-types.js';
import type { RecordMapper } from './mapper.js';
import { sslMapper } from './ssl.js';
import { scanState, scanTo } from './scan.js';
import type { TsvPrefixParser } from './tsv-fast.js';
import { jsonKeyTable, readJsonFields, type JsonKeyTable } from './json-fast.js';
import { unescapeTsvBytes } from './values.js';

/** Error codes of the Zeek reader beyond those in core/errors.ts. */
export const ZeekErrorCodes = {
  /** The last line of a log was cut off (no newline, and it does not parse). */
  TRUNCATED: 'ERR_ZEEK_TRUNCATED',
} as const;

/**
 * Longest line kept, in bytes; a longer one is skipped up to its newline without being
 * buffered and counted as `zeek_line_too_long`. RITA's scanner stops at the same 1 MiB.
 */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Default budget of consecutive bad lines before a file is abandoned (RITA's lineErrorLimit). */
export const DEFAULT_MAX_BAD_LINES_IN_A_ROW = 25;
/** Default share of bad lines (of the data lines read) beyond which a file is abandoned. */
export const DEFAULT_MAX_BAD_SHARE = 0.5;
/** The share is only judged once this many data lines were read, so that one early bad line is not a share of 100%. */
export const BAD_SHARE_MIN_LINES = 100;
/** Deepest nesting of JSON objects flattened into dotted names (`{"id":{"orig_h":...}}` is depth 1). */
export const MAX_JSON_NESTING = 4;

/** Per-file outcome of reading one Zeek log. Invariant: `linesRead === records + sum(skipped)`. */
export interface ZeekFileStats {
  /** The file name as given (or `-` for standard input). */
  file: string;
  /** Log type (`conn`, `dns`, `open_conn`, `x509`...) of the first block; null when unknown. */
  path: string | null;
  format: 'tsv' | 'json' | null;
  gzip: boolean;
  /** Bytes read after decompression. */
  bytes: number;
  /** `#` lines (header, `#close`, comments): not data lines, counted apart. */
  headerLines: number;
  /** Data lines read (everything that is not a `#` line). */
  linesRead: number;
  records: number;
  /** Data lines that gave no record, by reason: anomaly codes for bad lines, `empty_line`, `other_log`. */
  skipped: Record<string, number>;
  /** Lines counted as bad (a subset of `skipped`). */
  badLines: number;
  /** Lines one field short that still gave a record (RITA keeps them too), flagged `zeek_short_line`. */
  shortLines: number;
  /** True when the rows describe connections still open when they were logged (open_conn, conn_long...). */
  openConnections: boolean;
  /** True when the log is not one Konseki reads: the file was not read past its header. */
  skippedLog: boolean;
  /** True when the last TSV header line was `#close` (Zeek finished the file). */
  closed: boolean;
  /** Set when the file ends in the middle of a line; the records before it are kept. */
  truncated?: KonsekiError;
  /** Set when reading stopped early (too many bad lines, not a Zeek log, bad header, gzip or I/O error). */
  abandoned?: KonsekiError;
}

export function newFileStats(file: string): ZeekFileStats {
  return {
    file,
    path: null,
    format: null,
    gzip: false,
    bytes: 0,
    headerLines: 0,
    linesRead: 0,
    records: 0,
    skipped: {},
    badLines: 0,
    shortLines: 0,
    openConnections: false,
    skippedLog: false,
    closed: false,
  };
}

export interface ZeekParserOptions {
  anomalies: AnomalyCounter;
  /** Index of this input in the run, copied into every record's `source`. */
  source?: number;
  /** Consecutive bad lines tolerated; one more abandons the file. Default 25. */
  maxBadLinesInARow?: number;
  /** Share of bad lines (0..1) tolerated once BAD_SHARE_MIN_LINES were read. Default 0.5. */
  maxBadShare?: number;
  /**
   * Use the straight-line parsers of tsv-fast.ts for the columns Zeek writes first (default
   * true), and the byte-level JSON reader of json-fast.ts. false reads every TSV line with the
   * generic loop and every JSON line with JSON.parse: the reference the tests compare with.
   */
  prefixParsers?: boolean;
  /**
   * Sharded reading (src/parallel): decides which TSV data lines of a read log this parser
   * reads. A line it refuses is left to another parser over the same bytes: it advances the
   * line number and is counted nowhere here. Header, empty and other lines are not filtered.
   */
  lineFilter?: TsvLineFilter;
}

/** Chooses the TSV data lines one parser reads (see ZeekParserOptions.lineFilter). */
export interface TsvLineFilter {
  /** A TSV block of a log Konseki reads starts: its `#fields`, separator and record kind. */
  block(fields: readonly string[], sep: number, kind: ZeekRecordKind): void;
  /** True to read the data line [s, e) (without its newline). */
  keep(buf: Buffer, s: number, e: number): boolean;
}

/** Validate the budget options once, in one place. */
export function normalizeBudget(opts: { maxBadLinesInARow?: number; maxBadShare?: number }): { inARow: number; share: number } {
  const inARow = opts.maxBadLinesInARow ?? DEFAULT_MAX_BAD_LINES_IN_A_ROW;
  const share = opts.maxBadShare ?? DEFAULT_MAX_BAD_SHARE;
  if (!Number.isInteger(inARow) || inARow < 0) {
    throw new KonsekiError(ErrorCodes.USAGE, `Invalid option: maxBadLinesInARow must be a non-negative integer, got ${inARow}`);
  }
  if (typeof share !== 'number' || !(share >= 0 && share <= 1)) {
    throw new KonsekiError(ErrorCodes.USAGE, `Invalid option: maxBadShare must be a number from 0 to 1, got ${share}`);
  }
  return { inARow, share };
}

const MAPPERS: Record<ZeekRecordKind, RecordMapper<unknown>> = {
  conn: connMapper as RecordMapper<unknown>,
  dns: dnsMapper as RecordMapper<unknown>,
  http: httpMapper as RecordMapper<unknown>,
  ssl: sslMapper as RecordMapper<unknown>,
};

/** The byte-level JSON reader's key table of each log (json-fast.ts). */
const JSON_KEY_TABLES: Record<ZeekRecordKind, JsonKeyTable | null> = {
  conn: jsonKeyTable(MAPPERS.conn),
  dns: jsonKeyTable(MAPPERS.dns),
  http: jsonKeyTable(MAPPERS.http),
  ssl: jsonKeyTable(MAPPERS.ssl),
};

/** Parser states. */
const START: number = 0;
const TSV: number = 1;
const JSON_LINES: number = 2;
/** Inside a TSV block of a log we do not read: its lines are counted as `other_log`. */
const SKIP_BLOCK: number = 3;
const DONE: number = 4;

const EMPTY_DEFAULT = Buffer.from('(empty)');
const UNSET_DEFAULT = Buffer.from('-');
const SEPARATOR_KEY = Buffer.from('#separator');

/** Printable preview of a line for messages (at most 40 characters). */
function preview(buf: Buffer, s: number, e: number): string {
  const t = buf.toString('utf8', s, Math.min(e, s + 40)).replace(/[^\x20-\x7e]/g, '?');
  return e - s > 40 ? t + '...' : t;
}

export class ZeekLogParser {
  readonly stats: ZeekFileStats;
  private readonly file: string;
  private readonly sink: RecordSink;
  private readonly anomalies: AnomalyCounter;
  private readonly source: number | undefined;
  private readonly maxInARow: number;
  private readonly maxShare: number;
  private readonly usePrefix: boolean;
  private readonly lineFilter: TsvLineFilter | null;

  private state: number = START;
  private lineNo = 0;
  private badInARow = 0;
  private atEnd = false;

  // Partial line carried between chunks.
  private carry: Buffer[] = [];
  private carryLen = 0;
  private discarding = false;

  // TSV header of the current block.
  private sep = 0x09;
  private setSep = 0x2c;
  private empty: Buffer = EMPTY_DEFAULT;
  private unset: Buffer = UNSET_DEFAULT;
  private path: string | null = null;
  private fields: string[] | null = null;
  private types: string[] | null = null;
  private inHeader = false;
  private headerDirty = false;
  private sawHeaderLine = false;
  private sawDirective = false;
  private blocks = 0;

  // Mapping of the current block.
  private mapper: RecordMapper<unknown> | null = null;
  private codes: Int32Array = new Int32Array(0);
  /** The mapper's straight-line prefix parser when this block allows it (tsv-fast.ts), else null. */
  private prefix: TsvPrefixParser<unknown> | null = null;
  private prefixColumns = 0;
  private jsonCodes: ReadonlyMap<string, number> = new Map();
  /** The byte-level JSON reader's key table for this file's log (json-fast.ts), null when it is off. */
  private jsonKeys: JsonKeyTable | null = null;
  private open = false;

  constructor(file: string, sink: RecordSink, opts: ZeekParserOptions, stats?: ZeekFileStats) {
    this.file = file;
    this.sink = sink;
    this.anomalies = opts.anomalies;
    this.source = opts.source;
    const b = normalizeBudget(opts);
    this.maxInARow = b.inARow;
    this.maxShare = b.share;
    this.usePrefix = opts.prefixParsers ?? true;
    this.lineFilter = opts.lineFilter ?? null;
    this.stats = stats ?? newFileStats(file);
  }

  /** True once the parser wants no more input (abandoned, or a log type we do not read). */
  get done(): boolean {
    return this.state === DONE;
  }

  /**
   * Feed the next chunk. Calls the sink synchronously for every complete line's record.
   * @returns false when no more input is wanted.
   */
  push(chunk: Buffer): boolean {
    if (this.state === DONE) return false;
    this.stats.bytes += chunk.length;
    const n = chunk.length;
    let pos = 0;
    if (this.carryLen > 0 || this.discarding) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.appendCarry(chunk, 0, n);
        return true;
      }
      this.appendCarry(chunk, 0, nl);
      this.finishCarry();
      pos = nl + 1;
    }
    while (pos < n && this.state !== DONE) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        this.appendCarry(chunk, pos, n);
        break;
      }
      this.lineNo++;
      this.line(chunk, pos, nl);
      pos = nl + 1;
    }
    return this.state !== DONE;
  }

  /** End of input: a last line without a newline is parsed; if it is bad, the file is flagged truncated. */
  end(): void {
    if (this.state === DONE) return;
    if (this.carryLen > 0 || this.discarding) {
      this.atEnd = true;
      this.finishCarry();
      this.atEnd = false;
    }
  }

  /** Stop reading this file with an error (used by the reader for gzip and I/O failures). */
  abandon(err: KonsekiError): void {
    if (this.stats.abandoned === undefined) this.stats.abandoned = err;
    this.state = DONE;
    this.carry = [];
    this.carryLen = 0;
  }

  private appendCarry(chunk: Buffer, s: number, e: number): void {
    if (this.discarding || e === s) return;
    if (this.carryLen + (e - s) > MAX_LINE_BYTES) {
      if (this.state === START && !this.sawHeaderLine) {
        // No newline in the first MiB: binary data, not a log. Say so now rather than read on.
        this.lineNo++;
        this.stats.linesRead++;
        this.stats.skipped.not_a_zeek_log = (this.stats.skipped.not_a_zeek_log ?? 0) + 1;
        this.anomalies.add('zeek_not_a_log', this.file, undefined, this.lineNo);
        this.abandon(
          new KonsekiError(ErrorCodes.NOT_A_CAPTURE, `Not a Zeek log: no line break in the first ${MAX_LINE_BYTES} bytes`, {
            file: this.file,
            line: this.lineNo,
          }),
        );
        return;
      }
      this.discarding = true;
      this.carry = [];
      this.carryLen = 0;
      return;
    }
    // Copy: the caller may reuse its chunk.
    this.carry.push(Buffer.from(chunk.subarray(s, e)));
    this.carryLen += e - s;
  }

  private finishCarry(): void {
    this.lineNo++;
    if (this.discarding) {
      this.discarding = false;
      this.stats.linesRead++;
      this.bad('zeek_line_too_long', `line longer than ${MAX_LINE_BYTES} bytes`);
      return;
    }
    // One byte more than the line, left 0: the prefix parsers stop at the byte after a line (tsv-fast.ts).
    const len = this.carryLen;
    const line = Buffer.concat(this.carry, len + 1);
    this.carry = [];
    this.carryLen = 0;
    this.line(line, 0, len);
  }

  /** One line [s, e) without its newline. */
  private line(buf: Buffer, s: number, e: number): void {
    if (e > s && buf[e - 1] === 0x0d) e--; // CRLF files: not Zeek's, but harmless to accept
    let c = e > s ? buf[s] : -1;
    if (this.state === START) {
      // A UTF-8 byte order mark (editors on Windows write one) is not part of the log.
      if (this.lineNo === 1 && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
      // Slips' test10 conn.log starts with a stray TAB before `#separator`: skip leading blanks here.
      while (s < e && (buf[s] === 0x20 || buf[s] === 0x09)) s++;
      c = e > s ? buf[s] : -1;
    }
    if (c === 0x23) {
      this.headerLine(buf, s, e);
      return;
    }
    const st = this.stats;
    st.linesRead++;
    if (this.inHeader) this.inHeader = false;
    if (s === e) {
      st.skipped.empty_line = (st.skipped.empty_line ?? 0) + 1;
      return;
    }
    switch (this.state) {
      case TSV:
        if (this.headerDirty && !this.buildTsvBlock()) return;
        if (this.state === TSV) this.tsvLine(buf, s, e);
        else this.otherLogLine();
        return;
      case JSON_LINES:
        this.jsonLine(buf, s, e);
        return;
      case SKIP_BLOCK:
        if (this.headerDirty && !this.buildTsvBlock()) return;
        if (this.state === TSV) this.tsvLine(buf, s, e);
        else this.otherLogLine();
        return;
      case START:
        if (this.fields !== null) {
          this.state = TSV;
          st.format = 'tsv';
          if (!this.buildTsvBlock()) return;
          if (this.state === TSV) this.tsvLine(buf, s, e);
          else if (this.state === SKIP_BLOCK) this.otherLogLine();
          return;
        }
        if (c === 0x7b) {
          this.state = JSON_LINES;
          st.format = 'json';
          this.jsonLine(buf, s, e);
          return;
        }
        this.notZeek(buf, s, e);
        return;
    }
  }

  private notZeek(buf: Buffer, s: number, e: number): void {
    const st = this.stats;
    st.skipped.not_a_zeek_log = (st.skipped.not_a_zeek_log ?? 0) + 1;
    const what = `line ${this.lineNo} starts with '${preview(buf, s, e)}'`;
    const err = this.sawDirective
      ? new KonsekiError(ErrorCodes.ZEEK_HEADER, `Zeek log header has no #fields line before the first data line (${what})`, {
          file: this.file,
          line: this.lineNo,
        })
      : new KonsekiError(
          ErrorCodes.NOT_A_CAPTURE,
          `Not a Zeek log: ${what}, neither a '#' header line nor a JSON object (a TSV log without its header?)`,
          { file: this.file, line: this.lineNo },
        );
    this.anomalies.add('zeek_not_a_log', this.file, undefined, this.lineNo);
    this.abandon(err);
  }

  private otherLogLine(): void {
    const st = this.stats;
    st.skipped.other_log = (st.skipped.other_log ?? 0) + 1;
  }

  /* -------------------------------------------------------------------------------------- */
  /* TSV header                                                                             */

  private headerLine(buf: Buffer, s: number, e: number): void {
    this.stats.headerLines++;
    if (this.state === JSON_LINES) return; // comments in a JSON log
    if (!this.inHeader) {
      // A new header block: concatenated logs restate everything, so forget the old mapping.
      this.inHeader = true;
      this.fields = null;
      this.types = null;
      this.path = null;
      this.stats.closed = false;
    }
    this.sawHeaderLine = true;
    if (e - s > SEPARATOR_KEY.length && buf.compare(SEPARATOR_KEY, 0, SEPARATOR_KEY.length, s, s + SEPARATOR_KEY.length) === 0) {
      const v = unescapeTsvBytes(buf, s + SEPARATOR_KEY.length + 1, e);
      this.sawDirective = true;
      if (v.length !== 1) {
        this.headerError(`#separator must be a single byte, got ${v.length} bytes`);
        return;
      }
      this.sep = v[0];
      this.headerDirty = true;
      return;
    }
    let k = s + 1;
    while (k < e && buf[k] !== this.sep) k++;
    const key = buf.toString('latin1', s + 1, k);
    const vs = Math.min(k + 1, e);
    switch (key) {
      case 'set_separator': {
        const v = unescapeTsvBytes(buf, vs, e);
        if (v.length !== 1) {
          this.headerError(`#set_separator must be a single byte, got ${v.length} bytes`);
          return;
        }
        this.setSep = v[0];
        break;
      }
      case 'empty_field':
        this.empty = Buffer.from(unescapeTsvBytes(buf, vs, e));
        break;
      case 'unset_field':
        this.unset = Buffer.from(unescapeTsvBytes(buf, vs, e));
        break;
      case 'path':
        this.path = buf.toString('utf8', vs, e);
        break;
      case 'fields':
        this.fields = this.splitHeader(buf, vs, e);
        break;
      case 'types':
        this.types = this.splitHeader(buf, vs, e);
        break;
      case 'open':
        break;
      case 'close':
        this.stats.closed = true;
        break;
      default:
        return; // a comment (`### BTest baseline...`) or a directive we do not use
    }
    this.sawDirective = true;
    this.headerDirty = true;
  }

  private splitHeader(buf: Buffer, s: number, e: number): string[] {
    const out: string[] = [];
    let fs = s;
    for (let i = s; i <= e; i++) {
      if (i === e || buf[i] === this.sep) {
        out.push(buf.toString('utf8', fs, i));
        fs = i + 1;
      }
    }
    return out;
  }

  private headerError(detail: string): void {
    this.anomalies.add('zeek_bad_header', this.file, undefined, this.lineNo, detail);
    this.abandon(new KonsekiError(ErrorCodes.ZEEK_HEADER, `Bad Zeek log header: ${detail}`, { file: this.file, line: this.lineNo }));
  }

  /**
   * A header error found on the data line that follows the header: that line is counted as
   * skipped too, so that `linesRead === records + sum(skipped)` holds for an abandoned file.
   */
  private dataLineHeaderError(detail: string): void {
    this.stats.skipped.zeek_bad_header = (this.stats.skipped.zeek_bad_header ?? 0) + 1;
    this.headerError(detail);
  }

  /**
   * Build the column -> field-code array for the block whose header was just read.
   * @returns false when the file was given up (bad header, or a log we do not read).
   */
  private buildTsvBlock(): boolean {
    this.headerDirty = false;
    const fields = this.fields;
    if (fields === null) {
      this.dataLineHeaderError('a data line follows a header block without #fields');
      return false;
    }
    if (this.types !== null && this.types.length !== fields.length) {
      this.dataLineHeaderError(`#fields has ${fields.length} columns but #types has ${this.types.length}`);
      return false;
    }
    const type = resolveLogType(this.path, this.file, () => fields);
    const kind = recordKindOf(type);
    const first = this.blocks++ === 0;
    if (first) this.stats.path = type;
    if (kind === null) {
      if (first) {
        this.otherLogLine(); // the data line that showed it
        this.stats.skippedLog = true;
        this.state = DONE;
        return false;
      }
      this.state = SKIP_BLOCK;
      this.mapper = null;
      return true;
    }
    const mapper = MAPPERS[kind];
    for (const req of mapper.required) {
      if (!fields.includes(req)) {
        this.dataLineHeaderError(`the ${type} log has no '${req}' column`);
        return false;
      }
    }
    const codes = new Int32Array(fields.length);
    for (let i = 0; i < fields.length; i++) codes[i] = mapper.codes.get(fields[i]) ?? 0;
    this.codes = codes;
    this.mapper = mapper;
    this.prefix = null;
    for (const p of mapper.tsvPrefixes) {
      if (this.prefixAllowed(fields, p.fields)) {
        this.prefix = p.parse;
        this.prefixColumns = p.fields.length;
        break;
      }
    }
    this.open = OPEN_CONNECTION_LOGS.has(type!);
    if (first) this.stats.openConnections = this.open;
    this.state = TSV;
    this.lineFilter?.block(fields, this.sep, kind);
    return true;
  }

  /**
   * A straight-line prefix parser applies when the block uses Zeek's default separators and
   * its `#fields` start with the parser's columns, in order.
   */
  private prefixAllowed(fields: readonly string[], want: readonly string[]): boolean {
    if (!this.usePrefix || this.sep !== 0x09 || this.setSep !== 0x2c || fields.length < want.length) return false;
    if (this.unset.length !== 1 || this.unset[0] !== 0x2d || !this.empty.equals(EMPTY_DEFAULT)) return false;
    for (let i = 0; i < want.length; i++) if (fields[i] !== want[i]) return false;
    return true;
  }

  /* -------------------------------------------------------------------------------------- */
  /* Data lines                                                                             */

  private tsvLine(buf: Buffer, s: number, e: number): void {
    if (this.lineFilter !== null && !this.lineFilter.keep(buf, s, e)) {
      this.stats.linesRead--; // another parser reads and counts it
      return;
    }
    const mapper = this.mapper!;
    let rec = mapper.create(this.source);
    const prefix = this.prefix;
    if (prefix !== null) {
      const end = prefix(rec, buf, s, e);
      if (end >= 0) {
        const n = this.prefixColumns;
        if (end === e) {
          if (n === this.codes.length) {
            this.finish(rec, true);
            return;
          }
        } else if (n < this.codes.length) {
          this.tsvFields(rec, buf, end + 1, e, n);
          return;
        }
      }
      // Something unusual (or a field count the generic loop must judge): read the whole line again.
      rec = mapper.create(this.source);
    }
    this.tsvFields(rec, buf, s, e, 0);
  }

  /** The generic loop: the fields of the line from `fs` on, starting at column `col`, then the record. */
  private tsvFields(rec: unknown, buf: Buffer, fs: number, e: number, col: number): void {
    const mapper = this.mapper!;
    const codes = this.codes;
    const ncols = codes.length;
    const sep = this.sep;
    const setSep = this.setSep;
    const unset = this.unset;
    const unsetLen = unset.length;
    const unset0 = unsetLen > 0 ? unset[0] : -1;
    const empty = this.empty;
    const emptyLen = empty.length;
    const empty0 = emptyLen > 0 ? empty[0] : -1;
    // Each scanner reads its field up to the separator and leaves the stop in scanState.end.
    let end: number;
    for (;;) {
      const code = col < ncols ? codes[col] : 0;
      const c0 = fs < e ? buf[fs] : -1;
      if (c0 === unset0 && (fs + unsetLen === e || buf[fs + unsetLen] === sep) && (unsetLen === 1 || sameBytes(buf, fs, unset, unsetLen))) {
        end = fs + unsetLen; // unset: the record keeps its default
      } else if (code === 0) {
        end = scanTo(buf, fs, e, sep);
      } else if (c0 === empty0 && (fs + emptyLen === e || buf[fs + emptyLen] === sep) && sameBytes(buf, fs, empty, emptyLen)) {
        if (!mapper.setTsv(rec, code, buf, fs, fs, sep, setSep)) {
          this.badTsvValue(buf, fs, e, col);
          return;
        }
        end = fs + emptyLen;
      } else {
        if (!mapper.setTsv(rec, code, buf, fs, e, sep, setSep)) {
          this.badTsvValue(buf, fs, e, col);
          return;
        }
        end = scanState.end;
      }
      col++;
      if (end >= e) break;
      fs = end + 1;
    }
    if (col !== ncols) {
      // RITA keeps a line one field short (its has_unknown_field test data holds one) and so do
      // we, flagged; a line shorter than that, or longer, cannot be mapped with confidence.
      if (col === ncols - 1 && !this.atEnd) {
        this.stats.shortLines++;
        this.anomalies.add('zeek_short_line', this.file, undefined, this.lineNo, `${col} fields where #fields names ${ncols}`);
      } else {
        this.bad('zeek_field_count_mismatch', `${col} fields where #fields names ${ncols}`);
        return;
      }
    }
    this.finish(rec);
  }

  private badTsvValue(buf: Buffer, fs: number, e: number, col: number): void {
    const end = scanTo(buf, fs, e, this.sep);
    // fields is null after a lone comment line (`#...`) between data lines: the block's mapping still holds.
    const fields = this.fields;
    const name = fields !== null && col < fields.length ? fields[col] : `#${col + 1}`;
    this.bad('zeek_bad_value', `column '${name}' holds '${preview(buf, fs, end)}'`);
  }

  private jsonLine(buf: Buffer, s: number, e: number): void {
    const table = this.jsonKeys;
    if (table !== null && buf[s] === 0x7b) {
      // The byte-level reader first (json-fast.ts); JSON.parse below has the final word when it gives up.
      const rec = this.mapper!.create(this.source);
      if (readJsonFields(rec, this.mapper!, table, buf, s, e)) {
        this.finish(rec);
        return;
      }
    }
    let obj: unknown;
    try {
      obj = JSON.parse(utf8(buf, s, e));
    } catch (err) {
      this.bad('zeek_bad_json', (err as Error).message);
      return;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      this.bad('zeek_bad_json', 'the line is not a JSON object');
      return;
    }
    const o = obj as Record<string, unknown>;
    if (this.mapper === null) {
      const p = typeof o._path === 'string' ? o._path : null;
      const type = resolveLogType(p, this.file, () => Object.keys(o));
      this.stats.path = type;
      const kind = recordKindOf(type);
      if (kind === null) {
        this.otherLogLine();
        this.stats.skippedLog = true;
        this.state = DONE;
        return;
      }
      this.mapper = MAPPERS[kind];
      this.jsonCodes = this.mapper.codes;
      if (this.usePrefix) this.jsonKeys = JSON_KEY_TABLES[kind];
      this.open = OPEN_CONNECTION_LOGS.has(type!);
      this.stats.openConnections = this.open;
    }
    const rec = this.mapper.create(this.source);
    const badField = this.fillJson(rec, o, '', 0);
    if (badField !== null) {
      const v = JSON.stringify(lookup(o, badField)) ?? '';
      this.bad('zeek_bad_value', `field '${badField}' holds ${v.length > 40 ? v.slice(0, 40) + '...' : v}`);
      return;
    }
    this.finish(rec);
  }

  /** Set the record's fields from a JSON object; returns the name of a malformed field, or null. */
  private fillJson(rec: unknown, o: Record<string, unknown>, prefix: string, depth: number): string | null {
    const mapper = this.mapper!;
    const codes = this.jsonCodes;
    for (const k in o) {
      const v = o[k];
      if (v === null) continue; // Zeek's unset, when json_include_unset_fields is on
      const name = prefix === '' ? k : prefix + k;
      const code = codes.get(name);
      if (code === undefined) {
        if (typeof v === 'object' && !Array.isArray(v) && depth < MAX_JSON_NESTING) {
          const r = this.fillJson(rec, v as Record<string, unknown>, name + '.', depth + 1);
          if (r !== null) return r;
        }
        continue;
      }
      if (!mapper.setJson(rec, code, v)) return name;
    }
    return null;
  }

  /** Hand a record to the sink; `complete` when a prefix parser set every required field already. */
  private finish(rec: unknown, complete = false): void {
    const mapper = this.mapper!;
    const miss = complete ? null : mapper.missing(rec);
    if (miss !== null) {
      this.bad('zeek_missing_field', `no value for '${miss}'`);
      return;
    }
    if (this.open && mapper.kind === 'conn') (rec as { openAtEnd?: boolean }).openAtEnd = true;
    this.badInARow = 0;
    this.stats.records++;
    mapper.emit(this.sink, rec);
  }

  /** Count a bad data line, and abandon the file when the budget is spent. */
  private bad(code: string, detail: string): void {
    const st = this.stats;
    if (this.atEnd) {
      detail = `the last line has no newline and does not parse (${code}: ${detail}); the file is probably truncated`;
      code = 'zeek_truncated_line';
      st.truncated = new KonsekiError(ZeekErrorCodes.TRUNCATED, 'Zeek log ends in the middle of a line: the file is probably truncated', {
        file: this.file,
        line: this.lineNo,
      });
    }
    st.badLines++;
    st.skipped[code] = (st.skipped[code] ?? 0) + 1;
    this.anomalies.add(code, this.file, undefined, this.lineNo, detail);
    this.badInARow++;
    let why: string | null = null;
    if (this.badInARow > this.maxInARow) {
      why = `${this.badInARow} bad lines in a row (budget ${this.maxInARow})`;
    } else if (st.linesRead >= BAD_SHARE_MIN_LINES && st.badLines > this.maxShare * st.linesRead) {
      why = `${st.badLines} of ${st.linesRead} lines are bad (budget ${Math.round(this.maxShare * 100)}%)`;
    }
    if (why !== null) {
      this.anomalies.add('zeek_file_abandoned', this.file, undefined, this.lineNo, why);
      this.abandon(
        new KonsekiError(ErrorCodes.ZEEK_TOO_MANY_BAD_LINES, `Zeek log abandoned: ${why}, the last one ${code}: ${detail}`, {
          file: this.file,
          line: this.lineNo,
        }),
      );
    }
  }
}

/** Buffer's UTF-8 slicer without `toString`'s argument and encoding handling (see values.ts' latin1). */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

/** The bytes [s, e) decoded as UTF-8 (invalid sequences become U+FFFD, as with toString). */
function utf8(buf: Buffer, s: number, e: number): string {
  return (buf as unknown as Utf8Slicer).utf8Slice(s, e);
}

/** buf[s, s + n) equals want[0, n). */
function sameBytes(buf: Buffer, s: number, want: Buffer, n: number): boolean {
  for (let j = 1; j < n; j++) if (buf[s + j] !== want[j]) return false;
  return true;
}

function lookup(o: Record<string, unknown>, dotted: string): unknown {
  if (dotted in o) return o[dotted];
  const dot = dotted.indexOf('.');
  if (dot < 0) return undefined;
  const inner = o[dotted.slice(0, dot)];
  return typeof inner === 'object' && inner !== null ? lookup(inner as Record<string, unknown>, dotted.slice(dot + 1)) : undefined;
}
