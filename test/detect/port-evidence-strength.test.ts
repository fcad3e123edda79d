/**
 * suspicious_port: the shipped backdoor ports (Metasploit 4444, IRC 6667, Back Orifice
 * 31337, Tor 9001/9030) are kept as data with a reason and raise a finding naming it;
 * a plain 8080 (or 8443) alone raises nothing, each one of periodicity, an unknown protocol
 * and rarity corroborates it to medium, two of them to high (issue 6: "combined ... it is
 * strong"); a clear-text unknown protocol that takes turns (a shell) is medium where one
 * that does not is low; portMismatchOf, table
 * by table: a protocol on a port where it does not belong, from Zeek's service or from the
 * content detected in a capture.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import {
  DISGUISED_SCORE,
  INTERACTIVE_CLEARTEXT_SCORE,
  MISMATCH_SCORE,
  portMismatchOf,
  UNKNOWN_CLEARTEXT_SCORE,
  UNKNOWN_ON_WEB_PORT_SCORE,
} from '../../src/detect/ports.js';
import { corroboratedScore } from '../../src/detect/scores.js';
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

describe('corroboratedScore: weak evidence backed by independent signals', () => {
  it.each([
    // [signals, weak score, expected]
    [0, 0.15, 0.15],
    [1, 0.15, 0.5],
    [2, 0.15, 0.72],
    [3, 0.15, 0.85],
    [5, 0.15, 0.85],
    [1, 0.6, 0.6],
    [-1, 0.15, 0.15],
    [Number.NaN, 0.15, 0.15],
  ] as const)('%d signal(s) on weak evidence %d: %d', (n, weak, want) => {
    expect(corroboratedScore(n, weak)).toBe(want);
  });
});

describe('8080/8443: weak alone, medium with one corroborating signal, high with two', () => {
  /** 40 internal hosts browse elsewhere, so prevalence (rarity) rules apply. */
  function population(b: ScenarioBuilder): void {
    for (let i = 0; i < 40; i++) {
      const c = b.addConn({ ts: START + i, origH: `10.0.1.${i + 10}`, respH: '203.0.113.250', respP: 443, service: 'ssl', origBytes: 800, respBytes: 9000 });
      b.addSsl(c, 'www.example.com');
    }
  }

  it.each([8080, 8443])('one connection to %i among few hosts: no finding', (port) => {
    const b = new ScenarioBuilder(2);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: port, service: port === 8080 ? 'http' : 'ssl', origBytes: 500, respBytes: 3000 });
    expect(portFindings(run(b), port)).toEqual([]);
  });

  it('one connection to 8080 among 40 other hosts, shared with another host: no finding (not rare)', () => {
    const b = new ScenarioBuilder(2);
    population(b);
    for (const src of ['10.0.0.5', '10.0.0.6']) b.addConn({ ts: START, origH: src, respH: '198.51.100.7', respP: 8080, service: 'http', origBytes: 500, respBytes: 3000 });
    expect(portFindings(run(b), 8080)).toEqual([]);
  });

  it.each([
    // [case, port, signals, boosts named, lowest score, score below]
    ['8080 + periodic', 8080, { periodic: true, unknown: false, rare: false }, ['periodic'], 45, 70],
    ['8080 + unknown protocol', 8080, { periodic: false, unknown: true, rare: false }, ['unknown protocol'], 45, 70],
    ['8080 + one internal host of 40', 8080, { periodic: false, unknown: false, rare: true }, ['one internal host'], 45, 70],
    ['8443 + periodic', 8443, { periodic: true, unknown: false, rare: false }, ['periodic'], 45, 70],
    ['8443 + unknown protocol', 8443, { periodic: false, unknown: true, rare: false }, ['unknown protocol'], 45, 70],
    ['8080 + periodic + unknown protocol', 8080, { periodic: true, unknown: true, rare: false }, ['periodic', 'unknown protocol'], 70, 101],
    ['8080 + periodic + one internal host', 8080, { periodic: true, unknown: false, rare: true }, ['periodic', 'one internal host'], 70, 101],
    ['8443 + unknown protocol + one internal host', 8443, { periodic: false, unknown: true, rare: true }, ['unknown protocol', 'one internal host'], 70, 101],
    ['8080 + all three', 8080, { periodic: true, unknown: true, rare: true }, ['periodic', 'unknown protocol', 'one internal host'], 80, 101],
  ] as const)('%s is reported, names why and scores in range', (_name, port, o, boosts, min, below) => {
    const b = new ScenarioBuilder(3);
    if (o.rare) population(b);
    const service = o.unknown ? null : port === 8080 ? 'http' : 'ssl';
    if (o.periodic) {
      for (let t = 0; t < 6 * 3600; t += 60 * (1 + 0.1 * (b.rnd() * 2 - 1))) {
        b.addConn({ ts: START + t, origH: '10.0.0.5', respH: '198.51.100.7', respP: port, service, origBytes: 300, respBytes: 500, duration: 0.4 });
      }
    } else {
      b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: port, service, origBytes: 500, respBytes: 3000, duration: 2 });
    }
    const fs = portFindings(run(b), port);
    expect(fs).toHaveLength(1);
    for (const w of boosts) expect(fs[0].evidence).toContain(w);
    expect(fs[0].score).toBeGreaterThanOrEqual(min);
    expect(fs[0].score).toBeLessThan(below);
  });

  it('8080 + one signal but never answered stays low (a scan, not a session)', () => {
    const b = new ScenarioBuilder(4);
    for (let t = 0; t < 6 * 3600; t += 60) {
      b.addConn({ ts: START + t, origH: '10.0.0.5', respH: '198.51.100.7', respP: 8080, service: null, origBytes: 0, respBytes: 0, duration: null, connState: 'S0', history: 'S' });
    }
    for (const f of portFindings(run(b), 8080)) expect(f.score).toBeLessThan(45);
  });
});

