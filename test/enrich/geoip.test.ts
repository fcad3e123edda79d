import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GeoEnricher, embeddedCountryDbPath, embeddedDataAttribution, EMBEDDED_ASN_TABLE, ABROAD_SCORE_BONUS } from '../../src/enrich/geoip.js';
import type { Finding } from '../../src/core/finding.js';
import { KonsekiError } from '../../src/core/errors.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CORPUS = resolve(HERE, '../../../shared/corpus');
const TMP = mkdtempSync(join(tmpdir(), 'konseki-geo-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The defaults, with the system search and the real environment turned off. */
const isolated = { env: {}, searchSystemDirs: false } as const;

function finding(over: Partial<Finding> = {}): Finding {
  return {
    findingId: 'f1',
    detector: 'beacon',
    score: 65,
    severity: 'medium',
    startTime: 1_700_000_000,
    endTime: 1_700_003_600,
    srcIp: '10.0.0.4',
    srcPort: null,
    destIp: '8.8.8.8',
    destPort: 443,
    destHost: null,
    transport: 'tcp',
    appProtocol: 'ssl',
    direction: 'outbound',
    mitreTechniqueIds: ['T1071.001'],
    mitreTacticIds: ['TA0011'],
    connCount: 300,
    srcBytes: 1000,
    destBytes: 2000,
    communityId: null,
    evidence: 'x',
    inputSource: 'a.pcap',
    details: {},
    ...over,
  };
}

async function rejects(p: Promise<unknown>): Promise<KonsekiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KonsekiError);
    return e as KonsekiError;
  }
  throw new Error('expected a rejection');
}

