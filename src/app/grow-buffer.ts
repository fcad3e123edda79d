/**
 * Bytes of one message being assembled across segments, when the message announced its own
 * length. Memory follows the bytes actually received (doubling from a small start), never the
 * announced length, so a peer that announces 64 KiB and sends 10 bytes costs 512 bytes.
 */
export class GrowBuffer {
  buf: Buffer;
  len = 0;

  constructor(
    /** Announced total length (the most this buffer will hold). */
    readonly need: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(need, 512));
  }

  /** Append up to the missing bytes from `b[p, end)`; returns how many were taken. */
  append(b: Buffer, p: number, end: number): number {
    const take = Math.min(this.need - this.len, end - p);
    if (this.len + take > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + take) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, this.need));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    b.copy(this.buf, this.len, p, p + take);
    this.len += take;
    return take;
  }

  get complete(): boolean {
    return this.len === this.need;
  }
}
