/**
 * The labelled synthetic day written as real Zeek log files (conn.log TSV, dns/http/ssl
 * JSON, by the project's Zeek log writer) and read back by the Zeek reader: the same
 * recall and the same absence of false positives as on the in-memory records, so the
 * detectors are checked on the path a user takes (`konseki analyze <zeek dir>`).
 *
 * One label is capture-only: the raw-TCP upload of 10.1.0.20 carries a payload-entropy
 * sample, which no Zeek log holds. Through conn.log it is unknown TCP data without entropy
 * (weight 0.6, not called clear text for sure), so it is still reported, at low.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { ZeekLogWriter } from '../../src/export/zeek-log-writer.js';
import type { ZeekLogFormat } from '../../src/export/zeek-log-writer.js';
import { CONN_LOG, DNS_LOG, HTTP_LOG, SSL_LOG } from '../../src/export/zeek-fields.js';
import type { LogSpec } from '../../src/export/zeek-fields.js';
import { readZeekLogs } from '../../src/ingest/zeek/index.js';
import { findingMatchesLabel, generateScenario, RESOLVER } from '../scenario/generate.js';
import type { Label, Scenario } from '../scenario/generate.js';

const MEDIUM = 45;
/** The labelled raw-TCP clear-text upload, judged by payload entropy in captures. */
const RAW_TCP_SRC = '10.1.0.20';
const RAW_TCP_DST = '203.0.113.90';
const tmp = mkdtempSync(path.join(tmpdir(), 'konseki-scenario-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function writeLog<R>(spec: LogSpec<R>, format: ZeekLogFormat, rows: R[], file: string): Promise<void> {
  const w = new ZeekLogWriter(spec, format, null, { openTime: new Date(0) });
  for (const r of rows) w.write(r);
  await w.close(new Date(0));
  writeFileSync(path.join(tmp, file), w.lines.join('\n') + '\n');
}

const about = findingMatchesLabel;

describe('labelled synthetic day through Zeek log files', () => {
  let sc: Scenario;
  let cfg: DetectConfig;
  let fromLogs: Finding[];
  let anomalies: AnomalyCounter;

  beforeAll(async () => {
    sc = generateScenario(42);
    cfg = { ...loadSignatures(), resolvers: [RESOLVER] };
    await writeLog(CONN_LOG, 'tsv', sc.conn, 'conn.log');
    await writeLog(DNS_LOG, 'json', sc.dns, 'dns.log');
    await writeLog(HTTP_LOG, 'json', sc.http, 'http.log');
    await writeLog(SSL_LOG, 'json', sc.ssl, 'ssl.log');
    anomalies = new AnomalyCounter();
    const engine = new DetectionEngine(cfg, anomalies);
    await readZeekLogs([tmp], engine, { anomalies, sourceIndexOf: () => 0 });
    fromLogs = engine.finish();
  }, 60_000);

  it('reads every row without an anomaly', () => {
    expect(anomalies.total()).toBe(0);
  });

  it('finds every labelled trace with the right detector at medium or above, and nothing unlabelled', () => {
    const positives = sc.labels.filter((l) => l.detector !== null);
    const captureOnly = (l: Label) => l.src === RAW_TCP_SRC && l.dst === RAW_TCP_DST;
    const missed = positives.filter((l) => !captureOnly(l) && !fromLogs.some((f) => f.detector === l.detector && about(f, l) && f.score >= MEDIUM));
    expect(missed.map((l) => `${l.detector} ${l.src} ${l.note}`)).toEqual([]);
    const unexplained = fromLogs.filter((f) => f.score >= MEDIUM && !positives.some((l) => about(f, l)));
    expect(unexplained.map((f) => `${f.detector} ${f.srcIp} ${f.destHost ?? f.destIp} ${f.score}`)).toEqual([]);
  });

  it('gives the findings of the in-memory records (ids, detectors, scores)', () => {
    const engine = new DetectionEngine(cfg, new AnomalyCounter());
    for (const r of sc.conn) engine.conn(r);
    for (const r of sc.dns) engine.dns(r);
    for (const r of sc.http) engine.http(r);
    for (const r of sc.ssl) engine.ssl(r);
    const direct = engine.finish();
    const key = (f: Finding) => `${f.findingId} ${f.detector} ${f.score}`;
    const notRaw = (f: Finding) => !(f.srcIp === RAW_TCP_SRC && f.destIp === RAW_TCP_DST);
    expect(fromLogs.filter(notRaw).map(key).sort()).toEqual(direct.filter(notRaw).map(key).sort());
    expect(fromLogs.length).toBeGreaterThan(50);
  });

  it('reports the raw-TCP upload without its capture-only entropy at low, and with it at medium', () => {
    const logs = fromLogs.filter((f) => f.srcIp === RAW_TCP_SRC && f.destIp === RAW_TCP_DST);
    expect(logs.map((f) => f.detector)).toEqual(['cleartext_exfil']);
    expect(logs[0].details.unknownNoEntropyBytes).toBe(1_500_000);
    expect(logs[0].score).toBeGreaterThanOrEqual(20);
    expect(logs[0].score).toBeLessThan(MEDIUM);
    const engine = new DetectionEngine(cfg, new AnomalyCounter());
    for (const r of sc.conn) engine.conn(r);
    const withEntropy = engine.finish().find((f) => f.srcIp === RAW_TCP_SRC && f.detector === 'cleartext_exfil')!;
    expect(withEntropy.details.unknownClearBytes).toBe(1_500_000);
    expect(withEntropy.score).toBeGreaterThanOrEqual(MEDIUM);
  });
});
