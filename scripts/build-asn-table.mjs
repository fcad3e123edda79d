#!/usr/bin/env node
/**
 * Builds assets/asn-table.bin.gz, the embedded IP -> AS number + organisation table, from the
 * CSV files of the `@ip-location-db/asn` package (CC BY 4.0: RouteViews, DB-IP, NRO; see NOTICE).
 *
 *   node scripts/build-asn-table.mjs [--src node_modules/@ip-location-db/asn] [--out assets/asn-table.bin.gz]
 *
 * Input rows: `start,end,asn,organisation`, inclusive ranges with numeric addresses
 * (asn-ipv4-num.csv, asn-ipv6-num.csv). Output (gzip of), all integers little-endian:
 *
 *   offset 0   "KNSKASN1"                 magic, 8 bytes
 *          8   u32 headerLen             length of the JSON header that follows
 *         12   header (UTF-8 JSON)       { format, source, sourceVersion, buildDate, v4Count, v6Count,
 *                                          orgCount, orgBytes }, space-padded to a multiple of 4
 *              u32[orgCount + 1]         offsets of each organisation name in the string block
 *              u8[orgBytes]              deduplicated UTF-8 names, zero-padded to a multiple of 4
 *              u32[v4Count]              IPv4 range starts, sorted ascending
 *              u32[v4Count]              AS number of each range (0 = no data: a gap between ranges)
 *              u32[v4Count]              organisation index (0xffffffff = none)
 *              u32[4 * v6Count]          IPv6 range starts as four 32-bit words, most significant first
 *              u32[v6Count]              AS number
 *              u32[v6Count]              organisation index
 *
 * A range lasts until the next start; gaps between source ranges become explicit entries with
 * AS 0, so the lookup is one binary search for the last start <= address.
 * When two source ranges overlap (the more specific one is registered inside a larger one),
 * the smaller range wins inside its span and the larger one resumes after it, as with
 * longest-prefix match in routing.
 */
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
function arg(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
}
const SRC = resolve(arg('--src', join(ROOT, 'node_modules/@ip-location-db/asn')));
const OUT = resolve(arg('--out', join(ROOT, 'assets/asn-table.bin.gz')));
const NO_ORG = 0xffffffff;

