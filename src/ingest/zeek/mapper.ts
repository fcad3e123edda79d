import type { RecordSink } from '../../core/records.js';
import type { ZeekRecordKind } from './log-types.js';
import { scanAddr, scanPort, scanString, scanTime } from './scan.js';
import type { TsvPrefix } from './tsv-fast.js';
import { jsonAddr, jsonPort, jsonTime } from './values.js';

/**
 * Maps the columns of one Zeek log onto one record type. The parser builds a column-index
 * -> field-code array once per header block from `codes`, then calls `setTsv` (or `setJson`)
 * with the code: a switch over small integers, instead of RITA's per-line reflection.
 *
 * Field code 0 means "a column we do not use" and is never passed to the setters.
 */
export interface RecordMapper<R> {
  readonly kind: ZeekRecordKind;
  /** Zeek column name (`id.orig_h`) -> field code (> 0). */
  readonly codes: ReadonlyMap<string, number>;
  /** Columns without which no record can be made (checked once per TSV header). */
  readonly required: readonly string[];
  /** A record with every field at its unset value; `ts` is NaN until set. */
  create(source: number | undefined): R;
  /**
   * Set one field from the TSV bytes at `s`, up to the separator `sep` or the line end `e`,
   * leaving where the field ended in `scanState.end` (scan.ts). `e === s` means Zeek's empty
   * field (`(empty)`). Returns false when the value is malformed.
   */
  setTsv(r: R, code: number, buf: Buffer, s: number, e: number, sep: number, setSep: number): boolean;
  /**
   * Straight-line parsers of the columns Zeek writes first in this log (tsv-fast.ts), longest
   * first: the first whose `fields` a header block starts with (with Zeek's default
   * separators) reads each line; the generic `setTsv` loop maps the rest of the line, or all
   * of it when the prefix parser gives up (-1).
   */
  readonly tsvPrefixes: readonly TsvPrefix<R>[];
  /** Set one field from a (non-null) JSON value. Returns false when the value is malformed. */
  setJson(r: R, code: number, v: unknown): boolean;
  /** The name of a required field the finished record lacks, or null when it is complete. */
  missing(r: R): string | null;
  emit(sink: RecordSink, r: R): void;
}

/** Build a name -> code map from a list of names (codes start at 1, in list order). */
export function codeMap(names: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  names.forEach((n, i) => m.set(n, i + 1));
  return m;
}

/**
 * Every log we map starts its COLUMNS with these six, so their field codes are 1..6 in every
 * mapper and one pair of setters serves them all.
 */
export const ID_CODE_LAST = 6;
const TS = 1, UID = 2, ORIG_H = 3, ORIG_P = 4, RESP_H = 5; // and RESP_P = 6

/** The fields the six shared columns fill (also by tsv-fast.ts' idPrefix). */
export interface IdFields {
  ts: number;
  uid: string;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
}

/** setTsv for codes 1..6 (ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p). */
export function setIdTsv(r: IdFields, code: number, buf: Buffer, s: number, e: number, sep: number): boolean {
  switch (code) {
    case TS:
      r.ts = scanTime(buf, s, e, sep);
      return r.ts === r.ts;
    case UID:
      r.uid = scanString(buf, s, e, sep);
      return true;
    case ORIG_H:
    case RESP_H: {
      const a = scanAddr(buf, s, e, sep);
      if (a === null) return false;
      if (code === ORIG_H) r.origH = a;
      else r.respH = a;
      return true;
    }
    default: {
      // ORIG_P or RESP_P
      const v = scanPort(buf, s, e, sep);
      if (code === ORIG_P) r.origP = v;
      else r.respP = v;
      return v >= 0;
    }
  }
}

/** setJson for codes 1..6. */
export function setIdJson(r: IdFields, code: number, x: unknown): boolean {
  switch (code) {
    case TS:
      r.ts = jsonTime(x);
      return r.ts === r.ts;
    case UID:
      if (typeof x !== 'string') return false;
      r.uid = x;
      return true;
    case ORIG_H:
    case RESP_H: {
      const a = jsonAddr(x);
      if (a === null) return false;
      if (code === ORIG_H) r.origH = a;
      else r.respH = a;
      return true;
    }
    default: {
      // ORIG_P or RESP_P
      const v = jsonPort(x);
      if (code === ORIG_P) r.origP = v;
      else r.respP = v;
      return v >= 0;
    }
  }
}
