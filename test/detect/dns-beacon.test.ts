/**
 * Periodic DNS lookups as beacons (dns-beacon.ts): retransmission de-duplication, which names
 * are grouped, grouping by name and by registered domain, context (allow-list, periodic by
 * design), caps, and the merge with connection beacons, on small hand-built inputs.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { dedupeLookups, isTrackedName, mergeDnsBeacons } from '../../src/detect/dns-beacon.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

function run(b: ScenarioBuilder, cfg: DetectConfig = {}, anomalies = new AnomalyCounter()): Finding[] {
  const e = new DetectionEngine(cfg, anomalies);
  for (const r of b.conn) e.conn(r);
  for (const r of b.dns) e.dns(r);
  for (const r of b.ssl) e.ssl(r);
  return e.finish();
}

const dnsBeacons = (fs: Finding[]): Finding[] => fs.filter((f) => f.detector === 'beacon' && f.appProtocol === 'dns');

/** `n` lookups by `src`, every `interval` s ±`jitter`, of the names `name(i)`. */
function poll(b: ScenarioBuilder, src: string, name: (i: number) => string, n: number, interval = 60, jitter = 0.2, from = START): void {
  let t = from;
  for (let i = 0; i < n; i++) {
    b.addDns(t, src, name(i), ['198.51.100.7']);
    t += b.jit(interval, jitter);
  }
}

describe('dedupeLookups', () => {
  const cases: [string, number[], number[], number[]][] = [
    ['distinct trans_ids all count', [0, 0.5, 60], [1, 2, 3], [0, 0.5, 60]],
    ['same trans_id within 1 s is one lookup', [0, 0.5, 60], [7, 7, 8], [0, 60]],
    ['same trans_id exactly 1 s later is a retransmission', [10, 11], [7, 7], [10]],
    ['same trans_id later than 1 s is a new lookup', [0, 1.5], [7, 7], [0, 1.5]],
    ['unknown trans_ids (-1) are never merged', [0, 0.1], [-1, -1], [0, 0.1]],
    ['order does not matter', [60, 0.5, 0], [8, 7, 7], [0, 60]],
    ['a chain of retransmissions compares with the kept one', [0, 0.9, 1.8], [5, 5, 5], [0, 1.8]],
  ];
  it.each(cases)('%s', (_name, ts, tid, want) => {
    expect(dedupeLookups(ts, tid)).toEqual(want);
  });
});

describe('isTrackedName', () => {
  const cases: [string, boolean][] = [
    ['c2.example.net', true],
    ['example.net', true],
    ['localhost', false],
    ['4.3.2.1.in-addr.arpa', false],
    ['printer.local', false],
    ['10.1.2.3', false],
  ];
  it.each(cases)('%s -> %s', (name, want) => {
    expect(isTrackedName(name)).toBe(want);
  });
});

