/**
 * The labelled synthetic day as a packet capture (scenario-pcap.ts) through the whole
 * capture pipeline (decoder, flow table, application analyzers, detectors), as
 * `konseki analyze day.pcap` runs it: every labelled C2 trace in the capture is found by the
 * right detector at medium or above, no benign trap reaches low, and nothing unlabelled
 * reaches medium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { classifyInputs, runAnalysis } from '../../src/pipeline.js';
import type { AnalysisResult } from '../../src/pipeline.js';
import { findingMatchesLabel, generateScenario, RESOLVER } from './generate.js';
import type { Label } from './generate.js';
import { selectForCapture, writeScenarioCapture } from './scenario-pcap.js';
import type { CaptureSelection } from './scenario-pcap.js';

const MEDIUM = 45;
const LOW = 20;
const tmp = mkdtempSync(path.join(tmpdir(), 'konseki-scenario-pcap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const about = findingMatchesLabel;

describe('labelled synthetic day as a capture, through the capture pipeline', () => {
  let sel: CaptureSelection;
  let res: AnalysisResult;
  let findings: Finding[];
  let anomalies: AnomalyCounter;
  let written: { packets: number; bytes: number };

  beforeAll(async () => {
    sel = selectForCapture(generateScenario(42));
    const file = path.join(tmp, 'scenario-day.pcap');
    written = await writeScenarioCapture(sel, file);
    anomalies = new AnomalyCounter();
    const inputs = await classifyInputs([file]);
    res = await runAnalysis({ inputs, anomalies, detect: { ...loadSignatures({}, anomalies), resolvers: [RESOLVER], sourceNames: ['scenario-day.pcap'] } });
    findings = res.findings;
  }, 60_000);

  it('reads every packet of the capture, with no packet skipped', () => {
    expect(res.packets.read).toBe(written.packets);
    expect(res.packets.skipped).toBe(0);
    expect(res.partial).toBe(false);
    // A well-formed capture: the only complaints are the DNS analyzer's about the labelled
    // non-DNS stream on 53/tcp (10.1.0.23), which it is right to reject.
    const counted = anomalies.toJSON();
    expect(Object.keys(counted).length).toBeGreaterThan(0);
    expect(Object.keys(counted).every((k) => /^dns_/i.test(k))).toBe(true);
    expect(anomalies.total()).toBeLessThanOrEqual(10);
    // Every selected connection is one flow (UDP DNS exchanges add theirs).
    expect(res.flows).toBeGreaterThanOrEqual(sel.conn.length);
  });

  it('finds every labelled trace with the right detector, at medium or above', () => {
    const positives = sel.labels.filter((l) => l.detector !== null);
    expect(positives.length).toBeGreaterThanOrEqual(17);
    const missed = positives.filter((l) => !findings.some((f) => f.detector === l.detector && about(f, l) && f.score >= MEDIUM));
    expect(missed.map((l) => `${l.detector} ${l.src} ${l.note}`)).toEqual([]);
  });

  it('rates no benign trap above low, and explains the ones at low as periodic by design', () => {
    const traps = sel.labels.filter((l) => l.detector === null);
    expect(traps.length).toBeGreaterThan(100);
    const loud = findings.filter((f) => f.score >= MEDIUM && traps.some((l) => about(f, l)));
    expect(loud.map((f) => `${f.detector} ${f.srcIp} ${f.destHost ?? f.destIp} ${f.score} ${f.evidence}`)).toEqual([]);
    // At low: only NTP and the monitoring agent, each named as periodic by design (as on the records).
    const low = findings.filter((f) => f.score >= LOW && traps.some((l) => about(f, l)));
    expect(low.length).toBeGreaterThan(0);
    for (const f of low) expect(`${f.destHost ?? f.destIp} ${String(f.details.periodicByDesign)}`).toMatch(/^(162\.159\.200\.1 NTP|app\.datadoghq\.com Datadog)/);
  });

  it('has no unlabelled finding at medium or above (background browsing, busy CDN)', () => {
    const positives = sel.labels.filter((l) => l.detector !== null);
    const unexplained = findings.filter((f) => f.score >= MEDIUM && !positives.some((l) => about(f, l)));
    expect(unexplained.map((f) => `${f.detector} ${f.srcIp} ${f.destHost ?? f.destIp} ${f.score} ${f.evidence}`)).toEqual([]);
  });

  it('groups the rotating-address beacon under its DNS name (no SNI), counting each connection once', () => {
    const rotating = (f: Finding) => f.destIp?.startsWith('198.51.100.14') || f.destHost === 'static.fastcdn-img.com';
    const fs = findings.filter((f) => f.srcIp === '10.1.0.16' && f.detector === 'beacon' && rotating(f));
    expect(fs).toHaveLength(1);
    expect(fs[0].destHost).toBe('static.fastcdn-img.com');
    expect((fs[0].details.addresses as string[]).length).toBe(6);
    expect(fs[0].connCount).toBe(sel.conn.filter((c) => c.origH === '10.1.0.16' && c.respH.startsWith('198.51.100.14')).length);
  });

  it('estimates beacon intervals from the packets close to the truth', () => {
    const beacon = (src: string, dst: string) => findings.find((f) => f.detector === 'beacon' && f.srcIp === src && f.destIp === dst)!;
    const cases: [string, string, number][] = [
      ['10.1.0.11', '203.0.113.10', 60],
      ['10.1.0.12', '198.51.100.20', 300],
      ['10.1.0.13', '203.0.113.30', 3600],
      ['10.1.0.14', '198.51.100.40', 0.8],
      ['10.1.0.17', '198.51.100.60', 45],
    ];
    for (const [src, dst, interval] of cases) {
      expect(beacon(src, dst), src).toBeDefined();
      expect(Math.abs((beacon(src, dst).details.interval as number) / interval - 1), src).toBeLessThan(0.05);
    }
    // Names from the packets: the TLS SNI, the HTTP Host header.
    expect(beacon('10.1.0.11', '203.0.113.10').destHost).toBe('api.telemetry-sync.net');
    expect(beacon('10.1.0.12', '198.51.100.20').destHost).toBe('news-feed-cache.info');
  });

  it('tells the protocol on the wrong port from the payloads: SSH on 443, not-DNS on 53', () => {
    const p = (src: string) => findings.find((f) => f.detector === 'suspicious_port' && f.srcIp === src)!;
    expect(p('10.1.0.22').evidence).toContain('ssh on 443/tcp');
    expect(p('10.1.0.22').score).toBeGreaterThanOrEqual(70);
    expect(p('10.1.0.23').destPort).toBe(53);
    expect(p('10.1.0.17').destPort).toBe(4444);
  });

  it('scores every labelled trace as the same records fed straight to the engine do (within 3 points)', () => {
    const cfg = { ...loadSignatures(), resolvers: [RESOLVER] };
    const engine = new DetectionEngine(cfg, new AnomalyCounter());
    for (const r of sel.conn) engine.conn(r);
    for (const r of sel.dns) engine.dns(r);
    for (const r of sel.http) engine.http(r);
    for (const r of sel.ssl) engine.ssl(r);
    const fromRecords = engine.finish();
    const top = (fs: Finding[], l: Label) => Math.max(-1, ...fs.filter((f) => f.detector === l.detector && about(f, l)).map((f) => f.score));
    const apart = sel.labels
      .filter((l) => l.detector !== null)
      .map((l) => ({ l, capture: top(findings, l), records: top(fromRecords, l) }))
      .filter((x) => x.records < 0 || Math.abs(x.capture - x.records) > 3);
    expect(apart.map((x) => `${x.l.detector} ${x.l.src} ${x.l.note}: capture ${x.capture}, records ${x.records}`)).toEqual([]);
  });

  it('names the exfiltration channels from the payloads: HTTP POST body, FTP data, clear-text raw TCP', () => {
    const x = (src: string) => findings.find((f) => f.detector === 'cleartext_exfil' && f.srcIp === src)!;
    expect(x('10.1.0.18').appProtocol).toBe('http');
    expect(x('10.1.0.18').details.httpBytes as number).toBeGreaterThanOrEqual(5_242_880);
    expect(x('10.1.0.19').appProtocol).toBe('ftp');
    expect(x('10.1.0.19').details.ftpBytes as number).toBe(6_000_000);
    expect(x('10.1.0.20').details.unknownClearBytes as number).toBe(1_500_000);
    // The big TLS upload is encrypted and not counted as clear text at all.
    expect(findings.some((f) => f.detector === 'cleartext_exfil' && f.srcIp === '10.1.0.31')).toBe(false);
  });
});
