/**
 * The analysis worker (node:worker_threads entry point).
 *
 * Capture mode: decodes its shard of the packets (PacketDecoder), assembles flows (FlowTable
 * with the application layer) and sends back the records each packet batch produced.
 * Zeek mode: reads whole Zeek log files (readZeekFile) and streams their records back in
 * parts; a shared credit counter stops it (Atomics.wait) while MAX_PARTS_IN_FLIGHT parts
 * are waiting in the main thread, so memory stays bounded however far ahead it gets.
 * Sharded mode (sharded-analysis.ts): the worker also owns a DetectionEngine for its share of
 * the source addresses (src/detect/shard.ts). It decodes the frame batches of its shard;
 * capture records of other shards' sources go straight to their owner through a MessagePort,
 * one message per batch. Every Zeek file is read by every worker, each parsing only its own
 * sources' TSV lines (zeek-line-filter.ts); only accounting, aggregates and findings go to
 * the main thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { DetectConfig } from '../detect/config.js';
import type { GlobalAggregates } from '../detect/shard.js';
import type { ConnRecord } from '../core/records.js';
import { AnomalyCounter } from '../core/anomaly.js';
import { DecodeStatus, PacketMeta } from '../core/packet.js';
import type { RecordSink } from '../core/records.js';
import type { ZeekFileStats } from '../ingest/zeek/parser.js';
import { isKonsekiError } from '../core/errors.js';
import {
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
  FINAL_PART_RECORDS,
  RecordKind,
  FRAG_TICK_MARK,
  REF_BYTES,
  REF_FLAG,
  TICK_BYTES,
  TICK_MARK,
  type AnomalyDump,
  type DecodeCounts,
  type ErrorDump,
  type FromWorker,
  type RecordBatch,
  type ToPeer,
  type ToWorker,
} from './protocol.js';

export interface WorkerInit {
  /** What the worker will do: only that part of the code is loaded (faster start). */
  mode: 'capture' | 'zeek' | 'sharded';
  /** Slot of this worker in the credit array. */
  index: number;
  /** Int32 per worker: Zeek record parts sent and not yet consumed by the main thread. */
  credits: SharedArrayBuffer;
  /** Most Zeek record parts in flight per worker. */
  maxPartsInFlight: number;
  /** Records per Zeek part. */
  partRecords: number;
  /** Sharded mode: number of shards (workers), the detection settings, captures to come. */
  shards?: number;
  detect?: DetectConfig;
  captures?: boolean;
  /** Sharded mode: send this shard's conn records to the main thread (it has a conn consumer). */
  forwardConns?: boolean;
  /** With forwardConns: also those of captures (default true; false when a run is read again). */
  captureConns?: boolean;
}

const port = parentPort;
if (!port) throw new Error('analysis-worker.js must run as a worker thread');
const init = workerData as WorkerInit;
const credits = new Int32Array(init.credits);

// Load only the stages this worker runs: a Zeek worker never needs the packet decoder.
const cap$ = init.mode === 'capture' || (init.mode === 'sharded' && init.captures === true)
  ? {
      ...(await import('../app/index.js')),
      ...(await import('../flow/flow-table.js')),
      ...(await import('../ingest/decode/packet-decoder.js')),
    }
  : null;
const zeek$ = init.mode === 'zeek' || init.mode === 'sharded'
  ? { ...(await import('../ingest/zeek/reader.js')), ...(await import('./zeek-line-filter.js')) }
  : null;
const det$ = init.mode === 'sharded'
  ? { ...(await import('../detect/engine.js')), ...(await import('../detect/shard.js')), ...(await import('../detect/config.js')), ...(await import('./shard.js')), ...(await import('../detect/cidr.js')) }
  : null;

function send(m: FromWorker, transfer?: ArrayBuffer[]): void {
  port!.postMessage(m, transfer ?? []);
}

function dumpAnomalies(a: AnomalyCounter): AnomalyDump {
  return { counts: [...a.counts], samples: a.samples.map((s) => ({ ...s })) };
}

function dumpError(e: unknown): ErrorDump | undefined {
  if (e === undefined || e === null) return undefined;
  if (isKonsekiError(e)) return { code: e.code, message: e.message, file: e.file, offset: e.offset, line: e.line };
  return { code: 'ERR_IO', message: (e as Error).message ?? String(e) };
}

function newBatch(): RecordBatch {
  return { kinds: [], recs: [] };
}

