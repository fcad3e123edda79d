/**
 * `konseki packets <inputs..>`: reads captures (pcap/pcapng, plain or gzip, '-' for
 * standard input), decodes every packet and prints the accounting: packets read, IP,
 * non-IP per ethertype, fragments, anomalies per code, truncation and errors. The summary
 * goes to stderr; `--json` prints it as JSON on stdout instead.
 *
 * Exit codes: 0 all read; 2 usage, or an input that is not a readable capture; 3 an input
 * cut short (truncated, corrupt record, gzip error), partial results still printed.
 */
import type { Readable } from 'node:stream';
import type { Argv, CommandModule } from 'yargs';
import { AnomalyCounter } from '../../core/anomaly.js';
import { ErrorCodes, type KonsekiError } from '../../core/errors.js';
import { readCapture, type CaptureStats, type ContainerInfo } from '../../ingest/capture-reader.js';
import { PacketDecoder } from '../../ingest/decode/packet-decoder.js';
import { EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from '../exit-codes.js';
import { restoreStdin } from '../stdin-arg.js';

/** Where the command writes (process streams, or strings in tests). */
export interface PacketsIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** The stream '-' reads (default: standard input). */
  stdin?: Readable;
}

export interface PacketsOptions {
  /** Print the summary as JSON on stdout. */
  json?: boolean;
  /** Do not print sampled anomaly messages on stderr. */
  quiet?: boolean;
  /** Read size in bytes (default 4 MiB). */
  chunkSize?: number;
}

/** JSON summary of one input (snake_case, like our other outputs). */
export interface PacketsInputSummary {
  file: string;
  format: string;
  compressed: boolean;
  linktypes: number[];
  /** What the file header(s) said: byte order, version, timestamp unit, snaplen, pcapng blocks. */
  container: ContainerInfo | null;
  packets_read: number;
  ip: number;
  non_ip: number;
  anomalies: number;
  fragments: number;
  non_ip_by_ethertype: Record<string, number>;
  /** Every anomaly counted while reading this input, per code (container and decoder). */
  anomaly_codes: Record<string, number>;
  bytes_read: number;
  truncated: boolean;
  first_ts: number | null;
  last_ts: number | null;
  error: { code: string; message: string; offset: number | null } | null;
  exit_code: number;
}

export interface PacketsSummary {
  inputs: PacketsInputSummary[];
  totals: {
    inputs: number;
    packets_read: number;
    ip: number;
    non_ip: number;
    anomalies: number;
    fragments: number;
    non_ip_by_ethertype: Record<string, number>;
    anomaly_codes: Record<string, number>;
    truncated_inputs: number;
    failed_inputs: number;
  };
  exit_code: number;
}

/** Names of the link types the decoder handles (LINKTYPE_* numbers). */
const LINKTYPE_NAMES: Record<number, string> = {
  0: 'BSD loopback',
  1: 'Ethernet',
  9: 'PPP',
  12: 'raw IP',
  14: 'raw IP',
  101: 'raw IP',
  108: 'OpenBSD loopback',
  113: 'Linux SLL',
  228: 'raw IPv4',
  229: 'raw IPv6',
  239: 'NFLOG',
  276: 'Linux SLL2',
};

/** Common non-IP ethertypes, for the human summary. */
const ETHERTYPE_NAMES: Record<string, string> = {
  '0x0806': 'ARP',
  '0x8035': 'RARP',
  '0x8100': '802.1Q',
  '0x88a8': '802.1ad',
  '0x88cc': 'LLDP',
  '0x8863': 'PPPoE discovery',
  '0x8864': 'PPPoE session',
  '0x888e': 'EAPOL',
  '0x8847': 'MPLS',
  '0x88a2': 'AoE',
  '0x88e5': 'MACsec',
  '0x88f7': 'PTP',
  '0x9000': 'loopback',
  '0x0000': 'no ethertype (802.3/LLC)',
};

/**
 * Exit code for one input: 2 when nothing could be read as a capture (missing, not a
 * capture, a header libpcap refuses), 3 when it was cut short, else 0.
 */
export function exitCodeFor(s: CaptureStats): number {
  const e = s.error;
  if (e) {
    if (e.code === ErrorCodes.NOT_A_CAPTURE || e.code === ErrorCodes.IO) return EXIT_USAGE;
    if (e.code === ErrorCodes.PCAP_BAD_HEADER && s.packetsRead === 0) return EXIT_USAGE;
    return EXIT_PARTIAL;
  }
  return s.truncated ? EXIT_PARTIAL : EXIT_OK;
}

