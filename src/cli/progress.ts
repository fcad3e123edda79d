/**
 * Progress on stderr while reading large inputs: file name, bytes and percent, rate and time
 * left, redrawn in place at most every `intervalMs`. Active only when stderr is a terminal and
 * `--quiet` is off; otherwise every method is a cheap no-op, so the reader can call `update`
 * once per chunk without checking.
 */

export interface ProgressOptions {
  quiet?: boolean;
  /** Default process.stderr. */
  stream?: { isTTY?: boolean; columns?: number; write(s: string): boolean };
  /** Clock in milliseconds (for tests). */
  now?: () => number;
  /** Minimum time between redraws (default 200 ms). */
  intervalMs?: number;
}

function fmtBytes(x: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = x;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${x} B` : `${v.toFixed(1)} ${u[i]}`;
}

function fmtEta(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export class Progress {
  readonly active: boolean;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly now: () => number;
  private readonly interval: number;
  private name = '';
  private total: number | null = null;
  private started = 0;
  private lastDraw = -Infinity;
  private fileIndex = 0;
  private fileCount = 0;
  private drawn = false;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.active = opts.quiet !== true && this.stream.isTTY === true;
    this.now = opts.now ?? Date.now;
    this.interval = opts.intervalMs ?? 200;
  }

  /** Begin a file; `totalBytes` null when unknown (stdin, gzip). `count` = number of files in the run. */
  startFile(name: string, totalBytes: number | null, index = 0, count = 1): void {
    if (!this.active) return;
    this.name = name;
    this.total = totalBytes;
    this.started = this.now();
    this.lastDraw = -Infinity;
    this.fileIndex = index;
    this.fileCount = count;
  }

  /** Bytes of the current file read so far. */
  update(bytesRead: number): void {
    if (!this.active) return;
    const t = this.now();
    if (t - this.lastDraw < this.interval) return;
    this.lastDraw = t;
    this.draw(bytesRead, t);
  }

  /** The line for `bytesRead` at time `t` (exported for tests through render). */
  render(bytesRead: number, t: number): string {
    const elapsed = Math.max(0.001, (t - this.started) / 1000);
    const rate = bytesRead / elapsed;
    const parts: string[] = [];
    if (this.fileCount > 1) parts.push(`[${this.fileIndex + 1}/${this.fileCount}]`);
    parts.push(this.name);
    if (this.total !== null && this.total > 0) {
      const pct = Math.min(100, (bytesRead / this.total) * 100);
      parts.push(`${fmtBytes(bytesRead)} / ${fmtBytes(this.total)}`, `${pct.toFixed(pct < 10 ? 1 : 0)}%`);
      parts.push(`${fmtBytes(rate)}/s`);
      parts.push(rate > 0 ? `${fmtEta((this.total - bytesRead) / rate)} left` : '? left');
    } else {
      parts.push(fmtBytes(bytesRead), `${fmtBytes(rate)}/s`);
    }
    let line = parts.join('  ');
    const width = (this.stream.columns ?? 80) - 1;
    if (line.length > width) {
      // Shorten the file name from the left: its end is the informative part.
      const over = line.length - width + 1;
      line = line.replace(this.name, '…' + this.name.slice(Math.min(this.name.length, over + 1)));
      if (line.length > width) line = line.slice(0, width);
    }
    return line;
  }

  private draw(bytesRead: number, t: number): void {
    this.stream.write('\r\x1b[2K' + this.render(bytesRead, t));
    this.drawn = true;
  }

  /** End the current file (the line is cleared, ready for the next one or other output). */
  endFile(): void {
    this.clear();
  }

  /** Clear the progress line: call before printing anything else on stderr. */
  clear(): void {
    if (!this.active || !this.drawn) return;
    this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
