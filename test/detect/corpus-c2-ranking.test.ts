/**
 * Ranking on the real C2 captures of the corpus (SOURCES.md, `c2/`): the documented C2,
 * exfiltration or backdoor trace is the first finding of its capture, from the detector
 * that should name it. Lab captures: where the C2 sits on the lab LAN, east-west traffic is
 * considered, and the CTU captures name their public lab network as internal, as an analyst
 * would. Scores are printed so the figures can be compared run to run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { DetectorId } from '../../src/core/finding.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import type { DetectConfig } from '../../src/detect/index.js';
import { classifyInputs, runAnalysis } from '../../src/pipeline.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const C2 = path.resolve(HERE, '../../../shared/corpus/c2');
const CTU: DetectConfig = { internalNetworks: ['147.32.0.0/16'] };
const LAN: DetectConfig = { consider: ['outbound', 'internal'] };

interface Case {
  file: string;
  cfg: DetectConfig;
  detector: DetectorId;
  src: string;
  dst: string | null;
  port: number | null;
  /** Lowest acceptable score of the top finding. */
  min: number;
}

const CASES: Case[] = [
  { file: 'slips-beacon-https-periodic-2s/test-cc-capture-1.pcap', cfg: CTU, detector: 'beacon', src: '147.32.80.37', dst: '141.193.213.21', port: 443, min: 90 },
  { file: 'slips-beacon-https-semiperiodic-2to3s/test-cc-capture-2.pcap', cfg: CTU, detector: 'beacon', src: '147.32.80.37', dst: '141.193.213.20', port: 443, min: 70 },
  { file: 'slips-ssh-bruteforce-port902/malicious-ssh-bruteforce.pcap', cfg: { ...CTU, ...LAN }, detector: 'brute_force', src: '147.32.80.40', dst: '147.32.80.37', port: 902, min: 45 },
  { file: 'ppa-aurora-metasploit-reverse-shell-4321/aurora.pcapng', cfg: LAN, detector: 'suspicious_port', src: '192.168.100.206', dst: '192.168.100.202', port: 4321, min: 50 },
  { file: 'ppa-rat-c2-exfil-port4433/ratinfected.pcapng', cfg: LAN, detector: 'beacon', src: '172.16.0.114', dst: '172.16.0.111', port: 4433, min: 70 },
  { file: 'ppa-cryptowall4-http-c2/cryptowall4_c2.pcapng', cfg: {}, detector: 'http_checkin', src: '192.168.122.145', dst: '184.170.149.44', port: 80, min: 45 },
  { file: 'zeek-merlin-c2-quic/merlinc2_Zeek_example.pcapng', cfg: {}, detector: 'beacon', src: '10.0.0.4', dst: '24.199.110.233', port: 443, min: 70 },
  { file: 'slips-hide-and-seek-iot-botnet/test7-malicious.pcap', cfg: {}, detector: 'scan', src: '192.168.2.16', dst: null, port: 23, min: 70 },
  { file: 'slips-icmp-portscan/test12-icmp-portscan.pcap', cfg: LAN, detector: 'scan', src: '192.168.1.109', dst: null, port: null, min: 45 },
];

describe.skipIf(!existsSync(C2))('the documented C2 trace is the first finding of each corpus capture (skipped: ../shared/corpus/c2 is missing)', () => {
  it.each(CASES.map((c) => [c.file.split('/')[0], c] as const))('%s', async (_name, c) => {
    const anomalies = new AnomalyCounter();
    const inputs = await classifyInputs([path.join(C2, c.file)]);
    const res = await runAnalysis({ inputs, anomalies, detect: { ...loadSignatures({}, anomalies), sourceNames: [c.file], ...c.cfg } });
    const top = res.findings[0];
    expect(top, 'no finding at all').toBeDefined();
    console.info(`${c.file.split('/')[0]}: top ${top.detector} ${top.score} (${top.severity}) ${top.srcIp} -> ${top.destIp ?? '*'}:${top.destPort ?? '*'}, ${res.findings.length} findings`);
    expect(`${top.detector} ${top.srcIp} ${top.destIp} ${top.destPort}`).toBe(`${c.detector} ${c.src} ${c.dst} ${c.port}`);
    expect(top.score).toBeGreaterThanOrEqual(c.min);
  }, 60_000);
});
