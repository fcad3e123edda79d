/**
 * Live connection state in columns: one typed array per numeric field, indexed by a slot
 * number (a connection) or by an endpoint number (2 * slot + side, the two TCP endpoints of
 * the slot). Objects stay out of the columns: the app analyzers in one plain array (only with
 * an app layer), and the rare ones (a history past the shared-string cap, tunnel parent, burst
 * times, TCP out-of-order blocks and scaled-history counters) in maps by slot or endpoint,
 * which a slot bit says to clear when the slot is freed.
 *
 * Why: one object graph per connection (a session and two endpoint objects, about 800 bytes
 * of heap) made the garbage collector the largest single cost of the flow table, and the
 * heap about twice the live state. Numbers in typed arrays are outside the JS heap, are never
 * traced, and cost 4 or 8 bytes each: about 400 bytes per slot in all.
 *
 * Slots are handed out from a free list (most recently freed first, so the touched part of
 * the arrays stays near the live peak). The arrays double when full while small, then grow
 * once to the table's cap (FULL_SIZE_FROM). Freed slots keep stale numbers: Conn.init writes
 * every column of a slot when it is taken.
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
/** First capacity, in slots. */
const INITIAL_SLOTS = 1024;
/**
 * Past this capacity the arrays grow at once to the table's cap. A large typed array is
 * zero-filled memory from the system, which takes physical pages only when touched, so the
 * unused part costs address space, not RSS; growing by doubling would instead copy every
 * column and hold the old and the new copy at once (twice the live state at the peak).
 */
const FULL_SIZE_FROM = 65536;

