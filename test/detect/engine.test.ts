/**
 * Focused behaviour of the DetectionEngine on small hand-built inputs: what counts as a
 * beat, joins by uid and DNS answer, proxies, caps, indicators, uploads, long connections.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { KonsekiError } from '../../src/core/errors.js';
import type { Finding } from '../../src/core/finding.js';
import { DetectionEngine, analyzeBeats } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

/** The shipped signatures (ports, periodic, example indicators), loaded by the real loader. */
const SIGNATURES = loadSignatures();

function engineFor(b: ScenarioBuilder, cfg: DetectConfig = {}, anomalies = new AnomalyCounter()): { findings: Finding[]; engine: DetectionEngine; anomalies: AnomalyCounter } {
  const engine = new DetectionEngine({ ...SIGNATURES, ...cfg }, anomalies);
  for (const r of b.conn) engine.conn(r);
  for (const r of b.dns) engine.dns(r);
  for (const r of b.http) engine.http(r);
  for (const r of b.ssl) engine.ssl(r);
  return { findings: engine.finish(), engine, anomalies };
}

const W = { timing: 0.5, size: 0.25, coverage: 0.25, fullSpan: 14400, maxMergeGap: 2, minBeats: 4 };

describe('analyzeBeats', () => {
  it('returns null below the minimum number of callbacks', () => {
    expect(analyzeBeats([0, 60, 120], [1, 1, 1], 200, W)).toBeNull();
  });

  it('merges connections opened together into one callback', () => {
    const ts: number[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < 50; i++) {
      ts.push(i * 60, i * 60 + 0.2);
      sizes.push(100, 50);
    }
    const e = analyzeBeats(ts, sizes, 3000, W)!;
    expect(e.beats).toBe(50);
    expect(e.conns).toBe(100);
    expect(e.interval).toBeCloseTo(60, 5);
    expect(e.sizeMedian).toBe(150);
  });

  it('scores a perfect beacon near 1 and random timing low', () => {
    const perfect = Array.from({ length: 100 }, (_, i) => i * 30);
    const p = analyzeBeats(perfect, perfect.map(() => 200), 3000, W)!;
    expect(p.base).toBeGreaterThan(0.95);
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const random: number[] = [];
    let t = 0;
    for (let i = 0; i < 100; i++) random.push((t += -Math.log(1 - rnd()) * 30));
    const r = analyzeBeats(random, random.map(() => 200 + Math.floor(rnd() * 5000)), t, W)!;
    expect(r.base).toBeLessThan(0.5);
  });

  it('is the same whatever the input order', () => {
    const ts = Array.from({ length: 40 }, (_, i) => i * 61.5 + (i % 3));
    const a = analyzeBeats(ts, ts.map((x) => x % 7), 3000, W)!;
    const b = analyzeBeats([...ts].reverse(), [...ts].reverse().map((x) => x % 7), 3000, W)!;
    expect(b).toEqual(a);
  });
});

