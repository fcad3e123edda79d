import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFlags, defaultConfig, geoOptionsFrom, loadConfig, parseConfig, userConfigPath } from '../../src/cli/config.js';
import { KonsekiError } from '../../src/core/errors.js';

const TMP = mkdtempSync(join(tmpdir(), 'konseki-config-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const p = join(TMP, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

function configError(fn: () => unknown): KonsekiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KonsekiError);
    return e as KonsekiError;
  }
  throw new Error('expected an error');
}

const FULL = {
  $schema: 'https://example.invalid/konseki.schema.json',
  _comment: 'lab network',
  internalNetworks: ['10.0.0.0/8', 'fd00::/8'],
  allowlist: { ips: ['10.0.0.53', '203.0.113.0/24'], domains: ['Update.Example.com.', '*.corp.example'] },
  indicatorFiles: ['iocs/feed.txt', '/abs/feed.txt'],
  thresholds: { beacon: { beaconMinBeats: 6, _note: 'x' }, cleartext_exfil: { exfilMinBytes: 1048576 } },
  caps: { maxPairs: 1000000 },
  detectors: ['beacon', 'ioc_match'],
  resolvers: ['10.0.0.53'],
  geoip: { city: 'dbs/GeoLite2-City.mmdb', asn: null, dir: '/var/lib/GeoIP', enabled: true },
  homeCountry: 'de',
  failOn: 'high',
  format: 'jsonl',
};

describe('config file', () => {
  it('parses a full config, resolving paths against its folder', () => {
    const file = join(TMP, 'sub', 'konseki.json');
    const c = parseConfig(JSON.stringify(FULL), file);
    expect(c).toEqual({
      internalNetworks: ['10.0.0.0/8', 'fd00::/8'],
      allowlist: { ips: ['10.0.0.53', '203.0.113.0/24'], domains: ['update.example.com', '*.corp.example'] },
      indicatorFiles: [join(TMP, 'sub', 'iocs/feed.txt'), '/abs/feed.txt'],
      thresholds: { beacon: { beaconMinBeats: 6 }, cleartext_exfil: { exfilMinBytes: 1048576 } },
      caps: { maxPairs: 1000000 },
      detectors: ['beacon', 'ioc_match'],
      resolvers: ['10.0.0.53'],
      geoip: { city: join(TMP, 'sub', 'dbs/GeoLite2-City.mmdb'), country: null, asn: null, dir: '/var/lib/GeoIP', enabled: true },
      homeCountry: 'DE',
      failOn: 'high',
      format: 'jsonl',
    });
    expect(parseConfig('{}', file)).toEqual(defaultConfig());
    expect(parseConfig('\ufeff{}', file)).toEqual(defaultConfig());
  });

  const bad: [string, unknown, RegExp][] = [
    ['unknown top-level key', { internalNetwork: [] }, /"internalNetwork" is not a known setting/],
    ['unknown nested key', { geoip: { cty: 'x' } }, /"geoip.cty" is not a known setting/],
    ['bad CIDR', { internalNetworks: ['10.0.0.1/8'] }, /"internalNetworks\[0\]" is not a network in CIDR notation/],
    ['non-string in list', { indicatorFiles: ['a', 3] }, /"indicatorFiles\[1\]" must be a non-empty string, got number 3/],
    ['list is a string', { indicatorFiles: 'a.txt' }, /"indicatorFiles" must be an array of strings/],
    ['bad domain', { allowlist: { domains: ['not a domain'] } }, /"allowlist.domains\[0\]" is not a domain name/],
    ['bad allow ip', { allowlist: { ips: ['300.1.1.1'] } }, /"allowlist.ips\[0\]"/],
    ['unknown threshold group', { thresholds: { beacons: {} } }, /"thresholds.beacons" is not a known setting/],
    ['unknown threshold', { thresholds: { beacon: { beaconMinBeat: 5 } } }, /"thresholds.beacon.beaconMinBeat" is not a known setting \(known: minScore, beaconMinBeats/],
    ['threshold not a number', { thresholds: { beacon: { beaconMinBeats: '20' } } }, /"thresholds.beacon.beaconMinBeats" must be a non-negative number, got string "20"/],
    ['negative threshold', { thresholds: { general: { exfilMinBytes: -1 } } }, /"thresholds.general.exfilMinBytes" must be a non-negative number/],
    ['threshold set twice', { thresholds: { general: { minScore: 1 }, beacon: { minScore: 2 } } }, /"thresholds.beacon.minScore" is already set in thresholds.general.minScore/],
    ['cap not an integer', { caps: { maxPairs: 1.5 } }, /"caps.maxPairs" must be a positive integer/],
    ['unknown detector', { detectors: ['beacons'] }, /"detectors\[0\]" is not a detector/],
    ['bad resolver', { resolvers: ['dns.example'] }, /"resolvers\[0\]" is not an address or CIDR/],
    ['home country', { homeCountry: 'Germany' }, /"homeCountry" must be a two-letter ISO 3166 country code/],
    ['fail-on', { failOn: 'severe' }, /"failOn" must be one of informational, low, medium, high, critical/],
    ['format', { format: 'xml' }, /"format" must be one of csv, jsonl, table, html/],
    ['geoip.enabled', { geoip: { enabled: 'no' } }, /"geoip.enabled" must be true or false/],
    ['not an object', [1, 2], /"" must be an object, got an array/],
  ];
  it.each(bad)('rejects %s with ERR_CONFIG naming the file and key', (_name, content, re) => {
    const file = '/etc/konseki/config.json';
    const e = configError(() => parseConfig(JSON.stringify(content), file));
    expect(e.code).toBe('ERR_CONFIG');
    expect(e.message).toMatch(re);
    expect(e.file).toBe(file);
    expect(e.message).toContain(file);
  });

  it('reports JSON syntax errors with the line', () => {
    const e = configError(() => parseConfig('{\n  "homeCountry": "DE",\n  "failOn": high\n}', '/x/c.json'));
    expect(e.code).toBe('ERR_CONFIG');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.message).toContain('/x/c.json at line 3');
  });
});

