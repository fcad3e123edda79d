/**
 * The shard key: one key per unordered outer address pair, read through the link layers the
 * decoder knows, and no key (shard 0) for frames without an IP header.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { frameShardKey, internalV4Ranges, internalV4Test, lastFrame, shardOf } from '../../src/parallel/shard.js';
import { DEFAULT_INTERNAL_NETWORKS } from '../../src/detect/cidr.js';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { PacketMeta } from '../../src/core/packet.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { normalizeDetectConfig } from '../../src/detect/config.js';
import { shardOfAddress } from '../../src/detect/shard.js';
import { buildFrame } from '../../src/synth/packet-builder.js';
import { normalizeWorkerCount, MAX_WORKERS } from '../../src/parallel/worker-pool.js';

function ipv4(src: number[], dst: number[], proto = 6, extra = 20): number[] {
  const h = [0x45, 0, 0, 20 + extra, 0, 1, 0, 0, 64, proto, 0, 0, ...src, ...dst];
  return [...h, ...new Array(extra).fill(0)];
}
function ipv6(src: number[], dst: number[]): number[] {
  return [0x60, 0, 0, 0, 0, 20, 6, 64, ...src, ...dst, ...new Array(20).fill(0)];
}
function eth(type: number, payload: number[], tags: number[] = []): Uint8Array {
  const b = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  for (const t of tags) b.push(t >> 8, t & 0xff, 0, 10);
  // Each tag's inner type sits in its last two bytes: rewrite the chain.
  const out = [...b.slice(0, 12)];
  let next = tags.length > 0 ? tags[0] : type;
  out.push(next >> 8, next & 0xff);
  for (let i = 0; i < tags.length; i++) {
    next = i + 1 < tags.length ? tags[i + 1] : type;
    out.push(0, 10, next >> 8, next & 0xff);
  }
  return Uint8Array.from([...out, ...payload]);
}
const key = (lt: number, b: Uint8Array) => frameShardKey(lt, b, 0, b.length);

const A = [10, 0, 0, 1];
const B = [93, 184, 216, 34];
const A6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1];
const B6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 2];

describe('frameShardKey', () => {
  it('is the same in both directions (IPv4 and IPv6)', () => {
    expect(key(1, eth(0x0800, ipv4(A, B)))).toBe(key(1, eth(0x0800, ipv4(B, A))));
    expect(key(1, eth(0x86dd, ipv6(A6, B6)))).toBe(key(1, eth(0x86dd, ipv6(B6, A6))));
    expect(key(1, eth(0x0800, ipv4(A, B)))).toBeGreaterThanOrEqual(0);
  });

  it('differs between address pairs (otherwise sharding would not spread anything)', () => {
    const keys = new Set<number>();
    for (let i = 0; i < 64; i++) keys.add(shardOf(key(1, eth(0x0800, ipv4([10, 0, 0, i], B))), 4));
    expect(keys.size).toBe(4);
  });

  it('reads through 802.1Q and QinQ tags, raw IP, null/loopback, SLL and SLL2 to the same key', () => {
    const k = key(1, eth(0x0800, ipv4(A, B)));
    expect(key(1, eth(0x0800, ipv4(A, B), [0x8100]))).toBe(k);
    expect(key(1, eth(0x0800, ipv4(B, A), [0x88a8, 0x8100]))).toBe(k);
    expect(key(101, Uint8Array.from(ipv4(A, B)))).toBe(k);
    expect(key(228, Uint8Array.from(ipv4(B, A)))).toBe(k);
    expect(key(0, Uint8Array.from([2, 0, 0, 0, ...ipv4(A, B)]))).toBe(k);
    const sll = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
    expect(key(113, Uint8Array.from([...sll, ...ipv4(A, B)]))).toBe(k);
    const sll2 = [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0];
    expect(key(276, Uint8Array.from([...sll2, ...ipv4(A, B)]))).toBe(k);
    // MPLS: one label, bottom of stack.
    expect(key(1, eth(0x8847, [0, 0x10, 0x01, 64, ...ipv4(A, B)]))).toBe(k);
  });

  it('keys every fragment of a datagram and every packet of a tunnel by the outer pair', () => {
    const first = ipv4(A, B, 17);
    const later = ipv4(A, B, 17);
    later[6] = 0x00;
    later[7] = 0xb9; // fragment offset 185 * 8, no transport header
    expect(key(1, eth(0x0800, later))).toBe(key(1, eth(0x0800, first)));
    // GRE carrying another IPv4 pair: the outer pair decides.
    const inner = ipv4([192, 168, 1, 1], [192, 168, 1, 2]);
    const gre = [...ipv4(A, B, 47, 0).slice(0, 20), 0, 0, 0x08, 0x00, ...inner];
    expect(key(1, eth(0x0800, gre))).toBe(key(1, eth(0x0800, ipv4(B, A))));
  });

  it('gives no key (shard 0) to non-IP, unknown link types and cut headers', () => {
    expect(key(1, eth(0x0806, new Array(28).fill(0)))).toBe(-1);
    expect(key(147, Uint8Array.from(ipv4(A, B)))).toBe(-1);
    expect(key(1, eth(0x0800, ipv4(A, B)).subarray(0, 14 + 19))).toBe(-1);
    expect(key(1, Uint8Array.from([1, 2, 3]))).toBe(-1);
    expect(shardOf(-1, 4)).toBe(0);
  });

  it('agrees with frames from the packet builder, in both directions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xfffffffe }), fc.integer({ min: 1, max: 0xfffffffe }), fc.integer({ min: 1, max: 65535 }), (a, b, port) => {
        const ip = (x: number) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
        const f1 = buildFrame({ src: ip(a), dst: ip(b), proto: 17, sport: port, dport: 53, payload: Buffer.alloc(4), vlan: port % 2 ? 7 : undefined });
        const f2 = buildFrame({ src: ip(b), dst: ip(a), proto: 17, sport: 53, dport: port, payload: Buffer.alloc(4) });
        const k1 = key(1, f1);
        expect(k1).toBeGreaterThanOrEqual(0);
        expect(key(1, f2)).toBe(k1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('--workers values', () => {
  it('rejects what is not an integer from 1 to MAX_WORKERS, with the usage code', () => {
    for (const bad of [0, -1, 1.5, NaN, MAX_WORKERS + 1, '2' as unknown as number]) {
      expect(() => normalizeWorkerCount(bad)).toThrowError(expect.objectContaining({ code: 'ERR_USAGE' }));
    }
    expect(normalizeWorkerCount(1)).toBe(1);
  });
});

describe('frameShardKey with sharded detection (internal IPv4 hosts)', () => {
  const internal = internalV4Test(normalizeDetectConfig({}).internal);
  const ikey = (b: Uint8Array) => frameShardKey(1, b, 0, b.length, internal);
  it('keys internal <-> external frames by the internal host, as the detection shard of that address', () => {
    for (const n of [2, 3, 5, 8]) {
      for (const last of [1, 7, 42, 200]) {
        const host = [10, 1, 2, last];
        const k = ikey(eth(0x0800, ipv4(host, B)));
        expect(ikey(eth(0x0800, ipv4(B, host)))).toBe(k);
        expect(shardOf(k, n)).toBe(shardOfAddress(host.join('.'), n));
        // Any external peer: the same shard.
        expect(shardOf(ikey(eth(0x0800, ipv4(host, [8, 8, 4, 4]))), n)).toBe(shardOf(k, n));
      }
    }
  });
  it('keeps the symmetric pair key for internal <-> internal, external <-> external and IPv6', () => {
    expect(ikey(eth(0x0800, ipv4(A, [10, 9, 9, 9])))).toBe(key(1, eth(0x0800, ipv4(A, [10, 9, 9, 9]))));
    expect(ikey(eth(0x0800, ipv4(B, [8, 8, 8, 8])))).toBe(key(1, eth(0x0800, ipv4([8, 8, 8, 8], B))));
    expect(ikey(eth(0x86dd, ipv6(A6, B6)))).toBe(key(1, eth(0x86dd, ipv6(B6, A6))));
  });
});

describe('lastFrame.fragment (fragment ticks: which frames reach the reassembler)', () => {
  /** IPv4 header with flags/offset word `frag`, total length `total`, `ihl` words, then `data` bytes. */
  function v4frag(frag: number, data: number, total = 20 + data, ihl = 5): number[] {
    const h = [0x40 | ihl, 0, total >> 8, total & 0xff, 0x12, 0x34, frag >> 8, frag & 0xff, 64, 17, 0, 0, ...A, ...B];
    return [...h, ...new Array((ihl - 5) * 4 + data).fill(0)];
  }
  /** IPv6 with a hop-by-hop header (when `hbh`) then a fragment header with offset/M word `fo`. */
  function v6frag(fo: number, data: number, hbh: boolean): number[] {
    const ext: number[] = [];
    if (hbh) ext.push(44, 0, 1, 4, 0, 0, 0, 0);
    ext.push(17, 0, fo >> 8, fo & 0xff, 0, 0, 0, 9);
    const plen = ext.length + data;
    return [0x60, 0, 0, 0, plen >> 8, plen & 0xff, hbh ? 0 : 44, 64, ...A6, ...B6, ...ext, ...new Array(data).fill(0)];
  }
  const cases: { name: string; frame: Uint8Array; caplen?: number; wirelen?: number }[] = [
    { name: 'first IPv4 fragment (MF)', frame: eth(0x0800, v4frag(0x2000, 64)) },
    { name: 'last IPv4 fragment (offset)', frame: eth(0x0800, v4frag(0x0008, 64)) },
    { name: 'IPv4 not a fragment', frame: eth(0x0800, v4frag(0x4000, 64)) },
    { name: 'IPv4 fragment cut by the snap length', frame: eth(0x0800, v4frag(0x2000, 64)), caplen: 14 + 40, wirelen: 14 + 84 },
    { name: 'IPv4 fragment longer than the wire', frame: eth(0x0800, v4frag(0x2000, 64, 200)) },
    { name: 'IPv4 fragment with a header length below 20', frame: eth(0x0800, v4frag(0x2000, 64, 84, 4)) },
    { name: 'IPv4 fragment with options', frame: eth(0x0800, v4frag(0x2008, 64, 88, 6)) },
    { name: 'IPv6 fragment header first', frame: eth(0x86dd, v6frag(0x0001, 64, false)) },
    { name: 'IPv6 fragment header after hop-by-hop', frame: eth(0x86dd, v6frag(0x0010, 64, true)) },
    { name: 'IPv6 atomic fragment (offset 0, M clear)', frame: eth(0x86dd, v6frag(0x0000, 64, false)) },
    { name: 'IPv6 fragment cut by the snap length', frame: eth(0x86dd, v6frag(0x0001, 64, false)), caplen: 14 + 60, wirelen: 14 + 120 },
  ];
  for (const c of cases) {
    it(`agrees with the decoder: ${c.name}`, () => {
      const decoder = new PacketDecoder(new AnomalyCounter());
      let adds = 0;
      const r = decoder.reassembler;
      const add = r.add.bind(r);
      r.add = ((...args: Parameters<typeof add>) => {
        adds++;
        return add(...args);
      }) as typeof r.add;
      const caplen = c.caplen ?? c.frame.length;
      const wirelen = c.wirelen ?? c.frame.length;
      const meta = new PacketMeta();
      meta.buf = Buffer.from(c.frame.subarray(0, caplen));
      meta.frameOff = 0;
      meta.caplen = caplen;
      meta.wirelen = wirelen;
      meta.linktype = 1;
      decoder.decode(meta, 'frames.pcap');
      expect(frameShardKey(1, Buffer.from(c.frame.subarray(0, caplen)), 0, caplen, undefined, wirelen)).toBeGreaterThanOrEqual(0);
      expect(lastFrame.fragment).toBe(adds === 1);
    });
  }
  it('marks fragments that reach the reassembler (checked: the cases above include both)', () => {
    frameShardKey(1, cases[0].frame, 0, cases[0].frame.length);
    expect(lastFrame.fragment).toBe(true);
    frameShardKey(1, cases[2].frame, 0, cases[2].frame.length);
    expect(lastFrame.fragment).toBe(false);
  });
});

