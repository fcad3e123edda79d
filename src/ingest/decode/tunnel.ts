import { TunnelType, type PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { ETHERTYPE_LAYERS, Layer } from './dispatch.js';
import { decodePppProtocol } from './ppp.js';
import { Weird } from './weirds.js';

/*
 * GRE (RFC 2784 / RFC 2890; version 1 is PPTP's enhanced GRE, RFC 2637):
 *   |C|R|K|S|s|Recur|A| Flags |Ver|        Protocol Type          |
 *   |  Checksum (if C or R)         |   Offset (if C or R)          |
 *   |                         Key (if K)                            |
 *   |                    Sequence Number (if S)                     |
 *   |                 Acknowledgment Number (if A, version 1)       |
 * Protocol 0x0800 / 0x86dd: IP; 0x6558: Ethernet (transparent bridging); 0x88be: ERSPAN
 * type I/II (8-byte ERSPAN header when S is set); 0x22eb: ERSPAN type III (12 bytes, plus
 * an 8-byte subheader when its O bit is set); version 1 carries PPP (0x880b).
 * Checks and weird names follow Zeek's GREAnalyzer.
 *
 * IP-in-IP: IPv4 protocol 4 (RFC 2003) and 41 (IPv6 in IPv4 or IPv6, RFC 4213 / 2473).
 *
 * UDP tunnels, on their well-known port as Zeek registers them (Tunnel::vxlan_ports,
 * geneve_ports, teredo_ports, gtpv1_ports; Zeek looks at the responder's port, we take
 * either port, which is the same for both directions of a tunnel):
 *   VXLAN (RFC 7348), 4789:  | flags (I = 0x08) | reserved (3) | VNI (3) | reserved (1) | Ethernet ...
 *   Geneve (RFC 8926), 6081: | ver(2) optlen(6) | O C rsvd | protocol (2) | VNI (3) | rsvd | options | ...
 *   Teredo (RFC 4380), 3544: [authentication: 0x0001, id len, auth len, id, auth, nonce (8), conf (1)]
 *                            [origin indication: 0x0000, port (2), address (4)] IPv6 ...
 *   GTPv1-U (TS 29.281), 2152: | ver(3)=1 PT(1)=1 res E S PN | type 0xff (G-PDU) | length (2) | TEID (4) |
 *                            [seq (2) N-PDU (1) next ext type (1)] [extension headers] IP ...
 *   AYIYA, 5072:             | id len(4) id type(4) | sig len(4) hash(4) | auth(4) opcode(4) |
 *                            next header (1) | epoch (4) | identity (2^idlen) | signature (4*siglen) | IP ...
 * A header that does not check out leaves the packet as plain UDP (Zeek: an analyzer
 * violation, the UDP connection goes on); so do AYIYA messages other than "forward".
 *
 * The decoded packet is the inner one; the outermost tunnel's addresses (and UDP ports)
 * are kept in the `outer*` fields and `tunnel`. Like Zeek (Tunnel::max_depth = 2) we
 * unwrap at most MAX_TUNNEL_DEPTH tunnels.
 */

export const MAX_TUNNEL_DEPTH = 2;
export const VXLAN_PORT = 4789;
export const GENEVE_PORT = 6081;
export const TEREDO_PORT = 3544;
export const GTPV1_U_PORT = 2152;
export const AYIYA_PORT = 5072;
const ETH_HDR = 14;

const GRE_C = 0x8000;
const GRE_R = 0x4000;
const GRE_K = 0x2000;
const GRE_S = 0x1000;
const GRE_A = 0x0080;
const GRE_RESERVED = 0x0078;

function enterTunnel(c: DecodeCursor, meta: PacketMeta, type: TunnelType, outerProto: number): void {
  if (meta.tunnel === 0) {
    meta.tunnel = type;
    meta.outerSrcOff = meta.srcOff;
    meta.outerDstOff = meta.dstOff;
    meta.outerAddrLen = meta.addrLen;
    meta.outerProto = outerProto;
    if (outerProto === 17) {
      meta.outerSrcPort = meta.srcPort;
      meta.outerDstPort = meta.dstPort;
    }
  }
  c.depth++;
  c.pendingTunnel = type;
}

export function decodeGre(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  const cap = c.end - off;
  if (cap < 4) return -Weird.truncated_GRE;
  if (c.depth >= MAX_TUNNEL_DEPTH) return -Weird.exceeded_tunnel_max_depth;
  const flags = (buf[off] << 8) | buf[off + 1];
  const proto = (buf[off + 2] << 8) | buf[off + 3];
  const version = flags & 0x0007;
  let hl = 4;
  if ((flags & (GRE_C | GRE_R)) !== 0) hl += 4;
  if ((flags & GRE_K) !== 0) hl += 4;
  if ((flags & GRE_S) !== 0) hl += 4;
  if ((flags & GRE_A) !== 0) hl += 4;
  if (version > 1) return -Weird.unknown_gre_version;
  if (version === 1 && proto !== 0x880b) return -Weird.egre_protocol_type;
  if ((flags & GRE_R) !== 0) return -Weird.gre_routing;
  if ((flags & GRE_RESERVED) !== 0) return -Weird.unknown_gre_flags;
  if (cap < hl) return -Weird.truncated_GRE;

  enterTunnel(c, meta, TunnelType.Gre, 47);
  let p = off + hl;
  if (version === 1) {
    // PPTP: PPP, with or without the HDLC address/control bytes.
    if (c.end - p >= 2 && buf[p] === 0xff && buf[p + 1] === 0x03) p += 2;
    c.off = p;
    const next = decodePppProtocol(c, meta);
    if (next === Layer.Ipv4 || next === Layer.Ipv6) return next;
    return next < 0 ? -Weird.truncated_GRE : -Weird.non_ip_packet_in_encap;
  }
  switch (proto) {
    case 0x0800:
      c.off = p;
      c.expectVersion = 4;
      return Layer.Ipv4;
    case 0x86dd:
      c.off = p;
      c.expectVersion = 6;
      return Layer.Ipv6;
    case 0x6558:
      c.off = p;
      return Layer.Ethernet;
    case 0x88be:
      // ERSPAN type II has a sequence number and an 8-byte header; type I has neither.
      if ((flags & GRE_S) !== 0) p += 8;
      if (c.end - p < 14) return -Weird.truncated_GRE;
      c.off = p;
      return Layer.Ethernet;
    case 0x22eb: {
      if (c.end - p < 12 + 14) return -Weird.truncated_GRE;
      const hasSubheader = (buf[p + 11] & 0x01) !== 0;
      p += 12;
      if (hasSubheader) p += 8;
      if (c.end - p < 14) return -Weird.truncated_GRE;
      c.off = p;
      return Layer.Ethernet;
    }
    default: {
      c.off = p;
      meta.ethertype = proto;
      const next = ETHERTYPE_LAYERS[proto];
      return next === Layer.None ? Layer.NonIp : next;
    }
  }
}

export function decodeIpInIp4(c: DecodeCursor, meta: PacketMeta): number {
  if (c.depth >= MAX_TUNNEL_DEPTH) return -Weird.exceeded_tunnel_max_depth;
  enterTunnel(c, meta, TunnelType.IpInIp, 4);
  c.expectVersion = 4;
  return Layer.Ipv4;
}

export function decodeIpInIp6(c: DecodeCursor, meta: PacketMeta): number {
  if (c.depth >= MAX_TUNNEL_DEPTH) return -Weird.exceeded_tunnel_max_depth;
  enterTunnel(c, meta, TunnelType.IpInIp, 41);
  c.expectVersion = 6;
  return Layer.Ipv6;
}

/** The UDP tunnel a port announces (0: none). */
export function udpTunnelOfPort(port: number): TunnelType {
  switch (port) {
    case VXLAN_PORT:
      return TunnelType.Vxlan;
    case GENEVE_PORT:
      return TunnelType.Geneve;
    case TEREDO_PORT:
      return TunnelType.Teredo;
    case GTPV1_U_PORT:
      return TunnelType.Gtpv1;
    case AYIYA_PORT:
      return TunnelType.Ayiya;
    default:
      return TunnelType.None;
  }
}

/**
 * A UDP tunnel inside the UDP payload at `off` (the UDP header is decoded).
 * @param type the tunnel the UDP port announces.
 * @returns the Layer of the inner packet, or Layer.Done to keep the packet as plain UDP.
 */
export function decodeUdpTunnel(c: DecodeCursor, meta: PacketMeta, off: number, type: TunnelType): number {
  const buf = c.buf;
  const end = c.end;
  let inner: number;
  let next: number;
  switch (type) {
    case TunnelType.Vxlan:
      if (end - off < 8 + ETH_HDR || (buf[off] & 0x08) === 0) return Layer.Done;
      inner = off + 8;
      next = Layer.Ethernet;
      break;
    case TunnelType.Geneve: {
      if (end - off < 8) return Layer.Done;
      if (buf[off] >> 6 !== 0) {
        c.note(Weird.geneve_invalid_version);
        return Layer.Done;
      }
      inner = off + 8 + ((buf[off] & 0x3f) << 2);
      const proto = (buf[off + 2] << 8) | buf[off + 3];
      next = proto === 0x6558 ? Layer.Ethernet : ETHERTYPE_LAYERS[proto];
      if (next === Layer.None || end - inner < (next === Layer.Ethernet ? ETH_HDR : 1)) return Layer.Done;
      break;
    }
    case TunnelType.Teredo:
      inner = teredoInner(buf, off, end, c.wireEnd);
      if (inner < 0) return Layer.Done;
      next = Layer.Ipv6;
      break;
    case TunnelType.Gtpv1:
      inner = gtpInner(buf, off, end);
      if (inner < 0) return Layer.Done;
      next = Layer.RawIp;
      break;
    default: {
      // AYIYA: only "forward" (opcode 1) of IPv4 (4) or IPv6 (41) carries a packet.
      if (end - off < 8 || (buf[off + 2] & 0x0f) !== 1) return Layer.Done;
      const nh = buf[off + 3];
      if (nh !== 4 && nh !== 41) return Layer.Done;
      inner = off + 8 + (1 << (buf[off] >> 4)) + ((buf[off + 1] >> 4) << 2);
      if (end - inner < 1) return Layer.Done;
      next = nh === 4 ? Layer.Ipv4 : Layer.Ipv6;
    }
  }
  if (c.depth >= MAX_TUNNEL_DEPTH) {
    c.note(Weird.exceeded_tunnel_max_depth);
    return Layer.Done;
  }
  enterTunnel(c, meta, type, 17);
  if (next === Layer.Ipv6) c.expectVersion = 6;
  else if (next === Layer.Ipv4) c.expectVersion = 4;
  // The inner packet's own transport fields replace the outer UDP ones.
  meta.srcPort = 0;
  meta.dstPort = 0;
  meta.payloadOff = 0;
  meta.payloadLen = 0;
  meta.payloadWireLen = 0;
  c.off = inner;
  return next;
}

/**
 * Offset of the IPv6 header in a Teredo packet at `off`, or -1 when it is not one. As
 * Zeek's TeredoEncapsulation: optional authentication, then optional origin indication,
 * then an IPv6 header whose length fills the UDP payload exactly.
 */
function teredoInner(buf: Buffer, off: number, end: number, wireEnd: number): number {
  let p = off;
  if (end - p >= 2 && buf[p] === 0 && buf[p + 1] === 1) {
    if (end - p < 4) return -1;
    p += 13 + buf[p + 2] + buf[p + 3];
  }
  if (end - p >= 2 && buf[p] === 0 && buf[p + 1] === 0) p += 8;
  if (end - p < 40 || buf[p] >> 4 !== 6) return -1;
  // A bubble (no next header, nothing inside) carries no inner traffic: it stays part of
  // the Teredo UDP connection, as in Zeek, where it reaches no inner analyzer.
  if (buf[p + 6] === 59) return -1;
  return 40 + ((buf[p + 4] << 8) | buf[p + 5]) === wireEnd - p ? p : -1;
}

/**
 * Offset of the inner IP packet of a GTPv1-U G-PDU at `off`, or -1 when it is not one
 * (another message type, a bad version, a broken extension header chain, no IP inside).
 */
function gtpInner(buf: Buffer, off: number, end: number): number {
  if (end - off < 8) return -1;
  const flags = buf[off];
  if (flags >> 5 !== 1 || (flags & 0x10) === 0 || buf[off + 1] !== 0xff) return -1;
  let p = off + 8;
  if ((flags & 0x07) !== 0) {
    if (end - p < 4) return -1;
    let nextExt = (flags & 0x04) !== 0 ? buf[p + 3] : 0;
    p += 4;
    // Extension headers: | length in 4-octet units | contents | next type |
    while (nextExt !== 0) {
      if (end - p < 1 || buf[p] === 0) return -1;
      const len = buf[p] << 2;
      if (end - p < len) return -1;
      nextExt = buf[p + len - 1];
      p += len;
    }
  }
  if (end - p < 20) return -1;
  const v = buf[p] >> 4;
  return v === 4 || v === 6 ? p : -1;
}
