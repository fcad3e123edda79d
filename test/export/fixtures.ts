/** Findings for the writer tests: realistic values, plus attacker-controlled strings. */
import type { EnrichedFinding } from '../../src/core/finding.js';
import { newRunInfo, type RunInfo } from '../../src/export/run-info.js';

/** Strings an attacker can put into traffic-derived cells (host names, URIs, evidence). */
export const ATTACKER_STRINGS = [
  '=HYPERLINK("http://evil.example/x","click")',
  '+cmd|\' /C calc\'!A0',
  '-2+3+cmd|\' /C calc\'!A0',
  '@SUM(1+9)*cmd|\' /C calc\'!A0',
  '\t=1+1',
  '\r=1+1',
  'comma, "quote" and\nnew line',
  '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">',
  'esc \u001b[31mred\u001b[0m nul \u0000 del \u007f',
  'ünïcödé ✓ 日本語 \u2028 line sep',
];

export function makeFinding(over: Partial<EnrichedFinding> = {}): EnrichedFinding {
  return {
    findingId: 'b-0001',
    detector: 'beacon',
    score: 87.25,
    severity: 'high',
    startTime: 1707405399.123456,
    endTime: 1707406064.5,
    srcIp: '147.32.80.37',
    srcPort: null,
    destIp: '141.193.213.21',
    destPort: 443,
    destHost: 'testing.com',
    transport: 'tcp',
    appProtocol: 'ssl',
    direction: 'outbound',
    mitreTechniqueIds: ['T1071.001', 'T1573'],
    mitreTacticIds: ['TA0011'],
    connCount: 297,
    srcBytes: 123456,
    destBytes: 654321,
    communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
    evidence: '297 connections every 2.2 s (jitter 0.1 s)',
    inputSource: 'test-cc-capture-1.pcap',
    details: { interval_s: 2.2, intervals: [2.2, 2.1, 2.3, 2.2], timestamps: [1707405399, 1707405401.2, 1707405403.3, 1707405405.6, 1707405407.8] },
    srcGeo: { ipClass: 'public', country: 'CZ', asn: 2852, asOrg: 'CESNET z.s.p.o.' },
    destGeo: { ipClass: 'public', country: 'US', asn: 209242, asOrg: 'Cloudflare London, LLC' },
    ...over,
  };
}

/** A spread of findings: every detector, severities, missing values, attacker text. */
export function makeFindings(): EnrichedFinding[] {
  const out: EnrichedFinding[] = [makeFinding()];
  out.push(
    makeFinding({
      findingId: 'p-0002',
      detector: 'suspicious_port',
      score: 72,
      severity: 'high',
      srcIp: '192.168.100.206',
      srcPort: 1073,
      destIp: '192.168.100.202',
      destPort: 4321,
      destHost: null,
      appProtocol: null,
      direction: 'internal',
      mitreTechniqueIds: ['T1571'],
      communityId: null,
      evidence: 'cmd.exe shell on port 4321',
      details: {},
      srcGeo: { ipClass: 'private', country: null, asn: null, asOrg: null },
      destGeo: { ipClass: 'private', country: null, asn: null, asOrg: null },
    }),
  );
  out.push(
    makeFinding({
      findingId: 'x-0003',
      detector: 'cleartext_exfil',
      score: 95,
      severity: 'critical',
      destHost: 'homealldaylong.com',
      destIp: '2001:db8::5',
      destPort: 80,
      appProtocol: 'http',
      evidence: 'POST of 129 KB',
      details: {},
      destGeo: { ipClass: 'documentation', country: null, asn: null, asOrg: null },
    }),
  );
  out.push(makeFinding({ findingId: 'l-0004', detector: 'long_connection', score: 30, severity: 'low', details: {} }));
  out.push(makeFinding({ findingId: 'd-0005', detector: 'dns_tunnel', score: 10, severity: 'informational', destIp: null, destPort: null, destGeo: null, details: {} }));
  ATTACKER_STRINGS.forEach((s, i) =>
    out.push(
      makeFinding({
        findingId: `i-${String(i + 10).padStart(4, '0')}`,
        detector: 'ioc_match',
        score: 50,
        severity: 'medium',
        destHost: s,
        evidence: s,
        inputSource: s,
        details: { indicator: s },
        destGeo: { ipClass: 'public', country: 'RU', asn: 12345, asOrg: s },
      }),
    ),
  );
  return out;
}

export function makeRun(over: Partial<RunInfo> = {}): RunInfo {
  const run = newRunInfo({ version: '0.1.0', command: ['analyze', 'test-cc-capture-1.pcap', '--format', 'html'], options: { format: 'html' } });
  run.startedAt = Date.UTC(2026, 0, 2, 3, 4, 5);
  run.endedAt = run.startedAt + 1234;
  run.inputs = [{ path: 'test-cc-capture-1.pcap', format: 'pcap', bytes: 2072846, packets: 7931, skipped: 0, sha256: 'ab'.repeat(32) }];
  run.packets = { read: 7931, skipped: 0 };
  run.flows = 300;
  run.geoip = [
    { role: 'country', path: '/x/geo.mmdb', databaseType: 'country ipvAll', buildDate: '2026-06-17T19:51:40.000Z', origin: 'embedded', license: 'CC0-1.0' },
  ];
  return { ...run, ...over };
}
