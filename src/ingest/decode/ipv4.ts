import { TunnelType, type PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { IP_PROTO_LAYERS, Layer } from './dispatch.js';
import { Weird } from './weirds.js';

/*
 * IPv4 (RFC 791):
 *    0                   1                   2                   3
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options (IHL > 5)                          |
 *
 * The checks and their order follow Zeek's IPAnalyzer::AnalyzePacket, so that the same
 * broken packet gets the same weird name. Checksums are not verified (Zeek's `-C`): capture
 * hosts with checksum offload write wrong ones, and Zeek users nearly always run with -C.
 */

const IPV4_MIN_HDR = 20;

/** IP of either version, by the version nibble (raw IP link types, MPLS payload). */
export function decodeRawIp(c: DecodeCursor, _meta: PacketMeta): number {
  if (c.end - c.off < 1) return -Weird.truncated_IP;
  const v = c.buf[c.off] >> 4;
  if (v === 4) return Layer.Ipv4;
  if (v === 6) return Layer.Ipv6;
  return c.pendingTunnel !== 0 ? -Weird.invalid_inner_IP_version : -Weird.unknown_ip_version;
}

/**
 * The version nibble disagrees with what the layer below announced (ethertype, link type,
 * IP-in-IP protocol number). Zeek calls it invalid_inner_IP_version inside a tunnel;
 * outside one it is our `bad_ip_version` (Wireshark: "Bogus IP version"; tcpdump:
 * "[version 6 != 4] (invalid)").
 */
export function versionMismatch(c: DecodeCursor, v: number): number {
  if (c.pendingTunnel !== 0) return -Weird.invalid_inner_IP_version;
  return v === 4 || v === 6 ? -Weird.bad_ip_version : -Weird.unknown_ip_version;
}

export function decodeIpv4(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  const cap = c.end - off;
  if (cap < IPV4_MIN_HDR) return c.pendingTunnel !== 0 ? -Weird.truncated_inner_IP : -Weird.truncated_IP;
  const v = buf[off] >> 4;
  if (v !== 4) return versionMismatch(c, v);
  const hl = (buf[off] & 0x0f) << 2;
  const wireAvail = c.wireEnd - off;
  let total = (buf[off + 2] << 8) | buf[off + 3];
  if (total === 0) {
    // TCP segmentation offload leaves 0 here; Zeek -C then uses the captured length.
    c.note(Weird.ip_hdr_len_zero);
    total = wireAvail;
  }
  if (total > wireAvail) return c.pendingTunnel !== 0 ? -Weird.truncated_inner_IP : -Weird.truncated_IP_len;
  if (c.pendingTunnel === TunnelType.IpInIp && total < wireAvail) return -Weird.inner_IP_payload_length_mismatch;
  if (hl > total) return -Weird.invalid_IP_header_size;
  if (hl > cap) return -Weird.internally_truncated_header;
  if (hl < IPV4_MIN_HDR) return -Weird.IPv4_min_header_size;

  const ipEnd = off + total;
  if (ipEnd < c.end) c.end = ipEnd;
  c.wireEnd = ipEnd;
  c.pendingTunnel = 0;
  c.expectVersion = 0;

  const proto = buf[off + 9];
  const frag = (buf[off + 6] << 8) | buf[off + 7];
  meta.ipVersion = 4;
  meta.ipOff = off;
  meta.ipHdrLen = hl;
  meta.ipLen = total;
  meta.srcOff = off + 12;
  meta.dstOff = off + 16;
  meta.addrLen = 4;
  meta.ttl = buf[off + 8];
  meta.ipId = (buf[off + 4] << 8) | buf[off + 5];
  meta.fragOffset = (frag & 0x1fff) << 3;
  meta.moreFragments = (frag & 0x2000) !== 0;
  meta.proto = proto;
  c.off = off + hl;

  if (meta.moreFragments || meta.fragOffset !== 0) {
    if (c.end < ipEnd) {
      // Reassembly is doomed; like Zeek keep the first fragment (its headers are useful
      // in header-only traces) and drop the others.
      if (meta.fragOffset !== 0) return -Weird.incompletely_captured_fragment;
      c.note(Weird.incompletely_captured_fragment);
    } else {
      return Layer.ReassembleV4;
    }
  }
  return IP_PROTO_LAYERS[proto];
}
