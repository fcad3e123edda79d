/**
 * A byte-level reader for the JSON lines Zeek's JSON writer (LogAscii::use_json=T) writes: one
 * flat object per line, dotted keys, values that are numbers, `true`/`false`/`null`, strings,
 * or arrays of those; no blanks (Zeek), or spaces after `:` and `,` (RITA's test data, Python's
 * json.dumps).
 *
 *   {"ts":1709251200.269321,"uid":"Cry0WvDgR22TU4huRk","id.orig_h":"10.20.2.25",...,"tunnel_parents":[]}
 *
 * The generic path (parser.ts' jsonLine) gives each line to `JSON.parse`, which builds an object
 * with a new string for every value, then copies the mapped fields into the record. This reader
 * walks the bytes once and hands each mapped value straight to the mapper's `setJson`, the same
 * setter the generic path calls, with repeated values (states, names, addresses) taken from the
 * reader's string caches and numbers read from the digits.
 *
 * It gives up (returns false) at anything unusual, and the parser then reads the line again with
 * `JSON.parse`, which has the final word on every value and every anomaly: a CR inside a line, a
 * string with an escape, a control or a non-ASCII byte, a number JSON's grammar rejects, a nested object
 * (`{"id":{"orig_h":...}}`, which the generic path flattens), a key seen twice on a line
 * (`JSON.parse` keeps the last value, and a first value that is set then overwritten by `null`
 * would differ), or a value `setJson` refuses. Unknown keys are skipped. The records of both
 * paths are equal (test/ingest/zeek/json-fast.test.ts compares them over the corpus and over
 * generated lines).
 *
 * Numbers: a JSON number whose digits, without the point, form an integer up to 2^53 with at
 * most 22 fraction digits is that integer divided by an exact power of ten, which IEEE division
 * rounds exactly as `JSON.parse` does; anything longer, or with an exponent, is converted by
 * `Number()` on its text, which follows the same rules as `JSON.parse`.
 */
import type { RecordMapper } from './mapper.js';
import { EMPTY_LIST, HASH_SEED, latin1, MAX_CACHED_STRING, TOKEN_CACHE, v4Text } from './values.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const BACKSLASH = 0x5c;

/** How a key's string values are built. */
const TOKEN = 0;
/** Values that rarely repeat (uids, URIs, community ids): built, not cached. */
const UNIQUE = 1;
/** Addresses: dotted quads from the integer-keyed IPv4 cache (values.ts' v4Text). */
const ADDRESS = 2;

const UNIQUE_FIELDS = new Set(['uid', 'uri', 'community_id']);
const ADDRESS_FIELDS = new Set(['id.orig_h', 'id.resp_h']);

/**
 * Exact powers of ten (all representable as doubles up to 1e22). The same as values.ts' table,
 * kept here: read through an import, it cost the JSON reader about 3% more CPU.
 */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * The keys of one log's mapper, found by their bytes: an open-addressing table (FNV-1a of the
 * key bytes, linear probing, at most a quarter full) of key text, field code and string kind.
 */
export class JsonKeyTable {
  readonly keys: string[];
  readonly codes: Int32Array;
  readonly kinds: Uint8Array;
  readonly mask: number;
  /**
   * The slot of the key that followed each key (and, at `first`, the line's first key) last
   * time, -1 when unknown: Zeek writes the keys of a log in the same order on every line, so the
   * next key is checked against this guess before it is hashed. A hint only: a wrong guess costs
   * one comparison.
   */
  readonly next: Int32Array;
  first = -1;

  constructor(codes: ReadonlyMap<string, number>) {
    let size = 16;
    while (size < codes.size * 4) size <<= 1;
    this.keys = new Array<string>(size).fill('');
    this.codes = new Int32Array(size);
    this.kinds = new Uint8Array(size);
    this.mask = size - 1;
    this.next = new Int32Array(size).fill(-1);
    for (const [key, code] of codes) {
      let h = HASH_SEED;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      let slot = (h ^ (h >>> 15)) & this.mask;
      while (this.codes[slot] !== 0) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.codes[slot] = code;
      this.kinds[slot] = UNIQUE_FIELDS.has(key) ? UNIQUE : ADDRESS_FIELDS.has(key) ? ADDRESS : TOKEN;
    }
  }
}

