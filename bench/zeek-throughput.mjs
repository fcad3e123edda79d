#!/usr/bin/env node
/**
 * Throughput of the Zeek log reader on a generated day of logs (bench/gen-zeek-day.mjs).
 *
 * Measures, in one run, on the same files:
 *   floor   gunzip every file and split it into lines in Node (no parsing): the least any
 *           reader of these files must spend;
 *   reader  readZeekLogs() over the directory, to a sink that only counts (gunzip + split +
 *           header + field parsing + record objects), end to end;
 *   conn    the same two on the conn files alone: the floor, then readZeekLogs(connFiles)
 *           end to end (gunzip included): conn lines per CPU second, the issue's target;
 *   parse   the synchronous parser alone on the conn files, already decompressed in memory:
 *           conn lines per second on one core (gunzip runs on zlib's thread pool in the
 *           end-to-end figures).
 * Checks the record counts against the generator's manifest (exit 1 on a mismatch) and prints
 * lines/s, MB/s (decompressed), peak RSS, the reader/floor ratio, and the garbage collections
 * of the reader and conn-only passes (scavenges and mark-compacts, count and pause time, from
 * perf_hooks' `gc` entries).
 *
 * Usage: npx tsc -p . && node bench/zeek-throughput.mjs [--dir DIR] [--json] [--days N]
 *          [--scale F] [--min-conn-lps N]
 *   --dir          generated logs (default <tmpdir>/konseki-zeek-day[-json]; generated when absent)
 *   --json/--days/--scale  passed to the generator when it runs
 *   --min-conn-lps exit 1 when the end-to-end conn-only rate (or the parse-only one) is below N
 *                  conn lines per CPU second
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSplitFloor } from './zeek-floor.mjs';
import { gunzipSync } from 'node:zlib';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const { readZeekLogs, ZeekLogParser } = await import(join(dist, 'ingest/zeek/index.js'));
const { AnomalyCounter } = await import(join(dist, 'core/anomaly.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const json = args.includes('--json');
const dir = opt('--dir', join(tmpdir(), json ? 'konseki-zeek-day-json' : 'konseki-zeek-day'));
const minConnLps = Number(opt('--min-conn-lps', '0'));

if (!existsSync(join(dir, 'manifest.json'))) {
  const genArgs = [join(here, 'gen-zeek-day.mjs'), '--out', dir, '--days', opt('--days', '1'), '--scale', opt('--scale', '1')];
  if (json) genArgs.push('--json');
  console.log(`generating ${dir} ...`);
  execFileSync(process.execPath, genArgs, { stdio: 'inherit' });
}
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

function listFiles(d) {
  const out = [];
  for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.name.endsWith('.log.gz')) out.push(p);
  }
  return out;
}
const files = listFiles(dir);
const compressed = files.reduce((a, f) => a + readFileSync(f).length, 0);

const connFiles = files.filter((x) => /\/conn\./.test(x));

/** Floor: gunzip + split into lines, nothing else (bench/zeek-floor.mjs). */
function floor(list = files) {
  return gunzipSplitFloor(list);
}

/** End to end through readZeekLogs to a counting sink. */
async function reader(inputs = [dir]) {
  const counts = { conn: 0, dns: 0, http: 0, ssl: 0 };
  let check = 0;
  const sink = {
    conn: (r) => {
      counts.conn++;
      check += r.origP;
    },
    dns: () => counts.dns++,
    http: () => counts.http++,
    ssl: () => counts.ssl++,
  };
  const anomalies = new AnomalyCounter();
  const stats = await readZeekLogs(inputs, sink, { anomalies });
  return { counts, stats, anomalies, check };
}

/** The parser alone on decompressed conn files, one at a time (one file's bytes in memory). */
function parseOnly() {
  let lines = 0;
  let bytes = 0;
  let ms = 0;
  let cpuMs = 0;
  let n = 0;
  const sink = { conn: (r) => (n += r.respP), dns() {}, http() {}, ssl() {} };
  for (const f of connFiles) {
    const data = gunzipSync(readFileSync(f));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const p = new ZeekLogParser(f, sink, { anomalies: new AnomalyCounter() });
    for (let i = 0; i < data.length; i += 1 << 20) p.push(data.subarray(i, i + (1 << 20)));
    p.end();
    ms += performance.now() - t0;
    cpuMs += cpuSince(c0);
    lines += p.stats.linesRead;
    bytes += data.length;
  }
  return { lines, bytes, ms, cpuMs, n };
}

/** CPU milliseconds (all threads: zlib runs on the thread pool) since a process.cpuUsage() mark. */
function cpuSince(mark) {
  const u = process.cpuUsage(mark);
  return (u.user + u.system) / 1000;
}

/** Garbage collections since the last gcSince() call: { minor, minorMs, major, majorMs }. */
let gcNow = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = e.detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
      gcNow.minor++;
      gcNow.minorMs += e.duration;
    } else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
      gcNow.major++;
      gcNow.majorMs += e.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });
/** GC entries reach the observer a little after the collection: let them arrive, then take them. */
async function gcSince() {
  await new Promise((r) => setTimeout(r, 20));
  const g = gcNow;
  gcNow = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
  return g;
}
const gcText = (g) => `${g.minor} scavenges (${Math.round(g.minorMs)} ms), ${g.major} mark-compacts (${Math.round(g.majorMs)} ms)`;

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const mb = (b) => (b / 1e6).toFixed(1);

// Warm-up on the smallest file of each kind, so that the first measure does not pay for JIT.
{
  const w = files.filter((f) => /\.00:00:00-/.test(f)).slice(0, 4);
  await readZeekLogs(w, { conn() {}, dns() {}, http() {}, ssl() {} }, { anomalies: new AnomalyCounter() });
}

