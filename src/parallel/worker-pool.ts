/**
 * Starting, talking to and stopping the analysis workers.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { ConnRecord } from '../core/records.js';
import { AnomalyCounter } from '../core/anomaly.js';
import { ErrorCodes, KonsekiError } from '../core/errors.js';
import type { WorkerInit } from './analysis-worker.js';
import type { AnomalyDump, FromWorker, ToWorker } from './protocol.js';

/** Most workers the default picks: beyond 8 the single main thread (detection) is the limit. */
export const MAX_DEFAULT_WORKERS = 8;
/** Most workers accepted at all. */
export const MAX_WORKERS = 64;
/** Zeek record parts a worker may have waiting in the main thread (bounds memory). */
export const MAX_PARTS_IN_FLIGHT = 8;
/** Records per Zeek part. */
export const PART_RECORDS = 4096;

/** The compiled worker script next to this module (dist/parallel/analysis-worker.js). */
export function workerScript(): URL {
  return new URL('./analysis-worker.js', import.meta.url);
}

/** True when the worker script can be started (false when running from the TypeScript sources). */
export function workersAvailable(): boolean {
  try {
    return existsSync(fileURLToPath(workerScript()));
  } catch {
    return false;
  }
}

/**
 * Default for `--workers`: the number of cores, at most MAX_DEFAULT_WORKERS; 1 when the
 * worker script is not there (the code runs from its TypeScript sources).
 */
export function defaultWorkerCount(): number {
  if (!workersAvailable()) return 1;
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, availableParallelism()));
}

/**
 * Checks a `--workers` value.
 * @throws KonsekiError ERR_USAGE for anything but an integer in 1..MAX_WORKERS
 */
export function normalizeWorkerCount(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new KonsekiError(ErrorCodes.USAGE, `Invalid option: --workers must be an integer from 1 to ${MAX_WORKERS}, got ${String(n)}`);
  }
  if (n > 1 && !workersAvailable()) {
    throw new KonsekiError(ErrorCodes.USAGE, `--workers ${n} needs the compiled worker script ${fileURLToPath(workerScript())} (build with tsc)`);
  }
  return n;
}

/** A set of workers with one message handler. */
export class WorkerPool {
  readonly workers: Worker[] = [];
  readonly credits: Int32Array;
  private failure: Error | null = null;
  private closing = false;
  private onFailure: ((e: Error) => void) | null = null;
  private onMessage: (i: number, m: FromWorker) => void;
  /** Receives the conn records sharded workers forward (whatever stage the pool is in). */
  onConns: ((recs: ConnRecord[], fileNo: number | undefined) => void) | null = null;

  /**
   * @param n number of workers
   * @param mode what they will do (capture shards or Zeek files)
   * @param onMessage called for every message, with the worker's index (see setHandler)
   * @param extra more settings for every worker (sharded mode)
   */
  constructor(n: number, mode: WorkerInit['mode'], onMessage: (i: number, m: FromWorker) => void, extra?: Partial<WorkerInit>) {
    const sab = new SharedArrayBuffer(4 * n);
    this.credits = new Int32Array(sab);
    this.onMessage = onMessage;
    for (let i = 0; i < n; i++) {
      const init: WorkerInit = { ...extra, mode, index: i, credits: sab, maxPartsInFlight: MAX_PARTS_IN_FLIGHT, partRecords: PART_RECORDS };
      const w = new Worker(workerScript(), { workerData: init });
      w.on('message', (m: FromWorker) => {
        if (m.type === 'error') this.fail(new Error(`analysis worker ${i} failed: ${m.message}`));
        else if (m.type === 'conns') this.onConns?.(m.recs, m.fileNo);
        else this.onMessage(i, m);
      });
      w.on('error', (e) => this.fail(new Error(`analysis worker ${i} failed: ${e.stack ?? e.message}`)));
      // Any exit before close() is a failure: the main thread would otherwise wait for ever.
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`analysis worker ${i} exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  /** Replaces the message handler (one pool serves several stages in sharded mode). */
  setHandler(onMessage: (i: number, m: FromWorker) => void): void {
    this.onMessage = onMessage;
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.onFailure?.(e);
  }

  /** Rejects when any worker fails: race it against every wait. */
  failed(): Promise<never> {
    return new Promise((_, reject) => {
      if (this.failure) reject(this.failure);
      else this.onFailure = reject;
    });
  }

  get error(): Error | null {
    return this.failure;
  }

  post(i: number, m: ToWorker, transfer?: readonly TransferListItem[]): void {
    this.workers[i].postMessage(m, transfer ?? []);
  }

  /** Frees one Zeek part slot of worker i. */
  release(i: number): void {
    Atomics.sub(this.credits, i, 1);
    Atomics.notify(this.credits, i);
  }

  async close(): Promise<void> {
    this.closing = true;
    // Wake any worker waiting for a credit (it may have been left behind by a failure).
    for (let i = 0; i < this.credits.length; i++) {
      Atomics.store(this.credits, i, -(1 << 30));
      Atomics.notify(this.credits, i);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Adds a worker's anomalies to the run's counter: the counts exactly; the samples in order
 * while the counter has room (the samples a single counter would have kept can differ, since
 * sampling is per counter; the counts never do).
 */
export function mergeAnomalies(into: AnomalyCounter, d: AnomalyDump): void {
  for (const [k, v] of d.counts) into.counts.set(k, (into.counts.get(k) ?? 0) + v);
  for (const s of d.samples) {
    if (into.samples.length >= AnomalyCounter.MAX_SAMPLES) break;
    into.samples.push(s);
  }
}