const pkg = JSON.parse(readFileSync(join(SRC, 'package.json'), 'utf8'));
// Package versions are `2.3.YYYYMMDDHH`: the date the data was built.
const m = /\.(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(pkg.version);
const buildDate = m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:00:00Z` : null;

const orgIndex = new Map();
const orgNames = [];
function orgOf(name) {
  if (!name) return NO_ORG;
  let i = orgIndex.get(name);
  if (i === undefined) {
    i = orgNames.length;
    orgNames.push(name);
    orgIndex.set(name, i);
  }
  return i;
}

/**
 * Splits one CSV line of `start,end,asn,organisation` (RFC 4180: only the organisation may be
 * quoted). A quoted field spanning lines would leave an odd number of quotes: that is an error
 * here, not a silent misparse.
 */
function splitRow(line, file, n) {
  const c1 = line.indexOf(',');
  const c2 = line.indexOf(',', c1 + 1);
  const c3 = line.indexOf(',', c2 + 1);
  if (c1 < 0 || c2 < 0 || c3 < 0) throw new Error(`${file}: line ${n} has fewer than 4 fields`);
  let org = line.slice(c3 + 1);
  if (org.startsWith('"')) {
    if (!org.endsWith('"') || org.length < 2 || (org.match(/"/g).length & 1) !== 0) throw new Error(`${file}: line ${n}: bad quoting`);
    org = org.slice(1, -1).replace(/""/g, '"');
  } else if (org.includes('"')) throw new Error(`${file}: line ${n}: quote in an unquoted field`);
  return [line.slice(0, c1), line.slice(c1 + 1, c2), line.slice(c2 + 1, c3), org];
}

/** Reads one CSV into sorted, gap-filled entries [start(bigint), asn, org]. */
async function readRanges(file) {
  const entries = [];
  let prevEnd = -1n;
  let rows = 0;
  let overlaps = 0;
  // A build-time script over a ~20 MB file: reading it whole is fine here.
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    let line = lines[ln];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    const rec = splitRow(line, file, ln + 1);
    rows++;
    const start = BigInt(rec[0]);
    const end = BigInt(rec[1]);
    const asn = Number(rec[2]);
    const org = orgOf(rec[3]);
    if (end < start || !Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) {
      throw new Error(`${file}: bad row ${rows}: ${rec.join(',')}`);
    }
    if (start <= prevEnd) {
      // Overlap: the new range must lie after the last entry's start (the input is sorted).
      overlaps++;
      const last = entries[entries.length - 1];
      if (start < last[0]) throw new Error(`${file}: row ${rows} is not sorted`);
      const outer = last.slice();
      const outerEnd = prevEnd;
      if (start === last[0]) entries.pop();
      entries.push([start, asn, org]);
      if (outerEnd > end) {
        entries.push([end + 1n, outer[1], outer[2]]);
        prevEnd = outerEnd;
      } else {
        prevEnd = end;
      }
      continue;
    }
    if (start > prevEnd + 1n) entries.push([prevEnd + 1n, 0, NO_ORG]);
    entries.push([start, asn, org]);
    prevEnd = end;
  }
  return { entries, rows, overlaps, prevEnd };
}

const v4 = await readRanges(join(SRC, 'asn-ipv4-num.csv'));
const v6 = await readRanges(join(SRC, 'asn-ipv6-num.csv'));
// Addresses after the last range have no data.
if (v4.prevEnd < 0xffffffffn) v4.entries.push([v4.prevEnd + 1n, 0, NO_ORG]);
if (v6.prevEnd < (1n << 128n) - 1n) v6.entries.push([v6.prevEnd + 1n, 0, NO_ORG]);

const nameBufs = orgNames.map((n) => Buffer.from(n, 'utf8'));
const orgBytes = nameBufs.reduce((s, b) => s + b.length, 0);
const header = {
  format: 'konseki-asn-table/1',
  source: '@ip-location-db/asn (asn-ipv4-num.csv, asn-ipv6-num.csv)',
  sourceVersion: pkg.version,
  license: 'CC-BY-4.0 (RouteViews, DB-IP, NRO)',
  buildDate,
  v4Count: v4.entries.length,
  v6Count: v6.entries.length,
  orgCount: orgNames.length,
  orgBytes,
};
let headerText = JSON.stringify(header);
while ((12 + Buffer.byteLength(headerText)) % 4 !== 0) headerText += ' ';
const headerBuf = Buffer.from(headerText, 'utf8');
const pad4 = (n) => (n + 3) & ~3;

const total =
  12 + headerBuf.length + 4 * (orgNames.length + 1) + pad4(orgBytes) +
  12 * v4.entries.length + 24 * v6.entries.length;
const out = Buffer.alloc(total);
let o = 0;
out.write('KNSKASN1', 0, 'latin1');
o = 8;
out.writeUInt32LE(headerBuf.length, o); o += 4;
headerBuf.copy(out, o); o += headerBuf.length;
let acc = 0;
for (let i = 0; i < nameBufs.length; i++) { out.writeUInt32LE(acc, o); o += 4; acc += nameBufs[i].length; }
out.writeUInt32LE(acc, o); o += 4;
for (const b of nameBufs) { b.copy(out, o); o += b.length; }
o = pad4(o);
for (const e of v4.entries) { out.writeUInt32LE(Number(e[0]), o); o += 4; }
for (const e of v4.entries) { out.writeUInt32LE(e[1], o); o += 4; }
for (const e of v4.entries) { out.writeUInt32LE(e[2], o); o += 4; }
for (const e of v6.entries) {
  for (let w = 3; w >= 0; w--) { out.writeUInt32LE(Number((e[0] >> BigInt(32 * w)) & 0xffffffffn), o); o += 4; }
}
for (const e of v6.entries) { out.writeUInt32LE(e[1], o); o += 4; }
for (const e of v6.entries) { out.writeUInt32LE(e[2], o); o += 4; }
if (o !== total) throw new Error(`size mismatch: wrote ${o} of ${total}`);

const gz = gzipSync(out, { level: 9 });
mkdirSync(dirname(OUT), { recursive: true });
const tmp = OUT + '.tmp';
writeFileSync(tmp, gz);
renameSync(tmp, OUT);
process.stdout.write(
  `asn table: ${v4.rows} IPv4 rows -> ${v4.entries.length} entries (${v4.overlaps} overlaps), ` +
    `${v6.rows} IPv6 rows -> ${v6.entries.length} entries (${v6.overlaps} overlaps), ` +
    `${orgNames.length} organisations; ${total} bytes, ${gz.length} gzipped -> ${OUT}\n`,
);
