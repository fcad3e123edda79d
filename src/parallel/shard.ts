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

import { parseCidr, type CidrSet } from '../detect/cidr.js';
import { ipv4ShardHash } from '../detect/shard.js';

/** Slots of the direct-mapped cache of IPv4 address classes (a speed-up only; 2^16). */
const INTERNAL_CACHE_BITS = 16;

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

/** murmur3's 32-bit finaliser: the same mix as an IPv4 source's shard hash. */
const fmix = ipv4ShardHash;

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

/**
 * Tells whether an IPv4 address (as a 32-bit value) is internal. With one, a frame between an
 * internal and an external IPv4 address is keyed by the internal address alone (see
 * frameShardKey).
 */
export type InternalV4 = (addr: number) => boolean;

/**
 * An InternalV4 test over a set of networks (the detection's `internal`), with a
 * direct-mapped cache (address and class per slot, typed arrays): a packet costs two slot
 * reads, no Map or string.
 */
export function internalV4Test(networks: CidrSet<true>): InternalV4 {
  const size = 1 << INTERNAL_CACHE_BITS;
  const addrs = new Int32Array(size);
  // 0: empty, 1: external, 2: internal.
  const cls = new Uint8Array(size);
  const bytes = new Uint8Array(4);
  return (a) => {
    const slot = Math.imul(a, 0x9e3779b1) >>> (32 - INTERNAL_CACHE_BITS);
    const k = a | 0;
    const c = cls[slot];
    if (c !== 0 && addrs[slot] === k) return c === 2;
    bytes[0] = a >>> 24;
    bytes[1] = (a >>> 16) & 0xff;
    bytes[2] = (a >>> 8) & 0xff;
    bytes[3] = a & 0xff;
    const v = networks.getBytes(bytes) !== undefined;
    addrs[slot] = k;
    cls[slot] = v ? 2 : 1;
    return v;
  };
}

/**
 * What the last frameShardKey call saw besides the key (one object, reused: nothing is
 * allocated per frame). `fragment` is true when the frame's outer IP packet is a fragment that
 * the decoder will hand to its reassembler (the same header checks as ipv4.ts / ipv6.ts make
 * before Layer.ReassembleV4/V6); the reassembler then expires old datagrams at that packet's
 * time, which every other worker must do too (capture-parallel.ts, fragment ticks).
 */
export const lastFrame = { fragment: false };

/** Frame's wire end (decoder's `wireEnd`), set by frameShardKey for the IP header checks. */
let wireEndOfFrame = 0;

/** Whether the IPv4 header at `off` is a fragment the decoder would reassemble (ipv4.ts). */
function ipv4Reassembled(b: Uint8Array, off: number, end: number): boolean {
  const frag = (b[off + 6] << 8) | b[off + 7];
  if ((frag & 0x3fff) === 0) return false;
  const hl = (b[off] & 0x0f) << 2;
  const wireAvail = wireEndOfFrame - off;
  let total = (b[off + 2] << 8) | b[off + 3];
  if (total === 0) total = wireAvail;
  if (total > wireAvail || hl > total || hl > end - off || hl < 20) return false;
  // A fragment cut short by the snap length is not reassembled.
  return off + total <= end;
}

/** Whether the IPv6 header at `off` leads, through its extension headers, to a real fragment the decoder would reassemble (ipv6.ts). */
function ipv6Reassembled(b: Uint8Array, off: number, end: number): boolean {
  let nh = b[off + 6];
  const plen = (b[off + 4] << 8) | b[off + 5];
  const wireAvail = wireEndOfFrame - off;
  let total = 40 + plen;
  if (plen === 0 && nh !== 59 && wireAvail > 40) total = wireAvail;
  if (total > wireAvail) return false;
  const ipEnd = off + total;
  if (ipEnd < end) end = ipEnd;
  let p = off + 40;
  for (let hops = 0; hops < 64; hops++) {
    let len: number;
    if (nh === 0 || nh === 43 || nh === 60) {
      if (p + 2 > end) return false;
      len = (b[p + 1] + 1) << 3;
    } else if (nh === 51) {
      if (p + 2 > end) return false;
      len = (b[p + 1] + 2) << 2;
    } else if (nh === 44) {
      len = 8;
    } else return false;
    if (p + len > end) return false;
    if (nh === 44 && (((b[p + 2] << 8) | b[p + 3]) & 0xfff9) !== 0) return end >= ipEnd;
    nh = b[p];
    p += len;
  }
  return false;
}

