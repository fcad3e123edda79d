/**
 * UidJoin against a plain model of its documented rules (src/detect/uid-join.ts): entries
 * waiting for their connection are capped (the cap counted), joined entries stay in a window
 * of the most recent joins, a connection nobody tracks drops its waiting entry, SNI beats a
 * Host, "proxied" is sticky, and the holder is told when a joined entry's ref changes. Random
 * sequences over a few uids and small windows exercise entries leaving the window and coming
 * back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_INFO, refProxied, UidJoin, type UidJoinOwner } from '../../src/detect/uid-join.js';

interface ModelEntry {
  info: boolean;
  name: string | null;
  tls: boolean;
  proxied: boolean;
  joined: boolean;
  beat: number;
}

/** What a ref says, comparable across the two: [no info, name, proxied]. */
type Said = [boolean, string | null, boolean];

class Model {
  readonly m = new Map<string, ModelEntry>();
  /** Joined entries, oldest first. */
  readonly window: ModelEntry[] = [];
  waiting = 0;
  capHits = 0;
  readonly told: [number, string, Said][] = [];
  constructor(
    private readonly maxWaiting: number,
    private readonly maxWindow: number,
  ) {}
  said(e: ModelEntry | undefined): Said {
    return e === undefined || !e.info ? [true, null, false] : [false, e.name, e.proxied];
  }
  note(uid: string, name: string | null, tls: boolean, proxied: boolean): void {
    let e = this.m.get(uid);
    if (!e) {
      if (this.waiting >= this.maxWaiting) {
        this.capHits++;
        return;
      }
      e = { info: false, name: null, tls: false, proxied: false, joined: false, beat: -1 };
      this.m.set(uid, e);
      this.waiting++;
    }
    const before = JSON.stringify(this.said(e));
    e.info = true;
    if (proxied) e.proxied = true;
    if (name && (e.name === null || (tls && !e.tls))) {
      e.name = name;
      if (tls) e.tls = true;
    }
    if (e.joined && JSON.stringify(this.said(e)) !== before) this.told.push([e.beat, uid, this.said(e)]);
  }
  join(uid: string, beat: number): Said {
    let e = this.m.get(uid);
    if (e && e.joined) {
      e.beat = beat;
      return this.said(e);
    }
    if (!e) {
      e = { info: false, name: null, tls: false, proxied: false, joined: false, beat: -1 };
      this.m.set(uid, e);
    } else {
      this.waiting--;
    }
    e.joined = true;
    e.beat = beat;
    this.window.push(e);
    if (this.window.length > Math.max(1, this.maxWindow)) {
      const old = this.window.shift()!;
      for (const [k, v] of this.m) if (v === old) this.m.delete(k);
    }
    return this.said(e);
  }
  forget(uid: string): void {
    const e = this.m.get(uid);
    if (e && !e.joined) {
      this.m.delete(uid);
      this.waiting--;
    }
  }
}

class Owner implements UidJoinOwner {
  readonly told: [number, string, number][] = [];
  uidRefChanged(beat: number, uid: string, ref: number): void {
    this.told.push([beat, uid, ref]);
  }
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('note' as const), uid: fc.integer({ min: 0, max: 9 }), name: fc.constantFrom(null, 'a.example', 'b.example'), tls: fc.boolean(), proxied: fc.boolean() }),
  fc.record({ kind: fc.constant('join' as const), uid: fc.integer({ min: 0, max: 9 }), beat: fc.integer({ min: -1, max: 50 }) }),
  fc.record({ kind: fc.constant('forget' as const), uid: fc.integer({ min: 0, max: 9 }) }),
);

describe('UidJoin against its model', () => {
  it('forgets an entry as soon as it leaves the window', () => {
    const j = new UidJoin(10, 8, () => {});
    const owner = new Owner();
    for (let i = 0; i < 9; i++) {
      j.note(`C${i}`, `n${i}.example`, true, false);
      j.join(`C${i}`, owner, i);
    }
    expect(j.refFor('C0')).toBe(NO_INFO);
    expect(j.nameOf(j.refFor('C1'))).toBe('n1.example');
    expect(j.size).toBe(8);
    // C0 comes back as a new waiting entry.
    j.note('C0', 'again.example', true, false);
    expect(j.nameOf(j.refFor('C0'))).toBe('again.example');
    expect(j.size).toBe(9);
  });

  it('gives the same refs, size, cap count and holder calls on any sequence of rows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 12 }), fc.array(op, { maxLength: 200 }), (maxWaiting, maxWindow, ops) => {
        let hits = 0;
        const j = new UidJoin(maxWaiting, maxWindow, () => hits++);
        const model = new Model(maxWaiting, maxWindow);
        const owner = new Owner();
        const said = (ref: number): Said => (ref === NO_INFO ? [true, null, false] : [false, j.nameOf(ref), refProxied(ref)]);
        for (const o of ops) {
          const uid = `C${o.uid}`;
          if (o.kind === 'note') {
            j.note(uid, o.name, o.tls, o.proxied);
            model.note(uid, o.name, o.tls, o.proxied);
          } else if (o.kind === 'join') {
            expect(said(j.join(uid, owner, o.beat))).toEqual(model.join(uid, o.beat));
          } else {
            j.forget(uid);
            model.forget(uid);
          }
          expect(j.size).toBe(model.m.size);
          expect(hits).toBe(model.capHits);
          for (let u = 0; u < 10; u++) expect(said(j.refFor(`C${u}`))).toEqual(model.said(model.m.get(`C${u}`)));
        }
        expect(owner.told.map(([b, u, r]) => [b, u, said(r)])).toEqual(model.told);
      }),
      { numRuns: 300 },
    );
  });
});
