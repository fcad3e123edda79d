/**
 * Straight-line TSV parsers for the columns every Zeek version writes first, in the order it
 * writes them: `ts uid id.orig_h id.orig_p id.resp_h id.resp_p`, then conn's `proto ...
 * tunnel_parents`, dns's `proto ... rejected`, http's `trans_depth ... user_agent`, ssl's
 * `version ... established`. When a header block starts with such a prefix and uses Zeek's
 * default separators (TAB, `,`, `-`, `(empty)`), the parser hands each data line to one of
 * these functions first: no per-field dispatch, no unset/empty test per column, the common
 * values (dotted quads, small counts, `T`/`F`, plain ASCII) read inline from the bytes.
 *
 * Each function fills the prefix fields of a record fresh from its mapper's `create`, and
 * returns where the prefix ended: the line end `e`, or the TAB before the next column (the
 * parser maps the remaining columns with the generic loop). It returns -1 as soon as
 * anything is unusual (an escape or a non-ASCII byte the field's scanner does not handle,
 * `(empty)` where a value is expected, a number with more than 15 digits or 6 decimals, a
 * malformed value); the parser then throws that record away and reads the whole line with
 * the generic loop, which has the final word on every value and every anomaly. The records
 * of both paths are equal (test/ingest/zeek/tsv-fast.test.ts checks it over the corpus).
 *
 * The tests for unset (`-` then TAB), `(` and a closing TAB are written out inline: V8 stops
 * inlining small calls in functions this long, and the calls showed in profiles.
 *
 * Requirement on the caller: the byte at `e` exists and is neither TAB nor a value byte (the
 * line's `\n` or `\r`, or the 0 the parser puts after a carried line), so that the inline
 * loops stop there without a bounds test.
 */
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../../core/records.js';
import type { IdFields } from './mapper.js';
import { scanAddr, scanIntervalList, scanState, scanString, scanStringList, scanToken } from './scan.js';
import {
  ByteStringCache,
  DECODED_CACHE,
  decodedToken,
  EMPTY_LIST,
  HASH_SEED,
  latin1,
  MAX_CACHED_STRING,
  roundMicros,
  TOKEN_CACHE,
  v4Text,
} from './values.js';

/** Fills the prefix of a record from a line; returns where the prefix ended, or -1 (see the module comment). */
export type TsvPrefixParser<R> = (r: R, buf: Buffer, s: number, e: number) => number;

/** A prefix parser and the `#fields` a block must start with for it to apply. */
export interface TsvPrefix<R> {
  readonly fields: readonly string[];
  readonly parse: TsvPrefixParser<R>;
}

const ID_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];

const TAB = 0x09;
const DASH = 0x2d;
const PAREN = 0x28;
const SET_SEP = 0x2c;

/** Exact powers of ten (fraction digits of a decimal). */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];

/** Where the last reader below stopped. */
let end = 0;

/**
 * A decimal as values.ts' parseDecimal reads it, without rounding: digits, optionally `.` and
 * up to 6 digits, with a mantissa up to 2^53; NaN otherwise.
 */
function decimalRawAt(buf: Buffer, i: number): number {
  let mant = 0;
  let digits = 0;
  let c = buf[i];
  while (c >= 0x30 && c <= 0x39) {
    mant = mant * 10 + (c - 0x30);
    digits++;
    c = buf[++i];
  }
  let fd = 0;
  if (c === 0x2e) {
    c = buf[++i];
    while (c >= 0x30 && c <= 0x39) {
      mant = mant * 10 + (c - 0x30);
      fd++;
      c = buf[++i];
    }
  }
  end = i;
  if (fd > 6 || mant > Number.MAX_SAFE_INTEGER || digits + fd === 0) return NaN;
  return fd === 0 ? mant : mant / POW10[fd];
}

/**
 * Where decimalAt puts its value. A double returned by a call that V8 does not inline (these
 * parsers are past its inlining budget) is boxed in a new HeapNumber on every call; read back
 * from a Float64Array and stored into a record's double field (`ts`), it is written in place.
 */
const NUM = new Float64Array(1);

/**
 * A `time` or `interval` into NUM[0]: digits, optionally `.` and up to 6 digits, with a mantissa
 * up to 2^53 (a `ts` has 16 digits); false otherwise.
 */
