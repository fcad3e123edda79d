/**
 * Zeek log writers driven by a field spec (zeek-fields.ts):
 *
 * - `tsv`: Zeek's ASCII writer. Full header (#separator \x09, #set_separator, #empty_field,
 *   #unset_field, #path, #open, #fields, #types) and a #close trailer; `-` for unset,
 *   `(empty)` for empty strings and containers. Escaping as Zeek's formatters/Ascii.cc and
 *   ODesc: control bytes and DEL as \xNN, a backslash as `\\`, the separator (and the set
 *   separator inside containers) as \xNN, and a value that equals `-` or `(empty)` spelled in
 *   \xNN so it cannot be read as unset/empty. Non-ASCII text is kept (Zeek keeps valid UTF-8).
 * - `json`: Zeek's JSON writer (LogAscii::use_json=T): one object per line, dotted keys
 *   ("id.orig_h"), unset fields left out, times as numbers with 6 decimals, sets and vectors
 *   as arrays; control bytes in strings are written as \xNN first, as Zeek does.
 * - `csv`: one header line of snake_case columns (`id.orig_h` -> `id_orig_h`), RFC 4180 quoting,
 *   unset fields empty, containers joined with ','.
 *
 * Lines are batched and written to a Node stream honouring backpressure (`write()` returns
 * false until `drain`: await `ready()`), or collected in memory (`lines`) for tests.
 *
 * TSV to a stream, the `konseki flows` path, writes each record's values as bytes straight
 * into the batch buffer: times, counts and plain ASCII strings without an intermediate
 * string per value or per line (conn.log lines were most of the garbage of `konseki flows`).
 * Anything unusual (escapes, non-ASCII, non-integer counts, sets) goes through the same
 * string functions as before, so the bytes are the same as the string path's.
 */
import type { Writable } from 'node:stream';
import { csvTextCell } from './csv.js';
import type { FieldSpec, LogSpec, ZeekType } from './zeek-fields.js';

export type ZeekLogFormat = 'tsv' | 'json' | 'csv';

export interface ZeekLogWriterOptions {
  /** Time written in #open/#close (default: now). Zeek writes local time; we write UTC. */
  openTime?: Date;
  /** Batch size in characters before a write to the stream (default 64 KiB). */
  batchChars?: number;
  /** End the stream on close() (default true; false for stdout). */
  endStream?: boolean;
}

const enum T {
  Time,
  Interval,
  Str,
  Addr,
  Count,
  Bool,
  Double,
  SetStr,
  VecStr,
  VecInterval,
}

function typeCode(t: ZeekType): T {
  switch (t) {
    case 'time':
      return T.Time;
    case 'interval':
      return T.Interval;
    case 'string':
    case 'enum':
      return T.Str;
    case 'addr':
      return T.Addr;
    case 'port':
    case 'count':
    case 'int':
      return T.Count;
    case 'bool':
      return T.Bool;
    case 'double':
      return T.Double;
    case 'set[string]':
    case 'set[enum]':
      return T.SetStr;
    case 'vector[string]':
      return T.VecStr;
    case 'vector[interval]':
      return T.VecInterval;
  }
}

const HEX = '0123456789abcdef';

function hexEscape(code: number): string {
  return '\\x' + HEX[(code >> 4) & 15] + HEX[code & 15];
}

/** Escape a string value the way Zeek's ASCII writer does (`inSet`: also the set separator). */
export function escapeTsv(s: string, inSet: boolean): string {
  if (s.length === 0) return '(empty)';
  if (s === '-' || s === '(empty)') {
    let out = '';
    for (let i = 0; i < s.length; i++) out += hexEscape(s.charCodeAt(i));
    return out;
  }
  // Fast path: nothing to escape.
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c || (inSet && c === 0x2c)) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || c === 0x7f || (inSet && c === 0x2c)) out += hexEscape(c);
    else out += s[i];
  }
  return out;
}

/**
 * Zeek's JSON writer escapes control bytes as \xNN inside the string, then JSON-encodes it.
 * U+2028/U+2029 are written as \u escapes (same value once parsed), so that line-splitting
 * readers (Python's splitlines, some log shippers) never cut a record, as jsonl.ts does.
 */
