/**
 * Originator bursts (ConnRecord.origBursts / origBurstCount): beacons inside ONE long-lived
 * connection. Golden values on two corpus captures, plus the rules on synthetic captures.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConnRecord } from '../../src/core/records.js';
import { MAX_ORIG_BURSTS } from '../../src/flow/connection.js';
import { buildFrame, TcpConversation, udpFrame } from '../../src/synth/packet-builder.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';
import { flowsFromBuffers, flowsFromFiles } from './helpers.js';

const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');
const MERLIN = path.join(CORPUS, 'c2/zeek-merlin-c2-quic/merlinc2_Zeek_example.pcapng');
const RAT = path.join(CORPUS, 'c2/ppa-rat-c2-exfil-port4433/ratinfected.pcapng');

/** Burst start times relative to the connection start, rounded to the millisecond. */
const rel = (c: ConnRecord): number[] => c.origBursts!.map((t) => Math.round((t - c.ts) * 1000) / 1000);

describe.skipIf(!existsSync(CORPUS))('originator bursts on the corpus (skipped: ../shared/corpus is missing)', () => {
  it('Merlin C2 over QUIC: one UDP flow, a check-in about every 15 s', () => {
    const { conns } = flowsFromFiles([MERLIN]);
    const c = conns.find((r) => r.origH === '10.0.0.4' && r.respH === '24.199.110.233' && r.respP === 443)!;
    expect(c.proto).toBe('udp');
    // Ground truth, read off the packet list of 10.0.0.4:53241 <-> 24.199.110.233:443 (times
    // from the first packet, > agent to server, < back, UDP payload bytes):
    //   0.000 > 1252 ... 0.423 > 29 (QUIC handshake and first exchange, no 1 s gap inside)
    //   15.393 > 1366, 15.483 < 1352, 15.507 > 29;  30.483 > 1409 ...;  45.572;  60.661
    //   75.750 > 25, 75.864 < 29;  90.857 > 25, 90.971 < 29, 91.549 > 514 (0.578 s later:
    //   the same burst) ... 91.753 > 29;  106.728;  121.842;  136.920;  152.029;  167.139;
    //   182.247 > 25, 182.361 < 31;  183.866 > 514 (1.505 s of silence: a new burst) ... 184.068.
    expect(c.origBurstCount).toBe(14);
    expect(rel(c)).toEqual([
      0, 15.393, 30.483, 45.572, 60.661, 75.75, 90.857, 106.728, 121.842, 136.92, 152.029, 167.139, 182.247,
      183.866,
    ]);
    const gaps = c.origBursts!.slice(1, 13).map((t, i) => t - c.origBursts![i]);
    for (const g of gaps) expect(g).toBeGreaterThan(15.0);
    for (const g of gaps) expect(g).toBeLessThan(15.9);
  });

  it('RAT heartbeat every 10 s on the control connection; the upload connections have one burst each', () => {
    const { conns } = flowsFromFiles([RAT]);
    const control = conns.find((r) => r.origP === 6641)!;
    expect([control.origH, control.respH, control.respP]).toEqual(['172.16.0.114', '172.16.0.111', 4433]);
    // Ground truth from the packet list of port 6641 (times from the SYN): the victim sends
    // 164 bytes at 0.011 (its answer to ANABILGI), then a 9-byte BAGLIMI? every 10 s from
    // 10.002 to 130.033, each answered by a bare ACK; the C2's CAPSCREEN60 commands at
    // 73.992, 83.999, ... are answered by bare ACKs (no payload: no burst).
    expect(control.origBurstCount).toBe(14);
    expect(rel(control)).toEqual([
      0.011, 10.002, 20.018, 30.033, 40.033, 50.033, 60.033, 70.034, 80.033, 90.033, 100.033, 110.033, 120.034,
      130.033,
    ]);
    // The screenshot uploads (source ports 6643-6648) each last under 0.1 s: one burst, nothing set.
    const uploads = conns.filter((r) => r.origP >= 6643 && r.origP <= 6648);
    expect(uploads.length).toBe(6);
    for (const u of uploads) {
      expect(u.origBursts).toBeUndefined();
      expect(u.origBurstCount).toBeUndefined();
    }
  });
});

