#!/usr/bin/env node
/**
 * Deterministic generator of a realistic day of Zeek logs, for the Zeek reader's benchmark.
 *
 * A few hundred internal hosts (10.20.x.y) talk to a resolver, to web and TLS servers and to a
 * long tail of other services; one host beacons to a C2 server every 60 s (with jitter) over TLS.
 * Each hour gets its own rotated, gzipped files, named as Zeek's log rotation names them:
 *
 *   <out>/2024-03-01/conn.00:00:00-01:00:00.log.gz   dns.…   http.…   ssl.…
 *
 * About 1 million conn lines a day at --scale 1, plus one dns line per DNS connection, one http
 * line per HTTP connection (sometimes two) and one ssl line per TLS connection. Rows are written
 * in order of connection end, as Zeek writes them, so `ts` (the start) is not in order.
 *
 * Usage: node bench/gen-zeek-day.mjs [--out DIR] [--days N] [--scale F] [--json] [--seed N] [--repeat-pairs]
 *          [--names N]
 *   --out    folder to write (default: <tmpdir>/konseki-zeek-day[-json]); it is emptied first
 *   --days   number of consecutive days (default 1)
 *   --scale  multiplies the connections per day (default 1: about 1,000,000)
 *   --json   write Zeek JSON (LogAscii::use_json=T: dotted keys, epoch ts) instead of TSV
 *   --seed   PRNG seed (default 1)
 *   --repeat-pairs  every day after the first repeats the first day's connections (same hosts,
 *            destinations, ports, services and sizes; new uids; start times moved by up to
 *            +-5 min so a pair's connections are not exactly 24 h apart; rows keep the first
 *            day's order, so they are up to 10 min out of end-time order), so N days hold N
 *            times the lines of one day over the same host pairs. Without it each day draws
 *            new connections and brings new pairs (about 287,000 pairs for one day at scale
 *            0.5, about 510,000 for two). The first day is the same with or without the flag.
 *   --names  draw DNS queries, TLS server names and HTTP hosts from N generated names instead of
 *            the 20 fixed ones, with a Zipf-like popularity (the name of rank k is drawn with
 *            weight 1/k): DNS queries and server names from all N, HTTP hosts from the N/50 most
 *            popular (at least 20), so a day holds thousands of distinct names in a long tail
 *            (about 16,000 of 20,000 show up in the DNS log of a --scale 0.5 day) and hundreds
 *            of HTTP hosts (400). Each name resolves to 1 to 4 addresses of its own (fixed by the
 *            seed and the rank), and a DNS answer is one of its name's addresses, so answers
 *            repeat as their names do. The names come from their own PRNG: the connections,
 *            hosts, sizes and the rest of each line are the same as without --names (lengths
 *            that follow the name's, such as orig_bytes, excepted). Without --names the output
 *            is the same, byte for byte, as before the option existed.
 * Writes <out>/manifest.json with the line counts per log type, which the benchmark checks.
 */
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