function decimalAt(buf: Buffer, i: number): boolean {
  let mant = 0;
  let digits = 0;
  let c = buf[i];
  while (c >= 0x30 && c <= 0x39) {
    mant = mant * 10 + (c - 0x30);
    digits++;
    c = buf[++i];
  }
  let fd = 0;
  if (c === 0x2e) {
    c = buf[++i];
    while (c >= 0x30 && c <= 0x39) {
      mant = mant * 10 + (c - 0x30);
      fd++;
      c = buf[++i];
    }
  }
  end = i;
  // Same arithmetic as scan.ts' scanDecimal and values.ts' parseDecimal: the exact integer
  // mantissa divided once by an exact power of ten (which rounding to the microsecond keeps).
  if (fd > 6 || mant > Number.MAX_SAFE_INTEGER || digits + fd === 0) return false;
  const v = fd === 0 ? mant : mant / POW10[fd];
  // Beyond 15 digits scanTime/scanInterval round the quotient to the microsecond. That gives v
  // back while the value in microseconds, M = mant * 10^(6 - fd), is below 2^51: x * 1e6 is then
  // within M * 2^-52 < 0.5 of M, Math.round returns M, and M / 1e6 rounds the same real as v.
  // A 16-digit `ts` with 6 decimals (until the year 2041) skips the rounding.
  NUM[0] = digits + fd > 15 && mant * POW10[6 - fd] >= 2251799813685248 ? roundMicros(v) : v;
  return true;
}

/** A `count` of up to 15 digits; -1 otherwise. */
function countAt(buf: Buffer, i: number): number {
  const s = i;
  let v = 0;
  let c = buf[i];
  while (c >= 0x30 && c <= 0x39) {
    v = v * 10 + (c - 0x30);
    c = buf[++i];
  }
  end = i;
  return i === s || i - s > 15 ? -1 : v;
}

/** `T` 1, `F` 0, else -1. */
function boolAt(buf: Buffer, i: number): number {
  const c = buf[i];
  end = i + 1;
  return c === 0x54 ? 1 : c === 0x46 ? 0 : -1;
}

/** An address: a dotted quad inline, anything else through scan.ts' scanAddr; null when malformed. */
function addrAt(buf: Buffer, i: number, e: number): string | null {
  const s = i;
  let ip = 0;
  for (let k = 0; k < 4; k++) {
    let c = buf[i];
    if (c < 0x30 || c > 0x39) return addrSlow(buf, s, e);
    let oct = c - 0x30;
    c = buf[++i];
    if (c >= 0x30 && c <= 0x39) {
      if (oct === 0) return addrSlow(buf, s, e); // a leading zero: not Zeek's form
      oct = oct * 10 + (c - 0x30);
      c = buf[++i];
      if (c >= 0x30 && c <= 0x39) {
        oct = oct * 10 + (c - 0x30);
        c = buf[++i];
        if (oct > 255) return addrSlow(buf, s, e);
      }
    }
    ip = (ip << 8) | oct;
    if (k < 3) {
      if (c !== 0x2e) return addrSlow(buf, s, e);
      i++;
    } else if (c !== TAB && i !== e) {
      return addrSlow(buf, s, e);
    }
  }
  end = i;
  return v4Text(buf, s, i, ip);
}

function addrSlow(buf: Buffer, s: number, e: number): string | null {
  const a = scanAddr(buf, s, e, TAB);
  end = scanState.end;
  return a;
}

/**
 * tokenAt's columns, one per call site, each with a memo of the values it read last: 32
 * buckets of two slots per column, a bucket picked by the value's length and first, middle
 * and last bytes, each slot holding the raw bytes (as latin1 text) and their value. A column holds few distinct values, and most
 * lines repeat one seen a few lines before (`C_INTERNET`, `NOERROR`, `SF`, `TLSv13`, one of the
 * 20 DNS names or 6 User-Agents of the generated day): found by comparing the bytes once,
 * without hashing them, without the token cache, whose slots and strings are often out of the
 * CPU cache, and without decoding the escapes again (Zeek writes a User-Agent's commas as
 * `\x2c`). The memos hold at most 64 x 19 values (MEMO_SLOTS).
 */
const T_SERVICE = 0, T_CONN_STATE = 1, T_HISTORY = 2, T_QUERY = 3, T_QCLASS_NAME = 4;
const T_QTYPE_NAME = 5, T_RCODE_NAME = 6, T_METHOD = 7, T_HOST = 8, T_REFERRER = 9;
const T_HTTP_VERSION = 10, T_USER_AGENT = 11, T_STATUS_MSG = 12, T_SSL_VERSION = 13, T_CIPHER = 14;
const T_CURVE = 15, T_SERVER_NAME = 16, T_LAST_ALERT = 17, T_NEXT_PROTOCOL = 18;
const MEMO_BUCKETS = 32;
const MEMO_SLOTS = (T_NEXT_PROTOCOL + 1) * MEMO_BUCKETS * 2;
const MEMO_RAW: string[] = new Array<string>(MEMO_SLOTS).fill('');
const MEMO_VALUE: string[] = new Array<string>(MEMO_SLOTS).fill('');
/**
 * A column whose values mostly miss its memo (thousands of DNS or server names in a long tail)
 * skips it for a while: each miss costs the slot comparisons, a second pass over the bytes to
 * hash them and four slot stores, more than the memo saves on the few hits. Per column:
 * lookups since its window began (MEMO_CALLS), misses in the window (MEMO_MISSES), and the
 * lookup count before which the memo is skipped (MEMO_SKIP_UNTIL). After MEMO_WINDOW_MISSES
 * misses, a column that missed on more than half of the window's lookups skips the memo for
 * the next MEMO_SKIP lookups (one pass that scans and hashes, then the token cache, as before
 * the memo existed), then tries it again. Which path serves a value never changes the value.
 */
