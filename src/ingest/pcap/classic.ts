/**
 * Classic pcap ("libpcap savefile") reader core.
 *
 * Global header, 24 bytes (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/):
 *
 *    0                   1                   2                   3
 *   +---------------------------------------------------------------+
 *  0|                          Magic Number                         |  a1b2c3d4 us / a1b23c4d ns
 *  4|          Major Version        |         Minor Version         |  2.4
 *  8|                           Reserved1 (thiszone)                |
 * 12|                           Reserved2 (sigfigs)                 |
 * 16|                            SnapLen                            |
 * 20| FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|         LinkType              |
 *   +---------------------------------------------------------------+
 *
 * Record header, 16 bytes, then CapLen bytes of packet data:
 *
 *  0|                      Timestamp (Seconds)                      |
 *  4|            Timestamp (Microseconds or nanoseconds)            |
 *  8|                    Captured Packet Length                     |
 * 12|                    Original Packet Length                     |
 *
 * The byte order and the timestamp unit are decided once from the magic; the record loop
 * then uses the readers bound at that point (mmdb-lib's "readers chosen from the header").
 */
import { ErrorCodes } from '../../core/errors.js';
import {
  PCAP_MAGIC_KUZNETZOV_BE,
  PCAP_MAGIC_KUZNETZOV_LE,
  PCAP_MAGIC_NS_BE,
  PCAP_MAGIC_NS_LE,
  PCAP_MAGIC_US_BE,
  PCAP_MAGIC_US_LE,
} from '../sniff.js';
import { HINT_BATCH, PacketHints, peekFrame, type PacketPrefetcher } from '../decode/packet-hints.js';
import { ChunkToucher, FrameParser, type ContainerInfo, type FrameParserContext } from './frame-parser.js';
import { MAX_RECORD_LEN, ReaderAnomaly, SNAPLEN_INT_MAX } from './limits.js';

export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
/** Record header of the Kuznetzov-patched format: + ifindex (4), protocol (2), pkt_type (1), pad (1). */
export const PCAP_PATCHED_RECORD_HEADER_LEN = 24;

type U32Reader = (b: Buffer, o: number) => number;
// Plain byte arithmetic: small enough for V8 to inline at the call site, unlike
// Buffer#readUInt32LE with its argument checks (measured: ~4x faster record loop).
// The caller guarantees o + 4 <= b.length.
const readU32LE: U32Reader = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const readU32BE: U32Reader = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** How the caplen/len fields are ordered (libpcap sf-pcap.c `lengths_swapped`). */
const enum LengthOrder {
  Normal = 0,
  /** Versions before 2.3 (and DG/UX 543.0) wrote len before caplen. */
  Swapped = 1,
  /** Version 2.3 files exist in both orders: swap only when caplen > len. */
  MaybeSwapped = 2,
}

/** What the global header said, for summaries. */
export interface PcapFileHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** LINKTYPE_* (low 16 bits of the header field). */
  linktype: number;
  /** FCS length in bytes when the header's "FCS present" bit is set, else 0. */
  fcsLen: number;
  /** Kuznetzov-patched format (24-byte record headers). */
  patched: boolean;
}

export class ClassicPcapParser extends FrameParser {
  header: PcapFileHeader | undefined;

  private u32: U32Reader = readU32LE;
  /** Multiplier from the file's sub-second unit to nanoseconds (1000 or 1). */
  private fracToNs = 1000;
  /** Exclusive bound of the sub-second field (1e6 or 1e9). */
  private fracLimit = 1e6;
  /** libpcap's p->snapshot: records above it are cut to it. */
  private snapshot = MAX_RECORD_LEN;
  private lengthOrder: LengthOrder = LengthOrder.Normal;
  private linktype = 0;
  /** 16, or 24 for the Kuznetzov-patched format. */
  private recHdrLen = PCAP_RECORD_HEADER_LEN;
  private readonly scratch = Buffer.alloc(PCAP_GLOBAL_HEADER_LEN);
  /** Lookahead hints for ctx.prefetch (null without one). */
  private readonly hints: PacketHints | null;
  /** lookahead(): touches the head chunk ahead of the records it walks. */
  private readonly toucher = new ChunkToucher();

  constructor(ctx: FrameParserContext) {
    super(ctx);
    this.hints = ctx.prefetch !== undefined ? new PacketHints() : null;
  }

  describe(): ContainerInfo | undefined {
    const h = this.header;
    if (h === undefined) return undefined;
    return {
      byteOrder: h.littleEndian ? 'LE' : 'BE',
      version: `${h.versionMajor}.${h.versionMinor}${h.patched ? ' (Kuznetzov-patched)' : ''}`,
      tsUnit: h.nanosecond ? 'ns' : 'us',
      snaplen: h.snaplen,
    };
  }

