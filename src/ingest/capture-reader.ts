/**
 * The capture reader the rest of the pipeline calls: reads one pcap or pcapng input (plain
 * or gzip-compressed, a path or standard input), decodes every frame with the packet
 * decoder and hands each packet with its DecodeStatus to `onPacket`, synchronously.
 *
 * Accounting: every frame read gets exactly one status, so
 *   packetsRead = ip + nonIp + anomalies + fragments
 * holds for every input, whole or cut short.
 *
 * Bad input never throws: the returned CaptureStats carries the error (ERR_NOT_A_CAPTURE,
 * ERR_PCAP_TRUNCATED, ERR_PCAP_RECORD_TOO_LARGE, ERR_GZIP, ERR_IO...) and the counts of
 * everything read before it.
 */
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { AnomalyCounter } from '../core/anomaly.js';
import { ErrorCodes, KonsekiError } from '../core/errors.js';
import { DecodeStatus, PacketMeta } from '../core/packet.js';
import { ChunkPool, DEFAULT_CHUNK_SIZE, readInputChunks, toInputError, type InputInfo } from './input.js';
import { CaptureParser, type CaptureFormat } from './pcap/capture-parser.js';
import type { ContainerInfo } from './pcap/frame-parser.js';
import type { PacketPrefetcher } from './decode/packet-hints.js';

export type { ContainerInfo };

/** The part of the packet decoder the reader uses (src/ingest/decode/packet-decoder.ts). */
export interface FrameDecoder {
  decode(meta: PacketMeta, fileName: string): DecodeStatus;
}

export interface ReadCaptureOptions {
  anomalies: AnomalyCounter;
  decoder: FrameDecoder;
  /** Read size in bytes (default 4 MiB). For readCaptureBuffer: feed the buffer in pieces of this size. */
  chunkSize?: number;
  /** A PacketMeta to reuse (default: a new one per call). */
  meta?: PacketMeta;
  /** The stream '-' stands for (default: standard input, file descriptor 0). */
  stdin?: Readable;
  /** Called with each input chunk once the parser no longer references it (buffer recycling). */
  onChunkReleased?: (chunk: Buffer) => void;
  /** Test hook: called for each pcapng block with its type and byte offset. */
  onBlock?: (type: number, offset: number) => void;
  /**
   * Optional lookahead (decode/packet-hints.ts): given the flow fields of the next frames of a
   * read chunk before they are decoded (pcap and pcapng), e.g. the FlowTable, which touches their
   * state so that the memory loads of several packets overlap. Changes no result.
   */
  prefetch?: PacketPrefetcher;
  /** Called after each chunk is parsed with the (decompressed) bytes read so far, e.g. for progress. */
  onChunk?: (bytesRead: number) => void;
  /** Stops reading between chunks once aborted (SIGINT); what was read so far is kept. */
  signal?: AbortSignal;
}

/**
 * Distinct non-IP ethertypes kept in `nonIpByEthertype`. The key is 16 bits, so this only
 * matters for link layers that announce larger protocol numbers; the rest go under 'other'.
 */
export const MAX_NON_IP_KEYS = 1024;

export interface CaptureStats {
  /** Input name as given (path or '-'). */
  file: string;
  format: CaptureFormat;
  /** True when the input was gzip-compressed. */
  compressed: boolean;
  /** What the file header(s) said (byte order, version, snaplen...), when one was read. */
  container?: ContainerInfo;
  /** LINKTYPE_* numbers seen (classic pcap: one; pcapng: one per distinct interface type). */
  linktypes: number[];
  /** Frames read from the container. */
  packetsRead: number;
  /** Packets with DecodeStatus.Ip. */
  ip: number;
  /** Packets with DecodeStatus.NonIp. */
  nonIp: number;
  /** Packets with DecodeStatus.Anomaly (the codes are in the AnomalyCounter). */
  anomalies: number;
  /** Packets with DecodeStatus.Fragment (held for reassembly). */
  fragments: number;
  /** Non-IP packets per ethertype, keys like '0x0806' (or 'other' past MAX_NON_IP_KEYS). */
  nonIpByEthertype: Record<string, number>;
  /** Bytes read from the input, after decompression. */
  bytesRead: number;
  /** True when the input ended in the middle of a record. */
  truncated: boolean;
  /** Why reading stopped early (or never started), if it did. */
  error?: KonsekiError;
  /** Earliest and latest packet timestamps (float seconds), null when no timestamped packet. */
  firstTs: number | null;
  lastTs: number | null;
}

