/**
 * `scan` and `brute_force`: the pure helpers table by table, the detectors on hand-built
 * connections (thresholds, windows, directions, order), and the documented scans and the
 * SSH brute force of the corpus (../shared/corpus, SOURCES.md) end to end.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { Finding } from '../../src/core/finding.js';
import type { ConnRecord } from '../../src/core/records.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { authService, isLoginAttempt } from '../../src/detect/brute-force.js';
import { DetectionEngine } from '../../src/detect/index.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { isEchoRequest, isProbe, maxInWindow, scanCountScore, subnetOf, TargetTimes } from '../../src/detect/scan.js';
import { readZeekLogs } from '../../src/ingest/zeek/index.js';
import { classifyInputs, runAnalysis } from '../../src/pipeline.js';
import { prng, ScenarioBuilder, START } from '../scenario/generate.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../shared/corpus');
const MEDIUM = 45;

function run(conns: ConnRecord[], cfg: DetectConfig = {}, anomalies = new AnomalyCounter()): Finding[] {
  const e = new DetectionEngine({ ...loadSignatures(), ...cfg }, anomalies);
  for (const r of conns) e.conn(r);
  return e.finish();
}

function probe(b: ScenarioBuilder, ts: number, src: string, dst: string, port: number, state = 'S0'): ConnRecord {
  return b.addConn({ ts, origH: src, respH: dst, respP: port, connState: state, origBytes: 0, respBytes: 0, duration: 0, history: 'S', origPkts: 2, origIpBytes: 104, respPkts: state === 'REJ' ? 1 : 0, respIpBytes: state === 'REJ' ? 40 : 0 });
}

describe('scan helpers', () => {
  const base = new ScenarioBuilder(1).addConn({ ts: 0, origH: '10.0.0.1', respH: '198.51.100.1', respP: 23 });
  it.each([
    ['TCP S0', { connState: 'S0', origBytes: 0, respBytes: 0 }, true],
    ['TCP REJ', { connState: 'REJ', origBytes: 0, respBytes: 0 }, true],
    ['TCP RSTO without data (SYN scan of an open port)', { connState: 'RSTO', origBytes: 0, respBytes: 0 }, true],
    ['TCP SF with data', { connState: 'SF', origBytes: 300, respBytes: 1200 }, false],
    ['TCP RSTR with data', { connState: 'RSTR', origBytes: 24, respBytes: 22 }, false],
    ['UDP without reply', { proto: 'udp', connState: 'S0', respPkts: 0, respBytes: 0 }, true],
    ['UDP answered', { proto: 'udp', connState: 'SF', respPkts: 1, respBytes: 48 }, false],
    ['ICMP', { proto: 'icmp', origP: 8, respP: 0 }, false],
  ] as [string, Partial<ConnRecord>, boolean][])('isProbe: %s', (_name, p, want) => {
    expect(isProbe({ ...base, ...p })).toBe(want);
  });

  it.each([
    [8, 'icmp', true],
    [128, 'icmp', true],
    [0, 'icmp', false],
    [3, 'icmp', false],
    [8, 'udp', false],
  ] as [number, ConnRecord['proto'], boolean][])('isEchoRequest: type %i over %s', (type, proto, want) => {
    expect(isEchoRequest({ ...base, proto, origP: type })).toBe(want);
  });

  it.each([
    [[], 10, 0],
    [[5], 10, 1],
    [[0, 1, 2, 3, 100, 101], 10, 4],
    [[0, 10, 20, 30], 10, 2],
    [[0, 299, 300, 301, 700], 300, 3],
  ])('maxInWindow(%j, %i) = %i', (times, w, want) => {
    expect(maxInWindow(times, w)).toBe(want);
  });

  it.each([
    [24, 25, 0],
    [25, 25, 0.5],
    [79, 25, 0.5 + 0.4 * Math.log10(79 / 25)],
    [250, 25, 0.9],
    [5000, 25, 0.9],
    [15, 15, 0.5],
    [10, 0, 0],
  ])('scanCountScore(%i, %i)', (n, th, want) => {
    expect(scanCountScore(n, th)).toBeCloseTo(want, 6);
  });

  it('TargetTimes keeps the first target inline and the others in a map, like a Map', () => {
    const t = new TargetTimes();
    expect(t.size).toBe(0);
    expect(t.get('a')).toBeUndefined();
    t.set('a', 5);
    t.set('a', 3);
    expect([t.size, t.get('a'), t.keys(), t.values()]).toEqual([1, 3, ['a'], [3]]);
    t.set(7, 9);
    t.set('b', 1);
    t.set(7, 2);
    expect([t.size, t.get(7), t.get('b'), t.keys(), t.values()]).toEqual([3, 2, 1, ['a', 7, 'b'], [3, 2, 1]]);
  });

  it.each([
    ['192.168.1.109', '192.168.1.0/24'],
    ['10.2.3.4', '10.2.3.0/24'],
    ['2001:db8:1:2:3::5', '2001:db8:1:2::/64'],
    ['fe80::1', 'fe80::/64'],
  ])('subnetOf(%s) = %s', (ip, want) => {
    expect(subnetOf(ip)).toBe(want);
  });

  it.each([
    [{ service: 'ssh', respP: 902 }, 'ssh'],
    [{ service: 'ssl,http', respP: 443 }, null],
    [{ service: null, respP: 22 }, '22/tcp'],
    [{ service: null, respP: 8080 }, null],
    [{ service: 'ftp', respP: 21, proto: 'udp' }, null],
  ] as [Partial<ConnRecord>, string | null][])('authService(%j) = %s', (p, want) => {
    expect(authService({ ...base, proto: 'tcp', ...p })).toBe(want);
  });

  it.each([
    [{ origBytes: 1744, respBytes: 1839, duration: 3.7 }, true],
    [{ origBytes: 0, respBytes: 0, duration: 0 }, false],
    [{ origBytes: 1744, respBytes: 1839, duration: 600 }, false],
    [{ origBytes: 5_000_000, respBytes: 1839, duration: 20 }, false],
  ] as [Partial<ConnRecord>, boolean][])('isLoginAttempt(%j) = %s', (p, want) => {
    expect(isLoginAttempt({ ...base, ...p })).toBe(want);
  });
});

describe('scan on hand-built connections', () => {
  it('reports 30 failed telnet attempts to 30 public addresses in a minute, with T1046 and T1210', () => {
    const b = new ScenarioBuilder(2);
    for (let i = 0; i < 30; i++) probe(b, START + i * 2, '10.0.0.5', `198.51.100.${i + 1}`, 23);
    const s = run(b.conn).find((f) => f.detector === 'scan')!;
    expect(s).toBeDefined();
    expect(s.srcIp).toBe('10.0.0.5');
    expect(s.destPort).toBe(23);
    expect(s.direction).toBe('outbound');
    expect(s.details.hosts).toBe(30);
    expect(s.details.kind).toBe('horizontal');
    expect(s.mitreTechniqueIds).toEqual(['T1046', 'T1210']);
    expect(s.score).toBeGreaterThanOrEqual(MEDIUM);
  });

  it('stays quiet below the threshold, for successful connections, and for a slow scan spread over hours', () => {
    const b = new ScenarioBuilder(3);
    for (let i = 0; i < 24; i++) probe(b, START + i, '10.0.0.5', `198.51.100.${i + 1}`, 23);
    for (let i = 0; i < 100; i++) b.addConn({ ts: START + i, origH: '10.0.0.6', respH: `203.0.113.${i + 1}`, respP: 443, service: 'ssl' });
    for (let i = 0; i < 40; i++) probe(b, START + i * 600, '10.0.0.7', `198.51.100.${i + 1}`, 445);
    expect(run(b.conn).filter((f) => f.detector === 'scan')).toEqual([]);
  });

  it('reports one horizontal finding per source, naming every scanned port', () => {
    const b = new ScenarioBuilder(4);
    for (let i = 0; i < 40; i++) probe(b, START + i, '10.0.0.5', `198.51.100.${i + 1}`, 23);
    for (let i = 0; i < 30; i++) probe(b, START + i, '10.0.0.5', `203.0.113.${i + 1}`, 2323, 'REJ');
    const s = run(b.conn).filter((f) => f.detector === 'scan');
    expect(s).toHaveLength(1);
    expect(s[0].details.ports).toEqual([23, 2323]);
    expect(s[0].details.hosts).toBe(70);
    expect(s[0].evidence).toContain('23/tcp (40 hosts');
  });

  it('finds a vertical scan of an internal server (east-west, considered whatever `consider` says)', () => {
    const b = new ScenarioBuilder(5);
    for (let p = 1; p <= 20; p++) probe(b, START + p * 0.1, '10.0.0.5', '10.0.0.9', 1000 + p, 'REJ');
    const s = run(b.conn).find((f) => f.detector === 'scan')!;
    expect(s.details.kind).toBe('vertical');
    expect(s.destIp).toBe('10.0.0.9');
    expect(s.direction).toBe('internal');
    expect(s.details.ports).toBe(20);
    expect(s.mitreTechniqueIds).toEqual(['T1046']);
  });

  it('skips traceroute and a resolver\'s unanswered recursive queries', () => {
    const b = new ScenarioBuilder(13);
    const udp = (ts: number, src: string, dst: string, port: number): void => {
      b.addConn({ ts, origH: src, respH: dst, respP: port, proto: 'udp', connState: 'S0', origBytes: 32, respBytes: 0, respPkts: 0, respIpBytes: 0 });
    };
    for (let i = 0; i < 90; i++) udp(START + i * 0.1, '10.0.0.5', '198.51.100.9', 33434 + i);
    for (let i = 0; i < 40; i++) udp(START + i, '10.0.0.53', `198.51.100.${i + 1}`, 53);
    expect(run(b.conn, { resolvers: ['10.0.0.53'] }).filter((f) => f.detector === 'scan')).toEqual([]);
    expect(run(b.conn).filter((f) => f.detector === 'scan').map((f) => f.srcIp)).toEqual(['10.0.0.53']);
  });

  it('ignores the Internet scanning us unless inbound is considered', () => {
    const b = new ScenarioBuilder(6);
    for (let p = 1; p <= 20; p++) probe(b, START + p, '198.51.100.7', '10.0.0.9', 1000 + p, 'REJ');
    expect(run(b.conn).filter((f) => f.detector === 'scan')).toEqual([]);
    expect(run(b.conn, { consider: ['outbound', 'inbound'] }).filter((f) => f.detector === 'scan')).toHaveLength(1);
  });

  it('ICMP: a subnet sweep is a scan (T1018); scattered pings and repeated monitoring pings are not above low', () => {
    const b = new ScenarioBuilder(7);
    const ping = (ts: number, src: string, dst: string): void => {
      b.addConn({ ts, origH: src, respH: dst, respP: 0, origP: 8, proto: 'icmp', connState: 'OTH', origBytes: 0, respBytes: 0, respPkts: 1 });
    };
    for (let i = 1; i <= 20; i++) ping(START + i * 0.05, '10.0.0.5', `10.0.1.${i}`);
    for (let i = 1; i <= 40; i++) ping(START + i, '10.0.0.6', `198.51.${i}.${i}`);
    for (let k = 0; k < 12; k++) for (let i = 1; i <= 12; i++) ping(START + k * 300 + i, '10.0.0.7', `10.0.2.${i}`);
    const fs = run(b.conn).filter((f) => f.detector === 'scan');
    const sweep = fs.find((f) => f.srcIp === '10.0.0.5')!;
    expect(sweep.details.kind).toBe('icmp_sweep');
    expect(sweep.details.subnets).toEqual(['10.0.1.0/24']);
    expect(sweep.mitreTechniqueIds).toEqual(['T1018']);
    expect(sweep.score).toBeGreaterThanOrEqual(MEDIUM);
    expect(fs.some((f) => f.srcIp === '10.0.0.6')).toBe(false);
    const mon = fs.find((f) => f.srcIp === '10.0.0.7')!;
    expect(mon.details.monitoringLike).toBe(true);
    expect(mon.score).toBeLessThan(MEDIUM);
  });

  it('P2P fan-out: unanswered UDP to 40 peers on 40 high ports is a lower-rated scan (T1095); one port is a horizontal scan instead', () => {
    const b = new ScenarioBuilder(12);
    const udp = (ts: number, src: string, dst: string, port: number): void => {
      b.addConn({ ts, origH: src, respH: dst, respP: port, proto: 'udp', connState: 'S0', origBytes: 40, respBytes: 0, respPkts: 0, respIpBytes: 0 });
    };
    for (let i = 0; i < 40; i++) udp(START + i, '10.0.0.5', `198.51.100.${i + 1}`, 10_000 + i * 37);
    for (let i = 0; i < 40; i++) udp(START + i, '10.0.0.6', `198.51.100.${i + 1}`, 5060);
    const fs = run(b.conn).filter((f) => f.detector === 'scan');
    const p2p = fs.find((f) => f.srcIp === '10.0.0.5')!;
    expect(p2p.details.kind).toBe('p2p_fanout');
    expect(p2p.details.ports).toBe(40);
    expect(p2p.mitreTechniqueIds).toEqual(['T1095']);
    expect(p2p.score).toBeCloseTo(100 * 0.7 * (0.5 + 0.4 * Math.log10(40 / 25)), 0);
    const sip = fs.filter((f) => f.srcIp === '10.0.0.6');
    expect(sip.map((f) => f.details.kind)).toEqual(['horizontal']);
  });

  it('gives the same findings whatever the record order, and counts a full target cap', () => {
    const b = new ScenarioBuilder(8);
    for (let i = 0; i < 60; i++) probe(b, START + i, '10.0.0.5', `198.51.100.${i + 1}`, 23);
    for (let p = 1; p <= 30; p++) probe(b, START + p, '10.0.0.5', '198.51.100.200', 2000 + p, 'REJ');
    const scans = (fs: Finding[]): Finding[] => fs.filter((f) => f.detector === 'scan');
    const a = scans(run(b.conn));
    expect(a).toHaveLength(2);
    const shuffled = [...b.conn];
    const rnd = prng(9);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    expect(scans(run(shuffled))).toEqual(a);
    const anomalies = new AnomalyCounter();
    const capped = run(b.conn, { caps: { maxScanTargetsPerGroup: 40 } }, anomalies).find((f) => f.detector === 'scan' && f.details.kind === 'horizontal')!;
    expect(capped.details.capped).toBe(true);
    expect(capped.evidence).toContain('40+');
    expect(anomalies.get('detect_scan_targets_cap')).toBeGreaterThan(0);
  });
});

describe('brute_force on hand-built connections', () => {
  it('reports 40 short SSH logins to one server in two minutes as password guessing (T1110.001), not 20', () => {
    const b = new ScenarioBuilder(10);
    for (let i = 0; i < 40; i++) b.addConn({ ts: START + i * 3, origH: '10.0.0.5', respH: '10.0.0.22', respP: 22, service: 'ssh', origBytes: 1700, respBytes: 1800, duration: 2 });
    for (let i = 0; i < 20; i++) b.addConn({ ts: START + i * 3, origH: '10.0.0.6', respH: '10.0.0.22', respP: 22, service: 'ssh', origBytes: 1700, respBytes: 1800, duration: 2 });
    const fs = run(b.conn).filter((f) => f.detector === 'brute_force');
    expect(fs).toHaveLength(1);
    expect(fs[0].srcIp).toBe('10.0.0.5');
    expect(fs[0].details.attempts).toBe(40);
    expect(fs[0].mitreTechniqueIds).toEqual(['T1110.001']);
    expect(fs[0].score).toBeGreaterThanOrEqual(MEDIUM);
  });

  it('does not count long interactive sessions or file transfers', () => {
    const b = new ScenarioBuilder(11);
    for (let i = 0; i < 40; i++) b.addConn({ ts: START + i * 30, origH: '10.0.0.5', respH: '10.0.0.22', respP: 22, service: 'ssh', origBytes: 90_000, respBytes: 900_000, duration: 25 });
    for (let i = 0; i < 40; i++) b.addConn({ ts: START + i * 30, origH: '10.0.0.6', respH: '10.0.0.22', respP: 22, service: 'ssh', origBytes: 4000, respBytes: 90_000, duration: 900 });
    expect(run(b.conn).filter((f) => f.detector === 'brute_force')).toEqual([]);
  });
});

describe.skipIf(!existsSync(CORPUS))('scans and brute force in the corpus (skipped: ../shared/corpus is missing)', () => {
  async function capture(file: string, cfg: DetectConfig = {}): Promise<Finding[]> {
    const anomalies = new AnomalyCounter();
    const inputs = await classifyInputs([path.join(CORPUS, file)]);
    const res = await runAnalysis({ inputs, anomalies, detect: { ...loadSignatures({}, anomalies), sourceNames: [file], ...cfg } });
    return res.findings;
  }
  async function zeek(dir: string, cfg: DetectConfig = {}): Promise<Finding[]> {
    const anomalies = new AnomalyCounter();
    const engine = new DetectionEngine({ ...loadSignatures(), sourceNames: [dir], ...cfg }, anomalies);
    await readZeekLogs([path.join(CORPUS, dir)], engine, { anomalies, sourceIndexOf: () => 0 });
    return engine.finish();
  }

  it('slips-hide-and-seek-iot-botnet: 192.168.2.16 SYN-scans public addresses on 23, 8080 and 2323, the top finding', async () => {
    const fs = await capture('c2/slips-hide-and-seek-iot-botnet/test7-malicious.pcap');
    const s = fs.find((f) => f.detector === 'scan')!;
    expect(s).toBeDefined();
    expect(fs[0]).toBe(s);
    expect(s.srcIp).toBe('192.168.2.16');
    expect(s.details.kind).toBe('horizontal');
    expect(s.direction).toBe('outbound');
    expect(s.destPort).toBe(23);
    // Distinct addresses per port (SOURCES.md counts SYNs: 255 on 23, 180 on 8080, 128 on 2323, 48 on 9527).
    expect(s.details.ports).toEqual([23, 8080, 2323]);
    expect(s.details.hostsPerPort).toEqual([54, 40, 27]);
    expect(s.details.hosts).toBe(121);
    expect(s.details.attempts as number).toBeGreaterThan(300);
    expect(s.mitreTechniqueIds).toEqual(['T1046', 'T1210']);
    expect(s.score).toBeGreaterThanOrEqual(70);
    // The operator's SSH sessions into the device are not scans.
    // Its peer-to-peer UDP to random high ports is the second finding.
    const p2p = fs.filter((f) => f.detector === 'scan' && f.details.kind === 'p2p_fanout');
    expect(p2p).toHaveLength(1);
    expect(p2p[0].srcIp).toBe('192.168.2.16');
    expect(p2p[0].transport).toBe('udp');
    expect(p2p[0].details.hosts as number).toBeGreaterThan(100);
    expect(p2p[0].score).toBeGreaterThanOrEqual(MEDIUM);
    expect(fs.filter((f) => f.detector === 'scan')).toHaveLength(2);
  });

  it('slips-icmp-portscan: 192.168.1.109 sweeps 192.168.1.0/24 with echo requests', async () => {
    const fs = await capture('c2/slips-icmp-portscan/test12-icmp-portscan.pcap');
    const s = fs.find((f) => f.detector === 'scan')!;
    expect(s).toBeDefined();
    expect(s.srcIp).toBe('192.168.1.109');
    expect(s.details.kind).toBe('icmp_sweep');
    expect(s.details.subnets).toEqual(['192.168.1.0/24']);
    expect(s.details.hosts).toBe(18);
    expect(s.direction).toBe('internal');
    expect(s.score).toBeGreaterThanOrEqual(MEDIUM);
  });

  it('slips-ssh-bruteforce-port902: 147.32.80.40 guesses SSH passwords on 147.32.80.37:902', async () => {
    const fs = await capture('c2/slips-ssh-bruteforce-port902/malicious-ssh-bruteforce.pcap', { internalNetworks: ['147.32.0.0/16'] });
    const bf = fs.find((f) => f.detector === 'brute_force')!;
    expect(bf).toBeDefined();
    expect(bf.srcIp).toBe('147.32.80.40');
    expect(bf.destIp).toBe('147.32.80.37');
    expect(bf.destPort).toBe(902);
    expect(bf.appProtocol).toBe('ssh');
    // 67 connections in 13 s; 47 of them carried a full key exchange (about 1.7 KB each way).
    expect(bf.details.attempts).toBe(47);
    expect(bf.score).toBeGreaterThanOrEqual(MEDIUM);
  });

  it('slips-portscan-vertical-json: 192.168.1.9 probes 44 ports of scanme.nmap.org (45.33.32.156)', async () => {
    const fs = await zeek('zeek-logs/slips-portscan-vertical-json');
    const s = fs.find((f) => f.detector === 'scan')!;
    expect(s).toBeDefined();
    expect(s.srcIp).toBe('192.168.1.9');
    expect(s.destIp).toBe('45.33.32.156');
    expect(s.details.kind).toBe('vertical');
    expect(s.details.ports).toBe(44);
    expect(s.score).toBeGreaterThanOrEqual(MEDIUM);
  });

  it('slips-portscan-horizontal-tsv: mostly successful HTTP to 29 hosts is not a scan by failed attempts (as Zeek\'s scan policy)', async () => {
    // Slips calls it a horizontal scan because it also counts established flows to addresses
    // never resolved by DNS; Zeek's scan.zeek and this detector count failed attempts only (about 10 here).
    const fs = await zeek('zeek-logs/slips-portscan-horizontal-tsv');
    expect(fs.filter((f) => f.detector === 'scan')).toEqual([]);
  });
});
