/**
 * TCP connection state as Zeek keeps it: two endpoints with their state machine, sequence
 * space, history letters, and a reassembly tracker that finds content gaps (missed_bytes)
 * and feeds in-order stream bytes to the application analyzer.
 *
 * This is our own code following the logic of Zeek's
 * src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc (Process, UpdateStateMachine,
 * ConnectionClosed, IsReuse), src/analyzer/protocol/tcp/TCP_Endpoint.cc (Size, CheckHistory)
 * and TCP_Reassembler.cc (DataSent, AckReceived, Undelivered, DataPending) at a13de64f.
 * Sequence numbers relative to an endpoint start at 1 (the SYN takes 0), as in Zeek.
 *
 * What we leave out, on purpose: checksum validation (we behave like `zeek -C`), window
 * recision and the other weirds that never change conn.log, the reassembler's
 * "excessive data without further acks" cut-off (10 MB unacked), and content matching.
 */
import { BIT_HISTORY_IS_H, Conn, type FlowContext } from './connection.js';
import { EpF, EpI, ScaledCounts, SlotF, SlotI, slotOfEndpoint, type Block, type FlowColumns } from './flow-columns.js';

export const enum TcpState {
  Inactive = 0,
  SynSent = 1,
  SynAckSent = 2,
  Partial = 3,
  Established = 4,
  Closed = 5,
  Reset = 6,
}

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

const TWO32 = 4294967296;
/** Zeek's TOO_LARGE_SEQ_DELTA: jumps beyond this in SYN/RST packets are not trusted. */
const TOO_LARGE_SEQ_DELTA = 1048576;
/** Zeek's tcp_max_initial_window and tcp_max_above_hole_without_any_acks (init-bare.zeek). */
const TCP_MAX_INITIAL_WINDOW = 16384;
const TCP_MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS = 16384;
/** History letters repeat at 1, 10, 100, ... occurrences (Session::ScaledHistoryEntry base 10). */
const HISTORY_SCALING_BASE = 10;
/**
 * Cap on out-of-order segments kept per endpoint for reassembly. Beyond it a segment is not
 * kept (counted as `tcp_reassembly_segment_cap`) and later shows as a content gap.
 */
export const MAX_OOO_SEGMENTS = 128;
/** Cap on out-of-order payload bytes copied per endpoint for the application analyzer. */
export const MAX_OOO_BYTES = 256 * 1024;

const ORIG_SEEN = 1;
const RESP_SEEN = 2;

/** Zeek's TCP_Endpoint history masks (shifted by 16 for the responder). */
const HIST_SYN_PKT = 0x1;
const HIST_FIN_PKT = 0x2;
const HIST_RST_PKT = 0x4;
const HIST_FIN_RST_PKT = 0x8;
const HIST_DATA_PKT = 0x10;
const HIST_ACK_PKT = 0x20;
const HIST_MULTI_FLAG_PKT = 0x40;

/** Lower-case history letters, so the per-packet path does not build strings. */
const LOWER: Record<string, string> = { S: 's', H: 'h', A: 'a', D: 'd', F: 'f', R: 'r', T: 't', G: 'g', W: 'w', I: 'i', Q: 'q' };

function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

function isHandshake(s: TcpState): boolean {
  return s === TcpState.Inactive || s === TcpState.SynSent || s === TcpState.SynAckSent;
}

/** TcpEndpoint.bits masks. */
const EP_ORIG = 1 << 0;
const EP_DID_CLOSE = 1 << 1;
const EP_SKIP_DELIVERIES = 1 << 2;
const EP_DID_EOF = 1 << 3;
const EP_FIN_SEEN = 1 << 4;

/**
 * A view of one TCP endpoint's state in its slot's record (flow-columns.ts: `e` is the
 * endpoint's first 32-bit word there, EpI / EpF give the fields). The session view owns two,
 * bound with it.
 */
export class TcpEndpoint {
  /** The endpoint index this view reads. */
  e = 0;
  peer!: TcpEndpoint;

  constructor(readonly c: FlowColumns) {}

