/**
 * The shared shape of the container parsers (classic pcap, pcapng): a push-style,
 * synchronous core in the csv-parse manner. `push(chunk)` parses every complete record
 * in the chunk and hands each frame to `onFrame` before returning; `end()` says the input
 * is over. The core never sees a stream and does no I/O.
 *
 * Three outcomes are kept apart (rusticata pcap-parser's Incomplete / UnexpectedEof /
 * malformed):
 * - a chunk ending mid-record: normal, the tail waits in the ByteQueue for the next chunk;
 * - the input ending mid-record: ERR_PCAP_TRUNCATED, `truncated = true`, frames before it kept;
 * - a malformed record (length above the caps, bad block): a KonsekiError with the file
 *   and byte offset; the parser stops and ignores further input, frames before it kept.
 */
import { KonsekiError, ErrorCodes } from '../../core/errors.js';
import type { AnomalyCounter } from '../../core/anomaly.js';
import { PacketMeta } from '../../core/packet.js';
import { ByteQueue } from '../byte-queue.js';
import type { PacketPrefetcher } from '../decode/packet-hints.js';

export interface FrameParserContext {
  /** Input name for messages (path or '-'). */
  name: string;
  /** Index of the input in the run (copied to every PacketMeta). */
  fileIndex: number;
  anomalies: AnomalyCounter;
  /** The reused PacketMeta the parser fills for each frame. */
  meta: PacketMeta;
  /** Called synchronously for each frame; the container fields of `meta` are set. */
  onFrame: (meta: PacketMeta) => void;
  /** Optional: called with each input chunk once fully consumed (see ByteQueue.onRelease). */
  onChunkReleased?: (chunk: Buffer) => void;
  /** Optional: called for each pcapng block seen (type, byte offset), for tests and diagnostics. */
  onBlock?: (type: number, offset: number) => void;
  /**
   * Optional: given the flow fields of the next frames before they are delivered
   * (decode/packet-hints.ts), to touch the state they will need.
   */
  prefetch?: PacketPrefetcher;
}

/**
 * How far ahead of the records being parsed a parser's lookahead (ctx.prefetch) touches the
 * read chunk, in bytes: a few batches of records, well inside the L2 cache.
 */
const TOUCH_AHEAD = 64 * 1024;

/**
 * The lookahead's touch of a read chunk (classic.ts and pcapng.ts): read() may fill a chunk with
 * stores that bypass the CPU cache, and each record's length says where the next one starts, so
 * the first read of every record header would wait on memory, one after the other. touch() makes
 * one load per 64-byte line of the next TOUCH_AHEAD bytes first: independent loads, overlapped.
 * Called once per lookahead batch, not per record.
 */
export class ChunkToucher {
  /** The chunk touched last, and up to which offset. */
  private buf: Buffer | null = null;
  private to = 0;
  /** The sum of the bytes loaded, kept so the compiler cannot drop the loads. */
  sink = 0;

  /** Touches b from max(o, what was touched before in b) up to o + TOUCH_AHEAD or lim. */
  touch(b: Buffer, o: number, lim: number): void {
    if (b !== this.buf) {
      this.buf = b;
      this.to = o;
    }
    let t = this.to > o ? this.to : o;
    const stop = o + TOUCH_AHEAD < lim ? o + TOUCH_AHEAD : lim;
    let sum = 0;
    for (; t < stop; t += 64) sum = (sum + b[t]) | 0;
    this.to = t;
    this.sink = sum;
  }
}

/**
 * Distinct link types listed per input. Real captures have one or two; a pcapng file may
 * declare many interfaces, so the summary list is capped (the rest are only counted).
 */
export const MAX_LISTED_LINKTYPES = 64;

/** What the container's header(s) said, for summaries and tests. */
export interface ContainerInfo {
  /** 'LE', 'BE', or 'BE/LE' for a pcapng file with sections of both byte orders. */
  byteOrder: string;
  /** Format version ('2.4'; pcapng: of the first section, '1.0'). */
  version: string;
  /** Classic pcap: the timestamp unit of the magic. */
  tsUnit?: 'us' | 'ns';
  /** Classic pcap: the header's snaplen, as stored. */
  snaplen?: number;
  /** pcapng: sections (SHBs) and interfaces (IDBs) seen, and blocks per type name. */
  sections?: number;
  interfaces?: number;
  blocks?: Record<string, number>;
}

export abstract class FrameParser {
  /** Set when the parser stopped on bad input (sticky). */
  error: KonsekiError | undefined;
  /** True when the input ended in the middle of a record or header. */
  truncated = false;
  /** Frames delivered. */
  frames = 0;
  /** Link types seen (LINKTYPE_* numbers), in order of first appearance. */
  readonly linktypes: number[] = [];
  /** Distinct link types seen beyond MAX_LISTED_LINKTYPES (the list is a summary, nothing else depends on it). */
  linktypesNotListed = 0;
  /** False when the last frame had no timestamp (pcapng SPB). */
  frameHasTs = true;

  protected readonly q = new ByteQueue();
  protected done = false;

  constructor(protected readonly ctx: FrameParserContext) {
    this.q.onRelease = ctx.onChunkReleased;
  }

  /** Bytes of input consumed so far (the decompressed offset of the next record). */
  get bytesConsumed(): number {
    return this.q.consumed;
  }

  /** Bytes received so far (consumed or waiting). */
  bytesReceived = 0;

  /**
   * Parses the chunk; frames are delivered synchronously.
   * @param chunk the next bytes of the input (kept by reference until consumed)
   */
  push(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    if (this.done) return;
    this.q.push(chunk);
    this.parse();
  }

  /** Says the input is over; checks for a record cut by the end of input. */
  end(): void {
    if (this.done) return;
    this.parse();
    if (this.done) return;
    this.finish();
    this.done = true;
  }

  /** What the header(s) read so far said; undefined before the first header. */
  abstract describe(): ContainerInfo | undefined;

  /** Parses what the queue holds. */
  protected abstract parse(): void;

  /** Called once at end of input, when no error stopped the parser. */
  protected abstract finish(): void;

  /** Stops the parser with an error at a byte offset; further input is ignored. */
  protected fail(code: string, message: string, offset: number): void {
    this.error = new KonsekiError(code, message, { file: this.ctx.name, offset });
    this.done = true;
    this.q.clear();
  }

  /** Marks the input as cut in the middle of a record that started at `offset`. */
  protected failTruncated(what: string, need: number, offset: number): void {
    const got = this.q.length;
    this.truncated = true;
    this.fail(
      ErrorCodes.PCAP_TRUNCATED,
      `Capture is truncated: input ends in the middle of ${what}, ${need} bytes expected, only ${got} present`,
      offset,
    );
  }

  protected noteLinktype(lt: number): void {
    if (this.linktypes.indexOf(lt) >= 0) return;
    if (this.linktypes.length < MAX_LISTED_LINKTYPES) this.linktypes.push(lt);
    else this.linktypesNotListed++;
  }
}
