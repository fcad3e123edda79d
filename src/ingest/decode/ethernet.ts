import type { PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { ETHERTYPE_LAYERS, Layer } from './dispatch.js';
import { Weird } from './weirds.js';

/*
 * Ethernet II / IEEE 802.3 (IEEE 802.3 clause 3), 802.1Q / 802.1ad tags, Cisco VN-Tag.
 *
 *   0                   6                  12      14
 *   +-------------------+-------------------+-------+----------
 *   | destination MAC   | source MAC        | type  | payload ... [FCS]
 *   +-------------------+-------------------+-------+----------
 *   type >= 0x0600: an ethertype; type <= 1500: an 802.3 length, LLC header follows.
 *
 *   802.1Q / 802.1ad tag (after the MAC addresses, replaces `type`):
 *   | TPID 0x8100/0x88a8 (2) | PCP(3) DEI(1) VID(12) | inner type (2) |
 *
 * Trailing bytes (padding to 60 bytes, an FCS) are left to the IP layer, whose total
 * length decides where the datagram ends.
 */

const ETH_HDR = 14;
const ETH_MIN_FRAME = 16;
const VLAN_HDR = 4;
const VNTAG_HDR = 6;

/** Ethertype (or 802.3 length) `type` found at the end of a link header, cursor after it. */
export function etherTypeNext(c: DecodeCursor, meta: PacketMeta, type: number, undefinedCode: Weird): number {
  if (type >= 0x0600) {
    meta.ethertype = type;
    const next = ETHERTYPE_LAYERS[type];
    return next === Layer.None ? Layer.NonIp : next;
  }
  if (type <= 1500) {
    // 802.3 length field: it bounds the LLC frame (the rest is padding).
    const lim = c.off + type;
    if (lim < c.end) c.end = lim;
    if (lim < c.wireEnd) c.wireEnd = lim;
    return Layer.Llc;
  }
  return -undefinedCode;
}

export function decodeEthernet(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  // Zeek's EthernetAnalyzer wants more than 16 bytes ("16 >= len"); we use the same bound
  // so that the same short frames get the same weird name.
  if (c.end - off <= ETH_MIN_FRAME) return -Weird.truncated_ethernet_frame;
  const buf = c.buf;
  c.off = off + ETH_HDR;
  return etherTypeNext(c, meta, (buf[off + 12] << 8) | buf[off + 13], Weird.undefined_ether_type);
}

/*
 * IEEE 802.2 LLC, with SNAP (RFC 1042) carrying an ethertype:
 *   | DSAP 0xAA | SSAP 0xAA | ctrl 0x03 | OUI (3) | ethertype (2) |
 * Other LLC frames (STP, CDP, NetBIOS, ...) are non-IP; their ethertype is reported as 0.
 */
export function decodeLlc(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  meta.ethertype = 0;
  if (c.end - off < 3) return -Weird.truncated_llc_header;
  if (buf[off] === 0xaa && buf[off + 1] === 0xaa && buf[off + 2] === 0x03) {
    if (c.end - off < 8) return -Weird.truncated_llc_header;
    if (buf[off + 3] === 0 && buf[off + 4] === 0 && buf[off + 5] === 0) {
      c.off = off + 8;
      return etherTypeNext(c, meta, (buf[off + 6] << 8) | buf[off + 7], Weird.undefined_ether_type);
    }
  }
  return Layer.NonIp;
}

/** One 802.1Q / 802.1ad tag: outer id to `vlan`, inner to `innerVlan` (Zeek's vlan-logging). */
export function decodeVlan(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  // Zeek's header checks are "header >= remaining": a header with nothing after it is truncated.
  if (c.end - off <= VLAN_HDR) return -Weird.truncated_VLAN_header;
  const buf = c.buf;
  const vid = ((buf[off] << 8) | buf[off + 1]) & 0x0fff;
  // Tags inside a tunnel belong to the inner frame; the packet keeps its outer tags.
  if (meta.tunnel === 0) {
    if (c.vlanTags === 0) meta.vlan = vid;
    else {
      if (c.vlanTags >= 2) c.note(Weird.triple_tagged_vlan_unsupported);
      meta.innerVlan = vid;
    }
    c.vlanTags++;
  }
  c.off = off + VLAN_HDR;
  return etherTypeNext(c, meta, (buf[off + 2] << 8) | buf[off + 3], Weird.undefined_vlan_protocol);
}

/*
 * Cisco VN-Tag (ethertype 0x8926), as Zeek's VNTag analyzer:
 *   | D(1) P(1) dst vif (14) | L(1) R(1) ver(2) src vif (12) | ethertype (2) |
 */
export function decodeVnTag(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  if (c.end - off <= VNTAG_HDR) return -Weird.truncated_vntag_header;
  const buf = c.buf;
  c.off = off + VNTAG_HDR;
  return etherTypeNext(c, meta, (buf[off + 4] << 8) | buf[off + 5], Weird.undefined_ether_type);
}

/*
 * IEEE 802.1ah provider backbone bridging (ethertype 0x88e7), as Zeek's PBB analyzer:
 *   | PCP(3) DEI(1) UCA(1) res(3) | I-SID (3) | customer dst MAC | customer src MAC | type |
 */
export function decodePbb(c: DecodeCursor, _meta: PacketMeta): number {
  if (c.end - c.off < 4 + ETH_HDR) return -Weird.truncated_PBB_header;
  c.off += 4;
  return Layer.Ethernet;
}