  protected parse(): void {
    if (this.header === undefined) {
      if (this.q.length < PCAP_GLOBAL_HEADER_LEN) return;
      if (!this.parseGlobalHeader()) return;
    }
    this.parseRecords();
  }

  protected finish(): void {
    if (this.header === undefined) {
      this.failTruncated('the 24-byte pcap file header', PCAP_GLOBAL_HEADER_LEN, 0);
      return;
    }
    if (this.q.length === 0) return;
    const off = this.q.consumed;
    const hl = this.recHdrLen;
    if (this.q.length < hl) {
      this.failTruncated('a record header', hl, off);
      return;
    }
    this.q.peekInto(this.scratch, hl);
    const caplen = this.recordCaplen(this.scratch, 0);
    this.failTruncated('a record', hl + caplen, off);
  }

  private parseGlobalHeader(): boolean {
    const h = this.scratch;
    this.q.peekInto(h, PCAP_GLOBAL_HEADER_LEN);
    const magic = h.readUInt32BE(0);
    let le: boolean;
    let ns: boolean;
    let patched = false;
    switch (magic) {
      case PCAP_MAGIC_KUZNETZOV_LE:
        le = true;
        ns = false;
        patched = true;
        break;
      case PCAP_MAGIC_KUZNETZOV_BE:
        le = false;
        ns = false;
        patched = true;
        break;
      case PCAP_MAGIC_US_LE:
        le = true;
        ns = false;
        break;
      case PCAP_MAGIC_NS_LE:
        le = true;
        ns = true;
        break;
      case PCAP_MAGIC_US_BE:
        le = false;
        ns = false;
        break;
      case PCAP_MAGIC_NS_BE:
        le = false;
        ns = true;
        break;
      default:
        this.fail(ErrorCodes.NOT_A_CAPTURE, `Not a pcap file: bad magic 0x${hex8(magic)}`, 0);
        return false;
    }
    const r16 = le ? (o: number) => h.readUInt16LE(o) : (o: number) => h.readUInt16BE(o);
    const r32 = le ? readU32LE : readU32BE;
    const major = r16(4);
    const minor = r16(6);
    // libpcap accepts 2.0 - 2.4 and DG/UX's 543.0, and refuses the rest with this message.
    if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
      this.fail(ErrorCodes.PCAP_BAD_HEADER, `unsupported pcap savefile version ${major}.${minor}`, 4);
      return false;
    }
    const ltField = r32(h, 20);
    // LT_RESERVED1: bits 16-25 must be zero; bit 26 says the top 4 bits hold an FCS length.
    const reserved = (ltField & 0x03ff0000) >>> 0;
    if (reserved !== 0) {
      this.fail(
        ErrorCodes.PCAP_BAD_HEADER,
        `savefile linktype reserved field not zero (0x${hex8(reserved)})`,
        20,
      );
      return false;
    }
    const fcsLen = (ltField & 0x04000000) !== 0 ? ((ltField >>> 28) & 0xf) * 2 : 0;
    const snaplen = r32(h, 16);
    this.header = {
      littleEndian: le,
      nanosecond: ns,
      versionMajor: major,
      versionMinor: minor,
      snaplen,
      linktype: ltField & 0xffff,
      fcsLen,
      patched,
    };
    this.u32 = r32;
    this.fracToNs = ns ? 1 : 1000;
    this.fracLimit = ns ? 1e9 : 1e6;
    this.snapshot = snaplen === 0 || snaplen > SNAPLEN_INT_MAX ? MAX_RECORD_LEN : snaplen;
    this.recHdrLen = patched ? PCAP_PATCHED_RECORD_HEADER_LEN : PCAP_RECORD_HEADER_LEN;
    // libpcap: patched captures on Ethernet may have been taken in cooked mode, with a
    // faked 14-byte Ethernet header added on top of the snapshot length.
    if (patched && (ltField & 0xffff) === 1) this.snapshot = Math.min(this.snapshot + 14, SNAPLEN_INT_MAX);
    this.lengthOrder =
      major === 543 || (major === 2 && minor < 3)
        ? LengthOrder.Swapped
        : major === 2 && minor === 3
          ? LengthOrder.MaybeSwapped
          : LengthOrder.Normal;
    this.linktype = ltField & 0xffff;
    this.noteLinktype(this.linktype);
    this.q.skip(PCAP_GLOBAL_HEADER_LEN);
    return true;
  }

  /** Captured length of the record header at b[o], after the version's length swap. */
  private recordCaplen(b: Buffer, o: number): number {
    const caplen = this.u32(b, o + 8);
    if (this.lengthOrder === LengthOrder.Normal) return caplen;
    const len = this.u32(b, o + 12);
    if (this.lengthOrder === LengthOrder.MaybeSwapped && caplen <= len) return caplen;
    return len;
  }

  private parseRecords(): void {
    const q = this.q;
    const ctx = this.ctx;
    const meta = ctx.meta;
    const onFrame = ctx.onFrame;
    const u32 = this.u32;
    const snapshot = this.snapshot;
    const scratch = this.scratch;
    const normalOrder = this.lengthOrder === LengthOrder.Normal;
    const hl = this.recHdrLen;
    // Lookahead (decode/packet-hints.ts): every `ahead` records, the flow fields of the next
    // whole records in the head chunk go to the prefetcher first. Files with swapped length
    // fields (pcap before 2.4) get none.
    const prefetch = normalOrder ? ctx.prefetch : undefined;
    let ahead = 0;
    for (;;) {
      if (prefetch !== undefined && --ahead < 0) ahead = this.lookahead(prefetch) - 1;
      const avail = q.length;
      if (avail < hl) return;
      let b: Buffer;
      let o: number;
      if (q.headAvail >= hl) {
        b = q.head;
        o = q.headOffset;
      } else {
        q.peekInto(scratch, hl);
        b = scratch;
        o = 0;
      }
      let caplen = u32(b, o + 8);
      let wirelen = u32(b, o + 12);
      if (!normalOrder && (this.lengthOrder === LengthOrder.Swapped || caplen > wirelen)) {
        const t = caplen;
        caplen = wirelen;
        wirelen = t;
      }
      if (caplen > MAX_RECORD_LEN) {
        this.fail(
          ErrorCodes.PCAP_RECORD_TOO_LARGE,
          `Record captured length ${caplen} is above the maximum of ${MAX_RECORD_LEN} (corrupt or not a pcap record); stopped reading this file`,
          q.consumed,
        );
        return;
      }
      const recLen = hl + caplen;
      if (avail < recLen) return;
      const tsSec = u32(b, o);
      const frac = u32(b, o + 4);
      const recOff = q.consumed;
      // Header values are read: `b` may be the head chunk, which take() may release.
      q.take(recLen);
      meta.buf = q.outBuf;
      meta.frameOff = q.outOff + hl;
      meta.fileOffset = recOff;
      meta.linktype = this.linktype;
      meta.ifIndex = 0;
      meta.fileIndex = ctx.fileIndex;
      meta.packetNo = ++this.frames;
      if (frac < this.fracLimit) {
        meta.tsSec = tsSec;
        meta.tsNsec = frac * this.fracToNs;
      } else {
        this.badFraction(tsSec, frac, recOff);
      }
      if (caplen > snapshot) {
        ctx.anomalies.add(
          ReaderAnomaly.CAPLEN_EXCEEDS_SNAPLEN,
          ctx.name,
          recOff,
          undefined,
          `captured length ${caplen} above snaplen ${snapshot}, cut to the snaplen as libpcap does`,
        );
        caplen = snapshot;
      }
      if (caplen > wirelen) {
        ctx.anomalies.add(
          ReaderAnomaly.CAPLEN_EXCEEDS_WIRELEN,
          ctx.name,
          recOff,
          undefined,
          `captured length ${caplen} above original length ${wirelen}`,
        );
      }
      meta.caplen = caplen;
      meta.wirelen = wirelen;
      onFrame(meta);
      if (this.done) return;
    }
  }

  /**
   * Peeks the flow fields of up to HINT_BATCH whole records at the front of the head chunk
   * into the hints and hands them to `prefetch`. Reads only; the records are parsed as usual.
   * @returns the records looked at (at least 1, so the caller moves on)
   */
  private lookahead(prefetch: PacketPrefetcher): number {
    const q = this.q;
    if (q.length === 0) return 1;
    const b = q.head;
    const lim = b.length;
    const hl = this.recHdrLen;
    const u32 = this.u32;
    const lt = this.linktype;
    const hints = this.hints!;
    hints.buf = b;
    hints.n = 0;
    let o = q.headOffset;
    // One load per cache line ahead first (ChunkToucher), so the walk below does not wait on
    // memory once per record.
    this.toucher.touch(b, o, lim);
    let k = 0;
    while (k < HINT_BATCH && o + hl <= lim) {
      const caplen = u32(b, o + 8);
      if (caplen > lim - o - hl) break;
      peekFrame(b, o + hl, caplen, lt, hints);
      o += hl + caplen;
      k++;
    }
    if (hints.n > 0) prefetch.prefetch(hints);
    return k > 0 ? k : 1;
  }

  private badFraction(tsSec: number, frac: number, recOff: number): void {
    const meta = this.ctx.meta;
    const carry = Math.floor(frac / this.fracLimit);
    meta.tsSec = tsSec + carry;
    meta.tsNsec = (frac - carry * this.fracLimit) * this.fracToNs;
    this.ctx.anomalies.add(
      ReaderAnomaly.INVALID_TIMESTAMP_FRACTION,
      this.ctx.name,
      recOff,
      undefined,
      `sub-second field ${frac} is not below ${this.fracLimit}`,
    );
  }
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