/**
 * A key table for a mapper, or null when its field codes do not fit the reader's 31-bit
 * "seen on this line" mask (every mapper's do: at most 27 codes).
 */
export function jsonKeyTable(mapper: RecordMapper<unknown>): JsonKeyTable | null {
  for (const code of mapper.codes.values()) if (code > 30) return null;
  return new JsonKeyTable(mapper.codes);
}

/** The index of the first byte from i on that is not a space or a TAB (JSON's blanks within a line), at most e. */
function blanks(buf: Buffer, i: number, e: number): number {
  while (i < e && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  return i;
}

/** Where the last value reader stopped. */
let pos = 0;
/** The FNV-1a hash of the bytes plainTo last read. */
let plainHash = 0;

/**
 * The index of the quote that closes the string from `i` (after its opening quote) when it holds
 * only printable ASCII without a backslash (hashed into `plainHash` on the way), else -1.
 */
function plainTo(buf: Buffer, i: number, e: number): number {
  let h = HASH_SEED;
  let c = buf[i];
  while (c !== QUOTE) {
    if (c < 0x20 || c > 0x7e || c === BACKSLASH || i >= e) return -1;
    h = Math.imul(h ^ c, 0x01000193);
    c = buf[++i];
  }
  plainHash = h;
  return i;
}

/**
 * Sets the record's mapped fields from the JSON object in bytes [s, e) (`buf[s]` is `{`). As for
 * the TSV prefix parsers, the byte at `e` must exist and be the line's `\n` or `\r`, or a 0.
 * @returns false when the line must be read by the generic path (see the module comment); the
 *   record may then be partly filled and must be thrown away.
 */
export function readJsonFields<R>(rec: R, mapper: RecordMapper<R>, table: JsonKeyTable, buf: Buffer, s: number, e: number): boolean {
  let i = blanks(buf, s + 1, e);
  let seen = 0;
  if (buf[i] === 0x7d) return blanks(buf, i + 1, e) === e; // {}
  const keys = table.keys;
  const next = table.next;
  let guess = table.first;
  let prev = -1;
  for (;;) {
    // "key":
    if (buf[i] !== QUOTE) return false;
    const ks = ++i;
    let slot = -1;
    let code = 0;
    if (guess >= 0) {
      const key = keys[guess];
      const kn = key.length;
      let j = 0;
      while (j < kn && key.charCodeAt(j) === buf[ks + j]) j++;
      if (j === kn && buf[ks + kn] === QUOTE && ks + kn < e) {
        slot = guess;
        code = table.codes[slot];
        i = ks + kn;
      }
    }
    if (slot < 0) {
      i = plainTo(buf, ks, e);
      if (i < 0) return false;
      const kn = i - ks;
      const h = plainHash;
      // The key's slot: equal bytes, or an empty slot (a key we do not map).
      slot = (h ^ (h >>> 15)) & table.mask;
      for (;;) {
        const k = table.codes[slot];
        if (k === 0) break;
        const key = keys[slot];
        if (key.length === kn) {
          let j = 0;
          while (j < kn && key.charCodeAt(j) === buf[ks + j]) j++;
          if (j === kn) {
            code = k;
            break;
          }
        }
        slot = (slot + 1) & table.mask;
      }
      if (code !== 0) {
        if (prev < 0) table.first = slot;
        else next[prev] = slot;
      }
    }
    i = blanks(buf, i + 1, e);
    if (buf[i] !== COLON) return false;
    i = blanks(buf, i + 1, e);
    if (code !== 0) {
      const bit = 1 << code;
      if ((seen & bit) !== 0) return false;
      seen |= bit;
      prev = slot;
      guess = next[slot];
    } else {
      guess = -1;
    }
    // The value.
    let c = buf[i];
    let v: unknown;
    if (c === QUOTE && code === 0) {
      v = skipString(buf, i + 1, e);
    } else if (c === QUOTE) {
      v = stringAt(buf, i + 1, e, table.kinds[slot]);
    } else if (c === 0x5b) {
      v = arrayAt(buf, i + 1, e, code === 0);
    } else if (c === 0x74) {
      v = buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65 ? true : undefined;
      pos = i + 4;
    } else if (c === 0x66) {
      v = buf[i + 1] === 0x61 && buf[i + 2] === 0x6c && buf[i + 3] === 0x73 && buf[i + 4] === 0x65 ? false : undefined;
      pos = i + 5;
    } else if (c === 0x6e) {
      v = buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c ? null : undefined;
      pos = i + 4;
    } else {
      v = numberAt(buf, i, e);
    }
    if (v === undefined || pos > e) return false;
    // null is Zeek's unset (json_include_unset_fields): the field keeps its default, as in the generic path.
    if (code !== 0 && v !== null && !mapper.setJson(rec, code, v)) return false;
    i = blanks(buf, pos, e);
    c = buf[i];
    if (c === COMMA) {
      i = blanks(buf, i + 1, e);
      continue;
    }
    return c === 0x7d && blanks(buf, i + 1, e) === e;
  }
}

/**
 * A string value from `s` (after its opening quote), or undefined when it holds anything but
 * printable ASCII without a backslash. Sets `pos` after the closing quote.
 */
function stringAt(buf: Buffer, s: number, e: number, kind: number): string | undefined {
  const i = plainTo(buf, s, e);
  if (i < 0) return undefined;
  pos = i + 1;
  const n = i - s;
  if (kind === ADDRESS) {
    const ip = dottedQuad(buf, s, i);
    if (ip !== -1) return v4Text(buf, s, i, ip | 0);
  } else if (kind === UNIQUE || n > MAX_CACHED_STRING) {
    return latin1(buf, s, i);
  }
  return TOKEN_CACHE.intern(buf, s, n, Math.imul(plainHash ^ n, 0x01000193));
}

/**
 * Skips the string value of a key we do not map, from `i` (after its opening quote), checking
 * it as JSON.parse would: escapes (`\"`, `\\`, `\uXXXX`...) must be JSON's, control bytes are
 * refused, other bytes are taken (UTF-8 decoding never fails, it makes U+FFFD). Returns '' and
 * sets `pos` after the closing quote, or undefined.
 */
function skipString(buf: Buffer, i: number, e: number): string | undefined {
  for (;;) {
    if (i >= e) return undefined;
    const c = buf[i];
    if (c === QUOTE) break;
    if (c < 0x20) return undefined;
    if (c === BACKSLASH) {
      const x = buf[i + 1];
      if (x === 0x75) {
        for (let k = 2; k < 6; k++) {
          const h = buf[i + k];
          if (!((h >= 0x30 && h <= 0x39) || (h >= 0x61 && h <= 0x66) || (h >= 0x41 && h <= 0x46))) return undefined;
        }
        i += 6;
        continue;
      }
      if (x !== QUOTE && x !== BACKSLASH && x !== 0x2f && x !== 0x62 && x !== 0x66 && x !== 0x6e && x !== 0x72 && x !== 0x74) return undefined;
      i += 2;
      continue;
    }
    i++;
  }
  pos = i + 1;
  return '';
}

/**
 * The bytes [s, e) as a dotted quad in Zeek's form (four octets 0..255, no leading zeros) as an
 * unsigned 32-bit integer, or -1 when they are not one. Every 32-bit address is a valid value,
 * so -1 (255.255.255.255 as a signed integer) is told apart by returning the unsigned value.
 * scan.ts' scanAddr reads the same form, but its loop (a separator test per byte) made this
 * reader 4% to 30% slower on conn lines.
 */
function dottedQuad(buf: Buffer, s: number, e: number): number {
  let ip = 0;
  let i = s;
  for (let k = 0; k < 4; k++) {
    let c = buf[i];
    if (c < 0x30 || c > 0x39 || i >= e) return -1;
    let oct = c - 0x30;
    c = buf[++i];
    if (c >= 0x30 && c <= 0x39 && i < e) {
      if (oct === 0) return -1;
      oct = oct * 10 + (c - 0x30);
      c = buf[++i];
      if (c >= 0x30 && c <= 0x39 && i < e) {
        oct = oct * 10 + (c - 0x30);
        i++;
        if (oct > 255) return -1;
      }
    }
    ip = ip * 256 + oct;
    if (k < 3) {
      if (buf[i] !== 0x2e || i >= e) return -1;
      i++;
    }
  }
  return i === e ? ip : -1;
}

/**
 * A number from `i` as `JSON.parse` reads it, or undefined when JSON's grammar rejects it
 * (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`). Sets `pos` after it.
 */
function numberAt(buf: Buffer, i: number, e: number): number | undefined {
  const s = i;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
  }
  let c = buf[i];
  if (c < 0x30 || c > 0x39 || i >= e) return undefined;
  let mant = 0;
  let digits = 0;
  if (c === 0x30) {
    c = buf[++i];
    digits = 1;
  } else {
    while (c >= 0x30 && c <= 0x39 && i < e) {
      mant = mant * 10 + (c - 0x30);
      digits++;
      c = buf[++i];
    }
  }
  let fd = 0;
  if (c === 0x2e && i < e) {
    c = buf[++i];
    while (c >= 0x30 && c <= 0x39 && i < e) {
      mant = mant * 10 + (c - 0x30);
      fd++;
      c = buf[++i];
    }
    if (fd === 0) return undefined;
  }
  if ((c === 0x65 || c === 0x45) && i < e) {
    c = buf[++i];
    if (c === 0x2b || c === 0x2d) c = buf[++i];
    const es = i;
    while (c >= 0x30 && c <= 0x39 && i < e) c = buf[++i];
    if (i === es) return undefined;
    pos = i;
    return Number(latin1(buf, s, i));
  }
  pos = i;
  if (digits + fd > 15 && mant > Number.MAX_SAFE_INTEGER) return Number(latin1(buf, s, i));
  if (fd > 22) return Number(latin1(buf, s, i));
  const v = fd === 0 ? mant : mant / POW10[fd];
  return neg ? -v : v;
}

/**
 * An array of strings and numbers from `i` (after its `[`): a new array, the shared frozen
 * empty list for `[]` (as the TSV path gives for an empty set), undefined for anything else
 * (nested arrays or objects, `true`/`false`/`null` elements, which the mappers refuse anyway).
 * With `skip` (a key we do not map) string elements are checked, not built. Sets `pos` after
 * the `]`.
 */
function arrayAt(buf: Buffer, i: number, e: number, skip: boolean): unknown[] | undefined {
  i = blanks(buf, i, e);
  if (buf[i] === 0x5d) {
    pos = i + 1;
    return EMPTY_LIST;
  }
  const out: unknown[] = [];
  for (;;) {
    const c = buf[i];
    let v: unknown;
    if (c === QUOTE) v = skip ? skipString(buf, i + 1, e) : stringAt(buf, i + 1, e, TOKEN);
    else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) v = numberAt(buf, i, e);
    else return undefined;
    if (v === undefined || pos >= e) return undefined;
    out.push(v);
    i = blanks(buf, pos, e);
    if (buf[i] === COMMA) {
      i = blanks(buf, i + 1, e);
      continue;
    }
    if (buf[i] !== 0x5d) return undefined;
    pos = i + 1;
    return out;
  }
}