const MEMO_WINDOW_MISSES = 64;
const MEMO_SKIP = 4096;
const MEMO_CALLS = new Float64Array(T_NEXT_PROTOCOL + 1);
const MEMO_MISSES = new Int32Array(T_NEXT_PROTOCOL + 1);
const MEMO_SKIP_UNTIL = new Float64Array(T_NEXT_PROTOCOL + 1);
/** Times a column turned its memo off (for the tests and benchmarks). */
export const memoSkips = { count: 0 };

/**
 * A string that repeats across lines (state, name, agent), as scan.ts' scanToken reads it:
 * printable ASCII from the column's memo when the bytes are there, else from the token cache,
 * or with its escapes decoded through the decoded-token cache (and kept in the memo); anything
 * else (a non-ASCII byte, a value longer than the caches hold) through scanToken itself.
 */
function tokenAt(buf: Buffer, i: number, e: number, col: number): string {
  if (++MEMO_CALLS[col] < MEMO_SKIP_UNTIL[col]) return hashedTokenAt(buf, i, e);
  const s = i;
  let c = buf[i];
  while (c >= 0x20 && c <= 0x7e) c = buf[++i];
  if ((c !== TAB && i !== e) || i - s > MAX_CACHED_STRING) {
    const t = scanToken(buf, s, e, TAB);
    end = scanState.end;
    return t;
  }
  end = i;
  const n = i - s;
  if (n === 0) return '';
  // Two slots per bucket; the bucket from the length and the first, middle and last bytes.
  const k =
    (col * MEMO_BUCKETS + (Math.imul(buf[s] ^ (buf[i - 1] << 8) ^ (buf[s + (n >> 1)] << 16) ^ (n << 24), 0x9e3779b1) >>> 27)) << 1;
  let raw = MEMO_RAW[k];
  let j = 0;
  if (raw.length === n) {
    while (j < n && raw.charCodeAt(j) === buf[s + j]) j++;
    if (j === n) return MEMO_VALUE[k];
  }
  raw = MEMO_RAW[k + 1];
  if (raw.length === n) {
    j = 0;
    while (j < n && raw.charCodeAt(j) === buf[s + j]) j++;
    if (j === n) return MEMO_VALUE[k + 1];
  }
  return memoMiss(buf, s, i, k, col);
}

/** tokenAt's value of the bytes s..i (plain printable ASCII, not in the memo), kept in memo slot k. */
function memoMiss(buf: Buffer, s: number, i: number, k: number, col: number): string {
  if (++MEMO_MISSES[col] === MEMO_WINDOW_MISSES) {
    // More than half of the window's lookups missed: skip the memo for the next MEMO_SKIP. The
    // window began after the last skip, if any.
    const lookups = MEMO_CALLS[col] - MEMO_SKIP_UNTIL[col];
    MEMO_CALLS[col] = 0;
    MEMO_MISSES[col] = 0;
    if (lookups < 2 * MEMO_WINDOW_MISSES) {
      MEMO_SKIP_UNTIL[col] = MEMO_SKIP;
      memoSkips.count++;
    } else MEMO_SKIP_UNTIL[col] = 0;
  }
  const n = i - s;
  let h = HASH_SEED;
  let esc = false;
  for (let j = s; j < i; j++) {
    const b = buf[j];
    if (b === 0x5c) esc = true;
    h = Math.imul(h ^ b, 0x01000193);
  }
  h = Math.imul(h ^ n, 0x01000193);
  const t = esc ? decodedToken(buf, s, i, h) : TOKEN_CACHE.intern(buf, s, n, h);
  // The new value takes the bucket's first slot, the one there moves to the second.
  MEMO_RAW[k + 1] = MEMO_RAW[k];
  MEMO_VALUE[k + 1] = MEMO_VALUE[k];
  MEMO_RAW[k] = esc ? DECODED_CACHE.lastKey : t;
  return (MEMO_VALUE[k] = t);
}

