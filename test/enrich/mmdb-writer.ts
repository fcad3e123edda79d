/**
 * A minimal MaxMind DB (.mmdb) writer for tests, following the MaxMind DB File Format
 * Specification 2.0 (https://maxmind.github.io/MaxMind-DB/): a binary search tree of 24-bit
 * records, a 16-byte zero separator, the data section, then "\xAB\xCD\xEFMaxMind.com" and the
 * metadata map. It writes IPv4 (ip_version 4) or IPv6 trees with IPv4 networks at ::a.b.c.d,
 * which is how GeoLite2 stores them. Enough to give GeoEnricher real City/ASN-shaped files.
 */
import { parseIp } from '../../src/core/ip.js';

type Value = string | number | boolean | bigint | Value[] | { [k: string]: Value } | { uint16: number } | { double: number };

function ctrl(type: number, size: number): Buffer {
  const ext = type > 7;
  const head: number[] = [];
  let sizeBytes: number[] = [];
  let s = size;
  let sizeBits: number;
  if (s < 29) sizeBits = s;
  else if (s < 285) {
    sizeBits = 29;
    sizeBytes = [s - 29];
  } else if (s < 65821) {
    sizeBits = 30;
    s -= 285;
    sizeBytes = [s >> 8, s & 255];
  } else {
    sizeBits = 31;
    s -= 65821;
    sizeBytes = [(s >> 16) & 255, (s >> 8) & 255, s & 255];
  }
  head.push(((ext ? 0 : type) << 5) | sizeBits);
  if (ext) head.push(type - 7);
  return Buffer.from([...head, ...sizeBytes]);
}

function uintBytes(v: bigint): number[] {
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 255n));
    v >>= 8n;
  }
  return out;
}

export function encode(v: Value): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([ctrl(2, b.length), b]);
  }
  if (typeof v === 'boolean') return ctrl(14, v ? 1 : 0);
  if (typeof v === 'bigint') {
    const b = uintBytes(v);
    return Buffer.concat([ctrl(9, b.length), Buffer.from(b)]);
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error('numbers: uint32 only (use {double})');
    const b = uintBytes(BigInt(v));
    return Buffer.concat([ctrl(6, b.length), Buffer.from(b)]);
  }
  if (Array.isArray(v)) return Buffer.concat([ctrl(11, v.length), ...v.map(encode)]);
  if ('uint16' in v && Object.keys(v).length === 1) {
    const b = uintBytes(BigInt(v.uint16 as number));
    return Buffer.concat([ctrl(5, b.length), Buffer.from(b)]);
  }
  if ('double' in v && Object.keys(v).length === 1) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v.double as number);
    return Buffer.concat([ctrl(3, 8), b]);
  }
  const entries = Object.entries(v as Record<string, Value>);
  return Buffer.concat([ctrl(7, entries.length), ...entries.flatMap(([k, x]) => [encode(k), encode(x)])]);
}

interface Trie {
  children: [Trie | null, Trie | null];
  data: number | null;
}

/**
 * Build an .mmdb file.
 * @param networks `[cidr, record]`, IPv4 or IPv6 CIDRs
 */
export function buildMmdb(opts: { databaseType: string; ipVersion: 4 | 6; networks: [string, Value][]; buildEpoch?: number }): Buffer {
  const records: Buffer[] = [];
  const offsets: number[] = [];
  let dataLen = 0;
  for (const [, rec] of opts.networks) {
    const b = encode(rec);
    offsets.push(dataLen);
    records.push(b);
    dataLen += b.length;
  }
  const root: Trie = { children: [null, null], data: null };
  opts.networks.forEach(([cidr], idx) => {
    const [addr, lenText] = cidr.split('/');
    let bytes = parseIp(addr)!;
    let len = Number(lenText);
    if (opts.ipVersion === 6 && bytes.length === 4) {
      const b = new Uint8Array(16);
      b.set(bytes, 12);
      bytes = b;
      len += 96;
    }
    let node = root;
    for (let i = 0; i < len; i++) {
      const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
      if (i === len - 1) {
        node.children[bit] = { children: [null, null], data: idx };
      } else {
        node.children[bit] ??= { children: [null, null], data: null };
        node = node.children[bit]!;
      }
    }
  });
  // Number the inner nodes breadth-first.
  const nodes: Trie[] = [];
  const queue: Trie[] = [root];
  while (queue.length) {
    const n = queue.shift()!;
    nodes.push(n);
    for (const c of n.children) if (c && c.data === null) queue.push(c);
  }
  const index = new Map(nodes.map((n, i) => [n, i]));
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((n, i) => {
    n.children.forEach((c, side) => {
      let v: number;
      if (!c) v = nodeCount;
      else if (c.data !== null) v = nodeCount + 16 + offsets[c.data];
      else v = index.get(c)!;
      const o = i * 6 + side * 3;
      tree[o] = (v >> 16) & 255;
      tree[o + 1] = (v >> 8) & 255;
      tree[o + 2] = v & 255;
    });
  });
  const meta = encode({
    node_count: nodeCount,
    record_size: { uint16: 24 },
    ip_version: { uint16: opts.ipVersion },
    database_type: opts.databaseType,
    languages: ['en'],
    binary_format_major_version: { uint16: 2 },
    binary_format_minor_version: { uint16: 0 },
    build_epoch: BigInt(opts.buildEpoch ?? 1_700_000_000),
    description: { en: `test ${opts.databaseType}` },
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...records, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), meta]);
}
