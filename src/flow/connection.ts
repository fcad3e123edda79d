/**
 * The live state of one connection in the flow table (Zeek's `Connection` plus the
 * ConnSize analyzer's counters). Created once per connection, never per packet.
 */
import type { AppAnalyzer } from '../core/records.js';
import type { TcpSession } from './tcp-session.js';
import { appendHistory } from './history-strings.js';

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

/** Words 4-9 of an IPv6 key (six small integers: smaller than a typed array for six values). */
export class KeyTail {
  constructor(
    readonly w4: number,
    readonly w5: number,
    readonly w6: number,
    readonly w7: number,
    readonly w8: number,
    readonly w9: number,
  ) {}
}

/**
 * Originator bursts (ConnRecord.origBursts): a quiet time of at least this many microseconds
 * in both directions before an originator payload packet starts a new burst. 1 s separates the
 * request/response exchanges of a beacon or heartbeat inside one long-lived connection (Merlin
 * over QUIC every 15 s, a RAT heartbeat every 10 s) while keeping one exchange one burst.
 */
export const BURST_GAP_USEC = 1_000_000;
/** At most this many burst start times are kept per connection (a sample; the count goes on). */
export const MAX_ORIG_BURSTS = 256;

/** Conn.bits masks (TcpSession uses the bits from 1 << 8 on). */
const BIT_ORIG_IS_A = 1 << 0;
const BIT_SAME_SIDES = 1 << 1;
const BIT_TIMER_ARMED = 1 << 2;
const BIT_HISTORY_IS_H = 1 << 3;
const BIT_REMOVED = 1 << 4;
const BIT_APP_DONE = 1 << 5;

const keyScratch = new Uint8Array(40);

function putWord(out: Uint8Array, off: number, w: number): void {
  out[off] = w >>> 24;
  out[off + 1] = (w >>> 16) & 0xff;
  out[off + 2] = (w >>> 8) & 0xff;
  out[off + 3] = w & 0xff;
}

export class Conn {
  /**
   * Canonical key (flow-table.ts buildKey) packed in ten 32-bit words, for the table's
   * collision check. The first four (all of an IPv4 key) are fields, so a lookup touches no
   * other object; words 4-9 exist only for IPv6 keys (`kx`, null for IPv4, whose words are 0).
   * k0 holds the IP protocol (bits 24-31) and the address length (bits 16-23).
   */
  k0 = 0;
  k1 = 0;
  k2 = 0;
  k3 = 0;
  kx: KeyTail | null = null;
  // The fields below are in the order the per-packet path reads them (V8 lays out fields in
  // declaration order, so the hot ones share cache lines); cold fields come last.
  /** Next connection in the same hash bucket. */
  nextInBucket: Conn | null = null;
  /**
   * Boolean state packed in one small integer (the BIT_* masks; TcpSession adds its own):
   * one field instead of one per flag. Read and written through the accessors below.
   */
  bits = 0;
  /**
   * Time of the last packet as whole seconds and microseconds (small integers, stored in the
   * object: a per-packet write touches no boxed number). `lastTime` rebuilds the same double
   * Zeek computes (sec + usec / 1e6).
   */
  lastSec: number;
  lastUsec: number;
  /** Inactivity timeout in seconds. */
  inactivityTimeout: number;
  /** Deadline of this connection's live entry in the timer heap (Infinity when none). */
  heapDeadline = Infinity;
  histSeen = 0;

  /** ConnSize counters: packets and IP-level bytes (IPv4 total length, IPv6 40 + payload length). */
  origPkts = 0;
  origIpBytes = 0;
  respPkts = 0;
  respIpBytes = 0;

  /** UDP/ICMP payload byte counts, -1 while the side is inactive (Zeek's request_len/reply_len). */
  reqLen = -1;
  repLen = -1;
  app: AppAnalyzer | null = null;
  history = '';
  missedBytes = 0;

  /**
   * Originator bursts: how many so far, the first one's start time (whole seconds and
   * microseconds, small integers), and the start times as seconds once there are two.
   */
  burstCount = 0;
  burst0Sec = 0;
  burst0Usec = 0;
  bursts: number[] | null = null;

  origPort: number;
  respPort: number;
  startSec: number;
  startUsec: number;
  uid = '';
  /** Outer and inner VLAN ids + 1 (0: none), as outer * 8192 + inner (see setVlans). */
  vlans = 0;
  tunnelParent: string | null = null;
  source = 0;

  constructor(
    key: Int32Array,
    origIsA: boolean,
    sameSides: boolean,
    origPort: number,
    respPort: number,
    sec: number,
    usec: number,
    inactivityTimeout: number,
  ) {
    this.k0 = key[0];
    this.k1 = key[1];
    this.k2 = key[2];
    this.k3 = key[3];
    if (((key[0] >>> 16) & 0xff) !== 4) this.kx = new KeyTail(key[4], key[5], key[6], key[7], key[8], key[9]);
    this.origIsA = origIsA;
    this.sameSides = sameSides;
    this.origPort = origPort;
    this.respPort = respPort;
    this.startSec = sec;
    this.startUsec = usec;
    this.lastSec = sec;
    this.lastUsec = usec;
    this.inactivityTimeout = inactivityTimeout;
  }

