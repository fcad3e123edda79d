/**
 * suspicious_port: the shipped backdoor ports (Metasploit 4444, IRC 6667, Back Orifice
 * 31337, Tor 9001/9030) are kept as data with a reason and raise a finding naming it;
 * a plain 8080 alone raises nothing, and each of periodicity, an unknown protocol and
 * rarity makes it reportable, all three together at medium or above; portMismatchOf, table
 * by table: a protocol on a port where it does not belong, from Zeek's service or from the
 * content detected in a capture.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { DISGUISED_SCORE, MISMATCH_SCORE, portMismatchOf, UNKNOWN_ON_WEB_PORT_SCORE } from '../../src/detect/ports.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

const SIGNATURES = loadSignatures();

function run(b: ScenarioBuilder, cfg: DetectConfig = {}): Finding[] {
  const engine = new DetectionEngine({ ...SIGNATURES, ...cfg }, new AnomalyCounter());
  for (const r of b.conn) engine.conn(r);
  for (const r of b.ssl) engine.ssl(r);
  return engine.finish();
}

const portFindings = (fs: Finding[], port: number) => fs.filter((f) => f.detector === 'suspicious_port' && f.destPort === port);

describe('backdoor ports kept as data in signatures/ports.json', () => {
  it.each([
    [4444, 'strong', /Metasploit/],
    [6667, 'medium', /IRC/],
    [31337, 'strong', /Back Orifice/],
    [9001, 'medium', /Tor/],
    [9030, 'medium', /Tor/],
  ] as const)('port %i is listed (%s) with its reason, and one answered connection to it is a T1571 finding naming the reason', (port, strength, reason) => {
    const sig = SIGNATURES.ports!.find((p) => p.port === port)!;
    expect(sig.strength).toBe(strength);
    expect(sig.reason).toMatch(reason);
    const b = new ScenarioBuilder(port);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: port, origBytes: 900, respBytes: 4000, duration: 20 });
    const fs = portFindings(run(b), port);
    expect(fs).toHaveLength(1);
    expect(fs[0].mitreTechniqueIds).toContain('T1571');
    expect(fs[0].evidence).toMatch(reason);
    expect(fs[0].details.signatureStrength).toBe(strength);
    expect(fs[0].score).toBeGreaterThanOrEqual(strength === 'strong' ? 45 : 20);
  });

  it('the same port without the signature data raises nothing (the knowledge is the data, not the code)', () => {
    const b = new ScenarioBuilder(1);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 31337, origBytes: 900, respBytes: 4000, duration: 20 });
    expect(portFindings(run(b, { ports: [] }), 31337)).toEqual([]);
  });
});

describe('8080: weak alone, reportable when combined', () => {
  /** 40 internal hosts browse elsewhere, so prevalence (rarity) rules apply. */
  function population(b: ScenarioBuilder): void {
    for (let i = 0; i < 40; i++) {
      const c = b.addConn({ ts: START + i, origH: `10.0.1.${i + 10}`, respH: '203.0.113.250', respP: 443, service: 'ssl', origBytes: 800, respBytes: 9000 });
      b.addSsl(c, 'www.example.com');
    }
  }

  it('one HTTP connection to 8080 among few hosts: no finding', () => {
    const b = new ScenarioBuilder(2);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 8080, service: 'http', origBytes: 500, respBytes: 3000 });
    expect(portFindings(run(b), 8080)).toEqual([]);
  });

  it.each([
    ['periodic', { periodic: true, unknown: false, rare: false }, ['periodic']],
    ['unknown protocol', { periodic: false, unknown: true, rare: false }, ['unknown protocol']],
    ['one internal host of 40', { periodic: false, unknown: false, rare: true }, ['one internal host']],
    ['all three', { periodic: true, unknown: true, rare: true }, ['periodic', 'unknown protocol', 'one internal host']],
  ] as const)('8080 + %s is reported and names why', (_name, o, boosts) => {
    const b = new ScenarioBuilder(3);
    if (o.rare) population(b);
    const service = o.unknown ? null : 'http';
    if (o.periodic) {
      for (let t = 0; t < 6 * 3600; t += 60 * (1 + 0.1 * (b.rnd() * 2 - 1))) {
        b.addConn({ ts: START + t, origH: '10.0.0.5', respH: '198.51.100.7', respP: 8080, service, origBytes: 300, respBytes: 500, duration: 0.4 });
      }
    } else {
      b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 8080, service, origBytes: 500, respBytes: 3000, duration: 2 });
    }
    const fs = portFindings(run(b), 8080);
    expect(fs).toHaveLength(1);
    for (const w of boosts) expect(fs[0].evidence).toContain(w);
    expect(fs[0].score).toBeGreaterThanOrEqual(20);
    if (boosts.length === 3) expect(fs[0].score).toBeGreaterThanOrEqual(45);
    else expect(fs[0].score).toBeLessThan(45);
  });
});

describe('portMismatchOf: a protocol on a port where it does not belong', () => {
  const b = new ScenarioBuilder(9);
  const conn = (respP: number, service: string | null, extra: Record<string, unknown> = {}) =>
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP, service, ...extra });
  it.each([
    // [case, port, Zeek service, extra fields, expected text or null, expected strength]
    ['HTTP on its port', 80, 'http', {}, null, 0],
    ['TLS on an alternate TLS port (8443)', 8443, 'ssl', {}, null, 0],
    ['TLS on 7000', 7000, 'ssl', {}, 'ssl on 7000/tcp', MISMATCH_SCORE],
    ['HTTP on 4444', 4444, 'http', {}, 'http on 4444/tcp', MISMATCH_SCORE],
    ['SSH on 443 (a port firewalls let out)', 443, 'ssh', {}, 'ssh on 443/tcp', DISGUISED_SCORE],
    ['HTTP on 53', 53, 'http', {}, 'http on 53/tcp', DISGUISED_SCORE],
    ['unnamed data on 53/udp', 53, null, { proto: 'udp', history: 'Dd' }, 'non-DNS traffic on 53/udp', DISGUISED_SCORE],
    ['DNS on 53/udp', 53, 'dns', { proto: 'udp', history: 'Dd' }, null, 0],
    ['unknown established TCP on 443', 443, null, {}, 'non-SSL established connection on 443/tcp', UNKNOWN_ON_WEB_PORT_SCORE],
    ['unknown TCP on 443 joined midstream (content not seen)', 443, null, { history: 'DdAa' }, null, 0],
    ['an unlisted service on any port', 7000, 'mysql', {}, null, 0],
    ['content detection from a capture: TLS on 8081', 8081, null, { portMismatch: 'tls' }, 'tls on 8081/tcp', MISMATCH_SCORE],
    ['content detection from a capture: TLS on 5228 (a known alternate)', 5228, null, { portMismatch: 'tls', respBytes: 0 }, null, 0],
    ['content detection from a capture: SSH on 902', 902, null, { portMismatch: 'ssh' }, 'ssh on 902/tcp', MISMATCH_SCORE],
  ] as const)('%s', (_name, port, service, extra, text, strength) => {
    const got = portMismatchOf(conn(port, service, extra));
    if (text === null) expect(got).toBeNull();
    else expect(got).toEqual([text, strength]);
  });
});
