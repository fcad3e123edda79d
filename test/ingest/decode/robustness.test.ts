/**
 * Bad input is data: random and mutated frames never make the decoder throw, read out of
 * bounds or allocate without bound; every frame ends in one of the four statuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { DecodeStatus, PacketMeta } from '../../../src/core/packet.js';
import { PacketDecoder } from '../../../src/ingest/decode/packet-decoder.js';
import { eth, ext6, frag6, gre, ipv4, ipv6, tag, tcp, udp } from './frames.js';
import { hex } from './helpers.js';

const LINKTYPES = [0, 1, 9, 12, 14, 50, 51, 101, 104, 105, 108, 113, 127, 228, 229, 239, 276];

/** Decode and check every offset the decoder reports against the buffer it points into. */
function decodeChecked(d: PacketDecoder, frame: Buffer, linktype: number, wirelen: number, ts: number): DecodeStatus {
  const m = new PacketMeta();
  m.buf = frame;
  m.caplen = frame.length;
  m.wirelen = wirelen;
  m.linktype = linktype;
  m.tsSec = ts;
  const s = d.decode(m, 'fuzz.pcap');
  expect([DecodeStatus.Ip, DecodeStatus.NonIp, DecodeStatus.Anomaly, DecodeStatus.Fragment]).toContain(s);
  if (s === DecodeStatus.Ip) {
    const len = m.buf.length;
    expect(m.addrLen === 4 || m.addrLen === 16).toBe(true);
    expect(m.srcOff + m.addrLen).toBeLessThanOrEqual(len);
    expect(m.dstOff + m.addrLen).toBeLessThanOrEqual(len);
    expect(m.payloadLen).toBeGreaterThanOrEqual(0);
    expect(m.payloadOff + m.payloadLen).toBeLessThanOrEqual(len);
    expect(m.payloadLen).toBeLessThanOrEqual(m.payloadWireLen);
    expect(m.ipOff + m.ipHdrLen).toBeLessThanOrEqual(len);
    if (m.tunnel !== 0) expect(m.outerSrcOff + m.outerAddrLen).toBeLessThanOrEqual(len);
  }
  return s;
}

// Seeds: valid frames of every kind, which the mutations below break in every place.
const V4 = ipv4({ proto: 6 }, tcp({ options: hex('020405b4') }, hex('474554202f')));
const V6 = ipv6({ nh: 0 }, Buffer.concat([ext6(44, 0), frag6(17, 0, true, 5), udp(1, 53, Buffer.alloc(16, 1))]));
const SEEDS: [number, Buffer][] = [
  [1, eth(0x0800, V4)],
  [1, eth(0x88a8, Buffer.concat([tag(1, 0x8100), tag(2, 0x8864), hex('1100 0001 002e 0021'), V4]))],
  [1, eth(0x8847, Buffer.concat([hex('00010140'), V6]))],
  [1, eth(0x0800, ipv4({ proto: 47 }, Buffer.concat([gre(0xb000, 0x6558, 0, 1, 2), eth(0x86dd, V6)])))],
  [1, eth(0x0800, ipv4({ proto: 4, mf: true }, V4))],
  [0, Buffer.concat([hex('1e000000'), V6])],
  [113, Buffer.concat([hex('0000 0001 0006 020000000001 0000 0800'), V4])],
  [239, Buffer.concat([hex('02 00 0000', '0800 0100 08000300'), Buffer.from([V4.length + 4, 0, 9, 0]), V4])],
];

describe('robustness', () => {
  it('random bytes under every link type', () => {
    const d = new PacketDecoder(new AnomalyCounter());
    fc.assert(
      fc.property(fc.constantFrom(...LINKTYPES), fc.uint8Array({ maxLength: 200 }), fc.nat(400), (lt, bytes, extra) => {
        const f = Buffer.from(bytes);
        decodeChecked(d, f, lt, f.length + (extra % 3 === 0 ? extra : 0), 1);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated and truncated valid frames', () => {
    const anomalies = new AnomalyCounter();
    const d = new PacketDecoder(anomalies);
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.nat(100),
        ([lt, seed], flips, cut, ts) => {
          const f = Buffer.from(seed);
          for (const [pos, v] of flips) f[pos % f.length] = v;
          const caplen = cut % 3 === 0 ? cut % (f.length + 1) : f.length;
          decodeChecked(d, f.subarray(0, caplen), lt, f.length, ts);
        },
      ),
      { numRuns: 4000 },
    );
    // Held fragments stay within the caps whatever came in.
    expect(d.reassembler.heldBytes).toBeLessThanOrEqual(d.reassembler.maxBytes);
  });

  it('a decoder keeps no state from a bad frame into the next good one', () => {
    const d = new PacketDecoder(new AnomalyCounter());
    for (const [lt, seed] of SEEDS) decodeChecked(d, seed.subarray(0, 20), lt, seed.length, 1);
    const m = new PacketMeta();
    const f = eth(0x0800, V4);
    Object.assign(m, { buf: f, caplen: f.length, wirelen: f.length, linktype: 1 });
    expect(d.decode(m, 'x')).toBe(DecodeStatus.Ip);
    expect([m.vlan, m.innerVlan, m.tunnel, m.dstPort, m.payloadLen]).toEqual([-1, -1, 0, 80, 5]);
  });
});
