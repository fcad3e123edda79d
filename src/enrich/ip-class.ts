/**
 * Address classes from the IANA special-purpose address registries
 * (https://www.iana.org/assignments/iana-ipv4-special-registry,
 *  https://www.iana.org/assignments/iana-ipv6-special-registry, RFC 6890), plus the IPv6
 * space outside 2000::/3 that is not allocated for global unicast. Addresses of any class
 * other than `public` are never looked up in GeoIP: some databases map them to a country
 * (the registrant's), which would send an analyst after a private address "in the US".
 *
 * CIDR text is parsed with `ip-address` once, at module load; matching is then a byte-prefix
 * compare, most specific prefix first.
 */
import { Address4, Address6 } from 'ip-address';
import { parseIp } from '../core/ip.js';

export type IpClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link_local'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'this_network'
  | 'documentation'
  | 'cgnat'
  | 'benchmarking'
  | 'ietf_protocol'
  | 'as112'
  | 'amt'
  | 'nat64'
  | '6to4'
  | 'teredo'
  | 'discard'
  | 'reserved'
  | 'invalid';

/** A parsed CIDR: network bytes (4 or 16) and prefix length. */
export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

/**
 * Parse `a.b.c.d/n`, `x:y::/n` or a bare address (as /32 or /128) with `ip-address`.
 * Host bits must be zero (as `ip route` and Zeek's `subnet` type expect: a typo such as
 * 10.0.0.1/8 is more likely a mistake than an intent). Returns null when the text is not a CIDR.
 */
export function parseCidr(text: string): Cidr | null {
  const t = text.trim();
  try {
    if (t.includes(':')) {
      if (!Address6.isValid(t)) return null;
      const a = new Address6(t.includes('/') ? t : t + '/128');
      const prefix = a.subnetMask;
      const bytes = bigIntTo16(a.bigInt());
      if (a.startAddress().bigInt() !== a.bigInt()) return null;
      return { bytes, prefix, text: t };
    }
    if (!Address4.isValid(t)) return null;
    const a = new Address4(t.includes('/') ? t : t + '/32');
    if (a.startAddress().correctForm() !== a.correctForm()) return null;
    return { bytes: Uint8Array.from(a.toArray()), prefix: a.subnetMask, text: t };
  } catch {
    return null;
  }
}

function bigIntTo16(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** True when `ip` (4 or 16 bytes) lies in `net`; false when the families differ. */
export function cidrContains(net: Cidr, ip: Uint8Array): boolean {
  if (ip.length !== net.bytes.length) return false;
  const full = net.prefix >>> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== net.bytes[i]) return false;
  const rest = net.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[full] & mask) === (net.bytes[full] & mask);
}

