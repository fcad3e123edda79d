import type { PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { Layer } from './dispatch.js';
import { Weird } from './weirds.js';

/*
 * Linux NFLOG, LINKTYPE_NFLOG (239), https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html
 *   | family (1) | version (1) = 0 | resource id (2, BE) | TLV | TLV | ...
 *   TLV: | length (2) | type (2) | value ... | padding to 4 bytes
 * TLV length and type are in host byte order (little-endian on the hosts that write these
 * files; libpcap does not swap them). The length includes the 4-byte TLV header but not the
 * padding. Type 9 (NFULA_PAYLOAD) holds the packet, from layer 3.
 */

const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10;

export function decodeNflog(c: DecodeCursor, meta: PacketMeta): number {
  let off = c.off;
  const end = c.end;
  const buf = c.buf;
  // Zeek's "4 >= len" checks: a header with nothing after it is truncated.
  if (end - off <= 4) return -Weird.truncated_nflog_header;
  const family = buf[off];
  if (buf[off + 1] !== 0) return -Weird.unknown_nflog_version;
  off += 4;
  for (;;) {
    if (end - off <= 4) return -Weird.nflog_no_pcap_payload;
    const tlvLen = buf[off] | (buf[off + 1] << 8);
    const tlvType = buf[off + 2] | (buf[off + 3] << 8);
    if (tlvLen < 4) return -Weird.nflog_bad_tlv_len;
    if (tlvType === NFULA_PAYLOAD) {
      if (off + tlvLen > end && off + tlvLen > c.wireEnd) return -Weird.nflog_bad_tlv_len;
      c.off = off + 4;
      const lim = off + tlvLen;
      if (lim < c.end) c.end = lim;
      if (lim < c.wireEnd) c.wireEnd = lim;
      break;
    }
    const skip = (tlvLen + 3) & ~3;
    if (skip > end - off) return -Weird.nflog_bad_tlv_len;
    off += skip;
  }
  if (family === AF_INET) {
    meta.ethertype = 0x0800;
    c.expectVersion = 4;
    return Layer.Ipv4;
  }
  if (family === AF_INET6) {
    meta.ethertype = 0x86dd;
    c.expectVersion = 6;
    return Layer.Ipv6;
  }
  meta.ethertype = family;
  return Layer.NonIp;
}