/**
 * tokenAt's value while its column skips the memo: one pass that scans and hashes the bytes,
 * then the token cache (or the decoded-token cache for a value with escapes); the same value
 * as through the memo. Its exits (scanToken, '') repeat tokenAt's on purpose: the two scan
 * loops differ (this one hashes as it scans), and both run for every repeated-string field.
 */
function hashedTokenAt(buf: Buffer, i: number, e: number): string {
  const s = i;
  let h = HASH_SEED;
  let c = buf[i];
  while (c >= 0x20 && c <= 0x7e && c !== 0x5c) {
    h = Math.imul(h ^ c, 0x01000193);
    c = buf[++i];
  }
  const esc = c === 0x5c;
  while (c >= 0x20 && c <= 0x7e) {
    h = Math.imul(h ^ c, 0x01000193);
    c = buf[++i];
  }
  if ((c !== TAB && i !== e) || i - s > MAX_CACHED_STRING) {
    const t = scanToken(buf, s, e, TAB);
    end = scanState.end;
    return t;
  }
  end = i;
  const n = i - s;
  if (n === 0) return '';
  h = Math.imul(h ^ n, 0x01000193);
  return esc ? decodedToken(buf, s, i, h) : TOKEN_CACHE.intern(buf, s, n, h);
}

/** A string that rarely repeats (uid, URI): plain printable ASCII as is, anything else through scanString. */
function stringAt(buf: Buffer, i: number, e: number): string {
  const s = i;
  let c = buf[i];
  while (c >= 0x20 && c <= 0x7e && c !== 0x5c) c = buf[++i];
  if (c !== TAB && i !== e) {
    const t = scanString(buf, s, e, TAB);
    end = scanState.end;
    return t;
  }
  end = i;
  // Zeek's uids are 18 characters: fromCharCode builds them faster than a slice of the Buffer.
  if (i - s === 18) {
    return String.fromCharCode(
      buf[s], buf[s + 1], buf[s + 2], buf[s + 3], buf[s + 4], buf[s + 5], buf[s + 6], buf[s + 7], buf[s + 8],
      buf[s + 9], buf[s + 10], buf[s + 11], buf[s + 12], buf[s + 13], buf[s + 14], buf[s + 15], buf[s + 16], buf[s + 17],
    );
  }
  return latin1(buf, s, i);
}

/** The last field of a prefix, at i, is Zeek's unset `-`. */
function isUnsetLast(buf: Buffer, i: number, e: number): boolean {
  return buf[i] === DASH && (buf[i + 1] === TAB || i + 1 === e);
}

/** A field that may be the last of the prefix ended on a TAB or at the line end. */
function closed(buf: Buffer, e: number): boolean {
  return end === e || buf[end] === TAB;
}

/** The 7 bytes at i are `(empty)`. */
function isEmptyWord(buf: Buffer, i: number): boolean {
  return (
    buf[i] === PAREN && buf[i + 1] === 0x65 && buf[i + 2] === 0x6d && buf[i + 3] === 0x70 &&
    buf[i + 4] === 0x74 && buf[i + 5] === 0x79 && buf[i + 6] === 0x29
  );
}

/** `-` or `(empty)` as a whole field: sets `end` and returns true. */
function noElements(buf: Buffer, i: number, e: number): boolean {
  if (buf[i] === DASH) {
    if (buf[i + 1] !== TAB && i + 1 !== e) return false;
    end = i + 1;
    return true;
  }
  if (!isEmptyWord(buf, i) || (buf[i + 7] !== TAB && i + 7 !== e)) return false;
  end = i + 7;
  return true;
}

/**
 * listAt's columns, one per call site: each keeps the one-element list it returned last
 * (LAST_LIST), and returns it again for a line whose list is that same one element (http's
 * `resp_mime_types` `text/html`, a repeated DNS answer) instead of a new array. The list is
 * then shared by several records, so it is frozen when first shared (the detectors and
 * exporters only read a record's lists; a consumer that wrote into one would throw rather
 * than change another record). Freezing when first shared, not when made, costs nothing to
 * the many lists that are never shared (the generated day's DNS answers).
 */
const L_TUNNEL_PARENTS = 0, L_ANSWERS = 1, L_TAGS = 2, L_ORIG_FILENAMES = 3, L_ORIG_MIME_TYPES = 4;
const L_RESP_FILENAMES = 5, L_RESP_MIME_TYPES = 6;
const LAST_LIST: string[][] = new Array<string[]>(L_RESP_MIME_TYPES + 1).fill(EMPTY_LIST);
const LAST_LIST_SHARED: boolean[] = new Array<boolean>(L_RESP_MIME_TYPES + 1).fill(true);

/**
 * DNS answers' own string cache, 1,024 slots (16 KiB, in the CPU cache): answers are often seen
 * once (the generated day's, 157 k distinct in 165 k lines), and in the token cache (16,384
 * slots, 256 KiB) each was a slot load from memory and evicted a name, agent or state.
 */
