#!/usr/bin/env node
/**
 * The long fuzz run (issue 9): many seeded cases over every reader, on the compiled dist/.
 *
 * Targets (test/fuzz/targets.mjs has the properties each one checks):
 *   capture-corpus     corpus captures (pcap, pcapng, gzip) mutated: bit flips, huge lengths,
 *                      truncation at record boundaries, duplicated/swapped/dropped records
 *   capture-synthetic  synthetic DNS/HTTP/TLS traces (and hostile ones) mutated
 *   capture-random     random bytes behind every capture magic and link type, and raw
 *   zeek-corpus        corpus Zeek logs (TSV, JSON) mutated by line and byte, fed in random chunks
 *   zeek-random        random bytes and random TSV rows after a valid header
 *   zeek-gzip          gzip logs mutated, cut short, and gzip of mutated logs (async reader)
 *   indicators         indicator lists and CSV feeds: random lines, invalid UTF-8, mutations
 *   allow-list         allow-lists, same inputs
 *   config             config JSON: random values, mutations of a valid config
 *   findings           findings with hostile strings through the CSV and JSON lines writers
 *   dns-message        the DNS message parser alone: mutated messages, label/pointer soups
 *   tls-hello          the TLS ClientHello/ServerHello parsers and JA3/JA3S/JA4 alone
 *
 * Each case is derived from (--seed, target, case number) only, so any case can be rerun. A
 * case fails on an escaped exception, a broken property, more than 2 s + 1 ms per KiB of CPU, or
 * more than --max-mem-mb of new ArrayBuffer memory. A watchdog thread catches a real hang
 * (a case that never returns): it records the case and ends the run with exit code 2.
 * Failing inputs go to fuzz-failures/<target>-<seed>.bin with a .json describing the case.
 *
 * Usage: npx tsc -p . && node bench/fuzz.mjs [--cases 100000] [--seed 1] [--targets a,b]
 *          [--max-seconds N] [--max-mem-mb 256] [--out fuzz-failures] [--json]
 *        node bench/fuzz.mjs --replay-seed <seed> --target <target>
 *        node bench/fuzz.mjs --replay <file.bin> --target <target>
 * Exit codes: 0 no failure, 1 failures (written to --out), 2 hang, 130 interrupted (the
 * summary of the cases run so far is still printed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import { parse as csvParse } from 'csv-parse/sync';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const dist = path.join(root, 'dist');
const T = await import(pathToFileURL(path.join(root, 'test', 'fuzz', 'targets.mjs')).href);

/* ---------------------------------------------------------------------------------------- */
/* Options                                                                                   */

function parseArgs(argv) {
  const o = { cases: 100000, seed: 1, targets: null, maxSeconds: Infinity, maxMemMb: 256, out: path.join(root, 'fuzz-failures'), json: false, replay: null, replaySeed: null, target: null, corpus: path.resolve(root, '..', 'shared', 'corpus') };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--cases') o.cases = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--targets') o.targets = v().split(',');
    else if (a === '--max-seconds') o.maxSeconds = Number(v());
    else if (a === '--max-mem-mb') o.maxMemMb = Number(v());
    else if (a === '--out') o.out = path.resolve(v());
    else if (a === '--corpus') o.corpus = path.resolve(v());
    else if (a === '--json') o.json = true;
    else if (a === '--replay') o.replay = v();
    else if (a === '--replay-seed') o.replaySeed = Number(v());
    else if (a === '--target') o.target = v();
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.cases) || o.cases < 1) throw new Error(`--cases must be a positive integer, got ${o.cases}`);
  if (!Number.isInteger(o.seed)) throw new Error(`--seed must be an integer, got ${o.seed}`);
  return o;
}

/* ---------------------------------------------------------------------------------------- */
/* Modules from dist/                                                                        */