describe('DetectionEngine', () => {
  it('does not count failed attempts as beats', () => {
    const b = new ScenarioBuilder(1);
    for (let i = 0; i < 60; i++) {
      b.addConn({ ts: START + i * 60, origH: '10.0.0.5', respH: '198.51.100.7', respP: 443, connState: i % 2 ? 'S0' : 'SF', origBytes: i % 2 ? 0 : 300, respBytes: i % 2 ? 0 : 500, respPkts: i % 2 ? 0 : 4 });
    }
    const { findings } = engineFor(b);
    const f = findings.find((x) => x.detector === 'beacon')!;
    expect(f.details.beats).toBe(30);
    expect(f.details.failedAttempts).toBe(30);
    expect(f.details.interval).toBeCloseTo(120, 0);
  });

  it('joins SNI by uid even when ssl records come after conn records, and prefers SNI to DNS', () => {
    const b = new ScenarioBuilder(2);
    b.addDns(START - 1, '10.0.0.5', 'other-name.example.net', ['198.51.100.7']);
    b.tlsBeacon({ src: '10.0.0.5', dst: '198.51.100.7', sni: 'c2.example.org', interval: 60, jitter: 0.1, from: START, to: START + 6 * 3600 });
    const { findings } = engineFor(b);
    const f = findings.filter((x) => x.detector === 'beacon');
    expect(f).toHaveLength(1);
    expect(f[0].destHost).toBe('c2.example.org');
    expect(f[0].details.groupedBy).toBe('name');
  });

  it('ignores east-west traffic by default and considers it when asked', () => {
    const b = new ScenarioBuilder(3);
    for (let i = 0; i < 200; i++) b.addConn({ ts: START + i * 30, origH: '10.0.0.5', respH: '10.0.0.9', respP: 4444, origBytes: 64, respBytes: 64 });
    expect(engineFor(b).findings).toEqual([]);
    const { findings } = engineFor(b, { consider: ['outbound', 'internal'] });
    expect(findings.map((f) => f.detector).sort()).toEqual(['beacon', 'suspicious_port']);
    expect(findings.every((f) => f.direction === 'internal')).toBe(true);
  });

  it('honours configured internal networks', () => {
    const b = new ScenarioBuilder(4);
    for (let i = 0; i < 100; i++) b.addConn({ ts: START + i * 30, origH: '147.32.1.5', respH: '203.0.113.9', respP: 443, service: 'ssl' });
    expect(engineFor(b).findings).toEqual([]);
    expect(engineFor(b, { internalNetworks: ['147.32.0.0/16'] }).findings.some((f) => f.detector === 'beacon')).toBe(true);
  });

  it('counts the per-pair cap on stored callbacks and keeps counting totals', () => {
    const b = new ScenarioBuilder(5);
    for (let i = 0; i < 500; i++) b.addConn({ ts: START + i * 10, origH: '10.0.0.5', respH: '198.51.100.7', respP: 443, origBytes: 100, respBytes: 100 });
    const { findings, anomalies } = engineFor(b, { caps: { maxBeatsPerPair: 100 } });
    expect(anomalies.get('detect_beats_per_pair_cap')).toBe(1);
    const f = findings.find((x) => x.detector === 'beacon')!;
    expect(f.details.beats).toBe(100);
    expect(f.details.droppedByCap).toBe(400);
  });

  it('counts the cap on pairs when it is hit', () => {
    const b = new ScenarioBuilder(6);
    for (let i = 0; i < 20; i++) b.addConn({ ts: START + i, origH: '10.0.0.5', respH: `198.51.100.${i + 1}`, respP: 443 });
    const { engine, anomalies } = engineFor(b, { caps: { maxPairs: 5 } });
    expect(engine.stats().pairs).toBe(5);
    expect(anomalies.get('detect_pairs_cap')).toBe(15);
  });

  it('counts records with unusable timestamps instead of throwing', () => {
    const b = new ScenarioBuilder(7);
    b.addConn({ ts: NaN, origH: '10.0.0.5', respH: '198.51.100.7', respP: 443 });
    const { engine, anomalies, findings } = engineFor(b);
    expect(findings).toEqual([]);
    expect(engine.stats().badRecords).toBe(1);
    expect(anomalies.get('detect_bad_record')).toBe(1);
  });

  it('rejects an invalid configuration with ERR_CONFIG', () => {
    expect(() => new DetectionEngine({ internalNetworks: ['10.0.0.0/33'] })).toThrow(KonsekiError);
    try {
      new DetectionEngine({ thresholds: { beaconWeightTiming: 0.9 } });
    } catch (e) {
      expect((e as KonsekiError).code).toBe('ERR_CONFIG');
      expect((e as Error).message).toContain('beacon weights must sum to 1');
    }
  });

  it('matches indicators: IP, CIDR, domain with subdomains, URL, JA3', () => {
    const b = new ScenarioBuilder(8);
    const c1 = b.addConn({ ts: START, origH: '10.0.0.5', respH: '203.0.113.66', respP: 443, service: 'ssl' });
    b.addSsl(c1, 'x.evil.example', { ja3: 'E7D705A3286E19EA42F587B344EE6865' });
    const c2 = b.addConn({ ts: START + 5, origH: '10.0.0.6', respH: '198.51.100.3', respP: 80, service: 'http' });
    b.addHttp(c2, { host: 'dropper.example.net', uri: '/stage2.bin?x=1' });
    b.addDns(START + 9, '10.0.0.7', 'deep.sub.evil.example', ['192.0.2.200']);
    const { findings } = engineFor(b, {
      indicators: [
        { type: 'ip', value: '203.0.113.66', source: 'list' },
        { type: 'cidr', value: '192.0.2.192/26', source: 'list' },
        { type: 'domain', value: 'evil.example', source: 'list' },
        { type: 'url', value: 'http://dropper.example.net/stage2.bin', source: 'feed.csv', description: 'stage 2' },
        { type: 'ja3', value: 'e7d705a3286e19ea42f587b344ee6865', source: 'ja3.csv' },
      ],
    });
    const got = findings.map((f) => `${f.srcIp} ${f.details.indicatorType} ${f.details.matchedOn}`).sort();
    expect(got).toEqual([
      '10.0.0.5 domain domain',
      '10.0.0.5 ip ip',
      '10.0.0.5 ja3 ja3',
      '10.0.0.6 url url',
      '10.0.0.7 cidr answer',
      '10.0.0.7 domain domain',
    ]);
    expect(findings.every((f) => f.detector === 'ioc_match')).toBe(true);
    const url = findings.find((f) => f.details.matchedOn === 'url')!;
    expect(url.score).toBe(90);
    expect(url.evidence).toContain('stage 2');
  });

  it('does not call TLS uploads or big downloads clear-text exfiltration, and ties active FTP data to the client', () => {
    const b = new ScenarioBuilder(9);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 443, service: 'ssl', origBytes: 50e6, respBytes: 1e4 });
    b.addConn({ ts: START, origH: '10.0.0.6', respH: '198.51.100.8', respP: 80, service: 'http', origBytes: 500, respBytes: 80e6 });
    // Active FTP: control from the client, data connection opened by the server.
    b.addConn({ ts: START, origH: '10.0.0.7', respH: '198.51.100.9', respP: 21, service: 'ftp', origBytes: 500, respBytes: 900 });
    b.addConn({ ts: START + 2, origH: '198.51.100.9', respH: '10.0.0.7', respP: 20, origP: 20, service: 'ftp-data', origBytes: 0, respBytes: 3e6 });
    const { findings } = engineFor(b);
    const exfil = findings.filter((f) => f.detector === 'cleartext_exfil');
    expect(exfil).toHaveLength(1);
    expect(exfil[0].srcIp).toBe('10.0.0.7');
    expect(exfil[0].destIp).toBe('198.51.100.9');
    expect(exfil[0].details.ftpBytes).toBe(3e6);
    expect(exfil[0].details.ftpControlSeen).toBe(true);
  });

  it('uses HTTP request bodies when http records exist, and conn bytes when only conn.log is given', () => {
    const b = new ScenarioBuilder(10);
    const c = b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 80, service: 'http', origBytes: 2_100_000, respBytes: 300 });
    b.addHttp(c, { method: 'POST', host: 'paste.example.com', requestBodyLen: 2_000_000 });
    const withHttp = engineFor(b).findings.find((f) => f.detector === 'cleartext_exfil')!;
    expect(withHttp.details.httpBytes).toBe(2_000_000);
    expect(withHttp.destHost).toBe('paste.example.com');
    const onlyConn = new ScenarioBuilder(10);
    onlyConn.addConn({ ...c });
    const f = engineFor(onlyConn).findings.find((x) => x.detector === 'cleartext_exfil')!;
    expect(f.details.httpBytes).toBe(2_100_000);
  });

  it('reports long connections at 1 h / 4 h / 8 h tiers, including open ones, with the community id of a single connection', () => {
    const b = new ScenarioBuilder(11);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 22, service: 'ssh', duration: 5 * 3600, communityId: '1:abc=' });
    b.addConn({ ts: START, origH: '10.0.0.6', respH: '198.51.100.8', respP: 9000, duration: 30 * 60 });
    b.addConn({ ts: START + 3600, origH: '10.0.0.6', respH: '198.51.100.8', respP: 9000, duration: 50 * 60, openAtEnd: true });
    const { findings } = engineFor(b);
    const one = findings.find((f) => f.srcIp === '10.0.0.5' && f.detector === 'long_connection')!;
    expect(one.score).toBe(70); // 0.65 at 4 h + 0.2 x (1 h / 4 h)
    expect(one.communityId).toBe('1:abc=');
    const summed = findings.find((f) => f.srcIp === '10.0.0.6' && f.detector === 'long_connection')!;
    expect(summed.details.summedDuration).toBe(80 * 60);
    expect(summed.details.openAtEnd).toBe(1);
    expect(summed.evidence).toContain('still open at end of input');
  });

  it('flags protocols on ports where they do not belong', () => {
    const b = new ScenarioBuilder(12);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 8081, service: 'ssh' });
    b.addConn({ ts: START, origH: '10.0.0.6', respH: '198.51.100.8', respP: 4444, portMismatch: 'http', service: 'http' });
    b.addConn({ ts: START, origH: '10.0.0.7', respH: '198.51.100.9', respP: 8080, service: 'http' });
    const { findings } = engineFor(b);
    const ports = findings.filter((f) => f.detector === 'suspicious_port');
    expect(ports.map((f) => f.srcIp).sort()).toEqual(['10.0.0.5', '10.0.0.6']);
    expect(ports.find((f) => f.srcIp === '10.0.0.6')!.evidence).toContain('http on 4444/tcp');
    expect(ports.find((f) => f.srcIp === '10.0.0.6')!.score).toBeGreaterThan(ports.find((f) => f.srcIp === '10.0.0.5')!.score);
  });

  it('lowers periodic-by-design traffic instead of hiding it', () => {
    const b = new ScenarioBuilder(13);
    b.tlsBeacon({ src: '10.0.0.5', dst: '198.51.100.7', sni: 'agent.monitoring.example', interval: 30, jitter: 0.05, from: START, to: START + 8 * 3600 });
    const plain = engineFor(b).findings.find((f) => f.detector === 'beacon')!;
    const lowered = engineFor(b, { periodic: [{ match: '*.monitoring.example', reason: 'our agent' }] }).findings.find((f) => f.detector === 'beacon')!;
    expect(plain.score).toBeGreaterThanOrEqual(90);
    expect(lowered.score).toBeCloseTo(plain.score * 0.35, 0);
    expect(lowered.evidence).toContain('periodic by design: our agent');
  });

  it('finds DNS tunnels per registered domain using public-suffix rules', () => {
    const b = new ScenarioBuilder(14);
    for (let i = 0; i < 300; i++) b.addDns(START + i, '10.0.0.5', `${b.base32(40)}.tun.example.co.uk`, [], 10, 'NULL');
    const { findings } = engineFor(b);
    const f = findings.find((x) => x.detector === 'dns_tunnel')!;
    expect(f.destHost).toBe('example.co.uk');
    expect(f.details.uniqueNames).toBe(300);
    expect(f.details.dataTypeShare).toBe(1);
    expect(f.score).toBeGreaterThanOrEqual(70);
  });

  it('gives each finding a deterministic id from its detector and key', () => {
    const b = new ScenarioBuilder(15);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 31337, origBytes: 10, respBytes: 10 });
    const a = engineFor(b).findings;
    const c = engineFor(b).findings;
    expect(a.map((f) => f.findingId)).toEqual(c.map((f) => f.findingId));
    expect(a[0].findingId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names the inputs a finding came from', () => {
    const b = new ScenarioBuilder(16);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 31337, source: 1 });
    b.addConn({ ts: START + 9, origH: '10.0.0.5', respH: '198.51.100.7', respP: 31337, source: 0 });
    const { findings } = engineFor(b, { sourceNames: ['a.pcap', 'conn.log'] });
    expect(findings[0].inputSource).toBe('a.pcap,conn.log');
  });
});

