import type { PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { Layer } from './dispatch.js';
import { Weird } from './weirds.js';

/*
 * MPLS label stack entry (RFC 3032), repeated until the bottom-of-stack bit:
 *   0                   1                   2                   3
 *   | Label (20)                            | TC(3) |S| TTL (8)      |
 * "the encapsulated protocol is not encoded": like Zeek and tcpdump we take IPv4 or IPv6
 * from the version nibble of what follows.
 */
export function decodeMpls(c: DecodeCursor, _meta: PacketMeta): number {
  const buf = c.buf;
  const end = c.end;
  let off = c.off;
  for (;;) {
    if (end - off <= 4) return -Weird.truncated_link_header; // Zeek: "4 >= len"
    const bos = buf[off + 2] & 0x01;
    off += 4;
    if (bos !== 0) break;
  }
  c.off = off;
  return Layer.RawIp;
}
