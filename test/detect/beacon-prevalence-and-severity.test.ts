/**
 * Ranking context: a periodic destination that most internal hosts talk to is less
 * suspicious than the same timing from one host (prevalence); severity bands from the
 * 0-100 score; each beacon reports its interval, jitter, beats and every sub-score.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { severityOf } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

const SIGNATURES = loadSignatures();

function run(b: ScenarioBuilder): Finding[] {
  const engine = new DetectionEngine(SIGNATURES, new AnomalyCounter());
  for (const r of b.conn) engine.conn(r);
  for (const r of b.ssl) engine.ssl(r);
  return engine.finish();
}

/** 30 internal hosts; `talkers` of them beacon to poll.example.net, the others browse. */
function office(talkers: number): ScenarioBuilder {
  const b = new ScenarioBuilder(5);
  for (let i = 0; i < 30; i++) {
    const src = `10.2.0.${i + 10}`;
    if (i < talkers) {
      b.tlsBeacon({ src, dst: '203.0.113.40', sni: 'poll.example.net', interval: 120, jitter: 0.1, from: START + i * 7, to: START + 8 * 3600 });
    } else {
      b.addSsl(b.addConn({ ts: START + i, origH: src, respH: '198.51.100.3', respP: 443, service: 'ssl', origBytes: 900, respBytes: 20000 }), 'www.example.org');
    }
  }
  return b;
}

describe('prevalence', () => {
  it('the same beacon scores lower when 25 of 30 hosts make it than when one host does', () => {
    const lone = run(office(1)).find((f) => f.detector === 'beacon' && f.srcIp === '10.2.0.10')!;
    const common = run(office(25)).find((f) => f.detector === 'beacon' && f.srcIp === '10.2.0.10')!;
    expect(lone.details.prevalenceFactor).toBe(1);
    expect(lone.details.prevalenceHosts).toBe(1);
    expect(common.details.prevalenceHosts).toBe(25);
    expect(common.details.prevalenceFactor as number).toBeLessThan(0.6);
    expect(common.score).toBeLessThan(lone.score);
    expect(common.score).toBeGreaterThan(0); // lowered, not hidden
    expect(common.evidence).toContain('25 of 30 internal hosts talk to it');
    expect(lone.score).toBeGreaterThanOrEqual(70);
  });
});

describe('severity bands from the 0-100 score', () => {
  it.each([
    [0, 'informational'],
    [19, 'informational'],
    [20, 'low'],
    [44, 'low'],
    [45, 'medium'],
    [69, 'medium'],
    [70, 'high'],
    [89, 'high'],
    [90, 'critical'],
    [100, 'critical'],
  ] as const)('%i -> %s', (score, band) => {
    expect(severityOf(score)).toBe(band);
  });

  it('every finding carries the band of its own score', () => {
    const fs = [...run(office(1)), ...run(office(25))];
    expect(fs.length).toBeGreaterThan(2);
    for (const f of fs) expect(f.severity).toBe(severityOf(f.score));
    expect(new Set(fs.map((f) => f.severity)).size).toBeGreaterThan(1);
  });
});

describe('what a beacon finding reports', () => {
  it('interval, jitter, beats and every sub-score in [0, 1]', () => {
    const f = run(office(1)).find((x) => x.detector === 'beacon')!;
    expect(Math.abs((f.details.interval as number) / 120 - 1)).toBeLessThan(0.05);
    expect(f.details.jitter as number).toBeGreaterThan(0.02);
    expect(f.details.jitter as number).toBeLessThan(0.15);
    expect(f.details.beats as number).toBeGreaterThan(200);
    for (const k of ['timingScore', 'dispersionScore', 'skewScore', 'sizeScore', 'spanScore', 'evennessScore', 'coverageScore', 'baseScore']) {
      const v = f.details[k] as number;
      expect(typeof v, k).toBe('number');
      expect(v, k).toBeGreaterThanOrEqual(0);
      expect(v, k).toBeLessThanOrEqual(1);
    }
    expect(f.evidence).toMatch(/^interval 1\d\d(\.\d)? s ±\d+%, \d+ beats over [0-9.]+ h, sizes \d+±\d+ B/);
  });
});
