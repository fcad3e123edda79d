import { TunnelType, type PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { IP_PROTO_LAYERS, Layer } from './dispatch.js';
import { versionMismatch } from './ipv4.js';
import { Weird } from './weirds.js';

/*
 * IPv6 (RFC 8200):
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                 Source Address (16)                           |
 *   |              Destination Address (16)                         |
 * followed by a chain of extension headers, each naming the next:
 *   hop-by-hop (0), routing (43), destination options (60), mobility (135):
 *     | next (1) | hdr ext len (1) in 8-byte units, not counting the first 8 | ...
 *   AH (51, RFC 4302): | next (1) | payload len (1) in 4-byte units, minus 2 | ...
 *   fragment (44):     | next (1) | reserved | offset (13) res (2) M (1) | identification (4) |
 * The walk stops at ESP (50: the rest is encrypted) and at "no next header" (59).
 */

const IPV6_HDR = 40;

export function decodeIpv6(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  const cap = c.end - off;
  if (cap < IPV6_HDR) return c.pendingTunnel !== 0 ? -Weird.truncated_inner_IP : -Weird.truncated_IP;
  const v = buf[off] >> 4;
  if (v !== 6) return versionMismatch(c, v);
  const wireAvail = c.wireEnd - off;
  let nh = buf[off + 6];
  const plen = (buf[off + 4] << 8) | buf[off + 5];
  let total = IPV6_HDR + plen;
  if (plen === 0 && nh !== 59 && wireAvail > IPV6_HDR) {
    // Segmentation offload (or a jumbogram, RFC 2675): take the length from the frame.
    c.note(Weird.ip_hdr_len_zero);
    total = wireAvail;
  }
  if (total > wireAvail) return c.pendingTunnel !== 0 ? -Weird.truncated_inner_IP : -Weird.truncated_IP_len;
  if (c.pendingTunnel === TunnelType.IpInIp && total < wireAvail) return -Weird.inner_IP_payload_length_mismatch;

  const ipEnd = off + total;
  let end = c.end;
  if (ipEnd < end) end = ipEnd;

  meta.ipVersion = 6;
  meta.ipOff = off;
  meta.ipLen = total;
  meta.srcOff = off + 8;
  meta.dstOff = off + 24;
  meta.addrLen = 16;
  meta.ttl = buf[off + 7];

  let p = off + IPV6_HDR;
  let prevNhOff = off + 6;
  let fragment = false;
  for (;;) {
    let len: number;
    if (nh === 0 || nh === 43 || nh === 60) {
      if (p + 2 > ipEnd) return -Weird.invalid_IP_header_size;
      if (p + 2 > end) return -Weird.internally_truncated_header;
      len = (buf[p + 1] + 1) << 3;
    } else if (nh === 51) {
      if (p + 2 > ipEnd) return -Weird.invalid_IP_header_size;
      if (p + 2 > end) return -Weird.internally_truncated_header;
      len = (buf[p + 1] + 2) << 2;
    } else if (nh === 44) {
      len = 8;
    } else break;
    if (p + len > ipEnd) return -Weird.invalid_IP_header_size;
    if (p + len > end) return -Weird.internally_truncated_header;
    if (nh === 44) {
      const fo = (buf[p + 2] << 8) | buf[p + 3];
      meta.fragOffset = fo & 0xfff8;
      meta.moreFragments = (fo & 1) !== 0;
      meta.ipId = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
      if (meta.fragOffset !== 0 || meta.moreFragments) {
        // A real fragment (an "atomic" one, offset 0 and M clear, RFC 6946, is decoded as is).
        fragment = true;
        c.fragHdrOff = p;
        c.fragPrevNhOff = prevNhOff;
        nh = buf[p];
        p += 8;
        break;
      }
    }
    prevNhOff = p;
    nh = buf[p];
    p += len;
  }

  c.end = end;
  c.wireEnd = ipEnd;
  c.pendingTunnel = 0;
  c.expectVersion = 0;
  meta.ipHdrLen = p - off;
  meta.proto = nh;
  c.off = p;

  if (fragment) {
    if (end < ipEnd) {
      if (meta.fragOffset !== 0) return -Weird.incompletely_captured_fragment;
      c.note(Weird.incompletely_captured_fragment);
    } else {
      return Layer.ReassembleV6;
    }
  }
  if (nh === 59) return -Weird.ipv6_no_next;
  return IP_PROTO_LAYERS[nh];
}
