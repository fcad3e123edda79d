/**
 * Captures analysed by several workers at once.
 *
 * The main thread only walks the container (CaptureParser, no decode): for each frame it reads
 * the outer IP address pair from the link and IP headers (shard.ts), hashes the unordered pair
 * and copies the record into that worker's 4 MiB batch, a shared slot whose number is posted
 * when it is full (the worker's reply frees it). Each
 * worker runs the real PacketDecoder, FlowTable and application layer on its shard and sends
 * back the records each batch produced. Frames without a shard key go to worker 0, whose
 * decoder counts them exactly as the single-threaded path does.
 *
 * Same flows as one table: a connection's packets, fragments and tunnel all share one
 * worker, uids are hashed from the key and the first packet time, and each packet carries the
 * newest packet time of the whole capture before it (`clock`), which the worker gives to its
 * FlowTable (advanceTime) before the packet: inactivity and TCP timers fire at the same packet
 * time as in one table, so a connection ends, or is still open at the end, exactly as it would.
 *
 * Deterministic order: batches are numbered in the order they are sent, and the records of
 * batch k are fed to the sink only after those of batches 0..k-1; at the end, the records of
 * the final flush come worker by worker. The order therefore depends only on the input and the
 * number of workers, never on thread timing. It is not the single-threaded order, which the
 * DetectionEngine must not (and does not, see test/parallel) depend on.
 */
import { AnomalyCounter } from '../core/anomaly.js';
import { DecodeStatus, PacketMeta } from '../core/packet.js';
import type { RecordSink } from '../core/records.js';
import { CaptureReader, MAX_NON_IP_KEYS, type CaptureStats } from '../ingest/capture-reader.js';
import { ChunkPool, DEFAULT_CHUNK_SIZE, readInputChunks, toInputError, type InputInfo } from '../ingest/input.js';
import type { KonsekiError } from '../core/errors.js';
import type { FlowTableStats } from '../flow/flow-table.js';
import {
  BATCH_BYTES,
  OFF_CAPLEN,
  OFF_CLOCK,
  OFF_FILEOFFSET,
  OFF_IFINDEX,
  OFF_LINKTYPE,
  OFF_PACKETNO,
  OFF_REF_OFFSET,
  OFF_REF_SLOT,
  OFF_TS_NSEC,
  OFF_TS_SEC,
  OFF_WIRELEN,
  PKT_HDR,
  FRAG_TICK_MARK,
  REF_BYTES,
  REF_FLAG,
  TICK_BYTES,
  TICK_MARK,
  type DecodeCounts,
  type FromWorker,
  type RecordBatch,
} from './protocol.js';
import { frameShardKey, lastFrame, shardOf, type InternalV4 } from './shard.js';
import { mergeAnomalies, WorkerPool } from './worker-pool.js';
import { feedBatch } from './zeek-parallel.js';

/** Packet batches sent and not yet answered, per worker: keeps a few MiB in flight. */
export const MAX_BATCHES_IN_FLIGHT_PER_WORKER = 4;
/**
 * Shared batch slots per worker: the batches in flight, the one being filled, and one spare
 * (the in-flight limit is checked between read chunks, so a worker can briefly have more; a
 * batch then gets a buffer of its own, transferred).
 */
export const BATCH_SLOTS_PER_WORKER = MAX_BATCHES_IN_FLIGHT_PER_WORKER + 2;
/**
 * Shared chunk slots (each the read size, shared by every worker): the chunks whose frame
 * references are in flight (about MAX_BATCHES_IN_FLIGHT_PER_WORKER), the one being walked,
 * and a spare. With none free, a chunk's frames are copied into the batches as before.
 */
export const CHUNK_SLOTS = MAX_BATCHES_IN_FLIGHT_PER_WORKER + 2;

export interface ParallelCaptureInput {
  path: string;
  /** Index of the input in the run. */
  index: number;
  /** The stream `-` stands for. */
  stream?: NodeJS.ReadableStream;
  /** Gzip-compressed (progress then shows no percentage) and size in bytes, when known. */
  compressed?: boolean;
  bytes?: number | null;
}

