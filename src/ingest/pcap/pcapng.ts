/**
 * pcapng reader core (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/).
 *
 * Every block has the same frame:
 *
 *    0                   1                   2                   3
 *   +---------------------------------------------------------------+
 *  0|                          Block Type                           |
 *  4|                      Block Total Length                       |
 *  8/                          Block Body                           /
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 *
 * Blocks read here:
 *   SHB 0x0A0D0D0A  byte-order magic 0x1A2B3C4D, version 1.0 (or 1.2), section length;
 *                   starts a section with its own byte order and its own interfaces
 *   IDB 0x00000001  link type, snaplen, options if_tsresol (9) and if_tsoffset (14)
 *   EPB 0x00000006  interface id, 64-bit timestamp, captured and original length, data
 *   SPB 0x00000003  original length, data: interface 0, no timestamp
 *   OPB 0x00000002  (obsolete Packet Block) 16-bit interface id, drops, timestamp, lengths, data
 * Every other block (NRB, ISB, DSB, custom...) is skipped by its length without being
 * buffered, and its trailer is still checked.
 *
 * Differences from libpcap, which refuses files that Wireshark reads: sections may change
 * byte order and interfaces may have different link types and snaplens (the
 * pcapng-test-generator "difficult" files need both), as in Wireshark.
 */
import { ErrorCodes } from '../../core/errors.js';
import { HINT_BATCH, PacketHints, peekFrame, type PacketPrefetcher } from '../decode/packet-hints.js';
import { ChunkToucher, FrameParser, type ContainerInfo, type FrameParserContext } from './frame-parser.js';
import {
  MAX_PCAPNG_INTERFACES,
  MAX_PCAPNG_METADATA_BLOCK_LEN,
  MAX_PCAPNG_PACKET_BLOCK_LEN,
  MAX_PCAPNG_SKIPPED_BLOCK_LEN,
  MAX_RECORD_LEN,
  ReaderAnomaly,
} from './limits.js';

/** Block types (numbers from the pcapng specification). */
export const enum BlockType {
  Opb = 0x00000002,
  Idb = 0x00000001,
  Spb = 0x00000003,
  Nrb = 0x00000004,
  Isb = 0x00000005,
  Epb = 0x00000006,
  Dsb = 0x0000000a,
  Shb = 0x0a0d0d0a,
}

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const SHB_MIN_LEN = 28;
const IDB_MIN_LEN = 20;
const EPB_MIN_LEN = 32;
const SPB_MIN_LEN = 16;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Parser states between blocks. */
const enum State {
  /** At a block boundary. */
  Block = 0,
  /** Skipping the body of a block we do not read. */
  Skip = 1,
  /** Expecting the trailing length of a skipped block. */
  Trailer = 2,
}

/** One interface of the current section. */
interface Iface {
  linktype: number;
  snaplen: number;
  /**
   * Timestamp units per second when it is 10^k with k <= 9 (the fast path: 1e6 by default),
   * else 0 and `unitsBig` holds it.
   */
  units: number;
  /** Multiplier from a remainder in `units` to nanoseconds (10^(9-k)). */
  nsMul: number;
  unitsBig: bigint;
  /** if_tsoffset, seconds added to every timestamp. */
  offsetSec: number;
}

type U16Reader = (b: Buffer, o: number) => number;
type U32Reader = (b: Buffer, o: number) => number;
// Byte arithmetic rather than Buffer#readUInt32LE, so V8 can inline the reads (see classic.ts).
const r16le: U16Reader = (b, o) => b[o] | (b[o + 1] << 8);
const r16be: U16Reader = (b, o) => (b[o] << 8) | b[o + 1];
const r32le: U32Reader = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const r32be: U32Reader = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

const TWO32 = 4294967296;

export class PcapngParser extends FrameParser {
  /** Sections (SHBs) seen. */
  sections = 0;
  /** Blocks seen per type name (SHB, IDB, EPB, SPB, OPB, NRB, ISB, DSB, CB, DCB, other). */
  get blockCounts(): Record<string, number> {
    const out: Record<string, number> = { ...this.otherBlocks };
    if (this.epbs) out.EPB = this.epbs;
    return out;
  }
  /** EPBs counted in a number: the per-packet path does no string-keyed update. */
  private epbs = 0;
  private readonly otherBlocks: Record<string, number> = {};

