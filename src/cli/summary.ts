/**
 * The run summary printed on stderr at the end of `konseki analyze`: inputs, packets or lines
 * read and skipped (with reasons), flows, findings per detector and severity, time, and the
 * GeoIP databases used. The data type lives in export/run-info.ts so that the HTML report can
 * show it too.
 */
import { SEVERITIES } from '../core/finding.js';
import type { GeoDbInfo } from '../enrich/geoip.js';
import type { RunInfo } from '../export/run-info.js';

export { newRunInfo, countFindings, rankFindings } from '../export/run-info.js';
export type { RunInfo, InputInfo, FindingCounts } from '../export/run-info.js';

/** Skip reasons listed by name; the rest are summed into "N other reasons". */
const MAX_REASONS_SHOWN = 12;

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function bytes(x: number | null | undefined): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '?';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = x;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${x} B` : `${v.toFixed(1)} ${u[i]}`;
}

/** `1.23 s`, `2 min 5 s`, `1 h 02 min`. */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** One line describing a GeoIP database (for the summary and for `--version`-like output). */
export function describeGeoDb(d: GeoDbInfo): string {
  const built = d.buildDate ? `, built ${d.buildDate.slice(0, 10)}` : '';
  const origin = d.origin === 'embedded' ? 'embedded' : `${d.path} (${d.origin})`;
  return `${d.role}: ${d.databaseType}${built}, ${origin}`;
}

/**
 * The summary as text lines for stderr (with a trailing newline). No colour: stderr may be a
 * log file.
 */
export function formatSummary(run: RunInfo): string {
  const lines: string[] = [];
  const elapsed = run.endedAt !== null ? formatElapsed(run.endedAt - run.startedAt) : '?';
  const read: string[] = [];
  if (run.packets.read || run.packets.skipped) read.push(`${n(run.packets.read)} packets read, ${n(run.packets.skipped)} skipped`);
  if (run.lines.read || run.lines.skipped) read.push(`${n(run.lines.read)} log lines read, ${n(run.lines.skipped)} skipped`);
  if (read.length === 0) read.push('nothing read');
  lines.push(
    `konseki: ${n(run.inputs.length)} input${run.inputs.length === 1 ? '' : 's'}, ${read.join('; ')}, ${n(run.flows)} flows, ${elapsed}` +
      (run.interrupted ? ' (interrupted: partial results)' : ''),
  );
  for (const i of run.inputs) {
    const parts = [i.path, i.format ?? 'unknown format', bytes(i.bytes)];
    if (i.packets !== undefined) parts.push(`${n(i.packets)} packets`);
    if (i.lines !== undefined) parts.push(`${n(i.lines)} lines`);
    if (i.skipped) parts.push(`${n(i.skipped)} skipped`);
    lines.push(`  input: ${parts.join(', ')}`);
    if (i.error) lines.push(`    stopped early: ${i.error}`);
  }
  const reasons = Object.entries(run.skipReasons).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (reasons.length) {
    const shown = reasons.slice(0, MAX_REASONS_SHOWN).map(([k, v]) => `${k} ${n(v)}`);
    const rest = reasons.slice(MAX_REASONS_SHOWN);
    if (rest.length) shown.push(`${rest.length} other reasons ${n(rest.reduce((s, [, v]) => s + v, 0))}`);
    lines.push(`  skipped or odd, by reason: ${shown.join(', ')}`);
  }
  const f = run.findings;
  const sev = SEVERITIES.slice()
    .reverse()
    .filter((s) => f.bySeverity[s])
    .map((s) => `${s} ${n(f.bySeverity[s])}`);
  lines.push(`  findings: ${n(f.total)}${sev.length ? ` (${sev.join(', ')})` : ''}`);
  const det = Object.entries(f.byDetector).map(([d, c]) => `${d} ${n(c)}`);
  if (det.length) lines.push(`    by detector: ${det.join(', ')}`);
  if (run.output) {
    const o = run.output;
    const where = o.out === '-' ? 'stdout' : o.out;
    lines.push(`  output: ${n(o.rows)} finding${o.rows === 1 ? '' : 's'} as ${o.format}, ${bytes(o.bytes)}, to ${where}${o.brokenPipe ? ' (reader closed the pipe early)' : ''}`);
  }
  if (run.geoip.length === 0) lines.push('  geoip: off');
  for (const d of run.geoip) lines.push(`  geoip ${describeGeoDb(d)}`);
  if (run.homeCountry) lines.push(`  home country: ${run.homeCountry}`);
  return lines.join('\n') + '\n';
}
