/**
 * The live state of one connection in the flow table (Zeek's `Connection` plus the
 * ConnSize analyzer's counters). Created once per connection, never per packet.
 */
import type { AppAnalyzer } from '../core/records.js';
import type { TcpSession } from './tcp-session.js';

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

export class Conn {
  /**
   * Canonical key (flow-table.ts buildKey) packed in ten 32-bit words, and its hash, for the
   * table's collision check. Kept as fields so a lookup touches no other object.
   */
  k0 = 0;
  k1 = 0;
  k2 = 0;
  k3 = 0;
  k4 = 0;
  k5 = 0;
  k6 = 0;
  k7 = 0;
  k8 = 0;
  k9 = 0;
  hash: number;
  /** Next connection in the same hash bucket. */
  nextInBucket: Conn | null = null;

  transport: Transport;
  /** IP protocol number (6, 17, 1, 58, or any other for unknown transports). */
  ipProto: number;
  addrLen: number;
  origAddr: Uint8Array;
  respAddr: Uint8Array;
  origPort: number;
  respPort: number;

  startTime: number;
  lastTime: number;
  uid = '';

  history = '';
  histSeen = 0;
  /** history === 'H' (a connection that began with a SYN-ACK), kept as a flag for the hot path. */
  historyIsH = false;

  /** ConnSize counters: packets and IP-level bytes (IPv4 total length, IPv6 40 + payload length). */
  origPkts = 0;
  origIpBytes = 0;
  respPkts = 0;
  respIpBytes = 0;

  /** UDP/ICMP payload byte counts, -1 while the side is inactive (Zeek's request_len/reply_len). */
  reqLen = -1;
  repLen = -1;

  missedBytes = 0;
  vlan = -1;
  innerVlan = -1;
  tunnelParent: string | null = null;
  source = 0;

  tcp: TcpSession | null = null;
  app: AppAnalyzer | null = null;

  /** Timers (absolute packet times; Infinity when not armed). */
  inactivityTimeout: number;
  /** Deadline of this connection's live entry in the timer heap (Infinity when none). */
  heapDeadline = Infinity;
  removed = false;

  constructor(
    key: Int32Array,
    hash: number,
    transport: Transport,
    ipProto: number,
    origAddr: Uint8Array,
    respAddr: Uint8Array,
    origPort: number,
    respPort: number,
    ts: number,
    inactivityTimeout: number,
  ) {
    this.k0 = key[0];
    this.k1 = key[1];
    this.k2 = key[2];
    this.k3 = key[3];
    this.k4 = key[4];
    this.k5 = key[5];
    this.k6 = key[6];
    this.k7 = key[7];
    this.k8 = key[8];
    this.k9 = key[9];
    this.hash = hash;
    this.transport = transport;
    this.ipProto = ipProto;
    this.addrLen = origAddr.length;
    this.origAddr = origAddr;
    this.respAddr = respAddr;
    this.origPort = origPort;
    this.respPort = respPort;
    this.startTime = ts;
    this.lastTime = ts;
    this.inactivityTimeout = inactivityTimeout;
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
    this.history += code;
    this.historyIsH = this.history === 'H';
  }

  /** True when the packet with this source address/port comes from the originator. */
  isOrigSource(buf: Uint8Array, srcOff: number, srcPort: number): boolean {
    if (srcPort !== this.origPort) return false;
    const a = this.origAddr;
    for (let i = 0; i < a.length; i++) if (buf[srcOff + i] !== a[i]) return false;
    return true;
  }

  /** Zeek's Connection::FlipRoles: swap the endpoints and their counters, then add `^`. */
  flipRoles(): void {
    const ta = this.origAddr;
    this.origAddr = this.respAddr;
    this.respAddr = ta;
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
    if (this.tcp) this.tcp.flipRoles();
    this.addHistory('^');
  }
}
