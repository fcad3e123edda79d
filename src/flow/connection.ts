/**
 * The live state of one connection in the flow table (Zeek's `Connection` plus the
 * ConnSize analyzer's counters), read and written through a view over the table's columns.
 */
import { APP_ORIG_ONLY, type AppAnalyzer } from '../core/records.js';
import type { TcpSession } from './tcp-session.js';
import { appendHistory, historyId, historyText, nextHistoryId } from './history-strings.js';
import { BIT_EXTRAS, KEY_WORDS, SlotF, SlotI, type FlowColumns } from './flow-columns.js';

/** Transport kinds, as Zeek's `transport_proto`. */
export const enum Transport {
  Tcp = 0,
  Udp = 1,
  Icmp = 2,
  Unknown = 3,
}

/** Session-level history masks (Zeek's session/Session.h and UDP). */
export const HIST_ORIG_DATA_PKT = 0x1;
export const HIST_RESP_DATA_PKT = 0x2;

/**
 * State shared by every connection of one flow table: the time of the packet being processed
 * (read, never passed as an argument, so no number is boxed per call), settings, and the
 * anomaly hook. One object per table instead of fields on each connection.
 */
export class FlowContext {
  /** Packet time as Zeek computes it (seconds, microsecond precision). */
  ts = 0;
  /** The same time as whole seconds and microseconds. */
  sec = 0;
  usec = 0;
  /** Outcome of the TCP state machine for the packet being processed (TcpSession.process). */
  doClose = false;
  genEvent = false;
  constructor(
    /** TCP inactivity timeout once the handshake is over (Zeek's tcp_inactivity_timeout). */
    readonly tcpInactivityTimeout: number,
    /** Counts anomalies of the reassembly caps. */
    readonly onCap: (code: string) => void,
  ) {}
}

/**
 * Originator bursts (ConnRecord.origBursts): a quiet time of at least this many microseconds
 * in both directions before an originator payload packet starts a new burst. 1 s separates the
 * request/response exchanges of a beacon or heartbeat inside one long-lived connection (Merlin
 * over QUIC every 15 s, a RAT heartbeat every 10 s) while keeping one exchange one burst.
 * Responder bursts (ConnRecord.respBurstCount) use the same gap, seen from the responder.
 */
export const BURST_GAP_USEC = 1_000_000;
/** At most this many burst start times are kept per connection (a sample; the count goes on). */
export const MAX_ORIG_BURSTS = 256;

/** Conn.bits masks (TcpSession uses the bits from 1 << 8 on). */
export const BIT_ORIG_IS_A = 1 << 0;
export const BIT_SAME_SIDES = 1 << 1;
export const BIT_TIMER_ARMED = 1 << 2;
export const BIT_HISTORY_IS_H = 1 << 3;
const BIT_REMOVED = 1 << 4;
const BIT_APP_DONE = 1 << 5;
/**
 * The table has an app layer and this connection's analyzer is not created yet: it is made on
 * first use (payload, gap, out-of-order bytes, or end), so connections that never carry
 * payload hold no analyzer, id object or address strings while they live.
 */
export const BIT_APP_PENDING = 1 << 6;
/** The first TCP packet was not a SYN (the factory's `midstream`, kept for the deferred call). */
export const BIT_APP_MIDSTREAM = 1 << 7;
/**
 * The app analyzer wants originator bytes only (its payload() returned APP_ORIG_ONLY). Above
 * TcpSession's bits (8-14) and flow-columns' BIT_EXTRAS (15).
 */
const BIT_APP_ORIG_ONLY = 1 << 16;
/**
 * The analyzer is still pending and the responder's first payload ruled the responder out
 * (AppAnalyzerFactory.respRuledOut): its payload is skipped until the analyzer is made.
 */
export const BIT_APP_RESP_OUT = 1 << 17;

const keyScratch = new Uint8Array(40);

function putWord(out: Uint8Array, off: number, w: number): void {
  out[off] = w >>> 24;
  out[off + 1] = (w >>> 16) & 0xff;
  out[off + 2] = (w >>> 8) & 0xff;
  out[off + 3] = w & 0xff;
}