  /** Boolean state packed in one small integer (the EP_* masks), read through the accessors. */
  get bits(): number {
    return this.c.si[this.e + EpI.BITS];
  }
  set bits(v: number) {
    this.c.si[this.e + EpI.BITS] = v;
  }
  /** `state` in bits 0-2 and `prevState` in bits 3-5 (TcpState values fit in 3 bits). */
  get states(): number {
    return this.c.si[this.e + EpI.STATES];
  }
  set states(v: number) {
    this.c.si[this.e + EpI.STATES] = v;
  }
  /**
   * Sequence numbers are kept as signed 32-bit values (`| 0`); `>>> 0` reads them back as
   * unsigned. Relative sequence numbers (reassembly, FIN, history) are doubles.
   */
  get startSeq(): number {
    return this.c.si[this.e + EpI.START_SEQ];
  }
  set startSeq(v: number) {
    this.c.si[this.e + EpI.START_SEQ] = v;
  }
  get lastSeq(): number {
    return this.c.si[this.e + EpI.LAST_SEQ];
  }
  set lastSeq(v: number) {
    this.c.si[this.e + EpI.LAST_SEQ] = v;
  }
  get ackSeq(): number {
    return this.c.si[this.e + EpI.ACK_SEQ];
  }
  set ackSeq(v: number) {
    this.c.si[this.e + EpI.ACK_SEQ] = v;
  }
  get seqWraps(): number {
    return this.c.si[this.e + EpI.SEQ_WRAPS];
  }
  set seqWraps(v: number) {
    this.c.si[this.e + EpI.SEQ_WRAPS] = v;
  }
  get ackWraps(): number {
    return this.c.si[this.e + EpI.ACK_WRAPS];
  }
  set ackWraps(v: number) {
    this.c.si[this.e + EpI.ACK_WRAPS] = v;
  }
  get nBlocks(): number {
    return this.c.si[this.e + EpI.N_BLOCKS];
  }
  set nBlocks(v: number) {
    this.c.si[this.e + EpI.N_BLOCKS] = v;
  }
  get blockBytes(): number {
    return this.c.si[this.e + EpI.BLOCK_BYTES];
  }
  set blockBytes(v: number) {
    this.c.si[this.e + EpI.BLOCK_BYTES] = v;
  }
  get finSeq(): number {
    return this.c.sf[(this.e >> 1) + EpF.FIN_SEQ];
  }
  set finSeq(v: number) {
    this.c.sf[(this.e >> 1) + EpF.FIN_SEQ] = v;
  }
  get histLastSyn(): number {
    return this.c.sf[(this.e >> 1) + EpF.HIST_LAST_SYN];
  }
  set histLastSyn(v: number) {
    this.c.sf[(this.e >> 1) + EpF.HIST_LAST_SYN] = v;
  }
  get histLastFin(): number {
    return this.c.sf[(this.e >> 1) + EpF.HIST_LAST_FIN];
  }
  set histLastFin(v: number) {
    this.c.sf[(this.e >> 1) + EpF.HIST_LAST_FIN] = v;
  }
  get histLastRst(): number {
    return this.c.sf[(this.e >> 1) + EpF.HIST_LAST_RST];
  }
  set histLastRst(v: number) {
    this.c.sf[(this.e >> 1) + EpF.HIST_LAST_RST] = v;
  }
  get lastReassem(): number {
    return this.c.sf[(this.e >> 1) + EpF.LAST_REASSEM];
  }
  set lastReassem(v: number) {
    this.c.sf[(this.e >> 1) + EpF.LAST_REASSEM] = v;
  }
  get trimSeq(): number {
    return this.c.sf[(this.e >> 1) + EpF.TRIM_SEQ];
  }
  set trimSeq(v: number) {
    this.c.sf[(this.e >> 1) + EpF.TRIM_SEQ] = v;
  }
  get maxUpper(): number {
    return this.c.sf[(this.e >> 1) + EpF.MAX_UPPER];
  }
  set maxUpper(v: number) {
    this.c.sf[(this.e >> 1) + EpF.MAX_UPPER] = v;
  }
  /** Gap, retransmission and zero-window counters, allocated on the first such event. */
  get scaledCounts(): ScaledCounts | null {
    return this.c.scaledCounts.get(this.e) ?? null;
  }
  set scaledCounts(v: ScaledCounts | null) {
    if (v === null) {
      this.c.scaledCounts.delete(this.e);
      return;
    }
    this.c.markExtras(slotOfEndpoint(this.e));
    this.c.scaledCounts.set(this.e, v);
  }
  /** Kept out-of-order blocks, allocated on the first one. */
  get blocks(): Block[] | null {
    return this.c.blocks.get(this.e) ?? null;
  }
  set blocks(v: Block[] | null) {
    if (v === null) {
      this.c.blocks.delete(this.e);
      return;
    }
    this.c.markExtras(slotOfEndpoint(this.e));
    this.c.blocks.set(this.e, v);
  }

  /** This endpoint is the originator's (changes when the roles flip). */
  get isOrig(): boolean {
    return (this.c.si[this.e + EpI.BITS] & EP_ORIG) !== 0;
  }
  set isOrig(v: boolean) {
    this.c.si[this.e + EpI.BITS] = v ? this.c.si[this.e + EpI.BITS] | EP_ORIG : this.c.si[this.e + EpI.BITS] & ~EP_ORIG;
  }

  /** ConnectionClosed ran for this endpoint. */
  get didClose(): boolean {
    return (this.c.si[this.e + EpI.BITS] & EP_DID_CLOSE) !== 0;
  }
  set didClose(v: boolean) {
    this.c.si[this.e + EpI.BITS] = v ? this.c.si[this.e + EpI.BITS] | EP_DID_CLOSE : this.c.si[this.e + EpI.BITS] & ~EP_DID_CLOSE;
  }

  /** Reassembly given up for this side (above_hole_data_without_any_acks). */
  get skipDeliveries(): boolean {
    return (this.c.si[this.e + EpI.BITS] & EP_SKIP_DELIVERIES) !== 0;
  }
  set skipDeliveries(v: boolean) {
    this.c.si[this.e + EpI.BITS] = v ? this.c.si[this.e + EpI.BITS] | EP_SKIP_DELIVERIES : this.c.si[this.e + EpI.BITS] & ~EP_SKIP_DELIVERIES;
  }

  /** State of this endpoint (Zeek's TCP_Endpoint::state). */
  get state(): TcpState {
    return (this.c.si[this.e + EpI.STATES] & 7) as TcpState;
  }
  set state(v: TcpState) {
    this.c.si[this.e + EpI.STATES] = (this.c.si[this.e + EpI.STATES] & ~7) | v;
  }

  /** State before the last change (Zeek's prev_state). */
  get prevState(): TcpState {
    return ((this.c.si[this.e + EpI.STATES] >> 3) & 7) as TcpState;
  }
  set prevState(v: TcpState) {
    this.c.si[this.e + EpI.STATES] = (this.c.si[this.e + EpI.STATES] & ~(7 << 3)) | (v << 3);
  }

  /** A FIN was seen from this side (Zeek's FIN_cnt > 0; only that is ever asked). */
  get finSeen(): boolean {
    return (this.c.si[this.e + EpI.BITS] & EP_FIN_SEEN) !== 0;
  }
  set finSeen(v: boolean) {
    this.c.si[this.e + EpI.BITS] = v ? this.c.si[this.e + EpI.BITS] | EP_FIN_SEEN : this.c.si[this.e + EpI.BITS] & ~EP_FIN_SEEN;
  }

  /** End of this side's stream seen (TCP_Reassembler::CheckEOF). */
  get didEof(): boolean {
    return (this.c.si[this.e + EpI.BITS] & EP_DID_EOF) !== 0;
  }
  set didEof(v: boolean) {
    this.c.si[this.e + EpI.BITS] = v ? this.c.si[this.e + EpI.BITS] | EP_DID_EOF : this.c.si[this.e + EpI.BITS] & ~EP_DID_EOF;
  }


  // The methods below read the columns directly (not through the accessors): they run per
  // packet, and getter chains exhaust TurboFan's inlining budget in the callers.
  ackFull(): number {
    const c = this.c;
    const e = this.e;
    return c.si[e + EpI.ACK_WRAPS] * TWO32 + (c.si[e + EpI.ACK_SEQ] >>> 0);
  }