function jsonString(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x22 || c === 0x5c || c === 0x2028 || c === 0x2029) {
      needs = true;
      break;
    }
  }
  if (!needs) return '"' + s + '"';
  let z = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    z += c < 0x20 || c === 0x7f ? hexEscape(c) : s[i];
  }
  return JSON.stringify(z).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

function csvQuote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2c || c === 0x22 || c === 0x0a || c === 0x0d) return '"' + s.replace(/"/g, '""') + '"';
  }
  return s;
}

/** Shortest decimal of a double rounded to microseconds (Zeek's JSON interval style). */
function shortDouble(v: number): string {
  return String(Number(v.toFixed(6)));
}

/** `2026-11-28-23-59-00`, Zeek's #open/#close format (in UTC). */
export function zeekOpenTime(d: Date): string {
  const p = (n: number) => (n < 10 ? '0' + n : String(n));
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

export class ZeekLogWriter<R> {
  /** Lines written so far when collecting (no stream). */
  readonly lines: string[] = [];
  /** Records written. */
  count = 0;

  private readonly fields: FieldSpec<R>[];
  private readonly types: T[];
  private readonly getters: ((r: R) => unknown)[];
  private readonly jsonKeys: string[];
  private batch = '';
  private readonly batchChars: number;
  /** TSV to a stream: the batch as bytes (see the header comment); null otherwise. */
  private bytes: Buffer | null = null;
  private bytesLen = 0;
  private needDrain = false;
  private drained: Promise<void> | null = null;
  private closed = false;

  /**
   * @param spec the log's columns
   * @param format tsv (Zeek ASCII), json (Zeek JSON) or csv
   * @param sink stream to write to; null to collect `lines`
   */
  constructor(
    private readonly spec: LogSpec<R>,
    readonly format: ZeekLogFormat,
    private readonly sink: Writable | null,
    private readonly opts: ZeekLogWriterOptions = {},
  ) {
    this.fields = spec.fields;
    this.types = spec.fields.map((f) => typeCode(f.type));
    this.getters = spec.fields.map((f) => f.get);
    this.jsonKeys = spec.fields.map((f) => JSON.stringify(f.name) + ':');
    this.batchChars = opts.batchChars ?? 65536;
    if (format === 'tsv' && sink !== null) this.bytes = Buffer.allocUnsafe(this.batchChars + 1024);
    this.writeHeader();
  }

  private writeHeader(): void {
    if (this.format === 'tsv') {
      const open = zeekOpenTime(this.opts.openTime ?? new Date());
      this.emitLine('#separator \\x09');
      this.emitLine('#set_separator\t,');
      this.emitLine('#empty_field\t(empty)');
      this.emitLine('#unset_field\t-');
      this.emitLine('#path\t' + this.spec.path);
      this.emitLine('#open\t' + open);
      this.emitLine('#fields\t' + this.fields.map((f) => f.name).join('\t'));
      this.emitLine('#types\t' + this.fields.map((f) => f.type).join('\t'));
    } else if (this.format === 'csv') {
      this.emitLine(this.fields.map((f) => f.name.replace(/\./g, '_')).join(','));
    }
  }

  /**
   * Write one record.
   * @returns false when the stream asks to wait (await `ready()` before writing much more)
   */
  write(r: R): boolean {
    this.count++;
    if (this.bytes !== null) {
      this.tsvBytes(r);
      return !this.needDrain;
    }
    let line: string;
    if (this.format === 'tsv') line = this.tsvLine(r);
    else if (this.format === 'json') line = this.jsonLine(r);
    else line = this.csvLine(r);
    this.emitLine(line);
    return !this.needDrain;
  }

  /** Resolves when the stream can take more (immediately when it can). */
  async ready(): Promise<void> {
    if (this.drained) await this.drained;
  }

  /** Write the trailer (#close for TSV), flush, and end the stream unless told not to. */
  async close(closeTime?: Date): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.format === 'tsv') this.emitLine('#close\t' + zeekOpenTime(closeTime ?? new Date()));
    this.flushBatch();
    const sink = this.sink;
    if (!sink) return;
    if (this.needDrain) await this.ready();
    if (this.opts.endStream ?? true) {
      if (sink.destroyed) throw new Error('the output stream failed');
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        sink.once('error', onError);
        sink.end(() => {
          sink.off('error', onError);
          resolve();
        });
      });
    }
  }

  private emitLine(line: string): void {
    if (!this.sink) {
      this.lines.push(line);
      return;
    }
    if (this.bytes !== null) {
      this.putText(line);
      this.putByte(0x0a);
      if (this.bytesLen >= this.batchChars) this.flushBatch();
      return;
    }
    this.batch += line + '\n';
    if (this.batch.length >= this.batchChars) this.flushBatch();
  }

  private flushBatch(): void {
    if (!this.sink) return;
    let ok: boolean;
    if (this.bytes !== null) {
      if (this.bytesLen === 0) return;
      // The stream keeps the buffer until it is written: the next batch gets a new one.
      const chunk = this.bytes.subarray(0, this.bytesLen);
      this.bytes = Buffer.allocUnsafe(this.batchChars + 1024);
      this.bytesLen = 0;
      ok = this.sink.write(chunk);
    } else {
      if (this.batch.length === 0) return;
      ok = this.sink.write(this.batch);
      this.batch = '';
    }
    if (!ok && !this.needDrain) {
      // Listen now: the 'drain' may come before anyone awaits ready().
      this.needDrain = true;
      this.drained = new Promise<void>((resolve) => {
        const done = () => {
          this.sink!.off('drain', done);
          this.sink!.off('close', done);
          this.needDrain = false;
          this.drained = null;
          resolve();
        };
        this.sink!.on('drain', done);
        this.sink!.on('close', done);
      });
    }
  }

  /** Makes room for `n` more bytes in the byte batch. */
  private room(n: number): Buffer {
    const b = this.bytes!;
    if (this.bytesLen + n <= b.length) return b;
    const bigger = Buffer.allocUnsafe(Math.max(2 * b.length, this.bytesLen + n));
    b.copy(bigger, 0, 0, this.bytesLen);
    this.bytes = bigger;
    return bigger;
  }

  private putByte(c: number): void {
    const b = this.room(1);
    b[this.bytesLen++] = c;
  }

  /** Any text, as UTF-8 (what a stream does with a string chunk). */
  private putText(s: string): void {
    const b = this.room(3 * s.length);
    this.bytesLen += b.write(s, this.bytesLen, 'utf8');
  }

  /** A string value, escaped as escapeTsv does (plain ASCII without a copy into a new string). */
  private putStr(s: string): void {
    const n = s.length;
    if (n === 0 || (n === 1 && s === '-') || s === '(empty)') {
      this.putText(escapeTsv(s, false));
      return;
    }
    const b = this.room(n);
    let o = this.bytesLen;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === 0x5c) {
        this.putText(escapeTsv(s, false));
        return;
      }
      b[o++] = c;
    }
    this.bytesLen = o;
  }

  /** Decimal digits of a whole number 0 <= v < 2^53. */
  private putDigits(v: number): void {
    let d = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) d++;
    const b = this.room(d);
    let o = this.bytesLen + d;
    this.bytesLen = o;
    do {
      const q = Math.floor(v / 10);
      b[--o] = 0x30 + (v - q * 10);
      v = q;
    } while (v > 0);
  }

  /** String(v) for a count, int or port. */
  private putCount(v: unknown): void {
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      if (v < 0) {
        this.putByte(0x2d);
        this.putDigits(-v);
      } else {
        this.putDigits(v);
      }
      return;
    }
    this.putText(String(v));
  }

  /**
   * v.toFixed(6) for times and intervals. The fast path takes p = v * 1e6 when it is below
   * 2^51 (its rounding error is then at most 1/8) and within 0.4 of a whole number r: the
   * exact value of v * 1e6 is then nearer to r than to any other whole number, which is what
   * toFixed(6) rounds to. Other values (negative, huge, near a half) use toFixed.
   */
  private putFixed6(v: number): void {
    const p = v * 1e6;
    if (p >= 0 && p < 2251799813685248) {
      const r = Math.round(p);
      if (Math.abs(p - r) <= 0.4) {
        const ip = Math.floor(r / 1e6);
        let frac = r - ip * 1e6;
        this.putDigits(ip);
        const b = this.room(7);
        const o = this.bytesLen;
        b[o] = 0x2e;
        for (let k = 6; k >= 1; k--) {
          const q = Math.floor(frac / 10);
          b[o + k] = 0x30 + (frac - q * 10);
          frac = q;
        }
        this.bytesLen = o + 7;
        return;
      }
    }
    this.putText(v.toFixed(6));
  }

  /** tsvLine written into the byte batch (same bytes as tsvLine + '\n' through a stream). */
  private tsvBytes(r: R): void {
    const g = this.getters;
    const types = this.types;
    for (let i = 0; i < g.length; i++) {
      if (i > 0) this.putByte(0x09);
      const v = g[i](r);
      if (v === null || v === undefined) {
        this.putByte(0x2d);
        continue;
      }
      const t = types[i];
      switch (t) {
        case T.Time:
        case T.Interval:
          this.putFixed6(v as number);
          break;
        case T.Str:
          this.putStr(v as string);
          break;
        case T.Count:
          this.putCount(v);
          break;
        case T.Addr:
          this.putText(v as string);
          break;
        case T.Bool:
          this.putByte(v ? 0x54 : 0x46);
          break;
        default:
          this.putText(this.tsvValue(t, v, false));
          break;
      }
    }
    this.putByte(0x0a);
    if (this.bytesLen >= this.batchChars) this.flushBatch();
  }

  private tsvValue(t: T, v: unknown, inSet: boolean): string {
    switch (t) {
      case T.Time:
      case T.Interval:
        return (v as number).toFixed(6);
      case T.Str:
        return escapeTsv(v as string, inSet);
      case T.Addr:
        return v as string;
      case T.Count:
        return String(v);
      case T.Bool:
        return v ? 'T' : 'F';
      case T.Double:
        return shortDouble(v as number);
      default: {
        const arr = v as unknown[];
        if (arr.length === 0) return '(empty)';
        const et = t === T.VecInterval ? T.Interval : T.Str;
        let s = '';
        for (let i = 0; i < arr.length; i++) {
          if (i > 0) s += ',';
          s += this.tsvValue(et, arr[i], true);
        }
        return s;
      }
    }
  }

  private tsvLine(r: R): string {
    const g = this.getters;
    const types = this.types;
    let line = '';
    for (let i = 0; i < g.length; i++) {
      if (i > 0) line += '\t';
      const v = g[i](r);
      line += v === null || v === undefined ? '-' : this.tsvValue(types[i], v, false);
    }
    return line;
  }

  private jsonValue(t: T, v: unknown): string {
    switch (t) {
      case T.Time:
        return (v as number).toFixed(6);
      case T.Interval:
      case T.Double:
        return shortDouble(v as number);
      case T.Str:
      case T.Addr:
        return jsonString(v as string);
      case T.Count:
        return String(v);
      case T.Bool:
        return v ? 'true' : 'false';
      default: {
        const arr = v as unknown[];
        const et = t === T.VecInterval ? T.Interval : T.Str;
        let s = '[';
        for (let i = 0; i < arr.length; i++) {
          if (i > 0) s += ',';
          s += this.jsonValue(et, arr[i]);
        }
        return s + ']';
      }
    }
  }

  private jsonLine(r: R): string {
    const g = this.getters;
    const types = this.types;
    const keys = this.jsonKeys;
    let line = '{';
    let first = true;
    for (let i = 0; i < g.length; i++) {
      const v = g[i](r);
      if (v === null || v === undefined) continue;
      if (!first) line += ',';
      first = false;
      line += keys[i] + this.jsonValue(types[i], v);
    }
    return line + '}';
  }

  private csvLine(r: R): string {
    const g = this.getters;
    const types = this.types;
    let line = '';
    for (let i = 0; i < g.length; i++) {
      if (i > 0) line += ',';
      const v = g[i](r);
      if (v === null || v === undefined) continue;
      const t = types[i];
      let s: string;
      if (t === T.Time || t === T.Interval) s = (v as number).toFixed(6);
      else if (t === T.Bool) s = v ? 'true' : 'false';
      else if (t === T.Double) s = shortDouble(v as number);
      else if (t === T.SetStr || t === T.VecStr) {
        line += csvTextCell((v as string[]).join(','));
        continue;
      } else if (t === T.VecInterval) s = (v as number[]).map((x) => x.toFixed(6)).join(',');
      else if (t === T.Str) {
        // Attacker text (URIs, hosts, SNI, queries): controls escaped and a leading = + - @
        // TAB CR neutralised, as in the findings CSV (spreadsheet formula injection).
        line += csvTextCell(v as string);
        continue;
      } else s = String(v);
      line += csvQuote(s);
    }
    return line;
  }
}
