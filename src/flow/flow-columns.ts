/**
 * Live connection state in fixed-size records: one record of numbers per slot (a connection),
 * the two TCP endpoint records inside it, all in one ArrayBuffer read through typed-array
 * views at `slot * STRIDE + FIELD` (the SlotI / SlotF layouts below) and, for an endpoint
 * whose record starts at word `e`, `e + EpI field` or `(e >> 1) + EpF field`. Objects stay
 * out of the records: the app analyzers in one plain array (only with an app layer), the
 * burst times in another, and the rare ones (a history past the shared-string cap, tunnel
 * parent, TCP out-of-order blocks and scaled-history counters) in maps by slot or endpoint;
 * a slot bit says to clear them (burst times included) when the slot is freed.
 *
 * Why numbers outside objects: one object graph per connection (a session and two endpoint
 * objects, about 800 bytes of heap) made the garbage collector the largest single cost of the
 * flow table, and the heap about twice the live state. Numbers in typed arrays are outside
 * the JS heap, are never traced, and cost 4 or 8 bytes each: 400 bytes per slot.
 *
 * Why records rather than one array per field: packets arrive for tens of thousands of
 * connections in no order, so each packet's state is cold in the CPU cache. With one array per
 * field a TCP packet touched about 30 cache lines in 30 arrays (each a miss: lookup alone took
 * 0.7 us per packet on the 2 GB benchmark capture); in a record the fields a packet uses sit in
 * a few adjacent lines, and the first line (hash, bits, key, last time, history) is loaded by
 * the lookup itself. The endpoints sit in the same record, right after the per-packet
 * connection fields (the cold ones follow), so a TCP packet's state is one span of memory
 * (adjacent lines).
 *
 * Slots are handed out from a free list (most recently freed first, so the touched part of
 * the buffers stays near the live peak). The buffers double when full while small, then grow
 * once to the table's cap (FULL_SIZE_FROM). Freed slots keep stale numbers: Conn.init writes
 * every field of a slot when it is taken.
 */
import type { AppAnalyzer } from '../core/records.js';
import type { Conn } from './connection.js';

/** An out-of-order TCP block waiting for the hole below it: relative [seq, upper), bytes when kept. */
export interface Block {
  seq: number;
  upper: number;
  data: Buffer | null;
}

/**
 * Counters behind the scaled history letters of one endpoint (Session::ScaledHistoryEntry):
 * gaps (G), retransmissions (T), zero windows (W), each with the next count that logs a
 * letter. Most endpoints never need them, so they live apart from the columns.
 */
export class ScaledCounts {
  gapCnt = 0;
  gapThresh = 1;
  rxmtCnt = 0;
  rxmtThresh = 1;
  win0Cnt = 0;
  win0Thresh = 1;
}

/**
 * Slot bit (in `bits`, next to connection.ts's and tcp-session.ts's): the slot has an entry in
 * one of the maps of rare objects, to drop when it is freed.
 */
export const BIT_EXTRAS = 1 << 15;

/** Key words per slot: the canonical key (flow-table.ts buildKey) as ten 32-bit words. */
export const KEY_WORDS = 10;

/**
 * Slot record layout, as 32-bit words (views `si` signed, `su` unsigned). The first 64 bytes
 * hold what a packet's lookup and every packet read (hash, state bits, key, last packet time,
 * history), so a lookup that finds its slot has also loaded the line the rest starts with.
 */
export const enum SlotI {
  /** 32-bit words per slot (400 bytes; even, so the 64-bit view lines up). */
  STRIDE = 100,
  HASH = 0,
  /** Boolean state (connection.ts and tcp-session.ts BIT_* masks). */
  BITS = 1,
  /** KEY_WORDS words. */
  KEY = 2,
  LAST_SEC = 12,
  LAST_USEC = 13,
  HIST_SEEN = 14,
  /** History as a shared-string id (history-strings.ts), -1 when kept in `historyOverflow`. */
  HIST_ID = 15,
  // 64-bit counters (SlotF.ORIG_PKTS to REP_LEN) take words 16-27.
  BURST_COUNT = 28,
  BURST0_SEC = 29,
  BURST0_USEC = 30,
  /** Responder bursts so far (connection.ts respPayloadAt). */
  RESP_BURST_COUNT = 31,
  // Words 0-31 (128 bytes) hold everything a packet of a known connection reads or writes
  // outside TCP.
  /**
   * The two TCP endpoint records (EpI.STRIDE words each, words 32-79), side 0 then side 1,
   * right after the per-packet words: a TCP packet's state is one span of 320 bytes (five or
   * six cache lines) instead of two spans with the cold fields between them.
   */
  EP0 = 32,
  // The rest is read at creation, on timers and at emission. Timers and other 64-bit fields
  // (SlotF.INACTIVITY_TIMEOUT to SERIAL) take words 80-93.
  ORIG_PORT = 94,
  RESP_PORT = 95,
  VLANS = 96,
  START_SEC = 97,
  START_USEC = 98,
  /** Index of the input file of the first packet (read at emission only). */
  SOURCE = 99,
}