// ---------------------------------------------------------------- capture mode

let cap: {
  anomalies: AnomalyCounter;
  decoder: import('../ingest/decode/packet-decoder.js').PacketDecoder;
  table: import('../flow/flow-table.js').FlowTable;
  meta: PacketMeta;
  out: RecordBatch;
  perFile: Map<number, DecodeCounts & { byEt: Map<number, number> }>;
} | null = null;

/** Distinct non-IP ethertypes counted per file (as capture-reader.ts MAX_NON_IP_KEYS). */
const MAX_NON_IP_KEYS = 1024;

function captureState(): NonNullable<typeof cap> {
  if (cap) return cap;
  const anomalies = new AnomalyCounter();
  const out = newBatch();
  const sink: RecordSink = det
    ? det.route
    : {
        conn: (r) => void (out.kinds.push(RecordKind.Conn), out.recs.push(r)),
        dns: (r) => void (out.kinds.push(RecordKind.Dns), out.recs.push(r)),
        http: (r) => void (out.kinds.push(RecordKind.Http), out.recs.push(r)),
        ssl: (r) => void (out.kinds.push(RecordKind.Ssl), out.recs.push(r)),
      };
  if (!cap$) throw new Error('capture work sent to a Zeek worker');
  cap = {
    anomalies,
    decoder: new cap$.PacketDecoder(anomalies),
    table: new cap$.FlowTable({ emit: (c) => sink.conn(c), appFactory: cap$.createAppAnalyzerFactory(sink, anomalies), anomalies }),
    meta: new PacketMeta(),
    out,
    perFile: new Map(),
  };
  return cap;
}

function takeBatch(s: NonNullable<typeof cap>): RecordBatch {
  const b: RecordBatch = { kinds: s.out.kinds, recs: s.out.recs };
  s.out.kinds = [];
  s.out.recs = [];
  return b;
}

/** Shared batch slots from the main thread ('batch-slots'). */
let batchSlots: SharedArrayBuffer[] = [];
/** Views of the shared chunk slots frame references point into ('chunk-slots'). */
let chunkViews: Buffer[] = [];

function onPackets(seq: number, fileIndex: number, fileName: string, slot: number, given: ArrayBuffer | null, used: number): void {
  const ab: ArrayBuffer | SharedArrayBuffer = given ?? batchSlots[slot];
  const s = captureState();
  let counts = s.perFile.get(fileIndex);
  if (!counts) {
    counts = { ip: 0, nonIp: 0, anomalies: 0, fragments: 0, nonIpByEthertype: [], nonIpOther: 0, byEt: new Map() };
    s.perFile.set(fileIndex, counts);
  }
  const buf = Buffer.from(ab, 0, used);
  const dv = new DataView(ab, 0, used);
  const meta = s.meta;
  const decoder = s.decoder;
  const table = s.table;
  let off = 0;
  while (off + TICK_BYTES <= used) {
    let caplen = dv.getUint32(off + OFF_CAPLEN, true);
    const clock = dv.getFloat64(off + OFF_CLOCK, true);
    if (caplen === TICK_MARK) {
      table.advanceTime(clock);
      off += TICK_BYTES;
      continue;
    }
    if (caplen === FRAG_TICK_MARK) {
      decoder.expireFragments(clock, fileName, dv.getFloat64(off + OFF_TS_SEC, true));
      off += TICK_BYTES;
      continue;
    }
    // A frame reference: the frame lies in a shared chunk slot, not in the batch.
    const ref = caplen >= REF_FLAG;
    if (ref) {
      caplen -= REF_FLAG;
      meta.buf = chunkViews[dv.getUint32(off + OFF_REF_SLOT, true)];
      meta.frameOff = dv.getUint32(off + OFF_REF_OFFSET, true);
    } else {
      meta.buf = buf;
      meta.frameOff = off + PKT_HDR;
    }
    meta.tsSec = dv.getFloat64(off + OFF_TS_SEC, true);
    meta.tsNsec = dv.getUint32(off + OFF_TS_NSEC, true);
    meta.caplen = caplen;
    meta.wirelen = dv.getUint32(off + OFF_WIRELEN, true);
    meta.linktype = dv.getUint32(off + OFF_LINKTYPE, true);
    meta.ifIndex = dv.getUint32(off + OFF_IFINDEX, true);
    meta.packetNo = dv.getUint32(off + OFF_PACKETNO, true);
    meta.fileOffset = dv.getFloat64(off + OFF_FILEOFFSET, true);
    meta.fileIndex = fileIndex;
    const st = decoder.decode(meta, fileName);
    switch (st) {
      case DecodeStatus.Ip:
        counts.ip++;
        // Fire the timers the packets of the other shards would have fired in one table.
        table.advanceTime(clock);
        table.addPacket(meta);
        break;
      case DecodeStatus.NonIp: {
        counts.nonIp++;
        const n = counts.byEt.get(meta.ethertype);
        if (n !== undefined) counts.byEt.set(meta.ethertype, n + 1);
        else if (counts.byEt.size < MAX_NON_IP_KEYS) counts.byEt.set(meta.ethertype, 1);
        else counts.nonIpOther++;
        break;
      }
      case DecodeStatus.Fragment:
        counts.fragments++;
        break;
      default:
        counts.anomalies++;
        break;
    }
    off += ref ? REF_BYTES : (PKT_HDR + caplen + 7) & ~7;
  }
  if (det) flushRouted();
  // Nothing decoded keeps a view of the batch (the single-threaded reader reuses its chunks
  // too, ChunkPool), so the slot is free for the main thread's next batch.
  send({ type: 'records', seq, batch: takeBatch(s), slot });
}