function parseArgs(argv) {
  const o = { out: null, days: 1, scale: 1, json: false, seed: 1, repeatPairs: false, names: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.out = argv[++i];
    else if (a === '--days') o.days = Number(argv[++i]);
    else if (a === '--scale') o.scale = Number(argv[++i]);
    else if (a === '--json') o.json = true;
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--repeat-pairs') o.repeatPairs = true;
    else if (a === '--names') o.names = Number(argv[++i]);
    else {
      console.error(`gen-zeek-day: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!(o.days >= 1) || !Number.isInteger(o.days)) throw new Error('--days must be a positive integer');
  if (!(o.scale > 0)) throw new Error('--scale must be positive');
  if (!(o.names >= 0) || !Number.isInteger(o.names)) throw new Error('--names must be a positive integer');
  o.out ??= join(tmpdir(), o.json ? 'konseki-zeek-day-json' : 'konseki-zeek-day');
  return o;
}

/** mulberry32: small, fast, deterministic; `save()`/`restore(s)` rewind it (--repeat-pairs). */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.save = () => a;
  next.restore = (s) => {
    a = s;
  };
  return next;
}

const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const CONN_FIELDS = [
  ['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'],
  ['id.resp_p', 'port'], ['proto', 'enum'], ['service', 'string'], ['duration', 'interval'], ['orig_bytes', 'count'],
  ['resp_bytes', 'count'], ['conn_state', 'string'], ['local_orig', 'bool'], ['local_resp', 'bool'],
  ['missed_bytes', 'count'], ['history', 'string'], ['orig_pkts', 'count'], ['orig_ip_bytes', 'count'],
  ['resp_pkts', 'count'], ['resp_ip_bytes', 'count'], ['tunnel_parents', 'set[string]'],
];
const DNS_FIELDS = [
  ['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'],
  ['id.resp_p', 'port'], ['proto', 'enum'], ['trans_id', 'count'], ['rtt', 'interval'], ['query', 'string'],
  ['qclass', 'count'], ['qclass_name', 'string'], ['qtype', 'count'], ['qtype_name', 'string'], ['rcode', 'count'],
  ['rcode_name', 'string'], ['AA', 'bool'], ['TC', 'bool'], ['RD', 'bool'], ['RA', 'bool'], ['Z', 'count'],
  ['answers', 'vector[string]'], ['TTLs', 'vector[interval]'], ['rejected', 'bool'],
];
const HTTP_FIELDS = [
  ['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'],
  ['id.resp_p', 'port'], ['trans_depth', 'count'], ['method', 'string'], ['host', 'string'], ['uri', 'string'],
  ['referrer', 'string'], ['version', 'string'], ['user_agent', 'string'], ['origin', 'string'],
  ['request_body_len', 'count'], ['response_body_len', 'count'], ['status_code', 'count'], ['status_msg', 'string'],
  ['info_code', 'count'], ['info_msg', 'string'], ['tags', 'set[enum]'], ['username', 'string'],
  ['password', 'string'], ['proxied', 'set[string]'], ['orig_fuids', 'vector[string]'],
  ['orig_filenames', 'vector[string]'], ['orig_mime_types', 'vector[string]'], ['resp_fuids', 'vector[string]'],
  ['resp_filenames', 'vector[string]'], ['resp_mime_types', 'vector[string]'],
];
const SSL_FIELDS = [
  ['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'],
  ['id.resp_p', 'port'], ['version', 'string'], ['cipher', 'string'], ['curve', 'string'], ['server_name', 'string'],
  ['resumed', 'bool'], ['last_alert', 'string'], ['next_protocol', 'string'], ['established', 'bool'],
  ['ssl_history', 'string'], ['cert_chain_fps', 'vector[string]'], ['client_cert_chain_fps', 'vector[string]'],
  ['sni_matches_cert', 'bool'],
];

const DOMAINS = [
  'www.google.com', 'mail.google.com', 'www.microsoft.com', 'login.microsoftonline.com', 'outlook.office365.com',
  'github.com', 'api.github.com', 'www.wikipedia.org', 'cdn.jsdelivr.net', 'fonts.gstatic.com', 'www.amazon.com',
  'slack.com', 'zoom.us', 'update.example-vendor.com', 'ocsp.digicert.com', 'ctldl.windowsupdate.com',
  'www.bbc.co.uk', 'news.ycombinator.com', 'static.cloudflareinsights.com', 'time.windows.com',
];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15',
  'Microsoft-CryptoAPI/10.0',
  'curl/8.5.0',
  'Debian APT-HTTP/1.3 (2.6.1)',
];
const CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'];

/** --names: syllables, first labels and suffixes that the generated names are made of. */
const SYLLABLES = ['ka', 'lo', 'mi', 'net', 'ra', 'sol', 'tek', 'vo', 'zen', 'bri', 'cor', 'dat', 'fi', 'gra', 'hub', 'in', 'jet', 'lum', 'mar', 'nov', 'or', 'pix', 'qu', 'ser', 'tri', 'ul', 'vis', 'web', 'xa', 'yo'];
const FIRST_LABELS = ['www', 'api', 'cdn', 'static', 'img', 'login', 'mail', 'update', 'ads', 'telemetry', 'assets', 'm', 'edge', 's3', 'graph', 'auth', 'push', 'metrics'];
const SUFFIXES = ['com', 'net', 'org', 'io', 'co.uk', 'de', 'fr', 'cloud', 'app', 'dev', 'com.au', 'info'];

/**
 * N generated names with Zipf-like popularity (rank k drawn with weight 1/k), each with 1 to 4
 * addresses of its own. `rnd` is the names' own PRNG, so the other draws of the day are kept.
 */
function nameSpace(n, rnd) {
  const names = new Array(n);
  const seen = new Set();
  const syl = () => SYLLABLES[Math.floor(rnd() * SYLLABLES.length)];
  for (let k = 0; k < n; k++) {
    let name;
    do {
      let sld = syl() + syl();
      if (rnd() < 0.6) sld += syl();
      if (rnd() < 0.3) sld += String(Math.floor(rnd() * 100));
      const first = rnd() < 0.75 ? FIRST_LABELS[Math.floor(rnd() * FIRST_LABELS.length)] + '.' : '';
      const mid = rnd() < 0.2 ? `${syl()}${Math.floor(rnd() * 10)}.` : '';
      name = `${first}${mid}${sld}.${SUFFIXES[Math.floor(rnd() * SUFFIXES.length)]}`;
    } while (seen.has(name));
    seen.add(name);
    names[k] = name;
  }
  const addrs = new Array(n);
  for (let k = 0; k < n; k++) {
    const m = 1 + Math.floor(rnd() * 4);
    const a = new Array(m);
    for (let j = 0; j < m; j++) {
      a[j] = `${[13, 31, 52, 104, 142, 151, 172, 185, 199, 3][Math.floor(rnd() * 10)]}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
    }
    addrs[k] = a;
  }
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1);
  /** A rank below `limit` (default all), drawn with weight 1/(rank+1). */
  const rank = (limit = n) => {
    const x = rnd() * cdf[limit - 1];
    let lo = 0;
    let hi = limit - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return { names, addrs, rank, httpLimit: Math.min(n, Math.max(20, Math.round(n / 50))) };
}

class Writer {
  constructor(file, fields, path, json, openTs) {
    this.fields = fields;
    this.json = json;
    this.path = path;
    this.gz = createGzip();
    this.out = createWriteStream(file);
    this.gz.pipe(this.out);
    this.batch = [];
    this.lines = 0;
    if (!json) {
      const names = fields.map((f) => f[0]);
      const types = fields.map((f) => f[1]);
      this.batch.push(
        '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${path}`,
        `#open\t${zeekDate(openTs)}`, `#fields\t${names.join('\t')}`, `#types\t${types.join('\t')}`,
      );
    }
  }
  /** values: one per field; null = unset; arrays = sets/vectors. */
  async row(values) {
    let line;
    if (this.json) {
      const o = {};
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === null) continue;
        o[this.fields[i][0]] = v;
      }
      line = JSON.stringify(o);
    } else {
      let s = '';
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (i > 0) s += '\t';
        if (v === null) s += '-';
        else if (Array.isArray(v)) s += v.length === 0 ? '(empty)' : v.map(tsvValue).join(',');
        else s += tsvValue(v, this.fields[i][1]);
      }
      line = s;
    }
    this.lines++;
    this.batch.push(line);
    if (this.batch.length >= 2000) await this.flush();
  }
  async flush() {
    if (this.batch.length === 0) return;
    const ok = this.gz.write(this.batch.join('\n') + '\n');
    this.batch = [];
    if (!ok) await once(this.gz, 'drain');
  }
  async close(closeTs) {
    if (!this.json) this.batch.push(`#close\t${zeekDate(closeTs)}`);
    await this.flush();
    this.gz.end();
    await once(this.out, 'close');
  }
}

