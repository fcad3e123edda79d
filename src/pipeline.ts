/**
 * The composition root: inputs -> records -> detectors -> findings.
 *
 * Captures go through the packet decoder, the flow table and the application layer; Zeek
 * logs through the Zeek reader. Both feed one DetectionEngine (a RecordSink), so a capture
 * and a day of Zeek logs meet at the same record types, and one run may mix them.
 * Enrichment and export are the caller's (src/cli/commands/analyze.ts), because they need
 * files, the terminal and the environment.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { AnomalyCounter } from './core/anomaly.js';
import { ErrorCodes, KonsekiError } from './core/errors.js';
import type { Finding } from './core/finding.js';
import { DecodeStatus, PacketMeta } from './core/packet.js';
import type { ConnRecord, RecordSink } from './core/records.js';
import { createAppAnalyzerFactory } from './app/index.js';
import { DetectionEngine, type DetectionStats } from './detect/index.js';
import type { DetectConfig } from './detect/config.js';
import { FlowTable, type FlowTableStats } from './flow/flow-table.js';
import { readCapture, readCaptureBuffer, type CaptureStats } from './ingest/capture-reader.js';
import { PacketDecoder } from './ingest/decode/packet-decoder.js';
import { sniffFormat, type InputFormat } from './ingest/sniff.js';
import { readZeekLogs, type ZeekReadStats } from './ingest/zeek/reader.js';
import type { ZeekFileStats } from './ingest/zeek/parser.js';
import type { InputInfo } from './export/run-info.js';
import { analyzeCapturesParallel } from './parallel/capture-parallel.js';
import { readZeekLogsParallel } from './parallel/zeek-parallel.js';
import { analyzeSharded } from './parallel/sharded-analysis.js';

/** Bytes read from the head of an input to tell what it is and when its first packet is. */
const PEEK_BYTES = 1 << 20;

export type InputKind = 'capture' | 'zeek' | 'directory' | 'unknown';

export interface ClassifiedInput {
  /** As given: a path or `-`. */
  path: string;
  /** Index in the run (records carry it as `source`). */
  index: number;
  kind: InputKind;
  /** Format sniffed from the first (decompressed) bytes. */
  format: InputFormat | 'directory';
  compressed: boolean;
  /** Size in bytes, null for stdin. */
  bytes: number | null;
  /** Time of the first packet (captures), for ordering several captures as one. */
  firstTs: number | null;
  /** The stream to read for `-` (the peeked head put back in front). */
  stream?: Readable;
  /** Why the input cannot be read at all. */
  error?: KonsekiError;
}

function kindOf(f: InputFormat): InputKind {
  if (f === 'pcap' || f === 'pcapng') return 'capture';
  if (f === 'zeek-tsv' || f === 'zeek-json') return 'zeek';
  return 'unknown';
}

/**
 * Most bytes decompressed from the head of a gzip input to tell what it is. Deflate expands
 * up to ~1032:1, so a 1 MiB head could give a gigabyte (a gzip bomb): the output is capped.
 */
const MAX_PEEK_OUTPUT = 4 << 20;

/**
 * Decompresses the head of a gzip stream as far as it goes (the rest may be cut off), at most
 * MAX_PEEK_OUTPUT bytes: when the whole head expands beyond that, a shorter compressed prefix
 * (2 KiB cannot give more than ~2 MiB) is decompressed instead.
 */
function gunzipHead(head: Buffer): Buffer {
  for (const n of [head.length, 32 * 1024, 2 * 1024]) {
    try {
      return gunzipSync(head.subarray(0, n), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: MAX_PEEK_OUTPUT });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return Buffer.alloc(0);
    }
  }
  return Buffer.alloc(0);
}

/** Time of the first packet in the head of a capture, or null. */
function firstPacketTs(head: Buffer, name: string): number | null {
  let first: number | null = null;
  readCaptureBuffer(
    head,
    name,
    0,
    (m) => {
      if (first === null) first = m.tsSec + m.tsNsec / 1e9;
    },
    { anomalies: new AnomalyCounter(), decoder: { decode: () => DecodeStatus.NonIp } },
  );
  return first;
}

