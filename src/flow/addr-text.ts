/**
 * Address text for strings kept or logged per connection, built in a byte scratch and read as
 * one flat string: the same text as core/ip.ts ipToString (dotted quad; RFC 5952 for IPv6,
 * IPv4-mapped addresses with a dotted tail, as Zeek writes them), without its intermediate
 * strings and group array (it ran once per address of every emitted connection).
 */

import { longestZeroRun } from '../core/ip.js';

const scratch = Buffer.alloc(64);
const groups = new Int32Array(8);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

function putV4(out: Buffer, o: number, buf: Uint8Array, off: number): number {
  for (let i = 0; i < 4; i++) {
    if (i > 0) out[o++] = 0x2e; // '.'
    const v = buf[off + i];
    if (v >= 100) out[o++] = 0x30 + Math.floor(v / 100);
    if (v >= 10) out[o++] = 0x30 + (Math.floor(v / 10) % 10);
    out[o++] = 0x30 + (v % 10);
  }
  return o;
}

/**
 * Text of the address of `len` (4 or 16) bytes at `off`, as one flat string.
 * @returns the same text as ipToString(buf, off, len)
 */
export function addrText(buf: Uint8Array, off: number, len: number): string {
  const out = scratch;
  if (len === 4) return out.toString('latin1', 0, putV4(out, 0, buf, off));
  const g = groups;
  for (let i = 0; i < 8; i++) g[i] = (buf[off + 2 * i] << 8) | buf[off + 2 * i + 1];
  let o = 0;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    o = out.write('::ffff:', 0, 'latin1');
    return out.toString('latin1', 0, putV4(out, o, buf, off + 12));
  }
  // The longest run of two or more zero groups, the first when tied, becomes '::'.
  const run = longestZeroRun(g);
  const bestStart = run < 0 ? -1 : run >> 4;
  const bestLen = run & 15;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out[o++] = 0x3a;
      out[o++] = 0x3a;
      i += bestLen - 1;
      continue;
    }
    if (o > 0 && out[o - 1] !== 0x3a) out[o++] = 0x3a;
    const v = g[i];
    if (v >= 0x1000) out[o++] = HEX[v >> 12];
    if (v >= 0x100) out[o++] = HEX[(v >> 8) & 15];
    if (v >= 0x10) out[o++] = HEX[(v >> 4) & 15];
    out[o++] = HEX[v & 15];
  }
  return out.toString('latin1', 0, o);
}
