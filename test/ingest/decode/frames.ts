/**
 * Small builders for hand-written test frames. Each writes its header field by field
 * (annotated), so a test reads as the layers it stacks. Checksums are left 0: the
 * decoder does not verify them.
 */
import { parseIp } from '../../../src/core/ip.js';

const addr = (a: string): Buffer => Buffer.from(parseIp(a)!);
const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

export interface Ipv4Opts {
  src?: string;
  dst?: string;
  proto: number;
  id?: number;
  ttl?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  /** IP options (padded by the caller to a multiple of 4). */
  options?: Buffer;
  /** Override the total length field. */
  totalLen?: number;
  /** Override the IHL nibble. */
  ihl?: number;
  version?: number;
}

export function ipv4(o: Ipv4Opts, payload: Buffer): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const hl = 20 + opts.length;
  const flags = (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) >> 3);
  return Buffer.concat([
    Buffer.from([((o.version ?? 4) << 4) | (o.ihl ?? hl / 4), 0]), // version/IHL, TOS
    u16(o.totalLen ?? hl + payload.length), // total length
    u16(o.id ?? 0x1234), // identification
    u16(flags), // flags + fragment offset (8-byte units)
    Buffer.from([o.ttl ?? 64, o.proto]), // TTL, protocol
    u16(0), // header checksum
    addr(o.src ?? '192.168.0.1'),
    addr(o.dst ?? '192.168.0.2'),
    opts,
    payload,
  ]);
}

export interface Ipv6Opts {
  src?: string;
  dst?: string;
  nh: number;
  hlim?: number;
  /** Override the payload length field. */
  plen?: number;
}

export function ipv6(o: Ipv6Opts, payload: Buffer): Buffer {
  return Buffer.concat([
    u32(0x60000000), // version 6, traffic class 0, flow label 0
    u16(o.plen ?? payload.length), // payload length
    Buffer.from([o.nh, o.hlim ?? 64]), // next header, hop limit
    addr(o.src ?? '2001:db8::1'),
    addr(o.dst ?? '2001:db8::2'),
    payload,
  ]);
}

/** An IPv6 extension header of the 8-octet-unit kind (hop-by-hop 0, routing 43, dest opts 60). */
export function ext6(nh: number, units: number): Buffer {
  const b = Buffer.alloc(8 * (units + 1));
  b[0] = nh; // next header
  b[1] = units; // hdr ext len: 8-octet units beyond the first 8
  b[2] = 1; // PadN option filling the rest
  b[3] = b.length - 4;
  return b;
}

/** IPv6 fragment header (44). */
export function frag6(nh: number, offset: number, more: boolean, id: number): Buffer {
  return Buffer.concat([Buffer.from([nh, 0]), u16(offset | (more ? 1 : 0)), u32(id)]);
}

export interface TcpOpts {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  win?: number;
  options?: Buffer;
  /** Override the data offset nibble. */
  doff?: number;
}

export function tcp(o: TcpOpts, payload: Buffer = Buffer.alloc(0)): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const hl = 20 + opts.length;
  return Buffer.concat([
    u16(o.sport ?? 54321), // source port
    u16(o.dport ?? 80), // destination port
    u32(o.seq ?? 1), // sequence number
    u32(o.ack ?? 0), // acknowledgement number
    Buffer.from([(o.doff ?? hl / 4) << 4, o.flags ?? 0x02]), // data offset, flags
    u16(o.win ?? 65535), // window
    u16(0), // checksum
    u16(0), // urgent pointer
    opts,
    payload,
  ]);
}

export function udp(sport: number, dport: number, payload: Buffer, length?: number): Buffer {
  return Buffer.concat([u16(sport), u16(dport), u16(length ?? 8 + payload.length), u16(0), payload]);
}

export function icmp(type: number, code: number, rest: Buffer = Buffer.alloc(4)): Buffer {
  return Buffer.concat([Buffer.from([type, code]), u16(0), rest]);
}

const MAC_DST = Buffer.from('020000000002', 'hex');
const MAC_SRC = Buffer.from('020000000001', 'hex');

/** Ethernet II header with `type`, then `payload`. */
export function eth(type: number, payload: Buffer): Buffer {
  return Buffer.concat([MAC_DST, MAC_SRC, u16(type), payload]);
}

/** One 802.1Q/802.1ad tag (TCI with `vid`), then the next ethertype. */
export function tag(vid: number, next: number, pcp = 0): Buffer {
  return Buffer.concat([u16((pcp << 13) | vid), u16(next)]);
}

/** GRE header: flags/version word, protocol, and the optional 4-byte fields in order. */
export function gre(flagsVer: number, proto: number, ...optional: number[]): Buffer {
  return Buffer.concat([u16(flagsVer), u16(proto), ...optional.map(u32)]);
}

export { u16, u32, addr };
