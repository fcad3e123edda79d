/** Loading signature, indicator, periodic, allow-list and public-suffix files (src/cli/signatures.ts). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { KonsekiError } from '../../src/core/errors.js';
import {
  defaultSignaturesDir,
  inferIndicatorType,
  loadSignatures,
  parseAllowList,
  parseIndicatorCsv,
  parseIndicatorList,
  parsePeriodic,
  parsePortSignatures,
  parsePublicSuffixList,
} from '../../src/cli/signatures.js';
import { normalizeDetectConfig } from '../../src/detect/index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'konseki-sig-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('shipped signatures', () => {
  it('load without a single bad line and validate as a DetectConfig', () => {
    const an = new AnomalyCounter();
    const s = loadSignatures({}, an);
    expect(an.total()).toBe(0);
    expect(s.ports.find((p) => p.port === 4444)?.strength).toBe('strong');
    expect(s.ports.find((p) => p.port === 8080)?.strength).toBe('weak');
    expect(s.periodic.some((p) => p.match === 'port:123/udp')).toBe(true);
    expect(s.indicators.some((i) => i.type === 'ja3' && i.value === 'e7d705a3286e19ea42f587b344ee6865' && i.description === 'Standard Tor client')).toBe(true);
    expect(s.publicSuffixes!.length).toBeGreaterThan(5000);
    const cfg = normalizeDetectConfig(s);
    expect(cfg.suffixes.registeredDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(cfg.suffixes.registeredDomain('x.y.duckdns.org')).toBe('y.duckdns.org');
    expect(cfg.periodicDomains.get('ctldl.windowsupdate.com')).toBe('Windows Update');
  });

  it('the example allow-list parses', () => {
    const an = new AnomalyCounter();
    const s = loadSignatures({ noBuiltin: true, allowList: [path.join(defaultSignaturesDir(), 'allow-list.example.txt')] }, an);
    expect(s.allowList).toEqual(['192.0.2.10', '2001:db8:10::/48', 'backup.example.com', '*.corp.example.org']);
    expect(an.total()).toBe(0);
  });
});

describe('plain indicator lists', () => {
  it.each([
    ['203.0.113.5', 'ip'],
    ['2001:db8::1', 'ip'],
    ['198.51.100.0/24', 'cidr'],
    ['evil.example', 'domain'],
    ['*.evil.example', 'domain'],
    ['https://evil.example/x', 'url'],
    ['E7D705A3286E19EA42F587B344EE6865', 'ja3'],
    ['t13d1516h2_8daaf6152771_02713d6af862', 'ja4'],
    ['44d88612fea8a8f36de82e1278abb02f44d88612fea8a8f36de82e1278abb02f', null],
    ['not an indicator', null],
  ])('%s is %s', (v, t) => expect(inferIndicatorType(v)).toBe(t));

  it('skips comments, keeps descriptions, counts bad lines with file and line', () => {
    const an = new AnomalyCounter();
    const text = '# header\n\n203.0.113.5   known C2 # trailing comment\nbad value here!\n198.51.100.7:8443\n';
    const inds = parseIndicatorList(text, 'mine.txt', an, '/x/mine.txt');
    expect(inds).toEqual([
      { type: 'ip', value: '203.0.113.5', source: 'mine.txt', description: 'known C2' },
      { type: 'ip', value: '198.51.100.7', source: 'mine.txt' },
    ]);
    expect(an.get('ioc_bad_line')).toBe(1);
    expect(an.samples[0].line).toBe(4);
    expect(an.samples[0].file).toBe('/x/mine.txt');
  });
});

describe('CSV indicator feeds (csv-parse)', () => {
  it('reads a feed with a header naming the columns', () => {
    const an = new AnomalyCounter();
    const csv = 'indicator,type,description\n203.0.113.9,ip,"Botnet C2, tier 2"\nevil.example,domain,phishing\n';
    expect(parseIndicatorCsv(csv, 'feed.csv', an)).toEqual([
      { type: 'ip', value: '203.0.113.9', source: 'feed.csv', description: 'Botnet C2, tier 2' },
      { type: 'domain', value: 'evil.example', source: 'feed.csv', description: 'phishing' },
    ]);
  });

  it('reads a ThreatFox-style feed with quoted fields, ip:port values and hash rows', () => {
    const an = new AnomalyCounter();
    const csv = [
      '# ThreatFox style export',
      '"first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","malware_printable"',
      '"2024-01-01 00:00:00","1","203.0.113.77:4444","ip:port","botnet_cc","Cobalt Strike"',
      '"2024-01-01 00:00:00","2","http://bad.example/gate.php","url","payload_delivery","Emotet"',
      '"2024-01-01 00:00:00","3","44d88612fea8a8f36de82e1278abb02f","md5_hash","payload","EICAR"',
    ].join('\n');
    const inds = parseIndicatorCsv(csv, 'threatfox.csv', an);
    expect(inds).toEqual([
      { type: 'ip', value: '203.0.113.77', source: 'threatfox.csv', description: 'Cobalt Strike' },
      { type: 'url', value: 'http://bad.example/gate.php', source: 'threatfox.csv', description: 'Emotet' },
    ]);
    expect(an.get('ioc_unsupported_type')).toBe(1);
  });

  it('uses a header written as a comment (abuse.ch URLhaus style)', () => {
    const an = new AnomalyCounter();
    const csv = '# URLhaus\n# id,dateadded,url,url_status,last_online,threat,tags\n"1","2024-01-01","http://bad.example/a#frag","online","","malware_download","exe"\n';
    expect(parseIndicatorCsv(csv, 'urlhaus.csv', an)).toEqual([
      { type: 'url', value: 'http://bad.example/a#frag', source: 'urlhaus.csv', description: 'malware_download' },
    ]);
  });

  it('a broken CSV is a KonsekiError naming the file', () => {
    const f = path.join(tmp, 'broken.csv');
    writeFileSync(f, 'indicator,description\n"203.0.113.1,unterminated\n');
    try {
      loadSignatures({ noBuiltin: true, ioc: [f] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KonsekiError);
      expect((e as KonsekiError).code).toBe('ERR_CONFIG');
      expect((e as KonsekiError).file).toBe(f);
    }
  });
});

describe('other files', () => {
  it('allow-lists accept addresses, CIDRs, domains and *.suffixes', () => {
    const an = new AnomalyCounter();
    expect(parseAllowList('10.0.0.1\n10.1.0.0/16 # lab\nexample.com\n*.example.org\nhttp://x\n', an)).toEqual([
      '10.0.0.1',
      '10.1.0.0/16',
      'example.com',
      '*.example.org',
    ]);
    expect(an.get('allow_list_bad_line')).toBe(1);
  });

  it('periodic entries keep their reason', () => {
    const an = new AnomalyCounter();
    expect(parsePeriodic('port:123/udp NTP\n*.example.com  our agent\n%%%\n', an)).toEqual([
      { match: 'port:123/udp', reason: 'NTP' },
      { match: '*.example.com', reason: 'our agent' },
    ]);
    expect(an.get('periodic_bad_line')).toBe(1);
  });

  it('port signatures are validated', () => {
    expect(parsePortSignatures('{"ports":[{"port":4444,"proto":"tcp","strength":"strong","reason":"x"}]}')).toEqual([
      { port: 4444, proto: 'tcp', strength: 'strong', reason: 'x', references: [] },
    ]);
    expect(() => parsePortSignatures('{"ports":[{"port":70000}]}')).toThrow(/invalid port/);
    expect(() => parsePortSignatures('{"ports":[{"port":1,"strength":"huge"}]}')).toThrow(/invalid strength/);
    expect(() => parsePortSignatures('not json')).toThrow(KonsekiError);
  });

  it('public suffix rules drop comments', () => {
    expect(parsePublicSuffixList('// c\ncom\n\n*.ck\n!www.ck\n')).toEqual(['com', '*.ck', '!www.ck']);
  });

  it('a missing file is ERR_IO naming it', () => {
    const f = path.join(tmp, 'nope.txt');
    expect(() => loadSignatures({ noBuiltin: true, allowList: [f] })).toThrow(/cannot read signature file/);
  });
});
