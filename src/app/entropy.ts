/**
 * Shannon entropy of a bounded sample of each connection's originator payload (bits per byte,
 * 0..8, Miller-Madow bias-corrected): clear text sits around 4-5, compressed or encrypted data
 * close to 8.
 *
 * The byte histograms of all connections live in one slab of 16-bit counters, allocated in
 * blocks of BLOCK_SLOTS histograms and reused through a free list, so a new connection costs
 * no allocation and the garbage collector never sees per-connection typed arrays. A connection
 * holds its slot only until its sample is full (then its entropy is computed and the slot
 * freed) or until it ends. At most MAX_ENTROPY_SLOTS samples are in progress at once; beyond
 * that a connection gets no entropy (counted).
 *
 * A sample that one segment fills by itself (the common case for bulk data) never takes a slot:
 * it is counted in a shared scratch histogram that stays in the CPU cache (`milliValueOf`).
 *
 * Counting is the cost (about a byte a nanosecond): segments of WORD_COPY_MIN bytes or more are
 * read four bytes at a time through a Uint32Array view of the buffer's memory (aligned words in
 * place, the unaligned ends byte by byte), which needs a quarter of the bounds-checked loads of
 * a byte loop (about 40% faster on 1 KiB samples, see bench/README-app.md; the copy into an
 * aligned scratch buffer it used before cost a native call per segment). The histogram is the
 * same either way.
 */

/** Histograms per slab block (256 counters each: 2 MiB per block). */
const BLOCK_SLOTS = 4096;
/** Samples in progress at once (128 MiB of counters at most). */
export const MAX_ENTROPY_SLOTS = 262144;
/**
 * A sample of at most this many bytes is kept as raw bytes in a cell of this size (half of a
 * 512-byte histogram) and counted only when it grows past it or is read: most samples still in
 * progress at any time are a few small originator segments (a DNS query, a client's request).
 */
export const CELL_BYTES = 256;
/**
 * A sample of at most this many bytes starts in a small cell. On the 10x-flows benchmark
 * capture two thirds of the samples in progress at the peak held 64 bytes or less (a DNS
 * query is about 40): in 256-byte cells they left three quarters of 26 MB unused.
 */
export const SMALL_CELL_BYTES = 64;
/** Cells per block (1 MiB per block of cells, 256 KiB per block of small cells). */
const CELL_BLOCK_SHIFT = 12;
const CELL_BLOCK = 1 << CELL_BLOCK_SHIFT;
/** Samples held as raw bytes at once, per cell size; beyond it a sample takes the next size up. */
export const MAX_ENTROPY_CELLS = 262144;
/** Slot numbers from here on name cells (slot - CELL_BASE), below it histograms. */
const CELL_BASE = MAX_ENTROPY_SLOTS;
/** Slot numbers from here on name small cells (slot - SMALL_BASE). */
const SMALL_BASE = CELL_BASE + MAX_ENTROPY_CELLS;

/**
 * Cells of one size in blocks, reused through a free list, named by slot number: the pool's
 * cells are the slots from `slotBase` on.
 */
class CellPool {
  private readonly blocks: Buffer[] = [];
  private readonly free: number[] = [];
  private handed = 0;

  constructor(
    readonly bytes: number,
    private readonly slotBase: number,
  ) {}

  /** A cell's slot, or -1 when MAX_ENTROPY_CELLS are in use. */
  alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.handed >= MAX_ENTROPY_CELLS) return -1;
    const c = this.handed++;
    if ((c & (CELL_BLOCK - 1)) === 0) this.blocks.push(Buffer.alloc(CELL_BLOCK * this.bytes));
    return this.slotBase + c;
  }

  /** The block holding a cell's bytes. */
  block(slot: number): Buffer {
    return this.blocks[(slot - this.slotBase) >>> CELL_BLOCK_SHIFT];
  }

  /** Where a cell's bytes start in its block. */
  offset(slot: number): number {
    return ((slot - this.slotBase) & (CELL_BLOCK - 1)) * this.bytes;
  }

  /** A cell's length is its owner's count: no zeroing. */
  release(slot: number): void {
    this.free.push(slot);
  }
}
/** Segments shorter than this are counted byte by byte (the word loop's set-up would cost more than it saves). */
const WORD_COPY_MIN = 64;

/**
 * A 32-bit view of the whole memory of the last buffer counted (the reader's chunk, most
 * often: one view per chunk), so that its aligned words are read in place.
 */