/** Builds the per-frame step: decode, count, hand over. */
function makeReader(name: string, fileIndex: number, onPacket: (meta: PacketMeta, status: DecodeStatus) => void, opts: ReadCaptureOptions) {
  const meta = opts.meta ?? new PacketMeta();
  const stats: CaptureStats = {
    file: name,
    format: 'unknown',
    compressed: false,
    linktypes: [],
    packetsRead: 0,
    ip: 0,
    nonIp: 0,
    anomalies: 0,
    fragments: 0,
    nonIpByEthertype: {},
    bytesRead: 0,
    truncated: false,
    firstTs: null,
    lastTs: null,
  };
  const nonIp = new Map<number, number>();
  let nonIpOther = 0;
  // An object with number-only fields: V8 updates its doubles in place, where closure
  // variables would box a new heap number on every packet.
  const range = { min: Infinity, max: -Infinity };
  const decoder = opts.decoder;
  let parser: CaptureParser;

  const onFrame = (m: PacketMeta): void => {
    const st = decoder.decode(m, name);
    stats.packetsRead++;
    switch (st) {
      case DecodeStatus.Ip:
        stats.ip++;
        break;
      case DecodeStatus.NonIp: {
        stats.nonIp++;
        const n = nonIp.get(m.ethertype);
        if (n !== undefined) nonIp.set(m.ethertype, n + 1);
        else if (nonIp.size < MAX_NON_IP_KEYS) nonIp.set(m.ethertype, 1);
        else nonIpOther++;
        break;
      }
      case DecodeStatus.Fragment:
        stats.fragments++;
        break;
      default:
        stats.anomalies++;
        break;
    }
    if (parser.frameHasTs) {
      const t = m.tsSec + m.tsNsec / 1e9;
      if (t < range.min) range.min = t;
      if (t > range.max) range.max = t;
    }
    onPacket(m, st);
  };

  parser = new CaptureParser({
    name,
    fileIndex,
    anomalies: opts.anomalies,
    meta,
    onFrame,
    onBlock: opts.onBlock,
    prefetch: opts.prefetch,
    onChunkReleased: opts.onChunkReleased,
  });

  const finish = (extraError?: KonsekiError): CaptureStats => {
    stats.format = parser.format;
    stats.linktypes = parser.inner ? [...parser.inner.linktypes] : [];
    const container = parser.inner?.describe();
    if (container) stats.container = container;
    stats.bytesRead = parser.bytesReceived;
    stats.truncated = parser.truncated || extraError?.code === ErrorCodes.GZIP;
    const err = extraError ?? parser.error;
    if (err) stats.error = err;
    if (range.min !== Infinity) {
      stats.firstTs = range.min;
      stats.lastTs = range.max;
    }
    const keys = [...nonIp.keys()].sort((a, b) => a - b);
    for (const k of keys) stats.nonIpByEthertype['0x' + k.toString(16).padStart(4, '0')] = nonIp.get(k)!;
    if (nonIpOther > 0) stats.nonIpByEthertype.other = nonIpOther;
    return stats;
  };

  return { parser, stats, finish };
}

/**
 * The push-style reader behind readCapture and readCaptureBuffer: feed it chunks of the
 * (decompressed) input in any sizes, then call `end()` for the accounting.
 */
export class CaptureReader {
  private readonly r: ReturnType<typeof makeReader>;
  private result: CaptureStats | undefined;

