/**
 * Golden tests of the Zeek log reader against the shared corpus (../shared/corpus), with the
 * outcomes its SOURCES.md documents for each log set.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { readZeekLogs, readZeekStream, ZeekErrorCodes, type ZeekFileStats, type ZeekReadStats } from '../../../src/ingest/zeek/index.js';
import { chunkedStream, CollectingSink, corpus, HAVE_CORPUS } from './helpers.js';

async function read(inputs: string[]): Promise<{ sink: CollectingSink; stats: ZeekReadStats; anomalies: AnomalyCounter }> {
  const sink = new CollectingSink();
  const anomalies = new AnomalyCounter();
  const stats = await readZeekLogs(inputs, sink, { anomalies });
  return { sink, stats, anomalies };
}

function fileStats(stats: ZeekReadStats, name: string): ZeekFileStats {
  const f = stats.files.find((x) => x.file.endsWith('/' + name));
  if (!f) throw new Error(`no stats for ${name}`);
  return f;
}

/** The invariant every file's stats keep. */
function expectLineInvariant(stats: ZeekReadStats): void {
  for (const f of stats.files) {
    const skipped = Object.values(f.skipped).reduce((a, b) => a + b, 0);
    expect(f.linesRead, f.file).toBe(f.records + skipped);
  }
}

const WRCCDC = 'zeek-logs/wrccdc2018-zed-sample-tsv-gz-and-json-gz';