let viewOf: ArrayBufferLike | null = null;
let viewWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

function wordsOf(mem: ArrayBufferLike): Uint32Array<ArrayBufferLike> {
  if (mem !== viewOf) {
    viewWords = new Uint32Array(mem, 0, mem.byteLength >>> 2);
    viewOf = mem;
  }
  return viewWords;
}

/**
 * Add the bytes `b[off, off+n)` to the 256 counters of `h` starting at `base`.
 * Bytes are counted through aligned 32-bit words of the buffer's own memory (a view, no copy),
 * the unaligned head and tail byte by byte: the byte order of a word does not matter for a
 * histogram, so the four byte lanes are read with shifts whatever the platform's endianness.
 */
function countBytes(h: Uint16Array, base: number, b: Buffer, off: number, n: number): void {
  if (n < WORD_COPY_MIN) {
    for (let i = off, e = off + n; i < e; i++) h[base + b[i]]++;
    return;
  }
  // Absolute byte positions in the underlying memory.
  const start = b.byteOffset + off;
  const end = start + n;
  const firstWord = (start + 3) >>> 2;
  const endWord = end >>> 2;
  let i = off;
  for (const e = off + ((firstWord << 2) - start); i < e; i++) h[base + b[i]]++;
  const words = wordsOf(b.buffer);
  for (let j = firstWord; j < endWord; j++) {
    const w = words[j];
    h[base + (w & 0xff)]++;
    h[base + ((w >>> 8) & 0xff)]++;
    h[base + ((w >>> 16) & 0xff)]++;
    h[base + (w >>> 24)]++;
  }
  for (let k = off + ((endWord << 2) - start), e = off + n; k < e; k++) h[base + b[k]]++;
}

/**
 * Plug-in estimate H = -sum (k/n) log2(k/n) = log2(n) - (1/n) sum k log2 k, plus the
 * Miller-Madow correction (bins - 1) / (2 n ln 2) for its downward bias on small samples
 * (1024 random bytes read 7.82 uncorrected), capped at 8; in thousandths (an integer, so that
 * callers keep it in a small-integer field), the rounding of the 3-decimal figure.
 * @param s sum of k log2 k over the histogram
 * @param bins non-empty histogram bins
 */
function milliBits(n: number, s: number, bins: number): number {
  const h = Math.log2(n) - s / n + (bins - 1) / (2 * n * Math.LN2);
  return Math.round(Math.min(8, Math.max(0, h)) * 1000);
}

/**
 * milliBits of the 256 counters of `h` from `base`, holding `n` bytes. Branch-free over the
 * bins (klogk[0] and klogk[1] are 0, and `(k + 0xffff) >>> 16` is 1 for a non-empty 16-bit bin):
 * which bins are empty follows the data, so a branch on it is mispredicted often.
 */
function histogramMilli(h: Uint16Array, base: number, n: number, klogk: Float64Array): number {
  let s = 0;
  let bins = 0;
  for (let i = base, e = base + 256; i < e; i++) {
    const k = h[i];
    s += klogk[k];
    bins += (k + 0xffff) >>> 16;
  }
  return milliBits(n, s, bins);
}

export class EntropySlab {
  private readonly blocks: Uint16Array[] = [];
  private readonly free: number[] = [];
  private handed = 0;
  /** k * log2(k) for every count k the sample can reach. */
  private readonly klogk: Float64Array;
  /** Histogram for samples taken in one piece (milliValueOf; at most cap <= 65535 per bin); all zero between calls. */
  private readonly scratch = new Uint16Array(256);

  /** @param cap bytes per sample (at most 65535: counters are 16-bit) */
  constructor(readonly cap: number) {
    this.klogk = new Float64Array(cap + 1);
    for (let k = 2; k <= cap; k++) this.klogk[k] = k * Math.log2(k);
  }

  private readonly cells = new CellPool(CELL_BYTES, CELL_BASE);
  private readonly smallCells = new CellPool(SMALL_CELL_BYTES, SMALL_BASE);

  /** The pool of a cell's slot (slot >= CELL_BASE). */
  private poolOf(slot: number): CellPool {
    return slot >= SMALL_BASE ? this.smallCells : this.cells;
  }

