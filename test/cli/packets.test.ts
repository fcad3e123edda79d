/**
 * `konseki packets`: the accounting summary and exit codes, through the command's handler
 * (runPackets) and end to end through the compiled CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPackets, type PacketsSummary } from '../../src/cli/commands/packets.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const CORPUS = path.resolve(ROOT, '../shared/corpus');
const HAVE_CORPUS = existsSync(path.join(CORPUS, 'SOURCES.md'));
const CLI = path.join(ROOT, 'dist/cli/main.js');

const WIKI = path.join(CORPUS, 'zeek-traces/wikipedia-tcp-udp-dns-http/wikipedia.pcap');
const SLL2 = path.join(CORPUS, 'linktypes/sll2-linux-cooked-v2-icmp-arp/linux_dlt_sll2.pcap');
const BROKEN_GZ = path.join(CORPUS, 'malformed/zeek-fuzz-mpls-6in6-broken/mpls-6in6-broken.pcap.gz');
const TEXT = path.join(CORPUS, 'malformed/rita-text-file-not-zeek/conn.log');
const BAD_VERSION = path.join(CORPUS, 'malformed/libpcap-savefile-reject/pcap-invalid-version-2.pcap');

async function run(inputs: string[], json: boolean, stdin?: Buffer) {
  let out = '';
  let err = '';
  const code = await runPackets(inputs, { json, quiet: false }, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin: stdin ? Readable.from([stdin.subarray(0, 1000), stdin.subarray(1000)]) : undefined,
  });
  return { code, out, err };
}

const skipNote = HAVE_CORPUS ? '' : ` (skipped: shared corpus not found at ${CORPUS})`;

describe.skipIf(!HAVE_CORPUS)(`konseki packets (handler)${skipNote}`, () => {
  it('prints the accounting of several inputs as JSON, with totals', async () => {
    const { code, out } = await run([WIKI, SLL2, BROKEN_GZ], true);
    expect(code).toBe(0);
    const sum = JSON.parse(out) as PacketsSummary;
    expect(sum.inputs.map((i) => [i.packets_read, i.format, i.compressed])).toEqual([
      [136, 'pcap', false],
      [6, 'pcap', false],
      [1811, 'pcap', true],
    ]);
    for (const i of sum.inputs) {
      expect(i.ip + i.non_ip + i.anomalies + i.fragments).toBe(i.packets_read);
      expect(i.error).toBeNull();
    }
    expect(sum.inputs[1].non_ip_by_ethertype).toEqual({ '0x0806': 1, '0x8035': 1 });
    expect(sum.inputs[0].container).toEqual({ byteOrder: 'LE', version: '2.4', tsUnit: 'us', snaplen: 65535 });
    // Zeek's baseline for the fuzzed trace: invalid_inner_IP_version, unknown_ip_version,
    // ip_hdr_len_zero and invalid_IP_header_size are the anomaly kinds.
    expect(Object.keys(sum.inputs[2].anomaly_codes).sort()).toEqual(
      ['invalid_IP_header_size', 'invalid_inner_IP_version', 'ip_hdr_len_zero', 'unknown_ip_version'].sort(),
    );
    expect(sum.totals.packets_read).toBe(136 + 6 + 1811);
    expect(sum.totals.ip + sum.totals.non_ip + sum.totals.anomalies + sum.totals.fragments).toBe(sum.totals.packets_read);
    expect(sum.exit_code).toBe(0);
  });

  it('prints a readable summary on stderr', async () => {
    const { code, out, err } = await run([WIKI, BROKEN_GZ], false);
    expect(code).toBe(0);
    expect(out).toBe('');
    expect(err).toContain('packets read  136');
    expect(err).toContain('ARP 0x0806: 6');
    expect(err).toContain('pcap 2.4 LE us snaplen 262144 (gzip), Ethernet (1)');
    expect(err).toMatch(/total \(2 inputs\): 1947 packets read = \d+ IP \+ \d+ non-IP \+ \d+ anomalies \+ \d+ fragments/);
    expect(err).toMatch(/anomalies by code:\n(\s+\w+\s+\d+\n)+/);
    // Sampled anomaly messages name the file and the byte offset.
    expect(err).toMatch(/konseki: anomaly: invalid_inner_IP_version.*mpls-6in6-broken\.pcap\.gz at byte offset \d+/);
  });

  it('reads standard input for -', async () => {
    const { code, out } = await run(['-'], true, readFileSync(WIKI));
    expect(code).toBe(0);
    const sum = JSON.parse(out) as PacketsSummary;
    expect(sum.inputs[0].file).toBe('-');
    expect(sum.inputs[0].packets_read).toBe(136);
  });

  it('reads gzip from standard input, detected by its magic', async () => {
    const { code, out } = await run(['-'], true, readFileSync(BROKEN_GZ));
    expect(code).toBe(0);
    expect((JSON.parse(out) as PacketsSummary).inputs[0]).toMatchObject({ compressed: true, packets_read: 1811 });
  });

  it('exits 3 on a truncated input and still prints what was read', async () => {
    const data = readFileSync(WIKI);
    const { code, err } = await run(['-'], false, data.subarray(0, data.length - 100));
    expect(code).toBe(3);
    expect(err).toContain('packets read  135');
    expect(err).toMatch(/konseki: warning: Capture is truncated.*\(- at byte offset \d+\); the 135 packets before it were read/);
  });

  it('exits 2 with one clear line for a file that is not a capture', async () => {
    const { code, err } = await run([TEXT], false);
    expect(code).toBe(2);
    const errors = err.split('\n').filter((l) => l.startsWith('konseki: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Not a packet capture');
    expect(errors[0]).toContain(TEXT);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 for a header libpcap refuses, and 2 outranks 3 across inputs', async () => {
    const data = readFileSync(WIKI);
    const { code, out } = await run([BAD_VERSION, '-'], true, data.subarray(0, data.length - 100));
    expect(code).toBe(2);
    const sum = JSON.parse(out) as PacketsSummary;
    expect(sum.inputs.map((i) => i.exit_code)).toEqual([2, 3]);
    expect(sum.inputs[0].error?.code).toBe('ERR_PCAP_BAD_HEADER');
    expect(sum.totals.failed_inputs).toBe(2);
    expect(sum.totals.truncated_inputs).toBe(1);
  });

  it('exits 2 for a missing file', async () => {
    const { code, err } = await run([path.join(ROOT, 'no-such-file.pcap')], false);
    expect(code).toBe(2);
    expect(err).toContain('Cannot read input: no such file');
  });
});

describe('konseki packets (usage)', () => {
  it('refuses - twice, and unknown options', async () => {
    expect((await run(['-', '-'], false)).code).toBe(2);
    const r = await run(['--jsn', 'x.pcap'], false);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown option --jsn');
  });
});

describe.skipIf(!HAVE_CORPUS || !existsSync(CLI))(`konseki packets (compiled CLI; skipped unless built with \`npx tsc -p .\`)${skipNote}`, () => {
  it('reads - from a pipe and exits 0', () => {
    const r = spawnSync(process.execPath, [CLI, 'packets', '-', '--json'], { input: readFileSync(WIKI), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as PacketsSummary).totals.packets_read).toBe(136);
  });

  it('exits 2 without a stack trace for a non-capture', () => {
    const r = spawnSync(process.execPath, [CLI, 'packets', TEXT], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Not a packet capture');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