function tsvValue(v, type) {
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') return type === 'time' || type === 'interval' ? v.toFixed(6) : String(v);
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\x09').replace(/,/g, '\\x2c');
}

function zeekDate(ts) {
  const d = new Date(ts * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

function hourName(h) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(h)}:00:00-${p((h + 1) % 24)}:00:00`;
}

/** Share of the day's connections in each hour (office hours busier). */
const HOUR_WEIGHT = [2, 1, 1, 1, 1, 2, 3, 5, 8, 9, 9, 8, 7, 8, 9, 9, 8, 6, 4, 3, 3, 3, 2, 2];
const HOUR_SUM = HOUR_WEIGHT.reduce((a, b) => a + b, 0);

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const rnd = prng(o.seed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  // --repeat-pairs: day d > 0 replays day 0's draws; its uids shift every character by d so
  // they stay unique across days while the PRNG sequence stays the same.
  let uidShift = 0;
  // Replayed days move each start time by up to +-5 min (their own PRNG, so rnd's sequence is kept).
  const shiftRnd = prng(o.seed + 7919);
  let shiftTimes = false;
  const uid = () => {
    let s = 'C';
    for (let i = 0; i < 17; i++) s += B62[(Math.floor(rnd() * 62) + uidShift) % 62];
    return s;
  };
  const hosts = [];
  for (let i = 0; i < 300; i++) hosts.push(`10.20.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`);
  const servers = [];
  for (let i = 0; i < 4000; i++) {
    servers.push(`${[23, 34, 52, 104, 142, 151, 172, 185][i % 8]}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${1 + Math.floor(rnd() * 254)}`);
  }
  const v6servers = ['2606:4700::6810:84e5', '2a00:1450:4001:82b::200e', '2620:1ec:c11::200'];
  const resolver = '10.20.0.53';
  const beaconHost = hosts[77];
  const c2 = '45.76.19.201';
  const perDay = Math.round(1_000_000 * o.scale);
  // --names: the names' own PRNG, rewound with rnd on replayed days.
  const nameRnd = prng(o.seed + 104729);
  const space = o.names > 0 ? nameSpace(o.names, nameRnd) : null;

  rmSync(o.out, { recursive: true, force: true });
  const counts = { conn: 0, dns: 0, http: 0, ssl: 0 };
  const day0 = Date.UTC(2024, 2, 1) / 1000;
  const firstDayState = rnd.save();
  const firstDayNameState = nameRnd.save();
  for (let day = 0; day < o.days; day++) {
    if (o.repeatPairs && day > 0) {
      rnd.restore(firstDayState);
      nameRnd.restore(firstDayNameState);
      uidShift = day;
      shiftTimes = true;
    }
    const dayTs = day0 + day * 86400;
    const dir = join(o.out, new Date(dayTs * 1000).toISOString().slice(0, 10));
    mkdirSync(dir, { recursive: true });
    for (let h = 0; h < 24; h++) {
      const hourTs = dayTs + h * 3600;
      const n = Math.round((perDay * HOUR_WEIGHT[h]) / HOUR_SUM);
      const conns = [];
      for (let i = 0; i < n; i++) {
        const r = rnd();
        const kind = r < 0.33 ? 'dns' : r < 0.48 ? 'http' : r < 0.88 ? 'ssl' : 'other';
        const c = makeConn(kind, hourTs + rnd() * 3600);
        // Written with the shift, sorted without it, so the day's draws keep their order.
        if (shiftTimes) c.shift = (shiftRnd() - 0.5) * 600;
        conns.push(c);
      }
      // The beacon: every 60 s +- 3 s, all day.
      for (let t = hourTs + 5; t < hourTs + 3600; t += 57 + rnd() * 6) {
        const c = makeConn('ssl', t);
        c.origH = beaconHost;
        c.respH = c2;
        c.sni = 'cdn-update.example.net';
        c.origBytes = 310 + Math.floor(rnd() * 8);
        c.respBytes = 4100 + Math.floor(rnd() * 30);
        conns.push(c);
      }
      conns.sort((a, b) => a.ts + a.duration - (b.ts + b.duration));
      const name = hourName(h);
      const open = hourTs;
      const w = {
        conn: new Writer(join(dir, `conn.${name}.log.gz`), CONN_FIELDS, 'conn', o.json, open),
        dns: new Writer(join(dir, `dns.${name}.log.gz`), DNS_FIELDS, 'dns', o.json, open),
        http: new Writer(join(dir, `http.${name}.log.gz`), HTTP_FIELDS, 'http', o.json, open),
        ssl: new Writer(join(dir, `ssl.${name}.log.gz`), SSL_FIELDS, 'ssl', o.json, open),
      };
      for (const c of conns) await writeConn(w, c);
      for (const k of Object.keys(w)) {
        counts[k] += w[k].lines;
        await w[k].close(hourTs + 3600);
      }
    }
  }
  writeFileSync(join(o.out, 'manifest.json'), JSON.stringify({ format: o.json ? 'json' : 'tsv', days: o.days, scale: o.scale, seed: o.seed, repeatPairs: o.repeatPairs, lines: counts }, null, 2) + '\n');
  console.log(`gen-zeek-day: wrote ${o.out}: ${JSON.stringify(counts)}`);

  function makeConn(kind, ts) {
    const origH = pick(hosts);
    const c = { kind, ts, uid: uid(), origH, origP: 1024 + Math.floor(rnd() * 64000), respH: '', respP: 0, proto: 'tcp' };
    if (kind === 'dns') {
      c.respH = resolver;
      c.respP = 53;
      c.proto = 'udp';
      c.duration = 0.0005 + rnd() * 0.08;
      c.query = pick(DOMAINS);
      if (space) {
        c.rank = space.rank();
        c.query = space.names[c.rank];
      }
      c.origBytes = 30 + c.query.length;
      c.respBytes = c.origBytes + 16 + Math.floor(rnd() * 60);
      c.state = 'SF';
      c.history = 'Dd';
    } else if (kind === 'http' || kind === 'ssl') {
      c.respH = rnd() < 0.03 ? pick(v6servers) : pick(servers);
      if (c.respH.includes(':')) c.origH = `fd00:20::${(hosts.indexOf(origH) + 16).toString(16)}`;
      c.respP = kind === 'http' ? 80 : 443;
      c.duration = 0.02 + rnd() * (rnd() < 0.05 ? 900 : 20);
      c.origBytes = 200 + Math.floor(rnd() * 3000);
      c.respBytes = Math.floor(rnd() * 200000);
      const r = rnd();
      c.state = r < 0.9 ? 'SF' : r < 0.95 ? 'S1' : r < 0.98 ? 'RSTO' : 'S0';
      c.history = c.state === 'S0' ? 'S' : c.state === 'RSTO' ? 'ShADadR' : 'ShADadFf';
      if (c.state === 'S0') {
        c.origBytes = 0;
        c.respBytes = 0;
      }
      c.sni = pick(DOMAINS);
      if (space) c.sni = space.names[space.rank(kind === 'http' ? space.httpLimit : space.names.length)];
    } else {
      const svc = rnd();
      c.respH = pick(servers);
      if (svc < 0.3) {
        c.respP = 123;
        c.proto = 'udp';
      } else if (svc < 0.5) {
        c.respP = 22;
      } else {
        c.respP = 1 + Math.floor(rnd() * 65535);
        c.proto = rnd() < 0.5 ? 'tcp' : 'udp';
      }
      c.duration = rnd() < 0.3 ? null : rnd() * 30;
      c.origBytes = c.duration === null ? null : Math.floor(rnd() * 5000);
      c.respBytes = c.duration === null ? null : Math.floor(rnd() * 5000);
      c.state = c.proto === 'udp' ? (c.respBytes ? 'SF' : 'S0') : pick(['S0', 'REJ', 'SF', 'OTH', 'SH']);
      c.history = c.proto === 'udp' ? 'Dd' : c.state === 'REJ' ? 'Sr' : 'S';
    }
    c.duration ??= null;
    return c;
  }

  async function writeConn(w, c) {
    const ts = c.ts + (c.shift ?? 0);
    const svc = c.kind === 'dns' ? 'dns' : c.kind === 'http' ? 'http' : c.kind === 'ssl' && c.state !== 'S0' ? 'ssl' : null;
    const op = c.origBytes === null ? 1 : 1 + Math.ceil(c.origBytes / 1200);
    const rp = c.respBytes === null ? 0 : Math.ceil(c.respBytes / 1400);
    const hdr = c.proto === 'udp' ? 28 : 52;
    await w.conn.row([
      round6(ts), c.uid, c.origH, c.origP, c.respH, c.respP, c.proto, svc, c.duration === null ? null : round6(c.duration),
      c.origBytes, c.respBytes, c.state, true, c.respH.startsWith('10.'), 0, c.history,
      op, (c.origBytes ?? 0) + op * hdr, rp, (c.respBytes ?? 0) + rp * hdr, [],
    ]);
    if (c.kind === 'dns') {
      const nx = rnd() < 0.05;
      let answers = nx ? [] : [`${Math.floor(rnd() * 223) + 1}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`];
      if (space && !nx) {
        const a = space.addrs[c.rank];
        answers = [a[Math.floor(nameRnd() * a.length)]];
      }
      await w.dns.row([
        round6(ts), c.uid, c.origH, c.origP, c.respH, 53, 'udp', Math.floor(rnd() * 65536), round6(c.duration), c.query,
        1, 'C_INTERNET', 1, 'A', nx ? 3 : 0, nx ? 'NXDOMAIN' : 'NOERROR', false, false, true, true, 0,
        answers, answers.map(() => 300), false,
      ]);
    } else if (c.kind === 'http' && c.state !== 'S0') {
      const depth = rnd() < 0.2 ? 2 : 1;
      for (let d = 1; d <= depth; d++) {
        await w.http.row([
          round6(ts + 0.01 * d), c.uid, c.origH, c.origP, c.respH, 80, d, rnd() < 0.9 ? 'GET' : 'POST', c.sni,
          `/path/${Math.floor(rnd() * 1e6).toString(36)}?q=${Math.floor(rnd() * 1e4)}`, null, '1.1', pick(UAS), null,
          0, Math.floor(rnd() * 100000), 200, 'OK', null, null, [], null, null, null, [], [], [], [`F${uid().slice(1)}`], [], ['text/html'],
        ]);
      }
    } else if (c.kind === 'ssl' && c.state !== 'S0') {
      await w.ssl.row([
        round6(ts + 0.02), c.uid, c.origH, c.origP, c.respH, 443, rnd() < 0.7 ? 'TLSv13' : 'TLSv12', pick(CIPHERS),
        'x25519', c.sni, rnd() < 0.1, null, rnd() < 0.6 ? 'h2' : null, true, 'CsxknGIti', [], [], true,
      ]);
    }
  }
}

function round6(x) {
  return Math.round(x * 1e6) / 1e6;
}

main().catch((err) => {
  console.error(`gen-zeek-day: ${err.message}`);
  process.exit(1);
});