const ANSWER_CACHE = new ByteStringCache(10);

/**
 * A set or vector of strings; `-` and `(empty)` give the shared empty list, as the generic loop
 * does, and one element as on the column's line before gives the same list (LAST_LIST).
 * Elements of plain printable ASCII come from the token cache; a list with anything else goes
 * through scan.ts' scanStringList.
 */
function listAt(buf: Buffer, i: number, e: number, col: number): string[] {
  if (noElements(buf, i, e)) return EMPTY_LIST;
  if (buf[i] === TAB || i === e) {
    end = i; // a field of no bytes: no elements, as tsvStringList reads it
    return EMPTY_LIST;
  }
  const s = i;
  let out: string[] | null = null;
  for (;;) {
    const es = i;
    let h = HASH_SEED;
    let c = buf[i];
    while (c >= 0x20 && c <= 0x7e && c !== 0x5c && c !== SET_SEP) {
      h = Math.imul(h ^ c, 0x01000193);
      c = buf[++i];
    }
    const n = i - es;
    const last = c === TAB || i === e;
    if ((!last && c !== SET_SEP) || n > MAX_CACHED_STRING) {
      const l = scanStringList(buf, s, e, TAB, SET_SEP);
      end = scanState.end;
      return l;
    }
    const str = (col === L_ANSWERS ? ANSWER_CACHE : TOKEN_CACHE).intern(buf, es, n, Math.imul(h ^ n, 0x01000193));
    if (last && out === null) {
      end = i;
      // The element is never '' here (a field of no bytes left above), so EMPTY_LIST, the
      // columns' first last list, never matches.
      const prev = LAST_LIST[col];
      if (prev[0] === str && prev.length === 1) {
        if (!LAST_LIST_SHARED[col]) {
          Object.freeze(prev);
          LAST_LIST_SHARED[col] = true;
        }
        return prev;
      }
      LAST_LIST_SHARED[col] = false;
      return (LAST_LIST[col] = [str]);
    }
    if (out === null) out = [str];
    else out.push(str);
    if (last) {
      end = i;
      return out;
    }
    i++;
  }
}

/** The one-element TTL list intervalsAt returned last, its value, and whether it is frozen (see LAST_LIST). */
let lastTtls: number[] = [];
let lastTtl = -1;
let lastTtlsShared = false;

/**
 * A vector of intervals, as scan.ts' scanIntervalList reads it (each value rounded to the
 * microsecond); null when malformed. One value, as on the line before, gives the same list
 * (DNS TTLs repeat: the generated day's are all 300).
 */
function intervalsAt(buf: Buffer, i: number, e: number): number[] | null {
  const s = i;
  let out: number[] | null = null;
  for (;;) {
    const v = decimalRawAt(buf, i);
    const c = buf[end];
    const last = c === TAB || end === e;
    if (v !== v || (!last && c !== SET_SEP)) {
      const l = scanIntervalList(buf, s, e, TAB, SET_SEP);
      end = scanState.end;
      return l;
    }
    const r = roundMicros(v);
    if (last && out === null) {
      // r is never negative (digits only) and lastTtl starts at -1: no match before a list is made.
      if (r === lastTtl) {
        if (!lastTtlsShared) {
          Object.freeze(lastTtls);
          lastTtlsShared = true;
        }
        return lastTtls;
      }
      lastTtl = r;
      lastTtlsShared = false;
      return (lastTtls = [r]);
    }
    if (out === null) out = [r];
    else out.push(r);
    if (last) return out;
    i = end + 1;
  }
}

/** ts uid id.orig_h id.orig_p id.resp_h id.resp_p: the index after resp_p's TAB, or -1. */
function idPrefix(r: IdFields, buf: Buffer, s: number, e: number): number {
  let i = s;
  if (!decimalAt(buf, i) || buf[end] !== TAB) return -1;
  r.ts = NUM[0];
  i = end + 1;
  if ((buf[i] === DASH && buf[i + 1] === TAB) || buf[i] === PAREN) return -1;
  r.uid = stringAt(buf, i, e);
  if (buf[end] !== TAB) return -1;
  i = end + 1;
  const oh = addrAt(buf, i, e);
  if (oh === null || buf[end] !== TAB) return -1;
  r.origH = oh;
  i = end + 1;
  // Ports read inline, as in connTsvPrefix.
  let c: number;
  let k: number;
  let v: number;
  for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
  if (i === k || i - k > 15 || v > 65535 || c !== TAB) return -1;
  r.origP = v;
  i++;
  const rh = addrAt(buf, i, e);
  if (rh === null || buf[end] !== TAB) return -1;
  r.respH = rh;
  i = end + 1;
  for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
  if (i === k || i - k > 15 || v > 65535 || c !== TAB) return -1;
  r.respP = v;
  return i + 1;
}

