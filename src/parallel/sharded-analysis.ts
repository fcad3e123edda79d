/**
 * The whole analysis on N workers, detection included: each worker owns the sources whose
 * address hashes to it (src/detect/shard.ts) and runs its own DetectionEngine on their
 * records. The main thread hands out capture and Zeek files and merges: each file's
 * accounting, cross-source aggregates in two small rounds, then the findings.
 *
 *  main thread                                    worker k of N
 *  ───────────                                    ─────────────
 *  captures: walk, frame batches by internal ────► decode, flows, app layer; records of
 *    host or address pair (capture-parallel.ts)     sources of shard j ≠ k go to worker j
 *                                                   (MessagePort, one message per batch)
 *  Zeek logs: file f to every worker        ────► gunzip and split all of f, parse only the
 *    (every worker reports; merged here)            TSV lines of shard k's sources
 *  1. aggregates ◄── per destination / name / host counts, DNS answers, time span
 *     merge, send back ──►  2. sources per beacon group key ◄──  sum, send back ──►
 *  3. findings ◄── each shard's, merged and sorted by (score desc, finding_id), capped
 *
 * Split Zeek reading (zeek-line-filter.ts) parses each line once, in the worker that owns
 * its record; a file with bad lines cannot be merged exactly (the per-file error budget
 * follows all of its lines), so the run is then read again with every worker parsing every
 * line and keeping its own records (SplitFallback). Records of one shard reach its engine in
 * file order and line order, as in one thread; capture records arrive chunk by chunk, which
 * the engine's findings do not depend on (test/parallel/record-order.test.ts).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { AnomalyCounter } from '../core/anomaly.js';
import type { Finding } from '../core/finding.js';
import type { ConnRecord, RecordSink } from '../core/records.js';
import type { DetectConfig } from '../detect/config.js';
import { normalizeDetectConfig } from '../detect/config.js';
import type { DetectionStats } from '../detect/engine.js';
import { globalsForShard, mergeAggregates, mergeShardFindings, mergeShardStats, sumCounts, type CountList, type ShardAggregates } from '../detect/shard.js';
import type { ZeekFileStats } from '../ingest/zeek/parser.js';
import { MAX_DIRECTORY_FILES, addTotals, emptyZeekReadStats, isDirectory, listZeekLogFiles, type ZeekReadOptions, type ZeekReadStats } from '../ingest/zeek/reader.js';
import { analyzeCapturesParallel, type ParallelCaptureInput, type ParallelCaptureOptions, type ParallelCaptureResult } from './capture-parallel.js';
import type { AnomalyDump, FromWorker } from './protocol.js';
import { DEFAULT_INTERNAL_NETWORKS } from '../detect/cidr.js';
import { internalV4Ranges } from './shard.js';
import { mergeAnomalies, WorkerPool } from './worker-pool.js';
import { reviveError } from './zeek-parallel.js';

/** Zeek files handed out ahead of the reporting worker (the others follow at their pace). */
export const ZEEK_FILES_AHEAD = 4;

export interface ShardedAnalysisOptions {
  /** Workers, and shards (>= 1). */
  workers: number;
  detect: DetectConfig;
  anomalies: AnomalyCounter;
  /** Receives every conn record (forwarded by the workers: costs a structured clone each). */
  onConn?: (r: ConnRecord) => void;
  /** Captures, in time order, with the capture options (anomalies and workers are taken from here). */
  captures: ParallelCaptureInput[];
  capture?: Omit<ParallelCaptureOptions, 'anomalies' | 'workers' | 'pool'>;
  /** Zeek log files and directories, in the order given (not `-`: standard input runs in one thread). */
  zeekInputs: string[];
  zeek?: Omit<ZeekReadOptions, 'anomalies' | 'stdin'>;
  /**
   * Each worker parses only its own sources' TSV lines of every Zeek file (default true);
   * false: every worker parses every line and drops the other shards' records.
   */
  splitZeek?: boolean;
}

export interface ShardedAnalysisResult {
  findings: Finding[];
  detection: DetectionStats;
  capture: ParallelCaptureResult | null;
  zeek: ZeekReadStats | null;
  /** Why the run was read a second time without split Zeek reading (SplitFallback), or null. */
  readAgain: string | null;
}

