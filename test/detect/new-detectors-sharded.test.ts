/**
 * scan, brute_force, http_checkin and beacons inside one connection under detection sharded
 * by source (src/detect/shard.ts): their state is per source (scans, guesses, check-in
 * groups) or per connection (session beacons), and the only cross-source figures they read
 * (internal hosts per destination address, the internal-host population) are the merged
 * ones, so N shards give exactly one engine's findings, whatever the split.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { ConnRecord, HttpRecord } from '../../src/core/records.js';
import { normalizeDetectConfig, type DetectConfig } from '../../src/detect/config.js';
import { DetectionEngine } from '../../src/detect/engine.js';
import {
  applyGlobals,
  detectionShardKey,
  finishShard,
  mergeAggregates,
  mergeShardFindings,
  shardAggregates,
  shardOfAddress,
  sumCounts,
} from '../../src/detect/shard.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

const CFG: DetectConfig = { thresholds: { minScore: 0 } };

function build(): ScenarioBuilder {
  const b = new ScenarioBuilder(21);
  // A horizontal scan, a vertical scan, an ICMP sweep and a P2P fan-out from different hosts.
  for (let i = 0; i < 40; i++) b.addConn({ ts: START + i, origH: '10.0.0.2', respH: `198.51.100.${i + 1}`, respP: 23, connState: 'S0', origBytes: 0, respBytes: 0, respPkts: 0 });
  for (let p = 0; p < 20; p++) b.addConn({ ts: START + p, origH: '10.0.0.3', respH: '10.0.0.200', respP: 1000 + p, connState: 'REJ', origBytes: 0, respBytes: 0, respPkts: 1 });
  for (let i = 0; i < 15; i++) b.addConn({ ts: START + i, origH: '10.0.0.4', respH: `10.0.9.${i + 1}`, respP: 0, origP: 8, proto: 'icmp', connState: 'OTH', origBytes: 0, respBytes: 0 });
  for (let i = 0; i < 30; i++) b.addConn({ ts: START + i, origH: '10.0.0.5', respH: `203.0.113.${i + 1}`, respP: 20_000 + i * 7, proto: 'udp', connState: 'S0', origBytes: 40, respBytes: 0, respPkts: 0 });
  // Password guessing.
  for (let i = 0; i < 35; i++) b.addConn({ ts: START + i * 2, origH: '10.0.0.6', respH: '10.0.0.22', respP: 22, service: 'ssh', origBytes: 1700, respBytes: 1800, duration: 2 });
  // Check-ins: one host alone, and a script that 20 hosts post to (prevalence across shards).
  const post = (ts: number, src: string, dst: string, host: string, uri: string): HttpRecord => {
    const c = b.addConn({ ts, origH: src, respH: dst, respP: 80, service: 'http' });
    return b.addHttp(c, { method: 'POST', host, uri, userAgent: '', requestBodyLen: 100, responseBodyLen: 10 });
  };
  for (let i = 0; i < 3; i++) post(START + i * 20, '10.0.0.7', '198.51.100.70', 'c2.example.net', `/g.php?a=${i}k8x2z9q4m`);
  for (let h = 30; h < 50; h++) for (let i = 0; i < 2; i++) post(START + h + i * 30, `10.0.0.${h}`, '198.51.100.80', 'agent.example.net', `/r.php?t=${h}x${i}q7z2k9`);
  // Sessions with check-ins, to a destination one host uses and one many hosts use.
  const session = (src: string, dst: string): ConnRecord => {
    const bursts = Array.from({ length: 20 }, (_, i) => START + i * 15);
    return b.addConn({ ts: START, origH: src, respH: dst, respP: 443, proto: 'udp', service: 'quic,ssl', duration: 300, origBursts: bursts, origBurstCount: 20 });
  };
  session('10.0.0.8', '198.51.100.90');
  for (let h = 30; h < 45; h++) session(`10.0.0.${h}`, '198.51.100.91');
  return b;
}

function single(b: ScenarioBuilder): string {
  const e = new DetectionEngine(CFG, new AnomalyCounter());
  for (const r of b.conn) e.conn({ ...r });
  for (const r of b.http) e.http({ ...r });
  return JSON.stringify(e.finish());
}

function sharded(b: ScenarioBuilder, n: number): string {
  const resolved = normalizeDetectConfig(CFG);
  const isInternal = (ip: string): boolean => resolved.internal.has(ip);
  const engines = Array.from({ length: n }, () => new DetectionEngine(CFG, new AnomalyCounter()));
  for (const r of b.conn) engines[shardOfAddress(detectionShardKey(r, isInternal), n)].conn({ ...r });
  for (const r of b.http) engines[shardOfAddress(detectionShardKey(r, isInternal), n)].http({ ...r });
  const g = mergeAggregates(engines.map((e) => shardAggregates(e)));
  const keyHosts = sumCounts(engines.map((e) => applyGlobals(e, g)));
  const parts = engines.map((e) => finishShard(e, g, keyHosts));
  return JSON.stringify(mergeShardFindings(parts, resolved.caps.maxFindingsPerDetector).findings);
}

describe('new detectors under detection sharded by source', () => {
  it('give one engine\'s findings with 2, 3 and 5 shards', () => {
    const b = build();
    const one = single(b);
    const fs = JSON.parse(one) as { detector: string; srcIp: string; details: Record<string, unknown> }[];
    // The input exercises every new detector and kind.
    const kinds = new Set(fs.map((f) => (f.detector === 'scan' ? `scan:${String(f.details.kind)}` : f.detector === 'beacon' ? `beacon:${String(f.details.mode)}` : f.detector)));
    expect([...kinds].sort()).toEqual(['beacon:session', 'brute_force', 'http_checkin', 'scan:horizontal', 'scan:icmp_sweep', 'scan:p2p_fanout', 'scan:vertical']);
    // Prevalence is whole-input: the shared script and the shared session server are lowered.
    const shared = fs.filter((f) => f.detector === 'http_checkin' && f.srcIp !== '10.0.0.7');
    expect(shared.every((f) => (f.details.prevalenceFactor as number) < 1)).toBe(true);
    for (const n of [2, 3, 5]) expect(sharded(b, n), `${n} shards`).toBe(one);
  });
});