/**
 * A view of one connection's state in the table's columns (flow-columns.ts): `bind(slot)`
 * points it at a slot, and its properties read and write that slot's columns. A table uses
 * one view for every connection, so no object exists per connection; a view is only valid
 * until it is bound again.
 */
export class Conn {
  /** The slot this view reads. */
  i = 0;

  constructor(readonly c: FlowColumns) {}

  /** Points the view at slot `s`. */
  bind(s: number): this {
    this.i = s;
    return this;
  }

  /**
   * Writes every column of a newly taken slot: `key` is the canonical key (ten words, the
   * hash is its `hash`), the connection starts at (sec, usec).
   */
  init(
    key: Int32Array,
    hash: number,
    origIsA: boolean,
    sameSides: boolean,
    origPort: number,
    respPort: number,
    sec: number,
    usec: number,
    inactivityTimeout: number,
  ): void {
    const c = this.c;
    const s = this.i;
    const k = s * SlotI.STRIDE + SlotI.KEY;
    for (let j = 0; j < KEY_WORDS; j++) c.si[k + j] = key[j];
    c.si[s * SlotI.STRIDE + SlotI.HASH] = hash;
    c.si[s * SlotI.STRIDE + SlotI.BITS] = (origIsA ? BIT_ORIG_IS_A : 0) | (sameSides ? BIT_SAME_SIDES : 0);
    c.su[s * SlotI.STRIDE + SlotI.LAST_SEC] = sec;
    c.si[s * SlotI.STRIDE + SlotI.LAST_USEC] = usec;
    c.su[s * SlotI.STRIDE + SlotI.START_SEC] = sec;
    c.si[s * SlotI.STRIDE + SlotI.START_USEC] = usec;
    c.sf[s * SlotF.STRIDE + SlotF.INACTIVITY_TIMEOUT] = inactivityTimeout;
    c.sf[s * SlotF.STRIDE + SlotF.HEAP_DEADLINE] = Infinity;
    c.si[s * SlotI.STRIDE + SlotI.HIST_SEEN] = 0;
    c.sf[s * SlotF.STRIDE + SlotF.ORIG_PKTS] = 0;
    c.sf[s * SlotF.STRIDE + SlotF.ORIG_IP_BYTES] = 0;
    c.sf[s * SlotF.STRIDE + SlotF.RESP_PKTS] = 0;
    c.sf[s * SlotF.STRIDE + SlotF.RESP_IP_BYTES] = 0;
    c.sf[s * SlotF.STRIDE + SlotF.REQ_LEN] = -1;
    c.sf[s * SlotF.STRIDE + SlotF.REP_LEN] = -1;
    c.sf[s * SlotF.STRIDE + SlotF.MISSED_BYTES] = 0;
    c.si[s * SlotI.STRIDE + SlotI.ORIG_PORT] = origPort;
    c.si[s * SlotI.STRIDE + SlotI.RESP_PORT] = respPort;
    c.si[s * SlotI.STRIDE + SlotI.VLANS] = 0;
    c.si[s * SlotI.STRIDE + SlotI.SOURCE] = 0;
    c.si[s * SlotI.STRIDE + SlotI.BURST_COUNT] = 0;
    c.si[s * SlotI.STRIDE + SlotI.RESP_BURST_COUNT] = 0;
    c.sf[s * SlotF.STRIDE + SlotF.ATTEMPT_AT] = Infinity;
    c.sf[s * SlotF.STRIDE + SlotF.EXPIRE_AT] = Infinity;
    c.sf[s * SlotF.STRIDE + SlotF.DELETE_AT] = Infinity;
    c.si[s * SlotI.STRIDE + SlotI.HIST_ID] = 0;
    if (c.app !== null) c.app[s] = null;
  }