async function loadModules() {
  const need = (p) => {
    const f = path.join(dist, p);
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: build first with npx tsc -p .`);
    return import(pathToFileURL(f).href);
  };
  const [anomaly, errors, reader, decoder, flow, app, zparser, zreader, sig, config, csv, jsonl, fields, zw, zf, pb, pw, ap, dnsm, tlsh] = await Promise.all(
    [
      'core/anomaly.js',
      'core/errors.js',
      'ingest/capture-reader.js',
      'ingest/decode/packet-decoder.js',
      'flow/flow-table.js',
      'app/index.js',
      'ingest/zeek/parser.js',
      'ingest/zeek/reader.js',
      'cli/signatures.js',
      'cli/config.js',
      'export/csv.js',
      'export/jsonl.js',
      'export/fields.js',
      'export/zeek-log-writer.js',
      'export/zeek-fields.js',
      'synth/packet-builder.js',
      'synth/pcap-writer.js',
      'synth/app-payloads.js',
      'app/dns/dns-message.js',
      'app/tls/tls-hello.js',
    ].map(need),
  );
  const modules = {
    AnomalyCounter: anomaly.AnomalyCounter,
    KonsekiError: errors.KonsekiError,
    readCaptureBuffer: reader.readCaptureBuffer,
    PacketDecoder: decoder.PacketDecoder,
    FlowTable: flow.FlowTable,
    createAppAnalyzerFactory: app.createAppAnalyzerFactory,
    ZeekLogParser: zparser.ZeekLogParser,
    readZeekStream: zreader.readZeekStream,
    parseIndicatorList: sig.parseIndicatorList,
    parseIndicatorCsv: sig.parseIndicatorCsv,
    parseAllowList: sig.parseAllowList,
    parseConfig: config.parseConfig,
    defaultConfig: config.defaultConfig,
    csvRow: csv.csvRow,
    csvHeader: csv.csvHeader,
    jsonlLine: jsonl.jsonlLine,
    CSV_COLUMNS: fields.CSV_COLUMNS,
    ZeekLogWriter: zw.ZeekLogWriter,
    CONN_LOG: zf.CONN_LOG,
    DNS_LOG: zf.DNS_LOG,
    HTTP_LOG: zf.HTTP_LOG,
    SSL_LOG: zf.SSL_LOG,
    csvParse,
    Readable,
    parseDnsMessage: dnsm.parseDnsMessage,
    MAX_NAME_LEN: dnsm.MAX_NAME_LEN,
    MAX_ANSWERS: dnsm.MAX_ANSWERS,
    parseClientHello: tlsh.parseClientHello,
    parseServerHello: tlsh.parseServerHello,
    ja3: tlsh.ja3,
    ja3s: tlsh.ja3s,
    ja4: tlsh.ja4,
    MAX_LIST_ITEMS: tlsh.MAX_LIST_ITEMS,
  };
  const synth = {
    buildFrame: pb.buildFrame,
    TcpConversation: pb.TcpConversation,
    udpFrame: pb.udpFrame,
    PcapBuffer: pw.PcapBuffer,
    dnsQuery: ap.dnsQuery,
    dnsResponse: ap.dnsResponse,
    tlsClientHello: ap.tlsClientHello,
    tlsServerHello: ap.tlsServerHello,
  };
  return { modules, synth };
}

/* ---------------------------------------------------------------------------------------- */
/* Inputs: each one a pure function of (target, seed)                                          */

const HOSTILE = ['=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ';', '\u0000', '\u001b[31m', '\u2028', '\u2029', '\ud800', '\udfff', '\ufeff', '\\', "'", 'é', '日本', '=HYPERLINK("x")', ' '];

function hostileString(r, max = 40) {
  const n = Math.floor(r() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += r() < 0.5 ? HOSTILE[Math.floor(r() * HOSTILE.length)] : String.fromCharCode(Math.floor(r() * (r() < 0.9 ? 128 : 0x10000)));
  return s;
}

function randomFinding(r) {
  const num = () => [NaN, Infinity, -Infinity, -0, 1e308, -1, 0, 1700000000.123456, r() * 1e6, Math.floor(r() * 65536)][Math.floor(r() * 10)];
  const maybe = (f) => (r() < 0.2 ? null : f());
  const s = () => hostileString(r);
  return {
    findingId: s(),
    detector: ['beacon', 'suspicious_port', 'cleartext_exfil', 'long_connection', 'dns_tunnel', 'ioc_match'][Math.floor(r() * 6)],
    score: num(),
    severity: ['informational', 'low', 'medium', 'high', 'critical'][Math.floor(r() * 5)],
    startTime: num(),
    endTime: num(),
    srcIp: s(),
    srcPort: maybe(num),
    destIp: maybe(s),
    destPort: maybe(num),
    destHost: maybe(s),
    transport: maybe(s),
    appProtocol: maybe(s),
    direction: 'outbound',
    mitreTechniqueIds: [s(), s()],
    mitreTacticIds: [s()],
    connCount: num(),
    srcBytes: num(),
    destBytes: num(),
    communityId: maybe(s),
    evidence: s(),
    inputSource: s(),
    details: { note: s(), list: [s(), s()], n: num() },
    srcGeo: maybe(() => ({ ipClass: 'public', country: maybe(s), asn: maybe(num), asOrg: maybe(s) })),
    destGeo: maybe(() => ({ ipClass: s(), country: maybe(s), asn: maybe(num), asOrg: maybe(s) })),
  };
}

const TSV_HEADER = Buffer.from(
  [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring',
  ].join('\n') + '\n',
);

function makeInputs(seeds, synthetic, validConfig, signatureTexts, synth) {
  const pickFrom = (r, list) => list[Math.floor(r() * list.length)];
  const dnsSeeds = [
    ['query', synth.dnsQuery(1, 'www.example.com')],
    ['query-txt', synth.dnsQuery(2, 'aGVsbG8.tunnel.example.net', 16)],
    ['response', synth.dnsResponse(3, 'x.example.net', ['192.0.2.1', '192.0.2.2', '192.0.2.3'])],
  ];
  const helloSeeds = [
    ['client-hello', synth.tlsClientHello('www.example.com', Buffer.alloc(32, 7)).subarray(9)],
    ['server-hello', synth.tlsServerHello(Buffer.alloc(32, 9)).subarray(9)],
  ];
  const magics = T.captureMagics();
  const textPool = [...signatureTexts, ...seeds.text.map(([n, t]) => [n, t])];
  return {
    'capture-corpus'(r) {
      const [name, buf] = pickFrom(r, seeds.captures);
      const { buf: b, ops } = T.mutate(r, buf, 'capture');
      return { input: b, origin: name, ops, opts: { chunkSize: r() < 0.3 ? 1 + Math.floor(r() * 4096) : undefined, splitCheck: r() < 0.15 ? 1 + Math.floor(r() * 2048) : undefined } };
    },
    'capture-synthetic'(r) {
      const [name, buf] = pickFrom(r, synthetic);
      const { buf: b, ops } = T.mutate(r, buf, 'capture');
      return { input: b, origin: name, ops, opts: { splitCheck: r() < 0.15 ? 1 + Math.floor(r() * 2048) : undefined } };
    },
    'capture-random'(r) {
      const raw = r() < 0.15;
      const b = T.randomInput(r, 4096, raw ? null : magics);
      return { input: r() < 0.1 ? zlib.gzipSync(b) : b, origin: raw ? 'random' : 'random-after-magic', ops: [], opts: {} };
    },
    'zeek-corpus'(r) {
      const [name, buf] = pickFrom(r, seeds.zeekPlain);
      const { buf: b, ops } = T.mutate(r, buf, r() < 0.7 ? 'text' : 'bytes');
      const opts = { name: path.basename(name), chunkSize: 1 + Math.floor(r() * 65536) };
      if (r() < 0.2) opts.splitCheck = 1 + Math.floor(r() * 4096);
      return { input: b, origin: name, ops, opts };
    },
    'zeek-random'(r) {
      const k = r();
      let b;
      if (k < 0.3) b = T.randomInput(r, 2048, null);
      else if (k < 0.6) b = Buffer.concat([TSV_HEADER, T.randomInput(r, 2048, null)]);
      else {
        const rows = [];
        const n = Math.floor(r() * 40);
        for (let i = 0; i < n; i++) {
          const cols = [];
          const m = Math.floor(r() * 16);
          for (let j = 0; j < m; j++) cols.push(r() < 0.5 ? ['-', '(empty)', '', '1.2.3.4', '::1', 'T', '1e400', '-1', '#', '\\x09', ','][Math.floor(r() * 11)] : hostileString(r, 12));
          rows.push(cols.join('\t'));
        }
        b = Buffer.concat([TSV_HEADER, Buffer.from(rows.join('\n'))]);
      }
      return { input: b, origin: 'random', ops: [], opts: { chunkSize: 1 + Math.floor(r() * 512) } };
    },
    'zeek-gzip'(r) {
      if (r() < 0.5 && seeds.zeekGzip.length) {
        const [name, buf] = pickFrom(r, seeds.zeekGzip);
        const { buf: b, ops } = T.mutate(r, buf, 'bytes');
        return { input: b, origin: name, ops, opts: { name: path.basename(name), chunkSize: 1 + Math.floor(r() * 8192) } };
      }
      const [name, buf] = pickFrom(r, seeds.zeekPlain);
      const { buf: b, ops } = T.mutate(r, buf, 'text');
      let gz = zlib.gzipSync(b);
      if (r() < 0.3) gz = gz.subarray(0, Math.floor(r() * gz.length));
      return { input: gz, origin: name, ops: [...ops, 'gzip'], opts: { name: path.basename(name) + '.gz' } };
    },
    indicators(r) {
      return textCase(r, textPool);
    },
    'allow-list'(r) {
      return textCase(r, textPool);
    },
    config(r) {
      if (r() < 0.6) {
        const { buf, ops } = T.mutate(r, Buffer.from(validConfig), r() < 0.5 ? 'text' : 'bytes');
        return { input: buf, origin: 'default-config', ops, opts: {} };
      }
      const v = randomJson(r, 5);
      return { input: Buffer.from(JSON.stringify(v) ?? 'null'), origin: 'random-json', ops: [], opts: {} };
    },
    findings(r) {
      const f = randomFinding(r);
      return { input: Buffer.from(JSON.stringify(f) ?? ''), finding: f, origin: 'random-finding', ops: [], opts: {} };
    },
    'dns-message'(r) {
      const k = r();
      if (k < 0.4) {
        const [name, b] = pickFrom(r, dnsSeeds);
        const { buf, ops } = T.mutate(r, b, 'bytes');
        return { input: buf, origin: name, ops, opts: {} };
      }
      if (k < 0.6) return { input: T.randomInput(r, 600, null), origin: 'random', ops: [], opts: {} };
      // A label/pointer soup: labels, pointers anywhere (forward, self, into the header), roots, extended label types.
      const parts = [Buffer.from(Array.from({ length: 12 }, () => Math.floor(r() * 256)))];
      for (let i = Math.floor(r() * 40); i > 0; i--) {
        const c = r();
        if (c < 0.4) {
          const n = Math.floor(r() * 70);
          parts.push(Buffer.from([n]), Buffer.alloc(n, 0x61 + Math.floor(r() * 26)));
        } else if (c < 0.75) {
          const ptr = Math.floor(r() * 0x4000);
          parts.push(Buffer.from([0xc0 | (ptr >> 8), ptr & 0xff]));
        } else if (c < 0.85) parts.push(Buffer.from([0]));
        else parts.push(T.randomInput(r, 12, null));
      }
      return { input: Buffer.concat(parts), origin: 'pointer-soup', ops: [], opts: {} };
    },
    'tls-hello'(r) {
      if (r() < 0.8) {
        const [name, b] = pickFrom(r, helloSeeds);
        const { buf, ops } = T.mutate(r, b, 'bytes');
        return { input: buf, origin: name, ops, opts: {} };
      }
      return { input: T.randomInput(r, 400, null), origin: 'random', ops: [], opts: {} };
    },
  };

  function textCase(r, pool) {
    const k = r();
    if (k < 0.5 && pool.length) {
      const [name, text] = pickFrom(r, pool);
      const { buf, ops } = T.mutate(r, Buffer.from(text.slice(0, 64 * 1024)), 'text');
      return { input: buf, origin: name, ops, opts: {} };
    }
    if (k < 0.7) return { input: T.randomInput(r, 1024, null), origin: 'random', ops: [], opts: {} };
    const lines = [];
    const n = Math.floor(r() * 30);
    const good = ['1.2.3.4', '10.0.0.0/8', '::1', 'evil.example.com', '*.evil.example', 'http://x.example/a', 'e7d705a3286e19ea42f587b344ee6865', 'indicator,type,description', '"unclosed', 'a,"b""c",d', '# c'];
    for (let i = 0; i < n; i++) lines.push(r() < 0.5 ? good[Math.floor(r() * good.length)] : hostileString(r, 30));
    return { input: Buffer.from(lines.join(['\n', '\r\n', '\r'][Math.floor(r() * 3)])), origin: 'random-lines', ops: [], opts: {} };
  }
}

function randomJson(r, depth) {
  const k = r();
  if (depth <= 0 || k < 0.4) return [null, true, false, 0, -1, 1e308, -1e308, 0.5, 'x', '', '10.0.0.0/8', hostileString(r, 10), 2 ** 53, 65536][Math.floor(r() * 14)];
  if (k < 0.6) return Array.from({ length: Math.floor(r() * 5) }, () => randomJson(r, depth - 1));
  const keys = ['internalNetworks', 'allowlist', 'ips', 'domains', 'indicatorFiles', 'thresholds', 'caps', 'detectors', 'resolvers', 'geoip', 'homeCountry', 'failOn', 'format', 'beacon', 'maxFlows', '__proto__', 'constructor', 'enabled', 'dir', 'x'];
  const o = {};
  for (let i = Math.floor(r() * 6); i > 0; i--) o[keys[Math.floor(r() * keys.length)]] = randomJson(r, depth - 1);
  return o;
}

/* ---------------------------------------------------------------------------------------- */
/* Watchdog: a thread that notices a case that never returns                                 */

function startWatchdog(state, outDir, targetNames) {
  const code = `
    const { workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    const path = require('node:path');
    const s = new Int32Array(workerData.sab);
    setInterval(() => {
      const started = Atomics.load(s, 0);
      if (started === 0) return;
      const now = Math.floor(performance.timeOrigin + performance.now()) & 0x7fffffff;
      const bound = 2000 + Atomics.load(s, 3) / 1024;
      if (now - started > bound + 30000) {
        const target = workerData.targets[Atomics.load(s, 1)];
        const seed = Atomics.load(s, 2) >>> 0;
        fs.mkdirSync(workerData.out, { recursive: true });
        fs.writeFileSync(path.join(workerData.out, target + '-' + seed + '.json'), JSON.stringify({ target, seed, error: 'hang: no return after ' + (now - started) + ' ms', replay: 'node bench/fuzz.mjs --replay-seed ' + seed + ' --target ' + target }, null, 2) + '\\n');
        process.stderr.write('fuzz: HANG in ' + target + ' seed ' + seed + ' (written to ' + workerData.out + ')\\n');
        process.exit(2);
      }
    }, 1000);
  `;
  const w = new Worker(code, { eval: true, workerData: { sab: state.buffer, out: outDir, targets: targetNames } });
  w.unref();
  return w;
}

/* ---------------------------------------------------------------------------------------- */
/* Main                                                                                      */

/** Share of the cases each target gets. */
const WEIGHTS = {
  'capture-corpus': 30,
  'capture-synthetic': 12,
  'capture-random': 10,
  'zeek-corpus': 18,
  'zeek-random': 6,
  'zeek-gzip': 4,
  indicators: 6,
  'allow-list': 4,
  config: 6,
  findings: 4,
  // Appended last: a target's index feeds its case seeds, so earlier targets keep theirs.
  'dns-message': 8,
  'tls-hello': 6,
};

function caseSeed(base, ti, i) {
  let h = (Math.imul(base ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(ti + 1, 0xc2b2ae35) ^ Math.imul(i + 1, 0x27d4eb2f)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

async function runOne(targets, name, made) {
  const { input, opts } = made;
  switch (name) {
    case 'capture-corpus':
    case 'capture-synthetic':
    case 'capture-random':
      return targets.capture(input, opts);
    case 'zeek-corpus':
    case 'zeek-random':
      return targets.zeek(input, opts);
    case 'zeek-gzip':
      return targets.zeekGzip(input, opts);
    case 'indicators':
      return targets.indicators(input.toString('utf8'));
    case 'allow-list':
      return targets.allowList(input.toString('utf8'));
    case 'config':
      return targets.config(input.toString('utf8'));
    case 'findings':
      return targets.findings(made.finding ?? JSON.parse(input.toString('utf8')));
    case 'dns-message':
      return targets.dnsMessage(input);
    case 'tls-hello':
      return targets.tlsHello(input);
  }
  throw new Error(`unknown target ${name}`);
}

function signatureTexts() {
  const dir = path.join(root, 'signatures');
  const out = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.json') && fs.statSync(p).size < 256 * 1024) out.push([path.relative(root, p), fs.readFileSync(p, 'utf8')]);
    }
  };
  walk(dir);
  return out;
}

async function main() {
  const o = parseArgs(process.argv);
  const { modules, synth } = await loadModules();
  const targets = T.makeTargets(modules);
  const seeds = T.corpusSeeds(o.corpus, 640 * 1024, { fs, path, zlib });
  if (seeds.captures.length === 0) process.stderr.write(`fuzz: no corpus at ${o.corpus}: corpus-based targets use synthetic seeds only\n`);
  const synthetic = T.syntheticCaptures(synth);
  if (seeds.captures.length === 0) seeds.captures.push(...synthetic);
  if (seeds.zeekPlain.length === 0) seeds.zeekPlain.push(['synthetic-conn.log', Buffer.concat([TSV_HEADER, Buffer.from('1700000000.1\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\thttp\t1.5\t10\t20\tSF\n')])]);
  const validConfig = JSON.stringify({ ...modules.defaultConfig(), internalNetworks: ['10.0.0.0/8'], resolvers: ['10.0.0.53'] }, null, 2);
  const inputs = makeInputs(seeds, synthetic, validConfig, signatureTexts(), synth);
  const names = Object.keys(WEIGHTS).filter((n) => !o.targets || o.targets.includes(n));
  if (names.length === 0) throw new Error(`no target selected from ${Object.keys(WEIGHTS).join(', ')}`);

  // Replay one case.
  if (o.replay !== null || o.replaySeed !== null) {
    const name = o.target;
    if (!name || !(name in WEIGHTS)) throw new Error(`--target must be one of ${Object.keys(WEIGHTS).join(', ')}`);
    const made = o.replay !== null ? { input: fs.readFileSync(o.replay), opts: {} } : inputs[name](T.rng32(o.replaySeed));
    const t0 = performance.now();
    const out = await runOne(targets, name, made);
    process.stdout.write(`${name}: ok in ${(performance.now() - t0).toFixed(1)} ms: ${JSON.stringify(out)}\n`);
    return 0;
  }

  const totalWeight = names.reduce((a, n) => a + WEIGHTS[n], 0);
  const plan = names.map((n) => ({ name: n, cases: Math.max(1, Math.round((o.cases * WEIGHTS[n]) / totalWeight)), done: 0, failures: 0, ms: 0, slowest: 0, bytes: 0 }));
  const state = new Int32Array(new SharedArrayBuffer(16));
  startWatchdog(state, o.out, names);
  const started = performance.now();
  let lastReport = started;
  const failures = [];
  const maxMem = o.maxMemMb * 1024 * 1024;

  // SIGINT/SIGTERM stop the run at the next case that yields to the event loop (the async
  // gzip cases do, in every round) and still print the summary; exit code 130.
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Interleave targets so that a time limit still covers every parser.
  let remaining = plan.reduce((a, p) => a + p.cases, 0);
  let round = 0;
  outer: while (remaining > 0) {
    for (const p of plan) {
      if (p.done >= p.cases) continue;
      const batch = Math.min(p.cases - p.done, Math.max(1, Math.round(p.cases / 200)));
      for (let k = 0; k < batch; k++) {
        const i = p.done;
        const ti = Object.keys(WEIGHTS).indexOf(p.name);
        const seed = caseSeed(o.seed, ti, i);
        const made = inputs[p.name](T.rng32(seed));
        Atomics.store(state, 1, ti);
        Atomics.store(state, 2, seed | 0);
        Atomics.store(state, 3, made.input.length);
        Atomics.store(state, 0, Math.floor(performance.timeOrigin + performance.now()) & 0x7fffffff);
        const mem0 = process.memoryUsage().arrayBuffers;
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        let error = null;
        try {
          await runOne(targets, p.name, made);
        } catch (e) {
          error = e instanceof T.InvariantError ? `property: ${e.message}` : `exception: ${e?.stack ?? e}`;
        }
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const cpuMs = (cpu.user + cpu.system) / 1000;
        Atomics.store(state, 0, 0);
        const memDelta = process.memoryUsage().arrayBuffers - mem0;
        // CPU time, not wall time: the bound is a hang guard and must hold on a loaded machine.
        if (!error && cpuMs > T.timeBoundMs(made.input.length)) error = `time: ${cpuMs.toFixed(0)} ms of CPU (${ms.toFixed(0)} ms wall), bound ${T.timeBoundMs(made.input.length).toFixed(0)} ms`;
        if (!error && memDelta > maxMem) error = `memory: ${(memDelta / 1048576).toFixed(0)} MiB of new ArrayBuffers, bound ${o.maxMemMb} MiB`;
        p.done++;
        remaining--;
        p.ms += ms;
        p.bytes += made.input.length;
        if (ms > p.slowest) p.slowest = ms;
        if (error) {
          p.failures++;
          const base = path.join(o.out, `${p.name}-${seed}`);
          fs.mkdirSync(o.out, { recursive: true });
          fs.writeFileSync(base + '.bin', made.input);
          const rec = { target: p.name, seed, baseSeed: o.seed, caseNumber: i, origin: made.origin, ops: made.ops, opts: made.opts, bytes: made.input.length, ms: Math.round(ms), error, replay: `node bench/fuzz.mjs --replay-seed ${seed} --target ${p.name}` };
          fs.writeFileSync(base + '.json', JSON.stringify(rec, null, 2) + '\n');
          failures.push(rec);
          process.stderr.write(`fuzz: FAIL ${p.name} seed ${seed}: ${error.split('\n')[0]}\n`);
        }
      }
      const now = performance.now();
      if (!o.json && now - lastReport > 15000) {
        lastReport = now;
        const done = plan.reduce((a, q) => a + q.done, 0);
        process.stderr.write(`fuzz: ${done} cases, ${failures.length} failures, ${((now - started) / 1000).toFixed(0)} s\n`);
      }
      if ((now - started) / 1000 > o.maxSeconds || interrupted) break outer;
    }
    round++;
  }
  const seconds = (performance.now() - started) / 1000;
  const total = plan.reduce((a, p) => a + p.done, 0);
  const summary = {
    seed: o.seed,
    cases: total,
    failures: failures.length,
    seconds: Math.round(seconds),
    node: process.version,
    targets: plan.map((p) => ({ target: p.name, cases: p.done, failures: p.failures, meanMs: p.done ? +(p.ms / p.done).toFixed(2) : 0, slowestMs: Math.round(p.slowest), meanBytes: p.done ? Math.round(p.bytes / p.done) : 0 })),
  };
  if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else {
    process.stdout.write(`target              cases  failures  mean ms  slowest ms  mean bytes\n`);
    for (const t of summary.targets) process.stdout.write(`${t.target.padEnd(18)} ${String(t.cases).padStart(6)}  ${String(t.failures).padStart(8)}  ${t.meanMs.toFixed(2).padStart(7)}  ${String(t.slowestMs).padStart(10)}  ${String(t.meanBytes).padStart(10)}\n`);
    process.stdout.write(`total              ${String(total).padStart(6)}  ${String(failures.length).padStart(8)}  in ${seconds.toFixed(0)} s (seed ${o.seed}, ${process.version})\n`);
    if (failures.length) process.stdout.write(`failing inputs written to ${o.out}\n`);
    if (interrupted) process.stdout.write(`interrupted: ${total} of ${plan.reduce((a, p) => a + p.cases, 0)} cases run\n`);
  }
  if (interrupted) return 130;
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fuzz: ${e?.message ?? e}\n`);
    process.exit(1);
  },
);