  /** Interfaces (IDBs) seen in all sections. */
  interfaces = 0;
  private sawLe = false;
  private sawBe = false;
  private firstVersion = '';
  private state: State = State.Block;
  private skipLeft = 0;
  private expectTrailer = 0;
  private blockStart = 0;
  private le = true;
  private r16: U16Reader = r16le;
  private r32: U32Reader = r32le;
  private ifaces: Iface[] = [];
  private readonly scratch = Buffer.alloc(32);

  constructor(ctx: FrameParserContext) {
    super(ctx);
  }

  describe(): ContainerInfo | undefined {
    if (this.sections === 0) return undefined;
    return {
      byteOrder: this.sawBe && this.sawLe ? 'BE/LE' : this.sawLe ? 'LE' : 'BE',
      version: this.firstVersion,
      sections: this.sections,
      interfaces: this.interfaces,
      blocks: this.blockCounts,
    };
  }

  protected finish(): void {
    const q = this.q;
    if (this.state === State.Skip || this.state === State.Trailer) {
      const need = this.state === State.Skip ? this.skipLeft + 4 : 4;
      this.failTruncated('a block', need, this.blockStart);
      return;
    }
    if (this.sections === 0) {
      this.failTruncated('the Section Header Block', SHB_MIN_LEN, 0);
      return;
    }
    if (q.length === 0) return;
    if (q.length < 8) {
      this.failTruncated('a block header', 8, q.consumed);
      return;
    }
    q.peekInto(this.scratch, 8);
    const type = this.r32(this.scratch, 0);
    const len = type === BlockType.Shb ? 0 : this.r32(this.scratch, 4);
    this.failTruncated('a block', len > 0 ? len : 12, q.consumed);
  }

  protected parse(): void {
    const q = this.q;
    // Lookahead (decode/packet-hints.ts): every `ahead` blocks, the flow fields of the EPBs among
    // the next whole blocks of the head chunk go to the prefetcher first.
    const prefetch = this.ctx.prefetch;
    let ahead = 0;
    for (;;) {
      if (this.state === State.Skip) {
        const k = this.skipLeft < q.length ? this.skipLeft : q.length;
        q.skip(k);
        this.skipLeft -= k;
        if (this.skipLeft > 0) return;
        this.state = State.Trailer;
      }
      if (this.state === State.Trailer) {
        if (q.length < 4) return;
        const b = this.header(4);
        const trailer = this.r32(b, this.hOff);
        q.skip(4);
        this.state = State.Block;
        if (trailer !== this.expectTrailer) {
          this.badTrailer(this.expectTrailer, trailer);
          return;
        }
      }
      if (q.length < 8) return;
      if (prefetch !== undefined && --ahead < 0) ahead = this.lookahead(prefetch) - 1;
      if (!this.block()) return;
    }
  }

  /** Lookahead hints for ctx.prefetch (made on first use). */
  private hints: PacketHints | null = null;
  /** lookahead(): touches the head chunk ahead of the records it walks. */
  private readonly toucher = new ChunkToucher();

  /**
   * Peeks the flow fields of the EPBs among up to HINT_BATCH whole blocks at the front of the
   * head chunk (stopping at a section header, which may change the byte order) and hands them
   * to `prefetch`. Reads only; the blocks are parsed as usual.
   * @returns the blocks looked at (at least 1, so the caller moves on)
   */
  private lookahead(prefetch: PacketPrefetcher): number {
    const q = this.q;
    const b = q.head;
    const lim = b.length;
    const r32 = this.r32;
    const hints = (this.hints ??= new PacketHints());
    hints.buf = b;
    hints.n = 0;
    let o = q.headOffset;
    // One load per cache line ahead first (ChunkToucher), so the walk below does not wait on
    // memory once per record.
    this.toucher.touch(b, o, lim);
    let k = 0;
    while (k < HINT_BATCH && o + 8 <= lim) {
      const type = r32(b, o);
      const len = r32(b, o + 4);
      if (type === BlockType.Shb || len < 12 || len > lim - o) break;
      if (type === BlockType.Epb && len >= EPB_MIN_LEN) {
        const iface = this.ifaces[r32(b, o + 8)];
        const caplen = r32(b, o + 20);
        if (iface !== undefined && caplen <= len - EPB_MIN_LEN) peekFrame(b, o + 28, caplen, iface.linktype, hints);
      }
      o += len;
      k++;
    }
    if (hints.n > 0) prefetch.prefetch(hints);
    return k > 0 ? k : 1;
  }

