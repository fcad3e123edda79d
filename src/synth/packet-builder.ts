/**
 * Builds well-formed Ethernet frames (optionally 802.1Q-tagged) carrying IPv4 or IPv6 with
 * TCP, UDP or ICMP, with correct checksums, for the project's generators. Not on any hot path
 * of the analyzer itself.
 */
import { parseIp } from '../core/ip.js';

export interface FrameSpec {
  src: string;
  dst: string;
  /** 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 */
  proto: number;
  sport?: number;
  dport?: number;
  /** TCP only */
  seq?: number;
  ack?: number;
  flags?: number;
  win?: number;
  /** ICMP only */
  icmpType?: number;
  icmpCode?: number;
  payload?: Buffer;
  vlan?: number;
  ttl?: number;
  ipId?: number;
  srcMac?: Buffer;
  dstMac?: Buffer;
}

const DEFAULT_SRC_MAC = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
const DEFAULT_DST_MAC = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);
const EMPTY = Buffer.alloc(0);

function sum16(buf: Uint8Array, off: number, len: number, acc: number): number {
  let s = acc;
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) s += (buf[i] << 8) | buf[i + 1];
  if (i < end) s += buf[i] << 8;
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Builds one frame from the spec. */
export function buildFrame(spec: FrameSpec): Buffer {
  const srcIp = parseIp(spec.src);
  const dstIp = parseIp(spec.dst);
  if (!srcIp || !dstIp || srcIp.length !== dstIp.length) throw new Error(`bad addresses ${spec.src} ${spec.dst}`);
  const v6 = srcIp.length === 16;
  const payload = spec.payload ?? EMPTY;

  // Transport header + payload
  let l4: Buffer;
  if (spec.proto === 6) {
    l4 = Buffer.alloc(20 + payload.length);
    l4.writeUInt16BE(spec.sport ?? 0, 0);
    l4.writeUInt16BE(spec.dport ?? 0, 2);
    l4.writeUInt32BE((spec.seq ?? 0) >>> 0, 4);
    l4.writeUInt32BE((spec.ack ?? 0) >>> 0, 8);
    l4[12] = 5 << 4;
    l4[13] = spec.flags ?? 0;
    l4.writeUInt16BE(spec.win ?? 65535, 14);
    payload.copy(l4, 20);
  } else if (spec.proto === 17) {
    l4 = Buffer.alloc(8 + payload.length);
    l4.writeUInt16BE(spec.sport ?? 0, 0);
    l4.writeUInt16BE(spec.dport ?? 0, 2);
    l4.writeUInt16BE(8 + payload.length, 4);
    payload.copy(l4, 8);
  } else {
    l4 = Buffer.alloc(8 + payload.length);
    l4[0] = spec.icmpType ?? 8;
    l4[1] = spec.icmpCode ?? 0;
    payload.copy(l4, 8);
  }
  // Checksums (pseudo-header for TCP/UDP/ICMPv6)
  const csumOff = spec.proto === 6 ? 16 : spec.proto === 17 ? 6 : 2;
  let acc = 0;
  if (spec.proto !== 1) {
    acc = sum16(srcIp, 0, srcIp.length, acc);
    acc = sum16(dstIp, 0, dstIp.length, acc);
    acc += spec.proto + l4.length;
  }
  let c = fold(sum16(l4, 0, l4.length, acc));
  if (spec.proto === 17 && c === 0) c = 0xffff;
  l4.writeUInt16BE(c, csumOff);

  // IP header
  let ip: Buffer;
  if (!v6) {
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + l4.length, 2);
    ip.writeUInt16BE(spec.ipId ?? 0, 4);
    ip[6] = 0x40; // DF
    ip[8] = spec.ttl ?? 64;
    ip[9] = spec.proto;
    Buffer.from(srcIp).copy(ip, 12);
    Buffer.from(dstIp).copy(ip, 16);
    ip.writeUInt16BE(fold(sum16(ip, 0, 20, 0)), 10);
  } else {
    ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(l4.length, 4);
    ip[6] = spec.proto;
    ip[7] = spec.ttl ?? 64;
    Buffer.from(srcIp).copy(ip, 8);
    Buffer.from(dstIp).copy(ip, 24);
  }

  // Ethernet (+ 802.1Q)
  const tagged = spec.vlan !== undefined;
  const eth = Buffer.alloc(tagged ? 18 : 14);
  (spec.dstMac ?? DEFAULT_DST_MAC).copy(eth, 0);
  (spec.srcMac ?? DEFAULT_SRC_MAC).copy(eth, 6);
  if (tagged) {
    eth.writeUInt16BE(0x8100, 12);
    eth.writeUInt16BE(spec.vlan! & 0x0fff, 14);
    eth.writeUInt16BE(v6 ? 0x86dd : 0x0800, 16);
  } else {
    eth.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  }
  return Buffer.concat([eth, ip, l4]);
}

