import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { APP_ORIG_ONLY, type ConnRecord, type Transport } from '../../src/core/records.js';
import { createAppAnalyzerFactory, type AppOptions } from '../../src/app/index.js';
import { ConnAnalyzer, DETECT_PACKETS } from '../../src/app/conn-analyzer.js';
import { isDnsMessage } from '../../src/app/detect.js';
import { CollectSink } from './helpers.js';
import { clientHello, record, serverHello, sni } from './tls-bytes.js';

function conn(respP: number, proto: Transport): ConnRecord {
  return {
    ts: 0, uid: 'Cx', origH: '10.0.0.1', origP: 50000, respH: '192.0.2.7', respP, proto, service: null,
    duration: null, origBytes: null, respBytes: null, connState: null, localOrig: null, localResp: null,
    missedBytes: 0, history: null, origPkts: 0, origIpBytes: 0, respPkts: 0, respIpBytes: 0,
    tunnelParents: [], vlan: null, innerVlan: null, communityId: null,
  };
}

type Step = [boolean, Buffer | string];

/** Runs one connection through a fresh analyzer; each step is one segment/datagram. */
function run(respP: number, proto: Transport, steps: Step[], opts: AppOptions = {}, midstream = false) {
  const sink = new CollectSink();
  const anomalies = new AnomalyCounter();
  const f = createAppAnalyzerFactory(sink, anomalies, opts);
  const c = conn(respP, proto);
  const a = f({ origH: c.origH, origP: c.origP, respH: c.respH, respP }, proto, 'Cx', midstream)!;
  let ts = 100;
  for (const [o, s] of steps) {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    a.payload(o, b, 0, b.length, ts++);
  }
  a.end(c);
  return { c, sink, anomalies };
}