function onEndFile(fileIndex: number): void {
  const s = captureState();
  const c = s.perFile.get(fileIndex) ?? { ip: 0, nonIp: 0, anomalies: 0, fragments: 0, nonIpByEthertype: [], nonIpOther: 0, byEt: new Map<number, number>() };
  s.perFile.delete(fileIndex);
  const counts: DecodeCounts = { ip: c.ip, nonIp: c.nonIp, anomalies: c.anomalies, fragments: c.fragments, nonIpByEthertype: [...c.byEt], nonIpOther: c.nonIpOther };
  send({ type: 'file-counts', fileIndex, counts });
}

function onFinish(lastFileName: string, clock: number): void {
  const s = captureState();
  s.decoder.flush(lastFileName);
  // The packets of the other shards after this shard's last one move time on too.
  s.table.advanceTime(clock);
  s.table.flush();
  if (det) {
    // Every record of this shard's flows is out: the peers may finish once all have said so.
    flushRouted();
    for (const p of det.peers) p?.postMessage({ type: 'peer-end' } satisfies ToPeer);
    det.chain = det.chain.then(() => det!.peersDone);
  }
  const all = takeBatch(s);
  for (let i = 0; i < all.recs.length; i += FINAL_PART_RECORDS) {
    send({ type: 'final-part', batch: { kinds: all.kinds.slice(i, i + FINAL_PART_RECORDS), recs: all.recs.slice(i, i + FINAL_PART_RECORDS) } });
  }
  send({ type: 'finished', batch: newBatch(), flowStats: { ...s.table.stats }, anomalies: dumpAnomalies(s.anomalies) });
}

// ---------------------------------------------------------------- Zeek mode

/** Waits until the main thread has room for one more part, then takes the slot. */
function takeCredit(): void {
  const i = init.index;
  for (;;) {
    const v = Atomics.load(credits, i);
    if (v < init.maxPartsInFlight) break;
    Atomics.wait(credits, i, v);
  }
  Atomics.add(credits, i, 1);
}

async function onZeekFile(m: Extract<ToWorker, { type: 'zeek-file' }>): Promise<void> {
  const anomalies = new AnomalyCounter();
  let part = newBatch();
  const flush = (): void => {
    if (part.recs.length === 0) return;
    takeCredit();
    send({ type: 'zeek-part', fileNo: m.fileNo, batch: part });
    part = newBatch();
  };
  const limit = init.partRecords;
  const sink: RecordSink = {
    conn: (r) => void (part.kinds.push(RecordKind.Conn), part.recs.push(r), part.recs.length >= limit && flush()),
    dns: (r) => void (part.kinds.push(RecordKind.Dns), part.recs.push(r), part.recs.length >= limit && flush()),
    http: (r) => void (part.kinds.push(RecordKind.Http), part.recs.push(r), part.recs.length >= limit && flush()),
    ssl: (r) => void (part.kinds.push(RecordKind.Ssl), part.recs.push(r), part.recs.length >= limit && flush()),
  };
  const st = await readZeekFileFor(m, sink, anomalies);
  flush();
  sendZeekDone(m.fileNo, st, anomalies);
}

