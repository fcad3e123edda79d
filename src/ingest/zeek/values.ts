import type { Transport } from '../../core/records.js';
/**
 * Value readers for Zeek log fields. The TSV readers work on a byte range of a Buffer in
 * place (no intermediate strings for numbers); the JSON readers check a value that
 * JSON.parse produced. Every reader reports failure with a sentinel (NaN, -1, null) so
 * that the caller counts the line as bad; none throws.
 *
 * Conventions shared by TSV and JSON, so that both formats give identical records:
 * - `time` and `interval` values are kept at microsecond resolution, as Zeek's TSV writer
 *   prints them (`%.6f`). Zeek's JSON writer prints the full double (`0.0008699893951416016`)
 *   or an ISO 8601 string; both are rounded to the microsecond here.
 * - Strings are kept as Zeek's JSON writer renders them (its default HEX escape policy,
 *   `util::escape_utf8(..., ESCAPE_UNPRINTABLE_CONTROLS)`): printable text and valid UTF-8 as
 *   they are, `\b \f \n \r \t` as themselves, other control bytes as the 4-character text
 *   `\xNN`, and once an invalid UTF-8 sequence or a control byte turns up, every non-ASCII byte of
 *   that string as `\xNN` text. TSV escapes (`\\` and `\xNN`) are undone to the raw bytes
 *   first, then rendered the same way; see {@link zeekJsonText}.
 */

/**
 * Buffer's latin1 slicer without `toString`'s argument and encoding handling, which costs more
 * than the copy itself for the short fields of a log line. Present on every Node Buffer.
 */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/** The bytes [s, e) as a latin1 (byte = char) string. */
export function latin1(buf: Buffer, s: number, e: number): string {
  return (buf as unknown as Latin1Slicer).latin1Slice(s, e);
}

/** Zeek's transport enum from bytes, without building a string. */
export function tsvTransport(buf: Buffer, s: number, e: number): Transport {
  const n = e - s;
  if (n === 3) {
    if (buf[s] === 0x74 && buf[s + 1] === 0x63 && buf[s + 2] === 0x70) return 'tcp';
    if (buf[s] === 0x75 && buf[s + 1] === 0x64 && buf[s + 2] === 0x70) return 'udp';
  } else if (n === 4 && buf[s] === 0x69 && buf[s + 1] === 0x63 && buf[s + 2] === 0x6d && buf[s + 3] === 0x70) {
    return 'icmp';
  }
  return 'unknown_transport';
}

/** Zeek's transport enum from a JSON string (anything else is `unknown_transport`, as in Zeek). */
export function jsonTransport(v: unknown): Transport {
  return v === 'tcp' || v === 'udp' || v === 'icmp' ? v : 'unknown_transport';
}

/** Exact powers of ten (all representable as doubles up to 1e22). */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const NUMBER_TEXT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function slowNumber(buf: Buffer, s: number, e: number): number {
  const t = buf.toString('latin1', s, e);
  if (!NUMBER_TEXT.test(t)) return NaN;
  // `1e400` overflows to Infinity: not a value Zeek writes, and it would reach the records.
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

/**
 * A decimal number (`-12.345`, `1521911720.865716`) from bytes, NaN when it is not one.
 * Up to 2^53 of mantissa the result is the mantissa divided by an exact power of ten, which
 * IEEE division rounds exactly as `Number(text)` would; longer texts take the slow path.
 */
export function parseDecimal(buf: Buffer, s: number, e: number): number {
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
    if (c >= 0x30 && c <= 0x39) {
      mant = mant * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e && dot < 0) {
      dot = i;
    } else {
      return slowNumber(buf, s, e);
    }
  }
  if (digits === 0) return NaN;
  if (digits > 15 && mant > Number.MAX_SAFE_INTEGER) return slowNumber(buf, s, e);
  const fd = dot < 0 ? 0 : e - dot - 1;
  if (fd > 22) return slowNumber(buf, s, e);
  const v = fd === 0 ? mant : mant / POW10[fd];
  return neg ? -v : v;
}

