/**
 * Fused field scanners for the TSV hot path: each one reads a field from `s` up to the next
 * separator byte (or the line end `e`), parsing as it goes, and leaves the index where it
 * stopped in `scanState.end`. A line's bytes are thus visited once, instead of once to find
 * the separators and once more to parse each field.
 *
 * On malformed input a scanner still finds the field's end, then reports failure with the
 * same sentinels as values.ts (NaN, -1, null). An empty range (`e === s`) is Zeek's empty
 * field: '' for strings, [] for lists, failure for numbers.
 */
import type { Transport } from '../../core/records.js';
import {
  ADDR_CACHE,
  HASH_SEED,
  MAX_CACHED_STRING,
  TOKEN_CACHE,
  decodedToken,
  latin1,
  parseAddr,
  parseDecimal,
  parseIsoTime,
  roundMicros,
  tsvIntervalList,
  tsvString,
  tsvStringList,
  tsvTransport,
  v4Text,
} from './values.js';

/**
 * Where the last scan stopped, whether the field held a backslash, and how many fraction
 * digits the last decimal had (the fast path of `scanTime` skips rounding up to 6).
 */
export const scanState = { end: 0, esc: false, frac: 0 };

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Index of the next `sep` from s (or e); notes a backslash in scanState.esc. */
export function scanTo(buf: Buffer, s: number, e: number, sep: number): number {
  let esc = false;
  let i = s;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === sep) break;
    if (c === 0x5c) esc = true;
  }
  scanState.esc = esc;
  scanState.end = i;
  return i;
}

/** A `count` (or a port before its range check); -1 when malformed. */
export function scanCount(buf: Buffer, s: number, e: number, sep: number): number {
  let v = 0;
  let i = s;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === sep) break;
    const d = c - 0x30;
    if (d < 0 || d > 9) {
      scanTo(buf, i, e, sep);
      return -1;
    }
    v = v * 10 + d;
  }
  scanState.end = i;
  return i === s || i - s > 16 || v > Number.MAX_SAFE_INTEGER ? -1 : v;
}

/** A port (0..65535); -1 when malformed. */
export function scanPort(buf: Buffer, s: number, e: number, sep: number): number {
  const v = scanCount(buf, s, e, sep);
  return v <= 65535 ? v : -1;
}

/** An `int`; NaN when malformed. */
export function scanInt(buf: Buffer, s: number, e: number, sep: number): number {
  if (s < e && buf[s] === 0x2d) {
    const v = scanCount(buf, s + 1, e, sep);
    return v < 0 ? NaN : -v;
  }
  const v = scanCount(buf, s, e, sep);
  return v < 0 ? NaN : v;
}

/** `T`/`F`: 1, 0, or -1 when malformed. */
export function scanBool(buf: Buffer, s: number, e: number, sep: number): number {
  if (s + 1 < e ? buf[s + 1] === sep : s + 1 === e) {
    scanState.end = s + 1;
    const c = buf[s];
    return c === 0x54 ? 1 : c === 0x46 ? 0 : -1;
  }
  scanTo(buf, s, e, sep);
  return -1;
}

/**
 * A decimal number; NaN when malformed. The fast path keeps an integer mantissa and divides
 * once by an exact power of ten, which rounds exactly as `Number(text)` does; anything else
 * (exponents, more than 15 digits) goes through values.ts' parseDecimal.
 */
export function scanDecimal(buf: Buffer, s: number, e: number, sep: number): number {
  let i = s;
  let neg = false;
  if (i < e && buf[i] === 0x2d) {
    neg = true;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let dot = -1;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === sep) break;
    const d = c - 0x30;
    if (d >= 0 && d <= 9) {
      mant = mant * 10 + d;
      digits++;
    } else if (c === 0x2e && dot < 0) {
      dot = i;
    } else {
      scanState.frac = 99;
      return parseDecimal(buf, s, scanTo(buf, i, e, sep));
    }
  }
  scanState.end = i;
  if (digits === 0) return NaN;
  const fd = dot < 0 ? 0 : i - dot - 1;
  scanState.frac = fd;
  if (digits > 15) {
    scanState.frac = 99;
    return parseDecimal(buf, s, i);
  }
  const v = fd === 0 ? mant : mant / POW10[fd];
  return neg ? -v : v;
}

/** A `time`: epoch seconds, or ISO 8601 as a fallback; microsecond resolution; NaN when malformed. */
export function scanTime(buf: Buffer, s: number, e: number, sep: number): number {
  const v = scanDecimal(buf, s, e, sep);
  // Up to 6 fraction digits the value is already what rounding to the microsecond gives.
  if (v === v) return scanState.frac <= 6 ? v : roundMicros(v);
  return s === scanState.end ? NaN : parseIsoTime(latin1(buf, s, scanState.end));
}

