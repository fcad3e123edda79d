/**
 * Community ID v1 flow hash (https://github.com/corelight/community-id-spec), the join key
 * shared by Zeek (`community_id_v1`, policy/protocols/conn/community-id-logging), Suricata
 * and Arkime.
 *
 *   sha1( seed:u16be | saddr | daddr | proto:u8 | 0:u8 | sport:u16be | dport:u16be )
 *   -> "1:" + base64(digest)
 *
 * The endpoints are ordered so that (saddr, sport) < (daddr, dport), comparing address bytes
 * first, then ports. For ICMP/ICMPv6 the "ports" are the type and the counterpart type (or the
 * code for one-way messages, which are never reordered), exactly as Zeek keys ICMP flows.
 * Protocols other than TCP, UDP, ICMP, ICMPv6 and SCTP are hashed without ports.
 */
import * as crypto from 'node:crypto';

/**
 * SHA-1 to base64 in one native call (`crypto.hash`, Node >= 20.12), else through a Hash
 * object. The one-shot call skips the object, which dominates for these 12-40 byte inputs.
 */
const sha1Base64: (data: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha1', data, 'base64')
    : (data) => crypto.createHash('sha1').update(data).digest('base64');

/** One scratch buffer per input length (IPv4/IPv6, with or without ports): no allocation per flow. */
const scratch = new Map<number, Buffer>();

export const IPPROTO_SCTP = 132;

/** Echo/solicitation pairs of ICMPv4 (RFC 792): type -> counterpart type. */
const ICMP4_COUNTERPART: ReadonlyMap<number, number> = new Map([
  [8, 0], [0, 8], // echo, echo reply
  [13, 14], [14, 13], // timestamp
  [15, 16], [16, 15], // information
  [10, 9], [9, 10], // router solicitation / advertisement
  [17, 18], [18, 17], // address mask
]);

/** ICMPv6 pairs (RFC 4443, 4861, 2710, 4620, 3775). */
const ICMP6_COUNTERPART: ReadonlyMap<number, number> = new Map([
  [128, 129], [129, 128], // echo
  [133, 134], [134, 133], // router solicitation / advertisement
  [135, 136], [136, 135], // neighbor solicitation / advertisement
  [130, 131], [131, 130], // MLD query / report
  [139, 140], [140, 139], // node information query / response
  [144, 145], [145, 144], // home agent address discovery
]);

/**
 * The ICMP "ports" as Zeek and the Community ID spec define them.
 * @param proto 1 (ICMP) or 58 (ICMPv6)
 * @returns [sport, dport, oneWay]: the type, the counterpart type (or the code when the
 *   message has no counterpart), and whether the message is one-way.
 */
export function icmpPorts(proto: number, type: number, code: number): [number, number, boolean] {
  const table = proto === 58 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART;
  const c = table.get(type);
  if (c === undefined) return [type, code, true];
  return [type, c, false];
}

/** True when the message type has a counterpart (request/reply pairs), i.e. is not one-way. */
export function icmpCounterpart(proto: number, type: number): number {
  const table = proto === 58 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART;
  const c = table.get(type);
  return c === undefined ? -1 : c;
}

function addrLess(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): number {
  for (let i = 0; i < len; i++) {
    const d = a[aOff + i] - b[bOff + i];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Community ID v1 of a flow.
 * @param saddr source (originator) address bytes, 4 or 16
 * @param daddr destination (responder) address bytes, same length
 * @param proto IP protocol number
 * @param sport source port (ICMP: type)
 * @param dport destination port (ICMP: counterpart type or code, as Zeek's `resp_p`)
 * @param seed the seed (default 0)
 * @returns `1:` + base64 of the SHA-1 digest
 */
export function communityIdV1(
  saddr: Uint8Array,
  daddr: Uint8Array,
  proto: number,
  sport: number,
  dport: number,
  seed = 0,
): string {
  const alen = saddr.length;
  const hasPorts = proto === 6 || proto === 17 || proto === 1 || proto === 58 || proto === IPPROTO_SCTP;
  let oneWay = false;
  if (proto === 1 || proto === 58) {
    // Recompute the one-way flag from the type, as Zeek's bif does.
    oneWay = icmpCounterpart(proto, sport) < 0;
  }
  let swap = false;
  if (!oneWay) {
    const c = addrLess(saddr, 0, daddr, 0, alen);
    swap = !(c < 0 || (c === 0 && sport < dport));
  }
  const a = swap ? daddr : saddr;
  const b = swap ? saddr : daddr;
  const pa = swap ? dport : sport;
  const pb = swap ? sport : dport;
  const size = 2 + 2 * alen + 2 + (hasPorts ? 4 : 0);
  let buf = scratch.get(size);
  if (buf === undefined) {
    buf = Buffer.alloc(size);
    scratch.set(size, buf);
  }
  let o = 0;
  buf[o++] = (seed >>> 8) & 0xff;
  buf[o++] = seed & 0xff;
  for (let i = 0; i < alen; i++) buf[o++] = a[i];
  for (let i = 0; i < alen; i++) buf[o++] = b[i];
  buf[o++] = proto & 0xff;
  buf[o++] = 0;
  if (hasPorts) {
    buf[o++] = (pa >>> 8) & 0xff;
    buf[o++] = pa & 0xff;
    buf[o++] = (pb >>> 8) & 0xff;
    buf[o++] = pb & 0xff;
  }
  return '1:' + sha1Base64(buf);
}
