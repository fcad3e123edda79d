/**
 * Zeek logs as input: files, directories and standard input, plain or gzip-compressed, TSV or
 * JSON, driven through the synchronous ZeekLogParser one chunk at a time. Memory holds one
 * chunk, one partial line and the per-file statistics; nothing grows with the number of lines.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import type { AnomalyCounter } from '../../core/anomaly.js';
import { ErrorCodes, KonsekiError } from '../../core/errors.js';
import type { RecordSink } from '../../core/records.js';
import { KNOWN_ZEEK_LOGS, looksLikeZeekLogName, logTypeFromFileName, recordKindOf } from './log-types.js';
import { newFileStats, normalizeBudget, ZeekLogParser, type TsvLineFilter, type ZeekFileStats } from './parser.js';

/** Read size for log files: large reads keep the per-chunk overhead negligible. */
export const READ_CHUNK_BYTES = 1024 * 1024;
/** Output chunk size of the gunzip stream (zlib's default of 16 KiB means many small chunks; 1 MiB costs ~10% less CPU than 256 KiB). */
export const GUNZIP_CHUNK_BYTES = 1024 * 1024;
/** Decompressed bytes zlib may run ahead of the parser (bounded memory per file being read). */
export const GUNZIP_READ_AHEAD_BYTES = 4 * 1024 * 1024;
/** Most files taken from the directories of one run; the rest are counted in `filesOverCap`. */
export const MAX_DIRECTORY_FILES = 100_000;
/** Deepest directory level searched below an input directory. */
export const MAX_DIRECTORY_DEPTH = 16;
/** Names of ignored directory entries kept as examples in the stats. */
export const MAX_IGNORED_EXAMPLES = 20;

export interface ZeekReadOptions {
  anomalies: AnomalyCounter;
  /** Index of each input file in the run, copied into records' `source`. */
  sourceIndexOf?: (file: string) => number;
  /** Consecutive bad lines tolerated in one file; one more abandons it. Default 25. */
  maxBadLinesInARow?: number;
  /** Share (0..1) of bad lines tolerated in one file, judged after 100 lines. Default 0.5. */
  maxBadShare?: number;
  /** Called after each file, e.g. to print its abandonment message. */
  onFile?: (stats: ZeekFileStats) => void;
  /** Stops reading between chunks and files once aborted (SIGINT); what was read so far is kept. */
  signal?: AbortSignal;
  /** Stream for the input `-` (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Sharded reading: the TSV data lines this reader parses (one file at a time; see ZeekParserOptions). */
  lineFilter?: TsvLineFilter;
}

export interface ZeekReadTotals {
  files: number;
  linesRead: number;
  records: number;
  headerLines: number;
  badLines: number;
  /** Skipped data lines by reason, over all files. */
  skipped: Record<string, number>;
  /** Records by kind. */
  byKind: { conn: number; dns: number; http: number; ssl: number };
  /** Files whose log Konseki does not read, by log type (`x509`, `weird`, `files`...). */
  skippedLogs: Record<string, number>;
  abandonedFiles: number;
  truncatedFiles: number;
}

export interface ZeekReadStats {
  files: ZeekFileStats[];
  totals: ZeekReadTotals;
  /** Directory entries that do not look like logs (`LICENSE`, `README.md`): count and a few names. */
  ignoredFiles: { count: number; examples: string[] };
  /** Directory files beyond MAX_DIRECTORY_FILES, not read. */
  filesOverCap: number;
}

/** Statistics of a run that has read nothing yet. */
export function emptyZeekReadStats(): ZeekReadStats {
  return {
    files: [],
    totals: {
      files: 0,
      linesRead: 0,
      records: 0,
      headerLines: 0,
      badLines: 0,
      skipped: {},
      byKind: { conn: 0, dns: 0, http: 0, ssl: 0 },
      skippedLogs: {},
      abandonedFiles: 0,
      truncatedFiles: 0,
    },
    ignoredFiles: { count: 0, examples: [] },
    filesOverCap: 0,
  };
}