  /** Key word `j` (0-9) of this connection. */
  keyWord(j: number): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.KEY + j];
  }

  /** Boolean state packed in one small integer (the BIT_* masks; TcpSession adds its own). */
  get bits(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.BITS];
  }
  set bits(v: number) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] = v;
  }
  /** Time of the last packet as whole seconds and microseconds. */
  get lastSec(): number {
    return this.c.su[this.i * SlotI.STRIDE + SlotI.LAST_SEC];
  }
  set lastSec(v: number) {
    this.c.su[this.i * SlotI.STRIDE + SlotI.LAST_SEC] = v;
  }
  get lastUsec(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.LAST_USEC];
  }
  set lastUsec(v: number) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.LAST_USEC] = v;
  }
  get startSec(): number {
    return this.c.su[this.i * SlotI.STRIDE + SlotI.START_SEC];
  }
  get startUsec(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.START_USEC];
  }
  /** Inactivity timeout in seconds. */
  get inactivityTimeout(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.INACTIVITY_TIMEOUT];
  }
  set inactivityTimeout(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.INACTIVITY_TIMEOUT] = v;
  }
  /** Deadline of this connection's live entry in the timer heap (Infinity when none). */
  get heapDeadline(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.HEAP_DEADLINE];
  }
  set heapDeadline(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.HEAP_DEADLINE] = v;
  }
  get histSeen(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.HIST_SEEN];
  }
  set histSeen(v: number) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.HIST_SEEN] = v;
  }
  /** ConnSize counters: packets and IP-level bytes (IPv4 total length, IPv6 40 + payload length). */
  get origPkts(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.ORIG_PKTS];
  }
  set origPkts(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.ORIG_PKTS] = v;
  }
  get origIpBytes(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.ORIG_IP_BYTES];
  }
  set origIpBytes(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.ORIG_IP_BYTES] = v;
  }
  get respPkts(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.RESP_PKTS];
  }
  set respPkts(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.RESP_PKTS] = v;
  }
  get respIpBytes(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.RESP_IP_BYTES];
  }
  set respIpBytes(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.RESP_IP_BYTES] = v;
  }
  /** UDP/ICMP payload byte counts, -1 while the side is inactive (Zeek's request_len/reply_len). */
  get reqLen(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.REQ_LEN];
  }
  set reqLen(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.REQ_LEN] = v;
  }
  get repLen(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.REP_LEN];
  }
  set repLen(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.REP_LEN] = v;
  }
  /** The app analyzer; a pending one (BIT_APP_PENDING) is created by this first read. */
  get app(): AppAnalyzer | null {
    const a = this.c.app;
    if (a === null) return null;
    const x = a[this.i];
    if (x !== null || (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & BIT_APP_PENDING) === 0) return x;
    return this.makeApp(a);
  }

  /** Calls the table's deferred factory for the bound connection (see BIT_APP_PENDING). */
  private makeApp(a: (AppAnalyzer | null)[]): AppAnalyzer | null {
    this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] &= ~BIT_APP_PENDING;
    const maker = this.c.appMaker;
    const made = maker === null ? null : maker(this);
    a[this.i] = made;
    return made;
  }
  set app(v: AppAnalyzer | null) {
    const a = this.c.app;
    if (a !== null) {
      a[this.i] = v;
      // An analyzer set here replaces a pending one (the getter would return it already).
      if (v !== null) this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] &= ~BIT_APP_PENDING;
    }
    else if (v !== null) throw new Error('flow table: an app analyzer for a table built without an app layer');
  }
  /** The history letters (a shared string, history-strings.ts, or one kept apart past its cap). */
  get history(): string {
    const id = this.c.si[this.i * SlotI.STRIDE + SlotI.HIST_ID];
    return id >= 0 ? historyText(id) : this.c.historyOverflow.get(this.i)!;
  }
  set history(v: string) {
    const id = historyId(v);
    this.c.si[this.i * SlotI.STRIDE + SlotI.HIST_ID] = id;
    if (id < 0) {
      this.c.markExtras(this.i);
      this.c.historyOverflow.set(this.i, v);
    }
  }
  get missedBytes(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.MISSED_BYTES];
  }
  set missedBytes(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.MISSED_BYTES] = v;
  }
  get origPort(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.ORIG_PORT];
  }
  set origPort(v: number) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.ORIG_PORT] = v;
  }
  get respPort(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.RESP_PORT];
  }
  set respPort(v: number) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.RESP_PORT] = v;
  }
  /** Outer and inner VLAN ids + 1 (0: none), as outer * 8192 + inner (see setVlans). */
  get vlans(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.VLANS];
  }
  /** Uid of the tunnel the first packet came through, null when none. */
  get tunnelParent(): string | null {
    if (!this.hasBit(BIT_EXTRAS)) return null;
    return this.c.tunnelParent.get(this.i) ?? null;
  }
  set tunnelParent(v: string | null) {
    if (v === null) {
      this.c.tunnelParent.delete(this.i);
      return;
    }
    this.c.markExtras(this.i);
    this.c.tunnelParent.set(this.i, v);
  }
  /** Index of the input file of the first packet. */
  get source(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.SOURCE];
  }
  set source(v: number) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.SOURCE] = v;
  }
  /** Originator bursts so far (origPayloadAt). */
  get burstCount(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.BURST_COUNT];
  }
  /** Responder bursts so far (respPayloadAt). */
  get respBurstCount(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.RESP_BURST_COUNT];
  }
  /** Burst start times in seconds, once there are two (null before). */
  get bursts(): number[] | null {
    if (this.c.si[this.i * SlotI.STRIDE + SlotI.BURST_COUNT] < 2) return null;
    return this.c.burstTimes[this.i];
  }

  /** Whether this connection's state bit `mask` is set. */
  private hasBit(mask: number): boolean {
    return (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & mask) !== 0;
  }
  /** Sets or clears this connection's state bit `mask`. */
  private setBit(mask: number, v: boolean): void {
    const k = this.i * SlotI.STRIDE + SlotI.BITS;
    this.c.si[k] = v ? this.c.si[k] | mask : this.c.si[k] & ~mask;
  }

  /** Whether the originator is side A of the key (the first address/port pair); the addresses live only in the key words. */
  get origIsA(): boolean {
    return this.hasBit(BIT_ORIG_IS_A);
  }
  set origIsA(v: boolean) {
    this.setBit(BIT_ORIG_IS_A, v);
  }
  /** Both key sides are the same address and port: every packet is from the originator (Zeek). */
  get sameSides(): boolean {
    return this.hasBit(BIT_SAME_SIDES);
  }
  set sameSides(v: boolean) {
    this.setBit(BIT_SAME_SIDES, v);
  }
  /** A TCP timer was armed while processing the packet: the table re-arms the heap entry (otherwise deadlines only move later and the entry is left stale). */
  get timerArmed(): boolean {
    return this.hasBit(BIT_TIMER_ARMED);
  }
  set timerArmed(v: boolean) {
    this.setBit(BIT_TIMER_ARMED, v);
  }
  /** history === 'H' (a connection that began with a SYN-ACK), kept as a flag for the hot path. */
  get historyIsH(): boolean {
    return this.hasBit(BIT_HISTORY_IS_H);
  }
  set historyIsH(v: boolean) {
    this.setBit(BIT_HISTORY_IS_H, v);
  }
  /** Emitted and out of the table. */
  get removed(): boolean {
    return this.hasBit(BIT_REMOVED);
  }
  set removed(v: boolean) {
    this.setBit(BIT_REMOVED, v);
  }

  /** Transport kind, from the IP protocol in the key (as the flow table chose it). */
  get transport(): Transport {
    const p = this.keyWord(0) >>> 24;
    return p === 6 ? Transport.Tcp : p === 17 ? Transport.Udp : p === 1 || p === 58 ? Transport.Icmp : Transport.Unknown;
  }

  /**
   * The app analyzer said it wants no more payload (its payload() returned false: detection
   * and parsing over, entropy sample complete). From then on the table stops handing it bytes
   * and gaps and keeps no out-of-order copies for it; end() is still called.
   */
  get appDone(): boolean {
    return this.hasBit(BIT_APP_DONE);
  }
  set appDone(v: boolean) {
    this.setBit(BIT_APP_DONE, v);
  }

  /**
   * Hands datagram or stream bytes to the app analyzer unless it is done (or wants only the
   * originator's and these are the responder's); notes when it says it wants no more (false)
   * or only the originator's (APP_ORIG_ONLY). The AppAnalyzer type says void.
   */
  appPayload(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    const apps = this.c.app;
    if (apps === null) return;
    // The slot's bits first: the table has just read them (in cache), while the analyzer array
    // element and the analyzer are most often cache misses. A done analyzer (bulk data past its
    // sample) or a responder segment for an originator-only one needs neither. This gate is
    // kept small so that the compiler inlines it into the callers (the TCP delivery, the UDP
    // and ICMP cases of the flow table): on the 2 GB benchmark capture 1.8 M of 2.1 M calls
    // end here, and the rest (appHandOff, which inlines the analyzer's payload()) is a call.
    const bits = this.c.si[this.i * SlotI.STRIDE + SlotI.BITS];
    if ((bits & BIT_APP_DONE) !== 0 || (!fromOrig && (bits & BIT_APP_ORIG_ONLY) !== 0)) return;
    this.appHandOff(apps, bits, fromOrig, buf, off, len, ts);
  }

  /** appPayload past its gate: the analyzer (made now if pending) gets the bytes. */
  private appHandOff(apps: (AppAnalyzer | null)[], bits: number, fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    let app: AppAnalyzer | null;
    if ((bits & BIT_APP_PENDING) === 0) {
      app = apps[this.i];
      if (app === null) return;
    } else {
      // Pending: no analyzer yet (the app setter clears the bit), so the array is not read.
      if (!fromOrig) {
        if ((bits & BIT_APP_RESP_OUT) !== 0) return;
        const ruledOut = this.c.appRespRuledOut;
        if (ruledOut !== null && this.ipProto === 6 && ruledOut(buf, off, len)) {
          // No analyzer while only the responder spoke, and what it said rules it out.
          this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] = bits | BIT_APP_RESP_OUT;
          return;
        }
      }
      // A new analyzer: neither BIT_APP_DONE nor BIT_APP_ORIG_ONLY is set before its first payload.
      app = this.makeApp(apps);
      if (app === null) return;
    }
    const r = app.payload(fromOrig, buf, off, len, ts) as unknown;
    if (r === false) {
      this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] |= BIT_APP_DONE;
      if (app.settled !== undefined) apps[this.i] = app.settled();
    }
    else if (r === APP_ORIG_ONLY) this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] |= BIT_APP_ORIG_ONLY;
  }

  /** This connection's TCP state (the object itself for TCP), null for other transports. */
  get tcp(): TcpSession | null {
    return null;
  }

  /** IP protocol number (6, 17, 1, 58, or any other for unknown transports). */
  get ipProto(): number {
    return this.keyWord(0) >>> 24;
  }

  /** Address length in bytes (4 or 16). */
  get addrLen(): number {
    return (this.keyWord(0) >>> 16) & 0xff;
  }

  /** Outer VLAN id, -1 when untagged. */
  get vlan(): number {
    return Math.floor(this.vlans / 8192) - 1;
  }

  /** Inner VLAN id (QinQ), -1 when absent. */
  get innerVlan(): number {
    return (this.vlans % 8192) - 1;
  }

  /** Sets the VLAN ids (-1 for none; 12-bit ids otherwise). */
  setVlans(vlan: number, innerVlan: number): void {
    const outer = vlan >= 0 ? (vlan & 0xfff) + 1 : 0;
    const inner = innerVlan >= 0 ? (innerVlan & 0xfff) + 1 : 0;
    this.c.si[this.i * SlotI.STRIDE + SlotI.VLANS] = outer * 8192 + inner;
  }

  /** Hash of the key (flow-table.ts buildKey), kept per slot for the hash index. */
  get hash(): number {
    return this.c.si[this.i * SlotI.STRIDE + SlotI.HASH];
  }

  /** Time of the first packet (seconds, microsecond precision). */
  get startTime(): number {
    return this.startSec + this.startUsec / 1e6;
  }

  /** Time of the last packet (seconds, microsecond precision). */
  get lastTime(): number {
    return this.lastSec + this.lastUsec / 1e6;
  }

  /**
   * An originator packet with payload arrived at (sec, usec); the connection's previous packet
   * was at (prevSec, prevUsec). Starts a burst when it is the first or follows BURST_GAP_USEC
   * of silence in both directions.
   */
  origPayloadAt(sec: number, usec: number, prevSec: number, prevUsec: number): void {
    const c = this.c;
    const s = this.i;
    const n = c.si[s * SlotI.STRIDE + SlotI.BURST_COUNT];
    if (n !== 0 && (sec - prevSec) * 1e6 + (usec - prevUsec) < BURST_GAP_USEC) return;
    c.si[s * SlotI.STRIDE + SlotI.BURST_COUNT] = n + 1;
    if (n === 0) {
      c.su[s * SlotI.STRIDE + SlotI.BURST0_SEC] = sec;
      c.si[s * SlotI.STRIDE + SlotI.BURST0_USEC] = usec;
    } else if (n === 1) {
      c.markExtras(s);
      c.burstTimes[s] = [c.su[s * SlotI.STRIDE + SlotI.BURST0_SEC] + c.si[s * SlotI.STRIDE + SlotI.BURST0_USEC] / 1e6, sec + usec / 1e6];
    } else if (n < MAX_ORIG_BURSTS) {
      c.burstTimes[s]!.push(sec + usec / 1e6);
    }
  }

  /**
   * A responder packet with payload arrived at (sec, usec), the connection's previous packet
   * at (prevSec, prevUsec): origPayloadAt's rule seen from the responder, counted only (no
   * start times are kept).
   */
  respPayloadAt(sec: number, usec: number, prevSec: number, prevUsec: number): void {
    const k = this.i * SlotI.STRIDE + SlotI.RESP_BURST_COUNT;
    const n = this.c.si[k];
    if (n === 0 || (sec - prevSec) * 1e6 + (usec - prevUsec) >= BURST_GAP_USEC) this.c.si[k] = n + 1;
  }

  /** Zeek's Session::CheckHistory: add `code` the first time `mask` is seen. Returns true if seen before. */
  checkHistory(mask: number, code: string): boolean {
    if ((this.histSeen & mask) === 0) {
      this.histSeen |= mask;
      this.addHistory(code);
      return false;
    }
    return true;
  }

  addHistory(code: string): void {
    const k = this.i * SlotI.STRIDE + SlotI.HIST_ID;
    const id = this.c.si[k];
    const next = id >= 0 ? nextHistoryId(id, code) : -1;
    if (next >= 0) {
      // The common case: a shared history one letter longer, by id (history-strings.ts).
      this.c.si[k] = next;
      this.historyIsH = next !== 0 && historyText(next) === 'H';
      return;
    }
    this.history = appendHistory(this.history, code);
    this.historyIsH = this.history === 'H';
  }

  /** Writes the key bytes (see flow-table.ts buildKey) into `out` (40 bytes). */
  keyBytes(out: Uint8Array): void {
    const si = this.c.si;
    const k = this.i * SlotI.STRIDE + SlotI.KEY;
    for (let j = 0; j < KEY_WORDS; j++) putWord(out, 4 * j, si[k + j]);
  }

  /**
   * Writes the originator's and responder's address bytes into `orig` and `resp` (each at
   * least addrLen bytes), without allocating: for emission.
   */
  writeAddresses(orig: Uint8Array, resp: Uint8Array): void {
    const k = keyScratch;
    this.keyBytes(k);
    const n = this.addrLen;
    const a = this.origIsA ? 2 : 4 + n;
    const b = this.origIsA ? 4 + n : 2;
    for (let i = 0; i < n; i++) {
      orig[i] = k[a + i];
      resp[i] = k[b + i];
    }
  }

  /** The originator's and responder's address bytes (allocates). */
  addresses(): [Uint8Array, Uint8Array] {
    const n = this.addrLen;
    const a = new Uint8Array(n);
    const b = new Uint8Array(n);
    this.writeAddresses(a, b);
    return [a, b];
  }

  /** Zeek's Connection::FlipRoles: swap the endpoints and their counters, then add `^`. */
  flipRoles(): void {
    this.origIsA = !this.origIsA;
    const tp = this.origPort;
    this.origPort = this.respPort;
    this.respPort = tp;
    let t = this.origPkts;
    this.origPkts = this.respPkts;
    this.respPkts = t;
    t = this.origIpBytes;
    this.origIpBytes = this.respIpBytes;
    this.respIpBytes = t;
    t = this.reqLen;
    this.reqLen = this.repLen;
    this.repLen = t;
    if (this.tcp) this.tcp.flipEndpoints();
    this.addHistory('^');
  }
}
