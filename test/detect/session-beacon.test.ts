/**
 * Beacons inside one connection (detector `beacon`, mode `session`): the score on burst
 * times table by table, the context (periodic by design, streaming, prevalence, merge with a
 * connection beacon), benign long connections that must stay quiet, and the two documented
 * captures (Merlin over HTTP/3, the RAT heartbeat on 4433) end to end.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import type { ConnRecord } from '../../src/core/records.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { analyzeSession, isSessionBeacon, mergeSessionBeacons } from '../../src/detect/session-beacon.js';
import { classifyInputs, runAnalysis } from '../../src/pipeline.js';
import { prng, ScenarioBuilder, START } from '../scenario/generate.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const C2 = path.resolve(HERE, '../../../shared/corpus/c2');
const MEDIUM = 45;
const MIN_BASE = 0.5;

/** Burst times: `n` check-ins every `every` seconds with uniform jitter ±j, from a seeded generator. */
function loop(n: number, every: number, j: number, seed = 1): number[] {
  const r = prng(seed);
  const out: number[] = [];
  let t = START;
  for (let i = 0; i < n; i++) {
    out.push(t);
    t += every * (1 + j * (2 * r() - 1));
  }
  return out;
}

/** Bursts of an interactive session: think times drawn from an exponential law (mean `mean` s, at least 1 s). */
function interactive(n: number, mean: number, seed = 2): number[] {
  const r = prng(seed);
  const out: number[] = [];
  let t = START;
  for (let i = 0; i < n; i++) {
    out.push(t);
    t += 1 + -Math.log(1 - r()) * mean;
  }
  return out;
}

function session(b: ScenarioBuilder, src: string, dst: string, port: number, bursts: number[], p: Partial<ConnRecord> = {}): ConnRecord {
  const duration = bursts[bursts.length - 1] - bursts[0] + 1;
  return b.addConn({ ts: bursts[0], origH: src, respH: dst, respP: port, duration, origBytes: 300 * bursts.length, respBytes: 200 * bursts.length, origBursts: bursts.slice(0, 256), origBurstCount: bursts.length, ...p });
}

function run(b: ScenarioBuilder, cfg: DetectConfig = {}): Finding[] {
  const e = new DetectionEngine({ ...loadSignatures(), ...cfg }, new AnomalyCounter());
  for (const r of b.conn) e.conn(r);
  for (const r of b.ssl) e.ssl(r);
  return e.finish();
}

describe('analyzeSession and isSessionBeacon', () => {
  it.each([
    ['14 check-ins every 15 s', loop(14, 15, 0), true],
    ['30 check-ins every 10 s, ±20% jitter', loop(30, 10, 0.2), true],
    ['60 check-ins every 60 s, ±30% jitter', loop(60, 60, 0.3, 3), true],
    ['6 check-ins every 30 s (the minimum)', loop(6, 30, 0), true],
    ['5 check-ins (too few)', loop(5, 30, 0), false],
    ['9 polls 2 s apart (NTP iburst: under a minute)', loop(9, 2, 0), false],
    ['an interactive session of 40 bursts', interactive(40, 20), false],
    ['an interactive session of 200 bursts', interactive(200, 8, 5), false],
  ])('%s', (_name, bursts, want) => {
    const est = analyzeSession(bursts, bursts[bursts.length - 1] - bursts[0] + 1, 6);
    expect(est !== null && isSessionBeacon(est, MIN_BASE)).toBe(want);
  });

  it('reports the interval and the jitter of the loop', () => {
    const est = analyzeSession(loop(20, 15, 0.1), 300, 6)!;
    expect(est.interval).toBeGreaterThan(14);
    expect(est.interval).toBeLessThan(16);
    expect(est.jitter).toBeLessThan(0.12);
    expect(est.beats).toBe(20);
  });
});

