import { KonsekiError, ErrorCodes } from '../../core/errors.js';
import type { DecodeCursor } from './cursor.js';
import { Weird } from './weirds.js';

/**
 * IPv4 and IPv6 fragment reassembly, after Zeek's FragReassembler (src/Frag.cc).
 *
 * Datagrams are keyed by (version, source, destination, identification, protocol). Each
 * held datagram keeps a copy of the header of its first fragment (for IPv6: the
 * unfragmentable part, without the fragment header) and a data buffer with the byte ranges
 * received so far. Overlapping fragments keep the bytes that arrived first (as Zeek) and
 * count `fragment_overlap` when the bytes agree, `fragment_inconsistency` when they differ.
 *
 * Memory is bounded by three named caps, each counted when it acts:
 * - `maxFragmentBytes`: bytes held in all incomplete datagrams; the oldest is dropped
 *   (`fragment_bytes_cap_reached`).
 * - `maxFragmentDatagrams`: incomplete datagrams held; the oldest is dropped
 *   (`fragment_datagrams_cap_reached`).
 * - `fragmentTimeout`: seconds of packet time after the first fragment; an incomplete
 *   datagram older than that is dropped (`fragment_reassembly_timeout`). Zeek keeps
 *   fragments forever by default (frag_timeout = 0); we use Suricata's defrag timeout (60 s).
 *
 * Fragments are rare, so the per-fragment work (a string key, a Map lookup, a copy) is
 * acceptable; nothing here runs for unfragmented packets.
 */

export interface ReassemblyOptions {
  /** Cap on bytes held in incomplete datagrams (default 32 MiB). */
  maxFragmentBytes?: number;
  /** Cap on incomplete datagrams held (default 16384). */
  maxFragmentDatagrams?: number;
  /** Seconds of packet time an incomplete datagram is kept (default 60). */
  fragmentTimeout?: number;
}

/** 32 MiB: hundreds of full-size datagrams in flight, small next to the flow table. */
export const DEFAULT_MAX_FRAGMENT_BYTES = 32 * 1024 * 1024;
/** 16384 datagrams: well above what a busy link has in flight at once. */
export const DEFAULT_MAX_FRAGMENT_DATAGRAMS = 16384;
/** Seconds; Suricata's defrag default (Linux's ipfrag_time is 30). */
export const DEFAULT_FRAGMENT_TIMEOUT = 60;
/** Zeek's MIN_ACCEPTABLE_FRAG_SIZE: a non-last fragment this small is suspicious. */
const MIN_ACCEPTABLE_FRAG_SIZE = 64;
/** Zeek's MAX_ACCEPTABLE_FRAG_SIZE. */
const MAX_ACCEPTABLE_FRAG_SIZE = 64000;
/** Largest datagram an IP length field can describe. */
const MAX_DATAGRAM = 65535;
/**
 * Bytes reserved at the start of every reassembled buffer, where the decoder may copy the
 * outer addresses of a tunnel (the frame holding them is no longer `meta.buf`).
 */
export const REASSEMBLED_PREFIX = 32;

class Datagram {
  /** Header of the first fragment (IPv6: unfragmentable part), patched on output. */
  hdr: Buffer;
  data: Buffer;
  /** Received byte ranges of the fragmentable part, sorted, disjoint: [start, end, start, end, ...]. */
  ranges: number[] = [];
  /** Size of the fragmentable part once the last fragment is seen (0: unknown). */
  fragSize = 0;
  /** IPv6: offset in `hdr` of the next-header byte that named the fragment header. */
  prevNhRel = 0;
  nextHeader = 0;
  hdrFromFirst = false;

  constructor(
    readonly key: string,
    readonly version: number,
    readonly created: number,
    hdr: Buffer,
  ) {
    this.hdr = hdr;
    this.data = Buffer.allocUnsafe(0);
  }

  get bytes(): number {
    return this.hdr.length + this.data.length;
  }
}

export class IpReassembler {
  readonly maxBytes: number;
  readonly maxDatagrams: number;
  readonly timeout: number;
  private readonly held = new Map<string, Datagram>();
  private heldBytesTotal = 0;

  /** Datagrams reassembled so far (each one came out as DecodeStatus.Ip on its last fragment). */
  reassembledDatagrams = 0;
  /** Incomplete datagrams dropped so far (timeout, caps, clear), with all their fragments. */
  droppedDatagrams = 0;

  /** The last reassembled datagram: bytes [outOff, outOff + outLen) of `out`. */
  out: Buffer = Buffer.alloc(0);
  outOff = REASSEMBLED_PREFIX;
  outLen = 0;