function errorJson(e: KonsekiError | undefined): PacketsInputSummary['error'] {
  return e ? { code: e.code, message: e.message, offset: e.offset ?? null } : null;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function sorted(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}

/**
 * Reads the inputs one after the other and builds the summary.
 * @param inputs paths, or '-' (once) for standard input
 * @param opts output options
 * @param io output streams
 * @returns the summary (its `exit_code` is the command's)
 */
export async function collectPackets(inputs: string[], opts: PacketsOptions, io: PacketsIo): Promise<PacketsSummary> {
  const summaries: PacketsInputSummary[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const anomalies = new AnomalyCounter();
    if (!opts.quiet) anomalies.onSample = (s) => io.stderr.write(`konseki: anomaly: ${s.message}\n`);
    const decoder = new PacketDecoder(anomalies);
    const stats = await readCapture(inputs[i], i, () => {}, {
      anomalies,
      decoder,
      chunkSize: opts.chunkSize,
      stdin: io.stdin,
    });
    summaries.push({
      file: stats.file,
      format: stats.format,
      compressed: stats.compressed,
      linktypes: stats.linktypes,
      container: stats.container ?? null,
      packets_read: stats.packetsRead,
      ip: stats.ip,
      non_ip: stats.nonIp,
      anomalies: stats.anomalies,
      fragments: stats.fragments,
      non_ip_by_ethertype: stats.nonIpByEthertype,
      anomaly_codes: anomalies.toJSON(),
      bytes_read: stats.bytesRead,
      truncated: stats.truncated,
      first_ts: stats.firstTs,
      last_ts: stats.lastTs,
      error: errorJson(stats.error),
      exit_code: exitCodeFor(stats),
    });
  }
  const totals: PacketsSummary['totals'] = {
    inputs: summaries.length,
    packets_read: 0,
    ip: 0,
    non_ip: 0,
    anomalies: 0,
    fragments: 0,
    non_ip_by_ethertype: {},
    anomaly_codes: {},
    truncated_inputs: 0,
    failed_inputs: 0,
  };
  let exit = EXIT_OK;
  for (const s of summaries) {
    totals.packets_read += s.packets_read;
    totals.ip += s.ip;
    totals.non_ip += s.non_ip;
    totals.anomalies += s.anomalies;
    totals.fragments += s.fragments;
    addCounts(totals.non_ip_by_ethertype, s.non_ip_by_ethertype);
    addCounts(totals.anomaly_codes, s.anomaly_codes);
    if (s.truncated) totals.truncated_inputs++;
    if (s.error) totals.failed_inputs++;
    // An unreadable input (2) outranks a partly read one (3).
    if (s.exit_code === EXIT_USAGE || (s.exit_code === EXIT_PARTIAL && exit === EXIT_OK)) exit = s.exit_code;
  }
  totals.non_ip_by_ethertype = sorted(totals.non_ip_by_ethertype);
  totals.anomaly_codes = sorted(totals.anomaly_codes);
  return { inputs: summaries, totals, exit_code: exit };
}

function fmtTs(t: number | null): string {
  if (t === null) return '-';
  return new Date(Math.floor(t * 1000)).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

function pad(label: string): string {
  return ('  ' + label).padEnd(16);
}

function ethertypes(r: Record<string, number>): string {
  return Object.entries(r)
    .map(([k, v]) => `${ETHERTYPE_NAMES[k] ? `${ETHERTYPE_NAMES[k]} ${k}` : k}: ${v}`)
    .join(', ');
}

/** The human summary printed on stderr. */
export function formatPacketsSummary(sum: PacketsSummary): string {
  const lines: string[] = [];
  for (const s of sum.inputs) {
    const lt = s.linktypes.map((n) => `${LINKTYPE_NAMES[n] ?? 'link type'} (${n})`).join(', ');
    const c = s.container;
    const hdr = c ? ` ${c.version} ${c.byteOrder}${c.tsUnit ? ' ' + c.tsUnit : ''}${c.snaplen !== undefined ? ' snaplen ' + c.snaplen : ''}` : '';
    const what = s.format === 'unknown' ? 'not read' : `${s.format}${hdr}${s.compressed ? ' (gzip)' : ''}${lt ? ', ' + lt : ''}`;
    lines.push(`${s.file}: ${what}`);
    if (s.format !== 'unknown') {
      lines.push(`${pad('packets read')}${s.packets_read}  (${s.bytes_read} bytes)`);
      lines.push(`${pad('IP')}${s.ip}`);
      lines.push(`${pad('non-IP')}${s.non_ip}${s.non_ip ? '  ' + ethertypes(s.non_ip_by_ethertype) : ''}`);
      lines.push(`${pad('fragments')}${s.fragments}  (held for reassembly)`);
      lines.push(`${pad('anomalies')}${s.anomalies}`);
      if (s.first_ts !== null) lines.push(`${pad('time')}${fmtTs(s.first_ts)} .. ${fmtTs(s.last_ts)}`);
    }
    if (s.error) {
      const kind = s.exit_code === EXIT_USAGE ? 'error' : s.truncated ? 'warning' : 'error';
      const tail = s.exit_code === EXIT_PARTIAL ? `; the ${s.packets_read} packets before it were read` : '';
      lines.push(`konseki: ${kind}: ${s.error.message}${tail}`);
    }
  }
  const t = sum.totals;
  if (t.inputs > 1) {
    lines.push(
      `total (${t.inputs} inputs): ${t.packets_read} packets read = ${t.ip} IP + ${t.non_ip} non-IP + ${t.anomalies} anomalies + ${t.fragments} fragments`,
    );
  }
  const codes = Object.entries(t.anomaly_codes);
  if (codes.length) {
    lines.push('anomalies by code:');
    const w = Math.max(...codes.map(([k]) => k.length));
    for (const [k, v] of codes) lines.push(`  ${k.padEnd(w)}  ${v}`);
  }
  if (t.truncated_inputs || t.failed_inputs) {
    lines.push(`${t.failed_inputs} of ${t.inputs} inputs not fully read (${t.truncated_inputs} truncated)`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Runs the command.
 * @returns the exit code
 */
export async function runPackets(inputs: string[], opts: PacketsOptions, io: PacketsIo): Promise<number> {
  if (inputs.length === 0) {
    io.stderr.write('konseki: packets: name at least one capture file, or - for standard input\n');
    return EXIT_USAGE;
  }
  const unknown = inputs.find((x) => x.startsWith('-') && x !== '-');
  if (unknown !== undefined) {
    io.stderr.write(`konseki: packets: unknown option ${unknown} (name a file starting with '-' as ./${unknown})\n`);
    return EXIT_USAGE;
  }
  if (inputs.filter((x) => x === '-').length > 1) {
    io.stderr.write("konseki: packets: standard input ('-') can be named only once\n");
    return EXIT_USAGE;
  }
  const sum = await collectPackets(inputs, opts, io);
  if (opts.json) io.stdout.write(JSON.stringify(sum, null, 2) + '\n');
  else io.stderr.write(formatPacketsSummary(sum));
  return sum.exit_code;
}

interface PacketsArgs {
  inputs: string[];
  json: boolean;
  quiet: boolean;
}

export const packetsCommand: CommandModule<object, PacketsArgs> = {
  command: 'packets <inputs..>',
  describe: 'Read captures (pcap/pcapng, plain or gzip, - for stdin) and print the packet accounting',
  builder: (y: Argv<object>) =>
    y
      // yargs re-parses variadic positionals as `--inputs <values>`, where a lone '-' looks
      // like an option and is dropped. Treating unknown options as arguments keeps '-';
      // runPackets then refuses any other input that starts with '-' as an unknown option.
      .parserConfiguration({ 'unknown-options-as-args': true })
      .positional('inputs', {
        describe: "capture files; '-' reads standard input",
        type: 'string',
        array: true,
        demandOption: true,
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'do not print sampled anomaly messages' })
      .example('$0 packets capture.pcapng', 'accounting summary on stderr')
      .example('zcat big.pcap.gz | $0 packets - --json', 'from standard input, as JSON') as unknown as Argv<PacketsArgs>,
  handler: async (argv) => {
    process.exitCode = await runPackets(restoreStdin(argv.inputs.map(String)), { json: argv.json, quiet: argv.quiet }, {
      stdout: process.stdout,
      stderr: process.stderr,
    });
  },
};