/**
 * An InternalV4 test over the internal networks' text (the detection's `internalNetworks`,
 * already checked by normalizeDetectConfig): the IPv4 networks become (network, mask) pairs
 * in two Int32Arrays, and a test is a loop of AND-compares, a dozen integer operations for
 * the default list, whatever the address. Same answers as `CidrSet.getBytes` on a 4-byte
 * address (IPv6 networks never hold one), without its cache misses: a capture with many
 * distinct hosts missed internalV4Test's cache on most packets.
 */
export function internalV4Ranges(cidrs: readonly string[]): InternalV4 {
  const nets: number[] = [];
  const masks: number[] = [];
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (!c || c.bytes.length !== 4) continue;
    const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) | 0;
    nets.push(u32(c.bytes, 0) & mask);
    masks.push(mask);
  }
  const netArr = Int32Array.from(nets);
  const maskArr = Int32Array.from(masks);
  const count = netArr.length;
  return (a) => {
    for (let i = 0; i < count; i++) if ((a & maskArr[i]) === netArr[i]) return true;
    return false;
  };
}

/** Hash of the IP header at `off`, or -1 when it is not a complete IPv4/IPv6 header start. */
function ipPairHash(b: Uint8Array, off: number, end: number, internal?: InternalV4): number {
  if (off >= end) return -1;
  const v = b[off] >>> 4;
  if (v === 4) {
    if (off + 20 > end) return -1;
    lastFrame.fragment = ipv4Reassembled(b, off, end);
    const a = u32(b, off + 12);
    const z = u32(b, off + 16);
    if (internal) {
      const ai = internal(a);
      if (ai !== internal(z)) return ipv4ShardHash(ai ? a : z);
    }
    return pairHash(a, z);
  }
  if (v === 6) {
    if (off + 40 > end) return -1;
    lastFrame.fragment = ipv6Reassembled(b, off, end);
    return pairHash(fold16(b, off + 8), fold16(b, off + 24));
  }
  return -1;
}

/** Hash after an ethertype at `off` (Ethernet payload), or -1. */
function etherPayloadHash(b: Uint8Array, et: number, off: number, end: number, internal?: InternalV4): number {
  for (let tags = 0; tags < MAX_TAGS; tags++) {
    if (et === ETH_IPV4 || et === ETH_IPV6) return ipPairHash(b, off, end, internal);
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
        if (bottom) return ipPairHash(b, off, end, internal);
      }
      return -1;
    }
    if (et === ETH_PPPOE_SESSION) {
      // RFC 2516: 6-byte PPPoE header, then the 2-byte PPP protocol (0x0021 IPv4, 0x0057 IPv6).
      if (off + 8 > end) return -1;
      const p = (b[off + 6] << 8) | b[off + 7];
      if (p !== 0x0021 && p !== 0x0057) return -1;
      return ipPairHash(b, off + 8, end, internal);
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
 * @param internal when given (sharded detection), an IPv4 frame between an internal and an
 *   external address is keyed by the internal address alone, hashed as the detection shard
 *   hashes a record's source (src/detect/shard.ts shardOfAddress): its connections' records
 *   are then produced in the worker whose engine owns that source. Still symmetric, so both
 *   directions, fragments and tunnels stay together.
 * @param wirelen original length of the frame (for the fragment checks, see `lastFrame`)
 * @returns a 32-bit unsigned hash of the unordered outer address pair (or of the internal
 *   address, above), or -1 when the frame has no IP header this walk can find
 */
export function frameShardKey(linktype: number, b: Uint8Array, off: number, caplen: number, internal?: InternalV4, wirelen?: number): number {
  let end = off + caplen;
  if (end > b.length) end = b.length;
  wireEndOfFrame = wirelen !== undefined && wirelen > caplen ? off + wirelen : end;
  lastFrame.fragment = false;
  switch (linktype & 0xffff) {
    case 1: // Ethernet
      if (off + 14 > end) return -1;
      return etherPayloadHash(b, (b[off + 12] << 8) | b[off + 13], off + 14, end, internal);
    case 101:
    case 12:
    case 14:
    case 228:
    case 229:
      return ipPairHash(b, off, end, internal);
    case 0: // BSD null: 4-byte address family in host byte order
    case 108: // OpenBSD loopback
      return ipPairHash(b, off + 4, end, internal);
    case 113: // Linux SLL: protocol at 14, header 16 bytes
      if (off + 16 > end) return -1;
      return etherPayloadHash(b, (b[off + 14] << 8) | b[off + 15], off + 16, end, internal);
    case 276: // Linux SLL2: protocol at 0, header 20 bytes
      if (off + 20 > end) return -1;
      return etherPayloadHash(b, (b[off] << 8) | b[off + 1], off + 20, end, internal);
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
