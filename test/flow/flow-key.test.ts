/**
 * The flow key of IPv6 packets (flow-table.ts buildKey16): both directions of a flow find one
 * connection, the sides are ordered by address bytes (then port), and the key words are the
 * documented byte layout. The uids hash the key words, so uids computed by the byte-by-byte key
 * build (before buildKey16) pin the layout: a word in the wrong place or order changes them.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { DecodeStatus } from '../../src/core/packet.js';
import type { ConnRecord } from '../../src/core/records.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { readCaptureBuffer } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { buildFrame, udpFrame } from '../../src/synth/packet-builder.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';

function run(pcap: PcapBuffer): ConnRecord[] {
  const anomalies = new AnomalyCounter();
  const conns: ConnRecord[] = [];
  const table = new FlowTable({ emit: (c) => conns.push(c), anomalies });
  const decoder = new PacketDecoder(anomalies);
  readCaptureBuffer(pcap.toBuffer(), 'ipv6-keys.pcap', 0, (m, st) => {
    if (st === DecodeStatus.Ip) table.addPacket(m);
  }, { anomalies, decoder });
  table.flush();
  return conns;
}

// Address pairs that differ in each 32-bit word of the address, with high bytes (>= 0x80, where a
// signed comparison would order them the other way) and in the port only.
const PAIRS: [string, number, string, number][] = [
  ['2001:db8::1', 40000, '2001:db8::2', 53],
  ['fe80::1', 1234, '2001:db8::1', 80],
  ['2001:db8:8000::1', 5000, '2001:db8:7fff::1', 5001],
  ['2001:db8:0:0:8000::1', 7, '2001:db8:0:0:7fff::1', 7],
  ['2001:db8::8000:0:0:1', 9, '2001:db8::7fff:0:0:1', 9],
  ['2001:db8::1:ffff', 443, '2001:db8::1:7fff', 443],
  ['ff02::fb', 5353, 'ff02::fb', 5353],
  ['2001:db8::5', 6000, '2001:db8::5', 5000],
];

describe('IPv6 flow key', () => {
  it('both directions join one connection, uids as the byte-by-byte key gave them', () => {
    const pcap = new PcapBuffer();
    PAIRS.forEach(([a, pa, b, pb], i) => {
      pcap.add(10 + i, udpFrame(a, pa, b, pb, Buffer.alloc(10 + i, 0x41)));
      pcap.add(10.5 + i, udpFrame(b, pb, a, pa, Buffer.alloc(20, 0x42)));
    });
    // TCP and ICMPv6 one-way messages (the key keeps the sender first).
    pcap.add(30, buildFrame({ src: '2001:db8:ffff::9', dst: '2001:db8::9', proto: 6, sport: 443, dport: 50000, seq: 1, ack: 0, flags: 0x02 }));
    pcap.add(30.1, buildFrame({ src: '2001:db8::9', dst: '2001:db8:ffff::9', proto: 6, sport: 50000, dport: 443, seq: 1, ack: 2, flags: 0x12 }));
    const conns = run(pcap);
    const udp = conns.filter((c) => c.proto === 'udp');
    expect(udp.length).toBe(PAIRS.length);
    // Equal sides (same address and port both ways) are all originator packets, as in Zeek.
    for (const c of udp) expect([c.origPkts, c.respPkts]).toEqual(c.origH === c.respH && c.origP === c.respP ? [2, 0] : [1, 1]);
    expect(conns.map((c) => `${c.origH} ${c.origP} ${c.respH} ${c.respP} ${c.proto} ${c.uid}`)).toEqual(GOLDEN);
  });
});

// Computed by the byte-by-byte key build (19d73a3), flush order (oldest first).
const GOLDEN: string[] = [
  '2001:db8::1 40000 2001:db8::2 53 udp CNSBYOibw87Q8j1O3',
  'fe80::1 1234 2001:db8::1 80 udp Ck8oYK4UU6JtiXiSg',
  '2001:db8:8000::1 5000 2001:db8:7fff::1 5001 udp C1MgjdIGdTVPeR6FFM',
  '2001:db8::8000:0:0:1 7 2001:db8::7fff:0:0:1 7 udp CuOFz7ifCiqLe2LT8',
  '2001:db8::8000:0:0:1 9 2001:db8::7fff:0:0:1 9 udp CRTbgJQRcsa9JjJFK',
  '2001:db8::1:ffff 443 2001:db8::1:7fff 443 udp C1VQH64mGpZYGb3kxG',
  'ff02::fb 5353 ff02::fb 5353 udp C1Ez1NLQ6a6gXVk16d',
  '2001:db8::5 6000 2001:db8::5 5000 udp CjuAJ8hKHjpb7GMSc',
  '2001:db8:ffff::9 443 2001:db8::9 50000 tcp C9KXlhE7AEk4rtS4p'
];
