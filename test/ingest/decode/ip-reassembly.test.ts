/**
 * IP fragment reassembly (ip-reassembly.ts), IPv4 and IPv6, with Zeek's weird names for
 * overlaps and odd sizes, and the three caps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { DecodeStatus, TunnelType, type PacketMeta } from '../../../src/core/packet.js';
import { PacketDecoder } from '../../../src/ingest/decode/packet-decoder.js';
import { eth, ext6, frag6, gre, ipv4, ipv6, udp } from './frames.js';
import { frameMeta, snapshot } from './helpers.js';

// A UDP datagram 10.1.1.1:1111 -> 10.2.2.2:2222 with 200 payload bytes (208 bytes of IP payload).
const PAYLOAD = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff));
const UDP_DGRAM = udp(1111, 2222, PAYLOAD);

/** IPv4 fragment `[off, off+len)` of UDP_DGRAM (or of `data`). */
function frag4(off: number, len: number, more: boolean, extra: Partial<Parameters<typeof ipv4>[0]> = {}, data = UDP_DGRAM): Buffer {
  return eth(0x0800, ipv4({ proto: 17, src: '10.1.1.1', dst: '10.2.2.2', id: 77, fragOffset: off, mf: more, ...extra }, data.subarray(off, off + len)));
}

function run(frames: Buffer[], opts?: ConstructorParameters<typeof PacketDecoder>[1], times?: number[]) {
  const anomalies = new AnomalyCounter();
  const decoder = new PacketDecoder(anomalies, opts);
  const statuses: DecodeStatus[] = [];
  let last: PacketMeta | undefined;
  frames.forEach((f, i) => {
    const m = frameMeta(f, 1, f.length, times?.[i] ?? 1);
    statuses.push(decoder.decode(m, 'frag.pcap'));
    last = m;
  });
  return { statuses, meta: last!, anomalies: anomalies.toJSON(), decoder, counter: anomalies };
}

const { Ip, Fragment, Anomaly } = { Ip: DecodeStatus.Ip, Fragment: DecodeStatus.Fragment, Anomaly: DecodeStatus.Anomaly };

describe('IPv4 reassembly', () => {
  it('reassembles in order: fragments are held, the last one gives the datagram', () => {
    const r = run([frag4(0, 80, true), frag4(80, 80, true), frag4(160, 48, false)]);
    expect(r.statuses).toEqual([Fragment, Fragment, Ip]);
    const p = snapshot(r.meta, Ip);
    expect(p).toMatchObject({ src: '10.1.1.1', dst: '10.2.2.2', proto: 17, srcPort: 1111, dstPort: 2222, ipLen: 228, payloadLen: 200, payloadWireLen: 200 });
    expect(p.payload.equals(PAYLOAD)).toBe(true);
    expect(r.meta).toMatchObject({ fragOffset: 0, moreFragments: false, caplen: 228, wirelen: 228 });
    expect(r.meta.buf.subarray(r.meta.frameOff, r.meta.frameOff + r.meta.caplen).length).toBe(228);
    expect(r.meta.frameOff).toBe(r.meta.ipOff);
    expect(r.anomalies).toEqual({});
    expect(r.decoder.reassembler.heldDatagrams).toBe(0);
    expect(r.decoder.reassembler.heldBytes).toBe(0);
    expect([r.decoder.reassembler.reassembledDatagrams, r.decoder.reassembler.droppedDatagrams]).toEqual([1, 0]);
  });

  it('reassembles out of order', () => {
    const r = run([frag4(160, 48, false), frag4(0, 80, true), frag4(80, 80, true)]);
    expect(r.statuses).toEqual([Fragment, Fragment, Ip]);
    expect(snapshot(r.meta, Ip).payload.equals(PAYLOAD)).toBe(true);
  });

  it('keeps datagrams apart by id and counts an identical overlap as fragment_overlap', () => {
    const other = (off: number, len: number, more: boolean) => frag4(off, len, more, { id: 78 });
    const r = run([frag4(0, 120, true), other(0, 80, true), frag4(80, 128, false), other(80, 128, false)]);
    expect(r.statuses).toEqual([Fragment, Fragment, Ip, Ip]);
    expect(r.anomalies).toEqual({ fragment_overlap: 1 });
    expect(snapshot(r.meta, Ip).payload.equals(PAYLOAD)).toBe(true);
  });

  it('counts differing overlapping bytes as fragment_inconsistency and keeps the first bytes (Zeek)', () => {
    const forged = Buffer.from(UDP_DGRAM);
    forged.fill(0x41, 80, 120);
    const r = run([frag4(0, 120, true), frag4(80, 128, false, {}, forged)]);
    expect(r.statuses).toEqual([Fragment, Ip]);
    expect(r.anomalies).toEqual({ fragment_inconsistency: 1 });
    expect(snapshot(r.meta, Ip).payload.equals(PAYLOAD)).toBe(true);
  });

  it('counts fragment_with_DF, excessively_small_fragment and fragment_size_inconsistency', () => {
    const df = run([frag4(0, 104, true, { df: true }), frag4(104, 104, false, { df: true })]);
    expect(df.statuses).toEqual([Fragment, Ip]);
    expect(df.anomalies).toEqual({ fragment_with_DF: 2 });
    const small = run([frag4(0, 8, true), frag4(8, 200, false)]);
    expect(small.statuses).toEqual([Fragment, Ip]);
    expect(small.anomalies).toEqual({ excessively_small_fragment: 1 });
    // Two "last" fragments that disagree on the end.
    const size = run([frag4(80, 80, false), frag4(160, 48, false), frag4(0, 80, true)]);
    expect(size.anomalies.fragment_size_inconsistency).toBeGreaterThanOrEqual(1);
    expect(size.statuses[2]).toBe(Ip);
  });

  it('drops a fragment that would make a datagram longer than 65535 bytes', () => {
    const big = eth(0x0800, ipv4({ proto: 17, id: 9, fragOffset: 65528, mf: false }, Buffer.alloc(100)));
    const r = run([big]);
    expect(r.statuses).toEqual([Anomaly]);
    expect(r.anomalies).toEqual({ excessively_large_fragment: 1 });
  });

  it('keeps an incompletely captured first fragment (its headers) and drops a later one', () => {
    const first = frag4(0, 104, true);
    const a = new AnomalyCounter();
    const d = new PacketDecoder(a);
    const m = frameMeta(first.subarray(0, 14 + 20 + 8 + 10), 1, first.length);
    expect(d.decode(m, 'x')).toBe(Ip);
    expect(snapshot(m, Ip)).toMatchObject({ srcPort: 1111, dstPort: 2222, payloadLen: 10, payloadWireLen: 96 });
    const later = frag4(104, 104, false);
    const m2 = frameMeta(later.subarray(0, 40), 1, later.length);
    expect(d.decode(m2, 'x')).toBe(Anomaly);
    expect(a.toJSON()).toEqual({ incompletely_captured_fragment: 2 });
    expect(d.reassembler.heldDatagrams).toBe(0);
  });

  it('reassembles a tunnelled datagram and keeps the outer addresses readable', () => {
    const inGre = (off: number, len: number, more: boolean) =>
      eth(0x0800, ipv4({ proto: 47, src: '203.0.113.1', dst: '203.0.113.2' }, Buffer.concat([gre(0, 0x0800), frag4(off, len, more).subarray(14)])));
    const r = run([inGre(0, 104, true), inGre(104, 104, false)]);
    expect(r.statuses).toEqual([Fragment, Ip]);
    expect(snapshot(r.meta, Ip)).toMatchObject({
      src: '10.1.1.1', dstPort: 2222, payloadLen: 200, tunnel: TunnelType.Gre, outerSrc: '203.0.113.1', outerDst: '203.0.113.2', outerProto: 47,
    });
  });
});