  lastFull(): number {
    const c = this.c;
    const e = this.e;
    return c.si[e + EpI.SEQ_WRAPS] * TWO32 + (c.si[e + EpI.LAST_SEQ] >>> 0);
  }

  updateLastSeq(seq: number): void {
    const c = this.c;
    const e = this.e;
    if (seq >>> 0 < c.si[e + EpI.LAST_SEQ] >>> 0) c.si[e + EpI.SEQ_WRAPS]++;
    c.si[e + EpI.LAST_SEQ] = seq;
  }

  updateAckSeq(seq: number): void {
    const c = this.c;
    const e = this.e;
    if (seq >>> 0 < c.si[e + EpI.ACK_SEQ] >>> 0) c.si[e + EpI.ACK_WRAPS]++;
    c.si[e + EpI.ACK_SEQ] = seq;
  }

  /** None of this endpoint's data has been acknowledged (one octet allowed for the SYN). */
  noDataAcked(): boolean {
    const ack = this.ackFull();
    const start = this.startSeq >>> 0;
    return ack === start || ack === start + 1;
  }

  /** Zeek's TCP_Endpoint::Size(): payload bytes from the sequence space. */
  size(): number {
    if (
      this.prevState === TcpState.SynSent &&
      this.state === TcpState.Reset &&
      this.peer.state === TcpState.Inactive &&
      !this.noDataAcked()
    ) {
      return 0;
    }
    const last = this.lastFull();
    const ack = this.ackFull();
    let size = (last > ack ? last : ack) - (this.startSeq >>> 0);
    if (size < 0) size = 0;
    if (size !== 0) size--;
    if (this.finSeen && size !== 0) size--;
    return size;
  }

  hasBlocks(): boolean {
    return this.c.sf[(this.e >> 1) + EpF.MAX_UPPER] > this.c.sf[(this.e >> 1) + EpF.TRIM_SEQ];
  }
}

/** TcpSession bits in Conn.bits (the low bits are Conn's). */
const BIT_ACTIVE = 1 << 8;
const BIT_PARTIAL = 1 << 9;
const BIT_CLOSE_DEFERRED = 1 << 10;
const BIT_DEFERRED_GEN_EVENT = 1 << 11;
/** Bits 12-13: firstPacketSeen (ORIG_SEEN | RESP_SEEN). */
const FIRST_SEEN_SHIFT = 12;
/** The endpoints' roles are swapped: side 1 is the originator. */
const BIT_FLIPPED = 1 << 14;

/**
 * A view of a connection with its TCP state (the table's one view for every connection:
 * `tcp` is null unless the connection is TCP), bound to a slot like Conn.
 */
export class TcpSession extends Conn {
  /** Endpoint views of side 0 (the first originator) and side 1, bound with the session. */
  private readonly epA: TcpEndpoint;
  private readonly epB: TcpEndpoint;
  /** Packet time, settings and the anomaly hook, shared with the flow table. */
  private readonly ctx: FlowContext;

  constructor(c: FlowColumns, ctx: FlowContext) {
    super(c);
    this.ctx = ctx;
    this.epA = new TcpEndpoint(c);
    this.epB = new TcpEndpoint(c);
    this.epA.peer = this.epB;
    this.epB.peer = this.epA;
  }

  override bind(s: number): this {
    this.i = s;
    const e = s * SlotI.STRIDE + SlotI.EP0;
    this.epA.e = e;
    this.epB.e = e + EpI.STRIDE;
    return this;
  }

  /** Starts the TCP state of a new connection (after Conn.init). */
  initTcp(): void {
    this.c.initEndpoints(this.i, EP_ORIG);
    this.isActive = true;
  }

  /** The originator's endpoint (side 1 once the roles flipped). */
  get orig(): TcpEndpoint {
    return (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & BIT_FLIPPED) !== 0 ? this.epB : this.epA;
  }
  /** The responder's endpoint. */
  get resp(): TcpEndpoint {
    return (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & BIT_FLIPPED) !== 0 ? this.epA : this.epB;
  }

