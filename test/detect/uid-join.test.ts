/**
 * The uid -> SNI/Host join resolved when records arrive (src/detect/uid-join.ts): either
 * order of ssl/http and conn rows gives the same name refs and the same findings; the window
 * of joined entries and the cap on waiting entries bound its memory, and the cap is counted.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { NO_INFO, refName, refProxied, UidJoin, type UidJoinOwner } from '../../src/detect/uid-join.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

/** An owner that records what the join tells it. */
class Owner implements UidJoinOwner {
  readonly calls: [number, string, number][] = [];
  uidRefChanged(beat: number, uid: string, ref: number): void {
    this.calls.push([beat, uid, ref]);
  }
}

describe('UidJoin', () => {
  it('gives a connection the name its TLS row named before it', () => {
    const j = new UidJoin(10, 10, () => {});
    j.note('C1', 'c2.example.org', true, false);
    const ref = j.join('C1', new Owner(), 0);
    expect(j.nameOf(ref)).toBe('c2.example.org');
    expect(refProxied(ref)).toBe(false);
  });

  it('tells the holder when a TLS/HTTP row comes after the connection, and SNI beats Host', () => {
    const j = new UidJoin(10, 10, () => {});
    const o = new Owner();
    expect(j.join('C1', o, 3)).toBe(NO_INFO);
    j.note('C1', 'host.example.com', false, true);
    j.note('C1', 'sni.example.com', true, false);
    j.note('C1', 'later-host.example.com', false, false);
    expect(o.calls.map(([b, u, r]) => [b, u, j.nameOf(r), refProxied(r)])).toEqual([
      [3, 'C1', 'host.example.com', true],
      [3, 'C1', 'sni.example.com', true],
    ]);
    expect(j.nameOf(j.refFor('C1'))).toBe('sni.example.com');
  });

  it('keeps a row without a name as information (proxied, no name)', () => {
    const j = new UidJoin(10, 10, () => {});
    j.note('C1', null, false, true);
    const ref = j.join('C1', new Owner(), 0);
    expect(ref).not.toBe(NO_INFO);
    expect(refName(ref)).toBe(-1);
    expect(refProxied(ref)).toBe(true);
    expect(j.anyProxied).toBe(true);
  });

  it('forgets the oldest joined entries beyond the window, and counts the waiting cap', () => {
    let hits = 0;
    const j = new UidJoin(2, 3, () => hits++);
    const o = new Owner();
    for (let i = 0; i < 5; i++) {
      j.note(`C${i}`, `n${i}.example`, true, false);
      j.join(`C${i}`, o, i);
    }
    expect(j.size).toBe(3);
    expect(j.refFor('C0')).toBe(NO_INFO);
    expect(j.refFor('C1')).toBe(NO_INFO);
    expect(j.nameOf(j.refFor('C4'))).toBe('n4.example');
    // Waiting entries (no conn row yet) are capped at 2; the third is counted and not kept.
    j.note('W1', 'a.example', true, false);
    j.note('W2', 'b.example', true, false);
    j.note('W3', 'c.example', true, false);
    expect(hits).toBe(1);
    expect(j.refFor('W3')).toBe(NO_INFO);
    // A connection nobody tracks releases its waiting entry.
    j.forget('W1');
    expect(j.refFor('W1')).toBe(NO_INFO);
    j.note('W4', 'd.example', true, false);
    expect(hits).toBe(1);
    expect(j.nameOf(j.refFor('W4'))).toBe('d.example');
  });
});

describe('DetectionEngine uid join, either record order', () => {
  function run(b: ScenarioBuilder, sslFirst: boolean, caps = {}): { findings: ReturnType<DetectionEngine['finish']>; anomalies: AnomalyCounter } {
    const anomalies = new AnomalyCounter();
    const e = new DetectionEngine({ caps }, anomalies);
    if (sslFirst) for (const r of b.ssl) e.ssl(r);
    for (const r of b.conn) e.conn(r);
    if (!sslFirst) for (const r of b.ssl) e.ssl(r);
    return { findings: e.finish(), anomalies };
  }

  function scenario(): ScenarioBuilder {
    const b = new ScenarioBuilder(7);
    // A beacon over rotating addresses, one name: grouped by SNI only through the join.
    let k = 0;
    b.tlsBeacon({ src: '10.0.0.5', dst: () => `198.51.100.${10 + (k++ % 5)}`, sni: 'c2.example.org', interval: 60, jitter: 0.05, from: START, to: START + 4 * 3600 });
    return b;
  }

  it('finds the same SNI-grouped beacon whether ssl rows come before or after conn rows', () => {
    const b = scenario();
    const before = run(b, true).findings;
    const after = run(b, false).findings;
    const beacon = before.filter((f) => f.detector === 'beacon');
    expect(beacon).toHaveLength(1);
    expect(beacon[0].destHost).toBe('c2.example.org');
    expect(beacon[0].details.groupedBy).toBe('name');
    expect(after).toEqual(before);
  });

  it('counts detect_uid_names_cap when more ssl rows wait for their connection than the cap allows', () => {
    const b = scenario();
    const { anomalies } = run(b, true, { maxUidNames: 10 });
    expect(anomalies.toJSON()['detect_uid_names_cap']).toBe(b.ssl.length - 10);
  });
});

describe('UidJoin table (open addressing, deletions without tombstones)', () => {
  it('finds every held uid and none of the removed ones after many inserts, evictions and forgets', () => {
    const window = 1000;
    const j = new UidJoin(1_000_000, window, () => {});
    const owner = new Owner();
    const n = 20_000;
    // Every uid named by a row; odd ones joined (they pass through the window), even ones waiting.
    for (let i = 0; i < n; i++) j.note(`C${i.toString(36)}x`, `h${i % 97}.example.com`, i % 3 === 0, false);
    for (let i = 1; i < n; i += 2) j.join(`C${i.toString(36)}x`, owner, i);
    // Forget a third of the waiting ones.
    for (let i = 0; i < n; i += 6) j.forget(`C${i.toString(36)}x`);
    const waiting = n / 2 - Math.ceil(n / 6);
    expect(j.size).toBe(waiting + window);
    for (let i = 0; i < n; i++) {
      const ref = j.refFor(`C${i.toString(36)}x`);
      const held = i % 2 === 0 ? i % 6 !== 0 : i >= n - 2 * window;
      expect(ref === NO_INFO ? null : j.nameOf(ref), `uid ${i}`).toBe(held ? `h${i % 97}.example.com` : null);
    }
    // A forgotten or evicted uid comes back as a new entry.
    j.note('C0x', 'again.example.com', true, false);
    expect(j.nameOf(j.refFor('C0x'))).toBe('again.example.com');
    expect(j.size).toBe(waiting + window + 1);
  });
});