describe('IPv6 reassembly', () => {
  const frag6Frame = (off: number, len: number, more: boolean, id = 0x01020304) =>
    eth(0x86dd, ipv6({ nh: 60, src: '2001:db8::a', dst: '2001:db8::b' }, Buffer.concat([ext6(44, 0), frag6(17, off, more, id), UDP_DGRAM.subarray(off, off + len)])));

  it('reassembles behind a destination-options header and restores the header chain', () => {
    const r = run([frag6Frame(104, 104, false), frag6Frame(0, 104, true)]);
    expect(r.statuses).toEqual([Fragment, Ip]);
    const p = snapshot(r.meta, Ip);
    expect(p).toMatchObject({ ipVersion: 6, src: '2001:db8::a', proto: 17, srcPort: 1111, dstPort: 2222, ipId: 0x01020304, ipLen: 40 + 8 + 208 });
    expect(r.meta).toMatchObject({ fragOffset: 0, moreFragments: false });
    expect(p.payload.equals(PAYLOAD)).toBe(true);
    // The destination options header now names UDP directly; the fragment header is gone.
    expect(r.meta.buf[r.meta.ipOff + 40]).toBe(17);
    expect(r.meta.ipHdrLen).toBe(48);
  });

  it('keys datagrams by identification', () => {
    const r = run([frag6Frame(0, 104, true, 1), frag6Frame(104, 104, false, 2)]);
    expect(r.statuses).toEqual([Fragment, Fragment]);
    expect(r.decoder.reassembler.heldDatagrams).toBe(2);
  });
});

