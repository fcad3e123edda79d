/**
 * Reader for the embedded AS table (assets/asn-table.bin.gz, built by scripts/build-asn-table.mjs
 * from `@ip-location-db/asn`, CC BY 4.0). The layout is documented in that script: sorted range
 * starts, one AS number and one organisation index per range, and a deduplicated string table.
 * A lookup is one binary search for the last range start <= the address.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzip, gunzipSync } from 'node:zlib';
import { readFile as readFileAsync } from 'node:fs/promises';
import { promisify } from 'node:util';
import { endianness } from 'node:os';
import { KonsekiError, ErrorCodes } from '../core/errors.js';

const MAGIC = 'KNSKASN1';
const gunzipAsync = promisify(gunzip);
const NO_ORG = 0xffffffff;

export interface AsnTableHeader {
  format: string;
  source: string;
  sourceVersion: string;
  license: string;
  buildDate: string | null;
  v4Count: number;
  v6Count: number;
  orgCount: number;
  orgBytes: number;
}

export interface AsnHit {
  asn: number;
  org: string | null;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** n little-endian u32 at `off`, copied into an aligned array (a memcpy on little-endian hosts). */
function readU32Array(buf: Buffer, off: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(buf.subarray(off, off + 4 * n));
  else for (let i = 0; i < n; i++) out[i] = buf.readUInt32LE(off + 4 * i);
  return out;
}

export class AsnTable {
  readonly header: AsnTableHeader;
  readonly path: string;
  private readonly orgOffsets: Uint32Array;
  private readonly orgBlock: Buffer;
  private readonly orgCache: (string | undefined)[];
  private readonly v4Start: Uint32Array;
  private readonly v4Asn: Uint32Array;
  private readonly v4Org: Uint32Array;
  /** Four 32-bit words per entry, most significant first. */
  private readonly v6Start: Uint32Array;
  private readonly v6Asn: Uint32Array;
  private readonly v6Org: Uint32Array;

  private constructor(path: string, raw: Buffer) {
    this.path = path;
    const fail = (what: string, offset?: number): never => {
      throw new KonsekiError(ErrorCodes.GEOIP_DB, `Not a Konseki AS table: ${what}`, { file: path, offset });
    };
    if (raw.length < 12 || raw.toString('latin1', 0, 8) !== MAGIC) fail('bad magic', 0);
    const headerLen = raw.readUInt32LE(8);
    if (12 + headerLen > raw.length) fail(`header length ${headerLen} beyond end of file`, 8);
    let header: AsnTableHeader;
    try {
      header = JSON.parse(raw.toString('utf8', 12, 12 + headerLen)) as AsnTableHeader;
    } catch {
      throw new KonsekiError(ErrorCodes.GEOIP_DB, 'Not a Konseki AS table: header is not JSON', { file: path, offset: 12 });
    }
    const { v4Count, v6Count, orgCount, orgBytes } = header;
    let o = 12 + headerLen;
    const need = o + 4 * (orgCount + 1) + ((orgBytes + 3) & ~3) + 12 * v4Count + 24 * v6Count;
    if (need !== raw.length) fail(`expected ${need} bytes from the header, got ${raw.length}`, 12);
    this.header = header;
    this.orgOffsets = readU32Array(raw, o, orgCount + 1);
    o += 4 * (orgCount + 1);
    this.orgBlock = raw.subarray(o, o + orgBytes);
    o += (orgBytes + 3) & ~3;
    this.orgCache = new Array<string | undefined>(orgCount);
    this.v4Start = readU32Array(raw, o, v4Count);
    o += 4 * v4Count;
    this.v4Asn = readU32Array(raw, o, v4Count);
    o += 4 * v4Count;
    this.v4Org = readU32Array(raw, o, v4Count);
    o += 4 * v4Count;
    this.v6Start = readU32Array(raw, o, 4 * v6Count);
    o += 16 * v6Count;
    this.v6Asn = readU32Array(raw, o, v6Count);
    o += 4 * v6Count;
    this.v6Org = readU32Array(raw, o, v6Count);
  }