const GET = 'GET /beacon HTTP/1.1\r\nHost: c2.example\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('protocol detection by content', () => {
  it('finds HTTP on a port registered to nothing and flags the mismatch', () => {
    const { c, sink } = run(4444, 'tcp', [[true, GET], [false, OK]]);
    expect(c.service).toBe('http');
    expect(c.portMismatch).toBe('http');
    expect(sink.httpRecs[0].host).toBe('c2.example');
  });

  it('no mismatch for HTTP on 80 or 8080', () => {
    expect(run(80, 'tcp', [[true, GET], [false, OK]]).c.portMismatch).toBeNull();
    expect(run(8080, 'tcp', [[true, GET], [false, OK]]).c.portMismatch).toBeNull();
  });

  it('finds SSH on 443 (confirmed at NEWKEYS, like Zeek) and flags it', () => {
    // Binary packet: length(4) padding_length(1) msg_code(1) ...: KEXINIT (20) then NEWKEYS (21).
    const pkt = (code: number) => Buffer.from([0, 0, 0, 12, 10, code, ...new Array(10).fill(0)]);
    const { c } = run(443, 'tcp', [
      [false, 'SSH-2.0-OpenSSH_8.9\r\n'],
      [true, 'SSH-2.0-libssh_0.9\r\n'],
      [true, pkt(20)],
      [false, pkt(20)],
      [true, pkt(21)],
    ]);
    expect(c.service).toBe('ssh');
    expect(c.portMismatch).toBe('ssh');
  });

  it('SSH banners without a key exchange are not confirmed', () => {
    const { c } = run(22, 'tcp', [[false, 'SSH-2.0-OpenSSH_8.9\r\n'], [true, 'SSH-2.0-x\r\n']]);
    expect(c.service).toBeNull();
  });

  it('TLS on a high port, with the hello split into 1-byte segments', () => {
    const ch = record(22, clientHello({ ciphers: [0xc02f], extensions: [sni('x.example')] }));
    const steps: Step[] = ch.map((b) => [true, Buffer.from([b])] as Step);
    steps.push([false, Buffer.from(record(22, serverHello(0xc02f)))]);
    const { c, sink } = run(8444, 'tcp', steps);
    expect(c.service).toBe('ssl');
    expect(c.portMismatch).toBe('ssl');
    expect(sink.sslRecs[0].serverName).toBe('x.example');
  });

  it('HTTP CONNECT then TLS inside gives service http,ssl (as RITA proxy data shows)', () => {
    const ch = Buffer.from(record(22, clientHello({ ciphers: [0x1301], extensions: [sni('inner.example')] })));
    const { c, sink } = run(3128, 'tcp', [
      [true, 'CONNECT inner.example:443 HTTP/1.1\r\nHost: inner.example:443\r\n\r\n'],
      [false, 'HTTP/1.1 200 Connection established\r\n\r\n'],
      [true, ch],
    ]);
    expect(c.service).toBe('http,ssl');
    expect(sink.sslRecs[0].serverName).toBe('inner.example');
  });

  it('SMTP with STARTTLS gives smtp,ssl', () => {
    const ch = Buffer.from(record(22, clientHello({ ciphers: [0x1301], extensions: [] })));
    const { c } = run(25, 'tcp', [
      [false, '220 mail.example ESMTP\r\n'],
      [true, 'EHLO me\r\n'],
      [false, '250-mail.example\r\n250 STARTTLS\r\n'],
      [true, 'STARTTLS\r\n'],
      [false, '220 go ahead\r\n'],
      [true, ch],
    ]);
    expect(c.service).toBe('smtp,ssl');
    expect(c.portMismatch).toBeNull();
  });

  it('tells FTP from SMTP by the client command after a 220 greeting', () => {
    expect(run(2121, 'tcp', [[false, '220 FTP ready\r\n'], [true, 'USER anonymous\r\n']]).c.service).toBe('ftp');
    expect(run(110, 'tcp', [[false, '+OK POP3 ready\r\n'], [true, 'CAPA\r\n']]).c.service).toBe('pop3');
    expect(run(7000, 'tcp', [[true, 'NICK bot\r\nUSER bot 0 * :bot\r\n']]).c.service).toBe('irc');
  });

  it('DNS over TCP with messages split across segments and two messages in one segment', () => {
    const q = Buffer.from('abcd01000001000000000000076578616d706c6503636f6d0000010001', 'hex');
    q.writeUInt16BE(0x1111, 0);
    const q2 = Buffer.from(q);
    q2.writeUInt16BE(0x2222, 0);
    const framed = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);
    const both = Buffer.concat([framed(q), framed(q2)]);
    const { c, sink } = run(53, 'tcp', [[true, both.subarray(0, 1)], [true, both.subarray(1, 20)], [true, both.subarray(20)]]);
    expect(c.service).toBe('dns');
    expect(sink.dnsRecs.map((d) => [d.transId, d.query, d.proto])).toEqual([[0x1111, 'example.com', 'tcp'], [0x2222, 'example.com', 'tcp']]);
  });

  it('DNS over UDP off port 53 is found by content and flagged', () => {
    const q = Buffer.from('abcd01000001000000000000076578616d706c6503636f6d0000100001', 'hex');
    const { c, sink } = run(4053, 'udp', [[true, q]]);
    expect(c.service).toBe('dns');
    expect(c.portMismatch).toBe('dns');
    expect(sink.dnsRecs[0].qtypeName).toBe('TXT');
  });

  it('random bytes are never DNS, HTTP or TLS', () => {
    for (let i = 0; i < 200; i++) {
      const r = randomBytes(64 + (i % 200));
      expect(isDnsMessage(r, 0, r.length)).toBe(false);
    }
    const { c } = run(9999, 'udp', [[true, randomBytes(300)], [false, randomBytes(300)]]);
    expect(c.service).toBeNull();
    expect(c.portMismatch).toBeNull();
  });

  it('stops looking after DETECT_PACKETS packets of unknown data', () => {
    const steps: Step[] = [];
    for (let i = 0; i < DETECT_PACKETS; i++) steps.push([true, 'hello there ' + i + '\n']);
    steps.push([true, GET]);
    steps.push([false, OK]);
    const { c, sink } = run(5555, 'tcp', steps);
    expect(c.service).toBeNull();
    expect(sink.httpRecs.length).toBe(0);
  });

  it('rules a direction out for good on its first long binary segment (bulk data costs nothing after it)', () => {
    // A long non-text first segment in each direction: detection stops, a later request is not parsed.
    const bin = Buffer.alloc(200, 0xfe);
    const { c, sink } = run(4444, 'tcp', [[true, bin], [false, bin], [true, GET], [false, OK]]);
    expect(c.service).toBeNull();
    expect(sink.httpRecs.length).toBe(0);
    // The responder alone being ruled out leaves the originator free to start HTTP.
    const late = run(4444, 'tcp', [[false, bin], [true, GET], [false, OK]]);
    expect(late.c.service).toBe('http');
    expect(late.sink.httpRecs.length).toBe(1);
  });

  it('says when it wants no more payload: detection over and entropy sample complete, no HTTP', () => {
    const f = createAppAnalyzerFactory(new CollectSink(), new AnomalyCounter());
    const id = { origH: '10.0.0.1', origP: 50000, respH: '192.0.2.7', respP: 4444 };
    const bulk = f(id, 'tcp', 'Cb') as ConnAnalyzer;
    // Binary bytes rule the originator out at once; the sample is not full yet.
    expect(bulk.payload(true, Buffer.alloc(600, 0xfe), 0, 600, 1)).toBe(true);
    // Both ruled out: parsing over, only originator bytes (for the sample) are still wanted.
    expect(bulk.payload(false, Buffer.alloc(600, 0xfd), 0, 600, 2)).toBe(APP_ORIG_ONLY);
    expect(bulk.payload(true, randomBytes(600), 0, 600, 3)).toBe(false);
    const http = f({ ...id, respP: 80 }, 'tcp', 'Ch') as ConnAnalyzer;
    const get = Buffer.from(GET + 'x'.repeat(2000), 'latin1');
    expect(http.payload(true, get, 0, get.length, 1)).toBe(true);
    const c = conn(80, 'tcp');
    http.end(c);
    expect(c.service).toBe('http');
  });

  it('once done with nothing confirmed, settles into a shared analyzer that ends the same way', () => {
    const f = createAppAnalyzerFactory(new CollectSink(), new AnomalyCounter());
    const sample = randomBytes(1200);
    const done = (origP: number): ConnAnalyzer => {
      const a = f({ origH: '10.0.0.1', origP, respH: '192.0.2.7', respP: 4444 }, 'tcp', `C${origP}`) as ConnAnalyzer;
      expect(a.payload(false, Buffer.alloc(600, 0xfd), 0, 600, 1)).toBe(true);
      expect(a.payload(true, sample, 0, 1200, 2)).toBe(false); // binary: detection over; sample full
      return a;
    };
    const a = done(50001);
    const b = done(50002);
    const sa = a.settled();
    expect(sa).not.toBe(a);
    expect(b.settled()).toBe(sa); // one object for every connection with this entropy
    const own = conn(4444, 'tcp');
    const shared = conn(4444, 'tcp');
    a.end(own);
    sa.end(shared);
    expect(shared).toEqual(own);
    expect(own.origPayloadEntropy).toBeGreaterThan(7.5);
    expect(own.portMismatch).toBeNull();
    // Something confirmed: the analyzer keeps its own state for end().
    const http = f({ origH: '10.0.0.1', origP: 50003, respH: '192.0.2.7', respP: 80 }, 'tcp', 'Ch') as ConnAnalyzer;
    const get = Buffer.from(GET, 'latin1');
    http.payload(true, get, 0, get.length, 1);
    expect(http.settled()).toBe(http);
  });

  it('NTP on UDP 123 is confirmed and not a mismatch, after detection stopped', () => {
    // LI 0, version 4, mode 3 (client), stratum 0, then 44 bytes of timestamps.
    const ntp = Buffer.alloc(48);
    ntp[0] = 0x23;
    const { c } = run(123, 'udp', [[true, ntp], [true, randomBytes(48)], [false, ntp]]);
    expect(c.service).toBe('ntp');
    expect(c.portMismatch).toBeNull();
  });

  it('skips HTTP on a connection picked up midstream (Zeek skip-partial)', () => {
    const { c, sink } = run(80, 'tcp', [[true, GET], [false, OK]], {}, true);
    expect(c.service).toBeNull();
    expect(sink.httpRecs.length).toBe(0);
  });
});

