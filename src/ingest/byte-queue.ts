/**
 * A queue of input chunks with a zero-copy `take(n)`: when the next n bytes sit in one
 * chunk, the caller gets that chunk and an offset (no copy, no new object); only when they
 * straddle chunks are they copied, once, into a fresh buffer. Modelled on undici's
 * websocket receiver (`consume`), without its per-call `subarray` object.
 *
 * The queue never concatenates its whole content: memory is the unconsumed bytes only,
 * which the parsers bound by their record-size caps.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Index of the first live chunk in `chunks` (avoids O(n) shift with tiny chunks). */
  private first = 0;
  /** Offset of the first unconsumed byte in `chunks[first]`. */
  private headOff = 0;
  /** Unconsumed bytes in the queue. */
  length = 0;
  /** Bytes consumed since creation: the input offset of the first unconsumed byte. */
  consumed = 0;

  /**
   * Called with each pushed chunk once it is entirely consumed (the input may recycle it).
   * A record taken in place from that chunk is still handed to its callback afterwards,
   * synchronously, so the recycler must not refill it before the current push returns.
   */
  onRelease: ((chunk: Buffer) => void) | undefined;

  /** Result of the last `take`: the buffer holding the bytes and their offset in it. */
  outBuf: Buffer = EMPTY_BUF;
  outOff = 0;

  /** Appends a chunk (kept by reference, never copied). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first chunk with unconsumed bytes (undefined when empty). */
  get head(): Buffer {
    return this.chunks[this.first];
  }

  /** Offset of the first unconsumed byte in `head`. */
  get headOffset(): number {
    return this.headOff;
  }

  /** Unconsumed bytes available contiguously in `head`. */
  get headAvail(): number {
    return this.length === 0 ? 0 : this.chunks[this.first].length - this.headOff;
  }

  /**
   * Copies the first n unconsumed bytes into `dst` at 0 without consuming them.
   * @param dst target, at least n bytes long
   * @param n number of bytes, at most `length`
   */
  peekInto(dst: Buffer, n: number): void {
    let copied = 0;
    let i = this.first;
    let off = this.headOff;
    while (copied < n) {
      const c = this.chunks[i];
      const k = Math.min(n - copied, c.length - off);
      c.copy(dst, copied, off, off + k);
      copied += k;
      i++;
      off = 0;
    }
  }

  /**
   * Consumes n bytes and exposes them as `outBuf[outOff .. outOff + n)`: the head chunk
   * itself when they sit in it, else a fresh buffer holding a copy (so that a consumer
   * keeping it beyond the callback never sees it overwritten).
   * @param n number of bytes, at most `length`
   */
  take(n: number): void {
    const c = this.chunks[this.first];
    const avail = c.length - this.headOff;
    if (n <= avail) {
      this.outBuf = c;
      this.outOff = this.headOff;
      this.advanceHead(n, avail);
      return;
    }
    // allocUnsafeSlow: a straddling record must not pin a pooled 8 KiB slab (undici's reasoning).
    const dst = Buffer.allocUnsafeSlow(n);
    this.peekInto(dst, n);
    this.skip(n);
    this.outBuf = dst;
    this.outOff = 0;
  }

  /**
   * Consumes n bytes and returns them as a Buffer (a view when they sit in one chunk, else a copy).
   * Convenience for non-hot paths; the parsers use `take`.
   */
  consume(n: number): Buffer {
    this.take(n);
    return this.outBuf.subarray(this.outOff, this.outOff + n);
  }

  /**
   * Drops n bytes.
   * @param n number of bytes, at most `length`
   */
  skip(n: number): void {
    let left = n;
    while (left > 0) {
      const c = this.chunks[this.first];
      const avail = c.length - this.headOff;
      const k = left < avail ? left : avail;
      this.advanceHead(k, avail);
      left -= k;
    }
  }

  /** Drops everything. */
  clear(): void {
    this.consumed += this.length;
    this.chunks = [];
    this.first = 0;
    this.headOff = 0;
    this.length = 0;
  }

  private advanceHead(k: number, avail: number): void {
    this.length -= k;
    this.consumed += k;
    if (k === avail) {
      const done = this.chunks[this.first];
      this.chunks[this.first] = EMPTY_BUF;
      this.onRelease?.(done);
      this.first++;
      this.headOff = 0;
      if (this.first === this.chunks.length) {
        this.chunks.length = 0;
        this.first = 0;
      } else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
        this.chunks = this.chunks.slice(this.first);
        this.first = 0;
      }
    } else {
      this.headOff += k;
    }
  }
}

const EMPTY_BUF: Buffer = Buffer.alloc(0);
