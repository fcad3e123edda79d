import type { PacketMeta } from '../../core/packet.js';
import type { DecodeCursor } from './cursor.js';
import { Layer } from './dispatch.js';
import { etherTypeNext } from './ethernet.js';
import { Weird } from './weirds.js';

/*
 * Linux "cooked" capture, LINKTYPE_LINUX_SLL (113), 16 bytes:
 *   | packet type (2) | ARPHRD type (2) | addr len (2) | addr (8) | protocol (2) |
 * LINKTYPE_LINUX_SLL2 (276), 20 bytes:
 *   | protocol (2) | reserved (2) | if index (4) | ARPHRD type (2) | pkt type (1) | addr len (1) | addr (8) |
 * The protocol is an ethertype, except for a few values below 0x0600 (802.3 / 802.2 LLC /
 * CAN ...) that are not IP; ARPHRD_NETLINK (824) frames carry netlink messages.
 */

const SLL_HDR = 16;
const SLL2_HDR = 20;
const ARPHRD_NETLINK = 824;

export function decodeLinuxSll(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  // As Zeek: a header with nothing after it is truncated.
  if (c.end - off <= SLL_HDR) return -Weird.truncated_Linux_SLL_header;
  const buf = c.buf;
  c.off = off + SLL_HDR;
  return sllProtocol(c, meta, (buf[off + 2] << 8) | buf[off + 3], (buf[off + 14] << 8) | buf[off + 15]);
}

export function decodeLinuxSll2(c: DecodeCursor, meta: PacketMeta): number {
  const off = c.off;
  if (c.end - off <= SLL2_HDR) return -Weird.truncated_Linux_SLL2_header;
  const buf = c.buf;
  c.off = off + SLL2_HDR;
  return sllProtocol(c, meta, (buf[off + 8] << 8) | buf[off + 9], (buf[off] << 8) | buf[off + 1]);
}

function sllProtocol(c: DecodeCursor, meta: PacketMeta, arphrd: number, proto: number): number {
  if (arphrd === ARPHRD_NETLINK || proto < 0x0600) {
    meta.ethertype = proto;
    return Layer.NonIp;
  }
  return etherTypeNext(c, meta, proto, Weird.undefined_ether_type);
}
