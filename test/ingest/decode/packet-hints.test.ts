/**
 * Lookahead hints (src/ingest/decode/packet-hints.ts): the peek must read the same flow fields
 * as the full decoder wherever it gives a hint, understand the common frame shapes, and give no
 * hint for what it does not understand. Checked on hand-built frames and on every classic pcap
 * of the corpus against PacketDecoder.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { DecodeStatus, type PacketMeta } from '../../../src/core/packet.js';
import { readCaptureBuffer } from '../../../src/ingest/capture-reader.js';
import { PacketHints, peekFrame, HINT_BATCH } from '../../../src/ingest/decode/packet-hints.js';
import { PacketDecoder } from '../../../src/ingest/decode/packet-decoder.js';
import { captureFiles } from './capture-files.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../../shared/corpus');

function ipv4(proto: number, src: number[], dst: number[], l4: number[], frag = 0): number[] {
  const total = 20 + l4.length;
  return [0x45, 0, total >> 8, total & 0xff, 0, 1, frag >> 8, frag & 0xff, 64, proto, 0, 0, ...src, ...dst, ...l4];
}

function ipv6(nh: number, src: number[], dst: number[], l4: number[]): number[] {
  return [0x60, 0, 0, 0, l4.length >> 8, l4.length & 0xff, nh, 64, ...src, ...dst, ...l4];
}

const MACS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const PORTS = [0x30, 0x39, 0x01, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]; // 12345 -> 443
const V6A = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6B = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

function peekOne(frame: number[], linktype: number, lead = 3): PacketHints | null {
  const buf = Buffer.from([...new Array(lead).fill(0xee), ...frame]);
  const h = new PacketHints();
  return peekFrame(buf, lead, frame.length, linktype, h) ? h : null;
}

describe('peekFrame on hand-built frames', () => {
  it('reads Ethernet IPv4 TCP, with offsets into the buffer', () => {
    const h = peekOne([...MACS, 0x08, 0x00, ...ipv4(6, [10, 0, 0, 1], [10, 0, 0, 2], PORTS)], 1)!;
    expect(h.n).toBe(1);
    expect([h.srcOff[0], h.dstOff[0], h.addrLen[0], h.proto[0], h.srcPort[0], h.dstPort[0]]).toEqual([3 + 14 + 12, 3 + 14 + 16, 4, 6, 12345, 443]);
  });

  it('skips one or two VLAN tags', () => {
    const one = peekOne([...MACS, 0x81, 0x00, 0, 5, 0x08, 0x00, ...ipv4(17, [1, 1, 1, 1], [2, 2, 2, 2], PORTS.slice(0, 8))], 1)!;
    expect([one.srcOff[0], one.proto[0], one.dstPort[0]]).toEqual([3 + 18 + 12, 17, 443]);
    const two = peekOne([...MACS, 0x88, 0xa8, 0, 5, 0x81, 0x00, 0, 6, 0x86, 0xdd, ...ipv6(6, V6A, V6B, PORTS)], 1)!;
    expect([two.srcOff[0], two.dstOff[0], two.addrLen[0], two.srcPort[0]]).toEqual([3 + 22 + 8, 3 + 22 + 24, 16, 12345]);
  });

  it('reads Linux cooked capture and raw IP', () => {
    const sll = peekOne([0, 0, 0, 1, 0, 6, ...MACS.slice(0, 8), 0x08, 0x00, ...ipv4(6, [10, 0, 0, 1], [10, 0, 0, 2], PORTS)], 113)!;
    expect(sll.srcOff[0]).toBe(3 + 16 + 12);
    for (const lt of [101, 228, 229, 12, 14]) {
      const raw = peekOne(ipv6(17, V6A, V6B, PORTS.slice(0, 8)), lt)!;
      expect([raw.srcOff[0], raw.proto[0]]).toEqual([3 + 8, 17]);
    }
  });

  it('gives no hint for fragments, ICMP, extension headers, truncated headers, other link types', () => {
    const eth = (ip: number[]) => [...MACS, ...(ip[0] >> 4 === 6 ? [0x86, 0xdd] : [0x08, 0x00]), ...ip];
    expect(peekOne(eth(ipv4(6, [1, 1, 1, 1], [2, 2, 2, 2], PORTS, 0x2000)), 1)).toBeNull(); // more fragments
    expect(peekOne(eth(ipv4(6, [1, 1, 1, 1], [2, 2, 2, 2], PORTS, 0x0001)), 1)).toBeNull(); // offset 8
    expect(peekOne(eth(ipv4(6, [1, 1, 1, 1], [2, 2, 2, 2], PORTS, 0x4000)), 1)).not.toBeNull(); // DF only
    expect(peekOne(eth(ipv4(1, [1, 1, 1, 1], [2, 2, 2, 2], [8, 0, 0, 0, 0, 0, 0, 0])), 1)).toBeNull();
    expect(peekOne(eth(ipv6(0, V6A, V6B, [6, 0, 0, 0, 0, 0, 0, 0, ...PORTS])), 1)).toBeNull(); // hop-by-hop first
    const full = eth(ipv4(6, [1, 1, 1, 1], [2, 2, 2, 2], PORTS));
    expect(peekOne(full.slice(0, 14 + 20 + 3), 1)).toBeNull(); // ports cut
    expect(peekOne(full.slice(0, 14 + 20 + 4), 1)).not.toBeNull();
    expect(peekOne([...MACS, 0x08, 0x06, ...new Array(28).fill(0)], 1)).toBeNull(); // ARP
    expect(peekOne(full, 105)).toBeNull(); // 802.11: not on the fast path
    expect(peekOne(full.slice(0, 10), 1)).toBeNull();
  });

  it('appends: entries accumulate up to the caller', () => {
    const frame = [...MACS, 0x08, 0x00, ...ipv4(6, [10, 0, 0, 1], [10, 0, 0, 2], PORTS)];
    const buf = Buffer.from([...frame, ...frame]);
    const h = new PacketHints();
    expect(peekFrame(buf, 0, frame.length, 1, h)).toBe(true);
    expect(peekFrame(buf, frame.length, frame.length, 1, h)).toBe(true);
    expect(h.n).toBe(2);
    expect(h.srcOff[1]).toBe(frame.length + 26);
    expect(HINT_BATCH).toBeGreaterThanOrEqual(2);
  });
});

describe.skipIf(!existsSync(CORPUS))('peekFrame against the packet decoder on the corpus (skipped: ../shared/corpus missing)', () => {
  it('agrees with PacketDecoder on every hinted IP packet, and hints most TCP/UDP packets', () => {
    let ipTcpUdp = 0;
    let hinted = 0;
    let compared = 0;
    const hints = new PacketHints();
    const files = captureFiles(CORPUS);
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const anomalies = new AnomalyCounter();
      const inner = new PacketDecoder(anomalies);
      // Peek at the frame the reader hands over, then decode it for real.
      const decoder = {
        decode(meta: PacketMeta, name: string): DecodeStatus {
          hints.n = 0;
          const frameBuf = meta.buf;
          const hit = peekFrame(meta.buf, meta.frameOff, meta.caplen, meta.linktype, hints);
          const st = inner.decode(meta, name);
          if (st === DecodeStatus.Ip && (meta.proto === 6 || meta.proto === 17) && meta.tunnel === 0 && meta.buf === frameBuf) {
            ipTcpUdp++;
            if (hit) {
              hinted++;
              compared++;
              const got = [hints.srcOff[0], hints.dstOff[0], hints.addrLen[0], hints.proto[0], hints.srcPort[0], hints.dstPort[0]];
              const want = [meta.srcOff, meta.dstOff, meta.addrLen, meta.proto, meta.srcPort, meta.dstPort];
              if (got.join() !== want.join()) expect.fail(`${file} packet ${meta.packetNo}: hint ${got} vs decoder ${want}`);
            }
          }
          return st;
        },
      };
      readCaptureBuffer(readFileSync(file), file, 0, () => {}, { anomalies, decoder });
    }
    expect(compared).toBeGreaterThan(10_000);
    // Most corpus TCP/UDP packets are Ethernet/SLL/raw IPv4 or plain IPv6 (the rest: PPP, null, tunnels' outer...).
    expect(hinted / ipTcpUdp).toBeGreaterThan(0.8);
  });
});
