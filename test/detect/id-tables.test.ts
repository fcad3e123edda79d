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