/** First bytes of a gzip member (RFC 1952: ID1 ID2). */
function isGzipMagic(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Read Zeek logs and hand every conn, dns, http and ssl row to `sink`, synchronously as
 * each chunk is parsed.
 *
 * Inputs are files, directories (searched recursively for files named like logs: `*.log`,
 * `*.log.gz`, `*.json[.gz]`, `conn.log.labeled`...; each file's log type then comes from its
 * `#path`/`_path`, else its name) or `-` for standard input. Files are read one after the
 * other in the order given (a directory's files in compareLogNames order). gzip is recognised by its
 * magic bytes, not the name.
 *
 * Records come in file order, which is not time order: Zeek writes a conn.log row when the
 * connection ends, and rotated files overlap. Nothing here sorts; consumers that need time
 * order must not assume it.
 *
 * A file that cannot be read, is not a Zeek log, or has too many bad lines is abandoned with
 * a KonsekiError in its stats (`abandoned`); the other files go on. The promise rejects only
 * for bad options.
 *
 * @param inputs file paths, directory paths, or `-`
 * @param sink receives the records
 * @param opts anomaly counter, source indexes and the bad-line budget
 * @returns per-file and total statistics (`linesRead === records + sum(skipped)` per file)
 */
export async function readZeekLogs(inputs: string[], sink: RecordSink, opts: ZeekReadOptions): Promise<ZeekReadStats> {
  normalizeBudget(opts);
  const out = emptyZeekReadStats();
  const budget = { left: MAX_DIRECTORY_FILES };
  for (const input of inputs) {
    let files: string[];
    if (input !== '-' && (await isDirectory(input))) {
      files = await listZeekLogFiles(input, out, budget, opts.anomalies);
    } else {
      files = [input];
    }
    for (const file of files) {
      if (opts.signal?.aborted) break;
      const counting = countingSink(sink, out.totals.byKind);
      const st = input === '-' && file === '-'
        ? await readZeekStream(opts.stdin ?? process.stdin, '-', counting, opts)
        : await readZeekFile(file, counting, opts);
      addTotals(out, st);
      opts.onFile?.(st);
    }
  }
  return out;
}

function countingSink(sink: RecordSink, byKind: ZeekReadTotals['byKind']): RecordSink {
  return {
    conn(r) {
      byKind.conn++;
      sink.conn(r);
    },
    dns(r) {
      byKind.dns++;
      sink.dns(r);
    },
    http(r) {
      byKind.http++;
      sink.http(r);
    },
    ssl(r) {
      byKind.ssl++;
      sink.ssl(r);
    },
  };
}

/** Adds one file's statistics to the run's totals. */
export function addTotals(out: ZeekReadStats, st: ZeekFileStats): void {
  const t = out.totals;
  out.files.push(st);
  t.files++;
  t.linesRead += st.linesRead;
  t.records += st.records;
  t.headerLines += st.headerLines;
  t.badLines += st.badLines;
  for (const [k, v] of Object.entries(st.skipped)) t.skipped[k] = (t.skipped[k] ?? 0) + v;
  if (st.skippedLog && st.path !== null) t.skippedLogs[st.path] = (t.skippedLogs[st.path] ?? 0) + 1;
  if (st.abandoned) t.abandonedFiles++;
  if (st.truncated) t.truncatedFiles++;
}

/**
 * The files `readZeekLogs` would read from a directory, in the order it reads them (sorted by
 * path, recursively, symbolic links to directories not followed, at most MAX_DIRECTORY_FILES),
 * with the entries it would ignore. For callers that hand the files out themselves.
 */
export async function listZeekLogDirectory(
  dir: string,
  anomalies: AnomalyCounter,
): Promise<{ files: string[]; ignoredFiles: { count: number; examples: string[] }; filesOverCap: number }> {
  const out = { ignoredFiles: { count: 0, examples: [] as string[] }, filesOverCap: 0 } as ZeekReadStats;
  const files = await listZeekLogFiles(dir, out, { left: MAX_DIRECTORY_FILES }, anomalies);
  return { files, ignoredFiles: out.ignoredFiles, filesOverCap: out.filesOverCap };
}

/** True when `p` is a directory (false when it cannot be stat'ed). */
export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The files of a directory that look like Zeek logs, recursively, in compareLogNames order. Symbolic
 * links to directories are not followed (no loops); entries that do not look like logs are
 * counted in `out.ignoredFiles`.
 */
export async function listZeekLogFiles(
  dir: string,
  out: ZeekReadStats,
  budget: { left: number },
  anomalies: AnomalyCounter,
): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      anomalies.add('zeek_unreadable_directory', d, undefined, undefined, (err as Error).message);
      return;
    }
    entries.sort((a, b) => compareLogNames(a.name, b.name));
    for (const ent of entries) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) {
        if (depth < MAX_DIRECTORY_DEPTH) await walk(p, depth + 1);
        else anomalies.add('zeek_directory_too_deep', p);
        continue;
      }
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try {
          isFile = (await stat(p)).isFile();
        } catch {
          isFile = false;
        }
      }
      if (isFile && isLogFileForDirectory(ent.name)) {
        if (budget.left > 0) {
          budget.left--;
          found.push(p);
        } else {
          if (out.filesOverCap === 0) anomalies.add('zeek_too_many_files', p, undefined, undefined, `more than ${MAX_DIRECTORY_FILES} files`);
          out.filesOverCap++;
        }
      } else {
        out.ignoredFiles.count++;
        if (out.ignoredFiles.examples.length < MAX_IGNORED_EXAMPLES) out.ignoredFiles.examples.push(p);
      }
    }
  };
  await walk(dir, 0);
  return found;
}