describe('finding the config file', () => {
  it('takes --config, then KONSEKI_CONFIG, then the user config folder', async () => {
    const flagFile = write('flag.json', { homeCountry: 'FR' });
    const envFile = write('env.json', { homeCountry: 'IT' });
    const home = join(TMP, 'home');
    write('home/.config/konseki/config.json', { homeCountry: 'ES' });

    const a = await loadConfig({ path: flagFile, env: { KONSEKI_CONFIG: envFile }, home, platform: 'linux' });
    expect([a.origin, a.path, a.config.homeCountry]).toEqual(['flag', flagFile, 'FR']);
    const b = await loadConfig({ env: { KONSEKI_CONFIG: envFile }, home, platform: 'linux' });
    expect([b.origin, b.config.homeCountry]).toEqual(['env', 'IT']);
    const c = await loadConfig({ env: {}, home, platform: 'linux' });
    expect([c.origin, c.path, c.config.homeCountry]).toEqual(['user', join(home, '.config/konseki/config.json'), 'ES']);
    const d = await loadConfig({ env: {}, home: join(TMP, 'nobody'), platform: 'linux' });
    expect(d).toEqual({ config: defaultConfig(), path: null, origin: 'none' });
    const xdg = join(TMP, 'xdg');
    write('xdg/konseki/config.json', { homeCountry: 'PT' });
    expect((await loadConfig({ env: { XDG_CONFIG_HOME: xdg }, home, platform: 'linux' })).config.homeCountry).toBe('PT');
  });

  it('fails clearly when a named file is missing', async () => {
    const missing = join(TMP, 'missing.json');
    await expect(loadConfig({ path: missing, env: {} })).rejects.toMatchObject({ code: 'ERR_CONFIG', file: missing });
    await expect(loadConfig({ env: { KONSEKI_CONFIG: missing } })).rejects.toThrow(/named by KONSEKI_CONFIG: ENOENT/);
  });

  it('knows the platform folders', () => {
    expect(userConfigPath({}, '/home/a', 'linux')).toBe('/home/a/.config/konseki/config.json');
    expect(userConfigPath({ XDG_CONFIG_HOME: 'relative' }, '/home/a', 'linux')).toBe('/home/a/.config/konseki/config.json');
    expect(userConfigPath({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'C:\\Users\\a', 'win32')).toContain('konseki');
  });
});

describe('flags override the config', () => {
  it('replaces values and validates flags as usage errors', () => {
    const file = join(TMP, 'c.json');
    const base = parseConfig(JSON.stringify(FULL), file);
    const merged = applyFlags(base, { homeCountry: 'jp', failOn: 'critical', internalNetworks: ['192.168.0.0/16'], noGeoip: true });
    expect(merged.homeCountry).toBe('JP');
    expect(merged.failOn).toBe('critical');
    expect(merged.internalNetworks).toEqual(['192.168.0.0/16']);
    expect(merged.geoip.enabled).toBe(false);
    expect(merged.format).toBe('jsonl'); // not given: the config's value stays
    expect(base.geoip.enabled).toBe(true); // the input is not modified
    const e = configError(() => applyFlags(base, { homeCountry: 'XYZ' }));
    expect(e.code).toBe('ERR_USAGE');
    expect(e.message).toMatch(/^--home-country:/);
    expect(() => applyFlags(base, { internalNetworks: ['nope'] })).toThrow(/--internal-networks/);
  });

  it('gives the detectors their settings in DetectConfig shape', async () => {
    const { detectConfigFrom } = await import('../../src/cli/config.js');
    const { normalizeDetectConfig } = await import('../../src/detect/config.js');
    const base = parseConfig(JSON.stringify(FULL), join(TMP, 'c.json'));
    const dc = detectConfigFrom(base);
    expect(dc).toEqual({
      internalNetworks: ['10.0.0.0/8', 'fd00::/8'],
      allowList: ['10.0.0.53', '203.0.113.0/24', 'update.example.com', '*.corp.example'],
      thresholds: { beaconMinBeats: 6, exfilMinBytes: 1048576 },
      caps: { maxPairs: 1000000 },
      detectors: ['beacon', 'ioc_match'],
      resolvers: ['10.0.0.53'],
    });
    // The detectors accept it as it is.
    const resolved = normalizeDetectConfig(dc);
    expect(resolved.t.beaconMinBeats).toBe(6);
    expect([...resolved.detectors].sort()).toEqual(['beacon', 'ioc_match']);
  });

  it('gives GeoIP the flag paths and the config paths apart', () => {
    const base = parseConfig(JSON.stringify(FULL), join(TMP, 'c.json'));
    const g = geoOptionsFrom(base, { geoipAsn: '/x/GeoLite2-ASN.mmdb' }, {});
    expect(g).toMatchObject({ asn: '/x/GeoLite2-ASN.mmdb', city: null, disabled: false, config: base.geoip });
    expect(geoOptionsFrom(base, { noGeoip: true }, {}).disabled).toBe(true);
  });
});

describe('jsonErrorOffset', () => {
  it('finds the first syntax error, and none in valid JSON', async () => {
    const { jsonErrorOffset } = await import('../../src/cli/config.js');
    const rows: [string, number][] = [
      ['{"a": 1}', -1],
      ['[1, 2.5e3, -0, "x\\u00e9", true, false, null, {}]', -1],
      ['{"a": high}', 6],
      ['{"a": 1,}', 8],
      ['[1 2]', 3],
      ['{"a" 1}', 5],
      ['"abc', 4],
      ['{"a": 01}', 7],
      ['{} x', 3],
      ['', 0],
    ];
    for (const [text, at] of rows) {
      expect(jsonErrorOffset(text), text).toBe(at);
      let parsed = true;
      try {
        JSON.parse(text);
      } catch {
        parsed = false;
      }
      expect(parsed, text).toBe(at === -1);
    }
  });
});

describe('the JSON schema for editors', () => {
  it('lists the same keys the validator accepts', async () => {
    const { CONFIG_KEYS, DETECTOR_IDS } = await import('../../src/cli/config.js');
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../assets/konseki-config.schema.json', import.meta.url)), 'utf8'));
    expect(Object.keys(schema.properties).filter((k) => k !== '$schema').sort()).toEqual([...CONFIG_KEYS].sort());
    expect(schema.properties.detectors.items.enum).toEqual([...DETECTOR_IDS]);
    expect(Object.keys(schema.properties.thresholds.properties).sort()).toEqual([...DETECTOR_IDS, 'general'].sort());
    expect(Object.keys(schema.properties.geoip.properties).sort()).toEqual(['asn', 'city', 'country', 'dir', 'enabled']);
  });
});
