/**
 * Lookahead hints: the flow fields of the next few frames, read before any of them is decoded,
 * so that a consumer (the flow table) can touch the state those packets will need while the
 * packets themselves are still waiting (memory-level parallelism).
 *
 * Why: per packet, the flow table's work starts with a chain of dependent loads from memory
 * (hash index entry, then the slot record, then the TCP endpoint lines), each a cache miss
 * with tens of thousands of live connections, and the next packet's chain only starts when
 * this one's is done. Reading the next frames' addresses and ports first, then loading all of
 * their index entries, then all of their records, lets the CPU have many misses in flight at
 * once; the packets are then decoded and processed one at a time as before, on warm lines.
 *
 * The hints are only hints: nothing is decided on them. The peek understands the common
 * shapes only (Ethernet with up to two VLAN tags, Linux cooked capture, raw IP; IPv4 that is
 * not a fragment, IPv6 without extension headers; TCP and UDP) and skips everything else;
 * a packet the full decoder reads differently (a tunnel, a malformed header) just gets a
 * useless touch. Nothing here counts anomalies or changes any state.
 */
import { HINT_BATCH, PacketHints, type PacketPrefetcher } from '../../core/packet-hints.js';

export { HINT_BATCH, PacketHints, type PacketPrefetcher };

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

/**
 * Appends the flow fields of the frame at `buf[off .. off + caplen)` to `out` when the frame
 * has one of the common shapes (see the file comment), else leaves `out` unchanged.
 * @param linktype LINKTYPE_* of the frame
 * @returns whether an entry was added
 */
export function peekFrame(buf: Buffer, off: number, caplen: number, linktype: number, out: PacketHints): boolean {
  const end = off + caplen;
  let o = off;
  let et: number;
  if (linktype === 1) {
    if (caplen < 14) return false;
    et = (buf[o + 12] << 8) | buf[o + 13];
    o += 14;
    // 802.1Q / 802.1ad: at most two tags (QinQ) on the fast path.
    if (et === 0x8100 || et === 0x88a8) {
      if (o + 4 > end) return false;
      et = (buf[o + 2] << 8) | buf[o + 3];
      o += 4;
      if (et === 0x8100 || et === 0x88a8) {
        if (o + 4 > end) return false;
        et = (buf[o + 2] << 8) | buf[o + 3];
        o += 4;
      }
    }
  } else if (linktype === 113) {
    // Linux cooked capture v1: protocol (ethertype) in the last 2 of 16 bytes.
    if (caplen < 16) return false;
    et = (buf[o + 14] << 8) | buf[o + 15];
    o += 16;
  } else if (linktype === 101 || linktype === 228 || linktype === 229 || linktype === 12 || linktype === 14) {
    if (caplen < 1) return false;
    const v = buf[o] >> 4;
    et = v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : 0;
  } else {
    return false;
  }
  const n = out.n;
  let l4: number;
  let proto: number;
  if (et === ETHERTYPE_IPV4) {
    if (o + 20 > end || buf[o] >> 4 !== 4) return false;
    // More-fragments bit or a fragment offset: the reassembler decides (no hint).
    if (((buf[o + 6] & 0x3f) | buf[o + 7]) !== 0) return false;
    proto = buf[o + 9];
    l4 = o + ((buf[o] & 0x0f) << 2);
    out.srcOff[n] = o + 12;
    out.dstOff[n] = o + 16;
    out.addrLen[n] = 4;
  } else if (et === ETHERTYPE_IPV6) {
    if (o + 40 > end || buf[o] >> 4 !== 6) return false;
    proto = buf[o + 6];
    l4 = o + 40;
    out.srcOff[n] = o + 8;
    out.dstOff[n] = o + 24;
    out.addrLen[n] = 16;
  } else {
    return false;
  }
  if ((proto !== 6 && proto !== 17) || l4 + 4 > end) return false;
  out.proto[n] = proto;
  out.srcPort[n] = (buf[l4] << 8) | buf[l4 + 1];
  out.dstPort[n] = (buf[l4 + 2] << 8) | buf[l4 + 3];
  out.n = n + 1;
  return true;
}
