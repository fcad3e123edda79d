/**
 * Shannon entropy of a bounded sample of a byte stream (bits per byte, 0..8). Clear text sits
 * around 4-5, compressed or encrypted data close to 8. Only the first `cap` bytes are counted,
 * so the cost per connection is bounded whatever its size.
 */
export class EntropySample {
  private readonly counts = new Uint16Array(256);
  n = 0;

  constructor(readonly cap: number) {}

  /** Count up to the remaining capacity of bytes from `b[off, off+len)`. */
  add(b: Buffer, off: number, len: number): void {
    const take = Math.min(len, this.cap - this.n);
    const c = this.counts;
    for (let i = off, e = off + take; i < e; i++) c[b[i]]++;
    this.n += take;
  }

  get full(): boolean {
    return this.n >= this.cap;
  }

  /** Entropy in bits per byte, rounded to 3 decimals; 0 for an empty sample. */
  value(): number {
    if (this.n === 0) return 0;
    let h = 0;
    const n = this.n;
    for (let i = 0; i < 256; i++) {
      const k = this.counts[i];
      if (k === 0) continue;
      const q = k / n;
      h -= q * Math.log2(q);
    }
    return Math.round(h * 1000) / 1000;
  }
}
