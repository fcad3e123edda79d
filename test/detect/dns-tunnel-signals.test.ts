/**
 * dns_tunnel per source and per registered domain, from each of its signals: many unique
 * subdomains, long high-entropy labels, data record types (TXT, NULL). A site with many
 * short readable host names is not a tunnel.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

function tunnels(b: ScenarioBuilder): Finding[] {
  const engine = new DetectionEngine({ ...loadSignatures(), thresholds: { minScore: 0 } }, new AnomalyCounter());
  for (const r of b.dns) engine.dns(r);
  return engine.finish().filter((f) => f.detector === 'dns_tunnel');
}

const WORDS = ['img', 'static', 'api', 'www', 'mail', 'news', 'shop', 'blog', 'cdn', 'docs'];

describe('dns_tunnel signals', () => {
  it('each signal raises the score: readable names < encoded A names < encoded TXT names', () => {
    const readable = new ScenarioBuilder(41);
    const encodedA = new ScenarioBuilder(41);
    const encodedTxt = new ScenarioBuilder(41);
    for (let i = 0; i < 400; i++) {
      readable.addDns(START + i, '10.0.0.5', `${WORDS[i % 10]}${Math.floor(i / 10)}.bigsite.example.com`, ['192.0.2.1']);
      encodedA.addDns(START + i, '10.0.0.5', `${encodedA.base32(48)}.t.exfil.example.net`, ['192.0.2.2']);
      encodedTxt.addDns(START + i, '10.0.0.5', `${encodedTxt.base32(48)}.t.exfil.example.net`, [], 16, 'TXT');
    }
    const [r] = tunnels(readable);
    const [a] = tunnels(encodedA);
    const [t] = tunnels(encodedTxt);
    expect(r.destHost).toBe('example.com');
    expect(a.destHost).toBe('example.net');
    expect(r.details.uniqueNames).toBe(400);
    expect(a.details.labelScore as number).toBeGreaterThan(r.details.labelScore as number);
    expect(t.details.recordTypeScore as number).toBeGreaterThan(a.details.recordTypeScore as number);
    expect(r.score).toBeLessThan(20);
    expect(a.score).toBeGreaterThan(r.score);
    expect(t.score).toBeGreaterThan(a.score);
    expect(t.score).toBeGreaterThanOrEqual(70);
    expect(t.evidence).toContain('100% TXT/NULL');
  });

  it('is per source: two hosts using one tunnel domain are two findings with their own counts', () => {
    const b = new ScenarioBuilder(42);
    for (let i = 0; i < 300; i++) b.addDns(START + i, '10.0.0.5', `${b.base32(40)}.tun.example.org`, [], 16, 'TXT');
    for (let i = 0; i < 120; i++) b.addDns(START + i, '10.0.0.6', `${b.base32(40)}.tun.example.org`, [], 16, 'TXT');
    const fs = tunnels(b);
    expect(fs.map((f) => `${f.srcIp} ${f.destHost} ${f.connCount}`).sort()).toEqual(['10.0.0.5 example.org 300', '10.0.0.6 example.org 120']);
    expect(new Set(fs.map((f) => f.findingId)).size).toBe(2);
  });
});