/**
 * Raised by a split Zeek reading whose outcome cannot be merged exactly (a bad or short line,
 * an anomaly, a truncated or abandoned file, or a record whose line key was not its own):
 * the run is read again without split, from the start.
 */
class SplitFallback extends Error {
  constructor(readonly fileNo: number, why: string) {
    super(`split reading of Zeek file ${fileNo} not exact: ${why}`);
  }
}

/** What a second attempt must not do again: the first attempt did it already. */
interface Replay {
  /** Zeek files the first attempt merged and reported (their accounting, anomalies and conns). */
  zeekFilesDone: number;
}

/**
 * Runs the analysis with detection sharded over `opts.workers` workers.
 * @returns the findings and statistics one DetectionEngine would give (see shard.ts for the
 *   conditions: no cap hit)
 */
export async function analyzeSharded(opts: ShardedAnalysisOptions): Promise<ShardedAnalysisResult> {
  // Fail on a bad configuration here, with the caller's stack, not in n workers.
  const maxFindings = normalizeDetectConfig(opts.detect).caps.maxFindingsPerDetector;
  try {
    return await attempt(opts, maxFindings, opts.splitZeek !== false, null);
  } catch (e) {
    if (!(e instanceof SplitFallback)) throw e;
    // Everything is read again, each worker parsing every Zeek line as before split reading;
    // what the first attempt already reported (captures, the Zeek files before this one) is
    // not reported twice.
    const r = await attempt(opts, maxFindings, false, { zeekFilesDone: e.fileNo });
    r.readAgain = e.message;
    return r;
  }
}

async function attempt(opts: ShardedAnalysisOptions, maxFindings: number, split: boolean, replay: Replay | null): Promise<ShardedAnalysisResult> {
  const n = Math.max(1, opts.workers);
  const anomalies = opts.anomalies;
  const pool = new WorkerPool(n, 'sharded', () => {}, {
    shards: n,
    detect: opts.detect,
    captures: opts.captures.length > 0,
    forwardConns: opts.onConn !== undefined,
    captureConns: replay === null,
  });
  const onConn = opts.onConn;
  // Split reading holds a file's conn records until the file is merged (test hook only).
  const held = new Map<number, ConnRecord[][]>();
  if (onConn) {
    pool.onConns = (recs, fileNo) => {
      if (split && fileNo !== undefined) {
        let h = held.get(fileNo);
        if (!h) held.set(fileNo, (h = []));
        h.push(recs);
        return;
      }
      for (const r of recs) onConn(r);
    };
  }
  let capture: ParallelCaptureResult | null = null;
  let zeek: ZeekReadStats | null = null;
  try {
    if (opts.captures.length > 0) {
      connectPeers(pool, n);
      const none: RecordSink = { conn() {}, dns() {}, http() {}, ssl() {} };
      // IPv4 frames between an internal and an external host are keyed by the internal host,
      // hashed as the detection shard hashes a source (shard.ts): the records of outbound
      // connections are made in the worker whose engine owns their source, so few records
      // cross between workers. Fragments of a datagram still share one worker (the key is
      // read from the IP header), and fragment ticks keep every worker's reassembler expiring
      // at the same packet times (capture-parallel.ts).
      const internalV4 = internalV4Ranges(opts.detect?.internalNetworks ?? DEFAULT_INTERNAL_NETWORKS);
      const capOpts = replay ? { signal: opts.capture?.signal } : opts.capture;
      const capAnomalies = replay ? new AnomalyCounter() : anomalies;
      capture = await analyzeCapturesParallel(opts.captures, none, { ...capOpts, anomalies: capAnomalies, workers: n, pool, internalV4 });
    }
    if (opts.zeekInputs.length > 0) zeek = await readZeekSharded(pool, n, opts, split, replay, held);
    const merged = await mergeSteps(pool, n, maxFindings, anomalies);
    return { findings: merged.findings, detection: merged.detection, capture, zeek, readAgain: null };
  } finally {
    await pool.close();
  }
}

/** Gives every pair of workers a MessageChannel for the records of each other's sources. */
function connectPeers(pool: WorkerPool, n: number): void {
  const ports: (MessagePort | null)[][] = Array.from({ length: n }, () => new Array<MessagePort | null>(n).fill(null));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const ch = new MessageChannel();
      ports[i][j] = ch.port1;
      ports[j][i] = ch.port2;
    }
  }
  for (let i = 0; i < n; i++) pool.post(i, { type: 'peers', ports: ports[i] }, ports[i].filter((p): p is MessagePort => p !== null));
}

