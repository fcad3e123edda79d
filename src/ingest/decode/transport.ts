import type { PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { Layer } from './dispatch.js';
import { decodeUdpTunnel, udpTunnelOfPort } from './tunnel.js';
import { Weird } from './weirds.js';

/*
 * Transport headers. The cursor spans the IP payload: `wireEnd - off` is its length per
 * the IP header, `end - off` what was captured of it.
 *
 * TCP (RFC 9293):
 *   |          Source Port          |       Destination Port        |
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   | Offset| Rsrvd |C|E|U|A|P|R|S|F|            Window             |
 *   |           Checksum            |         Urgent Pointer        |
 *   |                    Options (Offset > 5)                       |
 * UDP (RFC 768): | src port | dst port | length | checksum |
 * ICMP (RFC 792) / ICMPv6 (RFC 4443): | type | code | checksum | 4 bytes by type |
 *
 * As Zeek's IPBasedAnalyzer::CheckHeaderTrunc: a header longer than the IP payload is
 * `truncated_header`, one the IP payload holds but the capture cut is
 * `internally_truncated_header`. TCP options cut by the snaplen are `truncated_header`
 * too (Zeek's TCPAnalyzer::ExtractTCP_Header), so such a packet is not handed on.
 * A payload cut by the snaplen is fine: payloadLen < payloadWireLen.
 */

const TCP_MIN_HDR = 20;
const UDP_HDR = 8;
const ICMP_MIN_HDR = 8;

export function decodeTcp(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  const wire = c.wireEnd - off;
  const cap = c.end - off;
  if (wire < TCP_MIN_HDR) return -Weird.truncated_header;
  if (cap < TCP_MIN_HDR) return -Weird.internally_truncated_header;
  const hl = (buf[off + 12] >> 4) << 2;
  if (hl < TCP_MIN_HDR) return -Weird.bad_TCP_header_len;
  if (hl > wire || hl > cap) return -Weird.truncated_header;
  meta.l4Off = off;
  meta.srcPort = (buf[off] << 8) | buf[off + 1];
  meta.dstPort = (buf[off + 2] << 8) | buf[off + 3];
  // Built by hand: Buffer#readUInt32BE is not inlined and costs ~10% of a decode.
  meta.seq = ((buf[off + 4] << 24) | (buf[off + 5] << 16) | (buf[off + 6] << 8) | buf[off + 7]) >>> 0;
  meta.ack = ((buf[off + 8] << 24) | (buf[off + 9] << 16) | (buf[off + 10] << 8) | buf[off + 11]) >>> 0;
  meta.tcpFlags = buf[off + 13];
  meta.win = (buf[off + 14] << 8) | buf[off + 15];
  meta.tcpHdrLen = hl;
  meta.payloadOff = off + hl;
  meta.payloadLen = cap - hl;
  meta.payloadWireLen = wire - hl;
  return Layer.Done;
}

export function decodeUdp(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  const wire = c.wireEnd - off;
  const cap = c.end - off;
  if (wire < UDP_HDR) return -Weird.truncated_header;
  if (cap < UDP_HDR) return -Weird.internally_truncated_header;
  meta.l4Off = off;
  meta.srcPort = (buf[off] << 8) | buf[off + 1];
  meta.dstPort = (buf[off + 2] << 8) | buf[off + 3];
  // Zeek trusts the IP length and only flags a UDP length that disagrees with it (not in a
  // first fragment kept without reassembly, whose IP payload is only part of the datagram).
  if (((buf[off + 4] << 8) | buf[off + 5]) !== wire && !meta.moreFragments) c.note(Weird.UDP_datagram_length_mismatch);
  meta.payloadOff = off + UDP_HDR;
  meta.payloadLen = cap - UDP_HDR;
  meta.payloadWireLen = wire - UDP_HDR;
  // UDP tunnels (tunnel.ts): one comparison per port on the common path.
  let tunnel = udpTunnelOfPort(meta.dstPort);
  if (tunnel === 0) tunnel = udpTunnelOfPort(meta.srcPort);
  if (tunnel !== 0 && !meta.moreFragments) return decodeUdpTunnel(c, meta, off + UDP_HDR, tunnel);
  return Layer.Done;
}

export function decodeIcmp(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  const wire = c.wireEnd - off;
  const cap = c.end - off;
  if (wire < ICMP_MIN_HDR) return -Weird.truncated_header;
  if (cap < ICMP_MIN_HDR) return -Weird.internally_truncated_header;
  meta.l4Off = off;
  meta.icmpType = buf[off];
  meta.icmpCode = buf[off + 1];
  meta.payloadOff = off + ICMP_MIN_HDR;
  meta.payloadLen = cap - ICMP_MIN_HDR;
  meta.payloadWireLen = wire - ICMP_MIN_HDR;
  return Layer.Done;
}

/** An IP protocol without a decoder here (ESP, SCTP, OSPF, ...): the payload is the IP payload. */
export function decodeOtherTransport(c: DecodeCursor, meta: PacketMeta): number {
  meta.l4Off = c.off;
  meta.payloadOff = c.off;
  meta.payloadLen = c.end - c.off;
  meta.payloadWireLen = c.wireEnd - c.off;
  return Layer.Done;
}
