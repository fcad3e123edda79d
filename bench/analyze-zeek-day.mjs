#!/usr/bin/env node
/**
 * End-to-end `konseki analyze` on generated days of Zeek logs (bench/gen-zeek-day.mjs),
 * against the floor measured in the same run.
 *
 * For each input folder (1 day, then 2 days of the same host pairs: the 2-day folder is
 * generated with --repeat-pairs, so it holds twice the lines over the same pairs):
 *   floor    gunzip every file and split it into lines in Node, nothing else (the same
 *            routine as bench/zeek-throughput.mjs), in this process: CPU (all threads,
 *            zlib inflates on the thread pool) and wall time;
 *   analyze  `node dist/cli/main.js analyze DIR -q -f csv -o /dev/null` in a child process
 *            under `/usr/bin/time`: CPU (user + sys, all threads), wall time, peak RSS. The
 *            child is this script with --child, which loads dist/cli/main.js unchanged after
 *            wrapping DetectionEngine.stats() to print the engine's counters (pairs tracked,
 *            records) on stderr at exit (one worker: the engine runs in the main thread).
 * Prints CPU, wall, analyze/floor ratio, peak RSS and pairs tracked per folder, and the load.
 *
 * Issue 5's targets: end-to-end analysis within 3x the floor, and peak RSS bounded by
 * per-pair state rather than by the number of lines (doubling the day must not double it).
 * Exits 1 when a CPU ratio is above --max-ratio or when the 2-day peak RSS is more than
 * --max-rss-growth times the 1-day one; exits 2 when analyze itself fails.
 *
 * Usage: npx tsc -p . && node bench/analyze-zeek-day.mjs [--dir1 DIR] [--dir2 DIR]
 *          [--scale F] [--max-ratio R] [--max-rss-growth G] [--workers N] [--only 1|2]
 *   --dir1/--dir2     folders of 1 and 2 days (default /tmp/zd1 and /tmp/zd2r; generated with
 *                     --scale, the second with --repeat-pairs, when they have no manifest.json)
 *   --scale           generator scale for missing folders (default 0.5: ~0.5 M conn lines a day)
 *   --max-ratio       highest analyze/floor CPU ratio accepted (default 3)
 *   --max-rss-growth  highest 2-day/1-day peak RSS ratio accepted (default 1.25)
 *   --workers         passed to analyze as --workers (default: analyze's own default)
 *   --only            run one folder only (no RSS growth check)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSplitFloor } from './zeek-floor.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const cli = join(root, 'dist', 'cli', 'main.js');

if (process.argv[2] === '--child') {
  // Child: run the CLI as is, printing the detection engine's counters at exit.
  const { writeSync } = await import('node:fs');
  const { DetectionEngine } = await import(join(root, 'dist', 'detect', 'engine.js'));
  const stats = DetectionEngine.prototype.stats;
  let last = null;
  DetectionEngine.prototype.stats = function wrappedStats() {
    // Live heap after the engine's finish(), once garbage is collected (--expose-gc).
    globalThis.gc?.();
    last = { ...stats.call(this), liveHeapMB: Math.round(process.memoryUsage().heapUsed / 1048576) };
    return last;
  };
  process.on('exit', () => writeSync(2, `\nKONSEKI_DETECTION_STATS ${JSON.stringify(last)}\n`));
  process.argv.splice(1, 2, cli);
  await import(cli);
} else {

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const scale = opt('--scale', '0.5');
const maxRatio = Number(opt('--max-ratio', '3'));
const maxRssGrowth = Number(opt('--max-rss-growth', '1.25'));
const workers = opt('--workers', null);
const only = opt('--only', null);
const runs = [
  { label: '1 day', dir: opt('--dir1', '/tmp/zd1'), days: 1 },
  { label: '2 days, same pairs', dir: opt('--dir2', '/tmp/zd2r'), days: 2 },
].filter((r) => only === null || String(r.days) === only);

if (!existsSync(cli)) {
  console.error(`analyze-zeek-day: ${cli} not found; run npx tsc -p . first`);
  process.exit(2);
}
if (!existsSync('/usr/bin/time')) {
  console.error('analyze-zeek-day: /usr/bin/time is needed for the peak RSS of the child');
  process.exit(2);
}

for (const r of runs) {
  if (existsSync(join(r.dir, 'manifest.json'))) continue;
  console.log(`generating ${r.dir} (${r.days} day(s), scale ${scale}) ...`);
  const gen = [join(here, 'gen-zeek-day.mjs'), '--out', r.dir, '--days', String(r.days), '--scale', scale];
  if (r.days > 1) gen.push('--repeat-pairs');
  execFileSync(process.execPath, gen, { stdio: 'inherit' });
}

function listFiles(d) {
  const out = [];
  for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.name.endsWith('.log.gz')) out.push(p);
  }
  return out;
}

/** Floor: gunzip + split into lines, nothing else (bench/zeek-floor.mjs, as zeek-throughput.mjs). */
function floor(files) {
  return gunzipSplitFloor(files);
}

