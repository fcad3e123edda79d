#!/usr/bin/env node
/**
 * Flow table and application layer throughput (issues 3 and 4): in one run, on the same file,
 * each pass in its own child process (so each has its own peak RSS and start-up cost):
 *
 *   1. header walk (the floor): a bare Node loop over 4 MiB reads that only reads each 16-byte
 *      pcap record header and skips `caplen` bytes (the same loop as reader-throughput.mjs);
 *   2. konseki flows: the real CLI, `node dist/cli/main.js flows FILE -o /dev/null` (reader,
 *      decoder, flow table with the app layer, conn.log written to the null device);
 *   3. konseki flows without the app layer: the same pipeline as runFlows (same reader,
 *      decoder, FlowTable and ZeekLogWriter to /dev/null), with no appFactory, so the cost of
 *      the app layer is the difference between 2 and 3;
 *   4. when available: `tcpdump -r FILE -w /dev/null`, `tshark -q -z conv,tcp -r FILE`, and the
 *      npm `pcap-parser` package counting the packets (not a dependency of the project: install
 *      it apart with `npm i --prefix /tmp/pp pcap-parser`, or name its folder with
 *      --pcap-parser DIR).
 *
 * Times are wall-clock from spawn to exit (Node start-up included for every Node pass);
 * CPU time and peak RSS come from /usr/bin/time (user + system, maxRSS of the child). Passes
 * 1 to 3 run `--rounds` times in alternation and the best time of each is kept (on a shared
 * machine other load only ever makes a pass slower); the peak RSS shown is the highest of the
 * rounds. The other tools run once. After one unmeasured walk to warm the page cache.
 *
 * Exits non-zero when flows / floor (wall clock) is above --max-ratio, the flows peak RSS is
 * above --max-rss-mb, the app layer costs more than --max-app-overhead (fraction, wall clock)
 * over flows without it, a pass fails, or the passes disagree on the packet count or the
 * packet accounting does not add up.
 *
 *   npx tsc -p . && node bench/flows-throughput.mjs --file /tmp/x.pcap [--rounds 3]
 *   node bench/flows-throughput.mjs --size 2G --flows 500000 --max-rss-mb 600
 *
 * Options: --file F (else a capture is generated with bench/gen-capture.mjs from --size,
 * --seed, --flows into the temp folder, and deleted afterwards unless --keep),
 * --rounds N (default 2), --max-ratio X (default 2), --max-rss-mb N (default 256),
 * --max-app-overhead X (default 0.25; a negative value disables the check),
 * --no-others (skip tcpdump, tshark and pcap-parser), --pcap-parser DIR.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { walkHeaders } from './header-walk.mjs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const self = fileURLToPath(import.meta.url);
const TIME = '/usr/bin/time';

// ---------------------------------------------------------------------------------------------
// Child passes: `--child walk|noapp|pcap-parser FILE [DIR]`, each printing one JSON line.

/** runFlows (src/cli/commands/flows.ts) for one file, minus the app layer. */
async function flowsWithoutApp(file) {
  const { AnomalyCounter } = await import(path.join(dist, 'core/anomaly.js'));
  const { PacketMeta } = await import(path.join(dist, 'core/packet.js'));
  const IP = 0; // DecodeStatus.Ip (a const enum, erased from dist/)
  const { FlowTable } = await import(path.join(dist, 'flow/flow-table.js'));
  const { readCapture } = await import(path.join(dist, 'ingest/capture-reader.js'));
  const { PacketDecoder } = await import(path.join(dist, 'ingest/decode/packet-decoder.js'));
  const { CONN_LOG } = await import(path.join(dist, 'export/zeek-fields.js'));
  const { ZeekLogWriter } = await import(path.join(dist, 'export/zeek-log-writer.js'));
  const ws = createWriteStream('/dev/null', { highWaterMark: 1 << 20 });
  const connW = new ZeekLogWriter(CONN_LOG, 'tsv', ws, { endStream: true });
  const anomalies = new AnomalyCounter();
  const table = new FlowTable({ emit: (c) => connW.write(c), anomalies });
  const decoder = new PacketDecoder(anomalies);
  const meta = new PacketMeta();
  const st = await readCapture(
    file,
    0,
    (m, s) => {
      if (s === IP) table.addPacket(m);
    },
    { anomalies, decoder, meta, prefetch: table },
  );
  await connW.ready();
  while (table.flushSome(4096)) await connW.ready();
  await connW.close();
  if (st.error) throw new Error(st.error.message);
  const ts = table.stats;
  return {
    packets: st.packetsRead,
    inFlows: ts.packets,
    nonIp: st.nonIp,
    anomalies: st.anomalies,
    fragments: st.fragments,
    connections: ts.flowsEmitted,
    livePeak: ts.livePeak,
    earlyExpired: ts.earlyExpired,
  };
}

