/**
 * selectTop (src/detect/top-findings.ts) picks the candidates the per-detector cap keeps
 * before their findings are built: checked against the cut the engine made before, a stable
 * sort by byScoreThenId and the first `cap`, with many ties at the cap's score, equal ids,
 * ids that are not finding_ids, and NaN scores (no selection). And through the engine: a
 * suspicious_port cap that bites keeps the same findings, in the same order, as the full
 * list cut by hand, and counts the cap hit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/finding.js';
import type { ConnRecord } from '../../src/core/records.js';
import { findingId } from '../../src/detect/context.js';
import { byScoreThenId, DetectionEngine } from '../../src/detect/engine.js';
import { selectTop } from '../../src/detect/top-findings.js';

/** The engine's cut: stable sort by (score desc, id asc), the first `cap` indexes. */
function reference(scores: number[], ids: string[], cap: number): number[] {
  const idx = scores.map((_, i) => i);
  idx.sort((a, b) => byScoreThenId({ score: scores[a], findingId: ids[a] } as Finding, { score: scores[b], findingId: ids[b] } as Finding));
  return idx.slice(0, cap);
}

describe('selectTop', () => {
  it('keeps what a stable sort by (score, id) and a cut keep, in an order that sorts back to it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 20, 45.5, 50, 72, 100), fc.integer({ min: 0, max: 40 })), { maxLength: 120 }),
        fc.integer({ min: 1, max: 130 }),
        fc.boolean(),
        (raw, cap, hexIds) => {
          const scores = raw.map(([s]) => s);
          // Few distinct ids, so equal ids at equal scores are common.
          const ids = raw.map(([, k]) => (hexIds ? findingId('scan', k) : `id-${k % 7}-${k}`));
          const asked = new Set<number>();
          const kept = selectTop(scores, scores.length, cap, (i) => {
            asked.add(i);
            return ids[i];
          });
          const want = reference(scores, ids, cap);
          if (scores.length <= cap) {
            expect(kept).toBeNull();
            return;
          }
          expect(kept).not.toBeNull();
          const got = [...kept!];
          expect(got.length).toBe(cap);
          // Sorted the engine's way (stable), the kept candidates are exactly the reference.
          const resorted = [...got].sort((a, b) => byScoreThenId({ score: scores[a], findingId: ids[a] } as Finding, { score: scores[b], findingId: ids[b] } as Finding) || got.indexOf(a) - got.indexOf(b));
          expect(resorted).toEqual(want);
          // Ids are asked for candidates at the cap's score only.
          const edge = scores[want[cap - 1]];
          for (const i of asked) expect(scores[i]).toBe(edge);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('selects nothing when a score is NaN (the engine sorts and cuts as before)', () => {
    expect(selectTop([50, NaN, 20], 3, 2, () => 'x')).toBeNull();
  });

  it('asks no id when the cap falls between two scores', () => {
    const kept = selectTop([20, 72, 50, 72, 20], 5, 3, () => {
      throw new Error('no id needed');
    });
    expect([...kept!]).toEqual([1, 3, 2]);
  });
});

/**
 * SSH on a port registered for nothing (a mismatch, 55) or on 80 (disguised, 70), to a
 * destination shared by several hosts or by one (+10): one suspicious_port finding each,
 * four scores with dozens of findings at each.
 */
function conn(i: number): ConnRecord {
  return {
    ts: 1_700_000_000 + i,
    uid: `C${i}`,
    origH: `10.0.${i >> 8}.${i & 255}`,
    origP: 40000 + i,
    respH: i % 2 === 0 ? `203.0.113.${i % 40}` : `198.51.100.${i & 255}`,
    respP: i % 3 === 0 ? 80 : 4444,
    proto: 'tcp',
    service: 'ssh',
    duration: 5,
    origBytes: 1000,
    respBytes: 2000,
    connState: 'SF',
    history: 'ShADadFf',
    origPkts: 5,
    origIpBytes: 1200,
    respPkts: 5,
    respIpBytes: 2200,
    localOrig: null,
    localResp: null,
    missedBytes: 0,
    tunnelParents: [],
    vlan: null,
    innerVlan: null,
    communityId: null,
  };
}

describe('suspicious_port under the finding cap', () => {
  it('keeps the findings a full list cut by hand keeps, and counts the cap hit', () => {
    const feed = (e: DetectionEngine) => {
      for (let i = 0; i < 300; i++) e.conn(conn(i));
    };
    const full = new DetectionEngine({ thresholds: { minScore: 0 } });
    feed(full);
    const all = full.finish().filter((f) => f.detector === 'suspicious_port');
    expect(all.length).toBeGreaterThan(100);
    // Several scores, many findings at each: the cap below falls inside a run of ties.
    expect(new Set(all.map((f) => f.score)).size).toBeGreaterThan(2);
    // Caps that fall inside a run of equal scores (the tie is broken by finding_id).
    expect(all[36].score).toBe(all[37].score);
    expect(all[149].score).toBe(all[150].score);
    for (const cap of [1, 37, 150, all.length - 1]) {
      const capped = new DetectionEngine({ thresholds: { minScore: 0 }, caps: { maxFindingsPerDetector: cap } });
      feed(capped);
      const got = capped.finish().filter((f) => f.detector === 'suspicious_port');
      expect(got).toEqual(all.slice(0, cap));
      expect(capped.anomalies.get('detect_findings_cap')).toBe(1);
      expect(capped.stats().findings.suspicious_port).toBe(cap);
    }
  });
});