/** Where generated frames go: a pcap writer, a buffer, a test array. */
export type FrameSink = (ts: number, frame: Buffer) => void;

/**
 * A TCP conversation with a correct handshake, sequence numbers, ACKs and teardown.
 * Times are given per call; the helpers add small, deterministic gaps between packets.
 */
export class TcpConversation {
  private cSeq: number;
  private sSeq: number;
  private ipIdC = 1;
  private ipIdS = 1;
  /** Round-trip time used between a packet and its answer (seconds). */
  rtt = 0.02;
  constructor(
    private readonly sink: FrameSink,
    readonly client: string,
    readonly cport: number,
    readonly server: string,
    readonly sport: number,
    isn: { client: number; server: number } = { client: 1000, server: 5000 },
    readonly vlan?: number,
  ) {
    this.cSeq = isn.client >>> 0;
    this.sSeq = isn.server >>> 0;
  }

  private frame(fromClient: boolean, flags: number, payload?: Buffer): Buffer {
    return buildFrame({
      src: fromClient ? this.client : this.server,
      dst: fromClient ? this.server : this.client,
      proto: 6,
      sport: fromClient ? this.cport : this.sport,
      dport: fromClient ? this.sport : this.cport,
      seq: fromClient ? this.cSeq : this.sSeq,
      ack: flags & 0x10 ? (fromClient ? this.sSeq : this.cSeq) : 0,
      flags,
      payload,
      vlan: this.vlan,
      ipId: fromClient ? this.ipIdC++ : this.ipIdS++,
    });
  }

  /** SYN, SYN-ACK, ACK starting at `ts`; returns the time after the handshake. */
  handshake(ts: number): number {
    this.sink(ts, this.frame(true, 0x02));
    this.cSeq = (this.cSeq + 1) >>> 0;
    this.sink(ts + this.rtt / 2, this.frame(false, 0x12));
    this.sSeq = (this.sSeq + 1) >>> 0;
    this.sink(ts + this.rtt, this.frame(true, 0x10));
    return ts + this.rtt;
  }

  /** A SYN that is answered with RST-ACK (a closed port). */
  rejected(ts: number): number {
    this.sink(ts, this.frame(true, 0x02));
    this.cSeq = (this.cSeq + 1) >>> 0;
    this.sink(ts + this.rtt / 2, this.frame(false, 0x14));
    return ts + this.rtt / 2;
  }

  /**
   * Sends `data` from one side in segments of at most `mss` bytes, the other side ACKing
   * every second segment. Returns the time after the last ACK.
   */
  send(fromClient: boolean, ts: number, data: Buffer, mss = 1460, gap = 0.0005): number {
    let t = ts;
    let n = 0;
    for (let off = 0; off < data.length; off += mss) {
      const seg = data.subarray(off, Math.min(data.length, off + mss));
      const last = off + mss >= data.length;
      this.sink(t, this.frame(fromClient, last ? 0x18 : 0x10, seg));
      if (fromClient) this.cSeq = (this.cSeq + seg.length) >>> 0;
      else this.sSeq = (this.sSeq + seg.length) >>> 0;
      n++;
      if (n % 2 === 0 || last) this.sink(t + this.rtt / 2, this.frame(!fromClient, 0x10));
      t += gap;
    }
    return t + this.rtt / 2;
  }

  /** FIN from `fromClient`'s side, FIN-ACK back, final ACK. */
  close(ts: number, fromClient = true): number {
    this.sink(ts, this.frame(fromClient, 0x11));
    if (fromClient) this.cSeq = (this.cSeq + 1) >>> 0;
    else this.sSeq = (this.sSeq + 1) >>> 0;
    this.sink(ts + this.rtt / 2, this.frame(!fromClient, 0x11));
    if (fromClient) this.sSeq = (this.sSeq + 1) >>> 0;
    else this.cSeq = (this.cSeq + 1) >>> 0;
    this.sink(ts + this.rtt, this.frame(fromClient, 0x10));
    return ts + this.rtt;
  }

  /** RST from one side. */
  reset(ts: number, fromClient = true): number {
    this.sink(ts, this.frame(fromClient, 0x14));
    return ts;
  }
}

/** One UDP datagram. */
export function udpFrame(src: string, sport: number, dst: string, dport: number, payload: Buffer, vlan?: number): Buffer {
  return buildFrame({ src, dst, proto: 17, sport, dport, payload, vlan });
}

/** Deterministic PRNG (mulberry32): the same seed always gives the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