/** Registry entries: [cidr, class]. Order does not matter: the table is sorted by prefix length. */
const SPECIAL: [string, IpClass][] = [
  // IPv4 special-purpose registry
  ['0.0.0.0/32', 'unspecified'],
  ['0.0.0.0/8', 'this_network'], // RFC 791
  ['10.0.0.0/8', 'private'], // RFC 1918
  ['100.64.0.0/10', 'cgnat'], // RFC 6598 shared address space
  ['127.0.0.0/8', 'loopback'], // RFC 1122
  ['169.254.0.0/16', 'link_local'], // RFC 3927
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'ietf_protocol'], // RFC 6890 (DS-Lite, NAT64 discovery, PCP/TURN anycast)
  ['192.0.2.0/24', 'documentation'], // RFC 5737 TEST-NET-1
  ['192.31.196.0/24', 'as112'], // RFC 7535
  ['192.52.193.0/24', 'amt'], // RFC 7450
  ['192.88.99.0/24', 'reserved'], // RFC 7526: deprecated 6to4 relay anycast
  ['192.168.0.0/16', 'private'],
  ['192.175.48.0/24', 'as112'], // RFC 7534
  ['198.18.0.0/15', 'benchmarking'], // RFC 2544
  ['198.51.100.0/24', 'documentation'], // TEST-NET-2
  ['203.0.113.0/24', 'documentation'], // TEST-NET-3
  ['224.0.0.0/4', 'multicast'], // RFC 5771
  ['240.0.0.0/4', 'reserved'], // RFC 1112
  ['255.255.255.255/32', 'broadcast'], // RFC 919 limited broadcast
  // IPv6 special-purpose registry
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/8', 'reserved'], // includes the deprecated IPv4-compatible ::/96 and ::ffff:0:0:0/96
  ['64:ff9b::/96', 'nat64'], // RFC 6052
  ['64:ff9b:1::/48', 'nat64'], // RFC 8215
  ['100::/64', 'discard'], // RFC 6666
  ['100:0:0:1::/64', 'reserved'], // RFC 9780 dummy prefix
  ['2001::/23', 'ietf_protocol'], // RFC 2928
  ['2001::/32', 'teredo'], // RFC 4380
  ['2001:2::/48', 'benchmarking'], // RFC 5180
  ['2001:3::/32', 'amt'], // RFC 7450
  ['2001:4:112::/48', 'as112'], // RFC 7535
  ['2001:db8::/32', 'documentation'], // RFC 3849
  ['2002::/16', '6to4'], // RFC 3056
  ['2620:4f:8000::/48', 'as112'], // RFC 7534
  ['3fff::/20', 'documentation'], // RFC 9637
  ['5f00::/16', 'reserved'], // RFC 9602 SRv6 SIDs
  ['fc00::/7', 'private'], // RFC 4193 unique local
  ['fe80::/10', 'link_local'], // RFC 4291
  ['fec0::/10', 'reserved'], // RFC 3879 deprecated site-local
  ['ff00::/8', 'multicast'], // RFC 4291
];

interface Entry {
  net: Cidr;
  cls: IpClass;
}

const TABLE: Entry[] = SPECIAL.map(([text, cls]) => {
  const net = parseCidr(text);
  if (!net) throw new Error(`ip-class: bad registry entry ${text}`);
  return { net, cls };
}).sort((a, b) => b.net.prefix - a.net.prefix);

const GLOBAL_UNICAST_V6 = parseCidr('2000::/3')!;

/**
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes the 4-byte IPv4 address; anything else is returned
 * as is. Zeek and Wireshark show mapped addresses as IPv4 too.
 */
export function normalizeIpBytes(ip: Uint8Array): Uint8Array {
  if (ip.length !== 16) return ip;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return ip;
  if (ip[10] !== 0xff || ip[11] !== 0xff) return ip;
  return ip.subarray(12, 16);
}

/** Class of an address given as 4 or 16 bytes (normalise mapped addresses first). */
export function classifyIpBytes(ip: Uint8Array): IpClass {
  for (const e of TABLE) if (cidrContains(e.net, ip)) return e.cls;
  if (ip.length === 16 && !cidrContains(GLOBAL_UNICAST_V6, ip)) return 'reserved';
  return 'public';
}

/** Result of parsing and classifying an address text. */
export interface ClassifiedIp {
  ipClass: IpClass;
  /** 4 or 16 bytes after IPv4-mapped normalisation; null when the text is not an address. */
  bytes: Uint8Array | null;
  /** Text of the normalised address (`::ffff:1.2.3.4` -> `1.2.3.4`). */
  text: string;
}

/** Parse, normalise (IPv4-mapped IPv6 -> IPv4) and classify an address text; `invalid` when unparsable. */
export function classifyIp(text: string): ClassifiedIp {
  // A zone index (fe80::1%eth0) names an interface, not part of the address.
  const pct = text.indexOf('%');
  const raw = parseIp(pct >= 0 ? text.slice(0, pct) : text);
  if (!raw) return { ipClass: 'invalid', bytes: null, text };
  const bytes = normalizeIpBytes(raw);
  const norm = bytes !== raw ? bytes.join('.') : text;
  return { ipClass: classifyIpBytes(bytes), bytes, text: norm };
}
