/** Bad input is data: odd records never throw, and findings stay well-formed. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { severityOf } from '../../src/core/finding.js';
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../../src/core/records.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';

const SIGNATURES = loadSignatures();
const addr = fc.oneof(
  fc.constantFrom('10.0.0.5', '10.0.0.6', '198.51.100.7', '203.0.113.66', '2001:db8::1', 'fd00::5', '224.0.0.251', '255.255.255.255'),
  fc.string({ maxLength: 20 }),
);
const num = fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -5, max: 1e9 }), fc.constant(null));
const text = fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.constantFrom('ssl', 'http', 'dns', 'ssh', 'constructor', 'http,ssl', 'ftp-data', ''));

const conn = fc.record({
  ts: fc.oneof(fc.double({ min: 0, max: 2e9, noNaN: true }), fc.constant(NaN), fc.constant(Infinity)),
  uid: fc.string({ maxLength: 20 }),
  origH: addr,
  origP: fc.integer({ min: 0, max: 70000 }),
  respH: addr,
  respP: fc.integer({ min: 0, max: 70000 }),
  proto: fc.constantFrom('tcp', 'udp', 'icmp', 'unknown_transport'),
  service: text,
  duration: num,
  origBytes: num,
  respBytes: num,
  connState: fc.oneof(fc.constant(null), fc.constantFrom('SF', 'S0', 'REJ', 'OTH', 'S1')),
  history: fc.oneof(fc.constant(null), fc.string({ maxLength: 10 })),
  missedBytes: fc.integer({ min: 0, max: 1e6 }),
  origPayloadEntropy: fc.oneof(fc.constant(null), fc.double({ min: -1, max: 9 })),
  portMismatch: text,
  openAtEnd: fc.boolean(),
}).map(
  (p) =>
    ({
      localOrig: null,
      localResp: null,
      origPkts: 1,
      origIpBytes: 40,
      respPkts: 1,
      respIpBytes: 40,
      tunnelParents: [],
      vlan: null,
      innerVlan: null,
      communityId: null,
      ...p,
    }) as unknown as ConnRecord,
);

describe('robustness', () => {
  it('never throws on odd records and keeps findings well-formed', () => {
    fc.assert(
      fc.property(fc.array(conn, { maxLength: 60 }), fc.array(fc.string({ maxLength: 80 }), { maxLength: 20 }), (conns, names) => {
        const e = new DetectionEngine({ ...SIGNATURES, consider: ['outbound', 'internal', 'inbound', 'external'] }, new AnomalyCounter());
        for (const c of conns) e.conn(c);
        for (const [i, n] of names.entries()) {
          const base = conns[i % Math.max(1, conns.length)] ?? { ts: 1, uid: 'x', origH: '10.0.0.5', origP: 1, respH: '10.0.0.2', respP: 53 };
          e.dns({ ...base, proto: 'udp', transId: 1, rtt: null, query: n, qclass: 1, qclassName: null, qtype: 16, qtypeName: 'TXT', rcode: 0, rcodeName: null, AA: false, TC: false, RD: true, RA: true, Z: 0, answers: [n, '198.51.100.7'], TTLs: [], rejected: false } as DnsRecord);
          e.http({ ...base, transDepth: 1, method: n.slice(0, 6), host: n, uri: n, referrer: null, version: null, userAgent: null, origin: null, requestBodyLen: n.length * 1e5, responseBodyLen: 0, statusCode: null, statusMsg: null, infoCode: null, infoMsg: null, tags: [], username: null, password: null, origFilenames: [], origMimeTypes: [], respFilenames: [], respMimeTypes: [] } as HttpRecord);
          e.ssl({ ...base, version: null, cipher: null, curve: null, serverName: n, resumed: false, lastAlert: null, nextProtocol: null, established: true, ja3: n, ja4: n } as SslRecord);
        }
        const fs = e.finish();
        for (const f of fs) {
          expect(f.score).toBeGreaterThanOrEqual(0);
          expect(f.score).toBeLessThanOrEqual(100);
          expect(Number.isFinite(f.score)).toBe(true);
          expect(f.severity).toBe(severityOf(f.score));
          expect(f.findingId).toMatch(/^[0-9a-f]{16}$/);
          expect(typeof f.evidence).toBe('string');
          for (const v of [f.srcBytes, f.destBytes, f.connCount, f.startTime, f.endTime]) expect(Number.isFinite(v)).toBe(true);
          expect(f.srcBytes).toBeGreaterThanOrEqual(0);
          expect(f.destBytes).toBeGreaterThanOrEqual(0);
          expect(f.endTime).toBeGreaterThanOrEqual(f.startTime);
        }
      }),
      { numRuns: 150, seed: 20260101 },
    );
  });
});