/** Conn-like logs (written when a connection ends): read last within a rotation. */
const CONN_LIKE = /^(conn|open_conn|conn_long)([._-]|$)/;

/**
 * Order of a directory's entries: by rotation (what follows the log type, as in
 * `conn.13:00:00-14:00:00.log.gz`), then conn-like logs after the others, then by name. Zeek
 * writes a connection's conn row when it ends, after its dns/http/ssl rows; reading each
 * rotation's other logs before its conn log hands detection a connection's SNI/Host before
 * the connection itself (src/detect/uid-join.ts). Deterministic, so any number of workers
 * reads the same order.
 */
export function compareLogNames(a: string, b: string): number {
  const da = a.indexOf('.');
  const db = b.indexOf('.');
  const ra = da < 0 ? '' : a.slice(da + 1);
  const rb = db < 0 ? '' : b.slice(db + 1);
  if (ra !== rb) return ra < rb ? -1 : 1;
  const ca = CONN_LIKE.test(a) ? 1 : 0;
  const cb = CONN_LIKE.test(b) ? 1 : 0;
  if (ca !== cb) return ca - cb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a directory entry is taken as a log: named like one (`*.log[.gz]`, `*.json[.gz]`,
 * `conn.log.labeled`), and for names that do not end in `.log[.gz]` (JSON logs) only when the
 * name starts with a Zeek log's name (`conn_20240101.json` yes, `manifest.json` no).
 */
export function isLogFileForDirectory(name: string): boolean {
  if (!looksLikeZeekLogName(name)) return false;
  if (/\.log(?:\.gz)?$/.test(name)) return true;
  const t = logTypeFromFileName(name);
  return t !== null && KNOWN_ZEEK_LOGS.has(t);
}

/**
 * True when `dir` is a directory holding at least one file (at any depth up to
 * MAX_DIRECTORY_DEPTH) whose name is that of a log Konseki reads (`conn.log`,
 * `dns.13:00:00-14:00:00.log.gz`, `ssl_20240101.json`...). Lets the pipeline route a directory
 * to this reader rather than to the capture reader.
 */
export async function isZeekLogDirectory(dir: string): Promise<boolean> {
  try {
    if (!(await lstat(dir)).isDirectory()) return false;
  } catch {
    return false;
  }
  const look = async (d: string, depth: number): Promise<boolean> => {
    let entries: Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const ent of entries) {
      if (!ent.isDirectory() && looksLikeZeekLogName(ent.name) && recordKindOf(logTypeFromFileName(ent.name)) !== null) return true;
    }
    if (depth >= MAX_DIRECTORY_DEPTH) return false;
    for (const ent of entries) {
      if (ent.isDirectory() && (await look(join(d, ent.name), depth + 1))) return true;
    }
    return false;
  };
  return look(dir, 0);
}

/**
 * Sniff the first bytes of a (decompressed) input: 'tsv' when it starts with a Zeek header
 * line (`#separator`, after optional blanks), 'json' when it starts with a JSON object, else
 * null. For the capture reader's format detection.
 */
export function sniffZeekLog(head: Buffer): 'tsv' | 'json' | null {
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i >= head.length) return null;
  if (head[i] === 0x7b) return 'json';
  const key = '#separator';
  if (head.length - i >= key.length && head.toString('latin1', i, i + key.length) === key) return 'tsv';
  return null;
}

