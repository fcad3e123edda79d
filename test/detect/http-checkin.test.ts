/**
 * `http_checkin`: the token, path and score functions table by table, the detector on
 * hand-built http.log rows (browser POSTs, one-off forms, common services, proxies), the
 * CryptoWall 4 capture end to end, and no finding on the benign HTTP of the corpus' Zeek logs
 * or of the labelled synthetic day.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import type { HttpRecord } from '../../src/core/records.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { checkinScore, isOpaqueQuery, isOpaqueToken, isScriptPath, OPAQUE_CAP, type CheckinTraits } from '../../src/detect/http-checkin.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { readZeekLogs } from '../../src/ingest/zeek/index.js';
import { classifyInputs, runAnalysis } from '../../src/pipeline.js';
import { generateScenario, prng, RESOLVER, ScenarioBuilder, START } from '../scenario/generate.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../shared/corpus');
const MEDIUM = 45;
const IE = 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; WOW64; Trident/7.0)';

function run(b: ScenarioBuilder, cfg: DetectConfig = {}): Finding[] {
  const e = new DetectionEngine({ ...loadSignatures(), ...cfg }, new AnomalyCounter());
  for (const r of b.conn) e.conn(r);
  for (const r of b.http) e.http(r);
  return e.finish().filter((f) => f.detector === 'http_checkin');
}

function post(b: ScenarioBuilder, ts: number, src: string, dst: string, p: Partial<HttpRecord>): HttpRecord {
  const c = b.addConn({ ts, origH: src, respH: dst, respP: 80, service: 'http' });
  return b.addHttp(c, { method: 'POST', userAgent: IE, requestBodyLen: 130, responseBodyLen: 14, requestContentType: 'application/x-www-form-urlencoded', ...p });
}

describe('check-in traits', () => {
  it.each([
    ['x4tk7t4jo6', true],
    ['9m822y31lxud7aj', true],
    ['aGVsbG8gd29ybGQ0Mg==', true],
    ['12345678', false],
    ['abcdefgh', false],
    ['en-US', false],
    ['aaaa1111', false],
    ['short1', false],
    ['has space 123', false],
  ])('isOpaqueToken(%s) = %s', (s, want) => {
    expect(isOpaqueToken(s)).toBe(want);
  });

  it.each([
    ['n=x4tk7t4jo6', true],
    ['x4tk7t4jo6aa', true],
    ['page=2&lang=en', false],
    ['', false],
    ['id=123456789', false],
  ])('isOpaqueQuery(%s) = %s', (q, want) => {
    expect(isOpaqueQuery(q)).toBe(want);
  });

  it.each([
    ['/76N1Lm.php', true],
    ['/gate.PHP', true],
    ['/panel/admin.aspx', true],
    ['/cgi-bin/login.cgi', true],
    ['/api/v2/items', false],
    ['/', false],
    ['/c.gif', false],
    ['/q8Zr2kLmN0pX7vTy4Wb', true],
    ['/assets/application-bundle', false],
  ])('isScriptPath(%s) = %s', (p, want) => {
    expect(isScriptPath(p)).toBe(want);
  });

  const none: CheckinTraits = { requests: 2, opaqueShare: 0, smallAnswerShare: 0, rareHost: false, nonBrowserShare: 0, addressHost: false };
  it.each([
    ['one request', { ...none, requests: 1 }, 0],
    ['the gate alone (two requests)', none, 0.3 + 0.1 * 0.2],
    ['CryptoWall 4 (3 POSTs, fresh tokens, 2 small answers, rare Host)', { ...none, requests: 3, opaqueShare: 1, smallAnswerShare: 2 / 3, rareHost: true }, 0.3 + 0.15 + 0.1 * (2 / 3) + 0.1 + 0.1 * 0.4],
    ['everything', { requests: 20, opaqueShare: 1, smallAnswerShare: 1, rareHost: true, nonBrowserShare: 1, addressHost: true }, 0.95],
    ['no opaque part, named Host: capped at low', { requests: 20, opaqueShare: 0, smallAnswerShare: 1, rareHost: true, nonBrowserShare: 1, addressHost: false }, OPAQUE_CAP],
    ['no opaque part, address Host: not capped', { requests: 6, opaqueShare: 0, smallAnswerShare: 1, rareHost: true, nonBrowserShare: 1, addressHost: true }, 0.8],
  ] as [string, CheckinTraits, number][])('checkinScore: %s', (_name, x, want) => {
    expect(checkinScore(x)).toBeCloseTo(want, 6);
  });
});

describe('http_checkin on hand-built http.log rows', () => {
  it('reports repeated Referer-less POSTs with fresh tokens to a script only this host talks to', () => {
    const b = new ScenarioBuilder(1);
    const r = prng(2);
    for (let i = 0; i < 4; i++) {
      post(b, START + i * 17, '10.0.0.5', '198.51.100.7', { host: 'c2.example.net', uri: `/gate.php?${'abcdefgh'[i]}=${Math.floor(r() * 1e12).toString(36)}k9z` });
    }
    const [f] = run(b);
    expect(f).toBeDefined();
    expect(f.srcIp).toBe('10.0.0.5');
    expect(f.destHost).toBe('c2.example.net');
    expect(f.destIp).toBe('198.51.100.7');
    expect(f.details.path).toBe('/gate.php');
    expect(f.details.requests).toBe(4);
    expect(f.mitreTechniqueIds).toEqual(['T1071.001']);
    expect(f.evidence).toContain('4 POSTs to c2.example.net/gate.php');
    expect(f.score).toBeGreaterThanOrEqual(MEDIUM);
  });

  it('ignores browser POSTs (Referer or Origin), a single POST, GETs and non-script paths', () => {
    const b = new ScenarioBuilder(3);
    for (let i = 0; i < 5; i++) {
      post(b, START + i, '10.0.0.5', '198.51.100.7', { host: 'shop.example.net', uri: `/cart.php?sid=${i}x8k2m9q1z`, referrer: 'http://shop.example.net/' });
      post(b, START + i, '10.0.0.6', '198.51.100.7', { host: 'shop.example.net', uri: `/cart.php?sid=${i}x8k2m9q1z`, origin: 'http://shop.example.net' });
      post(b, START + i, '10.0.0.7', '198.51.100.8', { host: 'api.example.net', uri: `/v1/events?t=${i}x8k2m9q1z` });
      post(b, START + i, '10.0.0.8', '198.51.100.9', { host: 'www.example.net', method: 'GET', uri: `/index.php?q=${i}x8k2m9q1z` });
    }
    post(b, START, '10.0.0.9', '198.51.100.10', { host: 'form.example.net', uri: '/contact.php?id=x8k2m9q1z' });
    expect(run(b)).toEqual([]);
  });

  it('lowers a script every internal host posts to (prevalence) and hides allow-listed names', () => {
    const b = new ScenarioBuilder(4);
    for (let h = 10; h < 40; h++) {
      for (let i = 0; i < 3; i++) post(b, START + h * 10 + i, `10.0.0.${h}`, '198.51.100.7', { host: 'telemetry.example.net', uri: `/collect.php?c=${h}x${i}k9z2m7` });
    }
    const fs = run(b, { thresholds: { minScore: 0 } });
    expect(fs).toHaveLength(30);
    expect(fs.every((f) => f.score < 20 && f.details.prevalenceFactor === 0.15 && f.details.addressHosts === 30)).toBe(true);
    expect(fs[0].evidence).toContain('(30 of 30 internal hosts talk to it)');
    expect(run(b, { thresholds: { minScore: 0 }, allowList: ['telemetry.example.net'] })).toEqual([]);
  });

  it('caps Referer-less POSTs without anything opaque at low', () => {
    const b = new ScenarioBuilder(5);
    for (let i = 0; i < 10; i++) post(b, START + i * 60, '10.0.0.5', '198.51.100.7', { host: 'updates.example.net', uri: '/check.php', userAgent: 'Updater/1.0' });
    const [f] = run(b);
    expect(f.score).toBeLessThan(MEDIUM);
    expect(f.score).toBeCloseTo(OPAQUE_CAP * 100, 1);
  });

  it('follows a proxied request to its Host, and gives the same finding whatever the order', () => {
    const b = new ScenarioBuilder(6);
    for (let i = 0; i < 3; i++) {
      const c = b.addConn({ ts: START + i * 20, origH: '10.0.0.5', respH: '10.0.0.16', respP: 3128, service: 'http' });
      b.addHttp(c, { method: 'POST', host: 'c2.example.net', uri: `http://c2.example.net/in.php?k=${i}q7x9z2m4`, userAgent: '', requestBodyLen: 80, responseBodyLen: 0 });
    }
    const fwd = run(b);
    expect(fwd).toHaveLength(1);
    expect(fwd[0].destHost).toBe('c2.example.net');
    expect(fwd[0].details.path).toBe('/in.php');
    b.conn.reverse();
    b.http.reverse();
    expect(run(b)).toEqual(fwd);
  });
});

describe('http_checkin false positives on benign traffic', () => {
  it('the labelled synthetic day (three seeds) raises no http_checkin, scan or brute_force at any score', () => {
    for (const seed of [42, 1, 2]) {
      const sc = generateScenario(seed);
      const e = new DetectionEngine({ ...loadSignatures(), resolvers: [RESOLVER], thresholds: { minScore: 0 } }, new AnomalyCounter());
      for (const r of sc.conn) e.conn(r);
      for (const r of sc.dns) e.dns(r);
      for (const r of sc.http) e.http(r);
      for (const r of sc.ssl) e.ssl(r);
      const fs = e.finish().filter((f) => f.detector === 'http_checkin' || f.detector === 'scan' || f.detector === 'brute_force' || f.details.mode === 'session');
      expect(fs.map((f) => `${seed} ${f.detector} ${f.srcIp} ${f.evidence}`)).toEqual([]);
    }
  });

  it.skipIf(!existsSync(CORPUS))('the corpus Zeek logs with HTTP (slips-test9-json, rita-*) raise no http_checkin (skipped without ../shared/corpus)', async () => {
    for (const dir of ['zeek-logs/slips-test9-json', 'zeek-logs/rita-json-all-fields', 'zeek-logs/rita-open-conns-tsv', 'zeek-logs/rita-proxy-beacon-tsv', 'zeek-logs/rita-proxy-rolling-gzip']) {
      const anomalies = new AnomalyCounter();
      const engine = new DetectionEngine({ ...loadSignatures(), thresholds: { minScore: 0 } }, anomalies);
      await readZeekLogs([path.join(CORPUS, dir)], engine, { anomalies, sourceIndexOf: () => 0 });
      expect(engine.stats().http, dir).toBeGreaterThan(0);
      expect(engine.finish().filter((f) => f.detector === 'http_checkin').map((f) => `${dir}: ${f.evidence}`)).toEqual([]);
    }
  });
});

describe.skipIf(!existsSync(CORPUS))('http_checkin on the CryptoWall 4 capture (skipped: ../shared/corpus is missing)', () => {
  it('ppa-cryptowall4-http-c2: three POSTs to homealldaylong.com/76N1Lm.php are check-ins (T1071.001), the only finding', async () => {
    const file = path.join(CORPUS, 'c2/ppa-cryptowall4-http-c2/cryptowall4_c2.pcapng');
    const anomalies = new AnomalyCounter();
    const inputs = await classifyInputs([file]);
    const res = await runAnalysis({ inputs, anomalies, detect: { ...loadSignatures({}, anomalies), sourceNames: [file] } });
    expect(res.findings).toHaveLength(1);
    const f = res.findings[0];
    expect(f.detector).toBe('http_checkin');
    expect(f.srcIp).toBe('192.168.122.145');
    expect(f.destIp).toBe('184.170.149.44');
    expect(f.destPort).toBe(80);
    expect(f.destHost).toBe('homealldaylong.com');
    expect(f.details.path).toBe('/76N1Lm.php');
    expect(f.details.requests).toBe(3);
    expect(f.details.opaqueQueries).toBe(3);
    expect(f.details.smallAnswers).toBe(2);
    expect(f.connCount).toBe(3);
    // The second answer is the ~129 KB download (SOURCES.md).
    expect(f.destBytes).toBeGreaterThan(120_000);
    expect(f.endTime - f.startTime).toBeCloseTo(41.4, 0);
    expect(f.mitreTechniqueIds).toEqual(['T1071.001']);
    expect(f.score).toBeGreaterThanOrEqual(MEDIUM);
  });
});