  /**
   * @param name input name for messages
   * @param fileIndex index of the input in the run
   * @param onPacket called synchronously for every packet, with its decode status
   * @param opts the anomaly counter and the packet decoder
   */
  constructor(name: string, fileIndex: number, onPacket: (meta: PacketMeta, status: DecodeStatus) => void, opts: ReadCaptureOptions) {
    this.r = makeReader(name, fileIndex, onPacket, opts);
  }

  /** True once reading stopped on an error: further chunks are ignored, stop feeding. */
  get stopped(): boolean {
    return this.r.parser.stopped;
  }

  /**
   * Parses a chunk; packets are delivered before this returns.
   * @returns false when the reader stopped on an error
   */
  push(chunk: Buffer): boolean {
    this.r.parser.push(chunk);
    return !this.r.parser.stopped;
  }

  /**
   * Ends the input and returns the accounting.
   * @param inputError an error of the input itself (gzip, I/O), which takes precedence
   * @param compressed whether the input was gzip-compressed
   */
  end(inputError?: KonsekiError, compressed = false): CaptureStats {
    if (this.result) return this.result;
    const p = this.r.parser;
    if (!p.stopped && !(inputError && inputError.code === ErrorCodes.IO)) p.end();
    this.r.stats.compressed = compressed;
    this.result = this.r.finish(inputError);
    return this.result;
  }
}

/**
 * Reads a capture file or standard input, streaming, in chunks of `opts.chunkSize`.
 * @param source a path, or '-' for standard input
 * @param fileIndex index of the input in the run (copied to PacketMeta.fileIndex)
 * @param onPacket called synchronously for EVERY packet read, with its decode status;
 *   use the header fields only when status is DecodeStatus.Ip. `meta` is reused and `meta.buf`
 *   may be a read buffer that is refilled after the callback: copy whatever you keep.
 * @param opts the anomaly counter, the packet decoder, and the read size
 * @returns the accounting of the input; `error` is set when it stopped early or was not a capture
 */
export async function readCapture(
  source: string,
  fileIndex: number,
  onPacket: (meta: PacketMeta, status: DecodeStatus) => void,
  opts: ReadCaptureOptions,
): Promise<CaptureStats> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  // Plain files are read into recycled buffers, handed back as the parser consumes them.
  const pool = new ChunkPool(chunkSize);
  const reader = new CaptureReader(source, fileIndex, onPacket, { ...opts, onChunkReleased: pool.release });
  const info: InputInfo = { name: source, compressed: false, bytes: 0 };
  let inputError: KonsekiError | undefined;
  try {
    for await (const chunk of readInputChunks(source, info, chunkSize, opts.stdin, pool)) {
      if (!reader.push(chunk)) break;
      opts.onChunk?.(info.bytes);
      if (opts.signal?.aborted) break;
    }
  } catch (e) {
    inputError = toInputError(e, info);
  }
  return reader.end(inputError, info.compressed);
}

/**
 * Reads a capture held in memory, synchronously (tests, small inputs). A gzip buffer is
 * decompressed first. With `opts.chunkSize` the buffer is fed in pieces of that size,
 * which must give the same result as one piece.
 * @param buf the whole input
 * @param name input name for messages
 * @param fileIndex index of the input in the run
 * @param onPacket as for readCapture
 * @param opts as for readCapture
 */
export function readCaptureBuffer(
  buf: Buffer,
  name: string,
  fileIndex: number,
  onPacket: (meta: PacketMeta, status: DecodeStatus) => void,
  opts: ReadCaptureOptions,
): CaptureStats {
  const reader = new CaptureReader(name, fileIndex, onPacket, opts);
  let data = buf;
  const compressed = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  if (compressed) {
    try {
      data = gunzipSync(buf);
    } catch (e) {
      return reader.end(toInputError(e, { name, compressed: true, bytes: 0 }), true);
    }
  }
  const step = opts.chunkSize && opts.chunkSize > 0 ? opts.chunkSize : data.length;
  if (step >= data.length) {
    reader.push(data);
  } else {
    for (let off = 0; off < data.length; off += step) {
      if (!reader.push(data.subarray(off, Math.min(off + step, data.length)))) break;
    }
  }
  return reader.end(undefined, compressed);
}