export interface ParallelCaptureOptions {
  anomalies: AnomalyCounter;
  workers: number;
  /** Read size (default 4 MiB). */
  chunkSize?: number;
  /** Called after each capture with its accounting (decode counts from the workers). */
  onCapture?: (input: ParallelCaptureInput, stats: CaptureStats) => void;
  /** Progress of reading (the same calls as the single-threaded path makes). */
  progress?: { startFile(name: string, totalBytes: number | null, index: number, count: number): void; update(bytesRead: number): void; endFile(): void };
  /** Stops reading between chunks once aborted (SIGINT); what was read so far is kept. */
  signal?: AbortSignal;
  /**
   * Workers to use (sharded detection: their records stay in the workers, the replies are
   * empty); the caller closes it. By default a pool of `workers` capture workers is made.
   */
  pool?: WorkerPool;
  /** Sharded detection: key IPv4 frames between an internal and an external host by the internal one (shard.ts). */
  internalV4?: InternalV4;
}

export interface ParallelCaptureResult {
  captures: CaptureStats[];
  /** Sums over the workers' flow tables (livePeak: the sum of the per-worker peaks). */
  flowStats: FlowTableStats;
}

class Batch {
  buf: ArrayBuffer | SharedArrayBuffer;
  dv: DataView;
  bytes: Buffer;
  used = 0;
  /**
   * @param size bytes of the batch
   * @param shared the worker's free shared slot buffer, if any
   * @param slot its index (-1: a buffer of its own, transferred)
   */
  constructor(size: number, shared?: SharedArrayBuffer, readonly slot = -1) {
    // Not zero-filled (a memset per batch showed in profiles): only the bytes written (up to
    // `used`) are ever read. allocUnsafeSlow gives a buffer of its own, never a slice of the
    // shared pool, so the whole ArrayBuffer can be transferred.
    this.buf = shared ?? (Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer);
    this.dv = new DataView(this.buf);
    this.bytes = Buffer.from(this.buf);
  }
}

/** Packet time as the flow table sees it (libpcap microseconds, as FlowTable's zeekTime). */
function zeekTime(tsSec: number, tsNsec: number): number {
  return tsSec + Math.floor(tsNsec / 1000) / 1e6;
}

/**
 * Reads the captures (in the order given: the caller orders them in time) through `n`
 * workers into `sink`.
 * @param inputs the captures, in time order
 * @param sink receives every record, in a deterministic order
 * @param opts anomaly counter and number of workers
 */
