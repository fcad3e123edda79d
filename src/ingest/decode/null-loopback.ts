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
  if (c.end - off < 4) return -Weird.null_analyzer_failed;
  const buf = c.buf;
  let family = buf.readUInt32LE(off);
  if (family > 0xffff) family = buf.readUInt32BE(off);
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
