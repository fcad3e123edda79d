/**
 * `konseki flows <capture...|-> [--format zeek|jsonl|csv] [-o FILE] [--logs DIR]`
 *
 * Builds Zeek conn.log records from packet captures. Several captures behave as one
 * continuous capture: they are ordered by the time of their first packet (standard input,
 * whose first packet cannot be peeked, goes first) and fed to one flow table, so a
 * connection that spans two files is one record, like `mergecap` then `zeek -r`.
 *
 * At the end the packet accounting is printed on stderr:
 *   packets read = packets in flows + non-IP + anomalies + fragments (held for, or merged by, reassembly)
 */
import { createWriteStream, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { AnomalyCounter } from '../../core/anomaly.js';
import { ErrorCodes, isKonsekiError } from '../../core/errors.js';
import { DecodeStatus, PacketMeta } from '../../core/packet.js';
import type { ConnRecord, DnsRecord, HttpRecord, RecordSink, SslRecord } from '../../core/records.js';
import { createAppAnalyzerFactory } from '../../app/index.js';
import { FlowTable } from '../../flow/flow-table.js';
import { classifyPath, orderCaptures } from '../../pipeline.js';
import { readCapture, type CaptureStats } from '../../ingest/capture-reader.js';
import { PacketDecoder } from '../../ingest/decode/packet-decoder.js';
import { CONN_LOG, DNS_LOG, HTTP_LOG, SSL_LOG, type LogSpec } from '../../export/zeek-fields.js';
import { ZeekLogWriter, type ZeekLogFormat } from '../../export/zeek-log-writer.js';
import { EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from '../exit-codes.js';
import { restoreStdin } from '../stdin-arg.js';

export type FlowsFormat = 'zeek' | 'jsonl' | 'csv';

export interface FlowsArgs {
  inputs: string[];
  format?: FlowsFormat;
  /** Output file for conn.log ('-' or undefined: standard output). */
  output?: string;
  /** Directory for conn.log, dns.log, http.log and ssl.log. */
  logs?: string;
}

export interface FlowsIo {
  stdout: Writable;
  stderr: Writable;
}

const FORMATS: Record<FlowsFormat, ZeekLogFormat> = { zeek: 'tsv', jsonl: 'json', csv: 'csv' };

/** Orders inputs as one continuous capture: by first packet time, unknown times (and stdin) first, stable. */
export function orderInputs(inputs: string[]): string[] {
  const classified = inputs.map((f, i) => (f === '-' ? { path: f, index: i, firstTs: null } : classifyPath(f, i)));
  return orderCaptures(classified).map((c) => c.path);
}

/**
 * Runs `konseki flows`.
 * @returns the exit code (0 ok, 2 usage / not a capture, 3 an input was partly unreadable)
 */
export async function runFlows(args: FlowsArgs, io: FlowsIo): Promise<number> {
  const say = (s: string) => io.stderr.write(s + '\n');
  const format = args.format ?? 'zeek';
  if (!(format in FORMATS)) {
    say(`konseki: --format must be zeek, jsonl or csv, got ${format}`);
    return EXIT_USAGE;
  }
  if (args.inputs.length === 0) {
    say('konseki: name at least one capture (or - for standard input)');
    return EXIT_USAGE;
  }
  if (args.inputs.filter((f) => f === '-').length > 1) {
    say('konseki: standard input (-) can be read only once');
    return EXIT_USAGE;
  }
  if (args.logs && args.output) {
    say('konseki: give either -o FILE or --logs DIR, not both');
    return EXIT_USAGE;
  }
  for (const f of args.inputs) {
    if (f !== '-' && !existsSync(f)) {
      say(`konseki: cannot open ${f}: no such file`);
      return EXIT_USAGE;
    }
    if (f !== '-' && statSync(f).isDirectory()) {
      say(`konseki: ${f} is a directory, not a capture`);
      return EXIT_USAGE;
    }
  }
  const zf = FORMATS[format];
  // Zeek keeps the .log name for JSON logs (LogAscii::use_json); CSV gets .csv.
  const ext = format === 'csv' ? 'csv' : 'log';

  // Writers.
  const writers: ZeekLogWriter<unknown>[] = [];
  let outputError: Error | null = null;
  const open = (file: string | undefined): { sink: Writable; end: boolean } => {
    if (file === undefined || file === '-') return { sink: io.stdout, end: false };
    // Open synchronously so that a bad path is a clear usage error, not a stream event.
    const fd = openSync(file, 'w');
    const ws = createWriteStream('', { fd, highWaterMark: 1 << 20 });
    ws.on('error', (e) => {
      outputError ??= new Error(`cannot write ${file}: ${e.message}`);
    });
    return { sink: ws, end: true };
  };
  let connW: ZeekLogWriter<ConnRecord>;
  let dnsW: ZeekLogWriter<DnsRecord> | null = null;
  let httpW: ZeekLogWriter<HttpRecord> | null = null;
  let sslW: ZeekLogWriter<SslRecord> | null = null;
  try {
    if (args.logs) {
      mkdirSync(args.logs, { recursive: true });
      const dir = args.logs;
      const mk = <R>(spec: LogSpec<R>): ZeekLogWriter<R> => {
        const o = open(path.join(dir, `${spec.path}.${ext}`));
        return new ZeekLogWriter(spec, zf, o.sink, { endStream: o.end });
      };
      connW = mk(CONN_LOG);
      dnsW = mk(DNS_LOG);
      httpW = mk(HTTP_LOG);
      sslW = mk(SSL_LOG);
    } else {
      const o = open(args.output);
      connW = new ZeekLogWriter(CONN_LOG, zf, o.sink, { endStream: o.end });
    }
  } catch (e) {
    say(`konseki: cannot write output: ${(e as Error).message}`);
    return EXIT_USAGE;
  }
  writers.push(connW as ZeekLogWriter<unknown>);
  for (const w of [dnsW, httpW, sslW]) if (w) writers.push(w as ZeekLogWriter<unknown>);

  const anomalies = new AnomalyCounter();
  const sink: RecordSink = {
    conn: () => {},
    dns: (r) => dnsW?.write(r),
    http: (r) => httpW?.write(r),
    ssl: (r) => sslW?.write(r),
  };
  let appFactory;
  try {
    // Without --logs only conn.log is written: the app layer still decides `service` (and
    // counts its anomalies) but builds no DNS records, and hands no record to the sink.
    const records = args.logs ? undefined : { dns: false, http: false, ssl: false };
    appFactory = createAppAnalyzerFactory(sink, anomalies, { records });
  } catch (e) {
    say(`konseki: ${(e as Error).message}`);
    return EXIT_USAGE;
  }
  const table = new FlowTable({ emit: (c) => connW.write(c), appFactory, anomalies });
  const decoder = new PacketDecoder(anomalies);
  const meta = new PacketMeta();

  const ordered = orderInputs(args.inputs);
  if (ordered.length > 1 && ordered.some((f, i) => f !== args.inputs[i])) {
    say(`konseki: reading ${ordered.length} captures in time order: ${ordered.join(', ')}`);
  }

  const all: CaptureStats[] = [];
  let code = EXIT_OK;
  const onPacket = (m: PacketMeta, st: DecodeStatus): void => {
    if (st === DecodeStatus.Ip) table.addPacket(m);
  };
  for (let i = 0; i < ordered.length; i++) {
    const f = ordered[i];
    // The table looks ahead at the next packets of each read chunk (FlowTable.prefetch).
    const st = await readCapture(f, i, onPacket, { anomalies, decoder, meta, prefetch: table });
    all.push(st);
    if (st.error) {
      say(`konseki: ${st.error.message}`);
      if (st.error.code === ErrorCodes.NOT_A_CAPTURE && st.packetsRead === 0) code = Math.max(code, EXIT_USAGE);
      else code = Math.max(code, EXIT_PARTIAL);
    } else if (st.truncated) {
      code = Math.max(code, EXIT_PARTIAL);
    }
    for (const w of writers) await w.ready();
  }
  // Flush in steps so the writers can drain (memory stays flat with many open flows).
  while (table.flushSome(4096)) {
    for (const w of writers) await w.ready();
  }
  try {
    for (const w of writers) await w.close();
  } catch (e) {
    say(`konseki: cannot write output: ${isKonsekiError(e) ? e.message : (e as Error).message}`);
    return Math.max(code, EXIT_PARTIAL);
  }
  if (outputError !== null) {
    say(`konseki: ${(outputError as Error).message}`);
    code = Math.max(code, EXIT_PARTIAL);
  }

  // Accounting.
  let read = 0;
  let ip = 0;
  let nonIp = 0;
  let anom = 0;
  let frags = 0;
  for (const s of all) {
    read += s.packetsRead;
    ip += s.ip;
    nonIp += s.nonIp;
    anom += s.anomalies;
    frags += s.fragments;
  }
  const ts = table.stats;
  say(
    `konseki flows: ${read} packets read = ${ts.packets} in flows + ${nonIp} non-IP + ${anom} anomalies + ${frags} fragments (held or merged)`,
  );
  if (read !== ip + nonIp + anom + frags || ip !== ts.packets) {
    say(`konseki: warning: packet accounting does not add up (decoded IP ${ip}, in flows ${ts.packets})`);
  }
  say(
    `konseki flows: ${ts.flowsEmitted} connections (${ts.flushedAtEnd} open at end, ${ts.expiredByTimeout} inactivity timeouts, ` +
      `${ts.earlyExpired} early expiries at the cap, live peak ${ts.livePeak})`,
  );
  const counts = anomalies.toJSON();
  const keys = Object.keys(counts);
  if (keys.length > 0) say(`konseki flows: anomalies: ${keys.map((k) => `${k}=${counts[k]}`).join(' ')}`);
  return code;
}

const VALUE_OPTIONS = new Set(['-o', '--output', '--logs', '-f', '--format']);

/**
 * yargs drops a lone `-` from positionals; put standard input back when the command line
 * has a `-` that is not the value of an option (`-o -` means stdout).
 */
export function withStdin(inputs: string[], rawArgs: string[]): string[] {
  if (inputs.includes('-')) return inputs;
  for (let i = 0; i < rawArgs.length; i++) {
    if (rawArgs[i] === '-' && !(i > 0 && VALUE_OPTIONS.has(rawArgs[i - 1]))) return ['-', ...inputs];
  }
  return inputs;
}

interface FlowsCliArgs {
  inputs: string[];
  format: FlowsFormat;
  output?: string;
  logs?: string;
}

export const flowsCommand: CommandModule<object, FlowsCliArgs> = {
  command: 'flows <inputs..>',
  describe: 'write Zeek conn.log records from packet captures (several captures = one capture in time order)',
  builder: (y: Argv) =>
    y
      .positional('inputs', { type: 'string', array: true, describe: 'pcap/pcapng files (gzip ok), or - for stdin' })
      .option('format', {
        alias: 'f',
        choices: ['zeek', 'jsonl', 'csv'] as const,
        default: 'zeek' as const,
        describe: 'zeek: Zeek TSV with full header; jsonl: Zeek JSON lines; csv: snake_case columns',
      })
      .option('output', { alias: 'o', type: 'string', describe: 'conn.log output file (default stdout)' })
      .option('logs', { type: 'string', describe: 'write conn, dns, http and ssl logs into this directory' }) as unknown as Argv<FlowsCliArgs>,
  handler: async (argv: ArgumentsCamelCase<FlowsCliArgs>) => {
    try {
      const inputs = withStdin(restoreStdin(argv.inputs), process.argv.slice(2));
      process.exitCode = await runFlows(
        { inputs, format: argv.format, output: argv.output, logs: argv.logs },
        { stdout: process.stdout, stderr: process.stderr },
      );
    } catch (e) {
      process.stderr.write(`konseki: ${(e as Error).message}\n`);
      process.exitCode = EXIT_PARTIAL;
    }
  },
};
