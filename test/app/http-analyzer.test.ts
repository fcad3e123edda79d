import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { HttpAnalyzer, MAX_LINE } from '../../src/app/http/http-analyzer.js';
import { dispositionFilename, sniffMime, unescapeUri, uriFilename } from '../../src/app/http/http-util.js';
import { CollectSink } from './helpers.js';

const ID = { origH: '10.0.0.1', origP: 40000, respH: '10.0.0.2', respP: 8080 };

/** A conversation as [fromOrig, text] steps. */
type Step = [boolean, string];

/** Feeds each step whole, or split into pieces of `chunk` bytes (1 = byte by byte). */
function run(steps: Step[], chunk = 0, capturePasswords = false) {
  const sink = new CollectSink();
  const anomalies = new AnomalyCounter();
  const h = new HttpAnalyzer(sink, anomalies, ID, 'Ctest', { capturePasswords });
  let ts = 1000;
  for (const [fromOrig, text] of steps) {
    const b = Buffer.from(text, 'latin1');
    if (chunk <= 0) h.data(fromOrig, b, 0, b.length, ts);
    else for (let i = 0; i < b.length; i += chunk) h.data(fromOrig, b, i, Math.min(chunk, b.length - i), ts);
    ts += 1;
  }
  h.end(ts);
  return { recs: sink.httpRecs, anomalies, h };
}

const pipelined: Step[] = [
  [true,
    'GET /a.exe HTTP/1.1\r\nHost: evil.example:8080\r\nUser-Agent: agent/1\r\nReferer: http://r/\r\nOrigin: http://o\r\n' +
    'Authorization: Basic dXNlcjpzM2NyZXQ=\r\n\r\n' +
    'POST /up?x=1 HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/octet-stream; x=y\r\nContent-Length: 5\r\n\r\nhello'],
  [false,
    'HTTP/1.1 200 OK\r\nContent-Type: application/x-msdownload\r\nContent-Disposition: attachment; filename="payload.exe"\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '4\r\nMZ\x90\x00\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n' +
    'HTTP/1.1 204 No Content\r\n\r\n'],
];