  /** Offset of the bytes returned by `header()` in the buffer it returned. */
  private hOff = 0;

  /** The first n (<= 32) unconsumed bytes contiguously: in place when possible, else copied. */
  private header(n: number): Buffer {
    const q = this.q;
    if (q.headAvail >= n) {
      this.hOff = q.headOffset;
      return q.head;
    }
    q.peekInto(this.scratch, n);
    this.hOff = 0;
    return this.scratch;
  }

  /**
   * Handles the block at the front of the queue (>= 8 bytes present).
   * @returns false when more input is needed or the parser stopped
   */
  private block(): boolean {
    const q = this.q;
    let b = this.header(8);
    let o = this.hOff;
    const offset = q.consumed;
    // The SHB type is a palindrome, readable before the section's byte order is known.
    const type = this.r32(b, o);
    if (type === BlockType.Shb) return this.shb(offset);
    if (this.sections === 0) {
      this.fail(ErrorCodes.NOT_A_CAPTURE, 'Not a pcapng file: it does not start with a Section Header Block', 0);
      return false;
    }
    const len = this.r32(b, o + 4);
    if (len < 12 || (len & 3) !== 0) {
      this.fail(
        ErrorCodes.PCAPNG_BAD_BLOCK,
        `pcapng block of type 0x${hex8(type)} has a total length of ${len} (must be a multiple of 4, at least 12)`,
        offset,
      );
      return false;
    }
    if (type === BlockType.Epb || type === BlockType.Spb || type === BlockType.Opb) {
      if (len > MAX_PCAPNG_PACKET_BLOCK_LEN) {
        this.tooLarge(type, len, MAX_PCAPNG_PACKET_BLOCK_LEN, offset);
        return false;
      }
      if (type !== BlockType.Spb && len >= 28 && q.length >= 28) {
        // Check the captured length before waiting for (and buffering) the whole block.
        b = this.header(28);
        o = this.hOff;
        const caplen = this.r32(b, o + 20);
        if (caplen > MAX_RECORD_LEN) {
          this.fail(
            ErrorCodes.PCAP_RECORD_TOO_LARGE,
            `Packet captured length ${caplen} is above the maximum of ${MAX_RECORD_LEN} (corrupt block); stopped reading this file`,
            offset,
          );
          return false;
        }
      }
      if (q.length < len) return false;
      q.take(len);
      return this.packetBlock(type, q.outBuf, q.outOff, len, offset);
    }
    if (type === BlockType.Idb) {
      if (len > MAX_PCAPNG_METADATA_BLOCK_LEN) {
        this.tooLarge(type, len, MAX_PCAPNG_METADATA_BLOCK_LEN, offset);
        return false;
      }
      if (q.length < len) return false;
      q.take(len);
      return this.idb(q.outBuf, q.outOff, len, offset);
    }
    if (len > MAX_PCAPNG_SKIPPED_BLOCK_LEN) {
      this.tooLarge(type, len, MAX_PCAPNG_SKIPPED_BLOCK_LEN, offset);
      return false;
    }
    this.countBlock(type, offset);
    q.skip(8);
    this.blockStart = offset;
    this.skipLeft = len - 12;
    this.expectTrailer = len;
    this.state = State.Skip;
    return true;
  }