/** Waits for messages of the pool into a queue (one stage at a time). */
function collector(pool: WorkerPool): { next: () => Promise<{ i: number; m: FromWorker }> } {
  const queue: { i: number; m: FromWorker }[] = [];
  let wake: (() => void) | null = null;
  pool.setHandler((i, m) => {
    queue.push({ i, m });
    const w = wake;
    wake = null;
    w?.();
  });
  const failed = pool.failed();
  failed.catch(() => {});
  return {
    async next() {
      while (queue.length === 0) await Promise.race([new Promise<void>((r) => (wake = r)), failed]);
      return queue.shift()!;
    },
  };
}

/** Skipped-line reasons that come from lines every worker reads alike (never a parsed data line). */
const SHARED_SKIPS = new Set(['empty_line', 'other_log']);

/**
 * Zeek logs: the files listed as readZeekLogs lists them; each goes to every worker, each
 * keeps its own sources' records. Without split, worker 0 reports each file's accounting; with
 * split, every worker parses only its own TSV data lines and reports, and the file's
 * accounting is worker 0's plus the others' lines and records (mergeSplitFile). Files are
 * reported in file order.
 */
async function readZeekSharded(
  pool: WorkerPool,
  n: number,
  opts: ShardedAnalysisOptions,
  split: boolean,
  replay: Replay | null,
  held: Map<number, ConnRecord[][]>,
): Promise<ZeekReadStats> {
  const out = emptyZeekReadStats();
  const budget = { left: MAX_DIRECTORY_FILES };
  const files: string[] = [];
  const listAnomalies = replay ? new AnomalyCounter() : opts.anomalies;
  for (const input of opts.zeekInputs) {
    if (await isDirectory(input)) files.push(...(await listZeekLogFiles(input, out, budget, listAnomalies)));
    else files.push(input);
  }
  const z = opts.zeek ?? {};
  const onConn = opts.onConn;
  const skip = replay?.zeekFilesDone ?? 0;
  const q = collector(pool);
  let posted = 0;
  const post = (): void => {
    const f = files[posted];
    const source = z.sourceIndexOf?.(f) ?? 0;
    for (let w = 0; w < n; w++) {
      pool.post(w, {
        type: 'shard-zeek-file',
        fileNo: posted,
        file: f,
        source,
        report: w === 0,
        split,
        forward: posted >= skip,
        maxBadLinesInARow: z.maxBadLinesInARow,
        maxBadShare: z.maxBadShare,
      });
    }
    posted++;
  };
  const reports = new Map<number, ZeekDone[]>();
  for (let done = 0; done < files.length; ) {
    while (posted < files.length && posted < done + ZEEK_FILES_AHEAD && !z.signal?.aborted) post();
    if (posted === done) break; // aborted: the files not handed out are not read
    const { i, m } = await q.next();
    if (m.type !== 'zeek-done') continue;
    let got = reports.get(m.fileNo);
    if (!got) reports.set(m.fileNo, (got = []));
    got[i] = m;
    // Each worker reads the files in order, so the next file to report is complete first.
    for (;;) {
      const r = reports.get(done);
      const need = split ? n : 1;
      if (!r || Object.keys(r).length < need) break;
      reports.delete(done);
      const merged = split ? mergeSplitFile(done, r, z.signal?.aborted === true) : { st: fileStats(r[0]), byKind: r[0].byKind, anomalies: [r[0].anomalies] };
      if (done >= skip) {
        for (const a of merged.anomalies) mergeAnomalies(opts.anomalies, a);
        const h = held.get(done);
        if (h && onConn) for (const recs of h) for (const c of recs) onConn(c);
      }
      held.delete(done);
      addTotals(out, merged.st);
      const k = out.totals.byKind;
      const b = merged.byKind ?? [0, 0, 0, 0];
      k.conn += b[0];
      k.dns += b[1];
      k.http += b[2];
      k.ssl += b[3];
      if (done >= skip) z.onFile?.(merged.st);
      done++;
      if (done >= files.length) break;
    }
  }
  return out;
}

type ZeekDone = Extract<FromWorker, { type: 'zeek-done' }>;

