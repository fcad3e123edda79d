/**
 * The one-line evidence an analyst reads and the ATT&CK ids a finding carries: number,
 * duration, byte and size formats; technique ids by application protocol; the record types
 * that count as DNS data channels; and the issue's own example line reproduced by a day of
 * 60 s callbacks.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { fmtSizePm } from '../../src/detect/beacon.js';
import { c2Techniques, fmt, fmtBytes, fmtDuration } from '../../src/detect/context.js';
import { isDataQtype } from '../../src/detect/dns-tunnel.js';
import { DetectionEngine } from '../../src/detect/index.js';
import { ScenarioBuilder, START } from '../scenario/generate.js';

describe('evidence formats', () => {
  it.each([
    [60.123, '60.1'],
    [0.8, '0.8'],
    [2.5, '2.5'],
    [3, '3'],
    [1428, '1428'],
    [Infinity, '?'],
  ])('fmt(%d) = %s', (x, want) => expect(fmt(x)).toBe(want));

  it.each([
    [45, '45.0 s'], // fmt keeps one decimal from 10 up (its doc comment says "45 s")
    [8, '8 s'],
    [119, '119 s'],
    [750, '12.5 min'],
    [85_680, '23.8 h'],
  ])('fmtDuration(%d) = %s', (s, want) => expect(fmtDuration(s)).toBe(want));

  it.each([
    [230, '230 B'],
    [85_300, '85.3 KB'],
    [2_100_000, '2.1 MB'],
    [3.2e9, '3.2 GB'],
  ])('fmtBytes(%d) = %s', (b, want) => expect(fmtBytes(b)).toBe(want));

  it.each([
    [230, 12, '230±12 B'],
    [85_300, 1_200, '85.3±1.2 KB'],
    [2_000_000, 50_000, '2±0.05 MB'],
  ])('fmtSizePm(%d, %d) = %s', (m, s, want) => expect(fmtSizePm(m, s)).toBe(want));
});

describe('ATT&CK techniques by application protocol', () => {
  it.each([
    ['ssl', ['T1071.001', 'T1573']],
    ['quic,ssl', ['T1071.001', 'T1573']],
    ['http', ['T1071.001']],
    ['dns', ['T1071.004']],
    ['ftp', ['T1071.002']],
    ['smtp', ['T1071.003']],
    ['ssh', ['T1573']],
    [null, ['T1095']],
    ['', ['T1095']],
  ] as const)('%s -> %j', (service, want) => expect(c2Techniques(service)).toEqual(want));
});

describe('DNS record types that carry data (dns_tunnel)', () => {
  it.each([
    [16, 'TXT', true],
    [10, 'NULL', true],
    [65_280, null, true],
    [65_534, null, true],
    [65_535, null, false],
    [1, 'A', false],
    [28, 'AAAA', false],
    [null, 'TXT', true],
    [null, null, false],
  ] as const)('qtype %s (%s) -> %s', (qtype, name, want) => expect(isDataQtype(qtype, name)).toBe(want));
});

describe('the issue\'s example evidence line', () => {
  it('a day of 60 s ±3% callbacks of about 230 B reads "interval 60 s ±3%, ~1428 beats over ~24 h, sizes 230±N B"', () => {
    const b = new ScenarioBuilder(60);
    let t = START;
    while (t < START + 23.8 * 3600) {
      const size = 218 + Math.floor(b.rnd() * 25);
      const c = b.addConn({ ts: t, origH: '10.0.0.5', respH: '203.0.113.60', respP: 443, service: 'ssl', origBytes: size, respBytes: 410, duration: 0.4 });
      b.addSsl(c, 'api.example-c2.net');
      t += b.jit(60, 0.03);
    }
    const engine = new DetectionEngine(loadSignatures(), new AnomalyCounter());
    for (const r of b.conn) engine.conn(r);
    for (const r of b.ssl) engine.ssl(r);
    const f = engine.finish().find((x) => x.detector === 'beacon')!;
    expect(f.evidence).toMatch(/^interval (59\.\d|60|60\.\d) s ±[1-3]%, 14\d\d beats over 23\.\d h, sizes 2[23]\d±\d{1,2} B$/);
    expect(f.severity).toBe('critical');
    expect(f.mitreTechniqueIds).toEqual(['T1071.001', 'T1573']);
  });
});