/** Reads one Zeek file of a `zeek-file` or `shard-zeek-file` message with its options. */
function readZeekFileFor(
  m: Extract<ToWorker, { type: 'zeek-file' | 'shard-zeek-file' }>,
  sink: RecordSink,
  anomalies: AnomalyCounter,
  lineFilter?: import('./zeek-line-filter.js').ShardLineFilter,
): Promise<ZeekFileStats> {
  if (!zeek$) throw new Error('Zeek work sent to a capture worker');
  return zeek$.readZeekFile(m.file, sink, {
    anomalies,
    sourceIndexOf: () => m.source,
    maxBadLinesInARow: m.maxBadLinesInARow,
    maxBadShare: m.maxBadShare,
    lineFilter,
  });
}

/** The file's accounting for the main thread (errors and anomalies as plain data). */
function sendZeekDone(fileNo: number, st: ZeekFileStats, anomalies: AnomalyCounter, byKind?: [number, number, number, number]): void {
  const { truncated, abandoned, ...plain } = st;
  send({
    type: 'zeek-done',
    fileNo,
    stats: plain as unknown as Record<string, unknown>,
    truncated: dumpError(truncated),
    abandoned: dumpError(abandoned),
    anomalies: dumpAnomalies(anomalies),
    byKind,
  });
}

// ---------------------------------------------------------------- sharded detection

/** Feeds a record batch into a sink. */
function feed(b: RecordBatch, sink: RecordSink): void {
  const { kinds, recs } = b;
  for (let i = 0; i < recs.length; i++) {
    const k = kinds[i];
    if (k === RecordKind.Conn) sink.conn(recs[i] as never);
    else if (k === RecordKind.Dns) sink.dns(recs[i] as never);
    else if (k === RecordKind.Http) sink.http(recs[i] as never);
    else sink.ssl(recs[i] as never);
  }
}

interface ShardState {
  engine: import('../detect/engine.js').DetectionEngine;
  anomalies: AnomalyCounter;
  n: number;
  self: number;
  /** Records for each other shard, sent at the end of each packet batch. */
  outbox: RecordBatch[];
  /** Conn records for the main thread (forwardConns only). */
  conns: ConnRecord[];
  peers: (MessagePort | null)[];
  isInternal: (ip: string) => boolean;
  /** The same test on IPv4 values (internalV4Ranges). */
  internalV4: import('./shard.js').InternalV4;
  /** Conn records go to the main thread now (forwardConns, per input). */
  forwarding: boolean;
  /** The Zeek file being read (tags forwarded conn records), or undefined. */
  fileNo: number | undefined;
  peerEnds: number;
  peersDone: Promise<void>;
  endPeers: () => void;
  /** Capture records: own sources into the engine, the others into their shard's outbox. */
  route: RecordSink;
  /** Records of this shard's sources (from a peer): into the engine (conn records also to the main thread). */
  own: RecordSink;
  /** Zeek records: own sources into the engine, the others dropped (their shard reads them too). */
  keep: RecordSink;
  /** Work in order: capture end, Zeek files, then the merge steps. */
  chain: Promise<void>;
  globals: GlobalAggregates | null;
}