/** Round seconds to the microsecond (Zeek TSV resolution). */
export function roundMicros(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/**
 * A non-negative integer (`count`, `port`) from bytes; -1 when it is not one.
 * Values beyond 2^53 cannot be exact in a double and are rejected.
 */
export function parseCount(buf: Buffer, s: number, e: number): number {
  if (e <= s || e - s > 16) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i] - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : -1;
}





/** An `interval` or `double` time quantity, rounded to the microsecond; NaN when bad. */
export function parseInterval(buf: Buffer, s: number, e: number): number {
  const v = parseDecimal(buf, s, e);
  return v === v ? roundMicros(v) : NaN;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * ISO 8601 timestamp (`2018-03-24T17:15:20.865716Z`, Zeek's `JSON::TS_ISO8601`) to epoch
 * seconds at microsecond resolution; NaN when it is not one. No zone means UTC, as Zeek
 * always writes `Z`. The result equals the TSV value of the same instant: the microseconds
 * are added as an integer, then divided once.
 */
export function parseIsoTime(text: string): number {
  const m = ISO_TIME.exec(text);
  if (!m) return NaN;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (ms !== ms) return NaN;
  let sec = ms / 1000;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const hh = +zone.slice(1, 3);
    const mm = +zone.slice(zone.length - 2);
    sec -= sign * (hh * 3600 + mm * 60);
  }
  const frac = m[7];
  if (frac === undefined) return sec;
  if (frac.length <= 6) {
    const micros = Number(frac) * POW10[6 - frac.length];
    return (sec * 1e6 + micros) / 1e6;
  }
  return roundMicros(sec + Number(frac) / POW10[frac.length]);
}

/**
 * A JSON `time` value: epoch seconds as a number, ISO 8601 as a string, or epoch
 * milliseconds (`JSON::TS_MILLIS`) when the number is beyond 1e11 (year 5138 in seconds).
 * NaN when it is none of these.
 */
export function jsonTime(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return NaN;
    return roundMicros(v > 1e11 ? v / 1000 : v);
  }
  if (typeof v === 'string') return parseIsoTime(v);
  return NaN;
}

/** A JSON `interval`: a finite number, rounded to the microsecond; NaN otherwise. */
export function jsonInterval(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? roundMicros(v) : NaN;
}

/** A JSON `count`: a non-negative integer; -1 otherwise. */
export function jsonCount(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : -1;
}

/** A JSON `port`: an integer 0..65535; -1 otherwise. */
export function jsonPort(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : -1;
}

/** A JSON `bool`: 1, 0, or -1 when it is not a boolean. */
export function jsonBool(v: unknown): number {
  return v === true ? 1 : v === false ? 0 : -1;
}

/** A JSON array of strings, or null when it is not one. */
export function jsonStringList(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return null;
  return v as string[];
}

/** A JSON array of intervals, rounded to the microsecond, or null when it is not one. */
export function jsonIntervalList(v: unknown): number[] | null {
  if (!Array.isArray(v)) return null;
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return null;
    out[i] = roundMicros(x);
  }
  return out;
}

/** A JSON address: a string that passes {@link isAddrText}, or null. */
export function jsonAddr(v: unknown): string | null {
  if (typeof v !== 'string' || !isAddrText(v)) return null;
  return v;
}

function isAddrChar(c: number): boolean {
  // 0-9 . : a-f A-F, and % for an IPv6 zone (fe80::1%eth0) whose name may hold letters.
  return (c >= 0x30 && c <= 0x3a) || c === 0x2e || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x25;
}

/** A dotted quad as Zeek writes it: four decimal octets 0..255 without leading zeros. */
export function isDottedQuad(t: string): boolean {
  let dots = 0;
  let digits = 0;
  let oct = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && oct === 0) return false;
      oct = oct * 10 + (c - 0x30);
      if (++digits > 3 || oct > 255) return false;
    } else if (c === 0x2e && digits > 0 && dots < 3) {
      dots++;
      digits = 0;
      oct = 0;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}