  /** Whether the originator is side A of the key (the first address/port pair); the addresses live only in the key words. */
  get origIsA(): boolean {
    return (this.bits & BIT_ORIG_IS_A) !== 0;
  }
  set origIsA(v: boolean) {
    this.bits = v ? this.bits | BIT_ORIG_IS_A : this.bits & ~BIT_ORIG_IS_A;
  }
  /** Both key sides are the same address and port: every packet is from the originator (Zeek). */
  get sameSides(): boolean {
    return (this.bits & BIT_SAME_SIDES) !== 0;
  }
  set sameSides(v: boolean) {
    this.bits = v ? this.bits | BIT_SAME_SIDES : this.bits & ~BIT_SAME_SIDES;
  }
  /** A TCP timer was armed while processing the packet: the table re-arms the heap entry (otherwise deadlines only move later and the entry is left stale). */
  get timerArmed(): boolean {
    return (this.bits & BIT_TIMER_ARMED) !== 0;
  }
  set timerArmed(v: boolean) {
    this.bits = v ? this.bits | BIT_TIMER_ARMED : this.bits & ~BIT_TIMER_ARMED;
  }
  /** history === 'H' (a connection that began with a SYN-ACK), kept as a flag for the hot path. */
  get historyIsH(): boolean {
    return (this.bits & BIT_HISTORY_IS_H) !== 0;
  }
  set historyIsH(v: boolean) {
    this.bits = v ? this.bits | BIT_HISTORY_IS_H : this.bits & ~BIT_HISTORY_IS_H;
  }
  /** Emitted and out of the table. */
  get removed(): boolean {
    return (this.bits & BIT_REMOVED) !== 0;
  }
  set removed(v: boolean) {
    this.bits = v ? this.bits | BIT_REMOVED : this.bits & ~BIT_REMOVED;
  }

  /** Transport kind, from the IP protocol in the key (as the flow table chose it). */
  get transport(): Transport {
    const p = this.k0 >>> 24;
    return p === 6 ? Transport.Tcp : p === 17 ? Transport.Udp : p === 1 || p === 58 ? Transport.Icmp : Transport.Unknown;
  }

  /**
   * The app analyzer said it wants no more payload (its payload() returned false: detection
   * and parsing over, entropy sample complete). From then on the table stops handing it bytes
   * and gaps and keeps no out-of-order copies for it; end() is still called.
   */
  get appDone(): boolean {
    return (this.bits & BIT_APP_DONE) !== 0;
  }
  set appDone(v: boolean) {
    this.bits = v ? this.bits | BIT_APP_DONE : this.bits & ~BIT_APP_DONE;
  }

  /**
   * Hands datagram or stream bytes to the app analyzer unless it is done; notes when it says
   * it wants no more. The AppAnalyzer type says void; analyzers that return false opt out.
   */
  appPayload(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    const app = this.app;
    if (app === null || (this.bits & BIT_APP_DONE) !== 0) return;
    if ((app.payload(fromOrig, buf, off, len, ts) as unknown) === false) this.bits |= BIT_APP_DONE;
  }

  /** This connection's TCP state (the object itself for TCP), null for other transports. */
  get tcp(): TcpSession | null {
    return null;
  }

  /** IP protocol number (6, 17, 1, 58, or any other for unknown transports). */
  get ipProto(): number {
    return this.k0 >>> 24;
  }

  /** Address length in bytes (4 or 16). */
  get addrLen(): number {
    return (this.k0 >>> 16) & 0xff;
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
    this.vlans = outer * 8192 + inner;
  }

  /**
   * Hash of the key (flow-table.ts buildKey: FNV-1a over the key words, then a finaliser),
   * recomputed from the key words when the connection leaves the table instead of kept.
   */
  get hash(): number {
    let h = 0x811c9dc5;
    h = Math.imul(h ^ this.k0, 0x01000193);
    h = Math.imul(h ^ this.k1, 0x01000193);
    h = Math.imul(h ^ this.k2, 0x01000193);
    h = Math.imul(h ^ this.k3, 0x01000193);
    const x = this.kx;
    if (x !== null) {
      h = Math.imul(h ^ x.w4, 0x01000193);
      h = Math.imul(h ^ x.w5, 0x01000193);
      h = Math.imul(h ^ x.w6, 0x01000193);
      h = Math.imul(h ^ x.w7, 0x01000193);
      h = Math.imul(h ^ x.w8, 0x01000193);
      h = Math.imul(h ^ x.w9, 0x01000193);
    }
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & 0x3fffffff;
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
    const n = this.burstCount;
    if (n !== 0 && (sec - prevSec) * 1e6 + (usec - prevUsec) < BURST_GAP_USEC) return;
    this.burstCount = n + 1;
    if (n === 0) {
      this.burst0Sec = sec;
      this.burst0Usec = usec;
    } else if (n === 1) {
      this.bursts = [this.burst0Sec + this.burst0Usec / 1e6, sec + usec / 1e6];
    } else if (n < MAX_ORIG_BURSTS) {
      this.bursts!.push(sec + usec / 1e6);
    }
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
    this.history = appendHistory(this.history, code);
    this.historyIsH = this.history === 'H';
  }

  /** Writes the key bytes (see flow-table.ts buildKey) into `out` (40 bytes). */
  keyBytes(out: Uint8Array): void {
    const x = this.kx;
    putWord(out, 0, this.k0);
    putWord(out, 4, this.k1);
    putWord(out, 8, this.k2);
    putWord(out, 12, this.k3);
    putWord(out, 16, x === null ? 0 : x.w4);
    putWord(out, 20, x === null ? 0 : x.w5);
    putWord(out, 24, x === null ? 0 : x.w6);
    putWord(out, 28, x === null ? 0 : x.w7);
    putWord(out, 32, x === null ? 0 : x.w8);
    putWord(out, 36, x === null ? 0 : x.w9);
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
