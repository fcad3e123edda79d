/**
 * Sets of IPv4/IPv6 networks with O(number of distinct prefix lengths) lookups:
 * one hash map per prefix length, keyed by the masked address. Used for internal networks,
 * allow-lists and IOC CIDRs (feeds can hold many thousands of entries).
 */
import { parseIp, parseIpv4Range, parseIpv6Into } from '../core/ip.js';

export interface ParsedCidr {
  bytes: Uint8Array;
  prefix: number;
}

/** Parse `a.b.c.d/n`, `x::y/n` or a bare address (a /32 or /128). Null when invalid. */
export function parseCidr(text: string): ParsedCidr | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = slash < 0 ? t : t.slice(0, slash);
  const bytes = parseIp(addr);
  if (!bytes) return null;
  const max = bytes.length * 8;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > max) return null;
  }
  return { bytes, prefix };
}

/** Reused by CidrSet.get for address texts (lookups make no array per address). */
const V4_SCRATCH = new Uint8Array(4);
const V6_SCRATCH = new Uint8Array(16);

/**
 * Parse a dotted quad into `out` without allocating; accepts exactly what parseIp() accepts
 * for a text without ':' (four parts of 1-3 decimal digits, each at most 255).
 */
export function parseIpv4Into(text: string, out: Uint8Array): boolean {
  return parseIpv4Range(text, 0, text.length, out);
}

/**
 * The bytes of an address text as CidrSet.get reads them, or null when it is not an address:
 * the text is parsed into a buffer shared by every call (valid until the next call), so
 * one text looked up in several sets is parsed once and makes no array.
 */
export function addressBytes(ip: string): Uint8Array | null {
  if (ip.indexOf(':') < 0) return parseIpv4Into(ip, V4_SCRATCH) ? V4_SCRATCH : null;
  return parseIpv6Into(ip, V6_SCRATCH) ? V6_SCRATCH : null;
}

function maskedKey(bytes: Uint8Array, prefix: number): string {
  let key = '';
  const full = prefix >> 3;
  for (let i = 0; i < full; i++) key += String.fromCharCode(bytes[i]);
  const rem = prefix & 7;
  if (rem) key += String.fromCharCode(bytes[full] & (0xff << (8 - rem)) & 0xff);
  return key;
}

/** Key of the IPv6 network of `prefix` bits holding the address bytes (see CidrSet.v6). */
function v6Key(bytes: Uint8Array, prefix: number): number | string {
  return prefix <= 32 ? v4Masked(v4Value(bytes), prefix) : maskedKey(bytes, prefix);
}

/** The 32-bit value of the first 4 bytes (a signed int32: a small integer key for a Map). */
function v4Value(b: Uint8Array): number {
  return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
}

/** An IPv4 value with its bits past `prefix` cleared (the key of its network). */
function v4Masked(v: number, prefix: number): number {
  return prefix === 0 ? 0 : v & (-1 << (32 - prefix));
}

export class CidrSet<V = true> {
  /** IPv4 networks by prefix length, then masked 32-bit value (no key string per lookup). */
  private readonly v4 = new Map<number, Map<number, V>>();
  /**
   * IPv6 networks by prefix length, then the masked first 32 bits (a number) for prefixes of
   * 32 bits or less (the special ranges: fc00::/7, fe80::/10, ff00::/8), else a key string
   * of the masked bytes.
   */
  private readonly v6 = new Map<number, Map<number | string, V>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];
  size = 0;

  /** Add a network; returns false when the text is not a CIDR or address. */
  add(text: string, value: V): boolean {
    const c = parseCidr(text);
    if (!c) return false;
    this.addParsed(c, value);
    return true;
  }

  addParsed(c: ParsedCidr, value: V): void {
    if (c.bytes.length === 4) {
      this.v4Lengths = addTo(this.v4, c.prefix, v4Masked(v4Value(c.bytes), c.prefix), value, this.v4Lengths, this);
    } else {
      this.v6Lengths = addTo(this.v6, c.prefix, v6Key(c.bytes, c.prefix), value, this.v6Lengths, this);
    }
  }

  /** Value of the most specific network holding the address bytes, undefined when none. */
  getBytes(bytes: Uint8Array): V | undefined {
    if (bytes.length === 4) {
      const a = v4Value(bytes);
      for (const len of this.v4Lengths) {
        const v = this.v4.get(len)!.get(v4Masked(a, len));
        if (v !== undefined) return v;
      }
      return undefined;
    }
    for (const len of this.v6Lengths) {
      const v = this.v6.get(len)!.get(v6Key(bytes, len));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Value for an address text; undefined when none holds it or the text is not an address. */
  get(ip: string): V | undefined {
    // No network of the text's family: nothing to parse.
    if ((ip.indexOf(':') < 0 ? this.v4Lengths : this.v6Lengths).length === 0) return undefined;
    const b = addressBytes(ip);
    return b ? this.getBytes(b) : undefined;
  }

  /** How many prefix lengths the set holds (a lookup costs one hash-map read per length). */
  get prefixLengths(): number {
    return this.v4Lengths.length + this.v6Lengths.length;
  }

  has(ip: string): boolean {
    return this.get(ip) !== undefined;
  }
}

/**
 * Private and special-purpose ranges (IANA special-purpose registries, RFC 6890 and
 * successors): the default "internal" networks, as RITA's default `internal_subnets`
 * (RFC 1918 plus loopback, link-local, CGNAT, ULA...).
 */
export const DEFAULT_INTERNAL_NETWORKS: readonly string[] = [
  '10.0.0.0/8', // RFC 1918
  '172.16.0.0/12', // RFC 1918
  '192.168.0.0/16', // RFC 1918
  '100.64.0.0/10', // RFC 6598 shared address space (CGNAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '0.0.0.0/8', // "this network"
  '192.0.0.0/24', // IETF protocol assignments
  '198.18.0.0/15', // benchmarking
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  '::1/128', // loopback
  '::/128', // unspecified
];

/**
 * Addresses that are never a meaningful remote peer (broadcast, multicast, documentation):
 * traffic to them is not considered by the detectors whatever the direction setting.
 */
export const NON_ROUTABLE_NETWORKS: readonly string[] = [
  '224.0.0.0/4', // IPv4 multicast
  '255.255.255.255/32', // limited broadcast
  '240.0.0.0/4', // reserved
  'ff00::/8', // IPv6 multicast
];

/**
 * Set `key` -> value in the map of prefix length `prefix` (made when new, counted in
 * set.size when the key is new); returns the prefix lengths, longest first (so `get`
 * returns the most specific entry).
 */
function addTo<K, V>(byLen: Map<number, Map<K, V>>, prefix: number, key: K, value: V, lens: number[], set: { size: number }): number[] {
  let m = byLen.get(prefix);
  if (!m) {
    m = new Map();
    byLen.set(prefix, m);
    lens = [...byLen.keys()].sort((a, b) => b - a);
  }
  if (!m.has(key)) set.size++;
  m.set(key, value);
  return lens;
}
