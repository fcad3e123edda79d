/**
 * Fuzz targets, seed inputs and mutators shared by the CI fuzz pass (test/fuzz/*.test.ts,
 * which hands in the TypeScript sources) and the long run (bench/fuzz.mjs, which hands in the
 * compiled dist/ modules). Plain JavaScript so that both can load it.
 *
 * Each target runs one input through a real reader (no mocks) and checks the safety
 * properties of issue 9; a broken property throws an InvariantError. Any other exception
 * escaping a target is a crash. The caller measures time and memory around each case.
 *
 * Properties checked per target:
 * - capture: readCaptureBuffer + PacketDecoder + FlowTable + the app-layer factory (DNS, HTTP,
 *   TLS, QUIC). packetsRead = ip + nonIp + anomalies + fragments; every Ip packet reaches the
 *   flow table; the table is empty after flush and emitted one conn record per flow; an input
 *   error is a KonsekiError with an ERR_ code naming the file; the same input fed in random
 *   chunks gives the same accounting; every record written as Zeek TSV has the declared
 *   column count and no raw control byte, as Zeek JSON parses, as CSV parses back.
 * - zeek: ZeekLogParser (TSV and JSON). linesRead = records + sum(skipped); records reach the
 *   sink one per counted record; an abandoned file carries a KonsekiError; the records pass
 *   the same output checks.
 * - zeek-gzip: readZeekStream over a gzip stream (async).
 * - indicators / allow-list / config: no exception but ERR_CONFIG for config; results bounded
 *   by the line count.
 * - findings: csvRow parses back with csv-parse into one row of CSV_COLUMNS.length cells, no
 *   free-text cell starts with = + - @ TAB CR; jsonlLine is one line of valid JSON.
 */

/** A broken safety property (as opposed to a crash: any other exception). */
export class InvariantError extends Error {
  constructor(target, message) {
    super(`${target}: ${message}`);
    this.name = 'InvariantError';
    this.target = target;
  }
}

function check(ok, target, message) {
  if (!ok) throw new InvariantError(target, typeof message === 'function' ? message() : message);
}

/** CPU-time bound for one case: generous, a safety property, not a speed test (2 s + 1 ms per KiB). */
export function timeBoundMs(bytes) {
  return 2000 + bytes / 1024;
}

/** Records kept per kind for the output checks; the rest are only counted. */
const MAX_KEPT_RECORDS = 64;

/** Deterministic PRNG (mulberry32). */
export function rng32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (r, n) => Math.floor(r() * n);

/* ------------------------------------------------------------------------------------------ */
/* Record collection and output checks                                                         */

