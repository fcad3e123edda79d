/**
 * The interning tables of the record path (src/detect/id-tables.ts): an address text gets
 * one id and keeps it, two different texts never share one (only canonical dotted quads are
 * keyed by their value), and the pair table answers as a Map would, across its growth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnRecord } from '../../src/core/records.js';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { normalizeDetectConfig } from '../../src/detect/config.js';
import { DetectContext } from '../../src/detect/context.js';
import { DnsBeaconTracker } from '../../src/detect/dns-beacon.js';
import { DnsTunnelTracker } from '../../src/detect/dns-tunnel.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { AddressTable, canonicalIpv4, IdPairTable, NameTable } from '../../src/detect/id-tables.js';

describe('canonicalIpv4', () => {
  it('gives the 32-bit value of canonical dotted quads', () => {
    expect(canonicalIpv4('0.0.0.0')).toBe(0);
    expect(canonicalIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(canonicalIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(canonicalIpv4('192.168.1.20')).toBe(0xc0a80114);
  });

  it('rejects everything else, leading zeros included', () => {
    for (const t of ['010.0.0.1', '10.0.0.01', '00.1.2.3', '256.0.0.1', '1.2.3', '1.2.3.4.5', '1.2.3.', '.1.2.3', '1..2.3', '::1', '1.2.3.4 ', '', '-1.2.3.4', 'a.b.c.d', '1.2.3.1000']) {
      expect(canonicalIpv4(t), t).toBe(-1);
    }
  });

  it('round-trips every address written the canonical way', () => {
    fc.assert(
      fc.property(fc.ipV4(), (t) => {
        const v = canonicalIpv4(t);
        expect(v).toBeGreaterThanOrEqual(0);
        expect([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.')).toBe(t);
      }),
    );
  });
});

describe('AddressTable', () => {
  it('keeps one id per text, v4 and other texts alike, with the number given', () => {
    const t = new AddressTable(100);
    expect(t.find('10.0.0.1')).toBe(-1);
    const a = t.add('10.0.0.1', 1);
    const b = t.add('2001:db8::1', 2);
    const c = t.add('010.0.0.1', 3);
    expect([a, b, c]).toEqual([0, 1, 2]);
    expect(t.find('10.0.0.1')).toBe(a);
    expect(t.find('2001:db8::1')).toBe(b);
    expect(t.find('010.0.0.1')).toBe(c);
    expect(t.find('10.0.0.2')).toBe(-1);
    expect([t.cls[a], t.cls[b], t.cls[c]]).toEqual([1, 2, 3]);
    expect(t.text).toEqual(['10.0.0.1', '2001:db8::1', '010.0.0.1']);
  });

  it('holds at most its maximum, then add() gives -1', () => {
    const t = new AddressTable(2);
    expect(t.add('1.1.1.1', 2)).toBe(0);
    expect(t.add('1.1.1.2', 2)).toBe(1);
    expect(t.add('1.1.1.3', 2)).toBe(-1);
    expect(t.find('1.1.1.3')).toBe(-1);
    expect(t.size).toBe(2);
  });

  it('finds every address added across table growth', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.ipV4(), fc.ipV6()), { minLength: 1, maxLength: 3000 }), (addrs) => {
        const t = new AddressTable(1 << 20);
        addrs.forEach((a, i) => expect(t.add(a, i & 3)).toBe(i));
        addrs.forEach((a, i) => {
          expect(t.find(a)).toBe(i);
          expect(t.cls[i]).toBe(i & 3);
        });
      }),
      { numRuns: 20 },
    );
  });
});

describe('NameTable', () => {
  it('keeps one id per name with its registered domain, and finds the domain\'s id once it has one', () => {
    const t = new NameTable(10);
    const a = t.add('a.example.com', 'example.com');
    expect(t.find('a.example.com')).toBe(a);
    expect(t.domain[a]).toBe('example.com');
    expect(t.domainId(a)).toBe(-1);
    const d = t.add('example.com', 'example.com');
    expect(t.domainId(d)).toBe(d);
    expect(t.domainId(a)).toBe(d);
    expect(t.find('b.example.com')).toBe(-1);
  });

  it('holds at most its maximum, then add() gives -1', () => {
    const t = new NameTable(1);
    expect(t.add('example.com', 'example.com')).toBe(0);
    expect(t.add('example.org', 'example.org')).toBe(-1);
    expect(t.find('example.org')).toBe(-1);
    expect(t.size).toBe(1);
  });
});

describe('DNS trackers on interned names', () => {
  const q = (query: string, origH = '10.0.0.6', ts = 1767225600) => ({
    ts, uid: 'D0', origH, origP: 5353, respH: '10.0.0.53', respP: 53, proto: 'udp' as const, transId: 1, rtt: null, query, qclass: 1,
    qclassName: 'C_INTERNET', qtype: 1, qtypeName: 'A', rcode: 0, rcodeName: 'NOERROR', AA: false, TC: false, RD: true, RA: true, Z: 0,
    answers: [], TTLs: [], rejected: false,
  });

  it('keep one lookup group per (querier, name) and (querier, domain) whichever tracker adds the name first', () => {
    const ctx = new DetectContext(normalizeDetectConfig({}), new AnomalyCounter());
    const tunnel = new DnsTunnelTracker(ctx);
    const beacon = new DnsBeaconTracker(ctx);
    // The tunnel tracker adds the domain, the beacon tracker then finds it for its domain group.
    tunnel.onDns(q('a.example.com'));
    beacon.onDns(q('a.example.com'));
    expect(beacon.size).toBe(2);
    // The domain looked up as a name: a name group of its own, not the domain group.
    beacon.onDns(q('example.com'));
    expect(beacon.size).toBe(3);
    // Again, with the querier's id given as "not known" (-1): the groups are found again.
    for (let i = 1; i < 5; i++) {
      beacon.onDns(q('a.example.com', '10.0.0.6', 1767225600 + 60 * i), 'a.example.com', -1);
      beacon.onDns(q('example.com', '10.0.0.6', 1767225600 + 60 * i));
    }
    expect(beacon.size).toBe(3);
    // Another querier: groups of its own.
    beacon.onDns(q('a.example.com', '10.0.0.7'));
    expect(beacon.size).toBe(5);
    expect(ctx.names.size).toBe(2);
    expect(ctx.anomalies.total()).toBe(0);
  });
});

describe('IdPairTable', () => {
  it('answers as a Map keyed by both ids would', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(5000), fc.nat(5000)), { maxLength: 4000 }), (keys) => {
        const t = new IdPairTable();
        const m = new Map<string, number>();
        for (const [a, b] of keys) {
          const k = a + ',' + b;
          const want = m.get(k) ?? -1;
          expect(t.get(a, b)).toBe(want);
          if (want < 0) {
            t.set(a, b, m.size);
            m.set(k, m.size);
          }
        }
        expect(t.size).toBe(m.size);
        for (const [k, v] of m) {
          const [a, b] = k.split(',').map(Number);
          expect(t.get(a, b)).toBe(v);
          // (b, a) is another key.
          if (a !== b) expect(t.get(b, a)).toBe(m.get(b + ',' + a) ?? -1);
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe('DetectionEngine on interned addresses', () => {
  const base: ConnRecord = {
    ts: 1767225600, uid: 'C0', origH: '10.0.0.5', origP: 40000, respH: '198.51.100.9', respP: 80, proto: 'tcp', service: 'http',
    duration: 1, origBytes: 4000, respBytes: 300, connState: 'SF', localOrig: null, localResp: null, missedBytes: 0,
    history: 'ShADadFf', origPkts: 6, origIpBytes: 4300, respPkts: 5, respIpBytes: 600, tunnelParents: [], vlan: null,
    innerVlan: null, communityId: null,
  };

  it('keeps one pair per address pair whichever tracker interns the addresses first', () => {
    const e = new DetectionEngine();
    // The upload tracker sees the first connection of a new pair before the pair index does.
    for (let i = 0; i < 5; i++) e.conn({ ...base, ts: base.ts + 60 * i, uid: `C${i}` });
    // A DNS querier interned by the DNS trackers, then its connections.
    e.dns({ ts: base.ts, uid: 'D0', origH: '10.0.0.6', origP: 5353, respH: '10.0.0.53', respP: 53, proto: 'udp', transId: 1, rtt: null, query: 'example.com', qclass: 1, qclassName: 'C_INTERNET', qtype: 1, qtypeName: 'A', rcode: 0, rcodeName: 'NOERROR', AA: false, TC: false, RD: true, RA: true, Z: 0, answers: ['198.51.100.9'], TTLs: [60], rejected: false });
    for (let i = 0; i < 3; i++) e.conn({ ...base, origH: '10.0.0.6', ts: base.ts + 60 * i, uid: `E${i}` });
    expect(e.stats().pairs).toBe(2);
    expect(e.stats().conn).toBe(8);
  });
});

describe('DNS-answer join by address ids', () => {
  // Texts that are one address apart from their canonical form, and IPv6, among plain quads.
  const ADDRS = ['10.0.0.1', '010.0.0.1', '10.0.0.2', '192.0.2.7', '2001:db8::1', '2001:db8::01', '198.51.100.3'];
  const SRCS = ['10.0.0.5', '10.0.0.6', '0010.0.0.6'];
  const NAMES = ['a.example.com', 'b.example.com', 'c.example.org'];

  /** The join as a Map keyed by address texts: the latest answer wins, ties the smaller name, entries capped. */
  class MapModel {
    readonly bySrc = new Map<string, Map<string, { name: string; ts: number }>>();
    readonly any = new Map<string, { name: string; ts: number }>();
    entries = 0;
    capHits = 0;
    constructor(readonly cap: number) {}
    private static later(cur: { name: string; ts: number }, name: string, ts: number): void {
      if (ts > cur.ts || (ts === cur.ts && name < cur.name)) Object.assign(cur, { name, ts });
    }
    note(src: string, addr: string, name: string, ts: number): void {
      const cur = this.bySrc.get(src)?.get(addr);
      if (cur) {
        MapModel.later(cur, name, ts);
        MapModel.later(this.any.get(addr)!, name, ts);
        return;
      }
      if (this.entries >= this.cap) {
        this.capHits++;
        return;
      }
      if (!this.bySrc.has(src)) this.bySrc.set(src, new Map());
      this.bySrc.get(src)!.set(addr, { name, ts });
      this.entries++;
      const a = this.any.get(addr);
      if (a) MapModel.later(a, name, ts);
      else {
        this.any.set(addr, { name, ts });
        this.entries++;
      }
    }
    nameFor(src: string, addr: string): string | null {
      return (this.bySrc.get(src)?.get(addr) ?? this.any.get(addr))?.name ?? null;
    }
  }

  it('answers as Maps keyed by the address texts would, cap included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(SRCS.length - 1), fc.nat(ADDRS.length - 1), fc.nat(NAMES.length - 1), fc.nat(4)), { maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        (answers, cap) => {
          const ctx = new DetectContext(normalizeDetectConfig({ caps: { maxDnsAddresses: cap } }), new AnomalyCounter());
          const model = new MapModel(cap);
          for (const [s, a, n, ts] of answers) {
            ctx.noteDnsAnswer(SRCS[s], ADDRS[a], NAMES[n], 1767225600 + ts);
            model.note(SRCS[s], ADDRS[a], NAMES[n], 1767225600 + ts);
          }
          for (const src of [...SRCS, '10.0.0.99']) for (const addr of [...ADDRS, '192.0.2.99']) expect(ctx.nameFor(null, src, addr)).toBe(model.nameFor(src, addr));
          const seen: [string, string, number][] = [];
          ctx.forEachDnsAnswer((addr, name, ts) => seen.push([addr, name, ts]));
          expect(seen.sort()).toEqual([...model.any].map(([addr, d]): [string, string, number] => [addr, d.name, d.ts]).sort());
          expect(ctx.anomalies.total()).toBe(model.capHits);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('classifies an answer address on first use (interned with class 0)', () => {
    const ctx = new DetectContext(normalizeDetectConfig({}), new AnomalyCounter());
    ctx.noteDnsAnswer('10.0.0.5', '192.168.1.9', 'a.example.com', 100);
    ctx.noteDnsAnswer('10.0.0.5', '192.0.2.7', 'b.example.com', 100);
    const a = ctx.addrs.find('192.168.1.9');
    const b = ctx.addrs.find('192.0.2.7');
    expect([ctx.addrs.cls[a], ctx.addrs.cls[b]]).toEqual([0, 0]);
    expect(ctx.directionOf(a, '192.168.1.9', b, '192.0.2.7')).toBe('outbound');
    expect([ctx.addrs.cls[a], ctx.addrs.cls[b]]).toEqual([ctx.classify('192.168.1.9'), ctx.classify('192.0.2.7')]);
    // The querier, interned for its state, is classified at once.
    expect(ctx.addrs.cls[ctx.addrs.find('10.0.0.5')]).toBe(ctx.classify('10.0.0.5'));
  });

  it('keeps the answers set by the sharded merge apart once the address table is full', () => {
    const caps = { maxPairs: 1, maxDnsAddresses: 2, maxDnsBeaconGroups: 1, maxDnsDomains: 1 };
    const ctx = new DetectContext(normalizeDetectConfig({ caps }), new AnomalyCounter());
    ctx.noteDnsAnswer('10.0.0.5', '192.0.2.7', 'a.example.com', 100);
    // The merge's latest answer replaces the shard's own, whatever its time.
    ctx.setDnsAnswer('192.0.2.7', 'b.example.com', 50);
    expect(ctx.nameFor(null, '10.0.0.9', '192.0.2.7')).toBe('b.example.com');
    // What this source resolved still comes first.
    expect(ctx.nameFor(null, '10.0.0.5', '192.0.2.7')).toBe('a.example.com');
    while (ctx.addrs.size < ctx.addrs.max) ctx.addrs.add(`fill-${ctx.addrs.size}`, 2);
    ctx.setDnsAnswer('198.51.100.3', 'c.example.org', 60);
    expect(ctx.addrs.find('198.51.100.3')).toBe(-1);
    expect(ctx.nameFor(null, '10.0.0.5', '198.51.100.3')).toBe('c.example.org');
    const seen: string[] = [];
    ctx.forEachDnsAnswer((addr, name) => seen.push(`${addr}=${name}`));
    expect(seen).toEqual(['192.0.2.7=b.example.com', '198.51.100.3=c.example.org']);
    expect(ctx.anomalies.total()).toBe(0);
  });
});
