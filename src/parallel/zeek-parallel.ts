/**
 * Zeek logs read by several workers at once.
 *
 * The files (a directory's files sorted by path, as readZeekLogs lists them) are handed out
 * one at a time to whichever worker is free; each worker parses its file and streams the
 * records back in parts of PART_RECORDS. The main thread feeds the sink strictly in file
 * order, each file's records in line order: the sink sees exactly the sequence
 * readZeekLogs would give it, so the findings cannot depend on the number of workers.
 * A worker that runs ahead holds at most MAX_PARTS_IN_FLIGHT parts in the main thread
 * before it waits (shared credit counter), so memory stays bounded.
 *
 * Standard input (`-`) is read by the main thread itself, in its place in the order.
 */
import { KonsekiError } from '../core/errors.js';
import type { RecordSink } from '../core/records.js';
import { MAX_DIRECTORY_FILES, addTotals, emptyZeekReadStats, isDirectory, listZeekLogFiles, readZeekStream, type ZeekReadOptions, type ZeekReadStats } from '../ingest/zeek/reader.js';
import type { ZeekFileStats } from '../ingest/zeek/parser.js';
import { RecordKind, type ErrorDump, type FromWorker, type RecordBatch } from './protocol.js';
import { mergeAnomalies, WorkerPool } from './worker-pool.js';

export interface ParallelZeekOptions extends ZeekReadOptions {
  /** Number of worker threads (>= 1; with one file or fewer the work is not split further). */
  workers: number;
}

/** Rebuilds a KonsekiError sent across threads as plain data. */
export function reviveError(d: ErrorDump | undefined): KonsekiError | undefined {
  if (!d) return undefined;
  const e = new KonsekiError(d.code, d.message);
  const w = e as unknown as Record<string, unknown>;
  w.file = d.file;
  w.offset = d.offset;
  w.line = d.line;
  return e;
}

/** Feeds a record batch into the sink, counting records by kind. */
export function feedBatch(b: RecordBatch, sink: RecordSink, byKind?: ZeekReadStats['totals']['byKind']): void {
  const { kinds, recs } = b;
  for (let i = 0; i < recs.length; i++) {
    switch (kinds[i]) {
      case RecordKind.Conn:
        if (byKind) byKind.conn++;
        sink.conn(recs[i] as never);
        break;
      case RecordKind.Dns:
        if (byKind) byKind.dns++;
        sink.dns(recs[i] as never);
        break;
      case RecordKind.Http:
        if (byKind) byKind.http++;
        sink.http(recs[i] as never);
        break;
      default:
        if (byKind) byKind.ssl++;
        sink.ssl(recs[i] as never);
        break;
    }
  }
}

interface FileSlot {
  parts: { w: number; batch: RecordBatch }[];
  done: Extract<FromWorker, { type: 'zeek-done' }> | null;
}

/**
 * readZeekLogs with the parsing spread over `opts.workers` worker threads. Same inputs, same
 * sink calls in the same order, same statistics (anomaly samples may differ, counts do not).
 * @param inputs file paths, directory paths, or `-`
 * @param sink receives the records, in file order
 * @param opts as for readZeekLogs, plus the number of workers
 */
export async function readZeekLogsParallel(inputs: string[], sink: RecordSink, opts: ParallelZeekOptions): Promise<ZeekReadStats> {
  const out = emptyZeekReadStats();
  const budget = { left: MAX_DIRECTORY_FILES };
  const jobs: { file: string; stdin: boolean }[] = [];
  for (const input of inputs) {
    if (input !== '-' && (await isDirectory(input))) {
      for (const f of await listZeekLogFiles(input, out, budget, opts.anomalies)) jobs.push({ file: f, stdin: false });
    } else {
      jobs.push({ file: input, stdin: input === '-' });
    }
  }
  const workerJobs = jobs.filter((j) => !j.stdin).length;
  const n = Math.max(1, Math.min(opts.workers, workerJobs));
  const slots: FileSlot[] = jobs.map(() => ({ parts: [], done: null }));
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  let nextJob = 0;
  const pool = workerJobs === 0 ? null : new WorkerPool(n, 'zeek', (i, m) => {
    if (m.type === 'zeek-part') slots[m.fileNo].parts.push({ w: i, batch: m.batch });
    else if (m.type === 'zeek-done') {
      slots[m.fileNo].done = m;
      assign(i);
    }
    signal();
  });
  const assign = (i: number): void => {
    while (nextJob < jobs.length && jobs[nextJob].stdin) nextJob++;
    if (nextJob >= jobs.length || !pool) return;
    const j = nextJob++;
    pool.post(i, {
      type: 'zeek-file',
      fileNo: j,
      file: jobs[j].file,
      source: opts.sourceIndexOf?.(jobs[j].file) ?? 0,
      maxBadLinesInARow: opts.maxBadLinesInARow,
      maxBadShare: opts.maxBadShare,
    });
  };
  const failed = pool?.failed();
  failed?.catch(() => {});
  try {
    if (pool) for (let i = 0; i < n; i++) assign(i);
    const byKind = out.totals.byKind;
    for (let j = 0; j < jobs.length; j++) {
      let st: ZeekFileStats;
      if (jobs[j].stdin) {
        const counting: RecordSink = {
          conn: (r) => (byKind.conn++, sink.conn(r)),
          dns: (r) => (byKind.dns++, sink.dns(r)),
          http: (r) => (byKind.http++, sink.http(r)),
          ssl: (r) => (byKind.ssl++, sink.ssl(r)),
        };
        st = await readZeekStream(opts.stdin ?? process.stdin, '-', counting, opts);
      } else {
        const slot = slots[j];
        for (;;) {
          while (slot.parts.length > 0) {
            const p = slot.parts.shift()!;
            feedBatch(p.batch, sink, byKind);
            pool!.release(p.w);
          }
          if (slot.done) break;
          await Promise.race([new Promise<void>((r) => (wake = r)), failed]);
        }
        const d = slot.done;
        slots[j] = { parts: [], done: null };
        mergeAnomalies(opts.anomalies, d.anomalies);
        st = d.stats as unknown as ZeekFileStats;
        const truncated = reviveError(d.truncated);
        const abandoned = reviveError(d.abandoned);
        if (truncated) st.truncated = truncated;
        if (abandoned) st.abandoned = abandoned;
      }
      addTotals(out, st);
      opts.onFile?.(st);
    }
  } finally {
    await pool?.close();
  }
  return out;
}