describe.skipIf(!HAVE_CORPUS)('Zeek logs from the corpus', () => {
  it('wrccdc2018: gzipped TSV and gzipped JSON (ISO 8601 ts) give identical dns records', async () => {
    const tsv = await read([corpus(WRCCDC, 'dns.log.gz')]);
    const json = await read([corpus(WRCCDC, 'dns.json.gz')]);
    expect(tsv.sink.dnss.length).toBe(53615); // SOURCES.md: dns 53615
    expect(json.sink.dnss.length).toBe(53615);
    expect(tsv.stats.files[0]).toMatchObject({ format: 'tsv', gzip: true, path: 'dns', records: 53615, closed: true });
    expect(json.stats.files[0]).toMatchObject({ format: 'json', gzip: true, path: 'dns', records: 53615 });
    expect(tsv.anomalies.total()).toBe(0);
    expect(json.anomalies.total()).toBe(0);
    expect(json.sink.dnss).toEqual(tsv.sink.dnss);
    // The first row, field by field (rtt is 0.0008699893951416016 in JSON, 0.000870 in TSV).
    expect(tsv.sink.dnss[0]).toEqual({
      ts: 1521911720.865716,
      uid: 'CqKst53mF3det3eDV9',
      origH: '10.47.1.100',
      origP: 41772,
      respH: '10.0.0.100',
      respP: 53,
      proto: 'udp',
      transId: 36329,
      rtt: 0.00087,
      query: 'ise.wrccdc.org',
      qclass: 1,
      qclassName: 'C_INTERNET',
      qtype: 1,
      qtypeName: 'A',
      rcode: 0,
      rcodeName: 'NOERROR',
      AA: false,
      TC: false,
      RD: true,
      RA: true,
      Z: 0,
      answers: ['ise.wrccdc.cpp.edu', '134.71.3.16'],
      TTLs: [2230, 41830],
      rejected: false,
      source: undefined,
    });
  });

  it('wrccdc2018 directory: the other logs (ftp, notice, smtp, ssh) are skipped and counted by type', async () => {
    const { sink, stats } = await read([corpus(WRCCDC)]);
    expect(sink.dnss.length).toBe(2 * 53615);
    expect(stats.totals.skippedLogs).toEqual({ ftp: 2, notice: 2, smtp: 2, ssh: 2 });
    expect(stats.ignoredFiles.count).toBe(1); // the LICENSE text
    expect(stats.totals.byKind).toEqual({ conn: 0, dns: 2 * 53615, http: 0, ssl: 0 });
    expectLineInvariant(stats);
  });

  it('http-nonprintable: TSV and JSON give the same http records, escapes included', async () => {
    // The btest canonifier replaced each ts with XXXXXXXXXX.XXXXXX (SOURCES.md); put a time back.
    const load = (name: string) =>
      Buffer.from(readFileSync(corpus('zeek-traces/http-nonprintable-tsv-and-json', name), 'utf8').replaceAll('XXXXXXXXXX.XXXXXX', '1722442976.123456'));
    const tsvSink = new CollectingSink();
    const jsonSink = new CollectingSink();
    const anomalies = new AnomalyCounter();
    const t = await readZeekStream(chunkedStream(load('http.log.tsv'), 64), 'http.log.tsv', tsvSink, { anomalies });
    const j = await readZeekStream(chunkedStream(load('http.log.json'), 64), 'http.log.json', jsonSink, { anomalies });
    expect(anomalies.total()).toBe(0);
    expect(t).toMatchObject({ format: 'tsv', path: 'http', records: 4 });
    expect(j).toMatchObject({ format: 'json', path: 'http', records: 4, headerLines: 1 }); // the '### BTest' line
    expect(jsonSink.https).toEqual(tsvSink.https);
    expect(tsvSink.https.map((r) => r.uri)).toEqual([
      '/regular_file.html',
      '/printable_😄',
      '/non_printable_\\x07', // a raw 0x07 byte, written by Zeek as the text \x07
      '/non_printable_literal_\\x07', // the literal text \x07 (TSV escapes its backslash: \\x07)
    ]);
    expect(tsvSink.https[0]).toMatchObject({
      ts: 1722442976.123456,
      method: 'GET',
      host: '172.24.0.3',
      version: '1.0',
      userAgent: 'Python-urllib/3.12',
      statusCode: 404,
      statusMsg: 'File not found',
      tags: [],
      respMimeTypes: ['text/html'],
      referrer: null,
    });
  });

  it('RITA truncated conn.log: the records before the cut, and a truncation error naming the line', async () => {
    const { sink, stats, anomalies } = await read([corpus('malformed/rita-truncated-logs/conn.log')]);
    const f = stats.files[0];
    expect(sink.conns.length).toBe(58);
    expect(f.truncated?.code).toBe(ZeekErrorCodes.TRUNCATED);
    expect(f.truncated?.line).toBe(67);
    expect(f.truncated?.message).toContain('rita-truncated-logs/conn.log at line 67');
    expect(f.abandoned).toBeUndefined();
    expect(f.closed).toBe(false);
    expect(f.skipped).toEqual({ zeek_truncated_line: 1 });
    expect(anomalies.get('zeek_truncated_line')).toBe(1);
    expect(sink.conns[57]).toMatchObject({ uid: 'CRdiow2TR6gjwTtM09', connState: 'REJ', respP: 443 });
  });

  it('RITA truncated JSON conn log: hand-written rows with port 93145 are bad, the cut line is truncated', async () => {
    const { sink, stats, anomalies } = await read([corpus('malformed/rita-truncated-logs/conn_json.log')]);
    const f = stats.files[0];
    expect(sink.conns.map((r) => r.uid)).toEqual(['A9fdsJd8ud03ejlolk', 'Lofds9PJdsaHJFD89f']);
    expect(sink.conns[0].communityId).toBe('1:o897Hf8fds7hioHIU8fdsfjhhoHJ');
    expect(f.skipped).toEqual({ zeek_bad_value: 1, zeek_truncated_line: 1 });
    expect(f.truncated?.line).toBe(4);
    const sample = anomalies.samples.find((s) => s.code === 'zeek_bad_value')!;
    expect(sample.line).toBe(3);
    expect(sample.message).toContain("'id.orig_p' holds 93145");
  });

  it('RITA conn_top.log (header missing) and a lorem-ipsum conn.log: one clear "not a Zeek log" error each', async () => {
    const { sink, stats } = await read([
      corpus('malformed/rita-truncated-logs/conn_top.log'),
      corpus('malformed/rita-text-file-not-zeek/conn.log'),
    ]);
    expect(sink.all().length).toBe(0);
    for (const f of stats.files) {
      expect(f.abandoned?.code).toBe(ErrorCodes.NOT_A_CAPTURE);
      expect(f.abandoned?.line).toBe(1);
      expect(f.linesRead).toBe(1); // reading stopped at the first line
    }
    expect(stats.files[1].abandoned?.message).toMatch(/^Not a Zeek log: line 1 starts with 'Lorem ipsum/);
    expect(stats.totals.abandonedFiles).toBe(2);
  });

  it('RITA has_unknown_field: 5 records, the unknown column ignored, no error', async () => {
    const { sink, stats, anomalies } = await read([corpus('malformed/rita-has-unknown-field/http.log')]);
    expect(sink.https.length).toBe(5);
    expect(stats.files[0].abandoned).toBeUndefined();
    expect(stats.files[0].badLines).toBe(0);
    // Its first row lacks the unknown column's value: kept, as RITA keeps it, and flagged.
    expect(stats.files[0].shortLines).toBe(1);
    expect(anomalies.samples[0]).toMatchObject({ code: 'zeek_short_line', line: 9 });
    expect(sink.https[1]).toMatchObject({
      host: 'ocsp.digicert.com',
      method: 'GET',
      transDepth: 1,
      userAgent: 'Microsoft-CryptoAPI/10.0',
      statusCode: 200,
      respMimeTypes: ['application/ocsp-response'],
      respFilenames: [],
    });
  });

  it('RITA proxy beacon set: 407 conns to the proxy and 397 CONNECTs; dhcp, tunnel and weird skipped', async () => {
    const { sink, stats } = await read([corpus('zeek-logs/rita-proxy-beacon-tsv')]);
    const proxied = sink.conns.filter((r) => r.origH === '10.136.0.18' && r.respH === '10.136.0.16' && r.respP === 3128);
    expect(proxied.length).toBe(407);
    const connects = sink.https.filter((r) => r.method === 'CONNECT' && r.host === 'www.honestimnotevil.com');
    expect(connects.length).toBe(397);
    expect(stats.totals.skippedLogs).toEqual({ dhcp: 1, tunnel: 1, weird: 1 });
    expect(stats.totals.abandonedFiles).toBe(0);
    expectLineInvariant(stats);
  });

  it('RITA rolling gzip: hourly rotated cluster logs (_node_name first) inside their hours', async () => {
    const { sink, stats } = await read([corpus('zeek-logs/rita-proxy-rolling-gzip')]);
    expect(stats.files.every((f) => f.gzip && f.format === 'tsv' && f.abandoned === undefined)).toBe(true);
    expect(stats.totals.byKind).toEqual({ conn: 7550, dns: 3209, http: 2368, ssl: 2736 });
    // 2024-04-29 (SOURCES.md); the names are local hours 15:00-17:00, 19:00-21:00 UTC. Zeek
    // writes a conn row when the connection ends (or idles out, up to minutes earlier), with ts
    // its start: so the other logs' rows and the conns' ends fall in the files' hours.
    const instant = [...sink.dnss, ...sink.https, ...sink.ssls].map((r) => r.ts);
    expect(Math.min(...instant)).toBeGreaterThanOrEqual(Date.UTC(2024, 3, 29, 19) / 1000);
    expect(Math.max(...instant)).toBeLessThan(Date.UTC(2024, 3, 29, 21) / 1000);
    const ends = sink.conns.map((r) => r.ts + (r.duration ?? 0));
    expect(Math.min(...ends)).toBeGreaterThanOrEqual(Date.UTC(2024, 3, 29, 18, 55) / 1000);
    expect(Math.max(...ends)).toBeLessThan(Date.UTC(2024, 3, 29, 21) / 1000);
    // Not in time order: a long connection that started hours before the files' first hour.
    expect(Math.min(...sink.conns.map((r) => r.ts))).toBeLessThan(Date.UTC(2024, 3, 29, 14) / 1000);
    expect(sink.conns[0]).toMatchObject({ origH: '10.0.0.11', respH: '239.255.255.250', respP: 1900, proto: 'udp', service: null });
  });

  it('RITA open connections: TSV and JSON (spaces, _path last) give the same records; open_* rows are flagged', async () => {
    const tsv = await read([corpus('zeek-logs/rita-open-conns-tsv')]);
    const json = await read([corpus('zeek-logs/rita-json-all-fields')]);
    // A directory's conn-like logs are read after the others of their rotation (reader.ts compareLogNames).
    expect(tsv.stats.files.map((f) => [f.path, f.records])).toEqual([
      ['dns', 34], ['http', 10], ['open_http', 20], ['open_ssl', 20], ['ssl', 10], ['conn', 29], ['open_conn', 59],
    ]);
    expect(json.stats.files.map((f) => [f.path, f.records])).toEqual(tsv.stats.files.map((f) => [f.path, f.records]));
    // Field by field, the sets differ in one value that RITA's developers edited by hand.
    const diffs: unknown[] = [];
    for (const k of ['conns', 'dnss', 'https', 'ssls'] as const) {
      const a = tsv.sink[k] as unknown as Record<string, unknown>[];
      const b = json.sink[k] as unknown as Record<string, unknown>[];
      expect(b.length).toBe(a.length);
      a.forEach((r, i) => {
        for (const f of new Set([...Object.keys(r), ...Object.keys(b[i])])) {
          if (JSON.stringify(r[f]) !== JSON.stringify(b[i][f])) diffs.push([k, i, f, r[f], b[i][f]]);
        }
      });
    }
    expect(diffs).toEqual([['dnss', 31, 'rcode', 5, 1]]);
    const open = tsv.sink.conns.filter((r) => r.openAtEnd === true);
    expect(open.length).toBe(59);
    expect(tsv.stats.files.filter((f) => f.openConnections).map((f) => f.path)).toEqual(['open_http', 'open_ssl', 'open_conn']);
    expect(tsv.sink.ssls.find((r) => r.uid === 'C2nyFQkh6oijTV5hd')).toMatchObject({ serverName: 'lptag.liveperson.net', ja3: '10ee8d30a5d01c042afd7b2b205facc4', established: true });
  });

  it('Slips test9 JSON directory: the flow behind "non-HTTP established connection to port 80"', async () => {
    const { sink, stats } = await read([corpus('zeek-logs/slips-test9-json')]);
    const c = sink.conns.find((r) => r.uid === 'CAwUdr34dVnyOwbUuj');
    expect(c).toMatchObject({ origH: '10.0.2.15', respH: '194.132.197.198', respP: 80, connState: 'SF', service: null });
    expect(c!.duration).toBe(17.745245); // 17.745244999999984 in the JSON, microseconds as in TSV
    // Rebased timestamps such as 22.335172 are read as they are.
    expect(sink.conns[0].ts).toBe(22.335172);
    // No _path in these files: the file name tells the log (smtp.log has trans_depth like http.log).
    expect(stats.totals.skippedLogs).toEqual({ arp: 1, dhcp: 1, notice: 1, smtp: 1, software: 1 });
    expect(stats.totals.byKind).toEqual({ conn: 576, dns: 239, http: 516, ssl: 205 });
    expectLineInvariant(stats);
  });

  it('Slips test10 TSV directory: conn.log with a stray TAB before #separator', async () => {
    const { sink, stats, anomalies } = await read([corpus('zeek-logs/slips-test10-tsv')]);
    expect(fileStats(stats, 'conn.log')).toMatchObject({ path: 'conn', format: 'tsv', records: 141, badLines: 0 });
    expect(sink.conns.some((r) => r.origH.includes(':'))).toBe(true); // IPv6 rows
    expect(Object.keys(stats.totals.skippedLogs).sort()).toEqual(
      ['capture_loss', 'files', 'notice', 'packet_filter', 'reporter', 'weird', 'x509'].sort(),
    );
    expect(anomalies.total()).toBe(0);
  });

  it('Slips port scans: vertical (JSON) and horizontal (TSV) conn logs', async () => {
    const v = await read([corpus('zeek-logs/slips-portscan-vertical-json/conn.log')]);
    expect(v.sink.conns.length).toBe(50);
    const toScanme = v.sink.conns.filter((r) => r.respH === '45.33.32.156');
    expect(toScanme.length).toBe(46);
    expect(new Set(v.sink.conns.map((r) => r.respP)).size).toBe(44);
    expect(v.sink.conns.filter((r) => r.connState === 'REJ').length).toBe(43);
    const h = await read([corpus('zeek-logs/slips-portscan-horizontal-tsv/conn.log')]);
    expect(new Set(h.sink.conns.filter((r) => r.origH === '10.0.2.112').map((r) => r.respH)).size).toBe(29);
  });

  it('CTU-SME-11 labelled conn.log: the 719 RemcosRAT retries to 66.63.168.35:5888', async () => {
    const { sink, stats } = await read([corpus('c2/slips-ctu-sme-11-remcosrat-labeled-zeek')]);
    const c2 = sink.conns.filter((r) => r.origH === '192.168.1.107' && r.respH === '66.63.168.35' && r.respP === 5888);
    expect(c2.length).toBe(719);
    expect(c2.filter((r) => r.connState === 'REJ').length).toBe(718);
    expect(c2.filter((r) => r.connState === 'S0').length).toBe(1);
    expect(sink.conns.length).toBe(719 + 44 + 3);
    expect(stats.ignoredFiles.count).toBe(2); // README.md and labels.config
  });

  it('gives identical records and stats when a file comes through a stream in small and odd chunks', async () => {
    for (const [name, sizes] of [
      ['zeek-logs/rita-proxy-rolling-gzip/conn.15:00:00-16:00:00.log.gz', [1, 7, 300]],
      ['zeek-logs/slips-test9-json/ssl.log', [3, 1000, 1]],
      ['malformed/rita-truncated-logs/conn.log', [1]],
      ['malformed/rita-truncated-logs/conn_json.log', [2, 5]],
      ['zeek-logs/slips-test10-tsv/conn.log', [11, 4096]],
    ] as const) {
      const whole = await read([corpus(name)]);
      const data = readFileSync(corpus(name));
      const sink = new CollectingSink();
      const st = await readZeekStream(chunkedStream(data, [...sizes]), corpus(name), sink, { anomalies: new AnomalyCounter() });
      expect(sink.all(), name).toEqual(whole.sink.all());
      expect({ ...st, bytes: 0 }, name).toEqual({ ...whole.stats.files[0], bytes: 0 });
      if (name.endsWith('.gz')) expect(st.bytes).toBe(gunzipSync(data).length);
    }
  });
});