function shardState(): ShardState | null {
  if (!det$) return null;
  const n = init.shards ?? 1;
  const self = init.index;
  const anomalies = new AnomalyCounter();
  const engine = new det$.DetectionEngine(init.detect ?? {}, anomalies);
  const internal = det$.normalizeDetectConfig(init.detect ?? {}).internal;
  const isInternal = (ip: string): boolean => internal.has(ip);
  const shardOf = det$.shardOfAddress;
  const keyOf = det$.detectionShardKey;
  const forward = init.forwardConns === true;
  const outbox: RecordBatch[] = Array.from({ length: n }, () => newBatch());
  const conns: ConnRecord[] = [];
  const toEngine = (r: ConnRecord): void => {
    if (st.forwarding) {
      conns.push(r);
      if (conns.length >= init.partRecords) flushConns();
    }
    engine.conn(r);
  };
  const put = (k: number, kind: RecordKind, r: import('./protocol.js').AnyRecord): void => {
    const b = outbox[k];
    b.kinds.push(kind);
    b.recs.push(r);
  };
  let endPeers = (): void => {};
  const peersDone = new Promise<void>((resolve) => (endPeers = resolve));
  const st: ShardState = {
    engine,
    anomalies,
    n,
    self,
    outbox,
    conns,
    peers: [],
    isInternal,
    internalV4: det$.internalV4Ranges(init.detect?.internalNetworks ?? det$.DEFAULT_INTERNAL_NETWORKS),
    forwarding: forward && init.captureConns !== false,
    fileNo: undefined,
    peerEnds: 0,
    peersDone,
    endPeers,
    route: {
      conn: (r) => {
        const k = shardOf(keyOf(r, isInternal), n);
        if (k === self) toEngine(r);
        else put(k, RecordKind.Conn, r);
      },
      dns: (r) => {
        const k = shardOf(r.origH, n);
        if (k === self) engine.dns(r);
        else put(k, RecordKind.Dns, r);
      },
      http: (r) => {
        const k = shardOf(r.origH, n);
        if (k === self) engine.http(r);
        else put(k, RecordKind.Http, r);
      },
      ssl: (r) => {
        const k = shardOf(r.origH, n);
        if (k === self) engine.ssl(r);
        else put(k, RecordKind.Ssl, r);
      },
    },
    own: { conn: toEngine, dns: (r) => engine.dns(r), http: (r) => engine.http(r), ssl: (r) => engine.ssl(r) },
    keep: {
      conn: (r) => void (shardOf(keyOf(r, isInternal), n) === self && toEngine(r)),
      dns: (r) => void (shardOf(r.origH, n) === self && engine.dns(r)),
      http: (r) => void (shardOf(r.origH, n) === self && engine.http(r)),
      ssl: (r) => void (shardOf(r.origH, n) === self && engine.ssl(r)),
    },
    chain: Promise.resolve(),
    globals: null,
  };
  return st;
}

const det = shardState();

/** Sends the records routed to other shards (one message per peer with records). */
function flushRouted(): void {
  const s = det!;
  for (let k = 0; k < s.n; k++) {
    const b = s.outbox[k];
    if (b.recs.length === 0) continue;
    s.peers[k]!.postMessage({ type: 'peer-records', batch: b } satisfies ToPeer);
    s.outbox[k] = newBatch();
  }
}

function flushConns(): void {
  const s = det!;
  if (s.conns.length === 0) return;
  send({ type: 'conns', recs: s.conns.splice(0), fileNo: s.fileNo });
}

function onPeers(ports: (MessagePort | null)[]): void {
  const s = det!;
  s.peers = ports;
  const others = ports.filter((p) => p !== null).length;
  if (others === 0) s.endPeers();
  for (const p of ports) {
    if (!p) continue;
    p.on('message', (m: ToPeer) => {
      try {
        if (m.type === 'peer-records') {
          feed(m.batch, s.own);
        } else if (++s.peerEnds === others) {
          s.endPeers();
        }
      } catch (e) {
        send({ type: 'error', message: (e as Error).stack ?? String(e) });
      }
    });
  }
}

