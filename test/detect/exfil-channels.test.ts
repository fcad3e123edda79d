/**
 * cleartext_exfil over each channel the issue names: SMTP, passive FTP (data connection
 * from the client, tied to the control connection by the host pair), raw TCP judged by a
 * byte-entropy sample of the payload, and totals per destination over the whole input;
 * encrypted uploads and downloads are not clear-text exfiltration.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

const SIGNATURES = loadSignatures();

function exfil(b: ScenarioBuilder): Finding[] {
  const engine = new DetectionEngine(SIGNATURES, new AnomalyCounter());
  for (const r of b.conn) engine.conn(r);
  for (const r of b.http) engine.http(r);
  return engine.finish().filter((f) => f.detector === 'cleartext_exfil');
}

describe('cleartext_exfil channels', () => {
  it('SMTP: 8 MB of mail to an outside server is an upload, weighted below HTTP (T1048.003, app smtp)', () => {
    const smtp = new ScenarioBuilder(1);
    smtp.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.25', respP: 25, service: 'smtp', origBytes: 8e6, respBytes: 3000, duration: 30 });
    const http = new ScenarioBuilder(1);
    http.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.25', respP: 80, service: 'http', origBytes: 8e6, respBytes: 3000, duration: 30 });
    const [s] = exfil(smtp);
    const [h] = exfil(http);
    expect(s.appProtocol).toBe('smtp');
    expect(s.mitreTechniqueIds).toContain('T1048.003');
    expect(s.details.smtpBytes).toBe(8e6);
    expect(s.evidence).toContain('SMTP');
    expect(s.score).toBeGreaterThan(0);
    expect(s.score).toBeLessThan(h.score);
  });

  it('passive FTP: the client opens the data connection; control and data tie to one finding', () => {
    const b = new ScenarioBuilder(2);
    b.addConn({ ts: START, origH: '10.0.0.7', respH: '198.51.100.9', respP: 21, service: 'ftp', origBytes: 600, respBytes: 1200, duration: 60 });
    for (let i = 0; i < 3; i++) {
      b.addConn({ ts: START + 5 + i * 10, origH: '10.0.0.7', respH: '198.51.100.9', respP: 50000 + i, service: 'ftp-data', origBytes: 2e6, respBytes: 100, duration: 8 });
    }
    const fs = exfil(b);
    expect(fs).toHaveLength(1);
    expect(fs[0].srcIp).toBe('10.0.0.7');
    expect(fs[0].appProtocol).toBe('ftp');
    expect(fs[0].details.ftpBytes).toBe(6e6);
    expect(fs[0].details.ftpControlSeen).toBe(true);
    expect(fs[0].mitreTechniqueIds).toContain('T1048.003');
  });

  it('raw TCP: a low-entropy payload is clear text, a high-entropy one on 443 is not counted', () => {
    const clear = new ScenarioBuilder(3);
    clear.addConn({ ts: START, origH: '10.0.0.8', respH: '203.0.113.90', respP: 7000, history: 'ShADadFf', origBytes: 3e6, respBytes: 2000, origPayloadEntropy: 4.1, duration: 40 });
    const opaque = new ScenarioBuilder(3);
    opaque.addConn({ ts: START, origH: '10.0.0.8', respH: '203.0.113.90', respP: 443, history: 'ShADadFf', origBytes: 3e6, respBytes: 2000, origPayloadEntropy: 7.95, duration: 40 });
    const [c] = exfil(clear);
    expect(c.details.unknownClearBytes).toBe(3e6);
    expect(c.score).toBeGreaterThanOrEqual(20);
    expect(exfil(opaque)).toEqual([]);
  });

  it('totals per destination over the whole input: many small HTTP POSTs add up, each alone is below the floor', () => {
    const b = new ScenarioBuilder(4);
    for (let i = 0; i < 40; i++) {
      const c = b.addConn({ ts: START + i * 900, origH: '10.0.0.9', respH: '198.51.100.44', respP: 80, service: 'http', origBytes: 60_500, respBytes: 400, duration: 1 });
      b.addHttp(c, { method: 'POST', host: 'drop.example.net', uri: '/u', requestBodyLen: 60_000 });
    }
    const fs = exfil(b);
    expect(fs).toHaveLength(1);
    expect(fs[0].details.httpBytes).toBe(40 * 60_000);
    expect(fs[0].connCount).toBe(40);
    const one = new ScenarioBuilder(4);
    one.addHttp(one.addConn({ ...b.conn[0] }), { method: 'POST', host: 'drop.example.net', uri: '/u', requestBodyLen: 60_000 });
    expect(exfil(one)).toEqual([]);
  });

  it('the producer/consumer ratio scales the score: the same upload beside a bigger download scores lower', () => {
    const up = new ScenarioBuilder(5);
    up.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 80, service: 'http', origBytes: 4e6, respBytes: 1e4 });
    const both = new ScenarioBuilder(5);
    both.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 80, service: 'http', origBytes: 4e6, respBytes: 40e6 });
    const [u] = exfil(up);
    const b = exfil(both);
    expect(u.details.pcr as number).toBeGreaterThan(0.9);
    expect(b).toHaveLength(1);
    expect(b[0].details.pcr as number).toBeLessThan(0);
    expect(b[0].score).toBeLessThan(u.score);
  });
});
