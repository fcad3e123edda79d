/**
 * Messages between the main thread and the analysis workers, and the layout of a packet batch.
 *
 * A packet batch is one ArrayBuffer (transferred, never copied by postMessage) holding whole
 * capture records, each preceded by a fixed 48-byte header and padded to 8 bytes:
 *
 *    0  f64  clock       newest packet time (Zeek's microsecond time) of every IP packet the
 *                        main thread sharded before this one, in ANY shard: the flow table's
 *                        timers fire as they would in one table (see capture-parallel.ts)
 *    8  f64  tsSec
 *   16  u32  tsNsec
 *   20  u32  caplen
 *   24  u32  wirelen
 *   28  u32  linktype
 *   32  u32  ifIndex
 *   36  u32  packetNo
 *   40  f64  fileOffset
 *   48  ...  caplen frame bytes, then padding to a multiple of 8
 *
 * A clock tick (24 bytes) tells a worker that the newest packet time of the capture moved on
 * because of a packet in another shard: f64 time at 0, TICK_MARK in the caplen field at 20.
 * Ticks let each worker's flow table run its timers at exactly the packet times one table
 * would (same removals, same close-versus-timeout accounting).
 *
 * A fragment tick (24 bytes too, FRAG_TICK_MARK in the caplen field) tells a worker that an IP
 * fragment reached another worker's reassembler: f64 packet time of the fragment at 0, f64
 * file offset at 8. The worker expires its own held datagrams at that time, as one
 * reassembler would have before adding the fragment (IpReassembler.add expires first).
 *
 * A frame reference (the same 48-byte header, then 8 more bytes, no frame bytes) stands for a
 * frame that lies whole in the read chunk being walked: the main thread copies each chunk once
 * into a shared chunk slot (one memcpy per 4 MiB, every worker reads its own frames there)
 * instead of copying each frame into a batch (a Buffer.copy per frame, which also allocates a
 * Uint8Array view per call in Node 20). REF_FLAG is set in its caplen field; u32 chunk slot at
 * 48, u32 frame offset in the chunk at 52.
 *
 * Records come back as arrays of plain record objects (structured clone) with a parallel
 * array of kinds, one message per batch: never one message per packet or per record.
 */
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../core/records.js';
import type { DetectionStats } from '../detect/engine.js';
import type { CountList, GlobalAggregates, ShardAggregates } from '../detect/shard.js';
import type { Finding } from '../core/finding.js';
import type { FlowTableStats } from '../flow/flow-table.js';
import type { MessagePort } from 'node:worker_threads';

export const PKT_HDR = 48;
export const OFF_CLOCK = 0;
export const OFF_TS_SEC = 8;
export const OFF_TS_NSEC = 16;
export const OFF_CAPLEN = 20;
export const OFF_WIRELEN = 24;
export const OFF_LINKTYPE = 28;
export const OFF_IFINDEX = 32;
export const OFF_PACKETNO = 36;
export const OFF_FILEOFFSET = 40;
/** Size of a clock tick entry. */
export const TICK_BYTES = 24;
/** caplen value that marks a clock tick (real records are far smaller: MAX_RECORD_LEN). */
export const TICK_MARK = 0xffffffff;
/** caplen value that marks a fragment tick. */
export const FRAG_TICK_MARK = 0xfffffffe;
/** Bit of the caplen field that marks a frame reference (caplen itself is below MAX_RECORD_LEN). */
export const REF_FLAG = 0x80000000;
/** Size of a frame reference entry. */
export const REF_BYTES = 56;
export const OFF_REF_SLOT = 48;
export const OFF_REF_OFFSET = 52;

/**
 * Bytes of one packet batch: 4 MiB. Each batch costs a message each way (the batch, and the
 * worker's reply), and on a busy 2-core machine a message round trip showed at 0.3 to 0.6 s of
 * a worker's CPU per 512 MiB with 1 MiB batches; 4 MiB cuts that by four. N workers x
 * MAX_BATCHES_IN_FLIGHT_PER_WORKER batches in flight is then 16 MiB per worker.
 */
export const BATCH_BYTES = 4 << 20;
/**
 * Records per message of the final flush (every connection still open at the end): sent in
 * parts so that the main thread feeds one part while the worker serialises the next.
 */
export const FINAL_PART_RECORDS = 8192;

/** Record kinds in a record batch. */
export const enum RecordKind {
  Conn = 0,
  Dns = 1,
  Http = 2,
  Ssl = 3,
}
export type AnyRecord = ConnRecord | DnsRecord | HttpRecord | SslRecord;

/** Records of one kind-tagged batch, in the order they were emitted. */
export interface RecordBatch {
  kinds: number[];
  recs: AnyRecord[];
}