describe('clear-text unknown protocol on an unregistered port: a session that takes turns is a shell-like trace', () => {
  it.each([
    // [case, extra fields, expected mismatch text or null, expected strength]
    ['low-entropy data, one burst', { origPayloadEntropy: 4.1 }, 'clear-text unknown protocol on 4321/tcp', UNKNOWN_CLEARTEXT_SCORE],
    ['low-entropy data, 2 turns, answered', { origPayloadEntropy: 4.1, origBurstCount: 2, origBursts: [START, START + 7] }, 'clear-text interactive session of an unknown protocol on 4321/tcp (2 turns)', INTERACTIVE_CLEARTEXT_SCORE],
    ['low-entropy data, 12 turns, answered', { origPayloadEntropy: 3.5, origBurstCount: 12 }, 'clear-text interactive session of an unknown protocol on 4321/tcp (12 turns)', INTERACTIVE_CLEARTEXT_SCORE],
    ['low-entropy data, 5 turns, nothing answered', { origPayloadEntropy: 4.1, origBurstCount: 5, respBytes: 0 }, 'clear-text unknown protocol on 4321/tcp', UNKNOWN_CLEARTEXT_SCORE],
    // A reverse shell (Aurora): the attacker on the responder side types, the victim answers at once.
    ['low-entropy data, 2 responder turns (reverse shell)', { origPayloadEntropy: 4.1, respBurstCount: 2 }, 'clear-text interactive session of an unknown protocol on 4321/tcp (2 turns from the responder)', INTERACTIVE_CLEARTEXT_SCORE],
    // Turns are the larger side's count, not the sum (a request and its answer are one turn).
    ['low-entropy data, 4 originator and 3 responder turns', { origPayloadEntropy: 4.1, origBurstCount: 4, respBurstCount: 3 }, 'clear-text interactive session of an unknown protocol on 4321/tcp (4 turns)', INTERACTIVE_CLEARTEXT_SCORE],
    ['low-entropy data, 3 responder turns, nothing answered', { origPayloadEntropy: 4.1, respBurstCount: 3, respBytes: 0 }, 'clear-text unknown protocol on 4321/tcp', UNKNOWN_CLEARTEXT_SCORE],
    ['encrypted-looking data, 5 turns', { origPayloadEntropy: 7.9, origBurstCount: 5 }, null, 0],
    ['entropy unknown (Zeek logs), 5 turns', { origBurstCount: 5 }, null, 0],
  ] as const)('%s', (_name, extra, text, strength) => {
    const b = new ScenarioBuilder(5);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: 4321, origBytes: 651, respBytes: 248, duration: 8, ...extra });
    const fs = portFindings(run(b), 4321);
    if (text === null) {
      expect(fs).toEqual([]);
      return;
    }
    expect(fs).toHaveLength(1);
    expect(fs[0].details.mismatch).toBe(text);
    expect(fs[0].details.mismatchScore).toBe(strength);
    expect(fs[0].severity).toBe(strength >= 0.45 ? 'medium' : 'low');
  });

  it.each([8081, 1883])('the same session on a registered port (%i: HTTP alternate, MQTT) is not called clear-text unknown', (port) => {
    const b = new ScenarioBuilder(6);
    b.addConn({ ts: START, origH: '10.0.0.5', respH: '198.51.100.7', respP: port, origBytes: 651, respBytes: 248, duration: 8, origPayloadEntropy: 4.1, origBurstCount: 4 });
    expect(portFindings(run(b), port)).toEqual([]);
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