/** The npm pcap-parser package (0.2.x) counting 'packet' events. */
function pcapParserCount(file, dir) {
  const pcapp = createRequire(path.join(dir, 'package.json'))(dir);
  return new Promise((resolve, reject) => {
    let packets = 0;
    const parser = pcapp.parse(file);
    parser.on('packet', () => packets++);
    parser.on('error', reject);
    parser.on('end', () => resolve({ packets }));
  });
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const [, what, file, dir] = argv;
  const r = what === 'walk' ? await walkHeaders(file) : what === 'noapp' ? await flowsWithoutApp(file) : await pcapParserCount(file, dir);
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Driver.

function args(a) {
  const o = {
    file: '',
    size: '2G',
    seed: '1',
    flows: '50000',
    rounds: '2',
    'max-ratio': '2',
    'max-rss-mb': '256',
    'max-app-overhead': '0.25',
    'pcap-parser': '/tmp/pp/node_modules/pcap-parser',
    keep: false,
    'no-others': false,
  };
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (k === 'keep' || k === 'no-others') o[k] = true;
    else if (k in o) o[k] = a[++i];
    else throw new Error(`unknown option ${a[i]}`);
  }
  return o;
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
}

const hasTime = existsSync(TIME);
const work = mkdtempSync(path.join(tmpdir(), 'konseki-flows-bench-'));

/**
 * Runs a command to completion.
 * @returns wall seconds, CPU seconds and peak RSS in MB (NaN without /usr/bin/time), output, status
 */
function run(cmd, cmdArgs) {
  const tf = path.join(work, 'time.txt');
  const full = hasTime ? [TIME, ['-f', '%U %S %M', '-o', tf, cmd, ...cmdArgs]] : [cmd, cmdArgs];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full[1], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  let cpu = NaN;
  let rss = NaN;
  if (hasTime && existsSync(tf)) {
    const m = /(\d+\.\d+) (\d+\.\d+) (\d+)\s*$/.exec(readFileSync(tf, 'utf8'));
    if (m) {
      cpu = Number(m[1]) + Number(m[2]);
      rss = Number(m[3]) / 1024;
    }
    rmSync(tf, { force: true });
  }
  return { s, cpu, rss, stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status, error: r.error };
}

const node = (script, ...rest) => run(process.execPath, [script, ...rest]);
const problems = [];

function childJson(name, r) {
  if (r.status !== 0) {
    problems.push(`${name} failed (exit ${r.status}): ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' / ')}`);
    return null;
  }
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    problems.push(`${name}: no result line`);
    return null;
  }
}