let t = performance.now();
let c = process.cpuUsage();
const fl = await floor();
const floorMs = performance.now() - t;
const floorCpu = cpuSince(c);

await gcSince();
t = performance.now();
c = process.cpuUsage();
const rd = await reader();
const readerMs = performance.now() - t;
const readerCpu = cpuSince(c);
const readerGc = await gcSince();
/** Peak RSS up to here: floor and reader, before the parse-only pass loads whole files. */
const readerRss = process.resourceUsage().maxRSS * 1024;

t = performance.now();
c = process.cpuUsage();
const cfl = await floor(connFiles);
const connFloorMs = performance.now() - t;
const connFloorCpu = cpuSince(c);

await gcSince();
t = performance.now();
c = process.cpuUsage();
const crd = await reader(connFiles);
const connMs = performance.now() - t;
const connCpu = cpuSince(c);
const connGc = await gcSince();

const po = parseOnly();

const expected = manifest.lines;
let ok = true;
for (const k of ['conn', 'dns', 'http', 'ssl']) {
  if (rd.counts[k] !== expected[k]) {
    console.error(`MISMATCH: ${k} records ${rd.counts[k]}, generator wrote ${expected[k]}`);
    ok = false;
  }
}
if (crd.counts.conn !== expected.conn || crd.anomalies.total() !== 0) {
  console.error(`MISMATCH: conn-only pass read ${crd.counts.conn} conn records (${crd.anomalies.total()} anomalies), generator wrote ${expected.conn}`);
  ok = false;
}
if (rd.anomalies.total() !== 0) {
  console.error(`MISMATCH: ${rd.anomalies.total()} anomalies: ${JSON.stringify(rd.anomalies.toJSON())}`);
  ok = false;
}
const dataLines = rd.stats.totals.linesRead;
const rss = process.resourceUsage().maxRSS * 1024;

console.log(`Zeek reader throughput: ${dir} (${manifest.format}, ${manifest.days} day(s), scale ${manifest.scale})`);
console.log(`  input      ${files.length} files, ${mb(compressed)} MB gzip, ${mb(fl.bytes)} MB raw, ${fmt(fl.lines)} lines (${fmt(dataLines)} data)`);
console.log(`  records    conn ${fmt(rd.counts.conn)}  dns ${fmt(rd.counts.dns)}  http ${fmt(rd.counts.http)}  ssl ${fmt(rd.counts.ssl)}`);
const rate = (n, ms) => fmt(n / (ms / 1000));
console.log(`  floor      wall ${(floorMs / 1000).toFixed(2)} s, cpu ${(floorCpu / 1000).toFixed(2)} s: ${rate(fl.lines, floorMs)} lines/s wall, ${rate(fl.lines, floorCpu)} lines per cpu-s, ${mb(fl.bytes / (floorMs / 1000))} MB/s  (gunzip + split)`);
console.log(`  reader     wall ${(readerMs / 1000).toFixed(2)} s, cpu ${(readerCpu / 1000).toFixed(2)} s: ${rate(dataLines, readerMs)} lines/s wall, ${rate(dataLines, readerCpu)} lines per cpu-s, ${mb(fl.bytes / (readerMs / 1000))} MB/s  (end to end, all logs)`);
const connLines = crd.stats.totals.linesRead;
console.log(`  conn floor wall ${(connFloorMs / 1000).toFixed(2)} s, cpu ${(connFloorCpu / 1000).toFixed(2)} s: ${rate(cfl.lines, connFloorCpu)} lines per cpu-s  (gunzip + split, conn files)`);
console.log(`  conn only  wall ${(connMs / 1000).toFixed(2)} s, cpu ${(connCpu / 1000).toFixed(2)} s: ${rate(connLines, connMs)} conn lines/s wall, ${rate(connLines, connCpu)} conn lines per cpu-s, ${mb(cfl.bytes / (connMs / 1000))} MB/s  (end to end, gunzip included, conn files)`);
console.log(`  parse only wall ${(po.ms / 1000).toFixed(2)} s, cpu ${(po.cpuMs / 1000).toFixed(2)} s: ${rate(po.lines, po.ms)} conn lines/s wall, ${rate(po.lines, po.cpuMs)} conn lines per cpu-s, ${mb(po.bytes / (po.ms / 1000))} MB/s  (decompressed conn files, one thread)`);
console.log(`  gc         reader: ${gcText(readerGc)}; conn only: ${gcText(connGc)}`);
console.log(`  ratio      reader / floor = ${(readerMs / floorMs).toFixed(2)} wall, ${(readerCpu / floorCpu).toFixed(2)} cpu; conn only / conn floor = ${(connCpu / connFloorCpu).toFixed(2)} cpu`);
console.log(`  load       ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} (1/5/15 min load average on ${(await import('node:os')).availableParallelism()} cores)`);
console.log(`  peak RSS   ${mb(readerRss)} MB through the reader, ${mb(rss)} MB with the parse-only pass (one decompressed file in memory)`);
if (!ok) process.exit(1);
if (minConnLps > 0) {
  const e2e = connLines / (connCpu / 1000);
  const parse = po.lines / (po.cpuMs / 1000);
  if (e2e < minConnLps || parse < minConnLps) {
    console.error(`Benchmark check failed: expected at least ${fmt(minConnLps)} conn lines per cpu-s, got ${fmt(e2e)} end to end (conn files, gunzip included) and ${fmt(parse)} parse only`);
    process.exit(1);
  }
}