/** `tcp`/`udp`/`icmp` followed by TAB: the index after the TAB; -1 for anything else. */
function protoAt(r: { proto: string }, buf: Buffer, i: number): number {
  const c = buf[i];
  if (c === 0x74) {
    if (buf[i + 1] === 0x63 && buf[i + 2] === 0x70 && buf[i + 3] === TAB) {
      r.proto = 'tcp';
      return i + 4;
    }
  } else if (c === 0x75) {
    if (buf[i + 1] === 0x64 && buf[i + 2] === 0x70 && buf[i + 3] === TAB) {
      r.proto = 'udp';
      return i + 4;
    }
  } else if (c === 0x69) {
    if (buf[i + 1] === 0x63 && buf[i + 2] === 0x6d && buf[i + 3] === 0x70 && buf[i + 4] === TAB) {
      r.proto = 'icmp';
      return i + 5;
    }
  }
  return -1;
}


/** conn.log's default columns, ts to tunnel_parents. */
export function connTsvPrefix(r: ConnRecord, buf: Buffer, s: number, e: number): number {
  let i = idPrefix(r, buf, s, e);
  if (i < 0) return -1;
  i = protoAt(r, buf, i);
  if (i < 0) return -1;
  // service
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.service = tokenAt(buf, i, e, T_SERVICE);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // duration
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (!decimalAt(buf, i) || buf[end] !== TAB) return -1;
    r.duration = NUM[0];
    i = end + 1;
  }
  // The counts and booleans below are read inline: this function is past V8's inlining budget.
  let c: number;
  let k: number;
  let v: number;
  // orig_bytes, resp_bytes
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
    if (i === k || i - k > 15 || c !== TAB) return -1;
    r.origBytes = v;
    i++;
  }
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
    if (i === k || i - k > 15 || c !== TAB) return -1;
    r.respBytes = v;
    i++;
  }
  // conn_state
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.connState = tokenAt(buf, i, e, T_CONN_STATE);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // local_orig, local_resp: T, F or -
  c = buf[i];
  if (buf[i + 1] !== TAB) return -1;
  if (c === 0x54) r.localOrig = true;
  else if (c === 0x46) r.localOrig = false;
  else if (c !== DASH) return -1;
  i += 2;
  c = buf[i];
  if (buf[i + 1] !== TAB) return -1;
  if (c === 0x54) r.localResp = true;
  else if (c === 0x46) r.localResp = false;
  else if (c !== DASH) return -1;
  i += 2;
  // missed_bytes
  for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
  if (i === k || i - k > 15 || c !== TAB) return -1;
  r.missedBytes = v;
  i++;
  // history
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.history = tokenAt(buf, i, e, T_HISTORY);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes
  for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
  if (i === k || i - k > 15 || c !== TAB) return -1;
  r.origPkts = v;
  i++;
  for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
  if (i === k || i - k > 15 || c !== TAB) return -1;
  r.origIpBytes = v;
  i++;
  for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
  if (i === k || i - k > 15 || c !== TAB) return -1;
  r.respPkts = v;
  i++;
  for (k = i, v = 0, c = buf[i]; c >= 0x30 && c <= 0x39; c = buf[++i]) v = v * 10 + (c - 0x30);
  if (i === k || i - k > 15 || c !== TAB) return -1;
  r.respIpBytes = v;
  i++;
  // tunnel_parents: `(empty)` (or `-`) keeps the record's shared empty list
  if (
    buf[i] === PAREN && buf[i + 1] === 0x65 && buf[i + 2] === 0x6d && buf[i + 3] === 0x70 && buf[i + 4] === 0x74 &&
    buf[i + 5] === 0x79 && buf[i + 6] === 0x29 && (i + 7 === e || buf[i + 7] === TAB)
  ) {
    return i + 7;
  }
  r.tunnelParents = listAt(buf, i, e, L_TUNNEL_PARENTS);
  return closed(buf, e) ? end : -1;
}


