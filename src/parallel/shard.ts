/**
 * The shard key of a captured frame, read from its link and (outer) IP headers without a full
 * decode: a hash of the UNORDERED pair of outer IP addresses. Every packet of a connection,
 * every fragment of a datagram and every packet of a tunnel (keyed by its outer addresses)
 * therefore land in the same shard, so each worker's flow table and fragment reassembler see
 * complete state.
 *
 * Link types walked: Ethernet (with 802.1Q/802.1ad/QinQ tags, MPLS and PPPoE), raw IP (101,
 * 12, 14, 228, 229), BSD null/loopback (0, 108), Linux cooked SLL (113) and SLL2 (276). Any
 * other frame (non-IP, an unknown link type, too short) has no key: it returns -1 and the
 * caller sends it to shard 0, where the real decoder counts it exactly as before.
 */

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
const ETH_MPLS = 0x8847;
const ETH_MPLS_MC = 0x8848;
const ETH_PPPOE_SESSION = 0x8864;
/** Most VLAN or MPLS headers walked before giving up (the decoder's own depth cap is larger). */
const MAX_TAGS = 8;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Folds a 16-byte address into 32 bits (order-sensitive inside the address). */
function fold16(b: Uint8Array, o: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < 16; i += 4) h = Math.imul(h ^ u32(b, o + i), 0x01000193);
  return fmix(h);
}

/** Symmetric hash of two 32-bit values: f(a, b) === f(b, a). */
function pairHash(a: number, b: number): number {
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  return fmix(Math.imul(lo, 0x9e3779b1) ^ hi ^ Math.imul(hi >>> 16 | lo << 16, 0x85ebca6b));
}

/** Hash of the IP header at `off`, or -1 when it is not a complete IPv4/IPv6 header start. */
function ipPairHash(b: Uint8Array, off: number, end: number): number {
  if (off >= end) return -1;
  const v = b[off] >>> 4;
  if (v === 4) {
    if (off + 20 > end) return -1;
    return pairHash(u32(b, off + 12), u32(b, off + 16));
  }
  if (v === 6) {
    if (off + 40 > end) return -1;
    return pairHash(fold16(b, off + 8), fold16(b, off + 24));
  }
  return -1;
}

/** Hash after an ethertype at `off` (Ethernet payload), or -1. */
function etherPayloadHash(b: Uint8Array, et: number, off: number, end: number): number {
  for (let tags = 0; tags < MAX_TAGS; tags++) {
    if (et === ETH_IPV4 || et === ETH_IPV6) return ipPairHash(b, off, end);
    if (et === ETH_VLAN || et === ETH_QINQ || et === ETH_QINQ_OLD) {
      if (off + 4 > end) return -1;
      et = (b[off + 2] << 8) | b[off + 3];
      off += 4;
      continue;
    }
    if (et === ETH_MPLS || et === ETH_MPLS_MC) {
      // Label stack entries of 4 bytes; bit 8 of the third byte marks the bottom of the stack.
      for (let n = 0; n < MAX_TAGS; n++) {
        if (off + 4 > end) return -1;
        const bottom = (b[off + 2] & 1) === 1;
        off += 4;
        if (bottom) return ipPairHash(b, off, end);
      }
      return -1;
    }
    if (et === ETH_PPPOE_SESSION) {
      // RFC 2516: 6-byte PPPoE header, then the 2-byte PPP protocol (0x0021 IPv4, 0x0057 IPv6).
      if (off + 8 > end) return -1;
      const p = (b[off + 6] << 8) | b[off + 7];
      if (p !== 0x0021 && p !== 0x0057) return -1;
      return ipPairHash(b, off + 8, end);
    }
    return -1;
  }
  return -1;
}

/**
 * The shard key of one frame.
 * @param linktype LINKTYPE_* of the interface (upper FCS bits are ignored)
 * @param b the bytes holding the frame
 * @param off offset of the frame in `b`
 * @param caplen captured length of the frame
 * @returns a 32-bit unsigned hash of the unordered outer address pair, or -1 when the frame
 *   has no IP header this walk can find
 */
export function frameShardKey(linktype: number, b: Uint8Array, off: number, caplen: number): number {
  let end = off + caplen;
  if (end > b.length) end = b.length;
  switch (linktype & 0xffff) {
    case 1: // Ethernet
      if (off + 14 > end) return -1;
      return etherPayloadHash(b, (b[off + 12] << 8) | b[off + 13], off + 14, end);
    case 101:
    case 12:
    case 14:
    case 228:
    case 229:
      return ipPairHash(b, off, end);
    case 0: // BSD null: 4-byte address family in host byte order
    case 108: // OpenBSD loopback
      return ipPairHash(b, off + 4, end);
    case 113: // Linux SLL: protocol at 14, header 16 bytes
      if (off + 16 > end) return -1;
      return etherPayloadHash(b, (b[off + 14] << 8) | b[off + 15], off + 16, end);
    case 276: // Linux SLL2: protocol at 0, header 20 bytes
      if (off + 20 > end) return -1;
      return etherPayloadHash(b, (b[off] << 8) | b[off + 1], off + 20, end);
    default:
      return -1;
  }
}

/**
 * Shard of a frame among `n` workers: its key modulo n, or 0 for frames without a key.
 */
export function shardOf(key: number, n: number): number {
  return key < 0 ? 0 : key % n;
}