/** Slot record layout, as 64-bit words (view `sf`). */
export const enum SlotF {
  STRIDE = 50,
  ORIG_PKTS = 8,
  ORIG_IP_BYTES = 9,
  RESP_PKTS = 10,
  RESP_IP_BYTES = 11,
  REQ_LEN = 12,
  REP_LEN = 13,
  INACTIVITY_TIMEOUT = 40,
  HEAP_DEADLINE = 41,
  MISSED_BYTES = 42,
  ATTEMPT_AT = 43,
  EXPIRE_AT = 44,
  DELETE_AT = 45,
  /** Order of creation (the tie-break between equal start times when flushing). */
  SERIAL = 46,
}

/** TCP endpoint record layout, as 32-bit words from the endpoint's first word (view `si`). */
export const enum EpI {
  /** 32-bit words per endpoint (96 bytes); the two endpoints of a slot are adjacent. */
  STRIDE = 24,
  BITS = 0,
  /** `state` in bits 0-2 and `prevState` in bits 3-5. */
  STATES = 1,
  START_SEQ = 2,
  LAST_SEQ = 3,
  ACK_SEQ = 4,
  SEQ_WRAPS = 5,
  ACK_WRAPS = 6,
  N_BLOCKS = 7,
  BLOCK_BYTES = 8,
  // word 9 unused; 64-bit fields (EpF) take words 10-23.
}

/** TCP endpoint record layout, as 64-bit words from the endpoint's first word / 2 (view `sf`). */
export const enum EpF {
  STRIDE = 12,
  FIN_SEQ = 5,
  HIST_LAST_SYN = 6,
  HIST_LAST_FIN = 7,
  HIST_LAST_RST = 8,
  LAST_REASSEM = 9,
  TRIM_SEQ = 10,
  MAX_UPPER = 11,
}

/** The slot of the endpoint whose record starts at word `e`. */
export function slotOfEndpoint(e: number): number {
  return Math.floor(e / SlotI.STRIDE);
}

/** First capacity, in slots. */
const INITIAL_SLOTS = 1024;
/**
 * Past this capacity the arrays grow at once to the table's cap. A large typed array is
 * zero-filled memory from the system, which takes physical pages only when touched, so the
 * unused part costs address space, not RSS; growing by doubling would instead copy every
 * record and hold the old and the new copy at once (twice the live state at the peak).
 */
const FULL_SIZE_FROM = 65536;

export class FlowColumns {
  /** Slots the arrays hold now. */
  capacity: number;
  /** Most slots ever needed (the table's cap). */
  private readonly maxSlots: number;
  /** Slots never handed out start here. */
  private top = 0;
  /** Freed slots, most recent last. */
  private freeList: Int32Array;
  private nFree = 0;

  // ---- per slot: one record of SlotI.STRIDE words (endpoints included), three views ----
  si: Int32Array;
  su: Uint32Array;
  sf: Float64Array;
  /** App analyzers, only when the table has an app layer (null otherwise). */
  app: (AppAnalyzer | null)[] | null;
  /**
   * Creates the analyzer of a connection whose creation was deferred (connection.ts,
   * BIT_APP_PENDING), from the view bound to it; set by the table that owns the columns.
   */
  appMaker: ((conn: Conn) => AppAnalyzer | null) | null = null;
  /** AppAnalyzerFactory.respRuledOut of the table's factory, when it has one. */
  appRespRuledOut: ((buf: Buffer, off: number, len: number) => boolean) | null = null;

