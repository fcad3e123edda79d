/**
 * End-of-input flush: open connections come out by start time, then creation order, also
 * when packet times went backwards (overlapping captures), and the slots freed before are
 * reused. And the cap that sizes the columns is checked.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { ConnRecord } from '../../src/core/records.js';
import { FlowTable, MAX_FLOWS_LIMIT } from '../../src/flow/flow-table.js';
import { udpFrame } from '../../src/synth/packet-builder.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';
import { flowsFromBuffers } from './helpers.js';

function run(pcap: PcapBuffer): ConnRecord[] {
  return flowsFromBuffers([{ name: 'synthetic.pcap', data: pcap.toBuffer() }]).conns;
}

const p = Buffer.alloc(10);

describe('the live-flow cap sizes the state columns', () => {
  it('must be a whole number within the limit', () => {
    const anomalies = new AnomalyCounter();
    for (const maxFlows of [0, 10.5, Infinity, NaN, MAX_FLOWS_LIMIT + 1]) {
      expect(() => new FlowTable({ emit: () => {}, anomalies, maxFlows })).toThrow(/maxFlows must be an integer/);
    }
    expect(() => new FlowTable({ emit: () => {}, anomalies, maxFlows: MAX_FLOWS_LIMIT })).not.toThrow();
  });
});

describe('flush order', () => {
  it('start time first, creation order between equal start times', () => {
    const pcap = new PcapBuffer();
    pcap.add(100, udpFrame('10.0.0.1', 1001, '192.0.2.1', 9000, p));
    pcap.add(100, udpFrame('10.0.0.1', 1002, '192.0.2.1', 9000, p));
    pcap.add(101, udpFrame('10.0.0.1', 1003, '192.0.2.1', 9000, p));
    // Time goes back: created last, started first.
    pcap.add(90, udpFrame('10.0.0.1', 1004, '192.0.2.1', 9000, p));
    pcap.add(100, udpFrame('10.0.0.1', 1005, '192.0.2.1', 9000, p));
    const conns = run(pcap);
    expect(conns.map((c) => c.origP)).toEqual([1004, 1001, 1002, 1005, 1003]);
    expect(conns.every((c) => c.openAtEnd)).toBe(true);
  });

  it('slots freed by expiry are reused and flushed in creation order', () => {
    const pcap = new PcapBuffer();
    for (let i = 0; i < 50; i++) pcap.add(100 + i * 0.01, udpFrame('10.0.0.2', 2000 + i, '192.0.2.2', 9000, p));
    // 61 s later the first 50 time out (UDP, 60 s); 50 new ones take their slots.
    for (let i = 0; i < 50; i++) pcap.add(200 + i * 0.01, udpFrame('10.0.0.3', 3000 + i, '192.0.2.2', 9000, p));
    const conns = run(pcap);
    expect(conns.length).toBe(100);
    expect(conns.slice(0, 50).every((c) => !c.openAtEnd)).toBe(true);
    expect(conns.slice(50).map((c) => c.origP)).toEqual(Array.from({ length: 50 }, (_, i) => 3000 + i));
    expect(new Set(conns.map((c) => c.uid)).size).toBe(100);
  });
});
