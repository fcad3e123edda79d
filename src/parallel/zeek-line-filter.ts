/**
 * Which TSV data lines of a Zeek log one shard's worker parses: the lines whose record will
 * belong to its shard of the source addresses (src/detect/shard.ts), read from the raw line
 * without parsing it. Every worker reads (gunzips and splits) the whole file; each parses only
 * its own lines, so the parse is split N ways and no line is parsed twice.
 *
 * The key is the record's detection shard key: `id.orig_h`, hashed from its bytes exactly as
 * shardOfAddress hashes the parsed string (shardOfAddressBytes: the reader makes an address
 * string byte for byte). For conn logs, a line whose `service` column could name `ftp-data`
 * (or holds an escape) is keyed by detectionShardKey itself, over the strings the reader
 * would make, since an active-FTP data connection from an external server to an internal
 * client belongs to the client. A line too short to hold the column goes to shard 0: it gives
 * no record (every log Konseki reads requires `id.orig_h`), only a bad line, counted once. The
 * worker also checks that every record it parsed is its own (analysis-worker.ts), so a key
 * that differed from the record's would not go unnoticed.
 */
import { detectionShardKey, dottedQuadBytes, shardOfAddress, shardOfAddressBytes } from '../detect/shard.js';
import type { InternalV4 } from './shard.js';
import type { ZeekRecordKind } from '../ingest/zeek/log-types.js';
import type { TsvLineFilter } from '../ingest/zeek/parser.js';
import { tsvFieldStart } from '../ingest/zeek/route.js';
import { scanToken } from '../ingest/zeek/scan.js';

/** `ftp-data`, lower case: a service field holding it (any case) takes the exact key path. */
const FTP_DATA_BYTES = Uint8Array.from(Buffer.from('ftp-data', 'latin1'));

export class ShardLineFilter implements TsvLineFilter {
  /** Data lines this worker parses. */
  kept = 0;
  /** Data lines left to the other workers. */
  refused = 0;
  /** True between keep() returning true and the record of that line (if it gives one). */
  fromLine = false;

  private origCol = -1;
  private respCol = -1;
  private svcCol = -1;
  private sep = 0x09;

  /**
   * @param self this worker's shard
   * @param n number of shards
   * @param isInternal the run's internal-network test (for active-FTP data connections)
   * @param internalV4 the same test on an IPv4 address's value (internalV4Ranges): an internal
   *   originator is the key whatever the service, so its line needs no service check
   */
  constructor(
    private readonly self: number,
    private readonly n: number,
    private readonly isInternal: (ip: string) => boolean,
    private readonly internalV4: InternalV4 | null = null,
  ) {}

  block(fields: readonly string[], sep: number, kind: ZeekRecordKind): void {
    this.sep = sep;
    this.origCol = fields.indexOf('id.orig_h');
    const conn = kind === 'conn';
    this.respCol = conn ? fields.indexOf('id.resp_h') : -1;
    this.svcCol = conn && this.respCol >= 0 ? fields.indexOf('service') : -1;
  }

  keep(buf: Buffer, s: number, e: number): boolean {
    const mine = this.shardOfLine(buf, s, e) === this.self;
    if (mine) this.kept++;
    else this.refused++;
    this.fromLine = mine;
    return mine;
  }

  /** The shard of the record the line [s, e) gives (any shard when it gives none). */
  shardOfLine(buf: Buffer, s: number, e: number): number {
    const col = this.origCol;
    if (col < 0) return 0;
    const sep = this.sep;
    let i = s;
    for (let c = 0; c < col; c++) {
      while (i < e && buf[i] !== sep) i++;
      if (i >= e) return 0;
      i++;
    }
    let j = i;
    while (j < e && buf[j] !== sep) j++;
    const v4 = dottedQuadBytes(buf, i, j);
    const svc = this.svcCol;
    if (svc >= 0 && !(v4 >= 0 && this.internalV4 !== null && this.internalV4(v4))) {
      // Zeek writes service after id.orig_h: go on from there.
      const a = svc > col ? tsvFieldStart(buf, i, e, svc - col, sep) : tsvFieldStart(buf, s, e, svc, sep);
      if (a >= 0 && this.maybeFtpData(buf, a, e)) return this.exactShard(buf, s, e, i, j, a);
    }
    return shardOfAddressBytes(buf, i, j, this.n, v4);
  }

  /** detectionShardKey over the strings the reader would make (rare: active-FTP data candidates). */
  private exactShard(buf: Buffer, s: number, e: number, i: number, j: number, a: number): number {
    const sep = this.sep;
    const r = tsvFieldStart(buf, s, e, this.respCol, sep);
    if (r < 0) return shardOfAddressBytes(buf, i, j, this.n);
    const key = detectionShardKey(
      { origH: buf.toString('latin1', i, j), respH: buf.toString('latin1', r, fieldEnd(buf, r, e, sep)), service: scanToken(buf, a, e, sep) },
      this.isInternal,
    );
    return shardOfAddress(key, this.n);
  }

  /** True when the field at a holds `ftp-data` in any case, or an escape (decoded, it might). */
  private maybeFtpData(buf: Buffer, a: number, e: number): boolean {
    const sep = this.sep;
    for (let p = a; p < e; p++) {
      const c = buf[p];
      if (c === sep) return false;
      if (c === 0x5c) return true;
      if ((c | 0x20) !== 0x66) continue;
      const pat = FTP_DATA_BYTES;
      let k = 1;
      while (k < pat.length && p + k < e && (buf[p + k] === 0x2d ? 0x2d : buf[p + k] | 0x20) === pat[k]) k++;
      if (k === pat.length) return true;
    }
    return false;
  }
}

function fieldEnd(buf: Uint8Array, i: number, e: number, sep: number): number {
  while (i < e && buf[i] !== sep) i++;
  return i;
}
