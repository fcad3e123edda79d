/**
 * From files to findings, through the real loader: the user's indicator files (a plain
 * list with `#` comments and a CSV feed read with csv-parse) and the built-in ones in
 * signatures/ioc/ become ioc_match findings on IPs, domains with subdomains, URLs, JA3 and
 * JA4; an allow-list file (CIDRs, exact names, `*.domain`, `#` comments) suppresses
 * findings at analysis time and counts them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'konseki-ioc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const JA4 = 't13d1516h2_8daaf6152771_b186095e22b6';
const TOR_JA3 = 'e7d705a3286e19ea42f587b344ee6865';

function run(b: ScenarioBuilder, cfg: DetectConfig): { findings: Finding[]; engine: DetectionEngine } {
  const engine = new DetectionEngine(cfg, new AnomalyCounter());
  for (const r of b.conn) engine.conn(r);
  for (const r of b.dns) engine.dns(r);
  for (const r of b.http) engine.http(r);
  for (const r of b.ssl) engine.ssl(r);
  return { findings: engine.finish(), engine };
}

describe('indicator files to ioc_match findings', () => {
  const list = path.join(tmp, 'mine.txt');
  writeFileSync(list, '# our incident list\n\n198.51.100.66   # the stager\nbad-cdn.example\n');
  const feed = path.join(tmp, 'feed.csv');
  writeFileSync(feed, `indicator,type,description\n${JA4},ja4,"Sliver implant, lab build"\nhttp://gate.example.org/p.php,url,panel\n`);

  it('matches the user\'s list and feed and the built-in JA3 feed, each naming its source file', () => {
    const an = new AnomalyCounter();
    const sigs = loadSignatures({ ioc: [list, feed] }, an);
    expect(an.total()).toBe(0);
    const b = new ScenarioBuilder(1);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.66', respP: 8443, origBytes: 900, respBytes: 900 });
    b.addDns(START + 1, '10.0.0.6', 'img.eu.bad-cdn.example', ['192.0.2.10']);
    b.addSsl(b.addConn({ ts: START + 2, origH: '10.0.0.7', respH: '203.0.113.5', respP: 443, service: 'ssl' }), 'ok.example.net', { ja4: JA4 });
    b.addSsl(b.addConn({ ts: START + 3, origH: '10.0.0.8', respH: '203.0.113.6', respP: 9001, service: 'ssl' }), null, { ja3: TOR_JA3 });
    b.addHttp(b.addConn({ ts: START + 4, origH: '10.0.0.9', respH: '203.0.113.7', respP: 80, service: 'http' }), { method: 'POST', host: 'gate.example.org', uri: '/p.php?id=7' });
    const iocs = run(b, { ...sigs }).findings.filter((f) => f.detector === 'ioc_match');
    const got = iocs.map((f) => `${f.srcIp} ${f.details.indicatorType} ${path.basename(String(f.details.indicatorSource))}`).sort();
    expect(got).toEqual([
      '10.0.0.5 ip mine.txt',
      '10.0.0.6 domain mine.txt',
      '10.0.0.7 ja4 feed.csv',
      '10.0.0.8 ja3 ja3-known-tools.csv',
      '10.0.0.9 url feed.csv',
    ]);
    expect(iocs.find((f) => f.details.indicatorType === 'ja4')!.evidence).toContain('Sliver implant, lab build');
    expect(iocs.find((f) => f.details.indicatorType === 'ja3')!.evidence).toContain('Standard Tor client');
    expect(iocs.find((f) => f.details.indicatorType === 'ja4')!.mitreTechniqueIds).toContain('T1573');
  });
});

describe('allow-list file', () => {
  it('suppresses *.domain, CIDR and exact entries at analysis time, leaves the rest, and counts what it hid', () => {
    const file = path.join(tmp, 'allow.txt');
    writeFileSync(file, '# ours\n*.corp-cdn.example\n198.51.100.128/25   # backup provider\nexact.example.net\n');
    const sigs = loadSignatures({ allowList: [file] });
    const b = new ScenarioBuilder(2);
    const beacon = (src: string, dst: string, sni: string) =>
      b.tlsBeacon({ src, dst, sni, interval: 60, jitter: 0.05, from: START, to: START + 4 * 3600 });
    beacon('10.0.0.11', '203.0.113.20', 'a.b.corp-cdn.example'); // under *.corp-cdn.example
    beacon('10.0.0.12', '203.0.113.21', 'corp-cdn.example'); // the suffix itself
    beacon('10.0.0.13', '198.51.100.200', 'backup.example.com'); // in the CIDR
    beacon('10.0.0.14', '203.0.113.22', 'exact.example.net'); // exact
    beacon('10.0.0.15', '203.0.113.23', 'sub.exact.example.net'); // not covered by an exact entry
    beacon('10.0.0.16', '203.0.113.24', 'corp-cdn.example.evil.net'); // look-alike
    const { findings, engine } = run(b, { ...sigs });
    const beacons = findings.filter((f) => f.detector === 'beacon').map((f) => f.srcIp).sort();
    expect(beacons).toEqual(['10.0.0.15', '10.0.0.16']);
    expect(engine.stats().suppressed).toBeGreaterThanOrEqual(4);
    // Without the file every one of them is a beacon.
    const all = run(b, loadSignatures()).findings.filter((f) => f.detector === 'beacon');
    expect(all).toHaveLength(6);
  });
});