describe('DNS lookup beacons in the engine', () => {
  it('groups the lookups of one name by one source, with the resolver as destination', () => {
    const b = new ScenarioBuilder(1);
    poll(b, '10.1.0.50', () => 'c2.bad-poller.net', 200);
    const fs = dnsBeacons(run(b));
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ srcIp: '10.1.0.50', destHost: 'c2.bad-poller.net', destIp: '10.1.0.2', destPort: 53, transport: 'udp', mitreTechniqueIds: ['T1071.004'] });
    expect(fs[0].details.groupedBy).toBe('dns_name');
    expect(fs[0].score).toBeGreaterThanOrEqual(45);
  });

  it('groups rotating names under their registered domain (public-suffix aware)', () => {
    const b = new ScenarioBuilder(2);
    poll(b, '10.1.0.51', (i) => `x${i}.rotate-c2.co.uk`, 200);
    const fs = dnsBeacons(run(b));
    expect(fs).toHaveLength(1);
    expect(fs[0].destHost).toBe('rotate-c2.co.uk');
    expect(fs[0].details.groupedBy).toBe('dns_domain');
    expect(fs[0].evidence).toMatch(/^DNS lookups of names under rotate-c2\.co\.uk \(16\+ names\) every/);
  });

  it('reports a fixed name once, not again under its domain', () => {
    const b = new ScenarioBuilder(3);
    poll(b, '10.1.0.52', () => 'a.fixed-c2.net', 200);
    for (let i = 0; i < 3; i++) b.addDns(START + 5000 + i * 777, '10.1.0.52', 'www.fixed-c2.net', []);
    const fs = dnsBeacons(run(b));
    expect(fs.map((f) => f.destHost)).toEqual(['a.fixed-c2.net']);
  });

  it('does not judge short, fast or random series', () => {
    const cases: [string, (b: ScenarioBuilder) => void][] = [
      ['20 minutes only', (b) => poll(b, '10.1.0.53', () => 'short.example.net', 20)],
      ['every 4 s', (b) => poll(b, '10.1.0.53', () => 'fast.example.net', 2000, 4)],
      [
        'Poisson lookups',
        (b) => {
          let t = START;
          for (let i = 0; i < 300; i++) b.addDns((t += -Math.log(1 - b.rnd()) * 60), '10.1.0.53', 'random.example.net', []);
        },
      ],
    ];
    for (const [name, make] of cases) {
      const b = new ScenarioBuilder(4);
      make(b);
      expect(dnsBeacons(run(b)), name).toEqual([]);
    }
  });

  it('lowers names that are periodic by design and suppresses allow-listed ones', () => {
    const b = new ScenarioBuilder(5);
    poll(b, '10.1.0.54', () => 'poll.vendor-check.net', 200);
    const plain = dnsBeacons(run(b))[0];
    const periodic = dnsBeacons(run(b, { periodic: [{ match: '*.vendor-check.net', reason: 'vendor poll' }] }))[0];
    expect(periodic.score).toBeCloseTo(plain.score * 0.35, 0);
    expect(periodic.evidence).toContain('periodic by design: vendor poll');
    expect(dnsBeacons(run(b, { allowList: ['*.vendor-check.net'] }))).toEqual([]);
  });

  it('counts the caps on groups and lookups per group', () => {
    const b = new ScenarioBuilder(6);
    poll(b, '10.1.0.55', () => 'capped.example.net', 50);
    poll(b, '10.1.0.56', () => 'other.example.org', 5);
    const anomalies = new AnomalyCounter();
    run(b, { caps: { maxDnsBeaconGroups: 2, maxDnsBeaconLookups: 20 } }, anomalies);
    const codes = JSON.stringify(anomalies);
    expect(codes).toContain('detect_dns_beacon_groups_cap');
    expect(codes).toContain('detect_dns_beacon_lookups_cap');
  });

  it('keeps one finding when the lookups and the connections of a beacon are both periodic', () => {
    const b = new ScenarioBuilder(7);
    for (let t = START, i = 0; i < 200; i++, t += b.jit(60, 0.1)) {
      b.addDns(t - 0.05, '10.1.0.57', 'both.c2-host.net', ['198.51.100.9']);
      b.addSsl(b.addConn({ ts: t, origH: '10.1.0.57', respH: '198.51.100.9', respP: 443, service: 'ssl' }), 'both.c2-host.net');
    }
    const fs = run(b).filter((f) => f.detector === 'beacon');
    expect(fs).toHaveLength(1);
    expect(fs[0].appProtocol).toBe('ssl');
    expect(fs[0].destIp).toBe('198.51.100.9');
  });
});

describe('mergeDnsBeacons', () => {
  const f = (p: Partial<Finding> & { score: number }): Finding =>
    ({ detector: 'beacon', srcIp: '10.0.0.1', destHost: 'a.c2.net', evidence: 'e', details: {}, severity: 'low', ...p }) as Finding;
  const rd = (n: string): string => n.split('.').slice(-2).join('.');
  const cases: [string, Finding[], Finding[], [string | null, number][]][] = [
    ['no overlap keeps both', [f({ score: 50 })], [f({ score: 60, destHost: 'b.c2.org', details: { groupedBy: 'dns_name' } })], [['a.c2.net', 50], ['b.c2.org', 60]]],
    ['higher connection beacon wins', [f({ score: 80 })], [f({ score: 60, details: { groupedBy: 'dns_name' } })], [['a.c2.net', 80]]],
    ['higher DNS score lifts the connection finding', [f({ score: 40 })], [f({ score: 60, details: { groupedBy: 'dns_name' } })], [['a.c2.net', 60]]],
    ['another source is not merged', [f({ score: 40 })], [f({ score: 60, srcIp: '10.0.0.2', details: { groupedBy: 'dns_name' } })], [['a.c2.net', 40], ['a.c2.net', 60]]],
    ['a domain finding merges with names under it', [f({ score: 40 })], [f({ score: 70, destHost: 'c2.net', details: { groupedBy: 'dns_domain' } })], [['a.c2.net', 70]]],
  ];
  it.each(cases)('%s', (_name, conn, dns, want) => {
    const out = mergeDnsBeacons(conn, dns, rd);
    expect(out.map((x) => [x.destHost, x.score])).toEqual(want);
    for (const x of out) if (x.score === 60 && x.details.dnsLookupScore !== undefined) expect(x.severity).toBe('medium');
  });
});
