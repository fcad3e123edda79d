/**
 * A beacon inside one connection keeps the SNI its TLS row gave when the connection arrived,
 * even after the uid join's window (caps.maxUidJoinWindow) has forgotten the uid by finish().
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

/** 30 check-ins every 60 s inside one TLS connection, its ssl row first, then `others` other connections. */
function run(window: number, others: number, sslFirst = true): Finding | undefined {
  const b = new ScenarioBuilder(9);
  const bursts = Array.from({ length: 30 }, (_, i) => START + i * 60 + (i % 3));
  const c = b.addConn({
    ts: bursts[0],
    origH: '10.0.0.4',
    respH: '198.51.100.7',
    respP: 8443,
    service: 'ssl',
    duration: bursts[bursts.length - 1] - bursts[0] + 1,
    origBytes: 9000,
    respBytes: 6000,
    origBursts: bursts,
    origBurstCount: bursts.length,
  });
  const s = b.addSsl(c, 'updates.beacon-test.example');
  const e = new DetectionEngine({ ...loadSignatures(), thresholds: { minScore: 0 }, caps: { maxUidJoinWindow: window } }, new AnomalyCounter());
  if (sslFirst) e.ssl(s);
  e.conn(c);
  if (!sslFirst) e.ssl(s);
  for (let i = 0; i < others; i++) {
    e.conn(b.addConn({ ts: START + 5000 + i, origH: '10.0.0.9', respH: `203.0.113.${1 + i}`, respP: 443, service: 'ssl', duration: 1, origBytes: 500, respBytes: 900 }));
  }
  return e.finish().find((f) => f.detector === 'beacon' && f.details.mode === 'session');
}

describe('session beacon name ref', () => {
  it('names the destination by SNI while the join window holds the uid', () => {
    expect(run(100, 5)?.destHost).toBe('updates.beacon-test.example');
  });

  it('still names it after the window forgot the uid (ref recorded on arrival)', () => {
    const f = run(2, 5);
    expect(f).toBeDefined();
    expect(f!.destHost).toBe('updates.beacon-test.example');
    expect(f!.details.groupedBy).toBe('name');
  });

  it('takes a TLS row read after the connection while the window holds the uid', () => {
    expect(run(100, 5, false)?.destHost).toBe('updates.beacon-test.example');
  });
});