describe('GeoEnricher with the embedded data', async () => {
  const geo = await GeoEnricher.open(isolated);

  it('reports the embedded databases with their build dates', () => {
    const dbs = geo.describe();
    expect(dbs.map((d) => [d.role, d.origin])).toEqual([
      ['country', 'embedded'],
      ['asn', 'embedded'],
    ]);
    expect(dbs[0].databaseType).toBe('country ipvAll');
    expect(dbs[0].path).toBe(embeddedCountryDbPath());
    expect(dbs[1].path).toBe(EMBEDDED_ASN_TABLE);
    for (const d of dbs) expect(d.buildDate).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('looks up country and AS of public addresses, v4, v6 and IPv4-mapped', () => {
    expect(geo.lookup('8.8.8.8')).toEqual({ ipClass: 'public', country: 'US', asn: 15169, asOrg: 'Google LLC' });
    expect(geo.lookup('::ffff:8.8.8.8')).toEqual(geo.lookup('8.8.8.8'));
    expect(geo.lookup('2001:4860:4860::8888')).toMatchObject({ ipClass: 'public', country: 'US', asn: 15169 });
  });

  it('never looks up special-purpose addresses', () => {
    const before = geo.dbLookups;
    for (const ip of ['10.0.0.1', '192.168.100.206', '127.0.0.1', '100.64.1.1', '192.0.2.1', 'fe80::1', 'ff02::fb']) {
      const g = geo.lookup(ip);
      expect(g.ipClass).not.toBe('public');
      expect(g).toMatchObject({ country: null, asn: null, asOrg: null });
    }
    expect(geo.dbLookups).toBe(before);
    expect(geo.lookup('garbage')).toMatchObject({ ipClass: 'invalid', country: null });
  });

  it('caches by address', () => {
    const a = geo.lookup('1.1.1.1');
    const n = geo.dbLookups;
    expect(geo.lookup('1.1.1.1')).toBe(a);
    expect(geo.dbLookups).toBe(n);
    expect(geo.cacheStats().hits).toBeGreaterThan(0);
  });

  it('marks destinations abroad and raises beacon and upload scores by the documented bonus', () => {
    const f = finding();
    const e = geo.enrich(f, 'de');
    expect(e.abroad).toBe(true);
    expect(e.score).toBe(65 + ABROAD_SCORE_BONUS);
    expect(e.severity).toBe('high');
    expect(e.details.score_before_abroad).toBe(65);
    expect(f.score).toBe(65); // the input is not modified
    expect(e.srcGeo).toMatchObject({ ipClass: 'private' });
    expect(e.destGeo).toMatchObject({ country: 'US', asn: 15169 });

    const up = geo.enrich(finding({ detector: 'cleartext_exfil', score: 95, severity: 'critical' }), 'DE');
    expect(up.score).toBe(100);
    expect(up.severity).toBe('critical');

    const ntp = geo.enrich(finding({ details: { periodicByDesign: 'NTP time synchronisation' } }), 'DE');
    expect(ntp.abroad).toBe(true);
    expect(ntp.score).toBe(65);

    const port = geo.enrich(finding({ detector: 'suspicious_port' }), 'DE');
    expect(port.abroad).toBe(true);
    expect(port.score).toBe(65);

    const home = geo.enrich(finding(), 'US');
    expect(home.abroad).toBe(false);
    expect(home.score).toBe(65);

    const internal = geo.enrich(finding({ destIp: '192.168.1.1' }), 'DE');
    expect(internal.abroad).toBe(false);
    expect(internal.score).toBe(65);

    const none = geo.enrich(finding());
    expect(none.abroad).toBeUndefined();
    expect(geo.enrich(finding({ destIp: null })).destGeo).toBeNull();
  });

  // Real endpoints from the corpus (SOURCES.md): the Merlin C2 server and the CryptoWall C2.
  describe.skipIf(!existsSync(CORPUS))('corpus C2 endpoints', () => {
    it('gives public C2 servers a country and an AS, and the victims none', () => {
      for (const ip of ['24.199.110.233', '184.170.149.44', '66.63.168.35', '141.193.213.21']) {
        const g = geo.lookup(ip);
        expect(g.ipClass).toBe('public');
        expect(g.country).toMatch(/^[A-Z]{2}$/);
        expect(g.asn).toBeGreaterThan(0);
        expect(g.asOrg).toBeTruthy();
      }
      for (const ip of ['10.0.0.4', '192.168.122.145', '172.16.0.114', '192.168.1.107']) {
        expect(geo.lookup(ip)).toMatchObject({ ipClass: 'private', country: null, asn: null });
      }
    });
  });
});

describe('attribution text for --version', () => {
  it('names both data sets with versions, licences and DB-IP', () => {
    const text = embeddedDataAttribution().join('\n');
    expect(text).toMatch(/geo-whois-asn-country \d+\.\d+\.\d+ \(CC0-1\.0/);
    expect(text).toMatch(/ip-location-db asn \d+\.\d+\.\d{10}, data of \d{4}-\d{2}-\d{2} \(CC BY 4\.0/);
    expect(text).toContain('IP Geolocation by DB-IP https://db-ip.com');
    expect(text).toContain('See NOTICE.');
  });
});

describe('GeoEnricher database selection', () => {
  const countryDb = embeddedCountryDbPath();
  const v4Only = join(dirname(countryDb), 'geo-whois-asn-country-ipv4.mmdb');

  it('takes a named database over the environment, and the environment over config', async () => {
    const g1 = await GeoEnricher.open({ ...isolated, country: v4Only, env: { KONSEKI_GEOIP_COUNTRY: countryDb } });
    expect(g1.describe()[0]).toMatchObject({ role: 'country', origin: 'option', path: v4Only });
    const g2 = await GeoEnricher.open({ ...isolated, env: { KONSEKI_GEOIP_COUNTRY: v4Only }, config: { country: countryDb } });
    expect(g2.describe()[0]).toMatchObject({ origin: 'env', path: v4Only });
    const g3 = await GeoEnricher.open({ ...isolated, config: { country: v4Only } });
    expect(g3.describe()[0]).toMatchObject({ origin: 'config', path: v4Only });
    expect(g3.lookup('8.8.8.8').country).toBe('US');
  });

  it("finds databases by Zeek's file names in the search directories", async () => {
    const dir = join(TMP, 'GeoIP');
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    symlinkSync(countryDb, join(dir, 'GeoLite2-Country.mmdb'));
    const g = await GeoEnricher.open({ env: {}, searchDirs: [join(TMP, 'nowhere'), dir] });
    expect(g.describe().map((d) => [d.role, d.origin])).toEqual([
      ['country', 'search'],
      ['asn', 'embedded'],
    ]);
    const viaEnvDir = await GeoEnricher.open({ env: { KONSEKI_GEOIP_DIR: dir }, searchSystemDirs: false });
    expect(viaEnvDir.describe()[0]).toMatchObject({ origin: 'search', path: join(dir, 'GeoLite2-Country.mmdb') });
  });

  it('rejects a database of the wrong type with ERR_GEOIP_DB naming the file and its type', async () => {
    const e = await rejects(GeoEnricher.open({ ...isolated, asn: countryDb }));
    expect(e.code).toBe('ERR_GEOIP_DB');
    expect(e.message).toContain('--geoip-asn');
    expect(e.message).toContain('"country ipvAll"');
    expect(e.message).toContain(countryDb);
    const c = await rejects(GeoEnricher.open({ ...isolated, city: countryDb }));
    expect(c.message).toMatch(/expected a city database/);
  });

  it('rejects a missing file and a file that is not an mmdb', async () => {
    const missing = await rejects(GeoEnricher.open({ ...isolated, city: join(TMP, 'nope.mmdb') }));
    expect(missing.code).toBe('ERR_GEOIP_DB');
    expect(missing.message).toMatch(/ENOENT/);
    const junk = join(TMP, 'junk.mmdb');
    writeFileSync(junk, 'this is not a database\n'.repeat(100));
    const notMmdb = await rejects(GeoEnricher.open({ ...isolated, env: { KONSEKI_GEOIP_ASN: junk } }));
    expect(notMmdb.message).toMatch(/KONSEKI_GEOIP_ASN: not a MaxMind DB/);
    expect(notMmdb.file).toBe(junk);
  });

  it('classifies only when disabled', async () => {
    const g = await GeoEnricher.open({ disabled: true });
    expect(g.describe()).toEqual([]);
    expect(g.lookup('8.8.8.8')).toEqual({ ipClass: 'public', country: null, asn: null, asOrg: null });
  });
});