/** dns.log's default columns, ts to rejected. */
export function dnsTsvPrefix(r: DnsRecord, buf: Buffer, s: number, e: number): number {
  let i = idPrefix(r, buf, s, e);
  if (i < 0) return -1;
  i = protoAt(r, buf, i);
  if (i < 0) return -1;
  // trans_id
  let v: number;
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    v = countAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.transId = v;
    i = end + 1;
  }
  // rtt
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (!decimalAt(buf, i) || buf[end] !== TAB) return -1;
    r.rtt = NUM[0];
    i = end + 1;
  }
  // query
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.query = tokenAt(buf, i, e, T_QUERY);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // qclass qclass_name qtype qtype_name rcode rcode_name
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    v = countAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.qclass = v;
    i = end + 1;
  }
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.qclassName = tokenAt(buf, i, e, T_QCLASS_NAME);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    v = countAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.qtype = v;
    i = end + 1;
  }
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.qtypeName = tokenAt(buf, i, e, T_QTYPE_NAME);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    v = countAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.rcode = v;
    i = end + 1;
  }
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.rcodeName = tokenAt(buf, i, e, T_RCODE_NAME);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // AA TC RD RA
  v = boolAt(buf, i);
  if (v < 0 || buf[end] !== TAB) return -1;
  r.AA = v === 1;
  v = boolAt(buf, end + 1);
  if (v < 0 || buf[end] !== TAB) return -1;
  r.TC = v === 1;
  v = boolAt(buf, end + 1);
  if (v < 0 || buf[end] !== TAB) return -1;
  r.RD = v === 1;
  v = boolAt(buf, end + 1);
  if (v < 0 || buf[end] !== TAB) return -1;
  r.RA = v === 1;
  // Z
  v = countAt(buf, end + 1);
  if (v < 0 || buf[end] !== TAB) return -1;
  r.Z = v;
  // answers
  r.answers = listAt(buf, end + 1, e, L_ANSWERS);
  if (buf[end] !== TAB) return -1;
  i = end + 1;
  // TTLs
  if (noElements(buf, i, e)) {
    r.TTLs = EMPTY_INTERVALS;
  } else {
    const l = intervalsAt(buf, i, e);
    if (l === null) return -1;
    r.TTLs = l;
  }
  if (buf[end] !== TAB) return -1;
  i = end + 1;
  // rejected
  if (isUnsetLast(buf, i, e)) {
    end = i + 1;
    return end;
  }
  v = boolAt(buf, i);
  if (v < 0 || !closed(buf, e)) return -1;
  r.rejected = v === 1;
  return end;
}

const EMPTY_INTERVALS = EMPTY_LIST as unknown as number[];


/** http.log's first columns, ts to user_agent (the columns after it differ between Zeek versions). */
export function httpTsvPrefix(r: HttpRecord, buf: Buffer, s: number, e: number): number {
  let i = idPrefix(r, buf, s, e);
  if (i < 0) return -1;
  // trans_depth
  const v = countAt(buf, i);
  if (v < 0 || buf[end] !== TAB) return -1;
  r.transDepth = v;
  i = end + 1;
  // method
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.method = tokenAt(buf, i, e, T_METHOD);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // host
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.host = tokenAt(buf, i, e, T_HOST);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // uri
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.uri = stringAt(buf, i, e);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // referrer
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.referrer = tokenAt(buf, i, e, T_REFERRER);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // version
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.version = tokenAt(buf, i, e, T_HTTP_VERSION);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // user_agent
  if (isUnsetLast(buf, i, e)) return i + 1;
  if (buf[i] === PAREN) return -1;
  r.userAgent = tokenAt(buf, i, e, T_USER_AGENT);
  return closed(buf, e) ? end : -1;
}

/** A string column (origin, info_msg, username, password): the index after its TAB, or -1. */
function httpStringAt(buf: Buffer, i: number, e: number): string | null {
  if (buf[i] === PAREN) return null;
  const v = stringAt(buf, i, e);
  return buf[end] === TAB ? v : null;
}

/** A column we do not map (proxied, orig_fuids, resp_fuids): skipped up to its TAB, as the generic loop does; -1 at the line end. */
function skipColumn(buf: Buffer, i: number, e: number): number {
  while (i < e && buf[i] !== TAB) i++;
  return i < e ? i + 1 : -1;
}

/**
 * http.log's columns as Zeek writes them by default (origin after user_agent, then the bodies,
 * status, tags, credentials, proxied and the file vectors).
 */
