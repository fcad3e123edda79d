import type { PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { Layer, PPP_LAYERS } from './dispatch.js';
import { etherTypeNext } from './ethernet.js';
import { Weird } from './weirds.js';

/*
 * PPP (RFC 1661), as LINKTYPE_PPP: optional HDLC-like framing (RFC 1662) address 0xff,
 * control 0x03, then the protocol field: 2 bytes, or 1 byte when protocol-field
 * compression is on (the low bit of the first byte is then 1, RFC 1661 section 6.5).
 *   | [0xff 0x03] | protocol (1 or 2) | information ...
 *
 * PPPoE session stage (RFC 2516), ethertype 0x8864:
 *   | ver(4)=1 type(4)=1 | code (1)=0 | session id (2) | length (2) | PPP protocol (2) | ...
 */

export function decodePpp(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  if (c.end - off <= 2) return -Weird.truncated_ppp_header; // Zeek: "2 >= len"
  const buf = c.buf;
  if (buf[off] === 0xff && buf[off + 1] === 0x03) c.off = off + 2;
  return decodePppProtocol(c, meta);
}

export function decodePppProtocol(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  if (c.end - off < 1) return -Weird.truncated_ppp_header;
  let proto: number;
  if ((buf[off] & 0x01) !== 0) {
    proto = buf[off];
    c.off = off + 1;
  } else {
    if (c.end - off < 2) return -Weird.truncated_ppp_header;
    proto = (buf[off] << 8) | buf[off + 1];
    c.off = off + 2;
  }
  const next = PPP_LAYERS[proto];
  if (next === Layer.Ipv4) meta.ethertype = 0x0800;
  else if (next === Layer.Ipv6) meta.ethertype = 0x86dd;
  return next === Layer.None ? Layer.NonIp : next;
}

export function decodePppoeSession(c: DecodeCursor, _meta: PacketMeta): number {
  const off = c.off;
  // Zeek: "8 >= len" (the PPPoE header and the PPP protocol field, then at least one byte).
  if (c.end - off <= 8) return -Weird.truncated_pppoe_header;
  const buf = c.buf;
  // The PPPoE length covers the PPP protocol field and payload; bytes after it are not
  // delivered (Zeek's PPPoEAnalyzer). Only the captured view is narrowed: the IP length is
  // still checked against the frame, so an IP datagram longer than the PPPoE payload is
  // treated like a snaplen cut (payloadLen < payloadWireLen), as Zeek does.
  const lim = off + 6 + ((buf[off + 4] << 8) | buf[off + 5]);
  if (lim < c.end) c.end = lim;
  c.off = off + 6;
  return Layer.PppProtocol;
}

/*
 * Cisco HDLC, LINKTYPE_C_HDLC (104): | address 0x0f/0x8f | control 0x00 | protocol (ethertype) |
 */
export function decodeCiscoHdlc(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  if (c.end - off < 4) return -Weird.truncated_link_header;
  const buf = c.buf;
  c.off = off + 4;
  return etherTypeNext(c, meta, (buf[off + 2] << 8) | buf[off + 3], Weird.undefined_ether_type);
}
