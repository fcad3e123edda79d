/**
 * `konseki analyze <inputs..|->`: the main job. Reads captures and Zeek logs (in one run if
 * need be), runs the detectors, enriches the findings with GeoIP, writes them (CSV, JSON
 * lines, table or HTML), and prints a run summary on stderr.
 *
 * Exit codes: 0 ran (with or without findings); 1 findings at or above --fail-on; 2 usage or
 * configuration error, or no input could be read at all; 3 an input was partly unreadable
 * (results still written); 130 interrupted.
 */
import type { Writable } from 'node:stream';
import type { Argv, CommandModule } from 'yargs';
import { AnomalyCounter } from '../../core/anomaly.js';
import { isKonsekiError } from '../../core/errors.js';
import { SEVERITIES, type Severity } from '../../core/finding.js';
import type { DetectConfig } from '../../detect/config.js';
import { GeoEnricher } from '../../enrich/geoip.js';
import { countFindings, newRunInfo, rankFindings } from '../../export/run-info.js';
import { chooseFormat, writeFindings, OUTPUT_FORMATS, type OutputFormat } from '../../export/write-findings.js';
import { classifyInputs, runAnalysis } from '../../pipeline.js';
import { defaultWorkerCount, MAX_DEFAULT_WORKERS, normalizeWorkerCount } from '../../parallel/worker-pool.js';
import { applyFlags, detectConfigFrom, geoOptionsFrom, loadConfig, type ConfigFlags } from '../config.js';
import { buildManifest, writeManifest } from '../manifest.js';
import { loadSignatures } from '../signatures.js';
import { formatSummary } from '../summary.js';
import { Progress } from '../progress.js';
import { packageVersion } from '../version.js';
import { restoreStdin } from '../stdin-arg.js';
import { EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from '../exit-codes.js';

export interface AnalyzeArgs {
  inputs: string[];
  output?: string;
  format?: string;
  config?: string;
  internalNetworks?: string[];
  allowIp?: string[];
  allowDomain?: string[];
  allowlist?: string[];
  ioc?: string[];
  geoipCity?: string;
  geoipCountry?: string;
  geoipAsn?: string;
  geoipDir?: string;
  geoip?: boolean;
  homeCountry?: string;
  failOn?: string;
  manifest?: string;
  quiet?: boolean;
  minScore?: number;
  workers?: number;
}

export interface AnalyzeIo {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream;
}

/**
 * Runs `konseki analyze`.
 * @returns the exit code
 */
export async function runAnalyze(args: AnalyzeArgs, io: AnalyzeIo): Promise<number> {
  const say = (s: string) => void io.stderr.write(s + '\n');
  let interrupted = false;
  const abort = new AbortController();
  const stdin = (io.stdin ?? process.stdin) as NodeJS.ReadableStream & { destroy?: () => void };
  const onInterrupt = () => {
    // Stop reading (a pipe on stdin may never end by itself), then write what was found so far.
    interrupted = true;
    abort.abort();
    if (args.inputs.includes('-')) stdin.destroy?.();
  };
  try {
    if (args.inputs.filter((f) => f === '-').length > 1) {
      say('konseki: standard input (-) can be read only once');
      return EXIT_USAGE;
    }
    // One thread by default: detection still runs on the main thread, and on small machines
    // the record hand-off costs more than the parallel parsing saves (bench/README-parallel.md).
    const workers = args.workers === undefined ? 1 : args.workers === 0 ? defaultWorkerCount() : normalizeWorkerCount(args.workers);
    const loaded = await loadConfig({ path: args.config ?? null, env: io.env });
    const flags: ConfigFlags = {
      internalNetworks: args.internalNetworks ?? null,
      allowlistIps: args.allowIp ?? null,
      allowlistDomains: args.allowDomain ?? null,
      indicatorFiles: args.ioc ?? null,
      geoipCity: args.geoipCity ?? null,
      geoipCountry: args.geoipCountry ?? null,
      geoipAsn: args.geoipAsn ?? null,
      geoipDir: args.geoipDir ?? null,
      noGeoip: args.geoip === false ? true : null,
      homeCountry: args.homeCountry ?? null,
      failOn: (args.failOn as Severity | undefined) ?? null,
      format: (args.format as OutputFormat | undefined) ?? null,
    };
    const config = applyFlags(loaded.config, flags);
    const out = args.output ?? '-';
    const format = chooseFormat(config.format, out, io.stdout.isTTY === true);

    const anomalies = new AnomalyCounter();
    const sigs = loadSignatures({ ioc: config.indicatorFiles, allowList: args.allowlist }, anomalies);
    const base = detectConfigFrom(config);
    const thresholds = { ...base.thresholds };
    if (args.minScore !== undefined) thresholds.minScore = args.minScore;
    const detect: DetectConfig = {
      ...base,
      ...sigs,
      allowList: [...sigs.allowList, ...(base.allowList ?? [])],
      sourceNames: args.inputs,
      thresholds,
    };
    const geo = await GeoEnricher.open(geoOptionsFrom(loaded.config, flags, io.env));
    for (const w of geo.warnings) say(`konseki: warning: ${w}`);

    const run = newRunInfo({
      version: packageVersion(),
      command: process.argv.slice(2),
      options: { format, output: out, homeCountry: config.homeCountry, failOn: config.failOn, internalNetworks: config.internalNetworks, indicatorFiles: config.indicatorFiles, minScore: thresholds.minScore ?? null },
    });
    run.configPath = loaded.path;
    run.homeCountry = config.homeCountry;
    run.geoip = geo.describe();

    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);

    const inputs = await classifyInputs(args.inputs, stdin as never);
    if (inputs.every((c) => c.error)) {
      for (const c of inputs) say(`konseki: ${c.error!.message}`);
      return EXIT_USAGE;
    }
    const progress = new Progress({ quiet: args.quiet, stream: process.stderr });
    const result = await runAnalysis({ inputs, detect, anomalies, say: (l) => (progress.clear(), say(l)), workers, progress, signal: abort.signal });

    const enriched = rankFindings(result.findings.map((f) => geo.enrich(f, config.homeCountry)));
    run.endedAt = Date.now();
    run.inputs = result.inputs;
    run.packets = result.packets;
    run.lines = result.lines;
    run.flows = result.flows;
    run.skipReasons = anomalies.toJSON();
    run.findings = countFindings(enriched);
    run.interrupted = interrupted;

    if (args.manifest) {
      const files = [...config.indicatorFiles.map((p) => ({ role: 'indicators', path: p })), ...(args.allowlist ?? []).map((p) => ({ role: 'allowlist', path: p }))];
      await writeManifest(args.manifest, await buildManifest({ ...run, inputs: run.inputs.filter((i) => i.path !== '-') }, { files }));
    }
    const written = await writeFindings(enriched, { format, out, run, stdout: io.stdout, env: io.env });
    run.output = written;
    if (!args.quiet) io.stderr.write(formatSummary(run));
    if (interrupted) return EXIT_INTERRUPTED;
    if (written.brokenPipe) return EXIT_OK;
    if (config.failOn) {
      const floor = SEVERITIES.indexOf(config.failOn);
      if (enriched.some((f) => SEVERITIES.indexOf(f.severity) >= floor)) return EXIT_FINDINGS;
    }
    if (result.partial || result.unreadable.length > 0) return EXIT_PARTIAL;
    return EXIT_OK;
  } catch (e) {
    if (isKonsekiError(e)) {
      say(`konseki: ${e.message}`);
      return EXIT_USAGE;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
}

export const analyzeCommand: CommandModule<object, AnalyzeArgs> = {
  command: 'analyze <inputs..>',
  describe: 'Find C2 traces in captures and/or Zeek logs (files, directories, or - for stdin)',
  builder: (y: Argv) =>
    y
      .positional('inputs', { describe: 'pcap/pcapng files (gzip ok), Zeek log files or directories, or -', type: 'string', array: true })
      .option('output', { alias: 'o', type: 'string', describe: 'Output file, - for stdout (written atomically)', default: '-' })
      .option('format', { alias: 'f', type: 'string', choices: OUTPUT_FORMATS as unknown as string[], describe: 'Output format (default: table on a terminal, CSV otherwise, or from the -o extension)' })
      .option('config', { type: 'string', describe: 'JSON config file (default: $KONSEKI_CONFIG, then ~/.config/konseki/config.json)' })
      .option('internal-networks', { type: 'string', array: true, describe: 'CIDRs of the internal networks (default: private and special ranges)' })
      .option('allow-ip', { type: 'string', array: true, describe: 'Addresses/CIDRs whose traffic never makes a finding' })
      .option('allow-domain', { type: 'string', array: true, describe: 'Domains (*.example.com for subdomains) never reported' })
      .option('allowlist', { type: 'string', array: true, describe: 'Allow-list files (CIDRs, domains, *.suffix; # comments)' })
      .option('ioc', { type: 'string', array: true, describe: 'Indicator files: plain lists or CSV feeds (IPs, CIDRs, domains, URLs, JA3/JA4)' })
      .option('geoip-city', { type: 'string', describe: 'GeoLite2/GeoIP2/DB-IP City mmdb' })
      .option('geoip-country', { type: 'string', describe: 'GeoLite2/GeoIP2/DB-IP Country mmdb' })
      .option('geoip-asn', { type: 'string', describe: 'GeoLite2/GeoIP2 ASN mmdb' })
      .option('geoip-dir', { type: 'string', describe: 'Folder searched for GeoLite2-*.mmdb (like Zeek mmdb_dir)' })
      .option('geoip', { type: 'boolean', default: true, describe: 'Use GeoIP (--no-geoip: classify addresses only)' })
      .option('home-country', { type: 'string', describe: 'ISO country code: destinations abroad raise beacon and upload scores' })
      .option('fail-on', { type: 'string', choices: SEVERITIES as unknown as string[], describe: 'Exit 1 when a finding reaches this severity' })
      .option('min-score', { type: 'number', describe: 'Report findings from this 0-100 score (default 10)' })
      .option('manifest', { type: 'string', describe: 'Write a chain-of-custody manifest (SHA-256 of inputs, options, versions) to this file' })
      .option('workers', { alias: 'j', type: 'number', describe: `Worker threads for parsing (default 1; 0 = the number of cores, at most ${MAX_DEFAULT_WORKERS}); findings are identical for any value` })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress or summary on stderr' }) as unknown as Argv<AnalyzeArgs>,
  handler: async (argv) => {
    const code = await runAnalyze({ ...argv, inputs: restoreStdin(argv.inputs) }, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    process.exitCode = code;
  },
};