const C = '10.0.0.1';
const S = '192.0.2.80';

function run(pcap: PcapBuffer): ConnRecord[] {
  return flowsFromBuffers([{ name: 'synthetic.pcap', data: pcap.toBuffer() }]).conns;
}

describe('originator bursts on synthetic captures', () => {
  it('a quiet time of exactly 1.0 s starts a burst, 0.999 s does not, and a responder packet breaks the quiet', () => {
    const pcap = new PcapBuffer();
    const p = Buffer.alloc(20, 0x41);
    pcap.add(1000, udpFrame(C, 40000, S, 5000, p)); // burst 1
    pcap.add(1000.999, udpFrame(C, 40000, S, 5000, p)); // 0.999 s: same burst
    pcap.add(1001.999, udpFrame(C, 40000, S, 5000, p)); // exactly 1.0 s: burst 2
    pcap.add(1002.5, udpFrame(S, 5000, C, 40000, p)); // responder
    pcap.add(1003, udpFrame(C, 40000, S, 5000, p)); // 0.5 s after the responder: same burst
    pcap.add(1010, udpFrame(C, 40000, S, 5000, Buffer.alloc(0))); // no payload: not a burst...
    pcap.add(1010.5, udpFrame(C, 40000, S, 5000, p)); // ...and it broke the quiet time
    pcap.add(1020, udpFrame(C, 40000, S, 5000, p)); // burst 3
    const [c] = run(pcap);
    expect(c.origBurstCount).toBe(3);
    expect(c.origBursts!.length).toBe(3);
    expect(c.origBursts![0]).toBe(1000);
    expect(c.origBursts![1]).toBeCloseTo(1001.999, 6);
    expect(c.origBursts![2]).toBe(1020);
  });

  it('a connection with a single burst leaves both fields unset', () => {
    const pcap = new PcapBuffer();
    for (let i = 0; i < 5; i++) pcap.add(1000 + i * 0.5, udpFrame(C, 40001, S, 5000, Buffer.alloc(30)));
    const [c] = run(pcap);
    expect(c.origBursts).toBeUndefined();
    expect(c.origBurstCount).toBeUndefined();
  });

  it('TCP: responder data and bare ACKs do not start bursts; the count goes on past the 256 kept times', () => {
    const pcap = new PcapBuffer();
    const conv = new TcpConversation((ts, f) => pcap.add(ts, f), C, 40002, S, 4433);
    let t = conv.handshake(1000);
    const n = MAX_ORIG_BURSTS + 44;
    for (let i = 0; i < n; i++) {
      const at = 1000 + 4 * (i + 1);
      // A server command alone (its client ACK carries no payload): no originator burst.
      conv.send(false, at - 2, Buffer.alloc(5, 0x42));
      t = conv.send(true, at, Buffer.alloc(9, 0x43));
    }
    conv.close(t + 0.1);
    const [c] = run(pcap);
    expect(c.proto).toBe('tcp');
    expect(c.origBurstCount).toBe(n);
    expect(c.origBursts!.length).toBe(MAX_ORIG_BURSTS);
    expect(c.origBursts![0]).toBe(1004);
    expect(c.origBursts![MAX_ORIG_BURSTS - 1]).toBe(1000 + 4 * MAX_ORIG_BURSTS);
  });

  it('ICMP: every originator packet counts, payload or not', () => {
    const pcap = new PcapBuffer();
    for (let i = 0; i < 4; i++) {
      pcap.add(2000 + 5 * i, buildFrame({ src: C, dst: S, proto: 1, icmpType: 8, icmpCode: 0, payload: Buffer.alloc(0) }));
      pcap.add(2000 + 5 * i + 0.01, buildFrame({ src: S, dst: C, proto: 1, icmpType: 0, icmpCode: 0, payload: Buffer.alloc(0) }));
    }
    const [c] = run(pcap);
    expect(c.proto).toBe('icmp');
    expect(c.origBurstCount).toBe(4);
    expect(c.origBursts).toEqual([2000, 2005, 2010, 2015]);
  });
});