describe('reassembly caps', () => {
  it('drops a datagram older than the timeout (packet time), counting fragment_reassembly_timeout', () => {
    const r = run([frag4(0, 104, true), frag4(104, 104, false)], { fragmentTimeout: 30 }, [100, 131]);
    expect(r.statuses).toEqual([Fragment, Fragment]);
    expect(r.anomalies).toEqual({ fragment_reassembly_timeout: 1 });
    expect(r.decoder.reassembler.heldDatagrams).toBe(1);
    const inTime = run([frag4(0, 104, true), frag4(104, 104, false)], { fragmentTimeout: 30 }, [100, 129]);
    expect(inTime.statuses).toEqual([Fragment, Ip]);
  });

  it('caps the datagrams held, dropping the oldest (fragment_datagrams_cap_reached)', () => {
    const firsts = [1, 2, 3].map((id) => frag4(0, 104, true, { id }));
    const r = run([...firsts, frag4(104, 104, false, { id: 1 }), frag4(104, 104, false, { id: 3 })], { maxFragmentDatagrams: 2 });
    expect(r.anomalies).toEqual({ fragment_datagrams_cap_reached: 2 });
    expect([r.decoder.reassembler.reassembledDatagrams, r.decoder.reassembler.droppedDatagrams]).toEqual([1, 2]);
    // id 1 was dropped for id 3, and id 2 for the new entry the late id-1 fragment opened.
    expect(r.statuses).toEqual([Fragment, Fragment, Fragment, Fragment, Ip]);
    expect(r.decoder.reassembler.heldDatagrams).toBe(1);
  });

  it('caps the bytes held, dropping the oldest (fragment_bytes_cap_reached)', () => {
    const big = Buffer.alloc(60000, 1);
    const first = (id: number) => eth(0x0800, ipv4({ proto: 17, id, mf: true }, big));
    const r = run([first(1), first(2), first(3)], { maxFragmentBytes: 2 * (65535 + 64) });
    expect(r.statuses).toEqual([Fragment, Fragment, Fragment]);
    expect(r.anomalies).toEqual({ fragment_bytes_cap_reached: 1 });
    expect(r.decoder.reassembler.heldBytes).toBeLessThanOrEqual(2 * (65535 + 64));
    expect(r.decoder.reassembler.heldDatagrams).toBe(2);
  });

  it('counts the datagrams still incomplete at the end of the input (flush)', () => {
    const r = run([frag4(0, 104, true), frag4(0, 104, true, { id: 5 }), frag4(104, 104, false, { id: 5 })]);
    expect(r.statuses).toEqual([Fragment, Fragment, Ip]);
    expect(r.decoder.flush('frag.pcap')).toBe(1);
    expect(r.decoder.reassembler.droppedDatagrams).toBe(1);
    expect(r.decoder.reassembler.heldDatagrams).toBe(0);
    expect(r.decoder.reassembler.heldBytes).toBe(0);
    expect(r.decoder.flush('frag.pcap')).toBe(0);
    expect(r.counter.toJSON()).toEqual({ fragment_incomplete_at_end: 1 });
  });

  it('rejects unusable options at construction with ERR_CONFIG', () => {
    const a = new AnomalyCounter();
    expect(() => new PacketDecoder(a, { maxFragmentBytes: 1000 })).toThrow(/maxFragmentBytes/);
    expect(() => new PacketDecoder(a, { maxFragmentDatagrams: 0 })).toThrowError(expect.objectContaining({ code: 'ERR_CONFIG' }));
    expect(() => new PacketDecoder(a, { fragmentTimeout: -1 })).toThrow(/fragmentTimeout/);
  });
});

describe('reassembly property: any split, any order, duplicates', () => {
  it('gives back the exact datagram, once, for IPv4 and IPv6', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.nat(),
        (size, cuts, v6, dups, seed) => {
          const body = Buffer.alloc(size);
          for (let i = 0; i < size; i++) body[i] = (i * 31 + seed) & 0xff;
          const dgram = udp(4000, 5000, body);
          // Fragment boundaries at multiples of 8.
          const pieces: [number, number][] = [];
          let off = 0;
          for (const c of cuts) {
            if (off >= dgram.length) break;
            const len = Math.min(c * 8, dgram.length - off);
            pieces.push([off, len]);
            off += len;
          }
          if (off < dgram.length) pieces.push([off, dgram.length - off]);
          const frame = ([o, l]: [number, number]) => {
            const more = o + l < dgram.length;
            return v6
              ? eth(0x86dd, ipv6({ nh: 44 }, Buffer.concat([frag6(17, o, more, 99), dgram.subarray(o, o + l)])))
              : eth(0x0800, ipv4({ proto: 17, id: 99, fragOffset: o, mf: more }, dgram.subarray(o, o + l)));
          };
          // A deterministic shuffle, then duplicates of some pieces placed before the last piece.
          const order = pieces.map((p, i) => ({ p, k: (i * 7919 + seed) % 1009 })).sort((a, b) => a.k - b.k).map((x) => x.p);
          const last = order.pop()!;
          for (const d of dups) if (order.length) order.splice(d % (order.length + 1), 0, order[d % order.length]);
          order.push(last);
          const r = run(order.map(frame));
          const ips = r.statuses.filter((s) => s === Ip).length;
          if (pieces.length === 1) {
            expect(r.statuses).toEqual([Ip]);
          } else {
            expect(ips).toBe(1);
            expect(r.statuses[r.statuses.length - 1]).toBe(Ip);
          }
          const p = snapshot(r.meta, Ip);
          expect(p.payload.equals(body)).toBe(true);
          expect(p.payloadWireLen).toBe(size);
          expect(r.anomalies.fragment_inconsistency).toBeUndefined();
          expect(r.decoder.reassembler.heldDatagrams).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
