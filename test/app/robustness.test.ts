/**
 * Bad input is data: mutated, truncated and arbitrarily split conversations must never throw,
 * hang or grow without bound; the analyzers count what they cannot parse and go on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { ConnRecord, Transport } from '../../src/core/records.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { CollectSink } from './helpers.js';
import { ja4ExampleHello, record, serverHello } from './tls-bytes.js';

const HTTP: Array<[boolean, Buffer]> = [
  [true, Buffer.from('POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')],
  [false, Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd')],
];
const TLS: Array<[boolean, Buffer]> = [
  [true, Buffer.from(record(22, ja4ExampleHello()))],
  [false, Buffer.from([...record(22, serverHello(0xc02f)), ...record(20, [1])])],
];
const DNS_TCP: Array<[boolean, Buffer]> = [
  [true, Buffer.from('00191234010000010000000000000377777703636f6d0000010001', 'hex')],
  [false, Buffer.from('00291234818000010001000000000377777703636f6d0000010001c00c000100010000012c00045db8d822', 'hex')],
];

function conn(proto: Transport, respP: number): ConnRecord {
  return {
    ts: 0, uid: 'C', origH: '10.0.0.1', origP: 1234, respH: '10.0.0.2', respP, proto, service: null, duration: null,
    origBytes: null, respBytes: null, connState: null, localOrig: null, localResp: null, missedBytes: 0, history: null,
    origPkts: 0, origIpBytes: 0, respPkts: 0, respIpBytes: 0, tunnelParents: [], vlan: null, innerVlan: null, communityId: null,
  };
}

/** Runs a conversation after mutation, splitting each message at the given cut points. */
function runMutated(base: Array<[boolean, Buffer]>, proto: Transport, respP: number, flips: Array<[number, number]>, cuts: number[], truncate: number) {
  const sink = new CollectSink();
  const anomalies = new AnomalyCounter();
  const a = createAppAnalyzerFactory(sink, anomalies)({ origH: '10.0.0.1', origP: 1234, respH: '10.0.0.2', respP }, proto, 'C')!;
  let ts = 1;
  base.forEach(([o, b], mi) => {
    const m = Buffer.from(b);
    for (const [pos, val] of flips) m[pos % m.length] = val;
    const end = mi === base.length - 1 ? Math.max(0, m.length - (truncate % (m.length + 1))) : m.length;
    let p = 0;
    for (const c of cuts) {
      const q = Math.min(end, p + 1 + (c % 64));
      a.payload(o, m, p, q - p, ts);
      p = q;
      if (p >= end) break;
    }
    if (p < end) a.payload(o, m, p, end - p, ts);
    ts++;
  });
  a.end(conn(proto, respP));
  return { sink, anomalies };
}

const mutation = fc.tuple(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  fc.array(fc.nat(), { maxLength: 20 }),
  fc.nat(),
);

describe('app analyzers on mutated input', () => {
  const cases: Array<[string, Array<[boolean, Buffer]>, Transport, number]> = [
    ['HTTP', HTTP, 'tcp', 80],
    ['TLS', TLS, 'tcp', 443],
    ['DNS over TCP', DNS_TCP, 'tcp', 53],
    ['DNS over UDP', DNS_TCP.map(([o, b]) => [o, b.subarray(2)] as [boolean, Buffer]), 'udp', 53],
  ];
  for (const [name, base, proto, port] of cases) {
    it(`${name}: never throws, records stay bounded`, () => {
      fc.assert(
        fc.property(mutation, ([flips, cuts, trunc]) => {
          const { sink } = runMutated(base, proto, port, flips, cuts, trunc);
          expect(sink.httpRecs.length + sink.dnsRecs.length + sink.sslRecs.length).toBeLessThanOrEqual(4);
        }),
        { numRuns: 150, seed: 42 },
      );
    });
  }

  it('the unmutated conversations give their records whatever the split', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
        expect(runMutated(HTTP, 'tcp', 80, [], cuts, 0).sink.httpRecs[0]).toMatchObject({ requestBodyLen: 5, responseBodyLen: 4, statusCode: 200 });
        expect(runMutated(TLS, 'tcp', 443, [], cuts, 0).sink.sslRecs[0].ja4).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
        expect(runMutated(DNS_TCP, 'tcp', 53, [], cuts, 0).sink.dnsRecs[0]).toMatchObject({ query: 'www.com', answers: ['93.184.216.34'] });
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('random datagrams and streams on DNS and QUIC ports', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1500 }), fc.constantFrom(53, 137, 443, 5353), (bytes, port) => {
        const sink = new CollectSink();
        const anomalies = new AnomalyCounter();
        const f = createAppAnalyzerFactory(sink, anomalies);
        for (const proto of ['udp', 'tcp'] as const) {
          const a = f({ origH: '10.0.0.1', origP: 1, respH: '10.0.0.2', respP: port }, proto, 'C')!;
          const b = Buffer.from(bytes);
          a.payload(true, b, 0, b.length, 1);
          a.payload(false, b, 0, b.length, 2);
          a.end(conn(proto, port));
        }
      }),
      { numRuns: 150, seed: 3 },
    );
  });
});

describe('GrowBuffer', () => {
  it('holds memory for the bytes received, not for the length a peer announces', async () => {
    const { GrowBuffer } = await import('../../src/app/grow-buffer.js');
    const g = new GrowBuffer(65535);
    g.append(Buffer.alloc(10, 1), 0, 10);
    expect(g.buf.length).toBe(512);
    g.append(Buffer.alloc(1000, 2), 0, 1000);
    expect(g.buf.length).toBe(1024);
    expect(g.len).toBe(1010);
    expect(g.buf[9]).toBe(1);
    expect(g.buf[10]).toBe(2);
    const n = g.append(Buffer.alloc(70000), 0, 70000);
    expect(n).toBe(65535 - 1010);
    expect(g.complete).toBe(true);
    expect(g.buf.length).toBe(65535);
  });
});
