/**
 * The HTML report: one self-contained file (inline CSS, inline SVG charts, a few lines of
 * inline script for filtering and sorting) that makes no network request when opened: a
 * Content-Security-Policy meta tag forbids every fetch (`default-src 'none'`), so even a
 * mistake in this file cannot leak an analyst's view to the network.
 *
 * Every piece of text from the traffic (host names, evidence, details) is HTML-escaped:
 * an attacker who puts `<script>` in a host name gets it shown, not run.
 *
 * Sections: summary counts, timeline of the top findings, findings ranked with their
 * evidence and details, one interval chart per beacon (from `details.intervals` and/or
 * `details.timestamps`), countries and AS of the destinations, and the run manifest.
 */
import { SEVERITIES, type EnrichedFinding, type Severity } from '../core/finding.js';
import { formatScore, isoTime } from './fields.js';
import { countFindings, rankFindings, type RunInfo } from './run-info.js';

/** Findings drawn on the timeline (the top ones by rank). */
export const TIMELINE_MAX_FINDINGS = 25;
/** Beacons given an interval chart (the top ones by rank); the rest are counted in a note. */
export const MAX_BEACON_CHARTS = 100;
/** Points drawn per chart; longer series are sampled evenly and the note says so. */
export const MAX_CHART_POINTS = 2000;