function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growU32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
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

  // ---- per slot ----
  keys: Int32Array;
  hashes: Int32Array;
  /** Boolean state (connection.ts and tcp-session.ts BIT_* masks). */
  bits: Int32Array;
  lastSec: Uint32Array;
  lastUsec: Int32Array;
  startSec: Uint32Array;
  startUsec: Int32Array;
  /** Order of creation (the tie-break between equal start times when flushing). */
  serial: Float64Array;
  inactivityTimeout: Float64Array;
  heapDeadline: Float64Array;
  histSeen: Int32Array;
  origPkts: Float64Array;
  origIpBytes: Float64Array;
  respPkts: Float64Array;
  respIpBytes: Float64Array;
  reqLen: Float64Array;
  repLen: Float64Array;
  missedBytes: Float64Array;
  origPort: Int32Array;
  respPort: Int32Array;
  vlans: Int32Array;
  source: Int32Array;
  burstCount: Int32Array;
  burst0Sec: Uint32Array;
  burst0Usec: Int32Array;
  attemptAt: Float64Array;
  expireAt: Float64Array;
  deleteAt: Float64Array;
  /** History as a shared-string id (history-strings.ts), -1 when kept in `historyOverflow`. */
  histId: Int32Array;
  /** App analyzers, only when the table has an app layer (null otherwise). */
  app: (AppAnalyzer | null)[] | null;
  /**
   * Creates the analyzer of a connection whose creation was deferred (connection.ts,
   * BIT_APP_PENDING), from the view bound to it; set by the table that owns the columns.
   */
  appMaker: ((conn: Conn) => AppAnalyzer | null) | null = null;

  // ---- rare per-slot objects, by slot (the slot's BIT_EXTRAS says it has any) ----
  historyOverflow = new Map<number, string>();
  tunnelParent = new Map<number, string>();
  bursts = new Map<number, number[]>();

  // ---- per endpoint (2 * slot + side) ----
  epBits: Int32Array;
  epStates: Int32Array;
  startSeq: Int32Array;
  lastSeq: Int32Array;
  ackSeq: Int32Array;
  seqWraps: Int32Array;
  ackWraps: Int32Array;
  nBlocks: Int32Array;
  blockBytes: Int32Array;
  finSeq: Float64Array;
  histLastSyn: Float64Array;
  histLastFin: Float64Array;
  histLastRst: Float64Array;
  lastReassem: Float64Array;
  trimSeq: Float64Array;
  maxUpper: Float64Array;
  // ---- rare per-endpoint objects, by endpoint index (the slot's BIT_EXTRAS says it has any) ----
  blocks = new Map<number, Block[]>();
  scaledCounts = new Map<number, ScaledCounts>();

  constructor(maxSlots: number, withApp: boolean) {
    this.maxSlots = maxSlots;
    this.app = withApp ? [] : null;
    const n = Math.min(INITIAL_SLOTS, maxSlots);
    this.capacity = n;
    this.freeList = new Int32Array(n);
    this.keys = new Int32Array(n * KEY_WORDS);
    this.hashes = new Int32Array(n);
    this.bits = new Int32Array(n);
    this.lastSec = new Uint32Array(n);
    this.lastUsec = new Int32Array(n);
    this.startSec = new Uint32Array(n);
    this.startUsec = new Int32Array(n);
    this.serial = new Float64Array(n);
    this.inactivityTimeout = new Float64Array(n);
    this.heapDeadline = new Float64Array(n);
    this.histSeen = new Int32Array(n);
    this.origPkts = new Float64Array(n);
    this.origIpBytes = new Float64Array(n);
    this.respPkts = new Float64Array(n);
    this.respIpBytes = new Float64Array(n);
    this.reqLen = new Float64Array(n);
    this.repLen = new Float64Array(n);
    this.missedBytes = new Float64Array(n);
    this.origPort = new Int32Array(n);
    this.respPort = new Int32Array(n);
    this.vlans = new Int32Array(n);
    this.source = new Int32Array(n);
    this.burstCount = new Int32Array(n);
    this.burst0Sec = new Uint32Array(n);
    this.burst0Usec = new Int32Array(n);
    this.attemptAt = new Float64Array(n);
    this.expireAt = new Float64Array(n);
    this.deleteAt = new Float64Array(n);
    this.histId = new Int32Array(n);
    const e = 2 * n;
    this.epBits = new Int32Array(e);
    this.epStates = new Int32Array(e);
    this.startSeq = new Int32Array(e);
    this.lastSeq = new Int32Array(e);
    this.ackSeq = new Int32Array(e);
    this.seqWraps = new Int32Array(e);
    this.ackWraps = new Int32Array(e);
    this.nBlocks = new Int32Array(e);
    this.blockBytes = new Int32Array(e);
    this.finSeq = new Float64Array(e);
    this.histLastSyn = new Float64Array(e);
    this.histLastFin = new Float64Array(e);
    this.histLastRst = new Float64Array(e);
    this.lastReassem = new Float64Array(e);
    this.trimSeq = new Float64Array(e);
    this.maxUpper = new Float64Array(e);
  }

  /**
   * Takes a free slot (the caller then writes every column through `init`).
   * @returns the slot, or -1 when all `maxSlots` slots are in use
   */
  alloc(): number {
    if (this.nFree > 0) return this.freeList[--this.nFree];
    if (this.top >= this.capacity) {
      if (this.capacity >= this.maxSlots) return -1;
      this.grow(this.capacity >= FULL_SIZE_FROM ? this.maxSlots : Math.min(this.maxSlots, this.capacity * 2));
    }
    if (this.app !== null) this.app.push(null);
    return this.top++;
  }

  /** Gives a slot back, dropping what its object fields hold. */
  free(s: number): void {
    if (this.app !== null) this.app[s] = null;
    if ((this.bits[s] & BIT_EXTRAS) !== 0) {
      this.historyOverflow.delete(s);
      this.tunnelParent.delete(s);
      this.bursts.delete(s);
      this.blocks.delete(2 * s);
      this.blocks.delete(2 * s + 1);
      this.scaledCounts.delete(2 * s);
      this.scaledCounts.delete(2 * s + 1);
    }
    // NaN matches no heap entry: entries left for this slot are recognised as stale.
    this.heapDeadline[s] = NaN;
    this.freeList[this.nFree++] = s;
  }

  /** Notes that slot `s` holds a rare object in one of the maps (freed with the slot). */
  markExtras(s: number): void {
    this.bits[s] |= BIT_EXTRAS;
  }

  private grow(n: number): void {
    this.capacity = n;
    this.freeList = growI32(this.freeList, n);
    this.keys = growI32(this.keys, n * KEY_WORDS);
    this.hashes = growI32(this.hashes, n);
    this.bits = growI32(this.bits, n);
    this.lastSec = growU32(this.lastSec, n);
    this.lastUsec = growI32(this.lastUsec, n);
    this.startSec = growU32(this.startSec, n);
    this.startUsec = growI32(this.startUsec, n);
    this.serial = growF64(this.serial, n);
    this.inactivityTimeout = growF64(this.inactivityTimeout, n);
    this.heapDeadline = growF64(this.heapDeadline, n);
    this.histSeen = growI32(this.histSeen, n);
    this.origPkts = growF64(this.origPkts, n);
    this.origIpBytes = growF64(this.origIpBytes, n);
    this.respPkts = growF64(this.respPkts, n);
    this.respIpBytes = growF64(this.respIpBytes, n);
    this.reqLen = growF64(this.reqLen, n);
    this.repLen = growF64(this.repLen, n);
    this.missedBytes = growF64(this.missedBytes, n);
    this.origPort = growI32(this.origPort, n);
    this.respPort = growI32(this.respPort, n);
    this.vlans = growI32(this.vlans, n);
    this.source = growI32(this.source, n);
    this.burstCount = growI32(this.burstCount, n);
    this.burst0Sec = growU32(this.burst0Sec, n);
    this.burst0Usec = growI32(this.burst0Usec, n);
    this.attemptAt = growF64(this.attemptAt, n);
    this.expireAt = growF64(this.expireAt, n);
    this.deleteAt = growF64(this.deleteAt, n);
    this.histId = growI32(this.histId, n);
    const e = 2 * n;
    this.epBits = growI32(this.epBits, e);
    this.epStates = growI32(this.epStates, e);
    this.startSeq = growI32(this.startSeq, e);
    this.lastSeq = growI32(this.lastSeq, e);
    this.ackSeq = growI32(this.ackSeq, e);
    this.seqWraps = growI32(this.seqWraps, e);
    this.ackWraps = growI32(this.ackWraps, e);
    this.nBlocks = growI32(this.nBlocks, e);
    this.blockBytes = growI32(this.blockBytes, e);
    this.finSeq = growF64(this.finSeq, e);
    this.histLastSyn = growF64(this.histLastSyn, e);
    this.histLastFin = growF64(this.histLastFin, e);
    this.histLastRst = growF64(this.histLastRst, e);
    this.lastReassem = growF64(this.lastReassem, e);
    this.trimSeq = growF64(this.trimSeq, e);
    this.maxUpper = growF64(this.maxUpper, e);
  }

  /** Resets the TCP endpoint columns of slot `s` (side 0 starts as the originator). */
  initEndpoints(s: number, epOrigBit: number): void {
    for (let side = 0; side < 2; side++) {
      const e = 2 * s + side;
      this.epBits[e] = side === 0 ? epOrigBit : 0;
      this.epStates[e] = 0;
      this.startSeq[e] = 0;
      this.lastSeq[e] = 0;
      this.ackSeq[e] = 0;
      this.seqWraps[e] = 0;
      this.ackWraps[e] = 0;
      this.nBlocks[e] = 0;
      this.blockBytes[e] = 0;
      this.finSeq[e] = 0;
      this.histLastSyn[e] = 0;
      this.histLastFin[e] = 0;
      this.histLastRst[e] = 0;
      this.lastReassem[e] = 1;
      this.trimSeq[e] = 1;
      this.maxUpper[e] = 0;
    }
  }
}
