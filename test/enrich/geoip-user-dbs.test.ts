// GeoEnricher with City, Country and ASN databases shaped like GeoLite2 / DB-IP, written by a
// small spec-following mmdb writer (mmdb-writer.ts) and read through the real `maxmind` reader.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import maxmind from 'maxmind';
import { GeoEnricher } from '../../src/enrich/geoip.js';
import { buildMmdb } from './mmdb-writer.js';

const TMP = mkdtempSync(join(tmpdir(), 'konseki-mmdb-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function db(name: string, buf: Buffer): string {
  const p = join(TMP, name);
  writeFileSync(p, buf);
  return p;
}

const CITY = db(
  'GeoLite2-City.mmdb',
  buildMmdb({
    databaseType: 'GeoLite2-City',
    ipVersion: 6,
    buildEpoch: 1_767_225_600, // 2026-01-01
    networks: [
      ['81.2.69.0/24', { city: { geoname_id: 2643743, names: { en: 'London', de: 'London' } }, country: { iso_code: 'GB', names: { en: 'United Kingdom' } }, location: { latitude: { double: 51.5142 }, longitude: { double: -0.0931 } } }],
      ['2a02:cf40::/29', { country: { iso_code: 'NO' } }],
      // Only a registered country (satellite / anycast ranges in GeoLite2 look like this).
      ['89.160.20.0/24', { registered_country: { iso_code: 'SE' } }],
      // The file's own idea of a private range: must never be asked.
      ['10.0.0.0/8', { country: { iso_code: 'US' } }],
    ],
  }),
);
const ASN = db(
  'GeoLite2-ASN.mmdb',
  buildMmdb({
    databaseType: 'GeoLite2-ASN',
    ipVersion: 6,
    networks: [
      ['81.2.69.0/24', { autonomous_system_number: 20712, autonomous_system_organization: 'Andrews & Arnold Ltd' }],
      ['2a02:cf40::/29', { autonomous_system_number: 29695, autonomous_system_organization: 'Altibox AS' }],
    ],
  }),
);
const DBIP_COUNTRY_V4 = db(
  'dbip-country-lite.mmdb',
  buildMmdb({ databaseType: 'DBIP-Country-Lite', ipVersion: 4, networks: [['81.2.69.0/24', { country: { iso_code: 'GB' } }]] }),
);

const isolated = { env: {}, searchSystemDirs: false } as const;

describe('the test writer makes files the maxmind reader accepts', () => {
  it('reads back records and metadata', async () => {
    const r = await maxmind.open(CITY);
    expect(r.metadata.databaseType).toBe('GeoLite2-City');
    expect(r.metadata.ipVersion).toBe(6);
    expect(r.get('81.2.69.160')).toMatchObject({ city: { names: { en: 'London' } }, country: { iso_code: 'GB' } });
    expect(r.get('8.8.8.8')).toBeNull();
  });
});

describe('GeoEnricher with user databases', () => {
  it('takes country and city from the City database, AS from the ASN database', async () => {
    const g = await GeoEnricher.open({ ...isolated, city: CITY, asn: ASN });
    expect(g.lookup('81.2.69.160')).toEqual({ ipClass: 'public', country: 'GB', asn: 20712, asOrg: 'Andrews & Arnold Ltd', city: 'London' });
    expect(g.lookup('2a02:cf40:1::1')).toEqual({ ipClass: 'public', country: 'NO', asn: 29695, asOrg: 'Altibox AS' });
    expect(g.lookup('89.160.20.112').country).toBe('SE');
    expect(g.lookup('10.1.2.3')).toEqual({ ipClass: 'private', country: null, asn: null, asOrg: null });
    // Not in the user's databases: no data, and no fallback for a role the user covered.
    expect(g.lookup('8.8.8.8')).toEqual({ ipClass: 'public', country: null, asn: null, asOrg: null });
    const dbs = g.describe();
    expect(dbs).toEqual([
      { role: 'city', path: CITY, databaseType: 'GeoLite2-City', buildDate: '2026-01-01T00:00:00.000Z', origin: 'option', license: null },
      { role: 'asn', path: ASN, databaseType: 'GeoLite2-ASN', buildDate: '2023-11-14T22:13:20.000Z', origin: 'option', license: null },
    ]);
  });

  it('fills the roles the user did not cover from the embedded data', async () => {
    const g = await GeoEnricher.open({ ...isolated, asn: ASN });
    expect(g.describe().map((d) => [d.role, d.origin])).toEqual([
      ['country', 'embedded'],
      ['asn', 'option'],
    ]);
    expect(g.lookup('81.2.69.160')).toMatchObject({ asn: 20712, country: expect.stringMatching(/^[A-Z]{2}$/) });
  });

  it('looks IPv6 up in an IPv4-only database without failing', async () => {
    const g = await GeoEnricher.open({ ...isolated, country: DBIP_COUNTRY_V4 });
    expect(g.lookup('81.2.69.1').country).toBe('GB');
    expect(g.lookup('2a02:cf40::1')).toMatchObject({ ipClass: 'public', country: null });
  });

  it('finds GeoLite2 files in a search folder, city before country as Zeek does', async () => {
    const g = await GeoEnricher.open({ env: {}, searchDirs: [TMP] });
    expect(g.describe().map((d) => [d.role, d.origin, d.databaseType])).toEqual([
      ['city', 'search', 'GeoLite2-City'],
      ['asn', 'search', 'GeoLite2-ASN'],
    ]);
  });

  it('skips a broken file found by the search, with a warning, and keeps searching', async () => {
    const { mkdirSync, copyFileSync } = await import('node:fs');
    const first = join(TMP, 'first');
    const second = join(TMP, 'second');
    mkdirSync(first);
    mkdirSync(second);
    writeFileSync(join(first, 'GeoLite2-ASN.mmdb'), 'not a database'.repeat(10));
    copyFileSync(ASN, join(second, 'GeoLite2-ASN.mmdb'));
    const g = await GeoEnricher.open({ env: {}, searchDirs: [first, second], useEmbedded: false });
    expect(g.describe()).toMatchObject([{ role: 'asn', origin: 'search', path: join(second, 'GeoLite2-ASN.mmdb') }]);
    expect(g.warnings).toHaveLength(1);
    expect(g.warnings[0]).toContain(join(first, 'GeoLite2-ASN.mmdb'));
    expect(g.warnings[0]).toMatch(/not a MaxMind DB.*skipped$/);
  });

  it('rejects a City database given as ASN and an ASN database given as City', async () => {
    await expect(GeoEnricher.open({ ...isolated, asn: CITY })).rejects.toThrow(/--geoip-asn: this is a "GeoLite2-City" database, expected an ASN database/);
    await expect(GeoEnricher.open({ ...isolated, city: ASN })).rejects.toThrow(/--geoip-city: this is a "GeoLite2-ASN" database, expected a city database/);
    await expect(GeoEnricher.open({ ...isolated, env: { KONSEKI_GEOIP_COUNTRY: ASN } })).rejects.toMatchObject({ code: 'ERR_GEOIP_DB', file: ASN });
  });
});
