/**
 * Detectors fed hostile records: what a mutated Zeek log or capture can hand them (negative
 * and huge durations and byte counts, timestamps out of order, equal or far apart, hostile
 * names, the same pair thousands of times), with the shipped signatures. No exception; every
 * finding has a finite score in 0..100 matching its severity, and writes as valid CSV/JSONL.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { severityOf } from '../../src/core/finding.js';
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../../src/core/records.js';
import { defaultConfig, detectConfigFrom } from '../../src/cli/config.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { makeTargets } from './targets.mjs';
import { modules } from './modules.js';
import { runCase } from './run-case.js';

const targets = makeTargets(modules);
const SEED = 0x64657465;
const signatures = loadSignatures({}, new AnomalyCounter());

const num = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(0, -1, -1e9, 1e15, 2 ** 53, 0.000001, 86400 * 365));
const host = fc.oneof(
  fc.constantFrom('10.0.0.5', '10.0.0.6', '192.168.1.10', '8.8.8.8', '198.51.100.7', '203.0.113.9', '::1', 'fe80::1', '2001:db8::1'),
  fc.string({ maxLength: 20 }),
);
const name = fc.oneof(fc.constantFrom('evil.example.com', 'aGVsbG8gd29ybGQ.tunnel.example.net', 'www.google.com', '', '.', '..', 'a'.repeat(300)), fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }));
const port = fc.oneof(fc.constantFrom(0, 22, 53, 80, 443, 4444, 8080, 65535), fc.integer({ min: 0, max: 65535 }));

const conn = fc.record({ ts: num, origH: host, respH: host, origP: port, respP: port, duration: fc.option(num), origBytes: fc.option(num), respBytes: fc.option(num), service: fc.option(name), proto: fc.constantFrom('tcp', 'udp', 'icmp', 'unknown_transport'), connState: fc.option(fc.constantFrom('SF', 'S0', 'REJ', 'OTH', 'RSTO', '')), openAtEnd: fc.boolean() }).map(
  (v) =>
    ({
      ...v,
      uid: 'C' + Math.abs(v.ts % 1000).toFixed(0),
      localOrig: null,
      localResp: null,
      missedBytes: 0,
      history: 'ShADadFf',
      origPkts: 10,
      origIpBytes: 1000,
      respPkts: 10,
      respIpBytes: 1000,
      tunnelParents: [],
      vlan: null,
      innerVlan: null,
      communityId: null,
    }) as ConnRecord,
);
const dns = fc.record({ ts: num, origH: host, respH: host, query: fc.option(name), answers: fc.array(name, { maxLength: 4 }), qtype: fc.option(fc.constantFrom(1, 16, 28, 255)) }).map(
  (v) => ({ ...v, origP: 40000, respP: 53, uid: 'D1', proto: 'udp', transId: 1, rtt: 0.01, qclass: 1, qclassName: 'C_INTERNET', qtypeName: 'A', rcode: 0, rcodeName: 'NOERROR', AA: false, TC: false, RD: true, RA: true, Z: 0, TTLs: v.answers.map(() => 60), rejected: false }) as DnsRecord,
);
const http = fc.record({ ts: num, origH: host, respH: host, host: fc.option(name), uri: fc.option(name), userAgent: fc.option(name), method: fc.option(fc.constantFrom('GET', 'POST', 'CONNECT', '')) }).map(
  (v) => ({ ...v, origP: 50000, respP: 80, uid: 'H1', transDepth: 1, referrer: null, version: '1.1', origin: null, requestBodyLen: 100, responseBodyLen: 100, statusCode: 200, statusMsg: 'OK', infoCode: null, infoMsg: null, tags: [], username: null, password: null, origFilenames: [], origMimeTypes: [], respFilenames: [], respMimeTypes: [] }) as HttpRecord,
);
const ssl = fc.record({ ts: num, origH: host, respH: host, serverName: fc.option(name), ja3: fc.option(fc.constantFrom('e7d705a3286e19ea42f587b344ee6865', 'x')) }).map(
  (v) => ({ ...v, origP: 50001, respP: 443, uid: 'S1', version: 'TLSv12', cipher: null, curve: null, resumed: false, lastAlert: null, nextProtocol: null, established: true }) as SslRecord,
);

function runEngine(records: { kind: 'conn' | 'dns' | 'http' | 'ssl'; r: unknown }[]) {
  const detect = { ...detectConfigFrom(defaultConfig()), ...signatures };
  const engine = new DetectionEngine(detect, new AnomalyCounter());
  for (const { kind, r } of records) (engine[kind] as (x: unknown) => void)(r);
  const findings = engine.finish();
  for (const f of findings) {
    expect(Number.isFinite(f.score)).toBe(true);
    expect(f.score).toBeGreaterThanOrEqual(0);
    expect(f.score).toBeLessThanOrEqual(100);
    expect(f.severity).toBe(severityOf(f.score));
    targets.findings({ ...f, srcGeo: null, destGeo: null });
  }
  return findings;
}

describe('detectors on hostile records', () => {
  it('random mixes of conn, dns, http and ssl records', () => {
    const rec = fc.oneof(
      conn.map((r) => ({ kind: 'conn' as const, r })),
      dns.map((r) => ({ kind: 'dns' as const, r })),
      http.map((r) => ({ kind: 'http' as const, r })),
      ssl.map((r) => ({ kind: 'ssl' as const, r })),
    );
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 60 }), (records) => {
        runCase('detect', JSON.stringify(records), () => runEngine(records));
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('one pair thousands of times: periodic, equal timestamps, backwards, and from the far future', () => {
    fc.assert(
      fc.property(fc.constantFrom('periodic', 'equal', 'backwards', 'jumps'), fc.integer({ min: 50, max: 1500 }), (shape, n) => {
        const records: { kind: 'conn'; r: unknown }[] = [];
        for (let i = 0; i < n; i++) {
          const ts = shape === 'periodic' ? 1700000000 + i * 60 : shape === 'equal' ? 1700000000 : shape === 'backwards' ? 1700000000 - i * 7 : (i % 2 ? 1e10 : 0) + i;
          records.push({ kind: 'conn' as const, r: { ...fc.sample(conn, { seed: i, numRuns: 1 })[0], ts, origH: '10.0.0.5', respH: '198.51.100.7', respP: 443, proto: 'tcp', uid: 'C' + i } });
        }
        const findings = runCase('detect', JSON.stringify(records.length), () => runEngine(records));
        // A clean 60 s period over 50+ connections is a beacon whatever else the records hold.
        if (shape === 'periodic') expect(findings.some((f) => f.detector === 'beacon')).toBe(true);
      }),
      { seed: SEED, numRuns: 8 },
    );
  });
});
