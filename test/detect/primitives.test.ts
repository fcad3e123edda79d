/** Address sets, domain sets, public suffixes, interval modes and configuration checks. */
import { describe, expect, it } from 'vitest';
import { KonsekiError } from '../../src/core/errors.js';
import { CidrSet, DomainSet, PublicSuffixes, normalizeDetectConfig, intervalModes, DEFAULT_THRESHOLDS } from '../../src/detect/index.js';
import { normalizeUrl } from '../../src/detect/config.js';

describe('CidrSet', () => {
  const s = new CidrSet<string>();
  s.add('10.0.0.0/8', 'ten');
  s.add('10.1.0.0/16', 'ten-one');
  s.add('2001:db8::/32', 'doc6');
  s.add('192.0.2.7', 'host');
  it.each([
    ['10.200.1.1', 'ten'],
    ['10.1.2.3', 'ten-one'],
    ['11.0.0.1', undefined],
    ['2001:db8:ffff::1', 'doc6'],
    ['2001:db9::1', undefined],
    ['192.0.2.7', 'host'],
    ['192.0.2.8', undefined],
    ['not-an-ip', undefined],
  ])('%s -> %s (most specific wins)', (ip, want) => expect(s.get(ip)).toBe(want));

  it('rejects bad CIDRs', () => {
    const t = new CidrSet();
    expect(t.add('10.0.0.0/33', true)).toBe(false);
    expect(t.add('10.0.0/8', true)).toBe(false);
    expect(t.add('::/129', true)).toBe(false);
    expect(t.add('10.0.0.0/x', true)).toBe(false);
  });
});

describe('DomainSet', () => {
  it('exact names match exactly; *.suffix matches the name and everything under it', () => {
    const d = new DomainSet<string>(false);
    d.add('host.example.com', 'exact');
    d.add('*.example.org', 'suffix');
    expect(d.get('host.example.com')).toBe('exact');
    expect(d.get('HOST.Example.com.')).toBe('exact');
    expect(d.get('a.host.example.com')).toBeUndefined();
    expect(d.get('example.org')).toBe('suffix');
    expect(d.get('a.b.example.org')).toBe('suffix');
    expect(d.get('badexample.org')).toBeUndefined();
  });

  it('indicator sets match subdomains of plain entries', () => {
    const d = new DomainSet<number>(true);
    d.add('evil.example', 1);
    expect(d.get('x.y.evil.example')).toBe(1);
    expect(d.get('notevil.example')).toBeUndefined();
    expect(d.add('bad domain!', 2)).toBe(false);
  });
});

describe('PublicSuffixes', () => {
  const psl = new PublicSuffixes(['com', 'uk', 'co.uk', '*.ck', '!www.ck', 'duckdns.org', 'org']);
  it.each([
    ['www.example.com', 'example.com'],
    ['a.b.example.co.uk', 'example.co.uk'],
    ['foo.bar.ck', 'foo.bar.ck'],
    ['a.www.ck', 'www.ck'],
    ['x.y.duckdns.org', 'y.duckdns.org'],
    ['co.uk', 'co.uk'],
    ['host.unknowntld', 'host.unknowntld'],
    ['a.b.host.unknowntld', 'host.unknowntld'],
    ['localhost', 'localhost'],
  ])('%s -> %s', (name, want) => expect(psl.registeredDomain(name)).toBe(want));
});

describe('intervalModes', () => {
  it('finds the interval of a jittered series and reports its jitter', () => {
    const iv = Array.from({ length: 200 }, (_, i) => 60 * (1 + 0.3 * Math.sin(i * 12.9898)));
    const m = intervalModes(iv)!;
    expect(m.interval).toBeGreaterThan(55);
    expect(m.interval).toBeLessThan(65);
    expect(m.fit).toBe(1);
    expect(m.jitter).toBeGreaterThan(0.2);
    expect(m.jitter).toBeLessThan(0.32);
  });

  it('counts missed callbacks as harmonics', () => {
    const iv = [...Array(80).fill(300), ...Array(10).fill(600), ...Array(5).fill(900)];
    const m = intervalModes(iv)!;
    expect(m.interval).toBe(300);
    expect(m.fit).toBe(1);
    expect(m.missedShare).toBeCloseTo(15 / 95, 5);
  });

  it('finds several sleeps of one implant', () => {
    const iv = [...Array(60).fill(30), ...Array(30).fill(600)];
    const m = intervalModes(iv)!;
    expect(m.modes).toEqual([30, 600]);
    expect(m.fit).toBe(1);
  });

  it('leaves random intervals mostly unexplained', () => {
    let seed = 3;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const iv = Array.from({ length: 500 }, () => -Math.log(1 - rnd()) * 100);
    const m = intervalModes(iv)!;
    expect(m.mainShare).toBeLessThan(0.35);
    expect(m.fit).toBeLessThan(0.5);
  });

  it('needs two intervals', () => {
    expect(intervalModes([5])).toBeNull();
  });
});

describe('normalizeDetectConfig', () => {
  it('fills documented defaults', () => {
    const c = normalizeDetectConfig();
    expect(c.t).toEqual(DEFAULT_THRESHOLDS);
    expect([...c.consider]).toEqual(['outbound']);
    expect(c.internal.has('192.168.1.1')).toBe(true);
    expect(c.internal.has('fd00::1')).toBe(true);
    expect(c.internal.has('8.8.8.8')).toBe(false);
    expect(c.detectors.size).toBe(9);
    expect(c.suffixes.registeredDomain('a.example.co.uk')).toBe('example.co.uk');
  });

  it.each([
    [{ thresholds: { nope: 1 } }, 'unknown detection threshold "nope"'],
    [{ thresholds: { minScore: -1 } }, 'must be a non-negative number'],
    [{ thresholds: { longConn1: 99999 } }, 'long-connection thresholds must increase'],
    [{ caps: { maxPairs: 0 } }, 'must be a positive integer'],
    [{ consider: ['sideways'] }, 'unknown direction "sideways"'],
    [{ allowList: ['http://x y'] }, 'allow-list entry'],
    [{ periodic: [{ match: '%%', reason: 'x' }] }, 'periodic-by-design entry'],
    [{ indicators: [{ type: 'ja3', value: 'xyz', source: 'f.csv' }] }, 'is not a valid ja3'],
    [{ ports: [{ port: 1, proto: 'sctp', strength: 'weak', reason: '' }] }, 'invalid proto'],
    [{ detectors: ['portscan'] }, 'unknown detector "portscan"'],
    [{ resolvers: ['dns.example'] }, 'resolver "dns.example"'],
  ])('%j is rejected', (cfg, msg) => {
    try {
      normalizeDetectConfig(cfg as never);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KonsekiError);
      expect((e as KonsekiError).code).toBe('ERR_CONFIG');
      expect((e as Error).message).toContain(msg);
    }
  });

  it.each([
    ['http://Evil.Example:80/a/b?c=1', 'evil.example/a/b?c=1'],
    ['evil.example', 'evil.example/'],
    ['https://evil.example:8443/x', 'evil.example:8443/x'],
    ['', null],
  ])('normalizeUrl(%s) = %s', (u, want) => expect(normalizeUrl(u)).toBe(want));
});
