/**
 * Hand-built classic pcap and pcapng bytes for the reader's unit tests, in either byte
 * order, so each test states exactly the header fields it exercises.
 */

export interface PcapOptions {
  bigEndian?: boolean;
  nanosecond?: boolean;
  versionMajor?: number;
  versionMinor?: number;
  snaplen?: number;
  /** The full 32-bit link-type field (LINKTYPE in the low 16 bits). */
  linktype?: number;
  /** Kuznetzov-patched format: magic a1b2cd34, 24-byte record headers. */
  patched?: boolean;
}

export interface PcapRecord {
  tsSec: number;
  /** Sub-second field as stored (us or ns, per the file). */
  frac: number;
  data: Buffer;
  /** Stored caplen; defaults to data.length. */
  caplen?: number;
  wirelen?: number;
}

function u16(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (be) b.writeUInt16BE(v);
  else b.writeUInt16LE(v);
  return b;
}

function u32(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (be) b.writeUInt32BE(v >>> 0);
  else b.writeUInt32LE(v >>> 0);
  return b;
}

export function pcapHeader(o: PcapOptions = {}): Buffer {
  const be = o.bigEndian ?? false;
  return Buffer.concat([
    u32(o.patched ? 0xa1b2cd34 : o.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, be),
    u16(o.versionMajor ?? 2, be),
    u16(o.versionMinor ?? 4, be),
    u32(0, be),
    u32(0, be),
    u32(o.snaplen ?? 65535, be),
    u32(o.linktype ?? 1, be),
  ]);
}

export function pcapRecord(r: PcapRecord, o: PcapOptions = {}): Buffer {
  const be = o.bigEndian ?? false;
  return Buffer.concat([
    u32(r.tsSec, be),
    u32(r.frac, be),
    u32(r.caplen ?? r.data.length, be),
    u32(r.wirelen ?? r.data.length, be),
    // Patched format: ifindex, protocol, pkt_type, pad.
    ...(o.patched ? [Buffer.from([0, 0, 0, 2, 0x08, 0x00, 0, 0])] : []),
    r.data,
  ]);
}

export function pcapFile(records: PcapRecord[], o: PcapOptions = {}): Buffer {
  return Buffer.concat([pcapHeader(o), ...records.map((r) => pcapRecord(r, o))]);
}

/** A frame of `len` bytes whose content identifies it (first byte = tag). */
export function frame(tag: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (tag + i) & 0xff;
  return b;
}

// ---- pcapng ----

function pad4(b: Buffer): Buffer {
  const p = (4 - (b.length % 4)) % 4;
  return p === 0 ? b : Buffer.concat([b, Buffer.alloc(p)]);
}

/** A block with the given body; `badTrailer` overrides the trailing length. */
export function ngBlock(type: number, body: Buffer, be = false, badTrailer?: number): Buffer {
  const b = pad4(body);
  const len = 12 + b.length;
  return Buffer.concat([u32(type, be), u32(len, be), b, u32(badTrailer ?? len, be)]);
}

export function ngOption(code: number, value: Buffer, be = false): Buffer {
  return Buffer.concat([u16(code, be), u16(value.length, be), pad4(value)]);
}

export function ngShb(be = false, major = 1, minor = 0, options: Buffer[] = []): Buffer {
  const body = Buffer.concat([
    u32(0x1a2b3c4d, be),
    u16(major, be),
    u16(minor, be),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ...options,
    ...(options.length ? [Buffer.alloc(4)] : []),
  ]);
  return ngBlock(0x0a0d0d0a, body, be);
}

export interface IdbOptions {
  /** Raw if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset, seconds. */
  tsoffset?: bigint;
}

export function ngIdb(linktype: number, snaplen: number, be = false, o: IdbOptions = {}): Buffer {
  const opts: Buffer[] = [];
  if (o.tsresol !== undefined) opts.push(ngOption(9, Buffer.from([o.tsresol]), be));
  if (o.tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (be) v.writeBigInt64BE(o.tsoffset);
    else v.writeBigInt64LE(o.tsoffset);
    opts.push(ngOption(14, v, be));
  }
  if (opts.length) opts.push(Buffer.alloc(4));
  return ngBlock(1, Buffer.concat([u16(linktype, be), u16(0, be), u32(snaplen, be), ...opts]), be);
}

/** EPB with a 64-bit timestamp in the interface's units. */
export function ngEpb(ifIndex: number, ts: bigint, data: Buffer, be = false, caplen?: number, wirelen?: number): Buffer {
  const hi = Number(ts >> 32n);
  const lo = Number(ts & 0xffffffffn);
  return ngBlock(
    6,
    Buffer.concat([u32(ifIndex, be), u32(hi, be), u32(lo, be), u32(caplen ?? data.length, be), u32(wirelen ?? data.length, be), data]),
    be,
  );
}

export function ngSpb(wirelen: number, data: Buffer, be = false): Buffer {
  return ngBlock(3, Buffer.concat([u32(wirelen, be), data]), be);
}

/** Obsolete Packet Block: 16-bit interface id and drops count. */
export function ngOpb(ifIndex: number, ts: bigint, data: Buffer, be = false): Buffer {
  const hi = Number(ts >> 32n);
  const lo = Number(ts & 0xffffffffn);
  return ngBlock(
    2,
    Buffer.concat([u16(ifIndex, be), u16(0, be), u32(hi, be), u32(lo, be), u32(data.length, be), u32(data.length, be), data]),
    be,
  );
}