/**
 * Shape check of an address text: an exact dotted quad, or IPv6 characters with a colon
 * (hex digits, `:`, `.` for an embedded quad, `%zone`). Not a full IPv6 parse: Zeek writes
 * valid addresses, and this only has to keep junk out.
 */
export function isAddrText(t: string): boolean {
  const n = t.length;
  if (n < 2 || n > 64) return false;
  if (t.indexOf(':') < 0) return isDottedQuad(t);
  for (let i = 0; i < n; i++) if (!isAddrChar(t.charCodeAt(i))) return false;
  return true;
}

/** An address field from bytes, or null when it fails {@link isAddrText}. */
export function parseAddr(buf: Buffer, s: number, e: number): string | null {
  const n = e - s;
  if (n < 2 || n > 64) return null;
  for (let i = s; i < e; i++) if (!isAddrChar(buf[i])) return null;
  const t = latin1(buf, s, e);
  return isAddrText(t) ? t : null;
}

/**
 * A fixed-size, direct-mapped cache of short ASCII strings keyed by their bytes, so that the
 * values a log repeats on most lines (addresses, `SF`, `ShADadFf`, `dns`, domain names, user
 * agents) are not built again on each line. A slot holds the last string that hashed to it;
 * memory is bounded by the slot count whatever the input.
 */
export class ByteStringCache {
  /**
   * Slot i holds its string's hash (a Smi) at 2i and the string at 2i + 1, side by side: a
   * lookup whose hash differs from the slot's (a value seen for the first time, such as the
   * generated day's DNS answers, 157 k distinct in 165 k lines) is a miss without reading the
   * slot's string, which is rarely in the CPU cache (loading it was two thirds of `intern` in
   * `perf annotate` of a dns.log parse); a hit reads the slot and the string, as before.
   */
  private readonly slots: (number | string | undefined)[];
  private readonly mask: number;
  /** Index (2 * slot) and hash of the last lookup that missed. */
  private lastSlot = 0;
  private lastHash = 0;

  /** @param bits log2 of the slot count */
  constructor(bits: number) {
    this.slots = new Array<number | string | undefined>(2 << bits).fill(undefined);
    this.mask = (1 << bits) - 1;
  }

  /**
   * The cached string equal to the n bytes at s, whose hash (HASH_SEED, then FNV-1a over the
   * bytes, then the length) is h, or null. After
   * a miss, `store` puts the caller's string for those bytes in their slot.
   */
  find(buf: Buffer, s: number, n: number, h: number): string | null {
    const j = ((h ^ (h >>> 15)) & this.mask) << 1;
    if (this.slots[j] === h) {
      const k = this.slots[j + 1] as string;
      if (k.length === n) {
        let i = 0;
        while (i < n && k.charCodeAt(i) === buf[s + i]) i++;
        if (i === n) return k;
      }
    }
    this.lastSlot = j;
    this.lastHash = h;
    return null;
  }

  /** Keep `str` (the text of the bytes of the last missed `find`) in its slot. */
  store(str: string): void {
    this.slots[this.lastSlot] = this.lastHash;
    this.slots[this.lastSlot + 1] = str;
  }

  /**
   * The string of the n bytes at s (hash h, as for `find`): the cached one, or their latin1
   * text, stored. For bytes whose latin1 text is their value (plain printable ASCII).
   */
  intern(buf: Buffer, s: number, n: number, h: number): string {
    const hit = this.find(buf, s, n, h);
    if (hit !== null) return hit;
    const str = latin1(buf, s, s + n);
    this.slots[this.lastSlot] = this.lastHash;
    this.slots[this.lastSlot + 1] = str;
    return str;
  }
}

/**
 * A direct-mapped cache from the raw bytes of an escaped TSV field (`Mozilla/5.0 (KHTML\x2c
 * like Gecko)`) to its decoded text, so that a repeated escaped value is decoded once. Same
 * slots and hash as ByteStringCache; the key is the bytes as latin1 text.
 */
