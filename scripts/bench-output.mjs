#!/usr/bin/env node
/**
 * Output-side micro-benchmarks: GeoIP open time, lookups/s (cold and through the LRU), and
 * CSV / JSON-lines / HTML serialisation rates. Uses the compiled code (`npm run build` first).
 *
 *   node scripts/bench-output.mjs [--dist dist] [--n 100000] [--min-lookups 50000]
 *
 * Each measurement consumes its result (a checksum printed at the end) so that the engine
 * cannot drop the work; the run fails (exit 1) when cold lookups/s fall under --min-lookups.
 */
import { performance } from 'node:perf_hooks';
import { resolve, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const DIST = resolve(arg('--dist', 'dist'));
const N = Number(arg('--n', '100000'));
const MIN_LOOKUPS = Number(arg('--min-lookups', '0'));
const load = (rel) => import(pathToFileURL(join(DIST, rel)).href);

const { GeoEnricher } = await load('enrich/geoip.js');
const { csvRow } = await load('export/csv.js');
const { jsonlLine } = await load('export/jsonl.js');
const { renderHtml } = await load('export/html.js');
const { newRunInfo } = await load('export/run-info.js');

let sink = 0;
const rows = [];
function report(name, count, ms, unit) {
  rows.push({ name, count, ms: ms.toFixed(1), rate: `${Math.round((count / ms) * 1000).toLocaleString('en-US')} ${unit}/s` });
}

// Deterministic pseudo-random public-looking IPv4 addresses (xorshift32).
let x = 2463534242;
const rnd = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
const ips = Array.from({ length: N }, () => {
  const v = rnd();
  return `${(v >>> 24) % 223 + 1}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
});

let t = performance.now();
const geo = await GeoEnricher.open({ env: {}, searchSystemDirs: false });
report('GeoEnricher.open (embedded)', 1, performance.now() - t, 'opens');

t = performance.now();
for (const ip of ips) sink += geo.lookup(ip).asn ?? 0;
const coldMs = performance.now() - t;
report('lookup, distinct addresses', N, coldMs, 'lookups');
t = performance.now();
for (let i = 0; i < N; i++) sink += geo.lookup(ips[i % 1000]).asn ?? 0;
report('lookup, 1000 hot addresses (LRU)', N, performance.now() - t, 'lookups');

const base = {
  findingId: 'b-0001', detector: 'beacon', score: 87.25, severity: 'high', startTime: 1707405399.123456, endTime: 1707406064.5,
  srcIp: '10.0.0.4', srcPort: null, destIp: '141.193.213.21', destPort: 443, destHost: 'testing.com', transport: 'tcp',
  appProtocol: 'ssl', direction: 'outbound', mitreTechniqueIds: ['T1071.001'], mitreTacticIds: ['TA0011'], connCount: 297,
  srcBytes: 123456, destBytes: 654321, communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', evidence: 'interval 2.2 s ±5%, 297 beats over 11 min',
  inputSource: 'capture.pcap', details: { interval: 2.2, jitter: 0.05 },
};
const findings = ips.slice(0, Math.min(N, 50000)).map((ip, i) => geo.enrich({ ...base, findingId: `b-${i}`, destIp: ip }, 'DE'));

t = performance.now();
let bytes = 0;
for (const f of findings) bytes += csvRow(f).length;
report('csvRow', findings.length, performance.now() - t, 'rows');
t = performance.now();
for (const f of findings) bytes += jsonlLine(f).length;
report('jsonlLine', findings.length, performance.now() - t, 'rows');
const run = newRunInfo({ version: 'bench' });
run.endedAt = Date.now();
const some = findings.slice(0, 5000);
t = performance.now();
bytes += renderHtml(some, run).length;
report('renderHtml (5000 findings)', some.length, performance.now() - t, 'findings');

console.table(rows);
console.log(`checksum ${sink + bytes}; peak RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
const lookupsPerSec = (N / coldMs) * 1000;
if (MIN_LOOKUPS && lookupsPerSec < MIN_LOOKUPS) {
  console.error(`GeoIP lookups ${Math.round(lookupsPerSec)}/s are under --min-lookups ${MIN_LOOKUPS}`);
  process.exit(1);
}
