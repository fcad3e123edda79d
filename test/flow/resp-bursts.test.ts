/**
 * Responder bursts (ConnRecord.respBurstCount): the turns of a session driven from the far
 * side (a reverse shell's commands). Golden values on two corpus captures, plus the rules on
 * synthetic captures. The rule is the originator's (orig-bursts.test.ts) seen from the responder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConnRecord } from '../../src/core/records.js';
import { buildFrame, TcpConversation, udpFrame } from '../../src/synth/packet-builder.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';
import { flowsFromBuffers, flowsFromFiles } from './helpers.js';

const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');
const AURORA = path.join(CORPUS, 'c2/ppa-aurora-metasploit-reverse-shell-4321/aurora.pcapng');
const RAT = path.join(CORPUS, 'c2/ppa-rat-c2-exfil-port4433/ratinfected.pcapng');

describe.skipIf(!existsSync(CORPUS))('responder bursts on the corpus (skipped: ../shared/corpus is missing)', () => {
  it('Aurora reverse shell: the attacker (responder) speaks twice after a quiet time, the victim once', () => {
    const { conns } = flowsFromFiles([AURORA]);
    const c = conns.find((r) => r.respP === 4321)!;
    expect([c.origH, c.respH]).toEqual(['192.168.100.206', '192.168.100.202']);
    // Ground truth, read off the packet list of 1032 <-> 4321 (times from the SYN, > victim
    // to attacker, < back, TCP payload bytes): 0.001 < 4 (first responder payload: burst 1),
    // 0.129 < 240, 0.264 > 39, 0.470 > 93, 0.670 < ACK; then 6.825 s of silence;
    // 7.496 < 4 (the typed command: burst 2), 7.496 > 4, 7.695 > 515 (answered at once).
    expect(c.respBurstCount).toBe(2);
    // The victim never speaks after a quiet time: one originator burst, nothing set.
    expect(c.origBurstCount).toBeUndefined();
  });

  it('RAT control connection: the C2 greeting and its six CAPSCREEN60 commands', () => {
    const { conns } = flowsFromFiles([RAT]);
    const control = conns.find((r) => r.origP === 6641)!;
    // Responder payloads (times from the SYN): 0.001 (14 bytes, ANABILGI|556), then 13-byte
    // commands at 73.992, 83.999, 94.015, 104.031, 114.030 and 118.234, each more than 1 s
    // after the previous packet (the victim's heartbeats every 10 s and its ACKs).
    expect(control.respBurstCount).toBe(7);
    expect(control.origBurstCount).toBe(14);
  });
});

const C = '10.0.0.1';
const S = '192.0.2.80';

function run(pcap: PcapBuffer): ConnRecord[] {
  return flowsFromBuffers([{ name: 'synthetic.pcap', data: pcap.toBuffer() }]).conns;
}

describe('responder bursts on synthetic captures', () => {
  it('UDP: the first responder payload starts one, exactly 1.0 s of quiet starts one, 0.999 s does not, an originator packet breaks the quiet', () => {
    const pcap = new PcapBuffer();
    const p = Buffer.alloc(20, 0x41);
    pcap.add(1000, udpFrame(C, 40000, S, 5000, p)); // originator opens
    pcap.add(1000.01, udpFrame(S, 5000, C, 40000, p)); // first responder payload: burst 1
    pcap.add(1001.009, udpFrame(S, 5000, C, 40000, p)); // 0.999 s: same burst
    pcap.add(1002.009, udpFrame(S, 5000, C, 40000, p)); // exactly 1.0 s: burst 2
    pcap.add(1005, udpFrame(C, 40000, S, 5000, Buffer.alloc(0))); // originator, no payload...
    pcap.add(1005.5, udpFrame(S, 5000, C, 40000, p)); // ...broke the quiet: same burst
    pcap.add(1010, udpFrame(S, 5000, C, 40000, Buffer.alloc(0))); // no payload: not a burst...
    pcap.add(1010.5, udpFrame(S, 5000, C, 40000, p)); // ...and it broke the quiet too
    pcap.add(1020, udpFrame(S, 5000, C, 40000, p)); // burst 3
    const [c] = run(pcap);
    expect(c.respBurstCount).toBe(3);
    expect(c.origBurstCount).toBeUndefined();
  });

  it('request/answer exchanges driven by the originator: one responder burst, nothing set', () => {
    const pcap = new PcapBuffer();
    for (let i = 0; i < 6; i++) {
      pcap.add(1000 + 5 * i, udpFrame(C, 40001, S, 5000, Buffer.alloc(30)));
      pcap.add(1000 + 5 * i + 0.2, udpFrame(S, 5000, C, 40001, Buffer.alloc(60)));
    }
    const [c] = run(pcap);
    expect(c.origBurstCount).toBe(6);
    expect(c.respBurstCount).toBeUndefined();
  });

  it('TCP reverse shell: commands from the responder after a pause, answered at once; bare ACKs start nothing', () => {
    const pcap = new PcapBuffer();
    const conv = new TcpConversation((ts, f) => pcap.add(ts, f), C, 40002, S, 4321);
    let t = conv.handshake(1000);
    t = conv.send(true, t + 0.01, Buffer.from('Microsoft Windows XP [Version 5.1.2600]\r\n\r\nC:\\>'));
    const commands = 300;
    for (let i = 0; i < commands; i++) {
      const at = 1000 + 3 * (i + 1);
      conv.send(false, at, Buffer.from('dir\n'));
      t = conv.send(true, at + 0.05, Buffer.alloc(400, 0x20));
    }
    conv.close(t + 0.1);
    const [c] = run(pcap);
    expect(c.proto).toBe('tcp');
    expect(c.respBurstCount).toBe(commands);
    expect(c.origBurstCount).toBeUndefined();
  });

  it('ICMP: every responder packet counts, payload or not', () => {
    const pcap = new PcapBuffer();
    for (let i = 0; i < 4; i++) {
      pcap.add(2000 + 5 * i, buildFrame({ src: C, dst: S, proto: 1, icmpType: 8, icmpCode: 0, payload: Buffer.alloc(0) }));
      pcap.add(2000 + 5 * i + 2, buildFrame({ src: S, dst: C, proto: 1, icmpType: 0, icmpCode: 0, payload: Buffer.alloc(0) }));
    }
    const [c] = run(pcap);
    expect(c.proto).toBe('icmp');
    expect(c.respBurstCount).toBe(4);
  });
});
