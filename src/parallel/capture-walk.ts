/**
 * Captures in sharded detection, walked by the workers themselves: every worker reads every
 * capture file and decodes only the frames of its shard (the frame key of capture-parallel.ts:
 * the internal host, or the unordered outer address pair). The main thread reads nothing; it
 * hands out the files, puts together each file's accounting and waits for the end.
 *
 * Against the main-thread walk (capture-parallel.ts), no frame is copied or sent and there
 * are no clock or fragment ticks: each worker sees every frame, so it advances its flow table
 * and expires its reassembler at exactly the frames the ticks stand for. The price is that
 * each worker reads and walks the whole container (a header walk: about 0.3 s of CPU per GB)
 * and computes every frame's key. Records, flows, counts and findings are the same as with
 * the main-thread walk, which still serves standard input and the capture-only mode.
 *
 * Accounting: worker 0 reports the reader's statistics of each file (packets read, bytes,
 * container, errors, time range) and the container's anomalies, which every worker sees
 * alike; every worker reports the decode counts of its own frames, which are summed as
 * before (capture-parallel.ts patchCounts).
 */
import type { CaptureStats } from '../ingest/capture-reader.js';
import { DEFAULT_CHUNK_SIZE } from '../ingest/input.js';
import { patchCounts, type ParallelCaptureInput, type ParallelCaptureOptions, type ParallelCaptureResult } from './capture-parallel.js';
import type { DecodeCounts, FromWorker } from './protocol.js';
import type { FlowTableStats } from '../flow/flow-table.js';
import { mergeAnomalies, type WorkerPool } from './worker-pool.js';
import { reviveError } from './zeek-parallel.js';

/** True when every capture is a file the workers can open themselves (not standard input). */
export function walkableInWorkers(inputs: readonly ParallelCaptureInput[]): boolean {
  return inputs.every((c) => c.stream === undefined && c.path !== '-');
}

/**
 * Walks the captures in the workers of a sharded pool (their records stay in the workers).
 * @param inputs capture files, in time order
 * @param pool the sharded workers (the caller closes it)
 */
export async function walkCapturesInWorkers(inputs: ParallelCaptureInput[], pool: WorkerPool, opts: Omit<ParallelCaptureOptions, 'pool'>): Promise<ParallelCaptureResult> {
  const n = Math.max(1, opts.workers);
  const anomalies = opts.anomalies;
  let walkDone: Extract<FromWorker, { type: 'walk-done' }>[] = [];
  const finished: (Extract<FromWorker, { type: 'finished' }> | null)[] = new Array(n).fill(null);
  let wake: (() => void) | null = null;
  pool.setHandler((i, m) => {
    if (m.type === 'walk-done') walkDone[i] = m;
    else if (m.type === 'finished') finished[i] = m;
    const w = wake;
    wake = null;
    w?.();
  });
  const failed = pool.failed();
  failed.catch(() => {});
  const waitForMessage = (): Promise<void> => Promise.race([new Promise<void>((r) => (wake = r)), failed]);
  const onAbort = (): void => {
    for (let w = 0; w < n; w++) pool.post(w, { type: 'abort' });
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const result: ParallelCaptureResult = {
    captures: [],
    flowStats: { packets: 0, flowsEmitted: 0, expiredByTimeout: 0, closedTcp: 0, reused: 0, earlyExpired: 0, flushedAtEnd: 0, livePeak: 0, live: 0 },
  };
  try {
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const progress = opts.progress;
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k];
      if (opts.signal?.aborted) break;
      progress?.startFile(input.path, input.compressed ? null : (input.bytes ?? null), k, inputs.length);
      walkDone = [];
      for (let w = 0; w < n; w++) pool.post(w, { type: 'walk-file', fileIndex: input.index, path: input.path, report: w === 0, chunkSize });
      while (Object.keys(walkDone).length < n) await waitForMessage();
      const rep = walkDone[0];
      const st = rep.stats as unknown as CaptureStats;
      const err = reviveError(rep.error);
      if (err) st.error = err;
      if (rep.anomalies) mergeAnomalies(anomalies, rep.anomalies);
      patchCounts(st, walkDone.map((m) => m.counts as DecodeCounts));
      progress?.update(st.bytesRead);
      progress?.endFile();
      result.captures.push(st);
      opts.onCapture?.(input, st);
    }
    for (let w = 0; w < n; w++) pool.post(w, { type: 'finish', lastFileName: inputs.length > 0 ? inputs[inputs.length - 1].path : '', clock: null });
    // Sharded workers keep their records: the final parts are empty, only the end counts.
    for (let w = 0; w < n; w++) while (!finished[w]) await waitForMessage();
    const fs = result.flowStats;
    for (const f of finished) {
      const m = f!;
      mergeAnomalies(anomalies, m.anomalies);
      for (const k of Object.keys(fs) as (keyof FlowTableStats)[]) fs[k] += m.flowStats[k];
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return result;
}