export async function analyzeCapturesParallel(inputs: ParallelCaptureInput[], sink: RecordSink, opts: ParallelCaptureOptions): Promise<ParallelCaptureResult> {
  const n = Math.max(1, opts.workers);
  const anomalies = opts.anomalies;
  const internalV4 = opts.internalV4;
  const replies = new Map<number, RecordBatch>();
  const fileCounts: DecodeCounts[] = [];
  const finished: (Extract<FromWorker, { type: 'finished' }> | null)[] = new Array(n).fill(null);
  const finalParts: RecordBatch[][] = Array.from({ length: n }, () => []);
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  // Each worker's shared batch slots, made once and sent once: a batch message then carries a
  // slot number. Transferring a fresh (or returned) ArrayBuffer per batch registered 4 MiB of
  // new external memory in the receiving isolate each time, and V8 answered with full
  // collections (15 on the main thread for 512 MiB against 4 in the 1-worker run).
  const slotBufs: SharedArrayBuffer[][] = [];
  const freeSlots: number[][] = [];
  const onMessage = (i: number, m: FromWorker): void => {
    if (m.type === 'records') {
      replies.set(m.seq, m.batch);
      if (m.slot >= 0) freeSlots[i].push(m.slot);
    }
    else if (m.type === 'file-counts') fileCounts.push(m.counts);
    else if (m.type === 'final-part') finalParts[i].push(m.batch);
    else if (m.type === 'finished') finished[i] = m;
    signal();
  };
  const own = opts.pool === undefined;
  const pool = opts.pool ?? new WorkerPool(n, 'capture', onMessage);
  if (!own) pool.setHandler(onMessage);
  const failed = pool.failed();
  failed.catch(() => {});
  const waitForMessage = (): Promise<void> => Promise.race([new Promise<void>((r) => (wake = r)), failed]);

  let sentSeq = 0;
  let fedSeq = 0;
  /** Feeds every reply that is next in sequence. */
  const drain = (): void => {
    for (;;) {
      const b = replies.get(fedSeq);
      if (!b) return;
      replies.delete(fedSeq);
      fedSeq++;
      feedBatch(b, sink);
    }
  };

  const batches: Batch[] = [];
  for (let i = 0; i < n; i++) {
    const bufs: SharedArrayBuffer[] = [];
    for (let k = 0; k < BATCH_SLOTS_PER_WORKER; k++) bufs.push(new SharedArrayBuffer(BATCH_BYTES));
    slotBufs.push(bufs);
    freeSlots.push(bufs.map((_, k) => BATCH_SLOTS_PER_WORKER - 1 - k));
    pool.post(i, { type: 'batch-slots', bufs });
  }
  /** A new batch for worker w: in a free shared slot, else in a buffer of its own. */
  const newBatch = (w: number): Batch => {
    const k = freeSlots[w].pop();
    return k === undefined ? new Batch(BATCH_BYTES) : new Batch(BATCH_BYTES, slotBufs[w][k], k);
  };
  for (let i = 0; i < n; i++) batches.push(newBatch(i));
  // Shared chunk slots: each read chunk is copied once into a free one, and the frames that
  // lie whole in it are sent as references (protocol.ts). A slot is free again once every
  // batch sent up to the end of its chunk has been answered (chunkDoneAt: that sentSeq).
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const chunkBufs: SharedArrayBuffer[] = [];
  const chunkBytes: Buffer[] = [];
  const chunkDoneAt: number[] = [];
  for (let k = 0; k < CHUNK_SLOTS; k++) {
    const sab = new SharedArrayBuffer(chunkSize);
    chunkBufs.push(sab);
    chunkBytes.push(Buffer.from(sab));
    chunkDoneAt.push(0);
  }
  for (let i = 0; i < n; i++) pool.post(i, { type: 'chunk-slots', bufs: chunkBufs });
  /** The chunk being walked, and its shared slot (-1: its frames are copied). */
  let curChunk: Buffer | null = null;
  let curSlot = -1;
  /** Copies `chunk` into a free shared slot, if any (fedSeq: the batches answered and fed). */
  const shareChunk = (chunk: Buffer): void => {
    curChunk = chunk;
    curSlot = -1;
    if (chunk.length > chunkSize) return;
    for (let k = 0; k < CHUNK_SLOTS; k++) {
      if (chunkDoneAt[k] <= fedSeq) {
        chunk.copy(chunkBytes[k], 0, 0, chunk.length);
        chunkDoneAt[k] = Infinity;
        curSlot = k;
        return;
      }
    }
  };
  /** The chunk's walk is over: its references go out now, and the slot frees once answered. */
  const endChunk = (): void => {
    if (curSlot >= 0) {
      for (let w = 0; w < n; w++) sendBatch(w);
      chunkDoneAt[curSlot] = sentSeq;
    }
    curChunk = null;
    curSlot = -1;
  };
  // In a typed array, not a closure variable: V8 would box a new heap number for the closure
  // slot on (nearly) every packet, the time rising with each.
  const clockCell = new Float64Array(1);
  clockCell[0] = -Infinity;
  let curIndex = 0;
  let curName = '';
  const sendBatch = (w: number): void => {
    const b = batches[w];
    if (b.used === 0) return;
    if (b.slot >= 0) pool.post(w, { type: 'packets', seq: sentSeq++, fileIndex: curIndex, fileName: curName, slot: b.slot, buf: null, used: b.used });
    else pool.post(w, { type: 'packets', seq: sentSeq++, fileIndex: curIndex, fileName: curName, slot: -1, buf: b.buf as ArrayBuffer, used: b.used }, [b.buf as ArrayBuffer]);
    batches[w] = newBatch(w);
  };

  const addTick = (w: number, t: number): void => {
    let b = batches[w];
    if (b.used + TICK_BYTES > b.buf.byteLength) {
      sendBatch(w);
      b = batches[w];
    }
    b.dv.setFloat64(b.used + OFF_CLOCK, t, true);
    b.dv.setUint32(b.used + OFF_CAPLEN, TICK_MARK, true);
    b.used += TICK_BYTES;
  };

  /** A fragment at packet time `t` reached worker `w`'s reassembler: the others expire too. */
  const addFragmentTick = (w: number, t: number, fileOffset: number): void => {
    for (let v = 0; v < n; v++) {
      if (v === w) continue;
      let b = batches[v];
      if (b.used + TICK_BYTES > b.buf.byteLength) {
        sendBatch(v);
        b = batches[v];
      }
      b.dv.setFloat64(b.used + OFF_CLOCK, t, true);
      b.dv.setFloat64(b.used + OFF_TS_SEC, fileOffset, true);
      b.dv.setUint32(b.used + OFF_CAPLEN, FRAG_TICK_MARK, true);
      b.used += TICK_BYTES;
    }
  };

  // The container walk's "decoder": shards the frame, never decodes it. The reader's own
  // ip/nonIp/anomaly counts are replaced by the workers' at the end of each file.
  const shardDecoder = {
    decode(m: PacketMeta): DecodeStatus {
      const key = frameShardKey(m.linktype, m.buf, m.frameOff, m.caplen, internalV4, m.wirelen);
      const w = shardOf(key, n);
      let caplen = m.caplen;
      if (m.frameOff + caplen > m.buf.length) caplen = m.buf.length - m.frameOff;
      const ref = curSlot >= 0 && m.buf === curChunk;
      const need = ref ? REF_BYTES : (PKT_HDR + caplen + 7) & ~7;
      let b = batches[w];
      if (b.used + need > b.buf.byteLength) {
        sendBatch(w);
        b = batches[w];
        if (need > b.buf.byteLength) {
          // A frame larger than a slot: a batch of its own size; the (empty) slot stays free.
          if (b.slot >= 0) freeSlots[w].push(b.slot);
          b = batches[w] = new Batch(need);
        }
      }
      const dv = b.dv;
      const o = b.used;
      dv.setFloat64(o + OFF_CLOCK, clockCell[0], true);
      dv.setFloat64(o + OFF_TS_SEC, m.tsSec, true);
      dv.setUint32(o + OFF_TS_NSEC, m.tsNsec, true);
      dv.setUint32(o + OFF_CAPLEN, ref ? caplen + REF_FLAG : caplen, true);
      dv.setUint32(o + OFF_WIRELEN, m.wirelen, true);
      dv.setUint32(o + OFF_LINKTYPE, m.linktype >>> 0, true);
      dv.setUint32(o + OFF_IFINDEX, m.ifIndex, true);
      dv.setUint32(o + OFF_PACKETNO, m.packetNo, true);
      dv.setFloat64(o + OFF_FILEOFFSET, m.fileOffset, true);
      if (ref) {
        dv.setUint32(o + OFF_REF_SLOT, curSlot, true);
        dv.setUint32(o + OFF_REF_OFFSET, m.frameOff, true);
      } else {
        m.buf.copy(b.bytes, o + PKT_HDR, m.frameOff, m.frameOff + caplen);
      }
      b.used = o + need;
      if (key >= 0) {
        // The decoder's reassembler time (packet-decoder.ts), not the flow table's.
        if (lastFrame.fragment && n > 1) addFragmentTick(w, m.tsSec + m.tsNsec / 1e9, m.fileOffset);
        const t = zeekTime(m.tsSec, m.tsNsec);
        if (t > clockCell[0]) {
          clockCell[0] = t;
          // The other shards' tables see time move on at this packet, as one table would.
          for (let v = 0; v < n; v++) if (v !== w) addTick(v, t);
        }
      }
      return DecodeStatus.Ip;
    },
  };

  const result: ParallelCaptureResult = {
    captures: [],
    flowStats: { packets: 0, flowsEmitted: 0, expiredByTimeout: 0, closedTcp: 0, reused: 0, earlyExpired: 0, flushedAtEnd: 0, livePeak: 0, live: 0 },
  };
  const maxInFlight = MAX_BATCHES_IN_FLIGHT_PER_WORKER * n;
  try {
    const meta = new PacketMeta();
    const progress = opts.progress;
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k];
      progress?.startFile(input.path, input.compressed ? null : (input.bytes ?? null), k, inputs.length);
      curIndex = input.index;
      curName = input.path;
      const chunkPool = new ChunkPool(chunkSize);
      const reader = new CaptureReader(input.path, input.index, () => {}, { anomalies, decoder: shardDecoder, meta, onChunkReleased: chunkPool.release });
      const info: InputInfo = { name: input.path, compressed: false, bytes: 0 };
      let inputError: KonsekiError | undefined;
      try {
        for await (const chunk of readInputChunks(input.path, info, chunkSize, input.stream as never, chunkPool)) {
          shareChunk(chunk);
          const more = reader.push(chunk) && !opts.signal?.aborted;
          endChunk();
          progress?.update(info.bytes);
          drain();
          while (sentSeq - fedSeq > maxInFlight) {
            await waitForMessage();
            drain();
          }
          if (!more) break;
        }
      } catch (e) {
        if (pool.error) throw pool.error;
        inputError = toInputError(e, info);
      }
      endChunk();
      const st = reader.end(inputError, info.compressed);
      progress?.endFile();
      for (let w = 0; w < n; w++) sendBatch(w);
      fileCounts.length = 0;
      for (let w = 0; w < n; w++) pool.post(w, { type: 'end-file', fileIndex: input.index });
      while (fileCounts.length < n) {
        await waitForMessage();
        drain();
      }
      patchCounts(st, fileCounts);
      result.captures.push(st);
      opts.onCapture?.(input, st);
    }
    for (let w = 0; w < n; w++) pool.post(w, { type: 'finish', lastFileName: inputs.length > 0 ? inputs[inputs.length - 1].path : '', clock: clockCell[0] });
    while (fedSeq < sentSeq) {
      await waitForMessage();
      drain();
    }
    // The final flush, worker by worker, each in parts as they arrive.
    for (let w = 0; w < n; w++) {
      for (;;) {
        const part = finalParts[w].shift();
        if (part) feedBatch(part, sink);
        else if (finished[w]) break;
        else await waitForMessage();
      }
    }
    const fs = result.flowStats;
    for (const f of finished) {
      const m = f!;
      feedBatch(m.batch, sink);
      mergeAnomalies(anomalies, m.anomalies);
      for (const k of Object.keys(fs) as (keyof FlowTableStats)[]) fs[k] += m.flowStats[k];
    }
  } finally {
    if (own) await pool.close();
  }
  return result;
}

/** Puts the workers' decode counts for one file into the reader's accounting. */
function patchCounts(st: CaptureStats, all: DecodeCounts[]): void {
  st.ip = 0;
  st.nonIp = 0;
  st.anomalies = 0;
  st.fragments = 0;
  const byEt = new Map<number, number>();
  let other = 0;
  for (const c of all) {
    st.ip += c.ip;
    st.nonIp += c.nonIp;
    st.anomalies += c.anomalies;
    st.fragments += c.fragments;
    other += c.nonIpOther;
    for (const [k, v] of c.nonIpByEthertype) {
      if (byEt.has(k) || byEt.size < MAX_NON_IP_KEYS) byEt.set(k, (byEt.get(k) ?? 0) + v);
      else other += v;
    }
  }
  st.nonIpByEthertype = {};
  for (const k of [...byEt.keys()].sort((a, b) => a - b)) st.nonIpByEthertype['0x' + k.toString(16).padStart(4, '0')] = byEt.get(k)!;
  if (other > 0) st.nonIpByEthertype.other = other;
}