/** Anomaly counts and samples, as plain data. */
export interface AnomalyDump {
  counts: [string, number][];
  samples: { code: string; message: string; file?: string; offset?: number; line?: number }[];
}

/** A KonsekiError as plain data (structured clone keeps neither its class nor its fields). */
export interface ErrorDump {
  code: string;
  message: string;
  file?: string;
  offset?: number;
  line?: number;
}

/** Per-file decode accounting a worker reports at the end of each capture. */
export interface DecodeCounts {
  ip: number;
  nonIp: number;
  anomalies: number;
  fragments: number;
  nonIpByEthertype: [number, number][];
  nonIpOther: number;
}

/** What one worker did with a file read split (`shard-zeek-file` with `split`). */
export interface SplitReport {
  /** TSV data lines it parsed, and left to the others. */
  kept: number;
  refused: number;
  /** Records of parsed lines that belonged to another shard (0 unless the line key is wrong). */
  mismatch: number;
  /** Records of its parsed lines by kind (the lines read by every worker are counted in byKind). */
  own: [number, number, number, number];
}

// ---- main -> worker ----
export type ToWorker =
  /**
   * A packet batch: in shared slot `slot` (of the worker's 'batch-slots'), or, when every slot
   * is in flight or the batch is larger than a slot, in `buf` (a transferred ArrayBuffer).
   */
  | { type: 'packets'; seq: number; fileIndex: number; fileName: string; slot: number; buf: ArrayBuffer | null; used: number }
  /** The worker's shared batch slots (BATCH_BYTES each), sent once before its first batch. */
  | { type: 'batch-slots'; bufs: SharedArrayBuffer[] }
  /** The shared chunk slots frame references point into (the same for every worker), sent once. */
  | { type: 'chunk-slots'; bufs: SharedArrayBuffer[] }
  | { type: 'end-file'; fileIndex: number }
  | { type: 'finish'; lastFileName: string; clock: number }
  | { type: 'zeek-file'; fileNo: number; file: string; source: number; maxBadLinesInARow?: number; maxBadShare?: number }
  /**
   * Sharded detection: every worker reads the file and keeps its own sources' records;
   * `report`: send the file's accounting. `split`: parse only this shard's TSV data lines
   * (ShardLineFilter), and every worker reports (the main thread checks and merges).
   * `forward`: send this file's conn records to the main thread (forwardConns).
   */
  | {
      type: 'shard-zeek-file';
      fileNo: number;
      file: string;
      source: number;
      report: boolean;
      split: boolean;
      forward: boolean;
      maxBadLinesInARow?: number;
      maxBadShare?: number;
    }
  /** Sharded detection: a port to every other worker (null for itself), for records of their sources. */
  | { type: 'peers'; ports: (MessagePort | null)[] }
  | { type: 'shard-aggregates' }
  | { type: 'shard-globals'; globals: GlobalAggregates }
  | { type: 'shard-finish'; keyHosts: CountList }
  | { type: 'close' };

// ---- worker -> main ----
export type FromWorker =
  /** `slot`: the shared batch slot the batch came in, free again (-1: none). */
  | { type: 'records'; seq: number; batch: RecordBatch; slot: number }
  | { type: 'file-counts'; fileIndex: number; counts: DecodeCounts }
  | { type: 'final-part'; batch: RecordBatch }
  | { type: 'finished'; batch: RecordBatch; flowStats: FlowTableStats; anomalies: AnomalyDump }
  | { type: 'zeek-part'; fileNo: number; batch: RecordBatch }
  | {
      type: 'zeek-done';
      fileNo: number;
      stats: Record<string, unknown>;
      truncated?: ErrorDump;
      abandoned?: ErrorDump;
      anomalies: AnomalyDump;
      /** Sharded mode: records of the file by kind [conn, dns, http, ssl] (the reader's sink counts them). */
      byKind?: [number, number, number, number];
      /** Split reading: this worker's share of the TSV data lines (see ShardLineFilter). */
      split?: SplitReport;
    }
  /** Sharded detection with a conn consumer in the main thread: this shard's conn records. */
  | { type: 'conns'; recs: ConnRecord[]; fileNo?: number }
  | { type: 'shard-aggregates'; aggregates: ShardAggregates }
  | { type: 'shard-keyhosts'; keyHosts: CountList }
  | { type: 'shard-findings'; findings: Finding[]; stats: DetectionStats; anomalies: AnomalyDump }
  | { type: 'error'; message: string };

/** Between workers (sharded detection): records of the receiver's sources, then an end mark. */
export type ToPeer = { type: 'peer-records'; batch: RecordBatch } | { type: 'peer-end' };