function describeHead(path: string, index: number, head: Buffer, bytes: number | null): ClassifiedInput {
  const compressed = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const plain = compressed ? gunzipHead(head) : head;
  let format = sniffFormat(plain);
  // A Zeek JSON log may start with white space; a TSV log always starts with '#'.
  if (format === 'unknown' && /^\s*\{/.test(plain.subarray(0, 64).toString('latin1'))) format = 'zeek-json';
  const kind = kindOf(format);
  const out: ClassifiedInput = { path, index, kind, format, compressed, bytes, firstTs: null };
  if (kind === 'capture') out.firstTs = firstPacketTs(plain, path);
  if (kind === 'unknown') {
    out.error = new KonsekiError(
      ErrorCodes.NOT_A_CAPTURE,
      plain.length === 0
        ? `Empty input: ${path} holds no data`
        : `Not a capture or Zeek log: ${path} starts with bytes ${plain.subarray(0, 4).toString('hex')} (expected pcap, pcapng, a Zeek TSV '#' header or Zeek JSON '{', optionally gzipped)`,
      { file: path, offset: 0 },
    );
  }
  return out;
}

/**
 * Tells what one file or directory is from its first bytes (see classifyInputs).
 * @param p a path (not `-`)
 * @param i its index in the run
 */
export function classifyPath(p: string, i: number): ClassifiedInput {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    return {
      path: p, index: i, kind: 'unknown', format: 'unknown', compressed: false, bytes: null, firstTs: null,
      error: new KonsekiError(ErrorCodes.IO, `Cannot open ${p}: ${why}`),
    };
  }
  if (st.isDirectory()) {
    return { path: p, index: i, kind: 'directory', format: 'directory', compressed: false, bytes: null, firstTs: null };
  }
  let head: Buffer;
  try {
    const fd = openSync(p, 'r');
    try {
      head = Buffer.alloc(Math.min(PEEK_BYTES, Math.max(st.size, 0)));
      const n = readSync(fd, head, 0, head.length, 0);
      head = head.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return {
      path: p, index: i, kind: 'unknown', format: 'unknown', compressed: false, bytes: st.size, firstTs: null,
      error: new KonsekiError(ErrorCodes.IO, `Cannot read ${p}: ${(e as Error).message}`),
    };
  }
  return describeHead(p, i, head, st.size);
}

/**
 * Tells what each input is from its first bytes (never from its name): a capture, a Zeek
 * log, a directory (of Zeek logs), or something unreadable.
 * @param inputs paths, or `-` for standard input (read once; its head is put back)
 * @param stdin the stream `-` stands for
 */
export async function classifyInputs(inputs: string[], stdin: Readable = process.stdin): Promise<ClassifiedInput[]> {
  const out: ClassifiedInput[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const p = inputs[i];
    if (p === '-') {
      const it = stdin[Symbol.asyncIterator]();
      const parts: Buffer[] = [];
      let have = 0;
      let done = false;
      while (have < 64 * 1024) {
        const r = await it.next();
        if (r.done) {
          done = true;
          break;
        }
        const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
        parts.push(b);
        have += b.length;
      }
      const head = Buffer.concat(parts);
      const c = describeHead(p, i, head, null);
      c.stream = Readable.from(
        (async function* () {
          yield head;
          if (!done) for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
        })(),
        { objectMode: false },
      );
      out.push(c);
      continue;
    }
    out.push(classifyPath(p, i));
  }
  return out;
}

/**
 * Orders captures as one continuous capture: by the time of their first packet (inputs
 * whose first packet cannot be told first, in the order given). Like `mergecap -a` then one
 * read, for files that follow each other in time (the common case of rotated captures).
 */
export function orderCaptures<T extends { firstTs: number | null; index: number }>(captures: T[]): T[] {
  return [...captures].sort((a, b) => {
    if (a.firstTs === null || b.firstTs === null) return a.firstTs === null && b.firstTs === null ? a.index - b.index : a.firstTs === null ? -1 : 1;
    return a.firstTs - b.firstTs || a.index - b.index;
  });
}

export interface AnalysisOptions {
  inputs: ClassifiedInput[];
  detect: DetectConfig;
  anomalies: AnomalyCounter;
  /** Called with each message worth telling the user (an input stopped early, ...). */
  say?: (line: string) => void;
  /** Called after each input is read, with what was learnt about it. */
  onInput?: (info: InputInfo) => void;
  /** Progress of reading captures: a new file starts, bytes read so far, the file is done. */
  progress?: { startFile(name: string, totalBytes: number | null, index: number, count: number): void; update(bytesRead: number): void; endFile(): void };
  /**
   * Called with every conn record before detection (e.g. to write a conn.log too). With
   * several workers the records come from the workers (a structured clone each), in an order
   * that depends on thread timing.
   */
  onConn?: (r: ConnRecord) => void;
  /**
   * Worker threads (default 1: everything on this thread). With more, captures are sharded
   * by address pair, Zeek log files read in every worker, and detection sharded by source
   * address (src/parallel/sharded-analysis.ts); the findings are the same.
   */
  workers?: number;
  /** Aborting stops reading between chunks; the results so far are still returned (SIGINT). */
  signal?: AbortSignal;
}

export interface AnalysisResult {
  findings: Finding[];
  inputs: InputInfo[];
  packets: { read: number; skipped: number };
  lines: { read: number; skipped: number };
  flows: number;
  /** An input was truncated, stopped early or abandoned: results are partial (exit 3). */
  partial: boolean;
  /** Inputs that could not be read at all. */
  unreadable: ClassifiedInput[];
  captures: CaptureStats[];
  flowStats: FlowTableStats | null;
  zeek: ZeekReadStats | null;
  detection: DetectionStats;
}

/**
 * Reads every input into one DetectionEngine and returns the findings.
 * Captures are read one after the other in time order through one decoder and one flow
 * table (so a connection spanning two files is one record); Zeek logs and directories are
 * read by the Zeek reader. Memory holds live flows and detector state, never a whole input.
 */
export async function runAnalysis(opts: AnalysisOptions): Promise<AnalysisResult> {
  const { anomalies } = opts;
  const say = opts.say ?? (() => {});
  const engine = new DetectionEngine(opts.detect, anomalies);
  const onConn = opts.onConn;
  const sink: RecordSink = onConn
    ? { conn: (r) => (onConn(r), engine.conn(r)), dns: (r) => engine.dns(r), http: (r) => engine.http(r), ssl: (r) => engine.ssl(r) }
    : engine;
  const result: AnalysisResult = {
    findings: [],
    inputs: [],
    packets: { read: 0, skipped: 0 },
    lines: { read: 0, skipped: 0 },
    flows: 0,
    partial: false,
    unreadable: [],
    captures: [],
    flowStats: null,
    zeek: null,
    detection: engine.stats(),
  };
  const infoByIndex = new Map<number, InputInfo>();
  for (const c of opts.inputs) {
    const info: InputInfo = { path: c.path, format: c.kind === 'unknown' ? null : c.format, bytes: c.bytes, error: c.error?.message ?? null };
    infoByIndex.set(c.index, info);
    if (c.error) {
      result.unreadable.push(c);
      say(`konseki: ${c.error.message}`);
    }
  }

  // Captures: one decoder, one flow table, in time order.
  const captures = orderCaptures(opts.inputs.filter((c) => c.kind === 'capture'));
  const workers = opts.workers ?? 1;
  const noteCapture = (c: { path: string; index: number }, st: CaptureStats): void => {
    result.captures.push(st);
    result.packets.read += st.packetsRead;
    result.packets.skipped += st.anomalies;
    const info = infoByIndex.get(c.index)!;
    info.packets = st.packetsRead;
    info.bytesRead = st.bytesRead;
    info.skipped = st.anomalies;
    if (st.error || st.truncated) {
      result.partial = true;
      info.error = st.error?.message ?? `${c.path}: the capture ends in the middle of a record`;
      say(`konseki: ${info.error}`);
    }
    opts.onInput?.(info);
  };
  const zeekInputs = opts.inputs.filter((c) => c.kind === 'zeek' || c.kind === 'directory');
  const byPath = new Map(zeekInputs.map((c) => [c.path, c]));
  const indexOf = (file: string): number => {
    const direct = byPath.get(file);
    if (direct) return direct.index;
    for (const c of zeekInputs) if (c.kind === 'directory' && file.startsWith(c.path)) return c.index;
    return zeekInputs[0].index;
  };
  const onZeekFile = (f: ZeekFileStats): void => {
    if (f.abandoned) say(`konseki: ${f.abandoned.message}`);
    else if (f.truncated) say(`konseki: warning: ${f.truncated.message}`);
  };
  const noteZeek = (zs: ZeekReadStats): void => {
    result.zeek = zs;
    result.lines.read += zs.totals.linesRead;
    for (const v of Object.values(zs.totals.skipped)) result.lines.skipped += v;
    if (zs.totals.abandonedFiles > 0 || zs.totals.truncatedFiles > 0) result.partial = true;
    for (const f of zs.files) {
      const info = infoByIndex.get(indexOf(f.file));
      if (!info) continue;
      info.lines = (info.lines ?? 0) + f.linesRead;
      info.records = (info.records ?? 0) + f.records;
      let skipped = 0;
      for (const v of Object.values(f.skipped)) skipped += v;
      info.skipped = (info.skipped ?? 0) + skipped;
      if (f.abandoned) info.error = f.abandoned.message;
      else if (f.truncated) info.error = f.truncated.message;
    }
    for (const c of zeekInputs) opts.onInput?.(infoByIndex.get(c.index)!);
  };

  // Several workers: detection sharded by source address too (src/parallel/sharded-analysis.ts).
  // Zeek logs on standard input are read by this thread, so such a run keeps detection here.
  if (workers > 1 && (captures.length > 0 || zeekInputs.length > 0) && !zeekInputs.some((c) => c.path === '-')) {
    const sr = await analyzeSharded({
      workers,
      detect: opts.detect,
      anomalies,
      onConn,
      captures,
      capture: { onCapture: noteCapture, progress: opts.progress, signal: opts.signal },
      zeekInputs: zeekInputs.map((c) => c.path),
      zeek: { signal: opts.signal, sourceIndexOf: indexOf, onFile: onZeekFile },
    });
    if (sr.capture) {
      result.flowStats = sr.capture.flowStats;
      result.flows = sr.capture.flowStats.flowsEmitted;
    }
    if (sr.zeek) noteZeek(sr.zeek);
    result.findings = sr.findings;
    result.detection = sr.detection;
    result.inputs = opts.inputs.map((c) => infoByIndex.get(c.index)!);
    return result;
  }

  if (captures.length > 0 && workers > 1) {
    const pr = await analyzeCapturesParallel(captures, sink, { anomalies, workers, onCapture: noteCapture, progress: opts.progress, signal: opts.signal });
    result.flowStats = pr.flowStats;
    result.flows = pr.flowStats.flowsEmitted;
  } else if (captures.length > 0) {
    const decoder = new PacketDecoder(anomalies);
    const table = new FlowTable({ emit: (c) => sink.conn(c), appFactory: createAppAnalyzerFactory(sink, anomalies), anomalies });
    const meta = new PacketMeta();
    const onPacket = (m: PacketMeta, st: DecodeStatus): void => {
      if (st === DecodeStatus.Ip) table.addPacket(m);
    };
    const progress = opts.progress;
    for (let k = 0; k < captures.length; k++) {
      const c = captures[k];
      // Progress compares decompressed bytes with the file size, so only plain files get a percentage.
      progress?.startFile(c.path, c.compressed ? null : c.bytes, k, captures.length);
      const st = await readCapture(c.path, c.index, onPacket, {
        anomalies, decoder, meta, stdin: c.stream, signal: opts.signal, prefetch: table,
        onChunk: progress ? (n) => progress.update(n) : undefined,
      });
      progress?.endFile();
      noteCapture(c, st);
    }
    // Datagrams whose fragments never all arrived are counted (fragment_incomplete_at_end).
    decoder.flush(captures[captures.length - 1].path);
    table.flush();
    result.flowStats = table.stats;
    result.flows = table.stats.flowsEmitted;
  }

  // Zeek logs: files and directories, in the order given.
  if (zeekInputs.length > 0) {
    const stdinInput = zeekInputs.find((c) => c.path === '-');
    const zs = await (workers > 1 ? readZeekLogsParallel : readZeekLogs)(
      zeekInputs.map((c) => c.path),
      sink,
      {
        workers,
        anomalies,
        signal: opts.signal,
        sourceIndexOf: indexOf,
        stdin: stdinInput?.stream,
        onFile: onZeekFile,
      },
    );
    noteZeek(zs);
  }

  result.findings = engine.finish();
  result.detection = engine.stats();
  result.inputs = opts.inputs.map((c) => infoByIndex.get(c.index)!);
  return result;
}