const SEV_COLOR: Record<Severity, string> = {
  critical: '#8e0000',
  high: '#d32f2f',
  medium: '#ef8f00',
  low: '#0277bd',
  informational: '#757575',
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** HTML-escape text for element content and quoted attribute values. */
export function esc(s: unknown): string {
  return String(s ?? '')
    .replace(CONTROL, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function fmtNum(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : '';
}

function fmtBytes(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '';
  if (sec < 1) return `${Math.round(sec * 1000)} ms`;
  if (sec < 120) return `${sec.toFixed(1)} s`;
  if (sec < 7200) return `${(sec / 60).toFixed(1)} min`;
  if (sec < 172800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86400).toFixed(1)} d`;
}

function shortTime(epochSec: number): string {
  return isoTime(epochSec).replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function endpoint(ip: string | null, port: number | null): string {
  if (!ip) return '';
  const h = ip.includes(':') ? `[${ip}]` : ip;
  return port === null ? h : `${h}:${port}`;
}

function geoText(f: EnrichedFinding, which: 'src' | 'dest'): string {
  const g = which === 'src' ? f.srcGeo : f.destGeo;
  if (!g) return '';
  if (g.ipClass !== 'public') return g.ipClass;
  const p: string[] = [];
  if (g.country) p.push(g.country + (g.city ? ` (${g.city})` : ''));
  if (g.asn !== null) p.push(`AS${g.asn}${g.asOrg ? ' ' + g.asOrg : ''}`);
  return p.join(' · ');
}

function sevBadge(s: Severity): string {
  return `<span class="sev sev-${s}">${s}</span>`;
}

/** Fewest intervals (without timestamps) that make a series worth a chart. */
const MIN_SERIES_WITHOUT_TIMES = 3;

/**
 * Interval series of a beacon: [x (epoch s, or index when there are no timestamps), interval s].
 * Sources, best first: `details.timestamps` (the callback times; paired with
 * `details.intervals` when those line up with them, else the intervals are derived from the
 * times), then `details.intervals` alone when it is a series (at least 3 values; a detector may
 * also use that key for the one or two interval modes it found, which are no series).
 */
export function beaconSeries(f: EnrichedFinding): { points: [number, number][]; timeAxis: boolean } {
  const d = f.details ?? {};
  const nums = (v: unknown): number[] | null =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : null;
  const intervals = nums(d.intervals);
  const ts = nums(d.timestamps);
  if (ts && ts.length >= 2) {
    if (intervals && intervals.length === ts.length - 1) return { points: intervals.map((v, i) => [ts[i + 1], v]), timeAxis: true };
    if (intervals && intervals.length === ts.length) return { points: intervals.map((v, i) => [ts[i], v]), timeAxis: true };
    const sorted = [...ts].sort((a, b) => a - b);
    const pts: [number, number][] = [];
    for (let i = 1; i < sorted.length; i++) pts.push([sorted[i], sorted[i] - sorted[i - 1]]);
    return { points: pts, timeAxis: true };
  }
  if (intervals && intervals.length >= MIN_SERIES_WITHOUT_TIMES) return { points: intervals.map((v, i) => [i + 1, v]), timeAxis: false };
  return { points: [], timeAxis: false };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** SVG scatter chart of a beacon's intervals over time. */
export function beaconChart(f: EnrichedFinding): string {
  const { points: all, timeAxis } = beaconSeries(f);
  if (all.length === 0) {
    const d = f.details ?? {};
    const known = typeof d.interval === 'number' ? ` Its interval: ${esc(fmtDuration(d.interval))}.` : '';
    return `<p class="note">This finding carries no series of callback times to chart.${known}</p>`;
  }
  let points = all;
  let note = '';
  if (all.length > MAX_CHART_POINTS) {
    points = [];
    const step = all.length / MAX_CHART_POINTS;
    for (let i = 0; i < MAX_CHART_POINTS; i++) points.push(all[Math.floor(i * step)]);
    note = `<p class="note">Showing ${fmtNum(MAX_CHART_POINTS)} of ${fmtNum(all.length)} intervals, sampled evenly.</p>`;
  }
  const W = 640;
  const H = 200;
  const L = 56;
  const R = 12;
  const T = 12;
  const B = 34;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (x1 === x0) {
    x0 -= 1;
    x1 += 1;
  }
  const yMax = Math.max(...ys) * 1.1 || 1;
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => T + (1 - y / yMax) * (H - T - B);
  const med = median(all.map((p) => p[1]));
  let dots = '';
  for (const [x, y] of points) dots += `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5"/>`;
  const xLabel = (x: number) => (timeAxis ? esc(shortTime(x)) : `#${Math.round(x)}`);
  return (
    `<svg class="chart beacon-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
    `aria-label="Intervals of finding ${esc(f.findingId)}" data-points="${points.length}">` +
    `<line class="axis" x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}"/>` +
    `<line class="axis" x1="${L}" y1="${T}" x2="${L}" y2="${H - B}"/>` +
    `<line class="median" x1="${L}" y1="${sy(med).toFixed(1)}" x2="${W - R}" y2="${sy(med).toFixed(1)}"/>` +
    `<text x="${L - 4}" y="${T + 8}" text-anchor="end">${esc(fmtDuration(yMax))}</text>` +
    `<text x="${L - 4}" y="${H - B}" text-anchor="end">0</text>` +
    `<text x="${W - R}" y="${T + 8}" text-anchor="end" class="median-label">- - median ${esc(fmtDuration(med))}</text>` +
    `<text x="${L}" y="${H - 8}">${xLabel(x0)}</text>` +
    `<text x="${W - R}" y="${H - 8}" text-anchor="end">${xLabel(x1)}</text>` +
    `<g class="dots">${dots}</g></svg>${note}`
  );
}

/** SVG timeline: one bar per top finding from its start to its end. */
function timeline(top: EnrichedFinding[], rankOf: Map<EnrichedFinding, number>): string {
  if (top.length === 0) return '<p class="note">No findings.</p>';
  const t0 = Math.min(...top.map((f) => f.startTime));
  let t1 = Math.max(...top.map((f) => Math.max(f.endTime, f.startTime)));
  if (t1 === t0) t1 = t0 + 1;
  const W = 900;
  const rowH = 20;
  const L = 280;
  const R = 16;
  const T = 8;
  const H = T + top.length * rowH + 30;
  const sx = (t: number) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  let rows = '';
  top.forEach((f, i) => {
    const y = T + i * rowH;
    const x = sx(f.startTime);
    const w = Math.max(3, sx(Math.max(f.endTime, f.startTime)) - x);
    const label = `#${rankOf.get(f)} ${f.detector} ${f.destHost ?? f.destIp ?? ''}`;
    rows +=
      `<g class="tl-row"><text x="${L - 6}" y="${y + 14}" text-anchor="end">${esc(label.length > 36 ? label.slice(0, 35) + '…' : label)}</text>` +
      `<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${SEV_COLOR[f.severity]}">` +
      `<title>${esc(`${f.severity} ${formatScore(f.score)} ${f.detector}: ${shortTime(f.startTime)} – ${shortTime(f.endTime)}`)}</title></rect></g>`;
  });
  return (
    `<svg class="chart timeline" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Timeline of the top findings">` +
    `<line class="axis" x1="${L}" y1="${H - 24}" x2="${W - R}" y2="${H - 24}"/>` +
    `<text x="${L}" y="${H - 8}">${esc(shortTime(t0))}</text>` +
    `<text x="${W - R}" y="${H - 8}" text-anchor="end">${esc(shortTime(t1))}</text>${rows}</svg>`
  );
}

function destinations(findings: EnrichedFinding[]): string {
  const countries = new Map<string, { n: number; ips: Set<string> }>();
  const ases = new Map<string, { asn: number | null; org: string; n: number; ips: Set<string> }>();
  for (const f of findings) {
    const g = f.destGeo;
    if (!g || !f.destIp) continue;
    const ckey = g.ipClass !== 'public' ? `(${g.ipClass})` : g.country ?? '(unknown)';
    const c = countries.get(ckey) ?? { n: 0, ips: new Set<string>() };
    c.n++;
    c.ips.add(f.destIp);
    countries.set(ckey, c);
    if (g.ipClass === 'public') {
      const akey = g.asn === null ? '(unknown)' : String(g.asn);
      const a = ases.get(akey) ?? { asn: g.asn, org: g.asOrg ?? '', n: 0, ips: new Set<string>() };
      a.n++;
      a.ips.add(f.destIp);
      ases.set(akey, a);
    }
  }
  const maxN = Math.max(1, ...[...countries.values()].map((v) => v.n));
  const bar = (n: number) => `<span class="bar" style="width:${Math.max(2, Math.round((n / maxN) * 120))}px"></span>`;
  const cRows = [...countries.entries()]
    .sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${fmtNum(v.n)}</td><td class="num">${fmtNum(v.ips.size)}</td><td>${bar(v.n)}</td></tr>`)
    .join('');
  const aRows = [...ases.entries()]
    .sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1))
    .map(
      ([, v]) =>
        `<tr><td>${v.asn === null ? '(unknown)' : 'AS' + v.asn}</td><td>${esc(v.org)}</td><td class="num">${fmtNum(v.n)}</td><td class="num">${fmtNum(v.ips.size)}</td></tr>`,
    )
    .join('');
  return (
    `<div class="two"><table id="countries"><caption>Destination countries</caption><thead><tr><th>Country</th><th>Findings</th><th>Addresses</th><th></th></tr></thead><tbody>${cRows || '<tr><td colspan="4">none</td></tr>'}</tbody></table>` +
    `<table id="ases"><caption>Destination autonomous systems</caption><thead><tr><th>AS</th><th>Organisation</th><th>Findings</th><th>Addresses</th></tr></thead><tbody>${aRows || '<tr><td colspan="4">none</td></tr>'}</tbody></table></div>`
  );
}

function detailsList(f: EnrichedFinding): string {
  const entries = Object.entries(f.details ?? {}).filter(([k]) => k !== 'intervals' && k !== 'timestamps');
  const base: [string, string][] = [
    ['finding id', f.findingId],
    ['start', isoTime(f.startTime)],
    ['end', isoTime(f.endTime)],
    ['source', `${endpoint(f.srcIp, f.srcPort)} ${geoText(f, 'src')}`],
    ['destination', `${endpoint(f.destIp, f.destPort)} ${f.destHost ?? ''} ${geoText(f, 'dest')}`],
    ['transport / protocol', `${f.transport ?? ''} ${f.appProtocol ?? ''}`],
    ['direction', f.direction + (f.abroad ? ' (abroad)' : '')],
    ['connections', fmtNum(f.connCount)],
    ['bytes sent / received', `${fmtBytes(f.srcBytes)} / ${fmtBytes(f.destBytes)}`],
    ['MITRE ATT&CK', [...f.mitreTechniqueIds, ...f.mitreTacticIds].join(', ')],
    ['Community ID', f.communityId ?? ''],
    ['input', f.inputSource],
  ];
  for (const [k, v] of entries) {
    const s = Array.isArray(v) ? (v.length > 50 ? `${(v as unknown[]).slice(0, 50).join(', ')} … (${v.length} values)` : v.join(', ')) : String(v);
    base.push([k, s]);
  }
  return `<dl>${base.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function manifestSection(run: RunInfo): string {
  const kv = (rows: [string, string][]) =>
    `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`;
  const elapsed = run.endedAt !== null ? fmtDuration((run.endedAt - run.startedAt) / 1000) : '';
  const inputs = run.inputs
    .map(
      (i) =>
        `<tr><td>${esc(i.path)}</td><td>${esc(i.format ?? '')}</td><td class="num">${esc(fmtBytes(i.bytes))}</td>` +
        `<td class="num">${fmtNum(i.packets ?? i.lines ?? NaN)}</td><td class="num">${fmtNum(i.skipped ?? NaN)}</td>` +
        `<td class="hash">${esc(i.sha256 ?? '')}</td><td>${esc(i.error ?? '')}</td></tr>`,
    )
    .join('');
  const dbs = run.geoip
    .map(
      (d) =>
        `<tr><td>${esc(d.role)}</td><td>${esc(d.databaseType)}</td><td>${esc(d.buildDate ?? '')}</td><td>${esc(d.origin)}</td><td>${esc(d.path)}</td><td>${esc(d.license ?? '')}</td></tr>`,
    )
    .join('');
  const reasons = Object.entries(run.skipReasons)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${fmtNum(v)}</td></tr>`)
    .join('');
  return (
    kv([
      ['tool', `${run.tool} ${run.version}`],
      ['node', run.node],
      ['command', ['konseki', ...run.command].join(' ')],
      ['started', new Date(run.startedAt).toISOString()],
      ['ended', run.endedAt !== null ? new Date(run.endedAt).toISOString() : ''],
      ['elapsed', elapsed],
      ['config file', run.configPath ?? ''],
      ['home country', run.homeCountry ?? ''],
      ['interrupted', run.interrupted ? 'yes: results are partial' : 'no'],
    ]) +
    `<h3>Inputs</h3><table id="inputs"><thead><tr><th>Path</th><th>Format</th><th>Size</th><th>Packets/lines</th><th>Skipped</th><th>SHA-256</th><th>Error</th></tr></thead><tbody>${inputs || '<tr><td colspan="7">none</td></tr>'}</tbody></table>` +
    `<h3>GeoIP databases</h3><table id="geoip-dbs"><thead><tr><th>Role</th><th>Type</th><th>Built</th><th>Origin</th><th>Path</th><th>Licence</th></tr></thead><tbody>${dbs || '<tr><td colspan="6">none (GeoIP disabled)</td></tr>'}</tbody></table>` +
    `<h3>Skipped, by reason</h3><table id="skip-reasons"><tbody>${reasons || '<tr><td>nothing skipped</td></tr>'}</tbody></table>` +
    `<h3>Options</h3><pre id="options">${esc(JSON.stringify(run.options, null, 2))}</pre>`
  );
}

const CSS = `
:root{--fg:#1b1f24;--muted:#5f6b7a;--bg:#fff;--line:#d8dee4;--panel:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1280px;padding:16px 24px}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:28px}h3{font-size:14px;margin:16px 0 6px}
.muted,.note{color:var(--muted)}.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:22px}table{border-collapse:collapse;margin:6px 0;width:100%}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600}caption{text-align:left;font-weight:600;padding:4px 0}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.hash{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}.two{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.sev{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;font-size:12px;font-weight:600}
.sev-critical{background:${SEV_COLOR.critical}}.sev-high{background:${SEV_COLOR.high}}.sev-medium{background:${SEV_COLOR.medium}}.sev-low{background:${SEV_COLOR.low}}.sev-informational{background:${SEV_COLOR.informational}}
tr.finding td.evidence{min-width:260px;max-width:480px;word-break:break-word}td.when{white-space:nowrap;font-variant-numeric:tabular-nums}td.where{min-width:150px;max-width:240px;word-break:break-word}td.dest{max-width:280px;word-break:break-word}
.scroll{overflow-x:auto}details{margin:2px 0 8px}summary{cursor:pointer;color:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}dt{color:var(--muted)}dd{margin:0;word-break:break-word}
svg.chart{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:4px}svg text{font-size:11px;fill:var(--muted)}
.axis{stroke:#8c959f}.median{stroke:#d32f2f;stroke-dasharray:4 3}.median-label{fill:#d32f2f}.dots circle{fill:#0969da;fill-opacity:.75}
.bar{display:inline-block;height:10px;background:#0969da;border-radius:2px;vertical-align:middle}
.beacon{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:10px 0}input#filter{padding:4px 8px;width:320px;margin:6px 0}
th.sortable{cursor:pointer}pre{background:var(--panel);padding:8px;overflow:auto}footer{margin:32px 0 8px;color:var(--muted);font-size:12px}
@media print{details{display:block}input#filter{display:none}}
`;

/**
 * Self-check, first thing in <head>: counts Content-Security-Policy violations (any attempt to
 * load something from outside the file) into body[data-csp-violations], for the tests and for
 * anyone who wonders whether the report phones home.
 */
const HEAD_SCRIPT = `
window.__kViolations=0;
document.addEventListener('securitypolicyviolation',function(){window.__kViolations++;if(document.body)document.body.setAttribute('data-csp-violations',String(window.__kViolations));});
`;

const SCRIPT = `
(function(){
  var body=document.body, input=document.getElementById('filter'), rows=[].slice.call(document.querySelectorAll('#findings tbody tr.finding'));
  function apply(){var q=(input.value||'').toLowerCase(), shown=0;
    rows.forEach(function(r){var d=r.nextElementSibling;var hit=!q||r.textContent.toLowerCase().indexOf(q)>=0;r.hidden=!hit;if(d&&d.classList.contains('finding-details'))d.hidden=!hit;if(hit)shown++;});
    document.getElementById('shown').textContent=String(shown);}
  if(input){input.addEventListener('input',apply);}
  [].slice.call(document.querySelectorAll('#findings th.sortable')).forEach(function(th,ci){
    th.addEventListener('click',function(){var tb=document.querySelector('#findings tbody');var key=th.getAttribute('data-key');var dir=th.getAttribute('data-dir')==='asc'?'desc':'asc';th.setAttribute('data-dir',dir);
      var pairs=rows.map(function(r){return [r,r.nextElementSibling];});
      pairs.sort(function(a,b){var x=a[0].getAttribute('data-'+key),y=b[0].getAttribute('data-'+key);var nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:String(x).localeCompare(String(y));return dir==='asc'?c:-c;});
      pairs.forEach(function(p){tb.appendChild(p[0]);if(p[1])tb.appendChild(p[1]);});});});
  body.setAttribute('data-csp-violations',String(window.__kViolations||0));
  body.setAttribute('data-resources',String(performance.getEntriesByType('resource').length));
  body.setAttribute('data-ready','1');
})();
`;

/**
 * Render the whole report.
 * @param findings enriched findings (any order: they are ranked here)
 * @param run the run's summary and manifest data
 */
export function renderHtml(findings: readonly EnrichedFinding[], run: RunInfo): string {
  const ranked = rankFindings(findings);
  const rankOf = new Map<EnrichedFinding, number>();
  ranked.forEach((f, i) => rankOf.set(f, i + 1));
  const counts = countFindings(ranked);
  const title = `Konseki report: ${counts.total} finding${counts.total === 1 ? '' : 's'}`;

  const cards =
    `<div class="card" id="count-total"><b>${fmtNum(counts.total)}</b>findings</div>` +
    SEVERITIES.slice()
      .reverse()
      .map((s) => `<div class="card" id="count-${s}"><b style="color:${SEV_COLOR[s]}">${fmtNum(counts.bySeverity[s])}</b>${s}</div>`)
      .join('') +
    `<div class="card"><b>${fmtNum(run.inputs.length)}</b>inputs</div>` +
    `<div class="card"><b>${fmtNum(run.packets.read || run.lines.read)}</b>${run.packets.read ? 'packets' : 'lines'} read</div>` +
    `<div class="card"><b>${fmtNum(run.flows)}</b>flows</div>`;
  const byDetector = Object.entries(counts.byDetector)
    .map(([d, n]) => `<tr><td>${esc(d)}</td><td class="num">${fmtNum(n)}</td></tr>`)
    .join('');

  const beacons = ranked.filter((f) => f.detector === 'beacon');
  const charted = beacons.slice(0, MAX_BEACON_CHARTS);
  const hasChart = new Set(charted);

  let findingRows = '';
  for (const f of ranked) {
    const r = rankOf.get(f)!;
    findingRows +=
      `<tr class="finding" id="finding-${r}" data-rank="${r}" data-score="${formatScore(f.score)}" data-severity="${SEVERITIES.indexOf(f.severity)}" ` +
      `data-detector="${esc(f.detector)}" data-start="${f.startTime}" data-detector-id="${esc(f.detector)}">` +
      `<td class="num">${r}</td><td>${sevBadge(f.severity)}</td><td class="num">${formatScore(f.score)}</td><td>${esc(f.detector)}</td>` +
      `<td class="when">${esc(shortTime(f.startTime)).replace(' ', '<br>')}</td><td>${esc(endpoint(f.srcIp, f.srcPort))}</td>` +
      `<td class="dest">${esc(endpoint(f.destIp, f.destPort))}${f.destHost ? `<br><span class="muted">${esc(f.destHost)}</span>` : ''}</td>` +
      `<td class="where">${esc(geoText(f, 'dest'))}${f.abroad ? ' <span class="muted">(abroad)</span>' : ''}</td>` +
      `<td class="evidence">${esc(f.evidence)}</td></tr>` +
      `<tr class="finding-details"><td></td><td colspan="8"><details><summary>details</summary>${detailsList(f)}` +
      `${hasChart.has(f) ? `<a href="#beacon-${r}">interval chart</a>` : ''}</details></td></tr>`;
  }

  const beaconHtml =
    charted
      .map(
        (f) =>
          `<div class="beacon" id="beacon-${rankOf.get(f)}" data-finding="${esc(f.findingId)}"><h3>#${rankOf.get(f)} ${esc(endpoint(f.srcIp, null))} → ${esc(endpoint(f.destIp, f.destPort))}${f.destHost ? ' ' + esc(f.destHost) : ''} ${sevBadge(f.severity)} score ${formatScore(f.score)}</h3>` +
          `<p class="muted">${esc(f.evidence)}</p>${beaconChart(f)}</div>`,
      )
      .join('') +
    (beacons.length > charted.length
      ? `<p class="note">${fmtNum(beacons.length - charted.length)} more beacons are listed under Findings without a chart here.</p>`
      : '') || '<p class="note">No beacons.</p>';

  const generated = new Date(run.endedAt ?? Date.now()).toISOString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="konseki ${esc(run.version)}">
<title>${esc(title)}</title>
<script>${HEAD_SCRIPT}</script>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1>
<p class="muted">Generated ${esc(generated)} by konseki ${esc(run.version)} from ${fmtNum(run.inputs.length)} input${run.inputs.length === 1 ? '' : 's'}: ${esc(run.inputs.map((i) => i.path).join(', '))}${run.interrupted ? ' <strong>(interrupted: partial results)</strong>' : ''}</p></header>
<section id="summary"><h2>Summary</h2><div class="cards">${cards}</div>
<table id="by-detector"><caption>Findings per detector</caption><tbody>${byDetector || '<tr><td>none</td></tr>'}</tbody></table></section>
<section id="timeline-section"><h2>Timeline of the top findings</h2>${timeline(ranked.slice(0, TIMELINE_MAX_FINDINGS), rankOf)}</section>
<section id="findings"><h2>Findings, ranked</h2>
<input id="filter" type="search" placeholder="Filter findings (address, host, detector, text)" aria-label="Filter findings"> <span class="muted"><span id="shown">${counts.total}</span> shown</span>
<div class="scroll"><table><thead><tr><th class="sortable num" data-key="rank">#</th><th class="sortable" data-key="severity">Severity</th><th class="sortable num" data-key="score">Score</th><th class="sortable" data-key="detector">Detector</th><th class="sortable" data-key="start">Start (UTC)</th><th>Source</th><th>Destination</th><th>Where</th><th>Evidence</th></tr></thead>
<tbody>${findingRows || '<tr><td colspan="9">No findings.</td></tr>'}</tbody></table></div></section>
<section id="beacons"><h2>Beacon intervals</h2>${beaconHtml}</section>
<section id="destinations"><h2>Where the destinations are</h2>${destinations(ranked)}</section>
<section id="manifest"><h2>Run manifest</h2>${manifestSection(run)}</section>
<footer>GeoIP: country data from ip-location-db (CC0, from RIR data via NRO); AS data from ip-location-db asn (CC BY 4.0: RouteViews, NRO, <a href="https://db-ip.com">IP Geolocation by DB-IP</a>), unless the manifest names your own databases. See NOTICE.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
