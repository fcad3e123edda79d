/**
 * Floods against the named caps: memory stays bounded by the cap, hitting it is counted, and
 * nothing is dropped silently (every flow, HTTP request and DNS query still ends as a record).
 * Inputs are synthetic captures driven through the real capture path.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { ConnRecord, DnsRecord, HttpRecord, RecordSink, SslRecord } from '../../src/core/records.js';
import { readCaptureBuffer } from '../../src/ingest/capture-reader.js';
import { PacketDecoder, type PacketDecoderOptions } from '../../src/ingest/decode/packet-decoder.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { MAX_OOO_BYTES } from '../../src/flow/tcp-session.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { MAX_PENDING_REQUESTS } from '../../src/app/http/http-analyzer.js';
import { MAX_PENDING_IDS } from '../../src/app/dns/dns-analyzer.js';
import { buildFrame, TcpConversation, udpFrame } from '../../src/synth/packet-builder.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';
import { dnsQuery } from '../../src/synth/app-payloads.js';
import { runCase } from './run-case.js';

const MiB = 1024 * 1024;

function run(buf: Buffer, opts: { maxFlows?: number; decoder?: PacketDecoderOptions } = {}) {
  const anomalies = new AnomalyCounter();
  const counts = { conn: 0, dns: 0, http: 0, ssl: 0 };
  const sink: RecordSink = {
    conn: (_r: ConnRecord) => counts.conn++,
    dns: (_r: DnsRecord) => counts.dns++,
    http: (_r: HttpRecord) => counts.http++,
    ssl: (_r: SslRecord) => counts.ssl++,
  };
  const decoder = new PacketDecoder(anomalies, opts.decoder);
  const table = new FlowTable({ emit: sink.conn, appFactory: createAppAnalyzerFactory(sink, anomalies), anomalies, maxFlows: opts.maxFlows });
  const before = process.memoryUsage().arrayBuffers;
  const st = runCase('capture', buf, () =>
    readCaptureBuffer(buf, 'flood.pcap', 0, (m, s) => s === 0 && table.addPacket(m), { anomalies, decoder }),
  );
  table.flush();
  const grew = process.memoryUsage().arrayBuffers - before;
  expect(st.packetsRead).toBe(st.ip + st.nonIp + st.anomalies + st.fragments);
  return { st, table, counts, anomalies, grew };
}

describe('caps under floods', () => {
  it('live flows: 10,000 new flows against maxFlows 500 stay at 500 live, all 10,000 are emitted', () => {
    const p = new PcapBuffer();
    for (let i = 0; i < 10_000; i++) p.add(1700000000 + i * 0.001, udpFrame(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1024 + (i % 60000), '192.0.2.1', 9999, Buffer.alloc(8)));
    const r = run(p.toBuffer(), { maxFlows: 500 });
    expect(r.table.stats.livePeak).toBeLessThanOrEqual(500);
    expect(r.table.stats.earlyExpired).toBeGreaterThanOrEqual(9_500);
    expect(r.anomalies.get('flow_table_cap')).toBe(r.table.stats.earlyExpired);
    expect(r.table.stats.flowsEmitted).toBe(10_000);
    expect(r.counts.conn).toBe(10_000);
  });

  it('IP fragments: 10,000 datagrams never completed against maxFragmentDatagrams 1000 are dropped oldest first, counted', () => {
    const p = new PcapBuffer();
    for (let i = 0; i < 10_000; i++) {
      const f = buildFrame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2, payload: Buffer.alloc(64, 1), ipId: i & 0xffff });
      // More-fragments flag on, offset 0: the first fragment of a datagram whose rest never comes.
      f.writeUInt16BE(0x2000, 14 + 6);
      p.add(1700000000 + i * 0.0001, f);
    }
    const r = run(p.toBuffer(), { decoder: { maxFragmentDatagrams: 1000 } });
    expect(r.st.fragments).toBe(10_000);
    expect(r.anomalies.get('fragment_datagrams_cap_reached')).toBeGreaterThanOrEqual(9_000);
    expect(r.grew).toBeLessThan(64 * MiB);
  });

  it('TCP out-of-order: 5,000 segments each past a hole, none acked: buffering stops (Zeek above_hole_data_without_any_acks), counted', () => {
    const p = new PcapBuffer();
    const sink = (ts: number, f: Buffer) => p.add(ts, f);
    const c = new TcpConversation(sink, '10.0.0.5', 50000, '198.51.100.7', 80);
    const t = c.handshake(1700000000);
    for (let i = 0; i < 5000; i++) {
      const seg = buildFrame({ src: '10.0.0.5', dst: '198.51.100.7', proto: 6, sport: 50000, dport: 80, seq: (1001 + 1 + i * 2000) >>> 0, ack: 5001, flags: 0x18, payload: Buffer.alloc(1000, 0x41) });
      p.add(t + 0.001 + i * 0.0001, seg);
    }
    const r = run(p.toBuffer());
    expect(r.counts.conn).toBe(1);
    expect(r.grew).toBeLessThan(MAX_OOO_BYTES + 32 * MiB);
    expect(r.anomalies.get('above_hole_data_without_any_acks')).toBeGreaterThan(0);
  });

  it('TCP out-of-order with acks: 5,000 segments past a hole keep at most MAX_OOO_BYTES buffered, counted', () => {
    const p = new PcapBuffer();
    const c = new TcpConversation((ts, f) => p.add(ts, f), '10.0.0.5', 50002, '198.51.100.7', 80);
    let t = c.handshake(1700000000);
    t = c.send(true, t + 0.01, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    for (let i = 0; i < 5000; i++) {
      const seq = (1001 + 28 + 1 + i * 2000) >>> 0;
      p.add(t + 0.001 + i * 0.0001, buildFrame({ src: '10.0.0.5', dst: '198.51.100.7', proto: 6, sport: 50002, dport: 80, seq, ack: 5001, flags: 0x18, payload: Buffer.alloc(1000, 0x41) }));
      // The server acks what it got in order, so the hole is not a lack of acks.
      p.add(t + 0.001 + i * 0.0001 + 0.00005, buildFrame({ src: '198.51.100.7', dst: '10.0.0.5', proto: 6, sport: 80, dport: 50002, seq: 5001, ack: 1001 + 28, flags: 0x10 }));
    }
    const r = run(p.toBuffer());
    expect(r.counts.conn).toBe(1);
    expect(r.grew).toBeLessThan(MAX_OOO_BYTES + 32 * MiB);
    // MAX_OOO_SEGMENTS blocks are kept; every later segment above the hole is counted.
    expect(r.anomalies.get('tcp_reassembly_segment_cap')).toBeGreaterThan(4000);
  });

  it(`HTTP pipelining: 5,000 requests without a response are all logged (pending flushed at ${MAX_PENDING_REQUESTS}, counted)`, () => {
    const p = new PcapBuffer();
    const c = new TcpConversation((ts, f) => p.add(ts, f), '10.0.0.5', 50001, '198.51.100.7', 80);
    let t = c.handshake(1700000000);
    const reqs = Array.from({ length: 5000 }, (_, i) => `GET /r${i} HTTP/1.1\r\nHost: example.com\r\n\r\n`).join('');
    t = c.send(true, t + 0.01, Buffer.from(reqs));
    c.close(t + 0.01);
    const r = run(p.toBuffer());
    expect(r.counts.http).toBe(5000);
    expect(r.anomalies.get('HTTP_excessive_pipelining')).toBeGreaterThan(0);
  });

  it(`DNS: 5,000 unanswered queries with distinct ids in one flow are all logged (pending ids capped at ${MAX_PENDING_IDS}, counted)`, () => {
    const p = new PcapBuffer();
    for (let i = 0; i < 5000; i++) p.add(1700000000 + i * 0.001, udpFrame('10.0.0.5', 40000, '192.0.2.53', 53, dnsQuery(i, `q${i}.example.com`)));
    const r = run(p.toBuffer());
    expect(r.counts.dns).toBe(5000);
    expect(r.anomalies.get('dns_pending_ids_limit')).toBeGreaterThan(0);
  });
});
