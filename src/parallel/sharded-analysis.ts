/**
 * The whole analysis on N workers, detection included: each worker owns the sources whose
 * address hashes to it (src/detect/shard.ts) and runs its own DetectionEngine on their
 * records. The main thread walks capture containers (capture-parallel.ts), hands out Zeek
 * files, and merges: cross-source aggregates in two small rounds, then the findings.
 *
 *  main thread                                    worker k of N
 *  ───────────                                    ─────────────
 *  captures: walk, frame batches by address pair  decode, flows, app layer; records of
 *    (capture-parallel.ts)                  ────► sources of shard j ≠ k go to worker j
 *                                                 through a MessagePort, one message per batch
 *  Zeek logs: file f to every worker        ────► read all of f, keep the records of shard k
 *    (worker 0 reports the accounting)
 *  1. aggregates ◄── per destination / name / host counts, DNS answers, time span
 *     merge, send back ──►  2. sources per beacon group key ◄──  sum, send back ──►
 *  3. findings ◄── each shard's, merged and sorted by (score desc, finding_id), capped
 *
 * Reading every Zeek file in every worker costs the gunzip and parse N times but moves no
 * record between threads (a structured clone of a record costs about as much as parsing its
 * line); detection, the larger part, is split N ways. Records of one shard reach its engine
 * in file order and line order, as in one thread; capture records arrive batch by batch, which
 * the engine's findings do not depend on (test/parallel/record-order.test.ts).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { AnomalyCounter } from '../core/anomaly.js';
import type { Finding } from '../core/finding.js';
import type { ConnRecord, RecordSink } from '../core/records.js';
import type { DetectConfig } from '../detect/config.js';
import { normalizeDetectConfig } from '../detect/config.js';
import type { DetectionStats } from '../detect/engine.js';
import { mergeAggregates, mergeShardFindings, mergeShardStats, sumCounts, type CountList, type ShardAggregates } from '../detect/shard.js';
import type { ZeekFileStats } from '../ingest/zeek/parser.js';
import { MAX_DIRECTORY_FILES, addTotals, emptyZeekReadStats, isDirectory, listZeekLogFiles, type ZeekReadOptions, type ZeekReadStats } from '../ingest/zeek/reader.js';
import { analyzeCapturesParallel, type ParallelCaptureInput, type ParallelCaptureOptions, type ParallelCaptureResult } from './capture-parallel.js';
import type { FromWorker } from './protocol.js';
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
}

export interface ShardedAnalysisResult {
  findings: Finding[];
  detection: DetectionStats;
  capture: ParallelCaptureResult | null;
  zeek: ZeekReadStats | null;
}

/**
 * Runs the analysis with detection sharded over `opts.workers` workers.
 * @returns the findings and statistics one DetectionEngine would give (see shard.ts for the
 *   conditions: no cap hit)
 */
export async function analyzeSharded(opts: ShardedAnalysisOptions): Promise<ShardedAnalysisResult> {
  const n = Math.max(1, opts.workers);
  const anomalies = opts.anomalies;
  // Fail on a bad configuration here, with the caller's stack, not in n workers.
  const maxFindings = normalizeDetectConfig(opts.detect).caps.maxFindingsPerDetector;
  const pool = new WorkerPool(n, 'sharded', () => {}, {
    shards: n,
    detect: opts.detect,
    captures: opts.captures.length > 0,
    forwardConns: opts.onConn !== undefined,
  });
  const onConn = opts.onConn;
  if (onConn) pool.onConns = (recs) => { for (const r of recs) onConn(r); };
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
      capture = await analyzeCapturesParallel(opts.captures, none, { ...opts.capture, anomalies, workers: n, pool, internalV4 });
    }
    if (opts.zeekInputs.length > 0) zeek = await readZeekSharded(pool, n, opts);
    const merged = await mergeSteps(pool, n, maxFindings, anomalies);
    return { findings: merged.findings, detection: merged.detection, capture, zeek };
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

/**
 * Zeek logs: the files listed as readZeekLogs lists them; each goes to every worker, each
 * keeps its own sources' records. Worker 0 reports each file's accounting, in file order.
 */
async function readZeekSharded(pool: WorkerPool, n: number, opts: ShardedAnalysisOptions): Promise<ZeekReadStats> {
  const out = emptyZeekReadStats();
  const budget = { left: MAX_DIRECTORY_FILES };
  const files: string[] = [];
  for (const input of opts.zeekInputs) {
    if (await isDirectory(input)) files.push(...(await listZeekLogFiles(input, out, budget, opts.anomalies)));
    else files.push(input);
  }
  const z = opts.zeek ?? {};
  const q = collector(pool);
  let posted = 0;
  const post = (): void => {
    const f = files[posted];
    const source = z.sourceIndexOf?.(f) ?? 0;
    for (let w = 0; w < n; w++) {
      pool.post(w, { type: 'shard-zeek-file', fileNo: posted, file: f, source, report: w === 0, maxBadLinesInARow: z.maxBadLinesInARow, maxBadShare: z.maxBadShare });
    }
    posted++;
  };
  for (let done = 0; done < files.length; ) {
    while (posted < files.length && posted < done + ZEEK_FILES_AHEAD && !z.signal?.aborted) post();
    if (posted === done) break; // aborted: the files not handed out are not read
    const { m } = await q.next();
    if (m.type !== 'zeek-done') continue;
    mergeAnomalies(opts.anomalies, m.anomalies);
    const st = m.stats as unknown as ZeekFileStats;
    const truncated = reviveError(m.truncated);
    const abandoned = reviveError(m.abandoned);
    if (truncated) st.truncated = truncated;
    if (abandoned) st.abandoned = abandoned;
    addTotals(out, st);
    const k = out.totals.byKind;
    const b = m.byKind ?? [0, 0, 0, 0];
    k.conn += b[0];
    k.dns += b[1];
    k.http += b[2];
    k.ssl += b[3];
    z.onFile?.(st);
    done++;
  }
  return out;
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
  for (let w = 0; w < n; w++) pool.post(w, { type: 'shard-globals', globals });
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