export class DecodedStringCache {
  private readonly keys: (string | undefined)[];
  private readonly values: string[];
  private readonly mask: number;
  private lastSlot = 0;
  /**
   * The raw bytes as latin1 text of the last value found or stored (tsv-fast.ts' tokenAt keeps
   * it as a column's last raw value, so that the next line's same bytes need no hash).
   */
  lastKey = '';

  constructor(bits: number) {
    this.keys = new Array<string | undefined>(1 << bits).fill(undefined);
    this.values = new Array<string>(1 << bits).fill('');
    this.mask = (1 << bits) - 1;
  }

  /** The decoded text of the n bytes at s (hash h, as for ByteStringCache), or null. */
  find(buf: Buffer, s: number, n: number, h: number): string | null {
    const slot = (h ^ (h >>> 15)) & this.mask;
    const k = this.keys[slot];
    if (k !== undefined && k.length === n) {
      let j = 0;
      while (j < n && k.charCodeAt(j) === buf[s + j]) j++;
      if (j === n) {
        this.lastKey = k;
        return this.values[slot];
      }
    }
    this.lastSlot = slot;
    return null;
  }

  /** Keep `value`, the decoded text of the bytes `key` of the last missed `find`. */
  store(key: string, value: string): void {
    this.keys[this.lastSlot] = key;
    this.values[this.lastSlot] = value;
    this.lastKey = key;
  }
}

/** Seed of the FNV-1a hash (over the bytes, then the length) that picks a ByteStringCache slot. */
export const HASH_SEED = 0x811c9dc5 | 0;

/** Longest value the string caches hold (a long User-Agent fits). */
export const MAX_CACHED_STRING = 256;

/**
 * Dotted quads, keyed by the address as a 32-bit integer. One cache serves the prefix parsers
 * (tsv-fast.ts), the generic loop (scan.ts) and the JSON reader (json-fast.ts), so all hand the
 * records the same string object; a miss builds a new string, which a detector keeping
 * addresses as map keys must hash again, and may keep as a second copy.
 *
 * Two-way set-associative: the bucket is the Fibonacci hash of the integer
 * (`Math.imul(ip, 0x9e3779b1) >>> (32 - V4_BUCKET_BITS)`), and its two entries (key as a Smi,
 * then text; the most recently stored first) sit side by side in one array, 32 bytes, so a
 * lookup reads one or two cache lines. The previous table (2^16 direct-mapped slots, keys in an
 * Int32Array beside an array of texts, 768 KiB) did not stay in the CPU cache while a log
 * streamed through: its two loads were half of the prefix parsers' `idPrefix` in `perf
 * annotate`. 2^13 buckets (16,384 entries, 256 KiB) miss as rarely: on the generated day
 * (1,869,934 lookups of 4,302 addresses) 26,539 misses, as the old table, against 154,940 for
 * 2^13 direct-mapped slots and 9,303 for 2^14 buckets.
 */
const V4_BUCKET_BITS = 13;
const V4_SLOTS = new Array<number | string | undefined>(4 << V4_BUCKET_BITS).fill(undefined);

/**
 * The text of the dotted quad in bytes [s, e), whose value the caller has read as a 32-bit
 * integer `ip`, from the IPv4 cache (built and stored on a miss).
 */
export function v4Text(buf: Buffer, s: number, e: number, ip: number): string {
  const j = (Math.imul(ip, 0x9e3779b1) >>> (32 - V4_BUCKET_BITS)) << 2;
  const k0 = V4_SLOTS[j + 1];
  if (V4_SLOTS[j] === ip && k0 !== undefined) return k0 as string;
  const k1 = V4_SLOTS[j + 3];
  if (V4_SLOTS[j + 2] === ip && k1 !== undefined) return k1 as string;
  const str = latin1(buf, s, e);
  V4_SLOTS[j + 2] = V4_SLOTS[j];
  V4_SLOTS[j + 3] = k0;
  V4_SLOTS[j] = ip;
  V4_SLOTS[j + 1] = str;
  return str;
}

