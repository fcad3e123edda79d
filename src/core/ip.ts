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

/** Groups of an IPv6 text being parsed by parseIpv6Into (never more than 8 are kept). */
const V6_GROUPS = new Int32Array(8);
/** The dotted tail of an IPv6 text being parsed by parseIpv6Into. */
const V6_TAIL = new Uint8Array(4);

/**
 * Parse an IPv6 text into the 16 bytes of `out` without allocating; accepts exactly what
 * parseIp() accepts for a text with a ':' (true) and leaves `out` unspecified otherwise
 * (false). For lookups of many address texts (CIDR sets) where parseIp's arrays and
 * substrings cost more than the lookup.
 */
export function parseIpv6Into(text: string, out: Uint8Array): boolean {
  const n = text.length;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return false;
  // A dotted tail after the last ':' stands for the last two groups (read as `0:0`, then set).
  const tail = text.indexOf('.', lastColon) > 0;
  if (tail && !parseIpv4Range(text, lastColon + 1, n, V6_TAIL)) return false;
  // The text the groups are read from: text, or text up to its last ':' followed by `0:0`.
  const sEnd = tail ? lastColon + 1 : n;
  let dbl = -1;
  let lastDbl = -1;
  for (let i = 0; i + 1 < sEnd; i++) {
    if (text.charCodeAt(i) === 58 && text.charCodeAt(i + 1) === 58) {
      if (dbl < 0) dbl = i;
      lastDbl = i;
    }
  }
  if (dbl !== lastDbl) return false;
  let head = 0;
  let total: number;
  if (dbl >= 0) {
    if (dbl > 0) {
      head = splitGroups(text, 0, dbl, 0);
      if (head < 0) return false;
    }
    if (tail) {
      total = dbl + 1 === lastColon ? head : splitGroups(text, dbl + 2, lastColon, head);
      total = total < 0 ? -1 : addZeroGroups(total);
    } else {
      total = dbl + 2 === n ? head : splitGroups(text, dbl + 2, n, head);
    }
    if (total < 0 || total > 7) return false;
  } else {
    total = tail ? splitGroups(text, 0, lastColon, 0) : splitGroups(text, 0, n, 0);
    if (tail && total >= 0) total = addZeroGroups(total);
    if (total !== 8) return false;
  }
  // head groups, the zeros `::` stands for, the rest.
  const zeros = 8 - total;
  for (let g = 0, k = 0; g < 8; g++) {
    const v = g < head || g >= head + zeros ? V6_GROUPS[k++] : 0;
    out[2 * g] = v >> 8;
    out[2 * g + 1] = v & 0xff;
  }
  if (tail) out.set(V6_TAIL, 12);
  return true;
}

/** Two zero groups after the first `k` (the `0:0` a dotted tail is read as); the new count, -1 past 8. */
function addZeroGroups(k: number): number {
  if (k > 6) return -1;
  V6_GROUPS[k] = 0;
  V6_GROUPS[k + 1] = 0;
  return k + 2;
}

/**
 * Groups of text[a, b) split at ':' (each 1-4 hex digits; an empty range is one empty group,
 * as String.split gives) stored in V6_GROUPS from index `k`; the new count, or -1 when a group
 * is not 1-4 hex digits or there would be more than 8.
 */
function splitGroups(text: string, a: number, b: number, k: number): number {
  let v = 0;
  let digits = 0;
  for (let i = a; i <= b; i++) {
    const c = i < b ? text.charCodeAt(i) : 58;
    if (c === 58) {
      if (digits === 0 || k >= 8) return -1;
      V6_GROUPS[k++] = v;
      v = 0;
      digits = 0;
      continue;
    }
    let h: number;
    if (c >= 48 && c <= 57) h = c - 48;
    else if (c >= 97 && c <= 102) h = c - 87;
    else if (c >= 65 && c <= 70) h = c - 55;
    else return -1;
    if (++digits > 4) return -1;
    v = v * 16 + h;
  }
  return k;
}

/**
 * parseIp's IPv4 rules over text[a, b) into out[0..3], without allocating: four parts of 1-3
 * decimal digits, each at most 255. Serves the tail of parseIpv6Into and CidrSet's parseIpv4Into.
 */
export function parseIpv4Range(text: string, a: number, b: number, out: Uint8Array): boolean {
  let part = 0;
  let v = 0;
  let digits = 0;
  for (let i = a; i <= b; i++) {
    const c = i < b ? text.charCodeAt(i) : 46;
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
