/** IP address bytes <-> text, shared by every stage. */

/** Dotted-quad text of the 4 bytes at `off`. */
export function ipv4ToString(buf: Uint8Array, off: number): string {
  return buf[off] + '.' + buf[off + 1] + '.' + buf[off + 2] + '.' + buf[off + 3];
}

/**
 * The run of zero groups RFC 5952 writes as `::` among 8 IPv6 groups: the longest run of two
 * or more, the first when tied. Returns `start * 16 + length`, or -1 when there is none.
 */
export function longestZeroRun(g: ArrayLike<number>): number {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  return bestStart < 0 ? -1 : bestStart * 16 + bestLen;
}

/**
 * RFC 5952 text of the 16 bytes at `off`: lower-case hex, leading zeros dropped, the longest
 * run of two or more zero groups (the first when tied) written `::`. This is what Zeek writes.
 * IPv4-mapped addresses (::ffff:a.b.c.d) are written with a dotted quad, as Zeek does.
 */
export function ipv6ToString(buf: Uint8Array, off: number): string {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) g[i] = (buf[off + 2 * i] << 8) | buf[off + 2 * i + 1];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return '::ffff:' + ipv4ToString(buf, off + 12);
  }
  const run = longestZeroRun(g);
  const bestStart = run < 0 ? -1 : run >> 4;
  const bestLen = run & 15;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += g[i].toString(16);
  }
  return s;
}

/** Text of an address of `len` (4 or 16) bytes at `off`. */
export function ipToString(buf: Uint8Array, off: number, len: number): string {
  return len === 4 ? ipv4ToString(buf, off) : ipv6ToString(buf, off);
}

/**
 * Parse an IPv4 or IPv6 address text into 4 or 16 bytes; null when it is not an address.
 * Accepts IPv4-mapped IPv6 with a dotted tail and zone-less forms only.
 */
export function parseIp(text: string): Uint8Array | null {
  if (text.indexOf(':') < 0) return parseIpv4(text);
  return parseIpv6(text);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p.length === 0 || p.length > 3 || !/^[0-9]+$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let s = text;
  let tail: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    tail = parseIpv4(s.slice(lastColon + 1));
    if (!tail) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const gs = part.split(':');
    const vals: number[] = [];
    for (const x of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(x)) return null;
      vals.push(parseInt(x, 16));
    }
    return vals;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const rest = parseGroups(s.slice(dbl + 2));
    if (!head || !rest || head.length + rest.length > 7) return null;
    groups = [...head, ...new Array(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    const all = parseGroups(s);
    if (!all || all.length !== 8) return null;
    groups = all;
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}
