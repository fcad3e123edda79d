import type { RecordSink } from '../../core/records.js';
import type { ZeekRecordKind } from './log-types.js';

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
