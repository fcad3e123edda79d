/**
 * Named, counted anomalies ("weirds" in Zeek's words). A bad packet or line is data:
 * it is counted under a snake_case code and the run goes on. After `SAMPLING_THRESHOLD`
 * occurrences of one code, further ones are counted but only 1 in `SAMPLING_RATE` is
 * kept as a sample message (Zeek's `Weird::sampling_threshold` / `sampling_rate`).
 */
export const SAMPLING_THRESHOLD = 25;
export const SAMPLING_RATE = 1000;

export interface AnomalySample {
  code: string;
  message: string;
  file?: string;
  offset?: number;
  line?: number;
}

export class AnomalyCounter {
  readonly counts = new Map<string, number>();
  readonly samples: AnomalySample[] = [];
  /** Cap on stored samples in total, so samples never grow with the input. */
  static readonly MAX_SAMPLES = 1000;
  /** Called for each sampled anomaly (e.g. to print it on stderr). */
  onSample?: (s: AnomalySample) => void;

  /**
   * Count one anomaly. The context arguments are only used when the occurrence is sampled,
   * so callers on the hot path pass numbers, never built strings.
   */
  add(code: string, file?: string, offset?: number, line?: number, detail?: string): void {
    const n = (this.counts.get(code) ?? 0) + 1;
    this.counts.set(code, n);
    if (n <= SAMPLING_THRESHOLD || n % SAMPLING_RATE === 0) {
      if (this.samples.length < AnomalyCounter.MAX_SAMPLES) {
        let message = code;
        if (detail) message += ': ' + detail;
        if (file !== undefined) message += ` (${file}`;
        if (offset !== undefined) message += ` at byte offset ${offset}`;
        if (line !== undefined) message += ` at line ${line}`;
        if (file !== undefined) message += ')';
        const s: AnomalySample = { code, message, file, offset, line };
        this.samples.push(s);
        this.onSample?.(s);
      }
    }
  }

  get(code: string): number {
    return this.counts.get(code) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const v of this.counts.values()) t += v;
    return t;
  }

  /** Counts as a plain object sorted by code, for JSON summaries. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.counts.keys()].sort()) out[k] = this.counts.get(k)!;
    return out;
  }

  merge(other: AnomalyCounter): void {
    for (const [k, v] of other.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + v);
  }
}
