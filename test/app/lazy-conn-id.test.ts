import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { AppAnalyzer, ConnIdSource, ConnRecord, Transport } from '../../src/core/records.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { responderRuledOut } from '../../src/app/conn-analyzer.js';
import { CollectSink } from './helpers.js';
import { clientHello, record as tlsRecord, serverHello, sni } from './tls-bytes.js';

/**
 * The lazy factory (AppAnalyzerFactory.lazy): the analyzer holds a handle and reads the
 * addresses and uid from the flow table only when it needs them; at end() it takes them from
 * the ConnRecord, since the flow table has freed the slot by then.
 */

const ORIG = '10.1.2.3';
const RESP = '192.0.2.80';
const UID = 'CLazy1';

/** A source for one connection (handle 7) that counts reads and fails once the slot is freed. */
class OneConnSource implements ConnIdSource {
  reads = 0;
  freed = false;
  private check(h: number): void {
    if (h !== 7) throw new Error(`unknown handle ${h}`);
    if (this.freed) throw new Error('read after the slot was freed');
    this.reads++;
  }
  origH(h: number): string {
    this.check(h);
    return ORIG;
  }
  respH(h: number): string {
    this.check(h);
    return RESP;
  }
  uid(h: number): string {
    this.check(h);
    return UID;
  }
}

function record(respP: number, proto: Transport): ConnRecord {
  return {
    ts: 0, uid: UID, origH: ORIG, origP: 50123, respH: RESP, respP, proto, service: null,
    duration: null, origBytes: null, respBytes: null, connState: null, localOrig: null, localResp: null,
    missedBytes: 0, history: null, origPkts: 0, origIpBytes: 0, respPkts: 0, respIpBytes: 0,
    tunnelParents: [], vlan: null, innerVlan: null, communityId: null,
  };
}

type Step = [boolean, Buffer | string];

/** One connection through the lazy factory, or the eager one; the source is freed before end(). */
function run(lazy: boolean, respP: number, proto: Transport, steps: Step[]) {
  const sink = new CollectSink();
  const anomalies = new AnomalyCounter();
  const f = createAppAnalyzerFactory(sink, anomalies);
  const src = new OneConnSource();
  const a: AppAnalyzer = lazy
    ? f.lazy!(src, 7, 50123, respP, proto, false, 99)!
    : f({ origH: ORIG, origP: 50123, respH: RESP, respP }, proto, UID, false, 99)!;
  let ts = 100;
  for (const [o, s] of steps) {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    a.payload(o, b, 0, b.length, ts++);
  }
  src.freed = true;
  const c = record(respP, proto);
  a.end(c);
  return { c, sink, anomalies, reads: src.reads };
}

const GET = 'GET /a HTTP/1.1\r\nHost: lazy.example\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
/** A DNS query for example.com, id 0x1234. */
const QUERY = Buffer.from('123401000001000000000000076578616d706c6503636f6d0000010001', 'hex');

