/**
 * Beacon grouping by destination name: the HTTP Host header (as the TLS SNI and the DNS
 * answer, tested in the scenario) makes a beacon spread over rotating addresses one
 * finding, and a connection counted under its name is not counted again under its address,
 * even when the same address also carries unnamed connections.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

function run(b: ScenarioBuilder): Finding[] {
  const engine = new DetectionEngine(loadSignatures(), new AnomalyCounter());
  for (const r of b.conn) engine.conn(r);
  for (const r of b.http) engine.http(r);
  for (const r of b.ssl) engine.ssl(r);
  return engine.finish().filter((f) => f.detector === 'beacon' && f.srcIp === '10.0.0.5');
}

const ADDRS = ['198.51.100.31', '198.51.100.32', '198.51.100.33'];

describe('beacon grouping by name', () => {
  it('an HTTP beacon over three rotating addresses is one finding under its Host, each connection counted once', () => {
    const b = new ScenarioBuilder(31);
    let n = 0;
    for (let t = 0; t < 8 * 3600; t += b.jit(120, 0.2)) {
      const c = b.addConn({ ts: START + t, origH: '10.0.0.5', respH: ADDRS[n++ % 3], respP: 80, service: 'http', origBytes: 310, respBytes: 220 });
      b.addHttp(c, { host: 'cdn-check.example.net', uri: `/g?${n}` });
    }
    const fs = run(b);
    expect(fs).toHaveLength(1);
    expect(fs[0].destHost).toBe('cdn-check.example.net');
    expect(fs[0].details.groupedBy).toBe('name');
    expect(fs[0].details.addresses).toEqual(ADDRS);
    expect(fs[0].connCount).toBe(n);
    expect(fs[0].details.beats).toBe(n);
    expect(fs[0].mitreTechniqueIds).toEqual(['T1071.001']);
    expect(fs[0].score).toBeGreaterThanOrEqual(70);
  });

  it('named and unnamed beacons to one address stay two findings that share no connection', () => {
    const b = new ScenarioBuilder(32);
    let named = 0;
    let unnamed = 0;
    for (let t = 0; t < 8 * 3600; t += b.jit(60, 0.1)) {
      b.addSsl(b.addConn({ ts: START + t, origH: '10.0.0.5', respH: ADDRS[0], respP: 443, service: 'ssl', origBytes: 250, respBytes: 400 }), 'api.example-sync.net');
      named++;
    }
    for (let t = 7; t < 8 * 3600; t += b.jit(600, 0.1)) {
      b.addConn({ ts: START + t, origH: '10.0.0.5', respH: ADDRS[0], respP: 8080, service: null, origBytes: 90, respBytes: 90 });
      unnamed++;
    }
    const fs = run(b);
    const byName = fs.find((f) => f.destHost === 'api.example-sync.net')!;
    const byAddr = fs.find((f) => f.destHost === null)!;
    expect(byName.connCount).toBe(named);
    expect(byAddr.connCount).toBe(unnamed);
    expect(byAddr.destIp).toBe(ADDRS[0]);
    expect(Math.abs((byAddr.details.interval as number) / 600 - 1)).toBeLessThan(0.05);
  });
});