export function httpTsvLong(r: HttpRecord, buf: Buffer, s: number, e: number): number {
  let i = httpTsvPrefix(r, buf, s, e);
  if (i < 0 || buf[i] !== TAB) return -1;
  i++;
  let str: string | null;
  let v: number;
  // origin
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    if ((str = httpStringAt(buf, i, e)) === null) return -1;
    r.origin = str;
    i = end + 1;
  }
  // request_body_len, response_body_len
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    v = countAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.requestBodyLen = v;
    i = end + 1;
  }
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    v = countAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.responseBodyLen = v;
    i = end + 1;
  }
  // status_code, status_msg
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    v = countAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.statusCode = v;
    i = end + 1;
  }
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.statusMsg = tokenAt(buf, i, e, T_STATUS_MSG);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // info_code, info_msg
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    v = countAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.infoCode = v;
    i = end + 1;
  }
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    if ((str = httpStringAt(buf, i, e)) === null) return -1;
    r.infoMsg = str;
    i = end + 1;
  }
  // tags
  r.tags = listAt(buf, i, e, L_TAGS);
  if (buf[end] !== TAB) return -1;
  i = end + 1;
  // username, password
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    if ((str = httpStringAt(buf, i, e)) === null) return -1;
    r.username = str;
    i = end + 1;
  }
  if (buf[i] === DASH && buf[i + 1] === TAB) i += 2;
  else {
    if ((str = httpStringAt(buf, i, e)) === null) return -1;
    r.password = str;
    i = end + 1;
  }
  // proxied, orig_fuids
  i = skipColumn(buf, i, e);
  if (i < 0) return -1;
  i = skipColumn(buf, i, e);
  if (i < 0) return -1;
  // orig_filenames, orig_mime_types
  r.origFilenames = listAt(buf, i, e, L_ORIG_FILENAMES);
  if (buf[end] !== TAB) return -1;
  r.origMimeTypes = listAt(buf, end + 1, e, L_ORIG_MIME_TYPES);
  if (buf[end] !== TAB) return -1;
  // resp_fuids
  i = skipColumn(buf, end + 1, e);
  if (i < 0) return -1;
  // resp_filenames, resp_mime_types
  r.respFilenames = listAt(buf, i, e, L_RESP_FILENAMES);
  if (buf[end] !== TAB) return -1;
  r.respMimeTypes = listAt(buf, end + 1, e, L_RESP_MIME_TYPES);
  return closed(buf, e) ? end : -1;
}


/** ssl.log's first columns, ts to established (the columns after it differ between Zeek versions). */
export function sslTsvPrefix(r: SslRecord, buf: Buffer, s: number, e: number): number {
  let i = idPrefix(r, buf, s, e);
  if (i < 0) return -1;
  // version
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.version = tokenAt(buf, i, e, T_SSL_VERSION);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // cipher
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.cipher = tokenAt(buf, i, e, T_CIPHER);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // curve
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.curve = tokenAt(buf, i, e, T_CURVE);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // server_name
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.serverName = tokenAt(buf, i, e, T_SERVER_NAME);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // resumed
  let v: number;
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    v = boolAt(buf, i);
    if (v < 0 || buf[end] !== TAB) return -1;
    r.resumed = v === 1;
    i = end + 1;
  }
  // last_alert
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.lastAlert = tokenAt(buf, i, e, T_LAST_ALERT);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // next_protocol
  if ((buf[i] === DASH && buf[i + 1] === TAB)) i += 2;
  else {
    if (buf[i] === PAREN) return -1;
    r.nextProtocol = tokenAt(buf, i, e, T_NEXT_PROTOCOL);
    if (buf[end] !== TAB) return -1;
    i = end + 1;
  }
  // established
  if (isUnsetLast(buf, i, e)) return i + 1;
  v = boolAt(buf, i);
  if (v < 0 || !closed(buf, e)) return -1;
  r.established = v === 1;
  return end;
}

/** The prefixes of each log, longest first: the parser takes the first one a block starts with. */
export const CONN_PREFIXES: readonly TsvPrefix<ConnRecord>[] = [
  {
    fields: [
      ...ID_FIELDS, 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp',
      'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents',
    ],
    parse: connTsvPrefix,
  },
];

export const DNS_PREFIXES: readonly TsvPrefix<DnsRecord>[] = [
  {
    fields: [
      ...ID_FIELDS, 'proto', 'trans_id', 'rtt', 'query', 'qclass', 'qclass_name', 'qtype', 'qtype_name', 'rcode',
      'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'answers', 'TTLs', 'rejected',
    ],
    parse: dnsTsvPrefix,
  },
];

const HTTP_HEAD = [...ID_FIELDS, 'trans_depth', 'method', 'host', 'uri', 'referrer', 'version', 'user_agent'];

export const HTTP_PREFIXES: readonly TsvPrefix<HttpRecord>[] = [
  {
    fields: [
      ...HTTP_HEAD, 'origin', 'request_body_len', 'response_body_len', 'status_code', 'status_msg', 'info_code',
      'info_msg', 'tags', 'username', 'password', 'proxied', 'orig_fuids', 'orig_filenames', 'orig_mime_types',
      'resp_fuids', 'resp_filenames', 'resp_mime_types',
    ],
    parse: httpTsvLong,
  },
  { fields: HTTP_HEAD, parse: httpTsvPrefix },
];

export const SSL_PREFIXES: readonly TsvPrefix<SslRecord>[] = [
  {
    fields: [...ID_FIELDS, 'version', 'cipher', 'curve', 'server_name', 'resumed', 'last_alert', 'next_protocol', 'established'],
    parse: sslTsvPrefix,
  },
];