  /** Section Header Block: sets the byte order, resets the interfaces. */
  private shb(offset: number): boolean {
    const q = this.q;
    if (q.length < 12) return false;
    const h = this.header(12);
    const ho = this.hOff;
    const bomLe = h.readUInt32LE(ho + 8);
    let le: boolean;
    if (bomLe === BYTE_ORDER_MAGIC) le = true;
    else if (h.readUInt32BE(ho + 8) === BYTE_ORDER_MAGIC) le = false;
    else {
      this.fail(
        this.sections === 0 ? ErrorCodes.NOT_A_CAPTURE : ErrorCodes.PCAPNG_BAD_BLOCK,
        `pcapng Section Header Block has a bad byte-order magic 0x${hex8(h.readUInt32BE(ho + 8))}`,
        offset + 8,
      );
      return false;
    }
    const r32 = le ? r32le : r32be;
    const len = r32(h, ho + 4);
    if (len < SHB_MIN_LEN || (len & 3) !== 0) {
      this.fail(
        ErrorCodes.PCAPNG_BAD_BLOCK,
        `pcapng Section Header Block has a total length of ${len} (must be a multiple of 4, at least ${SHB_MIN_LEN})`,
        offset,
      );
      return false;
    }
    if (len > MAX_PCAPNG_METADATA_BLOCK_LEN) {
      this.tooLarge(BlockType.Shb, len, MAX_PCAPNG_METADATA_BLOCK_LEN, offset);
      return false;
    }
    if (q.length < len) return false;
    q.take(len);
    const b = q.outBuf;
    const o = q.outOff;
    const trailer = r32(b, o + len - 4);
    if (trailer !== len) {
      this.badTrailer(len, trailer, offset);
      return false;
    }
    const r16 = le ? r16le : r16be;
    const major = r16(b, o + 12);
    const minor = r16(b, o + 14);
    // libpcap: "Currently only SHB versions 1.0 and 1.2 are supported".
    if (!(major === 1 && (minor === 0 || minor === 2))) {
      this.fail(ErrorCodes.PCAP_BAD_HEADER, `unsupported pcapng savefile version ${major}.${minor}`, offset + 12);
      return false;
    }
    this.le = le;
    if (le) this.sawLe = true;
    else this.sawBe = true;
    if (this.sections === 0) this.firstVersion = `${major}.${minor}`;
    this.r16 = r16;
    this.r32 = r32;
    this.ifaces = [];
    this.sections++;
    this.countBlock(BlockType.Shb, offset);
    return true;
  }

  /** Interface Description Block. */
  private idb(b: Buffer, o: number, len: number, offset: number): boolean {
    const r16 = this.r16;
    const r32 = this.r32;
    if (!this.checkTrailer(b, o, len, offset)) return false;
    if (len < IDB_MIN_LEN) {
      this.fail(ErrorCodes.PCAPNG_BAD_BLOCK, `pcapng Interface Description Block is too short (${len} bytes)`, offset);
      return false;
    }
    if (this.ifaces.length >= MAX_PCAPNG_INTERFACES) {
      this.fail(
        ErrorCodes.PCAPNG_BAD_BLOCK,
        `pcapng section has more than ${MAX_PCAPNG_INTERFACES} interfaces (MAX_PCAPNG_INTERFACES)`,
        offset,
      );
      return false;
    }
    const iface: Iface = {
      linktype: r16(b, o + 8),
      snaplen: r32(b, o + 12),
      units: 1_000_000,
      nsMul: 1000,
      unitsBig: 1_000_000n,
      offsetSec: 0,
    };
    // Options: code (2), length (2), value padded to 4 bytes; opt_endofopt (0) ends the list.
    const end = o + len - 4;
    let p = o + 16;
    while (p + 4 <= end) {
      const code = r16(b, p);
      const olen = r16(b, p + 2);
      if (code === 0) break;
      if (p + 4 + olen > end) {
        this.ctx.anomalies.add(ReaderAnomaly.PCAPNG_BAD_OPTION_LENGTH, this.ctx.name, p - o + offset, undefined,
          `IDB option ${code} of length ${olen} runs past its block`);
        break;
      }
      if (code === OPT_IF_TSRESOL) {
        if (olen === 1) setResolution(iface, b[p + 4]);
        else this.badOption('if_tsresol', olen, p - o + offset);
      } else if (code === OPT_IF_TSOFFSET) {
        if (olen === 8) {
          iface.offsetSec = Number(this.le ? b.readBigInt64LE(p + 4) : b.readBigInt64BE(p + 4));
        } else this.badOption('if_tsoffset', olen, p - o + offset);
      }
      p += 4 + ((olen + 3) & ~3);
    }
    this.ifaces.push(iface);
    this.interfaces++;
    this.noteLinktype(iface.linktype);
    this.countBlock(BlockType.Idb, offset);
    return true;
  }