  /**
   * A slot for a sample whose first piece is `len` bytes: the smallest raw-byte cell it fits
   * (SMALL_CELL_BYTES, CELL_BYTES) with one free, else a histogram (alloc). Fill it with addAt.
   * @returns the slot, or -1 when nothing is free
   */
  allocFor(len: number): number {
    if (len <= SMALL_CELL_BYTES) {
      const s = this.smallCells.alloc();
      if (s >= 0) return s;
    }
    if (len <= CELL_BYTES) {
      const s = this.cells.alloc();
      if (s >= 0) return s;
    }
    return this.alloc();
  }

  /**
   * Adds `b[off, off+take)` to a slot from allocFor holding `n` bytes. A cell that would
   * overflow moves to the next size that holds it (a cell, else a histogram where its bytes
   * are counted) and is freed.
   * @returns the slot that now holds the sample (the same or a new one), or -1 when it had to
   *          move and no histogram was free (the slot is released then)
   */
  addAt(slot: number, n: number, b: Buffer, off: number, take: number): number {
    if (slot < CELL_BASE) {
      this.add(slot, b, off, take);
      return slot;
    }
    const pool = this.poolOf(slot);
    const cells = pool.block(slot);
    const base = pool.offset(slot);
    if (n + take <= pool.bytes) {
      b.copy(cells, base + n, off, off + take);
      return slot;
    }
    if (pool === this.smallCells && n + take <= CELL_BYTES) {
      const to = this.cells.alloc();
      if (to >= 0) {
        const tb = this.cells.block(to);
        const tbase = this.cells.offset(to);
        cells.copy(tb, tbase, base, base + n);
        b.copy(tb, tbase + n, off, off + take);
        pool.release(slot);
        return to;
      }
    }
    const h = this.alloc();
    if (h >= 0) {
      const hb = this.blocks[h >>> 12];
      const hbase = (h & (BLOCK_SLOTS - 1)) << 8;
      countBytes(hb, hbase, cells, base, n);
      countBytes(hb, hbase, b, off, take);
    }
    pool.release(slot);
    return h;
  }

  /** A zeroed histogram slot, or -1 when MAX_ENTROPY_SLOTS are in use. */
  alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.handed >= MAX_ENTROPY_SLOTS) return -1;
    const slot = this.handed++;
    if ((slot & (BLOCK_SLOTS - 1)) === 0) this.blocks.push(new Uint16Array(BLOCK_SLOTS * 256));
    return slot;
  }

  /**
   * Count bytes `b[off, off+take)` into the slot's histogram.
   */
  add(slot: number, b: Buffer, off: number, take: number): void {
    countBytes(this.blocks[slot >>> 12], (slot & (BLOCK_SLOTS - 1)) << 8, b, off, take);
  }

  /** Entropy of a slot holding `n` bytes, in thousandths of a bit per byte (0 for an empty sample). */
  milliValue(slot: number, n: number): number {
    if (n === 0) return 0;
    if (slot >= CELL_BASE) {
      const pool = this.poolOf(slot);
      return this.milliValueOf(pool.block(slot), pool.offset(slot), n);
    }
    return histogramMilli(this.blocks[slot >>> 12], (slot & (BLOCK_SLOTS - 1)) << 8, n, this.klogk);
  }

  /** Entropy of a slot holding `n` bytes, rounded to 3 decimals (0 for an empty sample). */
  value(slot: number, n: number): number {
    return this.milliValue(slot, n) / 1000;
  }

  /**
   * Entropy of the `n` bytes `b[off, off+n)` taken as a whole sample (n <= cap), in thousandths
   * of a bit per byte, without a slot.
   */
  milliValueOf(b: Buffer, off: number, n: number): number {
    if (n === 0) return 0;
    const h = this.scratch;
    countBytes(h, 0, b, off, n);
    // histogramMilli's sum, in the same order, zeroing each bin as it is read (no fill call).
    const klogk = this.klogk;
    let s = 0;
    let bins = 0;
    for (let i = 0; i < 256; i++) {
      const k = h[i];
      h[i] = 0;
      s += klogk[k];
      bins += (k + 0xffff) >>> 16;
    }
    return milliBits(n, s, bins);
  }

  /** Zero the slot and make it available again. */
  release(slot: number): void {
    if (slot >= CELL_BASE) {
      this.poolOf(slot).release(slot);
      return;
    }
    const c = this.blocks[slot >>> 12];
    const base = (slot & (BLOCK_SLOTS - 1)) << 8;
    c.fill(0, base, base + 256);
    this.free.push(slot);
  }
}