  constructor(opts: ReassemblyOptions = {}) {
    this.maxBytes = opts.maxFragmentBytes ?? DEFAULT_MAX_FRAGMENT_BYTES;
    this.maxDatagrams = opts.maxFragmentDatagrams ?? DEFAULT_MAX_FRAGMENT_DATAGRAMS;
    this.timeout = opts.fragmentTimeout ?? DEFAULT_FRAGMENT_TIMEOUT;
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 2 * (MAX_DATAGRAM + 64)) {
      throw new KonsekiError(
        ErrorCodes.CONFIG,
        `Invalid option: maxFragmentBytes must be an integer >= ${2 * (MAX_DATAGRAM + 64)}, got ${opts.maxFragmentBytes}`,
      );
    }
    if (!Number.isInteger(this.maxDatagrams) || this.maxDatagrams < 1) {
      throw new KonsekiError(
        ErrorCodes.CONFIG,
        `Invalid option: maxFragmentDatagrams must be a positive integer, got ${opts.maxFragmentDatagrams}`,
      );
    }
    if (!(this.timeout > 0)) {
      throw new KonsekiError(ErrorCodes.CONFIG, `Invalid option: fragmentTimeout must be > 0 seconds, got ${opts.fragmentTimeout}`);
    }
  }

  /** Incomplete datagrams held now. */
  get heldDatagrams(): number {
    return this.held.size;
  }

  /** Bytes held now in incomplete datagrams. */
  get heldBytes(): number {
    return this.heldBytesTotal;
  }

  /** Drop every incomplete datagram older than the timeout at packet time `now`. */
  expire(now: number, c: DecodeCursor): void {
    for (const d of this.held.values()) {
      if (d.created + this.timeout >= now) break;
      c.note(Weird.fragment_reassembly_timeout);
      this.drop(d);
      this.droppedDatagrams++;
    }
  }

  /** Forget everything held (end of input). Returns the number of datagrams dropped. */
  clear(): number {
    const n = this.held.size;
    this.droppedDatagrams += n;
    this.held.clear();
    this.heldBytesTotal = 0;
    return n;
  }

  private drop(d: Datagram): void {
    this.held.delete(d.key);
    this.heldBytesTotal -= d.bytes;
  }

  /**
   * Add one fragment.
   * @param c cursor on the fragment's bytes (for notes and the buffer).
   * @param version 4 or 6.
   * @param ipOff offset of the IP header in `c.buf`.
   * @param hdrLen IPv4 header length, or IPv6 unfragmentable part length (up to the fragment header).
   * @param dataOff offset of the fragment's data (after the IPv4 header / IPv6 fragment header).
   * @param dataEnd end of the fragment's data (IP total length; all captured).
   * @param fragOffset, more, id, proto fragment fields; `proto` is the protocol after the fragment.
   * @param df IPv4 don't-fragment bit.
   * @param prevNhOff IPv6: offset of the next-header byte naming the fragment header.
   * @param now packet time in seconds.
   * @returns the reassembled length (> 0, bytes in `out` at `outOff`), 0 when held, or `-Weird` when the fragment is dropped.
   */
  add(
    c: DecodeCursor,
    version: number,
    ipOff: number,
    hdrLen: number,
    dataOff: number,
    dataEnd: number,
    fragOffset: number,
    more: boolean,
    id: number,
    proto: number,
    df: boolean,
    prevNhOff: number,
    srcOff: number,
    addrLen: number,
    now: number,
  ): number {
    const buf = c.buf;
    this.expire(now, c);
    const len = dataEnd - dataOff;
    const upper = fragOffset + len;
    if (hdrLen + upper > MAX_DATAGRAM) return -Weird.excessively_large_fragment;

    const key =
      version + buf.toString('latin1', srcOff, srcOff + 2 * addrLen) + ':' + id + ':' + proto;
    let d = this.held.get(key);
    if (d === undefined) {
      if (this.held.size >= this.maxDatagrams) {
        c.note(Weird.fragment_datagrams_cap_reached);
        this.drop(this.held.values().next().value as Datagram);
        this.droppedDatagrams++;
      }
      d = new Datagram(key, version, now, Buffer.from(buf.subarray(ipOff, ipOff + hdrLen)));
      d.prevNhRel = prevNhOff - ipOff;
      d.nextHeader = proto;
      d.hdrFromFirst = fragOffset === 0;
      this.held.set(key, d);
      this.heldBytesTotal += d.hdr.length;
    } else {
      if (d.hdr.length !== hdrLen) c.note(Weird.fragment_protocol_inconsistency);
      if (fragOffset === 0 && !d.hdrFromFirst) {
        // Prefer the header of the first fragment (its TTL, options) for the datagram.
        this.heldBytesTotal += hdrLen - d.hdr.length;
        d.hdr = Buffer.from(buf.subarray(ipOff, ipOff + hdrLen));
        d.prevNhRel = prevNhOff - ipOff;
        d.hdrFromFirst = true;
      }
    }
    if (df) c.note(Weird.fragment_with_DF);

    if (!more) {
      if (d.fragSize === 0) d.fragSize = upper;
      else if (upper !== d.fragSize) {
        c.note(Weird.fragment_size_inconsistency);
        if (upper > d.fragSize) d.fragSize = upper;
      }
    } else if (len + hdrLen < MIN_ACCEPTABLE_FRAG_SIZE) {
      c.note(Weird.excessively_small_fragment);
    }
    if (upper > MAX_ACCEPTABLE_FRAG_SIZE) c.note(Weird.excessively_large_fragment);
    if (d.fragSize !== 0 && upper > d.fragSize) {
      c.note(Weird.fragment_size_inconsistency);
      d.fragSize = upper;
    }

    this.insert(d, c, buf, dataOff, fragOffset, upper);

    // Caps: drop the oldest datagrams (never the one just grown) until under the byte cap.
    while (this.heldBytesTotal > this.maxBytes) {
      const oldest = this.held.values().next().value as Datagram;
      if (oldest === d) break;
      c.note(Weird.fragment_bytes_cap_reached);
      this.drop(oldest);
      this.droppedDatagrams++;
    }

    return this.tryComplete(d, c);
  }

  /** Copy the bytes of [start, upper) not yet held; count overlaps. */
  private insert(d: Datagram, c: DecodeCursor, src: Buffer, srcOff: number, start: number, upper: number): void {
    if (upper > d.data.length) {
      let size = d.data.length === 0 ? Math.max(upper, 1500) : d.data.length * 2;
      if (size < upper) size = upper;
      if (size > MAX_DATAGRAM) size = MAX_DATAGRAM;
      const grown = Buffer.allocUnsafe(size);
      d.data.copy(grown, 0, 0, d.data.length);
      this.heldBytesTotal += size - d.data.length;
      d.data = grown;
    }
    const r = d.ranges;
    // Walk existing ranges; fill gaps before/between them, compare overlaps.
    let pos = start;
    const out: number[] = [];
    let i = 0;
    for (; i < r.length; i += 2) {
      const a = r[i];
      const b = r[i + 1];
      if (b <= start || a >= upper) continue;
      if (pos < a) src.copy(d.data, pos, srcOff + (pos - start), srcOff + (a - start));
      const os = Math.max(a, start);
      const oe = Math.min(b, upper);
      if (oe > os) {
        const same = src.compare(d.data, os, oe, srcOff + (os - start), srcOff + (oe - start)) === 0;
        c.note(same ? Weird.fragment_overlap : Weird.fragment_inconsistency);
      }
      if (b > pos) pos = b;
    }
    if (pos < upper) src.copy(d.data, pos, srcOff + (pos - start), srcOff + (upper - start));
    // Merge [start, upper) into the range list.
    let s = start;
    let e = upper;
    for (i = 0; i < r.length; i += 2) {
      const a = r[i];
      const b = r[i + 1];
      if (b < s || a > e) out.push(a, b);
      else {
        if (a < s) s = a;
        if (b > e) e = b;
      }
    }
    out.push(s, e);
    out.sort((x, y) => x - y);
    d.ranges = out;
  }

  private tryComplete(d: Datagram, c: DecodeCursor): number {
    const r = d.ranges;
    if (d.fragSize === 0 || r[0] !== 0 || r[1] < d.fragSize) return 0;
    if (r.length > 2 || r[1] > d.fragSize) {
      // Data beyond the size the last fragment gave: Zeek analyses the contiguous part.
      c.note(Weird.fragment_size_inconsistency);
      d.fragSize = r[1];
    }
    const hdr = d.hdr;
    const hl = hdr.length;
    const n = hl + d.fragSize;
    const out = Buffer.allocUnsafe(REASSEMBLED_PREFIX + n);
    out.fill(0, 0, REASSEMBLED_PREFIX);
    hdr.copy(out, REASSEMBLED_PREFIX);
    d.data.copy(out, REASSEMBLED_PREFIX + hl, 0, d.fragSize);
    const o = REASSEMBLED_PREFIX;
    if (d.version === 4) {
      out.writeUInt16BE(n, o + 2);
      out[o + 6] &= 0x40; // keep DF, clear MF and the offset
      out[o + 7] = 0;
    } else {
      out.writeUInt16BE(n - 40, o + 4);
      out[o + d.prevNhRel] = d.nextHeader;
    }
    this.drop(d);
    this.reassembledDatagrams++;
    this.out = out;
    this.outOff = o;
    this.outLen = n;
    return n;
  }
}