  /** EPB, SPB or OPB: fills the PacketMeta and delivers the frame. */
  private packetBlock(type: number, b: Buffer, o: number, len: number, offset: number): boolean {
    const r32 = this.r32;
    if (!this.checkTrailer(b, o, len, offset)) return false;
    const meta = this.ctx.meta;
    let ifIndex: number;
    let caplen: number;
    let wirelen: number;
    let dataOff: number;
    let iface: Iface | undefined;
    if (type === BlockType.Spb) {
      if (len < SPB_MIN_LEN) return this.shortBlock('Simple Packet Block', len, offset);
      ifIndex = 0;
      iface = this.ifaces[0];
      if (iface === undefined) return this.noInterface(0, offset);
      wirelen = r32(b, o + 8);
      // The SPB has no captured length: min(original length, snaplen, room in the block).
      caplen = wirelen;
      if (iface.snaplen !== 0 && caplen > iface.snaplen) caplen = iface.snaplen;
      if (caplen > len - SPB_MIN_LEN) caplen = len - SPB_MIN_LEN;
      if (caplen > MAX_RECORD_LEN) caplen = MAX_RECORD_LEN;
      dataOff = o + 12;
      meta.tsSec = 0;
      meta.tsNsec = 0;
      this.frameHasTs = false;
    } else {
      if (len < EPB_MIN_LEN) return this.shortBlock(type === BlockType.Epb ? 'Enhanced Packet Block' : 'Packet Block', len, offset);
      ifIndex = type === BlockType.Epb ? r32(b, o + 8) : this.r16(b, o + 8);
      iface = this.ifaces[ifIndex];
      if (iface === undefined) return this.noInterface(ifIndex, offset);
      caplen = r32(b, o + 20);
      wirelen = r32(b, o + 24);
      if (EPB_MIN_LEN + ((caplen + 3) & ~3) > len) {
        this.fail(
          ErrorCodes.PCAPNG_BAD_BLOCK,
          `pcapng packet block captured length ${caplen} does not fit in its block of ${len} bytes`,
          offset,
        );
        return false;
      }
      dataOff = o + 28;
      this.setTimestamp(iface, r32(b, o + 12), r32(b, o + 16));
      this.frameHasTs = true;
      if (iface.snaplen !== 0 && caplen > iface.snaplen) {
        this.ctx.anomalies.add(ReaderAnomaly.CAPLEN_EXCEEDS_SNAPLEN, this.ctx.name, offset, undefined,
          `captured length ${caplen} above interface snaplen ${iface.snaplen}, kept whole as Wireshark does`);
      }
      if (caplen > wirelen) {
        this.ctx.anomalies.add(ReaderAnomaly.CAPLEN_EXCEEDS_WIRELEN, this.ctx.name, offset, undefined,
          `captured length ${caplen} above original length ${wirelen}`);
      }
    }
    meta.buf = b;
    meta.frameOff = dataOff;
    meta.caplen = caplen;
    meta.wirelen = wirelen;
    meta.linktype = iface.linktype;
    meta.ifIndex = ifIndex;
    meta.fileIndex = this.ctx.fileIndex;
    meta.fileOffset = offset;
    meta.packetNo = ++this.frames;
    this.countBlock(type, offset);
    this.ctx.onFrame(meta);
    return !this.done;
  }

