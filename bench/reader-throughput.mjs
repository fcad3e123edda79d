#!/usr/bin/env node
/**
 * Capture reader throughput: in one run, measures
 *   1. the floor: a bare Node loop that only walks the pcap record headers of the file
 *      (same 4 MiB reads with one read ahead, no decoding, nothing per packet beyond the
 *      header read);
 *   2. the full reader: readCapture + PacketDecoder on every packet;
 * and prints MB/s, packets/s, peak RSS and the ratio full / floor. Exits non-zero when the
 * ratio is below --min-ratio, when peak RSS is above --max-rss-mb, or when the two passes
 * disagree on the packet count (or the accounting does not add up).
 *
 *   npx tsc -p . && node bench/reader-throughput.mjs --size 2G --min-ratio 0.6
 *   node bench/reader-throughput.mjs --file some.pcap
 *
 * Without --file it generates a synthetic capture (bench/gen-capture.mjs) into the temp
 * folder first, in a child process so that the generator's memory is not counted, and
 * deletes it afterwards unless --keep is given. `--rounds N` (default 2) runs both passes N
 * times in alternation and keeps the best time of each. It also prints the CPU time of
 * each pass (user + system, all threads) and their ratio, which a loaded machine distorts
 * less than wall-clock time; the check uses the wall-clock ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { CHUNK, walkHeaders } from './header-walk.mjs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnomalyCounter } from '../dist/core/anomaly.js';
import { readCapture } from '../dist/ingest/capture-reader.js';
import { PacketDecoder } from '../dist/ingest/decode/packet-decoder.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function args(argv) {
  const o = { file: '', size: '512M', seed: '1', flows: '50000', rounds: '2', 'min-ratio': '0.6', 'max-rss-mb': '150', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'keep') o.keep = true;
    else if (k in o) o[k] = argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}

async function fullRead(file) {
  const anomalies = new AnomalyCounter();
  const decoder = new PacketDecoder(anomalies);
  let ports = 0;
  const stats = await readCapture(
    file,
    0,
    (m, st) => {
      // Consume a header field so the work cannot be optimised away.
      if (st === 0) ports += m.dstPort;
    },
    { anomalies, decoder, chunkSize: CHUNK },
  );
  return { stats, anomalies, ports };
}

/** Wall-clock seconds, and CPU seconds (user + system, all threads) of the process. */
async function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await fn();
  const c = process.cpuUsage(c0);
  return { r, s: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
}

const o = args(process.argv.slice(2));
let file = o.file;
let generated = false;
if (!file) {
  file = path.join(tmpdir(), `konseki-reader-bench-${o.seed}-${o.size}.pcap`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${o.size} into ${file}...\n`);
    const g = spawnSync(process.execPath, [path.join(here, 'gen-capture.mjs'), '--size', o.size, '--seed', o.seed, '--flows', o.flows, '--out', file], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (g.status !== 0) process.exit(1);
    generated = true;
  }
}
const size = statSync(file).size;
const mb = size / 1e6;

// Warm the page cache so both passes read from memory, then measure them in alternation,
// `--rounds` times, keeping the best time of each: on a shared machine the other load
// only ever makes a pass slower, and alternating exposes both passes to it alike.
await walkHeaders(file);
let floor;
let full;
let floorCpu = 0;
let fullCpu = 0;
for (let i = 0; i < Number(o.rounds); i++) {
  const w = await timed(() => walkHeaders(file));
  const f = await timed(() => fullRead(file));
  if (!floor || w.s < floor.s) floor = w;
  if (!full || f.s < full.s) full = f;
  if (!floorCpu || w.cpu < floorCpu) floorCpu = w.cpu;
  if (!fullCpu || f.cpu < fullCpu) fullCpu = f.cpu;
  process.stderr.write(
    `round ${i + 1}: header walk ${w.s.toFixed(2)} s (cpu ${w.cpu.toFixed(2)} s), reader+decode ${f.s.toFixed(2)} s (cpu ${f.cpu.toFixed(2)} s)\n`,
  );
}
const rssMb = process.resourceUsage().maxRSS / 1024;

const s = full.r.stats;
const floorMbs = mb / floor.s;
const fullMbs = mb / full.s;
const ratio = fullMbs / floorMbs;
const lines = [
  `file          ${file} (${(size / 2 ** 20).toFixed(1)} MiB, ${s.packetsRead} packets)`,
  `header walk   ${floor.s.toFixed(2)} s  ${floorMbs.toFixed(0)} MB/s  ${(floor.r.packets / floor.s / 1e6).toFixed(2)} Mpkt/s`,
  `reader+decode ${full.s.toFixed(2)} s  ${fullMbs.toFixed(0)} MB/s  ${(s.packetsRead / full.s / 1e6).toFixed(2)} Mpkt/s`,
  `accounting    ip ${s.ip}  non-ip ${s.nonIp}  anomalies ${s.anomalies}  fragments ${s.fragments}`,
  `peak RSS      ${rssMb.toFixed(1)} MB`,
  `ratio         ${ratio.toFixed(3)} (full / header walk, wall clock)`,
  `cpu time      header walk ${floorCpu.toFixed(2)} s, reader+decode ${fullCpu.toFixed(2)} s, ratio ${(floorCpu / fullCpu).toFixed(3)}`,
  `load average  ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`,
];
process.stdout.write(lines.join('\n') + '\n');

const problems = [];
if (s.error) problems.push(`reader error: ${s.error.message}`);
if (floor.r.packets !== s.packetsRead) problems.push(`packet counts differ: walk ${floor.r.packets}, reader ${s.packetsRead}`);
if (s.ip + s.nonIp + s.anomalies + s.fragments !== s.packetsRead) problems.push('accounting does not add up');
if (ratio < Number(o['min-ratio'])) problems.push(`ratio ${ratio.toFixed(3)} below --min-ratio ${o['min-ratio']}`);
if (rssMb > Number(o['max-rss-mb'])) problems.push(`peak RSS ${rssMb.toFixed(1)} MB above --max-rss-mb ${o['max-rss-mb']}`);
if (generated && !o.keep) rmSync(file, { force: true });
if (problems.length) {
  process.stderr.write(`reader-throughput check failed: ${problems.join('; ')}\n`);
  process.exit(1);
}
