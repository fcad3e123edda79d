import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConnRecord, HttpRecord } from '../../src/core/records.js';
import { CONN_LOG, HTTP_LOG } from '../../src/export/zeek-fields.js';
import { escapeTsv, ZeekLogWriter, zeekOpenTime } from '../../src/export/zeek-log-writer.js';
import { flowsFromFiles, readBaseline } from '../flow/helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../shared/corpus');

function conn(over: Partial<ConnRecord> = {}): ConnRecord {
  return {
    ts: 1300475167.096535,
    uid: 'CHhAvVGS1DHFjwGM9',
    origH: '141.142.220.202',
    origP: 5353,
    respH: '224.0.0.251',
    respP: 5353,
    proto: 'udp',
    service: 'dns',
    duration: null,
    origBytes: null,
    respBytes: null,
    connState: 'S0',
    localOrig: false,
    localResp: true,
    missedBytes: 0,
    history: 'D',
    origPkts: 1,
    origIpBytes: 73,
    respPkts: 0,
    respIpBytes: 0,
    tunnelParents: [],
    vlan: null,
    innerVlan: null,
    communityId: '1:abc=',
    ipProto: 17,
    ...over,
  };
}

function http(uri: string): HttpRecord {
  return {
    ts: 1722442976.5,
    uid: 'C4J4Th3PJpwUYZZ6gc',
    origH: '172.24.0.2',
    origP: 55142,
    respH: '172.24.0.3',
    respP: 80,
    transDepth: 1,
    method: 'GET',
    host: '172.24.0.3',
    uri,
    referrer: null,
    version: '1.0',
    userAgent: 'Python-urllib/3.12',
    origin: null,
    requestBodyLen: 0,
    responseBodyLen: 335,
    statusCode: 404,
    statusMsg: 'File not found',
    infoCode: null,
    infoMsg: null,
    tags: [],
    username: null,
    password: null,
    origFilenames: [],
    origMimeTypes: [],
    respFilenames: [],
    respMimeTypes: [],
  };
}

describe('ZeekLogWriter TSV', () => {
  it('writes the full Zeek header, unset as -, and #close', async () => {
    const w = new ZeekLogWriter(CONN_LOG, 'tsv', null, { openTime: new Date(Date.UTC(2026, 10, 28, 23, 5, 9)) });
    w.write(conn());
    await w.close(new Date(Date.UTC(2026, 10, 28, 23, 6, 0)));
    expect(w.lines.slice(0, 6)).toEqual([
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
      '#path\tconn',
      '#open\t2026-11-28-23-05-09',
    ]);
    expect(w.lines[6].split('\t').slice(0, 3)).toEqual(['#fields', 'ts', 'uid']);
    expect(w.lines[6].endsWith('\tip_proto\tvlan\tinner_vlan\tcommunity_id')).toBe(true);
    expect(w.lines[7].split('\t')[1]).toBe('time');
    expect(w.lines[8]).toBe(
      '1300475167.096535\tCHhAvVGS1DHFjwGM9\t141.142.220.202\t5353\t224.0.0.251\t5353\tudp\tdns\t-\t-\t-\tS0\tF\tT\t0\tD\t1\t73\t0\t0\t-\t17\t-\t-\t1:abc=',
    );
    expect(w.lines[9]).toBe('#close\t2026-11-28-23-06-00');
  });

  it('escapes like Zeek: control bytes, backslash, separators, reserved values', () => {
    expect(escapeTsv('a\tb', false)).toBe('a\\x09b');
    expect(escapeTsv('x\x07', false)).toBe('x\\x07');
    expect(escapeTsv('lit\\x07', false)).toBe('lit\\\\x07');
    expect(escapeTsv('a,b', true)).toBe('a\\x2cb');
    expect(escapeTsv('a,b', false)).toBe('a,b');
    expect(escapeTsv('-', false)).toBe('\\x2d');
    expect(escapeTsv('', false)).toBe('(empty)');
    expect(escapeTsv('printable_😄', false)).toBe('printable_😄');
    expect(zeekOpenTime(new Date(Date.UTC(2001, 0, 2, 3, 4, 5)))).toBe('2001-01-02-03-04-05');
  });

  it('writes sets: (empty) when empty, set separator between elements', async () => {
    const w = new ZeekLogWriter(CONN_LOG, 'tsv', null);
    w.write(conn({ tunnelParents: ['Ca', 'Cb,c'] }));
    const cols = w.lines[8].split('\t');
    expect(cols[20]).toBe('Ca,Cb\\x2cc');
    const h = new ZeekLogWriter(HTTP_LOG, 'tsv', null);
    h.write(http('/'));
    expect(h.lines[8].split('\t')[20]).toBe('(empty)'); // tags
  });

  it('writes to a stream in batches and ends it', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const w = new ZeekLogWriter(CONN_LOG, 'tsv', out, { batchChars: 100 });
    for (let i = 0; i < 50; i++) w.write(conn({ origP: i }));
    await w.close();
    const text = Buffer.concat(chunks).toString();
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(8 + 50 + 1);
    expect(lines[8 + 49].split('\t')[3]).toBe('49');
  });
});

