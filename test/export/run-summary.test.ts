// Tests for src/cli/summary.ts and src/cli/progress.ts (kept here, next to run-info's tests).
import { describe, expect, it } from 'vitest';
import { formatSummary, formatElapsed, describeGeoDb, countFindings, newRunInfo } from '../../src/cli/summary.js';
import { Progress } from '../../src/cli/progress.js';
import { makeFindings, makeRun } from './fixtures.js';

describe('run summary', () => {
  it('counts findings per detector and severity', () => {
    const c = countFindings(makeFindings());
    expect(c.total).toBe(15);
    expect(c.bySeverity).toEqual({ informational: 1, low: 1, medium: 10, high: 2, critical: 1 });
    expect(c.byDetector).toEqual({ beacon: 1, cleartext_exfil: 1, dns_tunnel: 1, ioc_match: 10, long_connection: 1, suspicious_port: 1 });
    expect(Object.keys(c.byDetector)).toEqual(Object.keys(c.byDetector).sort());
  });

  it('formats inputs, reads and skips with reasons, findings, time and GeoIP', () => {
    const run = makeRun({
      findings: countFindings(makeFindings()),
      packets: { read: 7931, skipped: 12 },
      skipReasons: { truncated_ipv4_header: 10, bad_tcp_checksum: 2 },
      homeCountry: 'CZ',
    });
    run.inputs.push({ path: 'broken.pcap', format: 'pcap', bytes: 100, packets: 3, skipped: 12, error: 'ERR_PCAP_TRUNCATED: input ended inside a record (broken.pcap at byte offset 96)' });
    const text = formatSummary(run);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('konseki: 2 inputs, 7,931 packets read, 12 skipped, 300 flows, 1.23 s');
    expect(text).toContain('  input: test-cc-capture-1.pcap, pcap, 2.0 MiB, 7,931 packets');
    expect(text).toContain('  input: broken.pcap, pcap, 100 B, 3 packets, 12 skipped\n    stopped early: ERR_PCAP_TRUNCATED');
    expect(text).toContain('  skipped or odd, by reason: truncated_ipv4_header 10, bad_tcp_checksum 2');
    expect(text).toContain('  findings: 15 (critical 1, high 2, medium 10, low 1, informational 1)');
    expect(text).toContain('    by detector: beacon 1, cleartext_exfil 1, dns_tunnel 1, ioc_match 10, long_connection 1, suspicious_port 1');
    expect(text).toContain('  geoip country: country ipvAll, built 2026-06-17, embedded');
    expect(text).toContain('  home country: CZ');
    expect(text).not.toContain('output:');
    run.output = { format: 'csv', out: '/srv/out/findings.csv', rows: 15, bytes: 4096 };
    expect(formatSummary(run)).toContain('  output: 15 findings as csv, 4.0 KiB, to /srv/out/findings.csv');
    expect(text).not.toContain('\x1b');
  });

  it('says when nothing was read, GeoIP was off, or the run was interrupted', () => {
    const run = newRunInfo({ version: '0.1.0' });
    run.endedAt = run.startedAt + 65_000;
    run.interrupted = true;
    const text = formatSummary(run);
    expect(text).toContain('konseki: 0 inputs, nothing read, 0 flows, 1 min 5 s (interrupted: partial results)');
    expect(text).toContain('  findings: 0\n');
    expect(text).toContain('  geoip: off');
  });

  it('formats times and databases', () => {
    expect(formatElapsed(1234)).toBe('1.23 s');
    expect(formatElapsed(3_725_000)).toBe('1 h 02 min');
    expect(describeGeoDb({ role: 'city', path: '/usr/share/GeoIP/GeoLite2-City.mmdb', databaseType: 'GeoLite2-City', buildDate: '2026-05-01T00:00:00.000Z', origin: 'search', license: null })).toBe(
      'city: GeoLite2-City, built 2026-05-01, /usr/share/GeoIP/GeoLite2-City.mmdb (search)',
    );
  });
});

describe('progress on stderr', () => {
  function fakeStream(isTTY: boolean, columns = 100) {
    const out: string[] = [];
    return { out, stream: { isTTY, columns, write: (s: string) => (out.push(s), true) } };
  }

  it('is silent when stderr is not a terminal, or with --quiet', () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const { out, stream } = fakeStream(tty);
      const p = new Progress({ stream, quiet });
      p.startFile('a.pcap', 1000);
      p.update(500);
      p.endFile();
      expect(p.active).toBe(false);
      expect(out).toEqual([]);
    }
  });

  it('shows bytes, percent, rate and time left, throttled', () => {
    let t = 0;
    const { out, stream } = fakeStream(true);
    const p = new Progress({ stream, now: () => t, intervalMs: 200 });
    p.startFile('capture.pcap', 100 * 1024 * 1024, 0, 2);
    t = 1000;
    p.update(25 * 1024 * 1024);
    expect(out.length).toBe(1);
    expect(out[0]).toBe('\r\x1b[2K[1/2]  capture.pcap  25.0 MiB / 100.0 MiB  25%  25.0 MiB/s  0:03 left');
    t = 1100;
    p.update(26 * 1024 * 1024); // within 200 ms: not redrawn
    expect(out.length).toBe(1);
    t = 1300;
    p.update(30 * 1024 * 1024);
    expect(out.length).toBe(2);
    p.endFile();
    expect(out[2]).toBe('\r\x1b[2K');
  });

  it('handles unknown sizes and fits the terminal width', () => {
    let t = 0;
    const { out, stream } = fakeStream(true, 40);
    const p = new Progress({ stream, now: () => t });
    p.startFile('/very/long/path/to/some/capture-file-name.pcap.gz', null);
    t = 2000;
    p.update(4096);
    const line = out[0].replace('\r\x1b[2K', '');
    expect(line.length).toBeLessThanOrEqual(39);
    expect(line).toContain('4.0 KiB');
    expect(line).toContain('2.0 KiB/s');
    expect(line).not.toContain('%');
  });
});
