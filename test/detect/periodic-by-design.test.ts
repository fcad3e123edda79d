/**
 * Traffic periodic by design lowers a beacon's score instead of hiding it, from the
 * shipped signatures/periodic.txt (NTP by port, update, telemetry and push services by
 * name) and from the configured resolvers (DNS to them); the reason is in the evidence.
 * Each case is the same 5-minute callback series; only the destination differs.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import type { Transport } from '../../src/core/records.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

const SIGNATURES = loadSignatures();

interface Dest {
  dst: string;
  port: number;
  proto: Transport;
  service: string;
  sni: string | null;
}

function beacon(d: Dest, cfg: DetectConfig): Finding {
  const b = new ScenarioBuilder(11);
  for (let t = 0; t < 12 * 3600; t += b.jit(300, 0.05)) {
    const c = b.addConn({ ts: START + t, origH: '10.0.0.5', respH: d.dst, respP: d.port, proto: d.proto, service: d.service, origBytes: 76, respBytes: 76, duration: 0.05, history: d.proto === 'udp' ? 'Dd' : 'ShADadFf' });
    if (d.sni) b.addSsl(c, d.sni);
  }
  const engine = new DetectionEngine({ ...SIGNATURES, ...cfg }, new AnomalyCounter());
  for (const r of b.conn) engine.conn(r);
  for (const r of b.ssl) engine.ssl(r);
  return engine.finish().find((f) => f.detector === 'beacon')!;
}

describe('periodic by design: lowered, not hidden, with the reason', () => {
  const control = beacon({ dst: '198.51.100.9', port: 443, proto: 'tcp', service: 'ssl', sni: 'c2.example.net' }, {});

  it('the control series is a high beacon with no reason', () => {
    expect(control.score).toBeGreaterThanOrEqual(70);
    expect(control.details.periodicByDesign).toBe('');
  });

  it.each([
    ['NTP (port 123/udp)', { dst: '198.51.100.10', port: 123, proto: 'udp', service: 'ntp', sni: null }, {}, 'NTP time synchronisation'],
    ['DNS to a configured resolver', { dst: '198.51.100.53', port: 53, proto: 'udp', service: 'dns', sni: null }, { resolvers: ['198.51.100.53'] }, 'DNS to a configured resolver'],
    ['Windows telemetry (*.data.microsoft.com)', { dst: '198.51.100.11', port: 443, proto: 'tcp', service: 'ssl', sni: 'settings-win.data.microsoft.com' }, {}, 'Windows telemetry and settings'],
    ['Firefox update check (exact name)', { dst: '198.51.100.12', port: 443, proto: 'tcp', service: 'ssl', sni: 'aus5.mozilla.org' }, {}, 'Firefox update check'],
    ['an internal monitoring agent named by the user', { dst: '198.51.100.13', port: 443, proto: 'tcp', service: 'ssl', sni: 'agent.mon.example' }, { periodic: [...SIGNATURES.periodic, { match: '*.mon.example', reason: 'our monitoring' }] }, 'our monitoring'],
  ] as const)('%s', (_name, d, cfg, reason) => {
    const f = beacon(d as Dest, cfg as DetectConfig);
    expect(f).toBeDefined();
    expect(f.details.periodicByDesign).toBe(reason);
    expect(f.evidence).toContain(`periodic by design: ${reason}`);
    expect(f.score).toBeGreaterThan(0);
    expect(f.score).toBeLessThan(45);
    expect(f.score).toBeLessThan(control.score * 0.5);
  });

  it('DNS to a server that is not a configured resolver is not lowered', () => {
    const f = beacon({ dst: '198.51.100.53', port: 53, proto: 'udp', service: 'dns', sni: null }, {});
    expect(f.details.periodicByDesign).toBe('');
    expect(f.score).toBeGreaterThanOrEqual(45);
  });
});