describe('hostile field values', () => {
  it('treats service names like "constructor" or "toString" as unknown services, not as code', () => {
    const b = new ScenarioBuilder(17);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 80, service: 'constructor' });
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 8081, service: 'toString,__proto__' });
    const { findings } = engineFor(b);
    expect(findings.filter((f) => f.detector === 'suspicious_port').map((f) => f.evidence)).toEqual([
      expect.stringContaining('constructor instead of http on 80/tcp'),
    ]);
  });
});

describe('DNS join', () => {
  it('uses the latest answer by time, whatever the record order', () => {
    const b = new ScenarioBuilder(18);
    b.addDns(START + 10, '10.0.0.5', 'new-name.example.org', ['198.51.100.7']);
    b.addDns(START, '10.0.0.5', 'old-name.example.org', ['198.51.100.7']);
    for (let i = 0; i < 100; i++) b.addConn({ ts: START + 20 + i * 60, origH: '10.0.0.5', respH: '198.51.100.7', respP: 443 });
    const a = engineFor(b).findings.find((f) => f.detector === 'beacon')!;
    b.dns.reverse();
    const c = engineFor(b).findings.find((f) => f.detector === 'beacon')!;
    expect(a.destHost).toBe('new-name.example.org');
    expect(c.destHost).toBe('new-name.example.org');
    expect(c.findingId).toBe(a.findingId);
  });
});