  /**
   * Splits the 64-bit timestamp (hi:lo, in the interface's units) into seconds and
   * nanoseconds exactly. A double holds only 53 bits, and nanosecond timestamps are ~2^61,
   * so the division is done in 16-bit steps (every intermediate stays below 2^53).
   */
  private setTimestamp(iface: Iface, hi: number, lo: number): void {
    const meta = this.ctx.meta;
    const u = iface.units;
    if (u !== 0) {
      const qHi = Math.floor(hi / u);
      const rHi = hi - qHi * u;
      const x = rHi * 65536 + (lo >>> 16);
      const q1 = Math.floor(x / u);
      const y = (x - q1 * u) * 65536 + (lo & 0xffff);
      const q2 = Math.floor(y / u);
      meta.tsSec = qHi * TWO32 + q1 * 65536 + q2 + iface.offsetSec;
      meta.tsNsec = (y - q2 * u) * iface.nsMul;
      return;
    }
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    const sec = t / iface.unitsBig;
    const rem = t - sec * iface.unitsBig;
    meta.tsSec = Number(sec) + iface.offsetSec;
    meta.tsNsec = Number((rem * 1_000_000_000n) / iface.unitsBig);
  }

  private checkTrailer(b: Buffer, o: number, len: number, offset: number): boolean {
    const trailer = this.r32(b, o + len - 4);
    if (trailer === len) return true;
    this.badTrailer(len, trailer, offset);
    return false;
  }

  private badTrailer(len: number, trailer: number, offset = this.blockStart): void {
    // libpcap's wording, so the corpus expectation reads the same.
    this.fail(
      ErrorCodes.PCAPNG_BAD_BLOCK,
      `block total length in header ${len} and trailer ${trailer} don't match`,
      offset,
    );
  }

  private tooLarge(type: number, len: number, max: number, offset: number): void {
    this.fail(
      ErrorCodes.PCAPNG_BLOCK_TOO_LARGE,
      `pcapng block of type 0x${hex8(type)} has a total length of ${len}, above the maximum of ${max}; stopped reading this file`,
      offset,
    );
  }

  private shortBlock(what: string, len: number, offset: number): boolean {
    this.fail(ErrorCodes.PCAPNG_BAD_BLOCK, `pcapng ${what} is too short (${len} bytes)`, offset);
    return false;
  }

  private noInterface(ifIndex: number, offset: number): boolean {
    this.fail(
      ErrorCodes.PCAPNG_BAD_BLOCK,
      `a packet arrived on interface ${ifIndex}, but the section has only ${this.ifaces.length} Interface Description Blocks`,
      offset,
    );
    return false;
  }

  private badOption(name: string, olen: number, offset: number): void {
    this.ctx.anomalies.add(ReaderAnomaly.PCAPNG_BAD_OPTION_VALUE, this.ctx.name, offset, undefined,
      `${name} option with length ${olen}`);
  }

  private countBlock(type: number, offset: number): void {
    if (type === BlockType.Epb) this.epbs++;
    else {
      const name = blockName(type);
      this.otherBlocks[name] = (this.otherBlocks[name] ?? 0) + 1;
    }
    this.ctx.onBlock?.(type, offset);
  }
}

/** Applies an if_tsresol value: bit 7 clear = 10^-v seconds, set = 2^-(v & 0x7f). */
function setResolution(iface: Iface, v: number): void {
  if ((v & 0x80) === 0 && v <= 9) {
    iface.units = 10 ** v;
    iface.nsMul = 10 ** (9 - v);
    iface.unitsBig = BigInt(iface.units);
    return;
  }
  iface.units = 0;
  iface.unitsBig = (v & 0x80) === 0 ? 10n ** BigInt(v) : 1n << BigInt(v & 0x7f);
}

/** Short name of a block type, for counts. */
export function blockName(type: number): string {
  switch (type) {
    case BlockType.Shb:
      return 'SHB';
    case BlockType.Idb:
      return 'IDB';
    case BlockType.Epb:
      return 'EPB';
    case BlockType.Spb:
      return 'SPB';
    case BlockType.Opb:
      return 'OPB';
    case BlockType.Nrb:
      return 'NRB';
    case BlockType.Isb:
      return 'ISB';
    case BlockType.Dsb:
      return 'DSB';
    // Custom Blocks: 0x00000BAD may be copied by editors, 0x40000BAD must not ("DCB" in
    // pcapng-test-generator's listings).
    case 0x00000bad:
      return 'CB';
    case 0x40000bad:
      return 'DCB';
    default:
      return 'other';
  }
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