/** Read one file (plain or gzip) into `sink`. Never rejects: failures end up in the stats. */
export async function readZeekFile(
  file: string,
  sink: RecordSink,
  opts: Omit<ZeekReadOptions, 'onFile' | 'stdin'>,
): Promise<ZeekFileStats> {
  const st = newFileStats(file);
  let gzip = false;
  try {
    const fh = await open(file, 'r');
    try {
      const head = Buffer.alloc(2);
      const { bytesRead } = await fh.read(head, 0, 2, 0);
      gzip = isGzipMagic(head.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  } catch (err) {
    return ioFailure(st, file, err, opts.anomalies);
  }
  const raw = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  return readZeekStreamInto(raw, file, sink, opts, st, gzip);
}

/**
 * Read one stream (standard input, or any Readable of Buffers) into `sink`; gzip is detected
 * from its first bytes. Never rejects: failures end up in the stats.
 * @param name the name used in messages and for the log type when the content does not say (`-` for stdin)
 */
export async function readZeekStream(
  stream: NodeJS.ReadableStream | AsyncIterable<Buffer>,
  name: string,
  sink: RecordSink,
  opts: Omit<ZeekReadOptions, 'onFile' | 'stdin'>,
): Promise<ZeekFileStats> {
  return readZeekStreamInto(stream, name, sink, opts, newFileStats(name), null);
}

function ioFailure(st: ZeekFileStats, file: string, err: unknown, anomalies: AnomalyCounter): ZeekFileStats {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
  anomalies.add('zeek_unreadable_file', file, undefined, undefined, why);
  st.abandoned = new KonsekiError(ErrorCodes.IO, `Cannot read Zeek log: ${why}`, { file });
  return st;
}

/**
 * Drive the parser from a stream. `gzip` is known for files (peeked with a read of 2 bytes);
 * for streams it is null and decided from the first chunk(s).
 */
async function readZeekStreamInto(
  stream: NodeJS.ReadableStream | AsyncIterable<Buffer>,
  name: string,
  sink: RecordSink,
  opts: Omit<ZeekReadOptions, 'onFile' | 'stdin'>,
  st: ZeekFileStats,
  gzip: boolean | null,
): Promise<ZeekFileStats> {
  const parser = new ZeekLogParser(name, sink, {
    anomalies: opts.anomalies,
    source: opts.sourceIndexOf?.(name),
    maxBadLinesInARow: opts.maxBadLinesInARow,
    maxBadShare: opts.maxBadShare,
    lineFilter: opts.lineFilter,
  }, st);
  // A file known to be gzip is piped straight into gunzip; anything else is read through its iterator.
  const direct = gzip === true && stream instanceof Readable;
  const rawIter = direct ? null : (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let source: AsyncIterable<Buffer> | null = null;
  let gunzipStage = false;
  let destroy: () => void = () => {
    (stream as { destroy?: () => void }).destroy?.();
  };
  try {
    if (gzip === null) {
      // Peek: gather at least 2 bytes to see the gzip magic, then replay them.
      const head: Buffer[] = [];
      let headLen = 0;
      let finished = false;
      while (headLen < 2) {
        const r = await rawIter!.next();
        if (r.done) {
          finished = true;
          break;
        }
        const b = toBuffer(r.value);
        head.push(b);
        headLen += b.length;
      }
      const first = Buffer.concat(head, headLen);
      gzip = isGzipMagic(first);
      source = replay(first, finished ? null : rawIter);
    } else if (rawIter !== null) {
      source = { [Symbol.asyncIterator]: () => rawIter };
    }
    st.gzip = gzip;
    if (gzip) {
      // A deep readable buffer lets zlib (on the thread pool) inflate ahead while this thread parses.
      const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES, readableHighWaterMark: GUNZIP_READ_AHEAD_BYTES } as ZlibOptions);
      // The file's read stream itself when it is one: a Readable.from() stage over its iterator
      // cost ~30-40 ms CPU per million conn lines (bench/README-zeek.md, conn-only pass).
      const input = direct ? (stream as Readable) : Readable.from(source!, { objectMode: false });
      input.on('error', (err) => gunzip.destroy(err));
      input.pipe(gunzip);
      gunzipStage = true;
      destroy = () => {
        input.destroy();
        gunzip.destroy();
        (stream as { destroy?: () => void }).destroy?.();
      };
      source = gunzip;
    }
    for await (const chunk of source!) {
      if (!parser.push(toBuffer(chunk)) || opts.signal?.aborted) {
        destroy();
        break;
      }
    }
    parser.end();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (gunzipStage && (e.code === 'Z_BUF_ERROR' || e.code === 'Z_DATA_ERROR' || /unexpected end|incorrect header|invalid/i.test(e.message))) {
      const truncated = e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message);
      const what = truncated ? 'the gzip stream ends early (truncated file?)' : `corrupt gzip data (${e.message})`;
      parser.end();
      opts.anomalies.add('zeek_bad_gzip', name, undefined, undefined, what);
      parser.abandon(
        new KonsekiError(ErrorCodes.GZIP, `Zeek log: ${what}; ${st.records} records read before it`, { file: name, offset: st.bytes }),
      );
    } else {
      parser.abandon(ioFailure(newFileStats(name), name, err, opts.anomalies).abandoned!);
    }
    destroy();
  }
  return st;
}

function toBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (typeof c === 'string') return Buffer.from(c);
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  throw new KonsekiError(ErrorCodes.IO, 'Zeek log stream yielded something other than bytes');
}

async function* replay(first: Buffer, rest: AsyncIterator<Buffer> | null): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first;
  if (rest === null) return;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield toBuffer(r.value);
  }
}