describe('originator payload entropy', () => {
  it('is low for clear text and close to 8 for random bytes, on a bounded sample', () => {
    const text = run(4444, 'tcp', [[true, 'the quick brown fox jumps over the lazy dog '.repeat(50)]]).c.origPayloadEntropy!;
    const rnd = run(4444, 'tcp', [[true, randomBytes(8192)]]).c.origPayloadEntropy!;
    expect(text).toBeGreaterThan(3);
    expect(text).toBeLessThan(5);
    expect(rnd).toBeGreaterThan(7.9);
  });

  it('is null below the minimum sample, and the sample size is an option', () => {
    expect(run(4444, 'tcp', [[true, 'tiny']]).c.origPayloadEntropy).toBeNull();
    // 4 distinct bytes: plug-in entropy 2, plus the Miller-Madow term (4 - 1) / (2 * 4 * ln 2).
    expect(run(4444, 'tcp', [[true, 'tiny']], { entropyMinBytes: 4 }).c.origPayloadEntropy).toBe(Math.round((2 + 3 / (8 * Math.LN2)) * 1000) / 1000);
    expect(run(4444, 'tcp', [[true, randomBytes(100)]], { entropySampleBytes: 0 }).c.origPayloadEntropy).toBeNull();
  });

  it('is the same whether one segment fills the sample or many small ones do', () => {
    const data = Buffer.concat([Buffer.from('POST /x HTTP/1.1\r\n\r\n', 'latin1'), randomBytes(600), Buffer.alloc(300, 0x41), randomBytes(400)]);
    const whole = run(4444, 'tcp', [[true, data]]).c.origPayloadEntropy!;
    const pieces: Step[] = [];
    for (let p = 0; p < data.length; p += 97) pieces.push([true, data.subarray(p, p + 97)]);
    // Responder bytes in between must not count.
    pieces.splice(3, 0, [false, randomBytes(50)]);
    const split = run(4444, 'tcp', pieces).c.origPayloadEntropy!;
    expect(split).toBe(whole);
    // Only the first 1024 bytes count: the text run after them changes nothing.
    const longer = run(4444, 'tcp', [[true, Buffer.concat([data.subarray(0, 1024), Buffer.alloc(4000, 0x20)])]]).c.origPayloadEntropy!;
    expect(longer).toBe(whole);
    expect(whole).toBeGreaterThan(6);
    expect(whole).toBeLessThan(7.9);
  });

  it('rejects bad options with ERR_CONFIG', () => {
    expect(() => createAppAnalyzerFactory(new CollectSink(), new AnomalyCounter(), { entropySampleBytes: -1 })).toThrow(/entropySampleBytes/);
  });
});
