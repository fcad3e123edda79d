/**
 * What a run did, for the stderr summary, the HTML report and the manifest. Filled by the
 * `analyze` command; defined here so that the writers (which import nothing from cli/) can
 * render it. src/cli/summary.ts re-exports these and formats them for stderr.
 */
import { SEVERITIES, type EnrichedFinding, type Finding, type Severity } from '../core/finding.js';
import type { GeoDbInfo } from '../enrich/geoip.js';

export interface InputInfo {
  /** The path as given on the command line (`-` for stdin). */
  path: string;
  /** Format as sniffed: `pcap`, `pcapng`, `zeek-tsv`, `zeek-json`... null when unknown. */
  format: string | null;
  /** Size in bytes (null for stdin or when unknown). */
  bytes: number | null;
  /** Bytes actually read (for progress and partial inputs). */
  bytesRead?: number;
  packets?: number;
  lines?: number;
  /** Records (flows, log rows) produced from this input. */
  records?: number;
  /** Packets or lines skipped (their reasons are in RunInfo.skipReasons). */
  skipped?: number;
  /** Why reading stopped early (a KonsekiError message), null when it did not. */
  error?: string | null;
  /** SHA-256 of the whole file, hex, when a manifest was made. */
  sha256?: string | null;
}

export interface FindingCounts {
  total: number;
  byDetector: Record<string, number>;
  bySeverity: Record<Severity, number>;
}

export interface RunInfo {
  tool: string;
  version: string;
  /** Node.js version (`process.version`). */
  node: string;
  /** Arguments after the program name, as typed. */
  command: string[];
  /** Effective options after config and flags were merged (no secrets: Konseki takes none). */
  options: Record<string, unknown>;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number | null;
  inputs: InputInfo[];
  packets: { read: number; skipped: number };
  lines: { read: number; skipped: number };
  /** Anomaly counts by snake_case code (AnomalyCounter.toJSON()): why things were skipped. */
  skipReasons: Record<string, number>;
  flows: number;
  findings: FindingCounts;
  geoip: GeoDbInfo[];
  homeCountry: string | null;
  /** Config file used, if any. */
  configPath?: string | null;
  /** True when the run was interrupted (SIGINT/SIGTERM) and the results are partial. */
  interrupted?: boolean;
  /** What writeFindings wrote (its WriteResult), once written. */
  output?: { format: string; out: string; rows: number; bytes: number; brokenPipe?: boolean } | null;
}

/** An empty RunInfo for a run that starts now. */
export function newRunInfo(init: { version: string; command?: string[]; options?: Record<string, unknown> }): RunInfo {
  return {
    tool: 'konseki',
    version: init.version,
    node: process.version,
    command: init.command ?? [],
    options: init.options ?? {},
    startedAt: Date.now(),
    endedAt: null,
    inputs: [],
    packets: { read: 0, skipped: 0 },
    lines: { read: 0, skipped: 0 },
    skipReasons: {},
    flows: 0,
    findings: countFindings([]),
    geoip: [],
    homeCountry: null,
  };
}

/** Findings per detector (sorted by id) and per severity (all five, zeros included). */
export function countFindings(findings: readonly Finding[]): FindingCounts {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const det = new Map<string, number>();
  for (const f of findings) {
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    det.set(f.detector, (det.get(f.detector) ?? 0) + 1);
  }
  const byDetector: Record<string, number> = {};
  for (const k of [...det.keys()].sort()) byDetector[k] = det.get(k)!;
  return { total: findings.length, byDetector, bySeverity };
}

/**
 * Findings in rank order: score (high first), then severity, then earliest start, then id,
 * so that equal inputs always give the same order.
 */
export function rankFindings<T extends Finding | EnrichedFinding>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      b.score - a.score ||
      SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) ||
      a.startTime - b.startTime ||
      (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0),
  );
}