async function onShardZeekFile(m: Extract<ToWorker, { type: 'shard-zeek-file' }>): Promise<void> {
  const s = det!;
  // Without split, every worker reads every line: only the reporting one sends the
  // accounting, so the reader's anomalies (identical in every worker) are counted once.
  const anomalies = new AnomalyCounter();
  if (!zeek$) throw new Error('Zeek work sent to a capture worker');
  const byKind: [number, number, number, number] = [0, 0, 0, 0];
  const keep = s.keep;
  s.forwarding = init.forwardConns === true && m.forward;
  s.fileNo = m.fileNo;
  if (!m.split) {
    const sink: RecordSink = m.report
      ? {
          conn: (r) => (byKind[0]++, keep.conn(r)),
          dns: (r) => (byKind[1]++, keep.dns(r)),
          http: (r) => (byKind[2]++, keep.http(r)),
          ssl: (r) => (byKind[3]++, keep.ssl(r)),
        }
      : keep;
    const st = await readZeekFileFor(m, sink, anomalies);
    flushFileConns();
    if (!m.report) return;
    sendZeekDone(m.fileNo, st, anomalies, byKind);
    return;
  }
  // Split: this worker parses only its own TSV data lines (the filter's key is the record's
  // shard key), and checks that each record it parsed is its own; lines every worker reads
  // (JSON logs) are kept by their record's key as above. Every worker reports.
  const d = det$!;
  const n = s.n;
  const self = s.self;
  const isInternal = s.isInternal;
  const filter = new zeek$.ShardLineFilter(self, n, isInternal, s.internalV4);
  const own: [number, number, number, number] = [0, 0, 0, 0];
  let mismatch = 0;
  const engine = s.engine;
  const toEngine = s.own.conn;
  const sink: RecordSink = {
    conn: (r) => {
      if (!filter.fromLine) return void (byKind[0]++, keep.conn(r));
      if (d.shardOfAddress(d.detectionShardKey(r, isInternal), n) !== self) return void mismatch++;
      own[0]++;
      toEngine(r);
    },
    dns: (r) => {
      if (!filter.fromLine) return void (byKind[1]++, keep.dns(r));
      if (d.shardOfAddress(r.origH, n) !== self) return void mismatch++;
      own[1]++;
      engine.dns(r);
    },
    http: (r) => {
      if (!filter.fromLine) return void (byKind[2]++, keep.http(r));
      if (d.shardOfAddress(r.origH, n) !== self) return void mismatch++;
      own[2]++;
      engine.http(r);
    },
    ssl: (r) => {
      if (!filter.fromLine) return void (byKind[3]++, keep.ssl(r));
      if (d.shardOfAddress(r.origH, n) !== self) return void mismatch++;
      own[3]++;
      engine.ssl(r);
    },
  };
  const st = await readZeekFileFor(m, sink, anomalies, filter);
  flushFileConns();
  const { truncated, abandoned, ...plain } = st;
  send({
    type: 'zeek-done',
    fileNo: m.fileNo,
    stats: plain as unknown as Record<string, unknown>,
    truncated: dumpError(truncated),
    abandoned: dumpError(abandoned),
    anomalies: dumpAnomalies(anomalies),
    byKind,
    split: { kept: filter.kept, refused: filter.refused, mismatch, own },
  });
}

/** The conn records of the file just read go out tagged with it (before its zeek-done). */
function flushFileConns(): void {
  const s = det!;
  if (s.forwarding) flushConns();
  s.forwarding = false;
  s.fileNo = undefined;
}

function onShardStep(m: Extract<ToWorker, { type: 'shard-aggregates' | 'shard-globals' | 'shard-finish' }>): void {
  const s = det!;
  const d = det$!;
  if (m.type === 'shard-aggregates') {
    flushConns();
    send({ type: 'shard-aggregates', aggregates: d.shardAggregates(s.engine) });
  } else if (m.type === 'shard-globals') {
    s.globals = m.globals;
    send({ type: 'shard-keyhosts', keyHosts: d.applyGlobals(s.engine, m.globals) });
  } else {
    const findings = d.finishShard(s.engine, s.globals!, m.keyHosts);
    send({ type: 'shard-findings', findings, stats: s.engine.stats(), anomalies: dumpAnomalies(s.anomalies) });
  }
}

/** Runs sharded work after everything before it (an error goes to the main thread). */
function inOrder(f: () => void | Promise<void>): void {
  const s = det!;
  s.chain = s.chain.then(f).catch((e) => send({ type: 'error', message: (e as Error).stack ?? String(e) }));
}

// ---------------------------------------------------------------- dispatch

let zeekChain: Promise<void> = Promise.resolve();

port.on('message', (m: ToWorker) => {
  try {
    switch (m.type) {
      case 'packets':
        onPackets(m.seq, m.fileIndex, m.fileName, m.slot, m.buf, m.used);
        break;
      case 'batch-slots':
        batchSlots = m.bufs;
        break;
      case 'chunk-slots':
        chunkViews = m.bufs.map((b) => Buffer.from(b));
        break;
      case 'end-file':
        onEndFile(m.fileIndex);
        break;
      case 'finish':
        onFinish(m.lastFileName, m.clock);
        break;
      case 'zeek-file':
        zeekChain = zeekChain.then(() => onZeekFile(m)).catch((e) => send({ type: 'error', message: (e as Error).stack ?? String(e) }));
        break;
      case 'peers':
        onPeers(m.ports);
        break;
      case 'shard-zeek-file':
        inOrder(() => onShardZeekFile(m));
        break;
      case 'shard-aggregates':
      case 'shard-globals':
      case 'shard-finish':
        inOrder(() => onShardStep(m));
        break;
      case 'close':
        port.close();
        break;
    }
  } catch (e) {
    send({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
});
