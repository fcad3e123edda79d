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
 * UDP tunnels, on their well-known destination port as Zeek registers them
 * (Tunnel::vxlan_ports, Tunnel::geneve_ports):
 *   VXLAN (RFC 7348), 4789:  | flags (I = 0x08) | reserved (3) | VNI (3) | reserved (1) | Ethernet ...
 *   Geneve (RFC 8926), 6081: | ver(2) optlen(6) | O C rsvd | protocol (2) | VNI (3) | rsvd | options | ...
 * A header that does not check out leaves the packet as plain UDP (Zeek: an analyzer
 * violation, the UDP connection goes on). Teredo, AYIYA and GTPv1 are not unwrapped.
 *
 * The decoded packet is the inner one; the outermost tunnel's addresses (and UDP ports)
 * are kept in the `outer*` fields and `tunnel`. Like Zeek (Tunnel::max_depth = 2) we
 * unwrap at most MAX_TUNNEL_DEPTH tunnels.
 */

export const MAX_TUNNEL_DEPTH = 2;
export const VXLAN_PORT = 4789;
export const GENEVE_PORT = 6081;
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

/**
 * VXLAN or Geneve inside the UDP payload at `off` (the UDP header is decoded).
 * @returns the Layer of the inner frame, or Layer.Done to keep the packet as plain UDP.
 */
export function decodeUdpTunnel(c: DecodeCursor, meta: PacketMeta, off: number): number {
  const buf = c.buf;
  const avail = c.end - off;
  let inner: number;
  let next: number;
  if (meta.dstPort === VXLAN_PORT) {
    if (avail < 8 + ETH_HDR || (buf[off] & 0x08) === 0) return Layer.Done;
    inner = off + 8;
    next = Layer.Ethernet;
  } else {
    if (avail < 8) return Layer.Done;
    if (buf[off] >> 6 !== 0) {
      c.note(Weird.geneve_invalid_version);
      return Layer.Done;
    }
    inner = off + 8 + ((buf[off] & 0x3f) << 2);
    const proto = (buf[off + 2] << 8) | buf[off + 3];
    next = proto === 0x6558 ? Layer.Ethernet : ETHERTYPE_LAYERS[proto];
    if (next === Layer.None || c.end - inner < (next === Layer.Ethernet ? ETH_HDR : 1)) return Layer.Done;
  }
  if (c.depth >= MAX_TUNNEL_DEPTH) {
    c.note(Weird.exceeded_tunnel_max_depth);
    return Layer.Done;
  }
  enterTunnel(c, meta, meta.dstPort === VXLAN_PORT ? TunnelType.Vxlan : TunnelType.Geneve, 17);
  // The inner packet's own transport fields replace the outer UDP ones.
  meta.srcPort = 0;
  meta.dstPort = 0;
  meta.payloadOff = 0;
  meta.payloadLen = 0;
  meta.payloadWireLen = 0;
  c.off = inner;
  return next;
}