describe('open connections', () => {
  it('count a connection once when it is logged open (several rotations) and closed, in any order', () => {
    const b = new ScenarioBuilder(19);
    const closed = b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 9000, duration: 5 * 3600, origBytes: 9e5, respBytes: 9e5 });
    const open1 = { ...closed, duration: 3600, openAtEnd: true };
    const open2 = { ...closed, duration: 7200, openAtEnd: true };
    for (const order of [[open1, open2, closed], [closed, open2, open1], [open2, closed, open1]]) {
      const e = new DetectionEngine({ ...SIGNATURES });
      for (const r of order) e.conn(r);
      const f = e.finish().find((x) => x.detector === 'long_connection')!;
      expect(f.connCount).toBe(1);
      expect(f.details.longestDuration).toBe(5 * 3600);
      expect(f.details.openAtEnd).toBe(0);
      expect(e.stats().duplicateOpen).toBe(2);
    }
    // Open only: the longest open row stands for it.
    const e = new DetectionEngine({ ...SIGNATURES });
    e.conn(open1);
    e.conn(open2);
    const f = e.finish().find((x) => x.detector === 'long_connection')!;
    expect(f.details.longestDuration).toBe(7200);
    expect(f.details.openAtEnd).toBe(1);
  });
});

describe('port mismatch from the app layer', () => {
  it('does not call TLS on a common alternate port (5228, Google push) out of place', () => {
    const b = new ScenarioBuilder(20);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 5228, service: 'ssl', portMismatch: 'ssl' });
    b.addConn({ ts: START, origH: '10.0.0.6', respH: '198.51.100.8', respP: 7443, service: 'ssl', portMismatch: 'ssl' });
    const { findings } = engineFor(b);
    expect(findings.filter((f) => f.detector === 'suspicious_port').map((f) => f.destPort)).toEqual([7443]);
  });
});

describe('DNS caps', () => {
  it('counts the per-domain and total name caps and reports uniqueness as a lower bound', () => {
    const b = new ScenarioBuilder(21);
    for (let i = 0; i < 100; i++) b.addDns(START + i, '10.0.0.5', `${b.base32(40)}.t.tunnel.example`, [], 16, 'TXT');
    for (let i = 0; i < 100; i++) b.addDns(START + i, '10.0.0.6', `${b.base32(40)}.t.other.example`, [], 16, 'TXT');
    const { findings, anomalies } = engineFor(b, { caps: { maxNamesPerDomain: 60, maxDnsNamesTotal: 100 } });
    expect(anomalies.get('detect_dns_names_cap')).toBe(1);
    expect(anomalies.get('detect_dns_names_total_cap')).toBeGreaterThan(0);
    const t = findings.filter((f) => f.detector === 'dns_tunnel');
    expect(t).toHaveLength(2);
    expect(t.every((f) => f.details.namesCapped === true)).toBe(true);
    expect(t.map((f) => f.details.uniqueNames).sort()).toEqual([40, 60]);
  });
});