describe('beacons inside one connection, in the engine', () => {
  it('reports a periodic session as a beacon, with the evidence saying it is one connection', () => {
    const b = new ScenarioBuilder(1);
    session(b, '10.0.0.4', '198.51.100.7', 443, loop(14, 15, 0.02), { proto: 'udp', service: 'quic,ssl' });
    const f = run(b).find((x) => x.detector === 'beacon')!;
    expect(f).toBeDefined();
    expect(f.details.mode).toBe('session');
    expect(f.connCount).toBe(1);
    expect(f.evidence).toMatch(/^14 check-ins every 15\.\d s ±\d+% inside one connection of/);
    expect(f.mitreTechniqueIds).toEqual(['T1071.001', 'T1573']);
    expect(f.score).toBeGreaterThanOrEqual(MEDIUM);
  });

  it('lowers keep-alives periodic by design, streaming and common destinations; ignores Zeek rows without bursts', () => {
    const b = new ScenarioBuilder(2);
    const bursts = loop(40, 15, 0.02);
    session(b, '10.0.0.4', '198.51.100.7', 443, bursts);
    session(b, '10.0.0.5', '198.51.100.8', 123, bursts, { proto: 'udp' });
    session(b, '10.0.0.6', '198.51.100.9', 443, bursts, { respBytes: 40 * 2_000_000 });
    for (let h = 10; h < 30; h++) session(b, `10.0.0.${h}`, '198.51.100.10', 443, bursts);
    b.addConn({ ts: START, origH: '10.0.0.7', respH: '198.51.100.11', respP: 443, duration: 600 });
    const fs = run(b).filter((x) => x.detector === 'beacon');
    const score = (src: string): number => fs.find((x) => x.srcIp === src)?.score ?? 0;
    expect(score('10.0.0.4')).toBeGreaterThanOrEqual(70);
    expect(score('10.0.0.5')).toBeLessThan(MEDIUM);
    expect(fs.find((x) => x.srcIp === '10.0.0.5')?.details.periodicByDesign).toBe('NTP time synchronisation');
    expect(score('10.0.0.6')).toBeLessThan(MEDIUM);
    expect(fs.find((x) => x.srcIp === '10.0.0.6')?.details.streaming).toBe(true);
    expect(score('10.0.0.10')).toBeLessThan(MEDIUM);
    expect(fs.some((x) => x.srcIp === '10.0.0.7')).toBe(false);
  });

  it('lowers a push-notification channel named by its SNI (signatures/periodic.txt)', () => {
    const b = new ScenarioBuilder(6);
    const c = session(b, '10.0.0.4', '198.51.100.7', 5228, loop(30, 240, 0.01), { service: 'ssl' });
    b.addSsl(c, 'mtalk.google.com');
    const f = run(b, { thresholds: { minScore: 0 } }).find((x) => x.detector === 'beacon')!;
    expect(f.destHost).toBe('mtalk.google.com');
    expect(f.details.periodicByDesign).toBe('Firebase Cloud Messaging keep-alive');
    expect(f.score).toBeLessThan(MEDIUM);
  });

  it('stays quiet on chatty long connections (interactive SSH, a busy WebSocket)', () => {
    const b = new ScenarioBuilder(3);
    session(b, '10.0.0.4', '198.51.100.7', 22, interactive(300, 6, 11), { service: 'ssh' });
    session(b, '10.0.0.5', '198.51.100.8', 443, interactive(500, 2, 12), { service: 'ssl' });
    expect(run(b, { thresholds: { minScore: 0 } }).filter((x) => x.detector === 'beacon')).toEqual([]);
  });

  it('keeps the best connection per destination and names the count, whatever the order', () => {
    const b = new ScenarioBuilder(4);
    session(b, '10.0.0.4', '198.51.100.7', 443, loop(14, 15, 0.02, 1));
    session(b, '10.0.0.4', '198.51.100.7', 443, loop(30, 15, 0.02, 2).map((t) => t + 3600));
    const fwd = run(b).filter((x) => x.detector === 'beacon');
    b.conn.reverse();
    const rev = run(b).filter((x) => x.detector === 'beacon');
    expect(fwd).toHaveLength(1);
    expect(fwd[0].details.sessions).toBe(2);
    expect(fwd[0].details.beats).toBe(30);
    expect(rev).toEqual(fwd);
  });

  it('folds a session beacon into the connection beacon of the same source and destination', () => {
    const conn = { findingId: 'a', detector: 'beacon', score: 60, severity: 'medium', srcIp: '10.0.0.4', destIp: '198.51.100.7', destHost: null, evidence: 'interval 60 s', details: { addresses: ['198.51.100.7'] } } as unknown as Finding;
    const higher = { findingId: 'b', detector: 'beacon', score: 80, srcIp: '10.0.0.4', destIp: '198.51.100.7', destHost: null, evidence: '14 check-ins', details: { interval: 15, sessionUid: 'C1' } } as unknown as Finding;
    const other = { ...higher, findingId: 'c', destIp: '198.51.100.8' } as Finding;
    const out = mergeSessionBeacons([conn], [other, higher]);
    expect(out).toHaveLength(2);
    expect(out[0].score).toBe(80);
    expect(out[0].severity).toBe('high');
    expect(out[0].evidence).toBe('interval 60 s; 14 check-ins');
    expect(out[0].details.sessionUid).toBe('C1');
    expect(out[1]).toBe(other);
    // A lower session score adds its figures, not its text.
    const lower = mergeSessionBeacons([conn], [{ ...higher, score: 30 } as Finding]);
    expect(lower[0].score).toBe(60);
    expect(lower[0].evidence).toBe('interval 60 s');
    expect(lower[0].details.sessionScore).toBe(30);
  });

  it('counts the candidate cap', () => {
    const b = new ScenarioBuilder(5);
    for (let h = 1; h <= 3; h++) session(b, `10.0.0.${h}`, `198.51.100.${h}`, 443, loop(14, 15, 0));
    const anomalies = new AnomalyCounter();
    const e = new DetectionEngine({ caps: { maxSessionBeacons: 2 } }, anomalies);
    for (const r of b.conn) e.conn(r);
    expect(e.finish().filter((x) => x.details.mode === 'session')).toHaveLength(2);
    expect(anomalies.get('detect_session_beacons_cap')).toBe(1);
  });
});