  /**
   * Originator burst start times by slot, from a connection's second burst on (null before):
   * an array indexed by slot rather than a map, as long-lived connections add a burst often.
   */
  burstTimes: (number[] | null)[] = [];

  // ---- rare per-slot objects, by slot (the slot's BIT_EXTRAS says it has any) ----
  historyOverflow = new Map<number, string>();
  tunnelParent = new Map<number, string>();

  // ---- rare per-endpoint objects, by the endpoint's first word (the slot's BIT_EXTRAS says it has any) ----
  blocks = new Map<number, Block[]>();
  scaledCounts = new Map<number, ScaledCounts>();

  constructor(maxSlots: number, withApp: boolean) {
    this.maxSlots = maxSlots;
    this.app = withApp ? [] : null;
    const n = Math.min(INITIAL_SLOTS, maxSlots);
    this.capacity = n;
    this.freeList = new Int32Array(n);
    const sb = new ArrayBuffer(n * SlotI.STRIDE * 4);
    this.si = new Int32Array(sb);
    this.su = new Uint32Array(sb);
    this.sf = new Float64Array(sb);
  }

  /**
   * Takes a free slot (the caller then writes every field through `init`).
   * @returns the slot, or -1 when all `maxSlots` slots are in use
   */
  alloc(): number {
    if (this.nFree > 0) return this.freeList[--this.nFree];
    if (this.top >= this.capacity) {
      if (this.capacity >= this.maxSlots) return -1;
      this.grow(this.capacity >= FULL_SIZE_FROM ? this.maxSlots : Math.min(this.maxSlots, this.capacity * 2));
    }
    if (this.app !== null) this.app.push(null);
    this.burstTimes.push(null);
    return this.top++;
  }

  /** Gives a slot back, dropping what its object fields hold. */
  free(s: number): void {
    if (this.app !== null) this.app[s] = null;
    if ((this.si[s * SlotI.STRIDE + SlotI.BITS] & BIT_EXTRAS) !== 0) {
      this.historyOverflow.delete(s);
      this.tunnelParent.delete(s);
      this.burstTimes[s] = null;
      const e = s * SlotI.STRIDE + SlotI.EP0;
      this.blocks.delete(e);
      this.blocks.delete(e + EpI.STRIDE);
      this.scaledCounts.delete(e);
      this.scaledCounts.delete(e + EpI.STRIDE);
    }
    // NaN matches no heap entry: entries left for this slot are recognised as stale.
    this.sf[s * SlotF.STRIDE + SlotF.HEAP_DEADLINE] = NaN;
    this.freeList[this.nFree++] = s;
  }

  /** Notes that slot `s` holds a rare object in one of the maps (freed with the slot). */
  markExtras(s: number): void {
    this.si[s * SlotI.STRIDE + SlotI.BITS] |= BIT_EXTRAS;
  }

  private grow(n: number): void {
    this.capacity = n;
    const fl = new Int32Array(n);
    fl.set(this.freeList);
    this.freeList = fl;
    const sb = new ArrayBuffer(n * SlotI.STRIDE * 4);
    const si = new Int32Array(sb);
    si.set(this.si);
    this.si = si;
    this.su = new Uint32Array(sb);
    this.sf = new Float64Array(sb);
  }

  /** Resets the TCP endpoint records of slot `s` (side 0 starts as the originator). */
  initEndpoints(s: number, epOrigBit: number): void {
    const si = this.si;
    const sf = this.sf;
    for (let side = 0; side < 2; side++) {
      const w = s * SlotI.STRIDE + SlotI.EP0 + side * EpI.STRIDE;
      si.fill(0, w, w + EpF.FIN_SEQ * 2);
      si[w + EpI.BITS] = side === 0 ? epOrigBit : 0;
      const f = w >> 1;
      sf[f + EpF.FIN_SEQ] = 0;
      sf[f + EpF.HIST_LAST_SYN] = 0;
      sf[f + EpF.HIST_LAST_FIN] = 0;
      sf[f + EpF.HIST_LAST_RST] = 0;
      sf[f + EpF.LAST_REASSEM] = 1;
      sf[f + EpF.TRIM_SEQ] = 1;
      sf[f + EpF.MAX_UPPER] = 0;
    }
  }
}
