/**
 * Reading one column of a raw Zeek TSV line without parsing the line: for a caller that hands
 * lines out to workers by their source address (`id.orig_h`), so that all of one host's rows
 * meet in the same worker. Nothing here allocates per line.
 *
 *   const layout = tsvColumnLayout(headerLines, 'id.orig_h');   // once per header block
 *   const h = tsvFieldHash(buf, lineStart, lineEnd, layout.column, layout.sep);
 *   const worker = h < 0 ? 0 : h % workers;
 */
import { unescapeTsvBytes } from './values.js';

/** Where a column sits in the lines of one TSV header block. */
export interface TsvColumnLayout {
  /** The field separator byte (`#separator`, TAB by default). */
  sep: number;
  /** Index of the column in `#fields` (0-based). */
  column: number;
}

/**
 * The layout of column `name` from the `#` lines of one TSV header block (as text, one line
 * per element, or all of them in one string). Follows `#separator` when it is given before
 * `#fields`, as Zeek writes it. Null when there is no `#fields` line or it has no such column.
 */
export function tsvColumnLayout(headerLines: string | readonly string[], name = 'id.orig_h'): TsvColumnLayout | null {
  const lines = typeof headerLines === 'string' ? headerLines.split('\n') : headerLines;
  let sep = 0x09;
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.startsWith('#separator ')) {
      const b = Buffer.from(line, 'latin1');
      const v = unescapeTsvBytes(b, '#separator '.length, b.length);
      if (v.length === 1) sep = v[0];
      continue;
    }
    const key = '#fields' + String.fromCharCode(sep);
    if (line.startsWith(key)) {
      const column = line.slice(key.length).split(String.fromCharCode(sep)).indexOf(name);
      return column < 0 ? null : { sep, column };
    }
  }
  return null;
}

/**
 * Start offset of column `column` in the line [s, e) (without its newline), or -1 when the
 * line has fewer columns. The field ends at the next `sep` from there, or at `e`.
 */
export function tsvFieldStart(buf: Uint8Array, s: number, e: number, column: number, sep = 0x09): number {
  let i = s;
  for (let k = 0; k < column; k++) {
    while (i < e && buf[i] !== sep) i++;
    if (i >= e) return -1;
    i++;
  }
  return i;
}

/**
 * 32-bit FNV-1a hash (0..2^32-1) of the bytes of column `column` in the line [s, e), or -1
 * when the line has fewer columns. Equal addresses hash equally: Zeek writes one text per
 * address (an unset `-` hashes as the byte `-`).
 */
export function tsvFieldHash(buf: Uint8Array, s: number, e: number, column: number, sep = 0x09): number {
  let i = tsvFieldStart(buf, s, e, column, sep);
  if (i < 0) return -1;
  let h = 0x811c9dc5 | 0;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === sep) break;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}
