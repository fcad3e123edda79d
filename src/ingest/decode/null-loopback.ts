import type { PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { Layer } from './dispatch.js';
import { Weird } from './weirds.js';

/*
 * BSD loopback encapsulation, LINKTYPE_NULL (0) and LINKTYPE_LOOP (108):
 *   | address family (4 bytes) | IP packet ...
 * NULL writes the family in the byte order of the capturing host, LOOP in network byte
 * order, and files are moved between hosts: like Wireshark we accept either order (a
 * family never exceeds 0xffff, so the swapped reading is the one above it).
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
 */
export function decodeNullLoopback(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  if (c.end - off <= 4) return -Weird.null_analyzer_failed; // Zeek: "4 >= len"
  const buf = c.buf;
  // Read little-endian; a value above 0xffff means the file was written big-endian.
  let family = (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
  if (family > 0xffff) family = ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
  c.off = off + 4;
  switch (family) {
    case 2:
      meta.ethertype = 0x0800;
      c.expectVersion = 4;
      return Layer.Ipv4;
    case 24:
    case 28:
    case 30:
      meta.ethertype = 0x86dd;
      c.expectVersion = 6;
      return Layer.Ipv6;
    default:
      // OSI, IPX, AppleTalk ...: not IP. Reported under the family number.
      meta.ethertype = family;
      return Layer.NonIp;
  }
}