function collector() {
  const kept = { conn: [], dns: [], http: [], ssl: [] };
  const counts = { conn: 0, dns: 0, http: 0, ssl: 0 };
  const add = (k) => (r) => {
    counts[k]++;
    if (kept[k].length < MAX_KEPT_RECORDS) kept[k].push(r);
  };
  return { kept, counts, sink: { conn: add('conn'), dns: add('dns'), http: add('http'), ssl: add('ssl') } };
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** A spreadsheet evaluates a cell starting with one of these (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Zeek column types that hold text (possibly attacker-controlled). */
const TEXT_TYPES = new Set(['string', 'enum', 'set[string]', 'set[enum]', 'vector[string]']);

/** Writes the kept records with the Zeek writers (tsv, json, csv) and checks every line. */
function checkRecordOutputs(m, target, kept) {
  const specs = { conn: m.CONN_LOG, dns: m.DNS_LOG, http: m.HTTP_LOG, ssl: m.SSL_LOG };
  for (const kind of Object.keys(specs)) {
    const recs = kept[kind];
    if (recs.length === 0) continue;
    const spec = specs[kind];
    const n = spec.fields.length;
    const tsv = new m.ZeekLogWriter(spec, 'tsv', null, { openTime: new Date(0) });
    const json = new m.ZeekLogWriter(spec, 'json', null);
    const csv = new m.ZeekLogWriter(spec, 'csv', null);
    for (const r of recs) {
      tsv.write(r);
      json.write(r);
      csv.write(r);
    }
    for (const line of tsv.lines) {
      if (line.startsWith('#')) continue;
      const cols = line.split('\t');
      check(cols.length === n, target, () => `${kind}.log TSV row has ${cols.length} columns, #fields declares ${n}: ${JSON.stringify(line.slice(0, 200))}`);
      check(!RAW_CONTROL.test(line), target, () => `${kind}.log TSV row holds a raw control byte: ${JSON.stringify(line.slice(0, 200))}`);
    }
    for (const line of json.lines) {
      check(!/[\n\r\u2028\u2029]/.test(line), target, () => `${kind}.log JSON line holds a line break: ${JSON.stringify(line.slice(0, 200))}`);
      let o;
      try {
        o = JSON.parse(line);
      } catch (e) {
        throw new InvariantError(target, `${kind}.log JSON line does not parse (${e.message}): ${JSON.stringify(line.slice(0, 200))}`);
      }
      check(o !== null && typeof o === 'object' && !Array.isArray(o), target, `${kind}.log JSON line is not an object`);
    }
    const text = csv.lines.join('\r\n') + '\r\n';
    let rows;
    try {
      rows = m.csvParse(text, { relax_column_count: true, bom: false });
    } catch (e) {
      throw new InvariantError(target, `${kind}.log CSV does not parse back (${e.message})`);
    }
    check(rows.length === recs.length + 1, target, () => `${kind}.log CSV parses into ${rows.length} rows, wrote ${recs.length + 1}`);
    for (const row of rows) check(row.length === n, target, () => `${kind}.log CSV row has ${row.length} cells, expected ${n}`);
    for (const row of rows.slice(1)) {
      for (let i = 0; i < n; i++) {
        if (!TEXT_TYPES.has(spec.fields[i].type)) continue;
        check(!FORMULA_START.test(row[i]), target, () => `${kind}.log CSV cell ${spec.fields[i].name} starts with a formula trigger: ${JSON.stringify(row[i].slice(0, 80))}`);
      }
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Targets                                                                                      */

/**
 * @param m the modules: AnomalyCounter, KonsekiError, readCaptureBuffer, PacketDecoder, FlowTable,
 *   createAppAnalyzerFactory, ZeekLogParser, readZeekStream, parseIndicatorList,
 *   parseIndicatorCsv, parseAllowList, parseConfig, csvRow, csvHeader, jsonlLine, CSV_COLUMNS,
 *   ZeekLogWriter, CONN_LOG, DNS_LOG, HTTP_LOG, SSL_LOG, csvParse (csv-parse/sync), Readable
 */
export function makeTargets(m) {
  function checkError(target, err, name) {
    check(err instanceof m.KonsekiError, target, () => `error is not a KonsekiError: ${err}`);
    check(/^ERR_[A-Z_]+$/.test(err.code), target, () => `error code ${err.code} is not ERR_*`);
    check(err.message.includes(name), target, () => `error message does not name the input: ${err.message}`);
  }

  /** One capture through reader, decoder, flow table and app layer. */
  function captureOnce(buf, chunkSize) {
    const anomalies = new m.AnomalyCounter();
    const decoder = new m.PacketDecoder(anomalies);
    const col = collector();
    const table = new m.FlowTable({ emit: col.sink.conn, appFactory: m.createAppAnalyzerFactory(col.sink, anomalies), anomalies });
    let ip = 0;
    let all = 0;
    const st = m.readCaptureBuffer(
      buf,
      'fuzz-input.pcap',
      0,
      (meta, status) => {
        all++;
        if (status === 0) {
          ip++;
          table.addPacket(meta);
        }
      },
      { anomalies, decoder, chunkSize },
    );
    table.flush();
    return { st, ip, all, table, col, anomalies };
  }

  function capture(buf, opts = {}) {
    const T = 'capture';
    const { st, ip, all, table, col } = captureOnce(buf, opts.chunkSize);
    check(st.packetsRead === st.ip + st.nonIp + st.anomalies + st.fragments, T, () => `packetsRead ${st.packetsRead} != ip ${st.ip} + nonIp ${st.nonIp} + anomalies ${st.anomalies} + fragments ${st.fragments}`);
    check(all === st.packetsRead, T, () => `onPacket called ${all} times for ${st.packetsRead} packets read`);
    check(ip === st.ip && table.stats.packets === st.ip, T, () => `flow table got ${table.stats.packets} of ${st.ip} IP packets`);
    check(table.stats.live === 0, T, () => `${table.stats.live} flows still live after flush`);
    check(table.stats.flowsEmitted === col.counts.conn, T, () => `flowsEmitted ${table.stats.flowsEmitted} != conn records ${col.counts.conn}`);
    check(st.bytesRead <= Math.max(buf.length, st.compressed ? Infinity : 0), T, 'read more bytes than the input holds');
    if (st.error) checkError(T, st.error, 'fuzz-input.pcap');
    if (opts.splitCheck) {
      const again = captureOnce(buf, opts.splitCheck);
      const a = st;
      const b = again.st;
      const same = a.packetsRead === b.packetsRead && a.ip === b.ip && a.nonIp === b.nonIp && a.anomalies === b.anomalies && a.fragments === b.fragments && (a.error?.code ?? null) === (b.error?.code ?? null) && a.truncated === b.truncated;
      check(same, T, () => `fed in chunks of ${opts.splitCheck} bytes the accounting differs: whole ${JSON.stringify(pick(a))}, chunked ${JSON.stringify(pick(b))}`);
      check(table.stats.flowsEmitted === again.table.stats.flowsEmitted, T, () => `flows whole ${table.stats.flowsEmitted} vs chunked ${again.table.stats.flowsEmitted}`);
    }
    checkRecordOutputs(m, T, col.kept);
    return { packets: st.packetsRead, flows: table.stats.flowsEmitted, records: col.counts, error: st.error?.code ?? null };
  }

  function pick(s) {
    return { packetsRead: s.packetsRead, ip: s.ip, nonIp: s.nonIp, anomalies: s.anomalies, fragments: s.fragments, error: s.error?.code ?? null, truncated: s.truncated };
  }

  function countLines(buf) {
    let n = 0;
    let i = -1;
    while ((i = buf.indexOf(10, i + 1)) >= 0) n++;
    if (buf.length > 0 && buf[buf.length - 1] !== 10) n++;
    return n;
  }

  function zeekOnce(buf, name, chunkSize) {
    const anomalies = new m.AnomalyCounter();
    const col = collector();
    const p = new m.ZeekLogParser(name, col.sink, { anomalies });
    const step = chunkSize && chunkSize > 0 ? chunkSize : buf.length || 1;
    for (let off = 0; off < buf.length; off += step) if (!p.push(buf.subarray(off, Math.min(off + step, buf.length)))) break;
    p.end();
    return { p, col, anomalies };
  }

  /** One Zeek log (TSV or JSON, plain) through the push parser, in chunks. */
  function zeek(buf, opts = {}) {
    const T = 'zeek';
    const name = opts.name ?? 'conn.log';
    const { p, col } = zeekOnce(buf, name, opts.chunkSize);
    const s = p.stats;
    if (opts.splitCheck) {
      // Where the chunks end must not change what is read.
      const again = zeekOnce(buf, name, opts.splitCheck === opts.chunkSize ? opts.splitCheck + 1 : opts.splitCheck).p.stats;
      const key = (x) => JSON.stringify([x.linesRead, x.records, x.headerLines, x.badLines, x.shortLines, x.skipped, x.abandoned?.code ?? null, x.truncated?.code ?? null]);
      check(key(s) === key(again), T, () => `chunks of ${opts.chunkSize ?? 'all'} and ${opts.splitCheck} bytes read differently: ${key(s)} vs ${key(again)}`);
    }
    let skipped = 0;
    for (const v of Object.values(s.skipped)) skipped += v;
    check(s.linesRead === s.records + skipped, T, () => `linesRead ${s.linesRead} != records ${s.records} + skipped ${skipped} (${JSON.stringify(s.skipped)})`);
    const emitted = col.counts.conn + col.counts.dns + col.counts.http + col.counts.ssl;
    check(emitted === s.records, T, () => `${emitted} records reached the sink, stats say ${s.records}`);
    check(s.badLines <= skipped, T, 'more bad lines than skipped lines');
    if (s.abandoned) checkError(T, s.abandoned, name);
    if (s.truncated) checkError(T, s.truncated, name);
    if (!s.abandoned && !s.skippedLog && !p.done) {
      const lines = countLines(buf);
      check(s.linesRead + s.headerLines === lines, T, () => `input has ${lines} lines, parser counted ${s.linesRead} data + ${s.headerLines} header lines`);
    }
    checkRecordOutputs(m, T, col.kept);
    return { lines: s.linesRead, records: s.records, abandoned: s.abandoned?.code ?? null };
  }

  /** A gzip-compressed Zeek log through the stream reader. */
  async function zeekGzip(buf, opts = {}) {
    const T = 'zeek-gzip';
    const name = opts.name ?? 'conn.log.gz';
    const anomalies = new m.AnomalyCounter();
    const col = collector();
    const step = opts.chunkSize && opts.chunkSize > 0 ? opts.chunkSize : 65536;
    const parts = [];
    for (let off = 0; off < buf.length; off += step) parts.push(buf.subarray(off, Math.min(off + step, buf.length)));
    const s = await m.readZeekStream(m.Readable.from(parts, { objectMode: false }), name, col.sink, { anomalies });
    let skipped = 0;
    for (const v of Object.values(s.skipped)) skipped += v;
    check(s.linesRead === s.records + skipped, T, () => `linesRead ${s.linesRead} != records ${s.records} + skipped ${skipped}`);
    const emitted = col.counts.conn + col.counts.dns + col.counts.http + col.counts.ssl;
    check(emitted === s.records, T, () => `${emitted} records reached the sink, stats say ${s.records}`);
    if (s.abandoned) checkError(T, s.abandoned, name);
    checkRecordOutputs(m, T, col.kept);
    return { lines: s.linesRead, records: s.records, abandoned: s.abandoned?.code ?? null };
  }

  function lineCount(text) {
    return text.split(/\r\n|\r|\n/).length;
  }

  function indicators(text) {
    const T = 'indicators';
    const a = new m.AnomalyCounter();
    const list = m.parseIndicatorList(text, 'fuzz-iocs.txt', a);
    check(Array.isArray(list) && list.length + a.get('ioc_bad_line') <= lineCount(text), T, 'more indicators and bad lines than lines');
    for (const i of list) check(typeof i.value === 'string' && i.value.length > 0 && typeof i.type === 'string', T, 'indicator without a value or type');
    const b = new m.AnomalyCounter();
    let csv;
    try {
      csv = m.parseIndicatorCsv(text, 'fuzz-iocs.csv', b);
    } catch (e) {
      // A feed csv-parse cannot read is refused as a whole, with ERR_CONFIG naming the file.
      check(e instanceof m.KonsekiError && e.code === 'ERR_CONFIG', T, () => `parseIndicatorCsv threw ${e?.name}: ${e?.message}`);
      check(e.message.includes('fuzz-iocs.csv'), T, () => `CSV feed error does not name the file: ${e.message}`);
      csv = [];
    }
    check(Array.isArray(csv) && csv.length <= lineCount(text), T, 'more CSV indicators than lines');
    for (const i of csv) check(typeof i.value === 'string' && typeof i.type === 'string', T, 'CSV indicator without a value or type');
    return { list: list.length, csv: csv.length };
  }

  function allowList(text) {
    const T = 'allow-list';
    const a = new m.AnomalyCounter();
    const list = m.parseAllowList(text, a, 'fuzz-allow.txt');
    check(list.length + a.get('allow_list_bad_line') <= lineCount(text), T, 'more entries and bad lines than lines');
    for (const v of list) check(typeof v === 'string' && v.length > 0 && !/\s/.test(v), T, () => `allow-list entry with white space: ${JSON.stringify(v)}`);
    return { entries: list.length };
  }

  function config(text) {
    const T = 'config';
    try {
      const c = m.parseConfig(text, 'fuzz-config.json');
      check(c !== null && typeof c === 'object', T, 'config is not an object');
      return { ok: true };
    } catch (e) {
      if (e instanceof InvariantError) throw e;
      check(e instanceof m.KonsekiError && e.code === 'ERR_CONFIG', T, () => `parseConfig threw ${e?.name}: ${e?.message}`);
      check(e.message.includes('fuzz-config.json'), T, () => `config error does not name the file: ${e.message}`);
      return { ok: false };
    }
  }

  const NUMBER_CELL = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i;

  /** One finding through the CSV and JSON lines writers. */
  function findings(f) {
    const T = 'findings';
    const row = m.csvRow(f);
    check(row.endsWith('\r\n'), T, 'CSV row does not end with CRLF');
    let rows;
    try {
      rows = m.csvParse(m.csvHeader() + row, { bom: false });
    } catch (e) {
      throw new InvariantError(T, `CSV row does not parse back (${e.message}): ${JSON.stringify(row.slice(0, 300))}`);
    }
    check(rows.length === 2, T, () => `CSV row parses into ${rows.length - 1} rows`);
    check(rows[1].length === m.CSV_COLUMNS.length && rows[0].length === m.CSV_COLUMNS.length, T, () => `CSV row has ${rows[1].length} cells, header ${m.CSV_COLUMNS.length}`);
    for (const cell of rows[1]) {
      if (NUMBER_CELL.test(cell)) continue;
      check(!FORMULA_START.test(cell), T, () => `CSV cell starts with a formula trigger: ${JSON.stringify(cell.slice(0, 80))}`);
    }
    const line = m.jsonlLine(f);
    check(line.endsWith('\n') && line.indexOf('\n') === line.length - 1, T, 'JSON line holds a line break');
    check(!/[\r\u2028\u2029]/.test(line), T, 'JSON line holds CR or U+2028/2029');
    try {
      JSON.parse(line);
    } catch (e) {
      throw new InvariantError(T, `JSON line does not parse (${e.message})`);
    }
    return { cells: rows[1].length };
  }

  /** One DNS message straight into the parser (m.parseDnsMessage, m.MAX_NAME_LEN, m.MAX_ANSWERS). */
  function dnsMessage(buf) {
    const T = 'dns-message';
    let weirds = 0;
    const msg = m.parseDnsMessage(buf, 0, buf.length, { add: () => weirds++ });
    if (msg !== null) {
      check(msg.qname === null || msg.qname.length <= m.MAX_NAME_LEN, T, () => `query name of ${msg.qname.length} characters, cap ${m.MAX_NAME_LEN}`);
      check(msg.answers.length <= m.MAX_ANSWERS && msg.ttls.length <= m.MAX_ANSWERS, T, () => `${msg.answers.length} answers rendered, cap ${m.MAX_ANSWERS}`);
    }
    return { parsed: msg !== null, weirds };
  }

  /** One TLS ClientHello/ServerHello body straight into the parsers, with the fingerprints. */
  function tlsHello(buf) {
    const T = 'tls-hello';
    const ch = m.parseClientHello(buf, 0, buf.length);
    if (ch) {
      for (const l of [ch.groups, ch.pointFormats, ch.sigAlgs, ch.versions, ch.alpn]) check(l.length <= m.MAX_LIST_ITEMS, T, `a ClientHello list above ${m.MAX_LIST_ITEMS} items`);
      check(typeof m.ja3(ch) === 'string' && /^t/.test(m.ja4(ch, 't')), T, 'fingerprints not computable');
    }
    const sh = m.parseServerHello(buf, 0, buf.length);
    if (sh) check(typeof m.ja3s(sh) === 'string', T, 'JA3S not computable');
    return { client: ch !== null, server: sh !== null };
  }

  return { capture, zeek, zeekGzip, indicators, allowList, config, findings, dnsMessage, tlsHello };
}

/* ------------------------------------------------------------------------------------------ */
/* Mutators                                                                                     */

const INTERESTING_32 = [0xffffffff, 0x7fffffff, 0x80000000, 0x00040001, 0x0000ffff, 0x00010000, 0, 1, 0xfffffffe];
const INTERESTING_16 = [0xffff, 0x7fff, 0x8000, 0, 1, 0xfffe, 0x0100];
const INTERESTING_8 = [0, 0xff, 0x7f, 0x80, 1, 0x3f, 0xc0];

/** Record/block boundaries of a classic pcap or pcapng buffer ([start, end) pairs), or null. */
export function captureBlocks(buf) {
  if (buf.length < 24) return null;
  const magicLE = buf.readUInt32LE(0);
  const out = [];
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d || magicLE === 0xd4c3b2a1 || magicLE === 0x4d3cb2a1) {
    const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
    out.push([0, 24]);
    let off = 24;
    while (off + 16 <= buf.length && out.length < 100000) {
      const cap = le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
      const end = off + 16 + cap;
      if (end > buf.length) break;
      out.push([off, end]);
      off = end;
    }
    return { kind: 'pcap', le, blocks: out, lenFieldOffset: 8, headerLen: 24 };
  }
  if (magicLE === 0x0a0d0d0a) {
    const le = buf.readUInt32LE(8) === 0x1a2b3c4d;
    let off = 0;
    while (off + 12 <= buf.length && out.length < 100000) {
      const len = le ? buf.readUInt32LE(off + 4) : buf.readUInt32BE(off + 4);
      if (len < 12 || len % 4 !== 0 || off + len > buf.length) break;
      out.push([off, off + len]);
      off += len;
    }
    return { kind: 'pcapng', le, blocks: out, lenFieldOffset: 4, headerLen: 0 };
  }
  return null;
}

function write32(buf, off, v, le) {
  if (off < 0 || off + 4 > buf.length) return;
  if (le) buf.writeUInt32LE(v >>> 0, off);
  else buf.writeUInt32BE(v >>> 0, off);
}

/** Byte-level mutations that fit every format. Each returns a new Buffer. */
const GENERIC = {
  bitflip(r, b) {
    const o = Buffer.from(b);
    const n = 1 + int(r, 8);
    for (let i = 0; i < n && o.length; i++) o[int(r, o.length)] ^= 1 << int(r, 8);
    return o;
  },
  interestingByte(r, b) {
    const o = Buffer.from(b);
    if (o.length) o[int(r, o.length)] = INTERESTING_8[int(r, INTERESTING_8.length)];
    return o;
  },
  hugeLength(r, b) {
    const o = Buffer.from(b);
    if (o.length < 4) return o;
    const at = int(r, o.length - 3);
    if (r() < 0.5) write32(o, at, INTERESTING_32[int(r, INTERESTING_32.length)], r() < 0.5);
    else o.writeUInt16BE(INTERESTING_16[int(r, INTERESTING_16.length)], Math.min(at, o.length - 2));
    return o;
  },
  truncate(r, b) {
    return b.subarray(0, int(r, b.length + 1));
  },
  dropSlice(r, b) {
    const a = int(r, b.length + 1);
    const e = Math.min(b.length, a + 1 + int(r, 64));
    return Buffer.concat([b.subarray(0, a), b.subarray(e)]);
  },
  duplicateSlice(r, b) {
    const a = int(r, b.length + 1);
    const len = 1 + int(r, 256);
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(a, a + len), b.subarray(at)]);
  },
  swapSlices(r, b) {
    if (b.length < 4) return Buffer.from(b);
    const len = 1 + int(r, Math.min(128, b.length >> 1));
    const a = int(r, b.length - len + 1);
    const c = int(r, b.length - len + 1);
    const o = Buffer.from(b);
    b.copy(o, a, c, c + len);
    b.copy(o, c, a, a + len);
    return o;
  },
  insertRandom(r, b) {
    const at = int(r, b.length + 1);
    const ins = Buffer.alloc(1 + int(r, 32));
    for (let i = 0; i < ins.length; i++) ins[i] = int(r, 256);
    return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
  },
  invalidUtf8(r, b) {
    const at = int(r, b.length + 1);
    const bad = [Buffer.from([0xff]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xe2, 0x80, 0xa8])][int(r, 6)];
    return Buffer.concat([b.subarray(0, at), bad, b.subarray(at)]);
  },
};

/** Mutations of capture structure: whole records/blocks duplicated, swapped, dropped, lengths made huge. */
const CAPTURE = {
  dupRecord(r, b) {
    const s = captureBlocks(b);
    if (!s || s.blocks.length < 2) return GENERIC.duplicateSlice(r, b);
    const [a, e] = s.blocks[1 + int(r, s.blocks.length - 1)];
    const [at] = s.blocks[1 + int(r, s.blocks.length - 1)];
    return Buffer.concat([b.subarray(0, at), b.subarray(a, e), b.subarray(at)]);
  },
  swapRecords(r, b) {
    const s = captureBlocks(b);
    if (!s || s.blocks.length < 3) return GENERIC.swapSlices(r, b);
    const i = 1 + int(r, s.blocks.length - 1);
    const j = 1 + int(r, s.blocks.length - 1);
    const parts = s.blocks.map(([x, y]) => b.subarray(x, y));
    [parts[i], parts[j]] = [parts[j], parts[i]];
    const tail = b.subarray(s.blocks[s.blocks.length - 1][1]);
    return Buffer.concat([...parts, tail]);
  },
  hugeRecordLength(r, b) {
    const s = captureBlocks(b);
    if (!s || s.blocks.length < 2) return GENERIC.hugeLength(r, b);
    const o = Buffer.from(b);
    const [a] = s.blocks[1 + int(r, s.blocks.length - 1)];
    const v = INTERESTING_32[int(r, INTERESTING_32.length)];
    // pcap: caplen (or wirelen); pcapng: block total length (or the EPB captured length at +20).
    const field = s.kind === 'pcap' ? a + (r() < 0.8 ? 8 : 12) : a + (r() < 0.5 ? 4 : 20);
    write32(o, field, v, s.le);
    return o;
  },
  truncateAtBoundary(r, b) {
    const s = captureBlocks(b);
    if (!s || s.blocks.length < 2) return GENERIC.truncate(r, b);
    const [a, e] = s.blocks[int(r, s.blocks.length)];
    const cut = a + int(r, e - a + 1);
    return b.subarray(0, cut);
  },
};

/** Mutations of text logs: whole lines duplicated, swapped, cut, made endless. */
function splitLines(b) {
  const out = [];
  let s = 0;
  for (;;) {
    const nl = b.indexOf(10, s);
    if (nl < 0) {
      if (s < b.length) out.push(b.subarray(s));
      return out;
    }
    out.push(b.subarray(s, nl + 1));
    s = nl + 1;
  }
}

const TEXT = {
  dupLine(r, b) {
    const l = splitLines(b);
    if (l.length === 0) return Buffer.from(b);
    const i = int(r, l.length);
    l.splice(int(r, l.length + 1), 0, l[i]);
    return Buffer.concat(l);
  },
  swapLines(r, b) {
    const l = splitLines(b);
    if (l.length < 2) return Buffer.from(b);
    const i = int(r, l.length);
    const j = int(r, l.length);
    [l[i], l[j]] = [l[j], l[i]];
    return Buffer.concat(l);
  },
  dropLine(r, b) {
    const l = splitLines(b);
    if (l.length === 0) return Buffer.from(b);
    l.splice(int(r, l.length), 1);
    return Buffer.concat(l);
  },
  cutLine(r, b) {
    const l = splitLines(b);
    if (l.length === 0) return Buffer.from(b);
    const i = int(r, l.length);
    l[i] = l[i].subarray(0, int(r, l[i].length + 1));
    return Buffer.concat(l);
  },
  longLine(r, b) {
    const l = splitLines(b);
    const i = int(r, l.length + 1);
    const len = [1000, 70000, 1100 * 1024][int(r, 3)];
    const filler = Buffer.alloc(len, r() < 0.5 ? 0x41 : 0x09);
    l.splice(i, 0, Buffer.concat([filler, Buffer.from('\n')]));
    return Buffer.concat(l);
  },
  fieldGarbage(r, b) {
    const l = splitLines(b);
    if (l.length === 0) return Buffer.from(b);
    const i = int(r, l.length);
    const s = l[i].toString('latin1');
    const cols = s.split('\t');
    const garbage = ['-', '(empty)', '', '1e309', 'NaN', '-1', '99999999999999999999', '\\x', '\\xzz', '::ffff:1.2.3.4', '999.1.1.1', ',,,', '"', '{', '[]', '\u0000', 'T', '2024-01-01T00:00:00Z'];
    cols[int(r, cols.length)] = garbage[int(r, garbage.length)];
    l[i] = Buffer.from(cols.join('\t'), 'latin1');
    return Buffer.concat(l);
  },
  crlf(r, b) {
    return Buffer.from(b.toString('latin1').replace(/\n/g, r() < 0.5 ? '\r\n' : '\r'), 'latin1');
  },
};

/**
 * Mutate `buf` with 1..4 operations chosen by `r`.
 * @param kind 'capture' | 'text' selects the structural mutations added to the byte-level ones
 * @returns the mutated buffer and the names of the operations applied
 */
export function mutate(r, buf, kind) {
  const pool = { ...GENERIC, ...(kind === 'capture' ? CAPTURE : kind === 'text' ? TEXT : {}) };
  const names = Object.keys(pool);
  let b = buf;
  const ops = [];
  const n = 1 + int(r, 4);
  for (let i = 0; i < n; i++) {
    const name = names[int(r, names.length)];
    b = pool[name](r, b);
    ops.push(name);
  }
  return { buf: b, ops };
}

/** Random bytes; sometimes behind a valid magic so that the parser goes past the sniffing step. */
export function randomInput(r, maxLen, magics) {
  const len = int(r, maxLen + 1);
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = int(r, 256);
  if (magics && magics.length && r() < 0.7) {
    const m = magics[int(r, magics.length)];
    return Buffer.concat([m, b]);
  }
  return b;
}

/** Headers that get random bytes past the format sniffing: pcap LE/BE/ns, pcapng SHB. */
export function captureMagics() {
  const pcap = (magic, le, linktype) => {
    const h = Buffer.alloc(24);
    if (le) {
      h.writeUInt32LE(magic, 0);
      h.writeUInt16LE(2, 4);
      h.writeUInt16LE(4, 6);
      h.writeUInt32LE(65535, 16);
      h.writeUInt32LE(linktype, 20);
    } else {
      h.writeUInt32BE(magic, 0);
      h.writeUInt16BE(2, 4);
      h.writeUInt16BE(4, 6);
      h.writeUInt32BE(65535, 16);
      h.writeUInt32BE(linktype, 20);
    }
    return h;
  };
  const shb = Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex');
  const idb = (lt) => {
    const b = Buffer.alloc(20);
    b.writeUInt32LE(1, 0);
    b.writeUInt32LE(20, 4);
    b.writeUInt16LE(lt, 8);
    b.writeUInt32LE(0, 12);
    b.writeUInt32LE(20, 16);
    return b;
  };
  const out = [];
  for (const lt of [0, 1, 9, 12, 14, 50, 51, 101, 104, 105, 108, 113, 127, 228, 229, 239, 276]) {
    out.push(pcap(0xa1b2c3d4, true, lt), pcap(0xa1b23c4d, false, lt), Buffer.concat([shb, idb(lt)]));
  }
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Seed inputs                                                                                  */

/**
 * Synthetic captures that reach the app-layer parsers: DNS over UDP and TCP, HTTP, TLS, plus
 * hostile ones (DNS compression loops, endless HTTP headers, huge TLS lengths).
 * @param s the synth modules: buildFrame, udpFrame, TcpConversation, PcapBuffer, dnsQuery,
 *   dnsResponse, tlsClientHello, tlsServerHello
 * @returns [name, buffer] pairs
 */
export function syntheticCaptures(s) {
  const out = [];
  const cap = (name, fill) => {
    const p = new s.PcapBuffer();
    fill(p, (ts, f) => p.add(ts, f));
    out.push([name, p.toBuffer()]);
  };
  /** One TCP conversation 10.0.0.5 -> 198.51.100.7:dport with handshake, payloads and close. */
  const tcp = (name, dport, payloads) =>
    cap(name, (p, sink) => {
      const c = new s.TcpConversation(sink, '10.0.0.5', 49152, '198.51.100.7', dport);
      let t = c.handshake(1700000000);
      for (const [fromClient, data] of payloads) t = c.send(fromClient, t + 0.01, data);
      c.close(t + 0.01);
    });
  const dns = (id, payload, dport = 53) => s.udpFrame('10.0.0.5', 40000 + id, '192.0.2.53', dport, payload);

  cap('dns-udp', (p) => {
    p.add(1700000000, dns(1, s.dnsQuery(1, 'www.example.com')));
    p.add(1700000000.01, s.udpFrame('192.0.2.53', 53, '10.0.0.5', 40001, s.dnsResponse(1, 'www.example.com', ['192.0.2.1', '192.0.2.2'])));
    p.add(1700000001, dns(2, s.dnsQuery(2, 'aGVsbG8gd29ybGQ.tunnel.example.net', 16)));
  });
  // DNS hostile: a name pointing at itself, a pointer loop A->B->A, 255 one-byte labels, qdcount 65535.
  const hdr = (qd, an) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(0x1234, 0);
    h.writeUInt16BE(0x8180, 2);
    h.writeUInt16BE(qd, 4);
    h.writeUInt16BE(an, 6);
    return h;
  };
  const selfLoop = Buffer.concat([hdr(1, 1), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1]), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4])]);
  const abLoop = Buffer.concat([hdr(1, 0), Buffer.from([1, 0x61, 0xc0, 0x10, 1, 0x62, 0xc0, 0x0c, 0, 1, 0, 1])]);
  const labels = [];
  for (let i = 0; i < 255; i++) labels.push(1, 0x61);
  const manyLabels = Buffer.concat([hdr(1, 0), Buffer.from(labels), Buffer.from([0, 0, 1, 0, 1])]);
  const longLabels = [];
  for (let i = 0; i < 20; i++) longLabels.push(63, ...Buffer.alloc(63, 0x7a));
  const longName = Buffer.concat([hdr(1, 0), Buffer.from(longLabels), Buffer.from([0, 0, 16, 0, 1])]);
  const manyQ = Buffer.concat([hdr(65535, 65535), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
  const badUtf8 = Buffer.concat([hdr(1, 0), Buffer.from([4, 0xff, 0xfe, 0xc0, 0x80, 3, 0x63, 0x6f, 0x6d, 0, 0, 1, 0, 1])]);
  cap('dns-hostile', (p) => {
    let t = 1700000000;
    for (const [i, m] of [selfLoop, abLoop, manyLabels, longName, manyQ, badUtf8].entries()) {
      p.add((t += 0.1), dns(10 + i, m));
      p.add((t += 0.1), s.udpFrame('192.0.2.53', 53, '10.0.0.5', 40010 + i, m));
    }
  });
  // DNS over TCP with a 2-byte length prefix, one honest and one claiming 65535 bytes.
  const q = s.dnsQuery(7, 'tcp.example.org');
  const lp = Buffer.alloc(2);
  lp.writeUInt16BE(q.length);
  tcp('dns-tcp', 53, [[true, Buffer.concat([lp, q, Buffer.from([0xff, 0xff]), q])]]);

  tcp('http', 80, [
    [true, Buffer.from('GET /index.html?q=%ff HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0\r\nCookie: a=b\r\n\r\n')],
    [false, Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>')],
    [true, Buffer.from('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')],
    [false, Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')],
  ]);
  // Endless headers (no blank line), one 200 KiB header line, huge chunk size and content length, invalid UTF-8.
  const endless = ['GET / HTTP/1.1\r\nHost: h\r\n'];
  for (let i = 0; i < 5000; i++) endless.push(`X-H${i}: v\r\n`);
  tcp('http-hostile', 80, [
    [true, Buffer.from(endless.join(''))],
    [true, Buffer.concat([Buffer.from('\r\nGET /'), Buffer.alloc(200 * 1024, 0x41), Buffer.from(' HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n', 'latin1')])],
    [false, Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n')],
    [true, Buffer.from('POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\nxyz')],
    [true, Buffer.from('GET /\u0000\u001b[31m HTTP/1.1\r\nHost: =cmd|calc\r\nUser-Agent: \t-2+3\r\n\r\n', 'latin1')],
  ]);

  const hello = s.tlsClientHello('www.example.com', Buffer.alloc(32, 7));
  tcp('tls', 443, [
    [true, hello],
    [false, s.tlsServerHello(Buffer.alloc(32, 9))],
  ]);
  // TLS hostile: record length 0xffff with a handshake length 0xffffff, an SNI extension whose lengths run past the end.
  const bigRec = Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0x03, 0x03]);
  const badSni = Buffer.from(hello);
  const sniAt = badSni.indexOf(Buffer.from('www.example.com')) - 9;
  if (sniAt > 0) {
    badSni.writeUInt16BE(0xffff, sniAt + 2);
    badSni.writeUInt16BE(0xfff0, sniAt + 4);
  }
  tcp('tls-hostile', 443, [[true, Buffer.concat([bigRec, Buffer.alloc(3000, 0x41)])]]);
  tcp('tls-bad-sni', 443, [[true, badSni]]);

  // Encapsulations, honest and endlessly nested: VXLAN and Geneve around an inner Ethernet
  // frame (and around themselves 12 times), 100 stacked VLAN tags, 100 MPLS labels.
  const inner = s.udpFrame('172.16.0.1', 5353, '172.16.0.2', 53, s.dnsQuery(9, 'inner.example'));
  const vxlan = (frame, i) => s.udpFrame('10.1.0.1', 40000 + i, '10.1.0.2', 4789, Buffer.concat([Buffer.from([0x08, 0, 0, 0, 0, 0, 42, 0]), frame]));
  const geneve = (frame, i) => s.udpFrame('10.2.0.1', 40000 + i, '10.2.0.2', 6081, Buffer.concat([Buffer.from([0x00, 0x00, 0x65, 0x58, 0, 0, 7, 0]), frame]));
  let nested = inner;
  for (let i = 0; i < 12; i++) nested = i % 2 ? vxlan(nested, i) : geneve(nested, i);
  const ipPart = inner.subarray(14);
  const vlanTags = [];
  for (let i = 0; i < 100; i++) vlanTags.push(Buffer.from([0x81, 0x00, 0x00, i & 0xff]));
  const manyVlans = Buffer.concat([inner.subarray(0, 12), ...vlanTags, Buffer.from([0x08, 0x00]), ipPart]);
  const mpls = [];
  for (let i = 0; i < 100; i++) mpls.push(Buffer.from([0x00, 0x01, i === 99 ? 0x01 : 0x00, 0x40]));
  const manyMpls = Buffer.concat([inner.subarray(0, 12), Buffer.from([0x88, 0x47]), ...mpls, ipPart]);
  const noBottom = Buffer.concat([inner.subarray(0, 12), Buffer.from([0x88, 0x47]), ...mpls.slice(0, 99)]);
  cap('encapsulations', (p) => {
    let t = 1700000000;
    for (const f of [vxlan(inner, 0), geneve(inner, 1), nested, manyVlans, manyMpls, noBottom]) p.add((t += 0.1), f);
  });
  return out;
}

/**
 * Seed files of the shared corpus, read in place (never copied): captures (pcap, pcapng,
 * gzip) and Zeek logs (TSV, JSON, gzip), up to `maxBytes` each.
 * @param fs node:fs, path node:path, zlib node:zlib (handed in so this file stays portable)
 * @returns { captures: [name, Buffer][], zeekPlain: [name, Buffer][], zeekGzip: [name, Buffer][], text: [name, string][] }
 */
export function corpusSeeds(dir, maxBytes, { fs, path, zlib }) {
  const out = { captures: [], zeekPlain: [], zeekGzip: [], text: [] };
  if (!fs.existsSync(dir)) return out;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const size = fs.statSync(p).size;
        if (size === 0 || size > maxBytes) continue;
        const rel = path.relative(dir, p);
        const b = fs.readFileSync(p);
        const gz = b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
        let head = b;
        if (gz) {
          try {
            head = zlib.gunzipSync(b);
          } catch {
            continue;
          }
        }
        const m32 = head.length >= 4 ? head.readUInt32LE(0) : 0;
        const isCapture = m32 === 0xa1b2c3d4 || m32 === 0xd4c3b2a1 || m32 === 0xa1b23c4d || m32 === 0x4d3cb2a1 || m32 === 0x0a0d0d0a;
        if (isCapture) out.captures.push([rel, b]);
        else if (/^\s*(#separator|\{)/.test(head.subarray(0, 64).toString('latin1'))) {
          if (gz) out.zeekGzip.push([rel, b]);
          else out.zeekPlain.push([rel, b]);
        } else if (!gz && /\.(txt|csv|md|out|log|json)$/.test(e.name) && size < 64 * 1024) out.text.push([rel, head.toString('utf8')]);
      }
    }
  };
  walk(dir);
  return out;
}
