import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { TlsAnalyzer } from '../../src/app/tls/tls-analyzer.js';
import { ja3, ja4, parseClientHello } from '../../src/app/tls/tls-hello.js';
import { cipherName, curveName, isGrease, versionName } from '../../src/app/tls/tls-names.js';
import { CollectSink } from './helpers.js';
import { clientHello, ext, ja4ExampleHello, list16, record, serverHello, sni, u16 } from './tls-bytes.js';

const ID = { origH: '10.0.0.1', origP: 40000, respH: '10.0.0.2', respP: 443 };

function hello(bytes: number[]) {
  const b = Buffer.from(bytes);
  return parseClientHello(b, 4, b.length)!;
}

describe('JA3 / JA4', () => {
  it('reproduces the worked JA4 example of the FoxIO specification', () => {
    const ch = hello(ja4ExampleHello());
    expect(ch.serverName).toBe('example.com');
    expect(ja4(ch, 't')).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
    expect(ja4(ch, 'q').startsWith('q13d1516h2_')).toBe(true);
  });

  it('JA4 without SNI, ALPN or extensions', () => {
    const ch = hello(clientHello({ version: 0x0301, ciphers: [0x002f, 0x0035], extensions: [] }));
    expect(ja4(ch, 't')).toBe('t10i020000_' + createHash('sha256').update('002f,0035').digest('hex').slice(0, 12) + '_000000000000');
  });

  it('JA3 string drops GREASE from ciphers, extensions and groups, keeping wire order', () => {
    const ch = hello(ja4ExampleHello());
    const expected =
      '771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,' +
      '0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-24,0';
    expect(ja3(ch)).toBe(createHash('md5').update(expected).digest('hex'));
  });

  it('names versions, ciphers and curves as Zeek', () => {
    expect(versionName(0x0303)).toBe('TLSv12');
    expect(versionName(0x0300)).toBe('SSLv3');
    expect(versionName(0x7f17)).toBe('TLSv13-draft23');
    expect(versionName(0x1234)).toBe('unknown-4660');
    expect(cipherName(0xc02f)).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(cipherName(0x1301)).toBe('TLS_AES_128_GCM_SHA256');
    expect(cipherName(0xfefe)).toBe('unknown-65278');
    expect(curveName(29)).toBe('x25519');
    expect(curveName(4588)).toBe('X25519MLKEM768');
    expect(isGrease(0x0a0a)).toBe(true);
    expect(isGrease(0x0a0b)).toBe(false);
  });
});

/** TLS 1.2 ECDHE handshake: ClientHello split over two records, ServerHello + ServerKeyExchange, CCS both ways. */
function tls12Conversation(): Array<[boolean, number[]]> {
  const ch = clientHello({
    sessionId: [],
    ciphers: [0xc02f, 0xc030],
    extensions: [sni('c2.example.net'), ext(0x000a, list16([23, 24])), ext(0x000b, [1, 0]), ext(0x0010, [0, 3, 2, 0x68, 0x32])],
  });
  const half = 20;
  const sh = serverHello(0xc02f, [ext(0x0010, [0, 3, 2, 0x68, 0x32])]);
  // ServerKeyExchange (RFC 8422 5.4): curve_type named_curve(3), secp256r1(23), point, signature...
  const ske = [12, 0, 0, 8, 3, ...u16(23), 4, 1, 2, 3, 4];
  return [
    [true, [...record(22, ch.slice(0, half)), ...record(22, ch.slice(half))]],
    [false, [...record(22, [...sh, ...ske]), ...record(22, [14, 0, 0, 0])]], // + ServerHelloDone
    [true, [...record(22, [16, 0, 0, 2, 0, 0]), ...record(20, [1]), ...record(22, [0xde, 0xad, 0xbe, 0xef])]],
    [false, [...record(20, [1]), ...record(22, [0xca, 0xfe, 0xba, 0xbe])]],
    [true, record(23, [1, 2, 3, 4, 5])],
  ];
}

function runTls(steps: Array<[boolean, number[]]>, chunk: number) {
  const sink = new CollectSink();
  const anomalies = new AnomalyCounter();
  const t = new TlsAnalyzer(sink, anomalies, ID, 'Ctls');
  let ts = 10;
  for (const [fromOrig, bytes] of steps) {
    const b = Buffer.from(bytes);
    for (let i = 0; i < b.length; i += chunk) t.data(fromOrig, b, i, Math.min(chunk, b.length - i), ts);
    ts++;
  }
  t.end();
  return { recs: sink.sslRecs, anomalies, t };
}

describe('TlsAnalyzer', () => {
  for (const chunk of [1, 3, 100000]) {
    it(`follows a TLS 1.2 handshake to established (chunk=${chunk})`, () => {
      const { recs, anomalies } = runTls(tls12Conversation(), chunk);
      expect(anomalies.total()).toBe(0);
      expect(recs.length).toBe(1);
      expect(recs[0]).toMatchObject({
        version: 'TLSv12',
        cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
        curve: 'secp256r1',
        serverName: 'c2.example.net',
        nextProtocol: 'h2',
        established: true,
        resumed: false,
        lastAlert: null,
        alpn: ['h2'],
        clientVersions: ['TLSv12'],
      });
      expect(recs[0].ja4).toMatch(/^t12d0204h2_/);
    });
  }

  it('TLS 1.3: version from supported_versions, curve from key_share, established on encrypted records', () => {
    const ch = ja4ExampleHello('tls13.example');
    const sh = serverHello(0x1301, [ext(0x002b, u16(0x0304)), ext(0x0033, [...u16(29), ...u16(2), 9, 9])]);
    const { recs } = runTls([
      [true, record(22, ch, 0x0301)],
      [false, [...record(22, sh), ...record(20, [1]), ...record(23, [7, 7, 7])]],
      [true, [...record(20, [1]), ...record(23, [8, 8, 8])]],
    ], 5);
    expect(recs[0]).toMatchObject({ version: 'TLSv13', cipher: 'TLS_AES_128_GCM_SHA256', curve: 'x25519', established: true, serverName: 'tls13.example' });
    expect(recs[0].clientVersions).toEqual(['TLSv13', 'TLSv12']);
  });

  it('records a refusing alert and a resumed session', () => {
    const sid = new Array(32).fill(7);
    const ch = clientHello({ sessionId: sid, ciphers: [0x002f], extensions: [] });
    const { recs } = runTls([
      [true, record(22, ch)],
      [false, [...record(22, serverHello(0x002f, [], sid)), ...record(21, [2, 40])]],
    ], 2);
    expect(recs[0]).toMatchObject({ resumed: true, lastAlert: 'handshake_failure', established: false, cipher: 'TLS_RSA_WITH_AES_128_CBC_SHA' });
  });

  it('gives up on a stream that is not TLS records, counting it', () => {
    const { recs, anomalies, t } = runTls([[true, [0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3]]], 100);
    expect(recs.length).toBe(0);
    expect(t.violation).toBe(true);
    expect(anomalies.get('SSL_invalid_record')).toBe(1);
  });
});
