/**
 * Sets of IPv4/IPv6 networks with O(number of distinct prefix lengths) lookups:
 * one hash map per prefix length, keyed by the masked address. Used for internal networks,
 * allow-lists and IOC CIDRs (feeds can hold many thousands of entries).
 */
import { parseIp } from '../core/ip.js';

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

/** Reused by CidrSet.get for IPv4 texts (lookups make no array per address). */
const V4_SCRATCH = new Uint8Array(4);

/**
 * Parse a dotted quad into `out` without allocating; accepts exactly what parseIp() accepts
 * for a text without ':' (four parts of 1-3 decimal digits, each at most 255).
 */
export function parseIpv4Into(text: string, out: Uint8Array): boolean {
  const n = text.length;
  let part = 0;
  let v = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || v > 255 || part > 3) return false;
      out[part++] = v;
      v = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      v = v * 10 + (c - 48);
    } else {
      return false;
    }
  }
  return part === 4;
}

function maskedKey(bytes: Uint8Array, prefix: number): string {
  let key = '';
  const full = prefix >> 3;
  for (let i = 0; i < full; i++) key += String.fromCharCode(bytes[i]);
  const rem = prefix & 7;
  if (rem) key += String.fromCharCode(bytes[full] & (0xff << (8 - rem)) & 0xff);
  return key;
}

export class CidrSet<V = true> {
  private readonly v4 = new Map<number, Map<string, V>>();
  private readonly v6 = new Map<number, Map<string, V>>();
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
    const byLen = c.bytes.length === 4 ? this.v4 : this.v6;
    let m = byLen.get(c.prefix);
    if (!m) {
      m = new Map();
      byLen.set(c.prefix, m);
      // Longest prefix first, so `get` returns the most specific entry.
      const lens = [...byLen.keys()].sort((a, b) => b - a);
      if (c.bytes.length === 4) this.v4Lengths = lens;
      else this.v6Lengths = lens;
    }
    const key = maskedKey(c.bytes, c.prefix);
    if (!m.has(key)) this.size++;
    m.set(key, value);
  }

  /** Value of the most specific network holding the address bytes, undefined when none. */
  getBytes(bytes: Uint8Array): V | undefined {
    const byLen = bytes.length === 4 ? this.v4 : this.v6;
    const lens = bytes.length === 4 ? this.v4Lengths : this.v6Lengths;
    for (const len of lens) {
      const v = byLen.get(len)!.get(maskedKey(bytes, len));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Value for an address text; undefined when none holds it or the text is not an address. */
  get(ip: string): V | undefined {
    if (ip.indexOf(':') < 0) return parseIpv4Into(ip, V4_SCRATCH) ? this.getBytes(V4_SCRATCH) : undefined;
    const b = parseIp(ip);
    return b ? this.getBytes(b) : undefined;
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