/** IPv6 addresses (dotted quads have the integer-keyed cache above). */
export const ADDR_CACHE = new ByteStringCache(14);
/** Repeated words: enums, states, histories, names, user agents. */
export const TOKEN_CACHE = new ByteStringCache(14);
/** Repeated words with TSV escapes (user agents with `\x2c`), decoded. */
export const DECODED_CACHE = new DecodedStringCache(12);


/**
 * A TSV string field that repeats across lines (states, names, agents): from the token cache
 * when it is plain printable ASCII, else decoded as {@link tsvString}.
 */
export function tsvToken(buf: Buffer, s: number, e: number, esc: boolean): string {
  const n = e - s;
  if (n <= MAX_CACHED_STRING) {
    let h = HASH_SEED;
    let plain = true;
    for (let i = s; i < e; i++) {
      const c = buf[i];
      if (c < 0x20 || c > 0x7e) {
        plain = false;
        break;
      }
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (plain) {
      h = Math.imul(h ^ n, 0x01000193);
      return esc ? decodedToken(buf, s, e, h) : TOKEN_CACHE.intern(buf, s, n, h);
    }
  }
  return tsvString(buf, s, e, esc);
}

/** A printable ASCII field with a backslash, whose bytes hash to h: its decoded text, from DECODED_CACHE when it is there. */
export function decodedToken(buf: Buffer, s: number, e: number, h: number): string {
  const hit = DECODED_CACHE.find(buf, s, e - s, h);
  if (hit !== null) return hit;
  const str = tsvString(buf, s, e, true);
  DECODED_CACHE.store(latin1(buf, s, e), str);
  return str;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * Undo Zeek's TSV escaping of the bytes in [s, e): `\\` is a backslash and `\xNN` is the byte
 * NN (Zeek's `get_escaped_string` and `escape_utf8` write nothing else after a backslash).
 * Any other backslash is kept as it is.
 */
export function unescapeTsvBytes(buf: Buffer, s: number, e: number): Buffer {
  const out = Buffer.allocUnsafe(e - s);
  let o = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c === 0x5c && i + 1 < e) {
      const n = buf[i + 1];
      if (n === 0x5c) {
        out[o++] = 0x5c;
        i++;
        continue;
      }
      if (n === 0x78 && i + 3 < e) {
        const h = hexVal(buf[i + 2]);
        const l = hexVal(buf[i + 3]);
        if (h >= 0 && l >= 0) {
          out[o++] = (h << 4) | l;
          i += 3;
          continue;
        }
      }
    }
    out[o++] = c;
  }
  return out.subarray(0, o);
}

const HEX = '0123456789abcdef';

function hexEscape(c: number): string {
  return '\\x' + HEX[c >> 4] + HEX[c & 15];
}

/** Zeek's getNumBytesForUTF8: the length a lead byte announces (1 for a stray continuation). */
function utf8Len(c: number): number {
  if (c < 0xc0) return 1;
  if (c < 0xe0) return 2;
  if (c < 0xf0) return 3;
  if (c < 0xf8) return 4;
  if (c < 0xfc) return 5;
  return 6;
}

/**
 * Zeek's check_ok_utf8: the n bytes at i are one legal UTF-8 character that is neither a
 * control character, nor in the Private Use Area, nor in U+FFF0..U+FFFF. Returns the code
 * point, or -1.
 */
function okUtf8(b: Uint8Array, i: number, n: number): number {
  const c0 = b[i];
  let cp: number;
  if (n === 2) {
    if (c0 < 0xc2) return -1;
    const c1 = b[i + 1];
    if ((c1 & 0xc0) !== 0x80) return -1;
    cp = ((c0 & 0x1f) << 6) | (c1 & 0x3f);
  } else if (n === 3) {
    const c1 = b[i + 1];
    const c2 = b[i + 2];
    if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) return -1;
    if (c0 === 0xe0 && c1 < 0xa0) return -1;
    if (c0 === 0xed && c1 > 0x9f) return -1;
    cp = ((c0 & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
  } else if (n === 4) {
    const c1 = b[i + 1];
    const c2 = b[i + 2];
    const c3 = b[i + 3];
    if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) return -1;
    if (c0 === 0xf0 && c1 < 0x90) return -1;
    if (c0 > 0xf4 || (c0 === 0xf4 && c1 > 0x8f)) return -1;
    cp = ((c0 & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
  } else {
    return -1;
  }
  if (cp <= 0x1f || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f)) return -1;
  if (cp >= 0xe000 && cp <= 0xf8ff) return -1;
  if (cp >= 0xfff0 && cp <= 0xffff) return -1;
  return cp;
}

/**
 * Render raw bytes the way Zeek's JSON writer renders a string (see the module comment):
 * a port of `util::escape_utf8(val, ESCAPE_UNPRINTABLE_CONTROLS)`. The capture side can use
 * it too, so that a string from a capture and one from a Zeek log compare equal.
 */
export function zeekJsonText(b: Uint8Array, s: number, e: number): string {
  let utf = '';
  let esc = '';
  let bad = false;
  let i = s;
  while (i < e) {
    const c = b[i];
    if ((c >= 32 && c < 127) || c === 8 || c === 12 || c === 10 || c === 13 || c === 9) {
      const ch = String.fromCharCode(c);
      if (!bad) utf += ch;
      esc += ch;
      i++;
      continue;
    }
    if (bad) {
      esc += hexEscape(c);
      i++;
      continue;
    }
    const n = utf8Len(c);
    const cp = i + n > e ? -1 : okUtf8(b, i, n);
    if (cp < 0) {
      bad = true;
      esc += hexEscape(c);
      i++;
      continue;
    }
    for (let k = 0; k < n; k++) esc += hexEscape(b[i + k]);
    utf += String.fromCodePoint(cp);
    i += n;
  }
  return bad ? esc : utf;
}

/** True when the bytes in [s, e) are all printable ASCII (the common case: no decoding needed). */
function isPrintableAscii(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * A TSV string field. `esc` says whether the field holds a backslash (the line scanner
 * notes it for free). Without one, the bytes are Zeek's output of plain or UTF-8 text and
 * decode directly; with one, they are unescaped and rendered as Zeek's JSON writer would.
 */
export function tsvString(buf: Buffer, s: number, e: number, esc: boolean): string {
  if (!esc) {
    if (isPrintableAscii(buf, s, e)) return latin1(buf, s, e);
    return zeekJsonText(buf, s, e);
  }
  const raw = unescapeTsvBytes(buf, s, e);
  // Escapes of printable characters (`\x2c`, `\\`) leave printable ASCII: nothing to render.
  if (isPrintableAscii(raw, 0, raw.length)) return latin1(raw, 0, raw.length);
  return zeekJsonText(raw, 0, raw.length);
}

/**
 * The one empty set/vector every record with an empty or unset list field shares, frozen so
 * that a consumer cannot change it under the other records (records are read-only snapshots).
 */
export const EMPTY_LIST: string[] = Object.freeze([] as string[]) as string[];

/** A TSV set or vector of strings, split on the set separator; elements decoded as {@link tsvString}. */
export function tsvStringList(buf: Buffer, s: number, e: number, esc: boolean, setSep: number): string[] {
  if (e === s) return EMPTY_LIST;
  const out: string[] = [];
  let fs = s;
  let fesc = false;
  for (let i = s; i <= e; i++) {
    if (i === e || buf[i] === setSep) {
      out.push(tsvToken(buf, fs, i, esc && fesc));
      fs = i + 1;
      fesc = false;
    } else if (buf[i] === 0x5c) {
      fesc = true;
    }
  }
  return out;
}

/** A TSV vector of intervals; null when an element is not a number. */
export function tsvIntervalList(buf: Buffer, s: number, e: number, setSep: number): number[] | null {
  if (e === s) return EMPTY_LIST as unknown as number[];
  const out: number[] = [];
  let fs = s;
  for (let i = s; i <= e; i++) {
    if (i === e || buf[i] === setSep) {
      const v = parseInterval(buf, fs, i);
      if (v !== v) return null;
      out.push(v);
      fs = i + 1;
    }
  }
  return out;
}