describe.skipIf(!existsSync(C2))('beacons inside one connection in the corpus captures (skipped: ../shared/corpus/c2 is missing)', () => {
  async function analyze(file: string, cfg: DetectConfig = {}): Promise<Finding[]> {
    const anomalies = new AnomalyCounter();
    const inputs = await classifyInputs([path.join(C2, file)]);
    const res = await runAnalysis({ inputs, anomalies, detect: { ...loadSignatures({}, anomalies), sourceNames: [file], ...cfg } });
    return res.findings;
  }

  it('zeek-merlin-c2-quic: the Merlin agent checks in every ~15 s inside its one HTTP/3 connection', async () => {
    const fs = await analyze('zeek-merlin-c2-quic/merlinc2_Zeek_example.pcapng');
    expect(fs).toHaveLength(1);
    const b = fs[0];
    expect(b.detector).toBe('beacon');
    expect(b.details.mode).toBe('session');
    expect(b.srcIp).toBe('10.0.0.4');
    expect(b.destIp).toBe('24.199.110.233');
    expect(b.destPort).toBe(443);
    expect(b.transport).toBe('udp');
    expect(b.appProtocol).toBe('quic,ssl');
    expect(b.details.beats).toBe(14);
    expect(b.details.interval as number).toBeGreaterThan(15);
    expect(b.details.interval as number).toBeLessThan(15.2);
    expect(b.details.sessionDuration as number).toBeGreaterThan(180);
    expect(b.evidence).toContain('14 check-ins every 15.1 s');
    expect(b.score).toBeGreaterThanOrEqual(70);
  });

  it('ppa-rat-c2-exfil-port4433: the 9-byte heartbeat every 10.0 s on the control connection (a lab LAN: east-west considered)', async () => {
    const fs = await analyze('ppa-rat-c2-exfil-port4433/ratinfected.pcapng', { consider: ['outbound', 'internal'] });
    expect(fs[0].detector).toBe('beacon');
    const b = fs[0];
    expect(b.details.mode).toBe('session');
    expect(b.srcIp).toBe('172.16.0.114');
    expect(b.destIp).toBe('172.16.0.111');
    expect(b.destPort).toBe(4433);
    expect(b.details.beats).toBe(14);
    expect(b.details.interval as number).toBeCloseTo(10, 1);
    expect(b.details.jitter as number).toBeLessThan(0.01);
    expect(b.score).toBeGreaterThanOrEqual(70);
  });
});