  /**
   * Load a table from a file (gzip-compressed or not).
   * @throws KonsekiError ERR_GEOIP_DB when the file is missing or not an AS table.
   */
  static load(path: string): AsnTable {
    let raw: Buffer;
    try {
      raw = readFileSync(path);
      if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
    } catch (e) {
      throw new KonsekiError(ErrorCodes.GEOIP_DB, `Cannot read the AS table: ${(e as Error).message}`, { file: path });
    }
    return new AsnTable(path, raw);
  }

  private org(i: number): string | null {
    if (i === NO_ORG || i >= this.orgCache.length) return null;
    let s = this.orgCache[i];
    if (s === undefined) {
      s = this.orgBlock.toString('utf8', this.orgOffsets[i], this.orgOffsets[i + 1]);
      this.orgCache[i] = s;
    }
    return s;
  }

  /**
   * AS of an address given as 4 or 16 bytes (IPv4-mapped IPv6 should be normalised to 4 bytes
   * first); null when the table has no data for it.
   */
  lookupBytes(ip: Uint8Array): AsnHit | null {
    if (ip.length === 4) {
      const v = ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
      const s = this.v4Start;
      let lo = 0;
      let hi = s.length - 1;
      if (hi < 0 || v < s[0]) return null;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (s[mid] <= v) lo = mid;
        else hi = mid - 1;
      }
      const asn = this.v4Asn[lo];
      return asn === 0 ? null : { asn, org: this.org(this.v4Org[lo]) };
    }
    if (ip.length !== 16) return null;
    const w0 = ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
    const w1 = ((ip[4] << 24) | (ip[5] << 16) | (ip[6] << 8) | ip[7]) >>> 0;
    const w2 = ((ip[8] << 24) | (ip[9] << 16) | (ip[10] << 8) | ip[11]) >>> 0;
    const w3 = ((ip[12] << 24) | (ip[13] << 16) | (ip[14] << 8) | ip[15]) >>> 0;
    const s = this.v6Start;
    const n = this.v6Asn.length;
    // Compare entry i with the address: <= 0 means start(i) <= address.
    const cmp = (i: number): number => {
      const b = 4 * i;
      if (s[b] !== w0) return s[b] < w0 ? -1 : 1;
      if (s[b + 1] !== w1) return s[b + 1] < w1 ? -1 : 1;
      if (s[b + 2] !== w2) return s[b + 2] < w2 ? -1 : 1;
      if (s[b + 3] !== w3) return s[b + 3] < w3 ? -1 : 1;
      return 0;
    };
    if (n === 0 || cmp(0) > 0) return null;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (cmp(mid) <= 0) lo = mid;
      else hi = mid - 1;
    }
    const asn = this.v6Asn[lo];
    return asn === 0 ? null : { asn, org: this.org(this.v6Org[lo]) };
  }

  /**
   * Only the header of a table file, without decompressing the whole table (for `--version`).
   * @throws KonsekiError ERR_GEOIP_DB
   */
  static readHeader(path: string): AsnTableHeader {
    try {
      const fd = openSync(path, 'r');
      let head: Buffer;
      try {
        const buf = Buffer.alloc(16 * 1024);
        const n = readSync(fd, buf, 0, buf.length, 0);
        head = buf.subarray(0, n);
      } finally {
        closeSync(fd);
      }
      if (head[0] === 0x1f && head[1] === 0x8b) head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      if (head.toString('latin1', 0, 8) !== MAGIC) throw new Error('bad magic');
      const len = head.readUInt32LE(8);
      return JSON.parse(head.toString('utf8', 12, 12 + len)) as AsnTableHeader;
    } catch (e) {
      throw new KonsekiError(ErrorCodes.GEOIP_DB, `Cannot read the AS table header: ${(e as Error).message}`, { file: path });
    }
  }

  /**
   * As `load`, but reads and gunzips off the main thread (libuv's pool), so that opening the
   * GeoIP data can overlap with reading the inputs.
   */
  static async loadAsync(path: string): Promise<AsnTable> {
    let raw: Buffer;
    try {
      raw = await readFileAsync(path);
      if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) raw = await gunzipAsync(raw);
    } catch (e) {
      throw new KonsekiError(ErrorCodes.GEOIP_DB, `Cannot read the AS table: ${(e as Error).message}`, { file: path });
    }
    return new AsnTable(path, raw);
  }

  get entryCount(): number {
    return this.v4Asn.length + this.v6Asn.length;
  }
}
