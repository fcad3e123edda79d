import { describe, expect, it } from 'vitest';
import { buildFrame, TcpConversation, prng } from '../../src/synth/packet-builder.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';

function onesSum(buf: Buffer, off: number, len: number, acc = 0): number {
  let s = acc;
  for (let i = off; i < off + len; i += 2) s += (buf[i] << 8) | (i + 1 < off + len ? buf[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe('synthetic frames', () => {
  it('IPv4/TCP frame has valid IP and TCP checksums', () => {
    const f = buildFrame({ src: '10.0.0.1', dst: '93.184.216.34', proto: 6, sport: 40000, dport: 80, seq: 1, flags: 0x18, payload: Buffer.from('GET / HTTP/1.1\r\n\r\n') });
    expect(f.readUInt16BE(12)).toBe(0x0800);
    expect(onesSum(f, 14, 20)).toBe(0xffff);
    const tcpLen = f.length - 34;
    const pseudo = onesSum(f, 26, 8) + 6 + tcpLen;
    expect(onesSum(f, 34, tcpLen, pseudo)).toBe(0xffff);
  });

  it('IPv6/UDP frame with a VLAN tag has a valid UDP checksum', () => {
    const f = buildFrame({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, sport: 5353, dport: 53, payload: Buffer.from('abc'), vlan: 42 });
    expect(f.readUInt16BE(12)).toBe(0x8100);
    expect(f.readUInt16BE(14) & 0xfff).toBe(42);
    expect(f.readUInt16BE(16)).toBe(0x86dd);
    const udpOff = 18 + 40;
    const udpLen = f.length - udpOff;
    const pseudo = onesSum(f, 18 + 8, 32) + 17 + udpLen;
    expect(onesSum(f, udpOff, udpLen, pseudo)).toBe(0xffff);
  });

  it('TCP conversation numbers sequence space like a real stack', () => {
    const frames: Buffer[] = [];
    const c = new TcpConversation((_t, fr) => frames.push(fr), '10.0.0.1', 40000, '10.0.0.2', 80, { client: 100, server: 900 });
    let t = c.handshake(0);
    t = c.send(true, t, Buffer.alloc(3000, 0x41));
    c.close(t);
    // SYN seq 100, first data seq 101, FIN seq 101 + 3000
    expect(frames[0].readUInt32BE(14 + 20 + 4)).toBe(100);
    expect(frames[3].readUInt32BE(14 + 20 + 4)).toBe(101);
    const fin = frames.find((f) => f[14 + 20 + 13] === 0x11)!;
    expect(fin.readUInt32BE(14 + 20 + 4)).toBe(3101);
  });

  it('pcap buffer and PRNG are deterministic', () => {
    const r1 = prng(7), r2 = prng(7);
    expect([r1(), r1(), r1()]).toEqual([r2(), r2(), r2()]);
    const p = new PcapBuffer();
    p.add(1.5, Buffer.alloc(60));
    const b = p.toBuffer();
    expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(b.readUInt32LE(24)).toBe(1);
    expect(b.readUInt32LE(28)).toBe(500000);
    expect(b.length).toBe(24 + 16 + 60);
  });
});