/** A worker's file statistics with their errors revived. */
function fileStats(m: ZeekDone): ZeekFileStats {
  const st = m.stats as unknown as ZeekFileStats;
  const truncated = reviveError(m.truncated);
  const abandoned = reviveError(m.abandoned);
  if (truncated) st.truncated = truncated;
  if (abandoned) st.abandoned = abandoned;
  return st;
}

/**
 * One file read split, from every worker's report. When no worker's filter saw a data line
 * (JSON, a log Konseki does not read, no data), every worker read the same lines: worker 0's
 * report is the file's. Otherwise the merge is exact only for a file without bad or short
 * lines, anomalies or early ends (such a file's lines are all records, or empty or other-log
 * lines every worker counted alike): worker 0's statistics plus every other worker's parsed
 * lines and records. Anything else raises SplitFallback: the bad-line budget and anomaly
 * samples follow the order of all lines, which no single worker saw.
 * @param aborted the run was interrupted (workers may have stopped at different chunks): merged as it is
 */
function mergeSplitFile(fileNo: number, r: ZeekDone[], aborted: boolean): { st: ZeekFileStats; byKind: [number, number, number, number]; anomalies: AnomalyDump[] } {
  const byKind: [number, number, number, number] = [...(r[0].byKind ?? [0, 0, 0, 0])];
  let filtered = 0;
  for (const m of r) {
    const sp = m.split!;
    filtered += sp.kept + sp.refused;
    for (let k = 0; k < 4; k++) byKind[k] += sp.own[k];
  }
  const st = fileStats(r[0]);
  if (filtered === 0) return { st, byKind, anomalies: [r[0].anomalies] };
  if (!aborted) {
    for (const m of r) {
      const w = m.stats as unknown as ZeekFileStats;
      let why: string | null = null;
      if (m.split!.mismatch > 0) why = `${m.split!.mismatch} records of another shard`;
      else if (m.truncated || m.abandoned) why = 'truncated or abandoned';
      else if (w.badLines > 0 || w.shortLines > 0) why = 'bad or short lines';
      else if (m.anomalies.counts.length > 0) why = 'anomalies';
      else if (Object.keys(w.skipped).some((k) => !SHARED_SKIPS.has(k))) why = 'skipped lines';
      if (why !== null) throw new SplitFallback(fileNo, why);
    }
  }
  for (let k = 1; k < r.length; k++) {
    const w = r[k].stats as unknown as ZeekFileStats;
    st.linesRead += r[k].split!.kept;
    st.records += w.records;
  }
  return { st, byKind, anomalies: aborted ? r.map((m) => m.anomalies) : [r[0].anomalies] };
}

/** The three merge steps of shard.ts, over the workers. */
async function mergeSteps(pool: WorkerPool, n: number, maxFindings: number, anomalies: AnomalyCounter): Promise<{ findings: Finding[]; detection: DetectionStats }> {
  const q = collector(pool);
  const gather = async <T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>[]> => {
    const got: Extract<FromWorker, { type: T }>[] = new Array(n);
    for (let k = 0; k < n; ) {
      const { i, m } = await q.next();
      if (m.type !== type) continue;
      got[i] = m as Extract<FromWorker, { type: T }>;
      k++;
    }
    return got;
  };
  for (let w = 0; w < n; w++) pool.post(w, { type: 'shard-aggregates' });
  const aggs: ShardAggregates[] = (await gather('shard-aggregates')).map((m) => m.aggregates);
  const globals = mergeAggregates(aggs);
  // Worker w holds its own DNS answers already: it is sent the others' (globalsForShard).
  for (let w = 0; w < n; w++) pool.post(w, { type: 'shard-globals', globals: globalsForShard(globals, w) });
  const keyHosts: CountList = sumCounts((await gather('shard-keyhosts')).map((m) => m.keyHosts));
  for (let w = 0; w < n; w++) pool.post(w, { type: 'shard-finish', keyHosts });
  const parts = await gather('shard-findings');
  for (const p of parts) mergeAnomalies(anomalies, p.anomalies);
  const merged = mergeShardFindings(parts.map((p) => p.findings), maxFindings, anomalies);
  return {
    findings: merged.findings,
    detection: mergeShardStats(parts.map((p) => p.stats), globals.internalHosts.length, merged.counts),
  };
}
