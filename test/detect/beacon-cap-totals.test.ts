/**
 * The per-pair cap on stored callbacks (caps.maxBeatsPerPair, like RITA's cap on stored
 * timestamps) bounds memory, but the finding still tells the truth about the whole input:
 * connections past the cap are counted in conn_count and droppedByCap, the last time covers
 * them, and the evidence says how many were not analysed. Whether the beacon is grouped by
 * its TLS name or by its address.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

function run(withSsl: boolean, cap: number): { f: Finding; b: ScenarioBuilder; anomalies: AnomalyCounter } {
  const b = new ScenarioBuilder(21);
  b.tlsBeacon({ src: '10.0.0.5', dst: '203.0.113.9', sni: withSsl ? 'fast.example.net' : null, withSsl, interval: 5, jitter: 0.1, from: START, to: START + 6 * 3600 });
  const anomalies = new AnomalyCounter();
  const engine = new DetectionEngine({ ...loadSignatures(), caps: { maxBeatsPerPair: cap } }, anomalies);
  for (const r of b.conn) engine.conn(r);
  for (const r of b.ssl) engine.ssl(r);
  return { f: engine.finish().find((x) => x.detector === 'beacon')!, b, anomalies };
}

describe('beacon findings past the per-pair cap', () => {
  it.each([
    ['grouped by TLS name', true],
    ['grouped by address', false],
  ])('%s: all connections counted, the last time kept, the cap named', (_name, withSsl) => {
    const { f, b, anomalies } = run(withSsl, 3000);
    const total = b.conn.length;
    expect(total).toBeGreaterThan(4000);
    expect(anomalies.get('detect_beats_per_pair_cap')).toBe(1);
    expect(f.destHost).toBe(withSsl ? 'fast.example.net' : null);
    expect(f.details.beats).toBe(3000);
    expect(f.details.droppedByCap).toBe(total - 3000);
    expect(f.connCount).toBe(total);
    const last = b.conn[total - 1];
    expect(f.endTime).toBeCloseTo(last.ts + (last.duration ?? 0), 6);
    expect(f.evidence).toContain(`${total - 3000} more past the per-pair cap`);
    // The 3000 analysed callbacks cover more than the 4 h a beacon needs for a full span
    // score, so the score is the one without the cap.
    const uncapped = run(withSsl, 100_000).f;
    expect(uncapped.connCount).toBe(total);
    expect(uncapped.details.droppedByCap).toBe(0);
    expect(uncapped.evidence).not.toContain('cap');
    expect(Math.abs(f.score - uncapped.score)).toBeLessThan(5);
  });
});