  /** Analyzer timers (absolute times, Infinity when not armed). */
  get attemptAt(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.ATTEMPT_AT];
  }
  set attemptAt(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.ATTEMPT_AT] = v;
  }
  get expireAt(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.EXPIRE_AT];
  }
  set expireAt(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.EXPIRE_AT] = v;
  }
  get deleteAt(): number {
    return this.c.sf[this.i * SlotF.STRIDE + SlotF.DELETE_AT];
  }
  set deleteAt(v: number) {
    this.c.sf[this.i * SlotF.STRIDE + SlotF.DELETE_AT] = v;
  }

  /** Zeek's is_active: cleared once the connection finished or was rejected. */
  get isActive(): boolean {
    return (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & BIT_ACTIVE) !== 0;
  }
  set isActive(v: boolean) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] = v ? this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] | BIT_ACTIVE : this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & ~BIT_ACTIVE;
  }
  /** The connection did not start with a proper handshake (Zeek's is_partial). */
  get isPartial(): boolean {
    return (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & BIT_PARTIAL) !== 0;
  }
  set isPartial(v: boolean) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] = v ? this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] | BIT_PARTIAL : this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & ~BIT_PARTIAL;
  }
  /** A close waits for data still pending reassembly. */
  get closeDeferred(): boolean {
    return (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & BIT_CLOSE_DEFERRED) !== 0;
  }
  set closeDeferred(v: boolean) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] = v ? this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] | BIT_CLOSE_DEFERRED : this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & ~BIT_CLOSE_DEFERRED;
  }
  /** The deferred close is a normal finish (connection_finished). */
  get deferredGenEvent(): boolean {
    return (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & BIT_DEFERRED_GEN_EVENT) !== 0;
  }
  set deferredGenEvent(v: boolean) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] = v ? this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] | BIT_DEFERRED_GEN_EVENT : this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & ~BIT_DEFERRED_GEN_EVENT;
  }

  /** Which sides sent a packet while the PIA looked at the start (ORIG_SEEN | RESP_SEEN). */
  get firstPacketSeen(): number {
    return (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] >> FIRST_SEEN_SHIFT) & 3;
  }
  set firstPacketSeen(v: number) {
    this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] = (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] & ~(3 << FIRST_SEEN_SHIFT)) | ((v & 3) << FIRST_SEEN_SHIFT);
  }

  override get tcp(): TcpSession | null {
    return this.keyWord(0) >>> 24 === 6 ? this : null;
  }

  /** The TCP part of Zeek's FlipRoles (called by Conn.flipRoles). */
  flipEndpoints(): void {
    this.bits ^= BIT_FLIPPED;
    this.orig.isOrig = !this.orig.isOrig;
    this.resp.isOrig = !this.resp.isOrig;
    const f = this.firstPacketSeen;
    this.firstPacketSeen = (f & ORIG_SEEN ? RESP_SEEN : 0) | (f & RESP_SEEN ? ORIG_SEEN : 0);
    this.isPartial = false;
  }

  bothClosed(): boolean {
    return this.orig.didClose && this.resp.didClose;
  }

  isClosed(): boolean {
    return this.orig.didClose || this.resp.didClose;
  }

  /**
   * Zeek's TCPSessionAdapter::IsReuse: does this packet start a new connection on the same
   * 5-tuple? Only initial SYNs (or SYN-ACKs of half connections) can.
   */
  isReuse(flags: number, seq: number): boolean {
    if (!(flags & SYN)) return false;
    let connOrig = this.orig;
    if (flags & ACK) {
      if (this.orig.state !== TcpState.Inactive) return false;
      connOrig = this.resp;
    }
    if (!this.isClosed()) {
      if (seq === connOrig.startSeq) return false;
      if (
        !(flags & ACK) &&
        connOrig.state === TcpState.SynAckSent &&
        this.resp.state === TcpState.Inactive &&
        seq === this.resp.startSeq
      ) {
        return false;
      }
    }
    return true;
  }

  /**
   * One TCP segment (Zeek's TCPSessionAdapter::Process).
   * @param isOrig direction as decided before the packet (may flip inside)
   * @param len payload length according to the IP header
   * @param caplen payload bytes really captured
   * @returns whether the segment came from the originator after processing (for counting)
   */
  process(
    isOrig: boolean,
    flags: number,
    baseSeq: number,
    ackSeq: number,
    win: number,
    len: number,
    caplen: number,
    buf: Buffer,
    payloadOff: number,
  ): boolean {
    const conn: Conn = this;
    const endpoint = isOrig ? this.orig : this.resp;
    const peer = endpoint.peer;

    this.setPartialStatus(flags, (this.c.si[endpoint.e + EpI.BITS] & EP_ORIG) !== 0);
    let segLen = len;
    if (flags & SYN) segLen++;
    if (flags & FIN) segLen++;
    if (flags & RST) segLen -= len;
    const seqOnePast = (baseSeq + segLen) | 0;

    this.initEndpoint(endpoint, flags, baseSeq, seqOnePast);

    let underflow = false;
    const c = this.c;
    const e = endpoint.e;
    const pe = peer.e;
    let relSeq = this.relativeSeq(endpoint, baseSeq, c.si[e + EpI.LAST_SEQ], c.si[e + EpI.SEQ_WRAPS]);
    if (relSeq < 0) {
      underflow = true;
    }
    this.updateHistory(flags, endpoint, relSeq, len);

    // Zeek's update_window: only the zero-window history letter matters for conn.log.
    if (win === 0 && !(flags & RST) && endpoint.peer.state !== TcpState.Closed && endpoint.state !== TcpState.Reset) {
      this.scaled(endpoint, 'W', 2);
    }

    if ((c.si[e + EpI.BITS] & c.si[pe + EpI.BITS] & EP_DID_CLOSE) === 0) {
      c.su[this.i * SlotI.STRIDE + SlotI.LAST_SEC] = this.ctx.sec;
      c.si[this.i * SlotI.STRIDE + SlotI.LAST_USEC] = this.ctx.usec;
    }

    if (flags & FIN) {
      endpoint.finSeen = true;
      endpoint.finSeq = relSeq + segLen;
    }

    let relAck = 0;
    if (flags & ACK) {
      if ((c.si[pe + EpI.STATES] & 7) === TcpState.Inactive) {
        relAck = 1;
        peer.startSeq = (ackSeq - 1) | 0;
        peer.ackSeq = peer.startSeq;
        peer.lastSeq = peer.startSeq;
      } else {
        relAck = this.relativeSeq(peer, ackSeq, c.si[pe + EpI.ACK_SEQ], c.si[pe + EpI.ACK_WRAPS]);
        if (relAck < 0) {
          relAck = 0;
        } else if (!(flags & RST)) {
          const deltaAck = seqDelta(ackSeq, c.si[pe + EpI.ACK_SEQ]);
          if (ackSeq === 0 && deltaAck > TOO_LARGE_SEQ_DELTA) {
            // a broken ack rather than a large connection landing on 0
          } else if (deltaAck > 0) {
            peer.updateAckSeq(ackSeq);
          }
        }
      }
    }

    this.updateLastSeq(endpoint, seqOnePast, flags, len);

    const ctx = this.ctx;
    ctx.doClose = false;
    ctx.genEvent = false;
    this.updateStateMachine(endpoint, peer, baseSeq, len, isOrig, flags);
    const doClose = ctx.doClose;
    const genEvent = ctx.genEvent;

    if (flags & ACK) this.ackReceived(peer, relAck);

    // PIA first-packet bookkeeping (uses the direction as it was when the packet arrived).
    c.si[this.i * SlotI.STRIDE + SlotI.BITS] |= (isOrig ? ORIG_SEEN : RESP_SEEN) << FIRST_SEEN_SHIFT;

    const relDataSeq = flags & SYN ? relSeq + 1 : relSeq;
    if (len > 0 && !(flags & RST) && !underflow) {
      this.dataSent(endpoint, relDataSeq, len, caplen, buf, payloadOff);
    }
    this.checkEof(endpoint);
    if (doClose) this.connectionClosed(endpoint, peer, genEvent);
    return (this.c.si[endpoint.e + EpI.BITS] & EP_ORIG) !== 0;
  }

  private setPartialStatus(flags: number, isOrig: boolean): void {
    const seen = (this.c.si[this.i * SlotI.STRIDE + SlotI.BITS] >> FIRST_SEEN_SHIFT) & 3;
    if (seen === (ORIG_SEEN | RESP_SEEN)) return; // both sides seen: nothing changes any more
    if (isOrig) {
      if (!(this.firstPacketSeen & ORIG_SEEN)) this.isPartial = !(flags & SYN) || (flags & ACK) !== 0;
    } else if (!(this.firstPacketSeen & RESP_SEEN) && !this.isPartial) {
      this.isPartial = !(flags & SYN);
    }
  }

  private initEndpoint(ep: TcpEndpoint, flags: number, firstSeq: number, lastSeq: number): void {
    switch ((this.c.si[ep.e + EpI.STATES] & 7) as TcpState) {
      case TcpState.Inactive:
        if (flags & SYN) {
          ep.ackSeq = firstSeq;
          ep.startSeq = firstSeq;
        } else {
          // A partial connection: number as though a SYN had been seen.
          ep.ackSeq = (firstSeq - 1) | 0;
          ep.startSeq = ep.ackSeq;
          lastSeq = firstSeq;
        }
        ep.lastSeq = lastSeq;
        break;
      case TcpState.SynSent:
      case TcpState.SynAckSent:
        if (flags & SYN && firstSeq !== ep.startSeq) {
          ep.startSeq = firstSeq;
          ep.ackSeq = firstSeq;
          ep.lastSeq = lastSeq;
        }
        break;
      case TcpState.Established:
      case TcpState.Partial:
        if (flags & SYN) {
          ep.startSeq = firstSeq;
          ep.ackSeq = firstSeq;
          ep.lastSeq = lastSeq;
        }
        break;
      case TcpState.Reset:
        if (flags & SYN && ep.prevState === TcpState.Inactive) {
          ep.startSeq = firstSeq;
          ep.ackSeq = firstSeq;
          ep.lastSeq = lastSeq;
        }
        break;
      default:
        break;
    }
  }

  /** Zeek's get_relative_seq; a negative result means underflow. */
  private relativeSeq(ep: TcpEndpoint, cur: number, last: number, wraps: number): number {
    let delta = seqDelta(cur, last);
    if (delta < 0) {
      if (wraps && cur >>> 0 > last >>> 0) wraps--;
    } else if (delta > 0) {
      if (cur >>> 0 < last >>> 0) wraps++;
    }
    const start = this.c.si[ep.e + EpI.START_SEQ];
    if (wraps === 0) {
      delta = seqDelta(cur, start);
      return delta;
    }
    return wraps * TWO32 + (cur >>> 0) - (start >>> 0);
  }

  private updateHistory(flags: number, ep: TcpEndpoint, relSeq: number, len: number): void {
    if ((flags & (SYN | FIN | RST)) === 0) {
      // The common case first: data or a pure ACK whose letter this side already has (and no
      // SYN-ACK-first flip pending): epCheckHistory would change nothing.
      const c = this.c;
      const k = this.i * SlotI.STRIDE;
      if ((c.si[k + SlotI.BITS] & BIT_HISTORY_IS_H) === 0) {
        let mask = len ? HIST_DATA_PKT : flags & ACK ? HIST_ACK_PKT : 0;
        if ((c.si[ep.e + EpI.BITS] & EP_ORIG) === 0) mask <<= 16;
        if ((c.si[k + SlotI.HIST_SEEN] & mask) !== 0 || mask === 0) return;
      }
    }
    const bits = (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0) + (flags & RST ? 1 : 0);
    if (bits > 1) {
      if (flags & FIN && flags & RST) this.epCheckHistory(ep, HIST_FIN_RST_PKT, 'I');
      else this.epCheckHistory(ep, HIST_MULTI_FLAG_PKT, 'Q');
    } else if (bits === 1) {
      if (flags & SYN) {
        const code = flags & ACK ? 'H' : 'S';
        if (this.epCheckHistory(ep, HIST_SYN_PKT, code) && relSeq !== ep.histLastSyn) this.epAddHistory(ep, code);
        ep.histLastSyn = relSeq;
      }
      if (flags & FIN) {
        // A FIN's sequence number comes after the data in the packet.
        if (this.epCheckHistory(ep, HIST_FIN_PKT, 'F') && relSeq + len !== ep.histLastFin) this.epAddHistory(ep, 'F');
        ep.histLastFin = relSeq + len;
      }
      if (flags & RST) {
        if (this.epCheckHistory(ep, HIST_RST_PKT, 'R') && relSeq !== ep.histLastRst) this.epAddHistory(ep, 'R');
        ep.histLastRst = relSeq;
      }
    } else if (len) {
      this.epCheckHistory(ep, HIST_DATA_PKT, 'D');
    } else if (flags & ACK) {
      this.epCheckHistory(ep, HIST_ACK_PKT, 'A');
    }
  }

  /** TCP_Endpoint::CheckHistory, including the late flip of connections that began with a SYN-ACK. */
  private epCheckHistory(ep: TcpEndpoint, mask: number, code: string): boolean {
    const conn: Conn = this;
    if (conn.historyIsH && (code === 'A' || code === 'D')) {
      // Began with a SYN-ACK, now productive traffic: the SYN-ACK sender was the responder.
      conn.flipRoles();
      conn.history = '^h';
      conn.historyIsH = false;
      this.firstPacketSeen |= ORIG_SEEN;
    }
    if ((this.c.si[ep.e + EpI.BITS] & EP_ORIG) === 0) {
      mask <<= 16;
      if ((conn.histSeen & mask) !== 0) return true; // seen: no need for the lower-case letter
      code = LOWER[code] ?? code.toLowerCase();
    }
    return conn.checkHistory(mask, code);
  }

  private epAddHistory(ep: TcpEndpoint, code: string): void {
    this.addHistory((this.c.si[ep.e + EpI.BITS] & EP_ORIG) !== 0 ? code : (LOWER[code] ?? code.toLowerCase()));
  }

  /**
   * Session::ScaledHistoryEntry for an endpoint's repeated events: kind 0 gaps (G),
   * 1 retransmissions (T), 2 zero windows (W). The letter is logged at the 1st, 10th,
   * 100th... occurrence.
   */
  private scaled(ep: TcpEndpoint, letter: string, kind: number): void {
    let cnt: number;
    let thresh: number;
    let sc = ep.scaledCounts;
    if (sc === null) {
      sc = new ScaledCounts();
      ep.scaledCounts = sc;
    }
    if (kind === 0) {
      cnt = ++sc.gapCnt;
      thresh = sc.gapThresh;
    } else if (kind === 1) {
      cnt = ++sc.rxmtCnt;
      thresh = sc.rxmtThresh;
    } else {
      cnt = ++sc.win0Cnt;
      thresh = sc.win0Thresh;
    }
    if (cnt === thresh) {
      this.addHistory((this.c.si[ep.e + EpI.BITS] & EP_ORIG) !== 0 ? letter : (LOWER[letter] ?? letter.toLowerCase()));
      const next = thresh * HISTORY_SCALING_BASE;
      if (next > 0xffffffff) {
        if (kind === 0) sc.gapCnt = 0;
        else if (kind === 1) sc.rxmtCnt = 0;
        else sc.win0Cnt = 0;
      } else if (kind === 0) sc.gapThresh = next;
      else if (kind === 1) sc.rxmtThresh = next;
      else sc.win0Thresh = next;
    }
  }

  private updateLastSeq(ep: TcpEndpoint, lastSeq: number, flags: number, len: number): number {
    const deltaLast = seqDelta(lastSeq, ep.lastSeq);
    if (flags & (SYN | RST) && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) {
      // don't trust far jumps in SYN/RST packets
    } else if (flags & FIN && ep.lastSeq === ((ep.startSeq + 1) | 0)) {
      ep.updateLastSeq(lastSeq);
    } else if (ep.state === TcpState.Reset) {
      // don't trust sequence numbers after a RST
    } else if (deltaLast > 0) {
      ep.updateLastSeq(lastSeq);
    } else if (len > 0) {
      this.scaled(ep, 'T', 1);
    }
    return deltaLast;
  }

  private setState(ep: TcpEndpoint, s: TcpState): void {
    if (s === ep.state) return;
    if (!isHandshake(s) && isHandshake(ep.state) && isHandshake(ep.peer.state)) {
      this.inactivityTimeout = this.ctx.tcpInactivityTimeout;
    }
    ep.prevState = ep.state;
    ep.state = s;
  }

  /** Zeek's UpdateStateMachine (the FIN_advanced_last_seq and other weirds are not kept). */
  private updateStateMachine(
    ep: TcpEndpoint,
    peer: TcpEndpoint,
    baseSeq: number,
    len: number,
    isOrig: boolean,
    flags: number,
  ): void {
    switch (ep.state) {
      case TcpState.Inactive:
        this.updateInactive(ep, peer, baseSeq, len, isOrig, flags);
        break;
      case TcpState.SynSent:
      case TcpState.SynAckSent:
        if (flags & FIN) {
          this.setState(ep, TcpState.Closed);
          this.ctx.doClose = this.ctx.genEvent = true;
        }
        if (flags & RST) {
          this.setState(ep, TcpState.Reset);
          this.isActive = false;
          this.ctx.doClose = true;
        }
        break;
      case TcpState.Established:
      case TcpState.Partial:
        if (flags & SYN && ep.state === TcpState.Partial && peer.state === TcpState.Inactive && !(flags & ACK)) {
          this.setState(ep, TcpState.SynSent);
        }
        if (flags & FIN && !(flags & RST)) {
          this.setState(ep, TcpState.Closed);
          if (peer.state === TcpState.Reset && peer.prevState === TcpState.Closed) {
            // FIN then RST from the peer: a normal termination after all.
            this.setState(peer, TcpState.Closed);
          }
          this.ctx.doClose = this.ctx.genEvent = true;
        }
        if (flags & RST) {
          this.setState(ep, TcpState.Reset);
          this.ctx.doClose = true;
          if (peer.state !== TcpState.Reset || peer.prevState !== TcpState.Established) this.isActive = false;
        }
        break;
      case TcpState.Closed:
        if (flags & RST && ep.peer.state !== TcpState.Closed) {
          this.setState(ep, TcpState.Reset);
          if (!ep.didClose) this.ctx.doClose = true;
        }
        break;
      case TcpState.Reset:
        break;
    }
  }

  private updateInactive(
    ep: TcpEndpoint,
    peer: TcpEndpoint,
    baseSeq: number,
    len: number,
    isOrig: boolean,
    flags: number,
  ): void {
    if (flags & SYN) {
      if (isOrig) {
        this.setState(ep, flags & ACK ? TcpState.SynAckSent : TcpState.SynSent);
        // tcp_attempt_delay: an unanswered attempt is given up after 5 s.
        this.attemptAt = this.ctx.ts + 5;
        this.timerArmed = true;
      } else {
        if (flags & ACK) {
          // a SYN-ACK from the responder
        } else if (peer.state === TcpState.SynAckSent && baseSeq === ep.startSeq) {
          // SYN and SYN-ACK seen in reverse order: flip and establish.
          this.isPartial = false;
          this.flipRoles();
          this.setState(peer, TcpState.Established);
          this.firstPacketSeen |= ORIG_SEEN;
        }
        if (peer.state === TcpState.SynSent) this.setState(peer, TcpState.Established);
        this.setState(ep, TcpState.Established);
      }
    }
    if (flags & FIN) {
      this.setState(ep, TcpState.Closed);
      this.ctx.doClose = this.ctx.genEvent = true;
    }
    if (flags & RST) {
      this.setState(ep, TcpState.Reset);
      let isReject = false;
      if (isOrig) {
        if (peer.state === TcpState.Established) isReject = true;
      } else if (peer.state === TcpState.SynSent || peer.state === TcpState.SynAckSent) {
        isReject = true;
      }
      this.ctx.doClose = true;
      this.ctx.genEvent = !isReject;
    }
    if (ep.state === TcpState.Inactive) {
      if (!isOrig && len === 0 && this.orig.state === TcpState.SynSent) {
        // some stacks ack an initial SYN before their SYN-ACK
      } else if (flags & ACK && peer.state === TcpState.Established) {
        // missed the initial SYN but saw the SYN-ACK: establish, not partial
        this.setState(ep, TcpState.Established);
        this.isPartial = false;
        this.firstPacketSeen |= isOrig ? ORIG_SEEN : RESP_SEEN;
      } else {
        this.setState(ep, TcpState.Partial);
      }
    }
  }

  /** TCPSessionAdapter::ConnectionClosed. */
  private connectionClosed(ep: TcpEndpoint, peer: TcpEndpoint, genEvent: boolean): void {
    if (this.dataPending(ep)) {
      this.closeDeferred = true;
      if (!this.deferredGenEvent) this.deferredGenEvent = genEvent;
      return;
    }
    this.closeDeferred = false;
    if (ep.didClose) return;
    ep.didClose = true;
    const complete = ep.state === TcpState.Reset || peer.didClose || peer.state === TcpState.Inactive;
    if (complete) {
      if (ep.prevState !== TcpState.Inactive || peer.state !== TcpState.Inactive) {
        if (this.deferredGenEvent) {
          genEvent = true;
          this.deferredGenEvent = false;
        }
        if (genEvent) this.isActive = false; // connection_finished / half_finished
      }
      // CancelTimers(), then the delete timer after tcp_close_delay (5 s).
      this.attemptAt = Infinity;
      this.expireAt = Infinity;
      this.deleteAt = this.lastTime + 5;
      this.timerArmed = true;
    } else if (ep.prevState !== TcpState.Inactive) {
      // Look for the other side closing too (tcp_session_timer, 6 s).
      const t = this.lastTime + 6;
      if (t < this.expireAt) {
        this.expireAt = t;
        this.timerArmed = true;
      }
    }
  }

  // ---- reassembly tracking (TCP_Reassembler) ----

  private dataPending(ep: TcpEndpoint): boolean {
    if (ep.skipDeliveries) return false;
    const delivered = (ep.startSeq >>> 0) + ep.lastReassem;
    const last = ep.lastFull();
    if (last < delivered) return false;
    if (delivered !== last - 1 && delivered !== last) return true;
    if (ep.state !== TcpState.Reset && ep.peer.hasBlocks()) return true;
    return false;
  }

  private checkEof(ep: TcpEndpoint): void {
    // Per packet: the endpoint's words are read directly (see TcpEndpoint.ackFull).
    const epBits = this.c.si[ep.e + EpI.BITS];
    if ((epBits & EP_DID_EOF) !== 0) return;
    const state = this.c.si[ep.e + EpI.STATES] & 7;
    if (
      ((epBits & EP_FIN_SEEN) !== 0 || state === TcpState.Closed || state === TcpState.Reset) &&
      !this.dataPending(ep)
    ) {
      ep.didEof = true;
      if (this.closeDeferred) {
        this.connectionClosed(ep, ep.peer, this.deferredGenEvent);
        this.closeDeferred = false;
      }
    }
  }

  private isClean(ep: TcpEndpoint): boolean {
    return ep.state === TcpState.Established || (ep.state === TcpState.Closed && ep.prevState === TcpState.Established);
  }

  private gap(ep: TcpEndpoint, len: number): void {
    if (this.isClean(ep) && this.isClean(ep.peer)) {
      this.scaled(ep, 'G', 0);
      // content_gap is only raised for cleanly established connections (report_gaps_for_partial=F)
      this.missedBytes += len;
    }
    const app = this.app;
    if (app !== null && len > 0 && !this.appDone) app.gap((this.c.si[ep.e + EpI.BITS] & EP_ORIG) !== 0, len);
  }

  private deliver(ep: TcpEndpoint, buf: Buffer, off: number, len: number): void {
    if (len > 0) this.appPayload((this.c.si[ep.e + EpI.BITS] & EP_ORIG) !== 0, buf, off, len, this.ctx.ts);
  }

  /** Deliver kept blocks that now touch the in-order point. */
  private drainBlocks(ep: TcpEndpoint): void {
    if (ep.nBlocks === 0) return;
    const blocks = ep.blocks!;
    while (blocks.length > 0 && blocks[0].seq <= ep.lastReassem) {
      const b = blocks.shift()!;
      if (b.data) ep.blockBytes -= b.data.length;
      if (b.upper > ep.lastReassem) {
        const skip = ep.lastReassem - b.seq;
        const n = b.upper - ep.lastReassem;
        if (b.data) this.deliver(ep, b.data, skip, n);
        else if (this.app !== null && !this.appDone) this.app.gap((this.c.si[ep.e + EpI.BITS] & EP_ORIG) !== 0, n);
        ep.lastReassem = b.upper;
      }
    }
    ep.nBlocks = blocks.length;
  }

  private dataSent(ep: TcpEndpoint, seq: number, len: number, caplen: number, buf: Buffer, off: number): void {
    if (caplen < len) return; // truncated_tcp_payload: the bytes are not entered; the ack reveals a gap
    // Per data packet: the columns are read directly (see TcpEndpoint.ackFull).
    const c = this.c;
    const e = ep.e;
    if ((c.si[e + EpI.BITS] & EP_SKIP_DELIVERIES) !== 0) return;
    let upper = seq + len;
    const ack = c.si[e + EpI.ACK_WRAPS] * TWO32 + (c.si[e + EpI.ACK_SEQ] >>> 0) - (c.si[e + EpI.START_SEQ] >>> 0);
    if (seq < ack) {
      if (upper <= ack) return; // already delivered and acked
      const d = ack - seq;
      seq += d;
      off += d;
      len -= d;
    }
    const trim = c.sf[(e >> 1) + EpF.TRIM_SEQ];
    if (upper <= trim) return;
    if (seq < trim) {
      const d = trim - seq;
      seq += d;
      off += d;
      len -= d;
    }
    upper = seq + len;
    if (upper > c.sf[(e >> 1) + EpF.MAX_UPPER]) c.sf[(e >> 1) + EpF.MAX_UPPER] = upper;
    const last = c.sf[(e >> 1) + EpF.LAST_REASSEM];
    if (seq <= last) {
      if (upper > last) {
        const skip = last - seq;
        c.sf[(e >> 1) + EpF.LAST_REASSEM] = upper;
        this.deliver(ep, buf, off + skip, len - skip);
        this.drainBlocks(ep);
        if (ep.noDataAcked() && ep.size() > TCP_MAX_INITIAL_WINDOW && ep.lastReassem > ep.trimSeq) {
          // Much data, none acked: presumably we do not see the peer's acks; stop holding it.
          ep.trimSeq = ep.lastReassem;
        }
      }
    } else {
      this.insertBlock(ep, seq, upper, buf, off);
    }
    if (c.si[e + EpI.N_BLOCKS] > 0 && ep.noDataAcked() && c.sf[(e >> 1) + EpF.MAX_UPPER] - c.sf[(e >> 1) + EpF.LAST_REASSEM] > TCP_MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS) {
      // above_hole_data_without_any_acks: Zeek gives up reassembling this side, and says so (a weird).
      this.ctx.onCap('above_hole_data_without_any_acks');
      ep.blocks = null;
      ep.nBlocks = 0;
      ep.blockBytes = 0;
      ep.maxUpper = 0;
      ep.skipDeliveries = true;
    }
  }

  private insertBlock(ep: TcpEndpoint, seq: number, upper: number, buf: Buffer, off: number): void {
    if (ep.blocks === null) ep.blocks = [];
    const blocks = ep.blocks;
    // Keep only the parts not already covered by kept blocks.
    let i = 0;
    while (i < blocks.length && blocks[i].upper <= seq) i++;
    let s = seq;
    while (s < upper) {
      if (i < blocks.length && blocks[i].seq <= s) {
        s = Math.max(s, blocks[i].upper);
        i++;
        continue;
      }
      const e = i < blocks.length ? Math.min(upper, blocks[i].seq) : upper;
      if (blocks.length >= MAX_OOO_SEGMENTS) {
        this.ctx.onCap('tcp_reassembly_segment_cap');
        return;
      }
      let data: Buffer | null = null;
      const wantsBytes = this.app !== null && !this.appDone;
      if (wantsBytes && ep.blockBytes + (e - s) <= MAX_OOO_BYTES) {
        data = Buffer.from(buf.subarray(off + (s - seq), off + (e - seq)));
        ep.blockBytes += data.length;
      } else if (wantsBytes) {
        this.ctx.onCap('tcp_reassembly_bytes_cap');
      }
      blocks.splice(i, 0, { seq: s, upper: e, data });
      ep.nBlocks = blocks.length;
      i++;
      s = e;
    }
  }

  /** TCP_Reassembler::AckReceived on the endpoint whose data was acked. */
  private ackReceived(ep: TcpEndpoint, seq: number): void {
    // Per packet with an ACK: the columns are read directly (see TcpEndpoint.ackFull).
    const c = this.c;
    const e = ep.e;
    if ((c.si[e + EpI.BITS] & EP_FIN_SEEN) !== 0 && seq >= c.sf[(e >> 1) + EpF.FIN_SEQ]) seq = c.sf[(e >> 1) + EpF.FIN_SEQ] - 1;
    if (seq <= c.sf[(e >> 1) + EpF.TRIM_SEQ]) return;
    // Reassembler::TrimToSeq -> DataBlockList::Trim
    if (seq > c.sf[(e >> 1) + EpF.LAST_REASSEM]) this.undelivered(ep, seq);
    if (seq > c.sf[(e >> 1) + EpF.TRIM_SEQ]) c.sf[(e >> 1) + EpF.TRIM_SEQ] = seq;
    // Blocks entirely below the trim point are dropped.
    if (c.si[e + EpI.N_BLOCKS] > 0) {
      const blocks = ep.blocks!;
      while (blocks.length > 0 && blocks[0].upper <= seq) {
        const b = blocks.shift()!;
        if (b.data) ep.blockBytes -= b.data.length;
      }
      ep.nBlocks = blocks.length;
      if (blocks.length > 0 && blocks[0].seq === ep.lastReassem) this.drainBlocks(ep);
    }
    this.checkEof(ep);
  }

  /** TCP_Reassembler::Undelivered: report the holes below `upTo` as content gaps. */
  private undelivered(ep: TcpEndpoint, upTo: number): void {
    if (upTo <= 2 && this.isPartial) {
      // Faked initial sequence numbers of a partial connection: not a real gap.
      return;
    }
    if (!ep.skipDeliveries) {
      const blocks = ep.blocks!;
      while (ep.nBlocks > 0) {
        const b = blocks[0];
        if (b.seq >= upTo) break;
        if (b.seq > ep.lastReassem) {
          this.gap(ep, b.seq - ep.lastReassem);
          ep.lastReassem = b.seq;
        }
        this.drainBlocks(ep);
      }
      if (upTo > ep.lastReassem) this.gap(ep, upTo - ep.lastReassem);
    }
    if (upTo > ep.lastReassem) ep.lastReassem = upTo;
  }

  /**
   * Timer check at packet time `now` (Zeek's AttemptTimer, ExpireTimer and delete timers).
   * @returns true when the connection is to be removed now.
   */
  timersDue(now: number, lastTime: number): boolean {
    if (now >= this.deleteAt) return true;
    if (now >= this.attemptAt) {
      this.attemptAt = Infinity;
      if (
        this.isActive &&
        (this.orig.state === TcpState.SynSent || this.orig.state === TcpState.SynAckSent) &&
        this.resp.state === TcpState.Inactive
      ) {
        return true;
      }
    }
    if (now >= this.expireAt) {
      this.expireAt = Infinity;
      if (!this.isActive) return false;
      if (lastTime + 5 < now) {
        // tcp_connection_linger passed since the last packet
        const o = this.orig;
        const r = this.resp;
        if (o.didClose || r.didClose) {
          if (
            (o.didClose && r.didClose) ||
            o.state === TcpState.Reset ||
            r.state === TcpState.Reset ||
            o.state === TcpState.Inactive ||
            r.state === TcpState.Inactive
          ) {
            return true;
          }
        }
      }
      this.expireAt = now + 6;
    }
    return false;
  }

  /** Earliest analyzer timer. */
  nextTimer(): number {
    const c = this.c;
    const s = this.i;
    let t = c.sf[s * SlotF.STRIDE + SlotF.DELETE_AT];
    if (c.sf[s * SlotF.STRIDE + SlotF.ATTEMPT_AT] < t) t = c.sf[s * SlotF.STRIDE + SlotF.ATTEMPT_AT];
    if (c.sf[s * SlotF.STRIDE + SlotF.EXPIRE_AT] < t) t = c.sf[s * SlotF.STRIDE + SlotF.EXPIRE_AT];
    return t;
  }
}
