import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMBEDDED_ASN_TABLE } from '../../src/enrich/geoip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'node_modules/@ip-location-db/asn');

describe.skipIf(!existsSync(SRC))('embedded AS table asset', () => {
  if (!existsSync(SRC)) console.warn('@ip-location-db/asn (a devDependency) is not installed: skipping the asset reproduction test');
  // The committed asset must be what the committed script makes from the installed source.
  it('is reproduced byte for byte by scripts/build-asn-table.mjs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'konseki-asn-build-'));
    try {
      const out = join(dir, 'asn-table.bin.gz');
      execFileSync(process.execPath, [join(ROOT, 'scripts/build-asn-table.mjs'), '--out', out], { stdio: 'pipe', timeout: 120_000 });
      expect(readFileSync(out).equals(readFileSync(EMBEDDED_ASN_TABLE))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

});