/** An `interval`: microsecond resolution; NaN when malformed. */
export function scanInterval(buf: Buffer, s: number, e: number, sep: number): number {
  const v = scanDecimal(buf, s, e, sep);
  return v === v ? (scanState.frac <= 6 ? v : roundMicros(v)) : NaN;
}

/**
 * An `addr`; null when its characters cannot form an address. A dotted quad is parsed to an
 * integer on the way (so it is validated exactly) and its text comes from a cache keyed by
 * that integer; anything else (IPv6) goes through the byte-keyed address cache.
 */
export function scanAddr(buf: Buffer, s: number, e: number, sep: number): string | null {
  let ip = 0;
  let oct = 0;
  let digits = 0;
  let dots = 0;
  let i = s;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === sep) break;
    const d = c - 0x30;
    if (d >= 0 && d <= 9) {
      if (digits > 0 && oct === 0) return scanAddrText(buf, s, e, sep); // a leading zero: not Zeek's form
      oct = oct * 10 + d;
      if (++digits > 3) return scanAddrText(buf, s, e, sep);
    } else if (c === 0x2e && digits > 0 && oct <= 255 && dots < 3) {
      ip = (ip << 8) | oct;
      oct = 0;
      digits = 0;
      dots++;
    } else {
      return scanAddrText(buf, s, e, sep);
    }
  }
  if (dots !== 3 || digits === 0 || oct > 255) return scanAddrText(buf, s, e, sep);
  scanState.end = i;
  return v4Text(buf, s, i, (ip << 8) | oct);
}

/** An address that is not a plain dotted quad (IPv6, or malformed), through the byte-keyed cache. */
function scanAddrText(buf: Buffer, s: number, e: number, sep: number): string | null {
  let h = HASH_SEED;
  let i = s;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === sep) break;
    h = Math.imul(h ^ c, 0x01000193);
  }
  scanState.end = i;
  const n = i - s;
  if (n < 2 || n > 64) return null;
  h = Math.imul(h ^ n, 0x01000193);
  // The cache only holds strings that passed parseAddr, so a hit (equal bytes) needs no check.
  const hit = ADDR_CACHE.find(buf, s, n, h);
  if (hit !== null) return hit;
  const a = parseAddr(buf, s, i);
  if (a !== null) ADDR_CACHE.store(a);
  return a;
}

/** A string that repeats across lines (states, names, agents): cached when plain printable ASCII. */
export function scanToken(buf: Buffer, s: number, e: number, sep: number): string {
  let h = HASH_SEED;
  let plain = true;
  let esc = false;
  let i = s;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === sep) break;
    if (c < 0x20 || c > 0x7e) plain = false;
    else if (c === 0x5c) esc = true;
    h = Math.imul(h ^ c, 0x01000193);
  }
  scanState.end = i;
  const n = i - s;
  if (plain && n <= MAX_CACHED_STRING) {
    h = Math.imul(h ^ n, 0x01000193);
    return esc ? decodedToken(buf, s, i, h) : TOKEN_CACHE.intern(buf, s, n, h);
  }
  return tsvString(buf, s, i, esc);
}

/** A string that rarely repeats (uid, URI). */
export function scanString(buf: Buffer, s: number, e: number, sep: number): string {
  let plain = true;
  let esc = false;
  let i = s;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === sep) break;
    if (c < 0x20 || c > 0x7e) plain = false;
    else if (c === 0x5c) esc = true;
  }
  scanState.end = i;
  return plain && !esc ? latin1(buf, s, i) : tsvString(buf, s, i, esc);
}

/** Zeek's transport enum. */
export function scanTransport(buf: Buffer, s: number, e: number, sep: number): Transport {
  const end = scanTo(buf, s, e, sep);
  return tsvTransport(buf, s, end);
}

/** A set or vector of strings. */
export function scanStringList(buf: Buffer, s: number, e: number, sep: number, setSep: number): string[] {
  const end = scanTo(buf, s, e, sep);
  const esc = scanState.esc;
  const out = tsvStringList(buf, s, end, esc, setSep);
  scanState.end = end;
  return out;
}

/** A vector of intervals; null when an element is malformed. */
export function scanIntervalList(buf: Buffer, s: number, e: number, sep: number, setSep: number): number[] | null {
  const end = scanTo(buf, s, e, sep);
  const out = tsvIntervalList(buf, s, end, setSep);
  scanState.end = end;
  return out;
}