describe('HttpAnalyzer', () => {
  for (const chunk of [0, 1, 7]) {
    it(`pairs pipelined requests and replies, chunked and Content-Length bodies (chunk=${chunk})`, () => {
      const { recs, anomalies } = run(pipelined, chunk);
      expect(anomalies.total()).toBe(0);
      expect(recs.length).toBe(2);
      const [a, b] = recs;
      expect(a.transDepth).toBe(1);
      expect(a.method).toBe('GET');
      expect(a.host).toBe('evil.example:8080'); // Zeek keeps the port of the Host header
      expect(a.uri).toBe('/a.exe');
      expect(a.userAgent).toBe('agent/1');
      expect(a.referrer).toBe('http://r/');
      expect(a.origin).toBe('http://o');
      expect(a.username).toBe('user');
      expect(a.password).toBeNull(); // Zeek's default_capture_password = F
      expect(a.version).toBe('1.1');
      expect(a.statusCode).toBe(200);
      expect(a.responseBodyLen).toBe(7); // 4 + 3 de-chunked bytes
      expect(a.respFilenames).toEqual(['payload.exe']);
      expect(a.respMimeTypes).toEqual(['application/x-dosexec']); // sniffed from "MZ"
      expect(a.responseContentType).toBe('application/x-msdownload');
      expect(a.uriFilename).toBe('a.exe');
      expect(b.transDepth).toBe(2);
      expect(b.method).toBe('POST');
      expect(b.requestBodyLen).toBe(5);
      expect(b.requestContentType).toBe('application/octet-stream');
      expect(b.statusCode).toBe(204);
      expect(b.responseBodyLen).toBe(0);
    });
  }

  for (const chunk of [0, 1, 5]) {
    it(`takes file names from multipart part headers, whatever the split (chunk=${chunk})`, () => {
      const body =
        '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="f"; filename="secrets.zip"\r\nContent-Type: application/zip\r\n\r\nPK\x03\x04data\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="g"; filename=notes.txt\r\n\r\nhello\r\n--XyZ--\r\n';
      const { recs } = run([
        [true, `POST /upload HTTP/1.1\r\nHost: drop.example\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
        [false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
      ], chunk);
      expect(recs[0].origFilenames).toEqual(['secrets.zip', 'notes.txt']);
      expect(recs[0].requestBodyLen).toBe(body.length);
    });
  }

  it('logs the password when asked to', () => {
    const { recs } = run(pipelined, 0, true);
    expect(recs[0].password).toBe('s3cret');
  });

  it('keeps one record across a 100 Continue, as Zeek (info_code)', () => {
    const { recs } = run([
      [true, 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n'],
      [false, 'HTTP/1.1 100 Continue\r\n\r\n'],
      [true, 'abc'],
      [false, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    ]);
    expect(recs.length).toBe(1);
    expect(recs[0]).toMatchObject({ infoCode: 100, infoMsg: 'Continue', statusCode: 200, requestBodyLen: 3, responseBodyLen: 2 });
  });

  it('reads a reply body until the connection closes when there is no length', () => {
    const { recs } = run([
      [true, 'GET / HTTP/1.0\r\n\r\n'],
      [false, 'HTTP/1.0 200 OK\r\n\r\n<html>0123456789'],
    ]);
    expect(recs[0].responseBodyLen).toBe(16);
    expect(recs[0].respMimeTypes).toEqual(['text/html']);
  });

  it('handles an HTTP/0.9 exchange like Zeek: version 0.9, status 0 <empty>', () => {
    const { recs } = run([
      [true, 'GET /\r\n'],
      [false, 'raw body bytes'],
    ]);
    expect(recs.length).toBe(1);
    expect(recs[0]).toMatchObject({ version: '0.9', statusCode: 0, statusMsg: '<empty>', responseBodyLen: 14, host: null });
  });

  it('logs unanswered requests at the end, and flags a non-HTTP reply as a violation', () => {
    const { recs, h, anomalies } = run([
      [true, 'GET / HTTP/1.1\r\nHost: 128.3.50.246\r\n\r\n'],
      [false, 'SSH-2.0-OpenSSH_9.6\r\n'],
    ]);
    expect(recs.length).toBe(1);
    expect(recs[0].statusCode).toBeNull();
    expect(recs[0].version).toBeNull(); // Zeek takes the version from the reply
    expect(h.violation).toBe(true);
    expect(anomalies.get('HTTP_reply_code_missing')).toBe(1);
  });

  it('stops at a CONNECT tunnel and reports where the tunnelled bytes start', () => {
    const sink = new CollectSink();
    const h = new HttpAnalyzer(sink, new AnomalyCounter(), ID, 'C', { capturePasswords: false });
    const req = Buffer.from('CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n');
    expect(h.data(true, req, 0, req.length, 1)).toBe(-1);
    const rep = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01');
    const at = h.data(false, rep, 0, rep.length, 2);
    expect(h.tunneled).toBe(true);
    expect(at).toBe(rep.length - 3);
    expect(sink.httpRecs[0]).toMatchObject({ method: 'CONNECT', statusCode: 200 });
  });

  it('caps a header line at MAX_LINE bytes and counts it, without losing the message', () => {
    const long = 'X-Long: ' + 'a'.repeat(MAX_LINE * 2);
    const { recs, anomalies } = run([
      [true, `GET / HTTP/1.1\r\nHost: h\r\n${long}\r\n\r\n`],
      [false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ], 1000);
    expect(anomalies.get('http_line_too_long')).toBe(1);
    expect(recs.length).toBe(1);
    expect(recs[0].statusCode).toBe(200);
    expect(recs[0].host).toBe('h');
  });
});

describe('HTTP helpers', () => {
  it('unescapes %XX like Zeek and keeps invalid escapes', () => {
    const s = (t: string) => unescapeUri(Buffer.from(t), 0, t.length);
    expect(s('/a%20b')).toBe('/a b');
    expect(s('/printable_%F0%9F%98%84')).toBe('/printable_😄');
    expect(s('/x%2')).toBe('/x%2');
    expect(s('/x%zz')).toBe('/x%zz');
  });

  it('finds file names in Content-Disposition and the URI', () => {
    expect(dispositionFilename('attachment; filename="a b.zip"')).toBe('a b.zip');
    expect(dispositionFilename("attachment; filename*=UTF-8''na%C3%AFve.txt")).toBe('naïve.txt');
    expect(dispositionFilename('inline')).toBeNull();
    expect(uriFilename('/dl/setup.exe?x=1')).toBe('setup.exe');
    expect(uriFilename('/dir/')).toBeNull();
    expect(uriFilename('/noext')).toBeNull();
  });

  it('sniffs only unambiguous signatures', () => {
    const b = (x: number[]) => Buffer.from(x);
    expect(sniffMime(b([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), 0, 8)).toBe('image/png');
    expect(sniffMime(b([0x1f, 0x8b, 8]), 0, 3)).toBe('application/x-gzip');
    expect(sniffMime(Buffer.from('hello'), 0, 5)).toBeNull();
  });
});
