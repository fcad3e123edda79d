/**
 * Writes enriched findings in one of the four output formats, to a file (atomically: see
 * atomic-file.ts) or to stdout (`-`). Output is produced in batches of about BATCH_BYTES and
 * stdout's backpressure is respected. A closed pipe on stdout (`konseki ... | head`) ends
 * the write quietly: the result says `brokenPipe: true` and the caller exits normally.
 */
import type { Writable } from 'node:stream';
import type { EnrichedFinding } from '../core/finding.js';
import { AtomicFile } from './atomic-file.js';
import { csvHeader, csvRow } from './csv.js';
import { jsonlLine } from './jsonl.js';
import { formatTable } from './table.js';
import { renderHtml } from './html.js';
import type { RunInfo } from './run-info.js';
import { KonsekiError, ErrorCodes } from '../core/errors.js';

export type OutputFormat = 'csv' | 'jsonl' | 'table' | 'html';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['csv', 'jsonl', 'table', 'html'];

/** Size of the string batches handed to the sink. */
const BATCH_BYTES = 64 * 1024;

export interface WriteOptions {
  format: OutputFormat;
  /** A file path, or `-` for stdout. */
  out: string;
  run: RunInfo;
  /** Table only: width and colour. Defaults: stdout's columns and TTY-ness, and NO_COLOR. */
  width?: number;
  color?: boolean;
  /** Where `-` writes (default process.stdout); for tests. */
  stdout?: Writable & { isTTY?: boolean; columns?: number };
  /** Environment for NO_COLOR (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface WriteResult {
  format: OutputFormat;
  /** Resolved path, or `-`. */
  out: string;
  rows: number;
  bytes: number;
  /** True when stdout was closed by the reader before everything was written. */
  brokenPipe: boolean;
}

/**
 * The format to use when none is given: from the file extension (.csv, .jsonl/.ndjson/.json,
 * .html/.htm, .txt for a table), else a table on a terminal and CSV otherwise (issue 7).
 */
export function chooseFormat(format: string | null | undefined, out: string, stdoutIsTTY: boolean): OutputFormat {
  if (format) {
    if ((OUTPUT_FORMATS as readonly string[]).includes(format)) return format as OutputFormat;
    throw new KonsekiError(ErrorCodes.USAGE, `Unknown output format "${format}": use one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  if (out !== '-') {
    const ext = out.toLowerCase().replace(/^.*\./, '');
    if (ext === 'csv') return 'csv';
    if (ext === 'jsonl' || ext === 'ndjson' || ext === 'json') return 'jsonl';
    if (ext === 'html' || ext === 'htm') return 'html';
    if (ext === 'txt') return 'table';
    return 'csv';
  }
  return stdoutIsTTY ? 'table' : 'csv';
}

/** Yields the output in string pieces. */
function* render(findings: readonly EnrichedFinding[], opts: WriteOptions, width: number, color: boolean): Generator<string> {
  switch (opts.format) {
    case 'csv':
      yield csvHeader();
      for (const f of findings) yield csvRow(f);
      return;
    case 'jsonl':
      for (const f of findings) yield jsonlLine(f);
      return;
    case 'table':
      yield formatTable(findings, { width, color });
      return;
    case 'html':
      yield renderHtml(findings, opts.run);
      return;
  }
}

interface Sink {
  write(s: string): Promise<boolean>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

/** Streams that already carry our no-op error listener (added once, never per write). */
const quieted = new WeakSet<Writable>();

/** A late EPIPE after we are done must not become an uncaught exception. */
function quietErrors(stream: Writable): void {
  if (quieted.has(stream)) return;
  quieted.add(stream);
  stream.on('error', () => undefined);
}

function streamSink(stream: Writable): Sink & { broken: () => boolean } {
  let broken = false;
  let error: Error | null = null;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') broken = true;
    else error = e;
  };
  stream.on('error', onError);
  const waitDrain = () =>
    new Promise<void>((res) => {
      const done = () => {
        stream.removeListener('drain', done);
        stream.removeListener('error', done);
        stream.removeListener('close', done);
        res();
      };
      stream.once('drain', done);
      stream.once('error', done);
      stream.once('close', done);
    });
  return {
    broken: () => broken,
    async write(s) {
      if (broken) return false;
      if (error) throw error;
      if (!stream.write(s)) await waitDrain();
      if (error) throw error;
      return !broken;
    },
    async finish() {
      quietErrors(stream);
      stream.removeListener('error', onError);
    },
    async abort() {
      quietErrors(stream);
      stream.removeListener('error', onError);
    },
  };
}

function fileSink(f: AtomicFile): Sink {
  return {
    async write(s) {
      await f.write(s);
      return true;
    },
    finish: () => f.commit(),
    abort: () => f.abort(),
  };
}

/**
 * Write the findings.
 * @returns how much was written, and whether stdout's reader went away.
 * @throws KonsekiError ERR_IO when the output file cannot be written (the previous file, if
 * any, is left untouched), ERR_USAGE for an unknown format.
 */
export async function writeFindings(findings: EnrichedFinding[], opts: WriteOptions): Promise<WriteResult> {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(opts.format)) chooseFormat(opts.format, opts.out, false);
  const env = opts.env ?? process.env;
  const toStdout = opts.out === '-';
  const stdout = opts.stdout ?? process.stdout;
  // A terminal's own width; a pipe or a file gets a wide table (160) rather than a cramped one.
  const width = opts.width ?? (toStdout && stdout.isTTY && stdout.columns ? stdout.columns : 160);
  const color =
    opts.color ?? (toStdout && stdout.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === ''));
  let sink: Sink & { broken?: () => boolean };
  let outPath = '-';
  if (toStdout) sink = streamSink(stdout);
  else {
    const f = await AtomicFile.open(opts.out);
    outPath = f.path;
    sink = fileSink(f);
  }
  let bytes = 0;
  let pendingText = '';
  let ok = true;
  try {
    for (const piece of render(findings, opts, width, color)) {
      pendingText += piece;
      if (pendingText.length >= BATCH_BYTES) {
        bytes += Buffer.byteLength(pendingText);
        ok = await sink.write(pendingText);
        pendingText = '';
        if (!ok) break;
      }
    }
    if (ok && pendingText) {
      bytes += Buffer.byteLength(pendingText);
      await sink.write(pendingText);
    }
    await sink.finish();
  } catch (e) {
    await sink.abort();
    throw e;
  }
  return {
    format: opts.format,
    out: outPath,
    rows: findings.length,
    bytes,
    brokenPipe: sink.broken ? sink.broken() : false,
  };
}
