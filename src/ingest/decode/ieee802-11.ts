import type { PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { Layer } from './dispatch.js';
import { decodeLlc } from './ethernet.js';
import { Weird } from './weirds.js';

/*
 * IEEE 802.11 data frames, LINKTYPE_IEEE802_11 (105), and the radiotap header in front of
 * them, LINKTYPE_IEEE802_11_RADIOTAP (127). As Zeek's IEEE802_11 analyzers.
 *
 *   radiotap: | version (1) | pad (1) | length (2, little-endian) | present ... | fields ... |
 *   802.11:   | frame control (2) | duration (2) | addr1 | addr2 | addr3 | seq ctl (2) |
 *             [addr4 when To DS and From DS] [QoS control (2) for QoS subtypes] | LLC/SNAP ...
 *   frame control byte 0: subtype (4) | type (2) | version (2); byte 1: flags
 *   (To DS 0x01, From DS 0x02, Protected 0x40).
 *
 * Management and control frames, data subtypes without data (null, CF-Ack ...) and
 * protected (encrypted) frames are non-IP. In an A-MSDU only the first subframe is decoded:
 * one frame gives one packet here.
 */

const HDR_80211 = 24;

export function decodeRadiotap(c: DecodeCursor, _meta: PacketMeta): number {
  const off = c.off;
  if (c.end - off <= 3) return -Weird.truncated_radiotap_header;
  const len = c.buf[off + 2] | (c.buf[off + 3] << 8);
  if (len >= c.end - off) return -Weird.truncated_radiotap_header;
  c.off = off + len;
  return Layer.Ieee80211;
}

export function decodeIeee80211(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  const buf = c.buf;
  const end = c.end;
  if (end - off <= HDR_80211) return -Weird.truncated_802_11_header;
  const fc0 = buf[off];
  const fc1 = buf[off + 1];
  meta.ethertype = 0;
  // Type 2 is data; subtypes with bit 0x04 carry no data; protected frames are encrypted.
  if (((fc0 >> 2) & 0x03) !== 2 || ((fc0 >> 4) & 0x04) !== 0 || (fc1 & 0x40) !== 0) return Layer.NonIp;
  let hl = HDR_80211;
  if ((fc1 & 0x03) === 0x03) hl += 6;
  let amsdu = false;
  if (((fc0 >> 4) & 0x08) !== 0) {
    if (end - off <= hl) return -Weird.truncated_802_11_header;
    amsdu = (buf[off + hl] & 0x80) !== 0;
    hl += 2;
  }
  if (end - off <= hl) return -Weird.truncated_802_11_header;
  let p = off + hl;
  if (amsdu) {
    // | destination (6) | source (6) | length (2) | LLC ...
    if (end - p < 14) return -Weird.truncated_802_11_amsdu_header;
    const lim = p + 14 + ((buf[p + 12] << 8) | buf[p + 13]);
    if (lim < c.end) c.end = lim;
    if (lim < c.wireEnd) c.wireEnd = lim;
    p += 14;
  }
  if (c.end - p < 8) return -Weird.truncated_802_11_llc_header;
  c.off = p;
  return decodeLlc(c, meta);
}