describe('internalV4Ranges', () => {
  const lists: (readonly string[])[] = [
    DEFAULT_INTERNAL_NETWORKS,
    ['10.0.0.0/8', '192.0.2.7', '198.51.100.0/25', '0.0.0.0/0', 'fd00::/8'],
    ['203.0.113.128/26', '::ffff:0:0/96', '172.20.0.0/14'],
  ];
  it('answers as the detection config\'s CidrSet for every IPv4 address tried', () => {
    for (const list of lists) {
      const ranges = internalV4Ranges(list);
      const cached = internalV4Test(normalizeDetectConfig({ internalNetworks: [...list] }).internal);
      const edges = [0, 0xffffffff, 0x0a000000, 0x0affffff, 0x09ffffff, 0x0b000000, 0xac100000, 0xac1fffff, 0xac200000, 0xc0000207, 0xc0000208, 0xc6336480, 0xcb007180, 0xcb0071bf, 0xcb0071c0];
      for (const a of edges) expect(ranges(a), `${list.join(',')} ${a.toString(16)}`).toBe(cached(a));
      fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (a) => ranges(a) === cached(a)), { numRuns: 2000 });
    }
  });
  it('tells internal from external with the default networks', () => {
    const r = internalV4Ranges(DEFAULT_INTERNAL_NETWORKS);
    expect(r(0x0a010203)).toBe(true); // 10.1.2.3
    expect(r(0xc0a80101)).toBe(true); // 192.168.1.1
    expect(r(0x08080808)).toBe(false); // 8.8.8.8
    expect(r(0x5db8d822)).toBe(false); // 93.184.216.34
  });
});