describe('ZeekLogWriter backpressure', () => {
  it('reports a full stream and resolves ready() on drain, even when drain came first', async () => {
    let received = '';
    const slow = new Writable({
      highWaterMark: 256,
      write(chunk, _enc, cb) {
        received += chunk.toString();
        setTimeout(cb, 1);
      },
    });
    const w = new ZeekLogWriter(CONN_LOG, 'json', slow, { batchChars: 512 });
    let sawFull = false;
    for (let i = 0; i < 200; i++) {
      if (!w.write(conn({ origP: i }))) {
        sawFull = true;
        if (i % 2 === 0) await new Promise((r) => setTimeout(r, 20)); // let the drain happen first
        await w.ready();
      }
    }
    await w.close();
    expect(sawFull).toBe(true);
    const lines = received.trim().split('\n');
    expect(lines.length).toBe(200);
    expect(JSON.parse(lines[199])['id.orig_p']).toBe(199);
  });
});

describe('ZeekLogWriter JSON and CSV', () => {
  it('writes Zeek JSON: dotted keys, unset omitted, time with 6 decimals', () => {
    const w = new ZeekLogWriter(CONN_LOG, 'json', null);
    w.write(conn({ duration: 0.0001, origBytes: 36, respBytes: 0 }));
    expect(w.lines.length).toBe(1);
    const line = w.lines[0];
    expect(line.startsWith('{"ts":1300475167.096535,"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":"141.142.220.202","id.orig_p":5353')).toBe(true);
    const o = JSON.parse(line);
    expect(o.duration).toBe(0.0001);
    expect(o.tunnel_parents).toBeUndefined();
    expect(o.vlan).toBeUndefined();
    expect(o.local_resp).toBe(true);
  });

  it('writes CSV with snake_case headers and quoting', () => {
    const w = new ZeekLogWriter(CONN_LOG, 'csv', null);
    w.write(conn({ tunnelParents: ['Ca', 'Cb'] }));
    expect(w.lines[0].startsWith('ts,uid,id_orig_h,id_orig_p,id_resp_h,id_resp_p,proto,service,duration')).toBe(true);
    const cols = w.lines[1].split(',');
    expect(cols[0]).toBe('1300475167.096535');
    expect(cols[8]).toBe('');
    expect(w.lines[1]).toContain(',"Ca,Cb",');
  });
});

describe.skipIf(!existsSync(CORPUS))(`against Zeek's own output (corpus at ${CORPUS})`, () => {
  it('escapes URIs exactly as Zeek did in http.log.tsv and http.log.json', () => {
    const dir = path.join(CORPUS, 'zeek-traces/http-nonprintable-tsv-and-json');
    const base = readBaseline(path.join(dir, 'http.log.tsv'));
    const uris = ['/non_printable_\x07', '/non_printable_literal_\\x07', '/printable_😄'];
    const tsv = new ZeekLogWriter(HTTP_LOG, 'tsv', null);
    const json = new ZeekLogWriter(HTTP_LOG, 'json', null);
    for (const u of uris) {
      tsv.write(http(u));
      json.write(http(u));
    }
    const ourTsv = tsv.lines.slice(8).map((l) => l.split('\t')[9]);
    expect(ourTsv).toEqual([base[2].uri, base[3].uri, base[1].uri]);
    const jsonLines = readFileSync(path.join(dir, 'http.log.json'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
    const uriOf = (l: string) => /"uri":("(?:[^"\\]|\\.)*")/.exec(l)![1];
    expect(json.lines.map(uriOf)).toEqual([uriOf(jsonLines[2]), uriOf(jsonLines[3]), uriOf(jsonLines[1])]);
  });

  it('writes conn.log rows that equal Zeek baseline columns (http-get, gre tunnel)', () => {
    for (const [dir, pcap] of [
      ['zeek-traces/http-get', 'get.pcap'],
      ['zeek-traces/pcapng-multi-interface', 'pcapng-multi-interface.pcapng'],
    ]) {
      const run = flowsFromFiles([path.join(CORPUS, dir, pcap)]);
      const w = new ZeekLogWriter(CONN_LOG, 'tsv', null);
      for (const c of run.conns) w.write(c);
      const header = w.lines[6].split('\t').slice(1);
      const rows = w.lines.slice(8).map((l) => {
        const cols = l.split('\t');
        const o: Record<string, string> = {};
        header.forEach((h, i) => (o[h] = cols[i]));
        return o;
      });
      const base = readBaseline(path.join(CORPUS, dir, 'conn.log'));
      for (const b of base) {
        const m = rows.find((r) => r['id.orig_h'] === b['id.orig_h'] && r['id.orig_p'] === b['id.orig_p'] && r['id.resp_p'] === b['id.resp_p']);
        expect(m, `${dir} row ${b['id.orig_h']}:${b['id.orig_p']}`).toBeDefined();
        for (const f of Object.keys(b)) {
          if (f === 'ts' || f === 'uid' || f === 'service') continue;
          expect(`${f}=${m![f]}`).toBe(`${f}=${b[f]}`);
        }
      }
    }
  });
});