describe('analyzers made by the lazy factory', () => {
  it('give the same records as with the strings given', () => {
    for (const [respP, proto, steps] of [
      [8080, 'tcp', [[true, GET], [false, OK]]],
      [53, 'udp', [[true, QUERY]]],
      [53, 'udp', [[true, QUERY], [false, Buffer.concat([Buffer.from([0x12, 0x34, 0x81, 0x80]), QUERY.subarray(4)])]]],
    ] as [number, Transport, Step[]][]) {
      const lazy = run(true, respP, proto, steps);
      const eager = run(false, respP, proto, steps);
      expect(lazy.c).toEqual(eager.c);
      expect(lazy.sink.httpRecs).toEqual(eager.sink.httpRecs);
      expect(lazy.sink.dnsRecs).toEqual(eager.sink.dnsRecs);
      expect(lazy.sink.httpRecs.length + lazy.sink.dnsRecs.length).toBeGreaterThan(0);
      const r = lazy.sink.httpRecs[0] ?? lazy.sink.dnsRecs[0];
      expect([r.uid, r.origH, r.origP, r.respH, r.respP]).toEqual([UID, ORIG, 50123, RESP, respP]);
    }
  });

  it('read no strings for a connection nothing was detected in (the common case)', () => {
    const bulk = randomBytes(1400);
    const { c, reads, sink } = run(true, 443, 'tcp', [[false, bulk], [true, bulk], [false, bulk]]);
    expect(reads).toBe(0);
    expect(c.service).toBeNull();
    expect(c.origPayloadEntropy).toBeGreaterThan(7);
    expect(sink.httpRecs.length + sink.dnsRecs.length + sink.sslRecs.length).toBe(0);
  });

  it('read the strings once a parser needs them, and not again', () => {
    const { reads } = run(true, 8080, 'tcp', [[true, GET], [false, OK], [true, GET], [false, OK]]);
    expect(reads).toBe(3); // origH, respH and uid, read once
  });

  it('take the strings from the record at end() (an unanswered query logged then)', () => {
    // The query waits for its reply; the source is freed before end(), which logs it.
    const { sink } = run(true, 53, 'udp', [[true, QUERY]]);
    expect(sink.dnsRecs.map((d) => [d.uid, d.origH, d.respH, d.query])).toEqual([[UID, ORIG, RESP, 'example.com']]);
  });

  it('a second source (another flow table) gets its strings at once', () => {
    const sink = new CollectSink();
    const f = createAppAnalyzerFactory(sink, new AnomalyCounter());
    const first = new OneConnSource();
    const second = new OneConnSource();
    f.lazy!(first, 7, 1, 2, 'tcp', false, 0);
    const a = f.lazy!(second, 7, 50123, 8080, 'tcp', false, 0)!;
    expect(second.reads).toBe(3);
    second.freed = true;
    a.payload(true, Buffer.from(GET, 'latin1'), 0, GET.length, 1);
    a.payload(false, Buffer.from(OK, 'latin1'), 0, OK.length, 2);
    expect(sink.httpRecs.map((r) => [r.uid, r.origH, r.respH, r.host])).toEqual([[UID, ORIG, RESP, 'lazy.example']]);
  });

  it('a UDP DNS connection pairs every exchange though its parser is let go between them', () => {
    const q = (id: number) => {
      const b = Buffer.from(QUERY);
      b.writeUInt16BE(id, 0);
      return b;
    };
    const reply = (id: number) => {
      const b = Buffer.concat([Buffer.from([0, 0, 0x81, 0x80]), QUERY.subarray(4)]);
      b.writeUInt16BE(id, 0);
      return b;
    };
    const { c, sink, reads } = run(true, 53, 'udp', [[true, q(1)], [false, reply(1)], [true, q(2)], [true, q(3)], [false, reply(3)], [false, reply(2)], [true, q(4)]]);
    expect(c.service).toBe('dns');
    // ts of each query, rcode of its reply (the fourth query is logged unanswered at end()).
    expect(sink.dnsRecs.map((d) => [d.transId, d.ts, d.rcode])).toEqual([[1, 100, 0], [3, 103, 0], [2, 102, 0], [4, 106, null]]);
    expect(sink.dnsRecs.every((d) => d.uid === UID && d.origH === ORIG && d.respH === RESP)).toBe(true);
    expect(reads).toBeGreaterThan(0);
  });

  it('describes a DNS anomaly with the connection, read when it happens', () => {
    const { anomalies } = run(true, 53, 'udp', [[true, QUERY.subarray(0, 20)]]);
    expect(anomalies.toJSON()).toEqual({ DNS_label_len_gt_pkt: 1 });
    expect(anomalies.samples[0].message).toBe(`DNS_label_len_gt_pkt: conn ${UID} ${ORIG}:50123 > ${RESP}:53`);
  });

  it('a first responder payload that rules the responder out can be skipped: the analyzer made later starts in the same state', () => {
    const bulk = Buffer.alloc(1400, 0xee);
    expect(responderRuledOut(bulk, 0, bulk.length)).toBe(true);
    expect(responderRuledOut(bulk, 0, 15)).toBe(false); // too short to rule anything out
    expect(responderRuledOut(Buffer.from(OK, 'latin1'), 0, OK.length)).toBe(false);
    const banner = Buffer.from('SSH-2.0-OpenSSH_9.0\r\n', 'latin1');
    expect(responderRuledOut(banner, 0, banner.length)).toBe(false);
    const sh = Buffer.from(tlsRecord(22, serverHello(0xc02f)));
    expect(responderRuledOut(sh, 0, sh.length)).toBe(false);

    const ch = Buffer.from(tlsRecord(22, clientHello({ ciphers: [0xc02f], extensions: [sni('late.example')] })));
    const f = createAppAnalyzerFactory(new CollectSink(), new AnomalyCounter());
    expect(f.respRuledOut!(bulk, 0, bulk.length)).toBe(true);
    // Skipped responder bytes, then the client: as if the analyzer had seen the responder first.
    for (const steps of [
      [[true, ch]],
      [[true, bulk]],
      [[true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n']],
      [],
    ] as Step[][]) {
      const skipped = (() => {
        const sink = new CollectSink();
        const g = createAppAnalyzerFactory(sink, new AnomalyCounter());
        const src = new OneConnSource();
        const a = g.lazy!(src, 7, 50123, 443, 'tcp', false, 99, true)!;
        let ts = 102; // after the two responder segments run() hands over at 100 and 101
        for (const [o, x] of steps) {
          const b = typeof x === 'string' ? Buffer.from(x, 'latin1') : x;
          a.payload(o, b, 0, b.length, ts++);
        }
        const c = record(443, 'tcp');
        a.end(c);
        return { c, sink };
      })();
      const seen = run(true, 443, 'tcp', [[false, bulk], [false, bulk], ...steps]);
      expect(skipped.c).toEqual(seen.c);
      expect(skipped.sink.sslRecs).toEqual(seen.sink.sslRecs);
      expect(skipped.sink.httpRecs).toEqual(seen.sink.httpRecs);
    }
  });

  it('no analyzer for transports other than TCP and UDP', () => {
    const f = createAppAnalyzerFactory(new CollectSink(), new AnomalyCounter());
    expect(f.lazy!(new OneConnSource(), 7, 8, 0, 'icmp', false, 0)).toBeNull();
  });
});
