import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { AsnTable } from '../../src/enrich/asn-table.js';
import { EMBEDDED_ASN_TABLE } from '../../src/enrich/geoip.js';
import { parseIp } from '../../src/core/ip.js';
import { isKonsekiError } from '../../src/core/errors.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'node_modules/@ip-location-db/asn');

function v6Text(n: bigint): string {
  const g: string[] = [];
  for (let i = 7; i >= 0; i--) g.push(((n >> BigInt(16 * i)) & 0xffffn).toString(16));
  return g.join(':');
}
function v4Text(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

describe('embedded AS table', () => {
  const table = AsnTable.load(EMBEDDED_ASN_TABLE);

  it('is a compact asset (well under 20 MB) with its source recorded', () => {
    expect(statSync(EMBEDDED_ASN_TABLE).size).toBeLessThan(20 * 1024 * 1024);
    expect(table.header.format).toBe('konseki-asn-table/1');
    expect(table.header.sourceVersion).toMatch(/^\d+\.\d+\.\d{10}$/);
    expect(table.header.buildDate).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('reads the header alone without decompressing the table', () => {
    expect(AsnTable.readHeader(EMBEDDED_ASN_TABLE)).toEqual(table.header);
    expect(() => AsnTable.readHeader('/nonexistent')).toThrow(/Cannot read the AS table header/);
  });

  it('loads the same table asynchronously', async () => {
    const t2 = await AsnTable.loadAsync(EMBEDDED_ASN_TABLE);
    expect(t2.header).toEqual(table.header);
    expect(t2.entryCount).toBe(table.entryCount);
    expect(t2.lookupBytes(parseIp('9.9.9.9')!)).toEqual(table.lookupBytes(parseIp('9.9.9.9')!));
    await expect(AsnTable.loadAsync('/nonexistent/asn.bin.gz')).rejects.toMatchObject({ code: 'ERR_GEOIP_DB' });
  });

  it('knows well-known networks', () => {
    expect(table.lookupBytes(parseIp('8.8.8.8')!)).toEqual({ asn: 15169, org: 'Google LLC' });
    expect(table.lookupBytes(parseIp('1.1.1.1')!)?.asn).toBe(13335);
    expect(table.lookupBytes(parseIp('2001:4860:4860::8888')!)?.asn).toBe(15169);
    expect(table.lookupBytes(parseIp('10.0.0.1')!)).toBeNull();
    expect(table.lookupBytes(parseIp('0.0.0.1')!)).toBeNull();
    expect(table.lookupBytes(parseIp('::1')!)).toBeNull();
  });

  // Golden test against the source CSV the table was built from: every 97th row, checked at
  // its first, middle and last address, and the address after it (a gap or the next row).
  describe.skipIf(!existsSync(SRC))('matches the @ip-location-db/asn CSV it was built from', () => {
    const check = async (file: string, v6: boolean) => {
      // Read with a regex of our own (not the build script's parser): start,end,asn,org where
      // org may be an RFC 4180 quoted field.
      const rows: { s: bigint; e: bigint; asn: number; org: string }[] = [];
      const re = /^(\d+),(\d+),(\d+),(?:"([^]*)"|([^"\r]*))\r?$/;
      for (const line of readFileSync(join(SRC, file), 'utf8').split('\n')) {
        if (!line) continue;
        const m = re.exec(line);
        if (!m) throw new Error(`unexpected CSV line: ${line}`);
        rows.push({ s: BigInt(m[1]), e: BigInt(m[2]), asn: Number(m[3]), org: m[4] !== undefined ? m[4].replace(/""/g, '"') : m[5] });
      }
      expect(rows.length).toBeGreaterThan(1000);
      let checked = 0;
      for (let k = 0; k < rows.length - 1; k += 97) {
        const row = rows[k];
        // Skip the rows of a documented overlap (the more specific range wins there).
        if (rows[k + 1].s <= row.e || (k > 0 && rows[k - 1].e >= row.s)) continue;
        for (const a of [row.s, (row.s + row.e) / 2n, row.e]) {
          const text = v6 ? v6Text(a) : v4Text(Number(a));
          const hit = table.lookupBytes(parseIp(text)!);
          expect(hit, text).toEqual({ asn: row.asn, org: row.org });
        }
        const after = row.e + 1n;
        const next = rows[k + 1];
        const hit = table.lookupBytes(parseIp(v6 ? v6Text(after) : v4Text(Number(after)))!);
        if (next.s === after) expect(hit?.asn).toBe(next.asn);
        else expect(hit).toBeNull();
        checked++;
      }
      expect(checked).toBeGreaterThan(500);
    };
    it('IPv4', () => check('asn-ipv4-num.csv', false));
    it('IPv6', () => check('asn-ipv6-num.csv', true));
  });

  it('rejects a file that is not a table with ERR_GEOIP_DB naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'konseki-asn-'));
    try {
      const bad = join(dir, 'bad.bin.gz');
      writeFileSync(bad, gzipSync(Buffer.from('KNSKASN1\x10\x00\x00\x00{"v4Count":99999}')));
      let err: unknown;
      try {
        AsnTable.load(bad);
      } catch (e) {
        err = e;
      }
      expect(isKonsekiError(err) && err.code).toBe('ERR_GEOIP_DB');
      expect(String((err as Error).message)).toContain(bad);
      writeFileSync(bad, 'hello');
      expect(() => AsnTable.load(bad)).toThrow(/bad magic/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