/** The accounting lines `konseki flows` prints on stderr. */
function parseFlowsStderr(r) {
  if (r.status !== 0) {
    problems.push(`konseki flows failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    return null;
  }
  const a = /(\d+) packets read = (\d+) in flows \+ (\d+) non-IP \+ (\d+) anomalies \+ (\d+) fragments/.exec(r.stderr);
  const c = /(\d+) connections \((\d+) open at end, (\d+) inactivity timeouts, (\d+) early expiries at the cap, live peak (\d+)\)/.exec(r.stderr);
  if (!a || !c) {
    problems.push(`konseki flows: accounting lines not found in: ${r.stderr.trim()}`);
    return null;
  }
  if (/does not add up/.test(r.stderr)) problems.push('konseki flows: packet accounting does not add up');
  return {
    packets: Number(a[1]),
    inFlows: Number(a[2]),
    nonIp: Number(a[3]),
    anomalies: Number(a[4]),
    fragments: Number(a[5]),
    connections: Number(c[1]),
    livePeak: Number(c[5]),
    earlyExpired: Number(c[4]),
  };
}

/** Best-of-rounds bookkeeping for one pass. */
class Pass {
  constructor(label) {
    this.label = label;
    this.s = Infinity;
    this.cpu = Infinity;
    this.rss = NaN;
    this.result = null;
    this.note = '';
    this.ran = false;
  }
  add(r, result) {
    this.ran = true;
    this.s = Math.min(this.s, r.s);
    if (!Number.isNaN(r.cpu)) this.cpu = Math.min(this.cpu, r.cpu);
    if (!Number.isNaN(r.rss)) this.rss = Number.isNaN(this.rss) ? r.rss : Math.max(this.rss, r.rss);
    if (result) this.result = result;
  }
}

const o = args(argv);
let file = o.file;
let generated = false;
if (!file) {
  file = path.join(tmpdir(), `konseki-flows-bench-${o.seed}-${o.size}-${o.flows}.pcap`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${o.size} with ${o.flows} concurrent flows into ${file}...\n`);
    const g = spawnSync(process.execPath, [path.join(here, 'gen-capture.mjs'), '--size', o.size, '--seed', o.seed, '--flows', o.flows, '--out', file], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (g.status !== 0) process.exit(1);
    generated = true;
  }
}
const size = statSync(file).size;
const mb = size / 1e6;
const cli = path.join(dist, 'cli', 'main.js');

const walk = new Pass('header walk (floor)');
const flows = new Pass('konseki flows');
const noapp = new Pass('konseki flows, no app layer');

// Warm the page cache, then alternate the three passes.
node(self, '--child', 'walk', file);
for (let i = 0; i < Number(o.rounds); i++) {
  const w = node(self, '--child', 'walk', file);
  walk.add(w, childJson('header walk', w));
  const f = node(cli, 'flows', file, '-o', '/dev/null');
  flows.add(f, parseFlowsStderr(f));
  const n = node(self, '--child', 'noapp', file);
  noapp.add(n, childJson('flows without app layer', n));
  const fmt = (r) => `${r.s.toFixed(2)} s (cpu ${r.cpu.toFixed(2)} s, ${r.rss.toFixed(0)} MB)`;
  process.stderr.write(`round ${i + 1}: header walk ${fmt(w)}, flows ${fmt(f)}, flows no app ${fmt(n)}\n`);
}

const others = [];
if (!o['no-others']) {
  const tcpdump = new Pass('tcpdump -r F -w /dev/null');
  if (which('tcpdump')) {
    const r = run(which('tcpdump'), ['-r', file, '-w', '/dev/null']);
    if (r.status !== 0) tcpdump.note = `failed: ${r.stderr.trim().split('\n').pop()}`;
    else tcpdump.note = 'packets not counted (writes them out)';
    tcpdump.add(r, null);
  } else tcpdump.note = 'not installed (apt-get install -y tcpdump)';
  others.push(tcpdump);

  const tshark = new Pass('tshark -q -z conv,tcp -r F');
  if (which('tshark')) {
    const r = run(which('tshark'), ['-q', '-z', 'conv,tcp', '-r', file]);
    if (r.status !== 0) tshark.note = `failed: ${r.stderr.trim().split('\n').pop()}`;
    else {
      // Conversation rows: "a:p <-> b:p  frames N unit  frames N unit  frames N unit  start  duration".
      let conv = 0;
      let frames = 0;
      for (const line of r.stdout.split('\n')) {
        const m = /<->\s+\S+\s+(\d+)\s+\d+\s+\S+\s+(\d+)\s+\d+\s+\S+\s+(\d+)\s+\d+\s+\S+\s/.exec(line);
        if (m) {
          conv++;
          frames += Number(m[3]);
        }
      }
      tshark.note = `${conv} TCP conversations, ${frames} TCP frames`;
    }
    tshark.add(r, null);
  } else tshark.note = 'not installed (apt-get install -y tshark)';
  others.push(tshark);

  const pp = new Pass('npm pcap-parser (count)');
  const dir = o['pcap-parser'];
  if (existsSync(path.join(dir, 'package.json'))) {
    const version = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    pp.label = `npm pcap-parser ${version} (count)`;
    const r = run(process.execPath, ['--no-deprecation', self, '--child', 'pcap-parser', file, dir]);
    const res = childJson('pcap-parser', r);
    pp.add(r, res);
    if (res) pp.note = `${res.packets} packets`;
  } else pp.note = `not installed (npm i --prefix /tmp/pp pcap-parser, or --pcap-parser DIR)`;
  others.push(pp);
}

// ---------------------------------------------------------------------------------------------
// Report.

const wr = walk.result;
const fr = flows.result;
const nr = noapp.result;
const row = (p) => {
  if (!p.ran) return `${p.label.padEnd(30)} ${'-'.padStart(8)} ${'-'.padStart(8)} ${'-'.padStart(7)} ${'-'.padStart(8)} ${'-'.padStart(9)}  ${p.note}`;
  const cpu = Number.isFinite(p.cpu) ? p.cpu.toFixed(2) : '-';
  const rss = Number.isNaN(p.rss) ? '-' : p.rss.toFixed(1);
  return `${p.label.padEnd(30)} ${p.s.toFixed(2).padStart(8)} ${cpu.padStart(8)} ${(mb / p.s).toFixed(0).padStart(7)} ${(p.s / walk.s).toFixed(2).padStart(8)} ${rss.padStart(9)}  ${p.note}`;
};
if (fr) flows.note = `${fr.connections} conns, live peak ${fr.livePeak}, ${fr.earlyExpired} early expiries`;
if (nr) noapp.note = `${nr.connections} conns, live peak ${nr.livePeak}`;
if (wr) walk.note = `${wr.packets} packets`;
const lines = [
  `file       ${file} (${(size / 2 ** 20).toFixed(1)} MiB${wr ? `, ${wr.packets} packets` : ''})`,
  `${'pass'.padEnd(30)} ${'wall s'.padStart(8)} ${'cpu s'.padStart(8)} ${'MB/s'.padStart(7)} ${'x floor'.padStart(8)} ${'peak RSS'.padStart(9)}  notes`,
  ...[walk, flows, noapp, ...others].map(row),
];
if (fr) {
  lines.push(
    `accounting ${fr.packets} read = ${fr.inFlows} in flows + ${fr.nonIp} non-IP + ${fr.anomalies} anomalies + ${fr.fragments} fragments`,
  );
}
const ratio = flows.s / walk.s;
const cpuRatio = flows.cpu / walk.cpu;
const appOver = flows.s / noapp.s - 1;
const appOverCpu = flows.cpu / noapp.cpu - 1;
lines.push(
  `flows / floor          ${ratio.toFixed(3)} wall clock (max ${o['max-ratio']}), ${cpuRatio.toFixed(3)} cpu time`,
  `app layer overhead     ${(appOver * 100).toFixed(1)}% wall clock (${Number(o['max-app-overhead']) >= 0 ? `max ${(Number(o['max-app-overhead']) * 100).toFixed(0)}%` : 'not checked'}), ${(appOverCpu * 100).toFixed(1)}% cpu time`,
  `flows peak RSS         ${flows.rss.toFixed(1)} MB (max ${o['max-rss-mb']})`,
  `rounds ${o.rounds}, best time of each pass, highest peak RSS; node ${process.version}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
);
process.stdout.write(lines.join('\n') + '\n');

if (wr && fr && wr.packets !== fr.packets) problems.push(`packet counts differ: walk ${wr.packets}, flows ${fr.packets}`);
if (wr && nr && wr.packets !== nr.packets) problems.push(`packet counts differ: walk ${wr.packets}, flows without app ${nr.packets}`);
for (const p of others) {
  if (wr && p.result && p.result.packets !== wr.packets) problems.push(`packet counts differ: walk ${wr.packets}, ${p.label} ${p.result.packets}`);
}
for (const [name, r] of [
  ['flows', fr],
  ['flows without app', nr],
]) {
  if (r && r.inFlows + r.nonIp + r.anomalies + r.fragments !== r.packets) problems.push(`${name}: accounting does not add up`);
}
if (fr && nr && fr.inFlows !== nr.inFlows) problems.push(`packets in flows differ: with app ${fr.inFlows}, without ${nr.inFlows}`);
if (ratio > Number(o['max-ratio'])) problems.push(`flows / floor ${ratio.toFixed(3)} above --max-ratio ${o['max-ratio']}`);
if (flows.rss > Number(o['max-rss-mb'])) problems.push(`flows peak RSS ${flows.rss.toFixed(1)} MB above --max-rss-mb ${o['max-rss-mb']}`);
if (Number(o['max-app-overhead']) >= 0 && appOver > Number(o['max-app-overhead'])) {
  problems.push(`app layer overhead ${(appOver * 100).toFixed(1)}% above --max-app-overhead ${o['max-app-overhead']}`);
}
rmSync(work, { recursive: true, force: true });
if (generated && !o.keep) rmSync(file, { force: true });
if (problems.length) {
  process.stderr.write(`flows-throughput check failed: ${problems.join('; ')}\n`);
  process.exit(1);
}