/** `konseki analyze` in a child under /usr/bin/time: wall s, cpu s, peak RSS KB. */
function analyze(dir) {
  const tmp = mkdtempSync(join(tmpdir(), 'konseki-bench-'));
  const timeOut = join(tmp, 'time');
  const cmd = [cli, 'analyze', dir, '-q', '-f', 'csv', '-o', '/dev/null'];
  if (workers !== null) cmd.push('--workers', workers);
  const res = spawnSync('/usr/bin/time', ['-o', timeOut, '-f', '%e %U %S %M', process.execPath, '--expose-gc', fileURLToPath(import.meta.url), '--child', ...cmd.slice(1)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const t = existsSync(timeOut) ? readFileSync(timeOut, 'utf8').trim().split('\n').pop() : '';
  rmSync(tmp, { recursive: true, force: true });
  // analyze exits 0 (no findings at --fail-on) or 1 (findings at --fail-on): both are runs.
  if (res.status !== 0 && res.status !== 1) {
    console.error(`analyze-zeek-day: analyze ${dir} exited ${res.status}:\n${res.stderr}`);
    process.exit(2);
  }
  const [wall, user, sys, rssKb] = t.split(' ').map(Number);
  const m = /KONSEKI_DETECTION_STATS (.*)/.exec(res.stderr);
  const stats = m ? JSON.parse(m[1]) : null;
  return { wall, cpu: user + sys, rssKb, pairs: stats?.pairs ?? null, stats, command: `node dist/cli/main.js ${cmd.slice(1).join(' ')}` };
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const s = (x) => x.toFixed(2);
const rows = [];
for (const r of runs) {
  const files = listFiles(r.dir);
  const manifest = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8'));
  const loadBefore = load();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const fl = await floor(files);
  const cu = process.cpuUsage(c0);
  const floorWall = (performance.now() - t0) / 1000;
  const floorCpu = (cu.user + cu.system) / 1e6;
  const an = analyze(r.dir);
  const row = { ...r, files: files.length, lines: fl.lines, floorCpu, floorWall, ...an, ratioCpu: an.cpu / floorCpu, ratioWall: an.wall / floorWall, loadBefore, loadAfter: load() };
  rows.push(row);
  const conn = manifest.lines?.conn ?? '?';
  console.log(`${r.label}: ${r.dir}, ${files.length} files, ${fl.lines.toLocaleString('en-US')} lines (conn ${typeof conn === 'number' ? conn.toLocaleString('en-US') : conn}), ${(fl.bytes / 1e6).toFixed(0)} MB decompressed`);
  console.log(`  floor    cpu ${s(floorCpu)} s, wall ${s(floorWall)} s  (gunzip + split)`);
  console.log(`  analyze  cpu ${s(an.cpu)} s, wall ${s(an.wall)} s, peak RSS ${(an.rssKb / 1024).toFixed(0)} MB, live heap at the end ${an.stats?.liveHeapMB ?? '?'} MB, pairs tracked ${an.pairs?.toLocaleString('en-US') ?? '?'}`);
  if (an.stats) console.log(`  engine   ${JSON.stringify(an.stats)}`);
  console.log(`  ratio    ${s(row.ratioCpu)}x cpu, ${s(row.ratioWall)}x wall   (load ${loadBefore} -> ${row.loadAfter})`);
  console.log(`  command  ${an.command}`);
}

let fail = false;
for (const r of rows) {
  if (r.ratioCpu > maxRatio) {
    console.log(`FAIL ${r.label}: analyze takes ${s(r.ratioCpu)}x the floor's CPU time (max ${maxRatio})`);
    fail = true;
  }
}
if (rows.length === 2) {
  const growth = rows[1].rssKb / rows[0].rssKb;
  const ok = growth <= maxRssGrowth;
  console.log(`peak RSS 2 days / 1 day: ${s(growth)} (max ${maxRssGrowth})${ok ? '' : ' FAIL'}`);
  if (!ok) fail = true;
}
console.log('');
console.log('| input | lines | pairs tracked | floor CPU | analyze CPU | ratio (CPU) | analyze wall | peak RSS | live heap at end | load (1 min) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(`| ${r.label} (${r.dir}) | ${r.lines.toLocaleString('en-US')} | ${r.pairs?.toLocaleString('en-US') ?? '?'} | ${s(r.floorCpu)} s | ${s(r.cpu)} s | ${r.ratioCpu.toFixed(1)}x | ${s(r.wall)} s | ${(r.rssKb / 1024).toFixed(0)} MB | ${r.stats?.liveHeapMB ?? '?'} MB | ${r.loadBefore.split(' ')[0]} |`);
}
process.exit(fail ? 1 : 0);
}
