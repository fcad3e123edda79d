import type { AnomalyCounter } from '../../core/anomaly.js';
import { DecodeStatus, type PacketMeta } from '../../core/packet.js';
import { DecodeCursor } from './cursor.js';
import { Layer, linkTypeLayer } from './dispatch.js';
import { decodeEthernet, decodeLlc, decodePbb, decodeVlan, decodeVnTag } from './ethernet.js';
import { decodeIeee80211, decodeRadiotap } from './ieee802-11.js';
import { IpReassembler, REASSEMBLED_PREFIX, type ReassemblyOptions } from './ip-reassembly.js';
import { decodeIpv4, decodeRawIp } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeLinuxSll, decodeLinuxSll2 } from './linux-sll.js';
import { decodeMpls } from './mpls.js';
import { decodeNflog } from './nflog.js';
import { decodeNullLoopback } from './null-loopback.js';
import { decodeCiscoHdlc, decodePpp, decodePppoeSession, decodePppProtocol } from './ppp.js';
import { decodeIcmp, decodeOtherTransport, decodeTcp, decodeUdp } from './transport.js';
import { decodeGre, decodeIpInIp4, decodeIpInIp6 } from './tunnel.js';
import { Weird } from './weirds.js';

export type PacketDecoderOptions = ReassemblyOptions;

/**
 * Decodes the link, network and transport headers of one captured frame into the reused
 * PacketMeta, in place (offsets into `meta.buf`, no per-packet allocation).
 *
 * The decoder is a loop over layer functions: each one checks its header length once,
 * fills its fields and returns the next `Layer` from a dispatch table (dispatch.ts), or
 * `-code` for a named anomaly (weirds.ts). Every frame ends in exactly one DecodeStatus.
 */
export class PacketDecoder {
  private readonly c: DecodeCursor;
  readonly reassembler: IpReassembler;

  /**
   * @param anomalies where anomalies are counted (Zeek weird names, snake_case).
   * @param opts caps of the IP fragment reassembler (see ip-reassembly.ts).
   */
  constructor(
    private readonly anomalies: AnomalyCounter,
    opts: PacketDecoderOptions = {},
  ) {
    this.c = new DecodeCursor(anomalies);
    this.reassembler = new IpReassembler(opts);
  }

  /**
   * Decode the frame the capture reader described in `meta` (buf, frameOff, caplen,
   * wirelen, linktype, ts, fileOffset) and fill the rest of `meta`.
   * @param meta the packet; on `DecodeStatus.Ip` after reassembly `meta.buf` is the
   *   reassembled datagram (owned by the reassembler, valid until the next call),
   *   `frameOff` points at its IP header and `caplen` = `wirelen` = its length (as Zeek).
   * @param fileName for anomaly messages.
   * @returns what the frame was: Ip, NonIp, Anomaly (counted) or Fragment (held).
   */
  decode(meta: PacketMeta, fileName: string): DecodeStatus {
    const c = this.c;
    resetMeta(meta);
    c.buf = meta.buf;
    const start = meta.frameOff;
    c.off = start;
    let end = start + meta.caplen;
    if (end > meta.buf.length) end = meta.buf.length;
    c.end = end;
    c.wireEnd = meta.wirelen > meta.caplen ? start + meta.wirelen : end;
    c.depth = 0;
    c.vlanTags = 0;
    c.expectVersion = 0;
    c.pendingTunnel = 0;
    c.fileName = fileName;
    c.fileOffset = meta.fileOffset;

    // Upper bits of the link-type field carry FCS information (pcap spec): ignore them here.
    const linktype = meta.linktype & 0xffff;
    let next: number = linkTypeLayer(linktype);
    if (next === Layer.None) next = -Weird.unknown_linktype;
    else if (linktype === 228) c.expectVersion = 4;
    else if (linktype === 229) c.expectVersion = 6;

    for (;;) {
      switch (next) {
        case Layer.Ethernet:
          next = decodeEthernet(c, meta);
          break;
        case Layer.Vlan:
          next = decodeVlan(c, meta);
          break;
        case Layer.Ipv4:
          next = decodeIpv4(c, meta);
          break;
        case Layer.Ipv6:
          next = decodeIpv6(c, meta);
          break;
        case Layer.Tcp:
          next = decodeTcp(c, meta);
          break;
        case Layer.Udp:
          next = decodeUdp(c, meta);
          break;
        case Layer.Icmp:
        case Layer.Icmpv6:
          next = decodeIcmp(c, meta);
          break;
        case Layer.Done:
          return DecodeStatus.Ip;
        case Layer.NonIp:
          return DecodeStatus.NonIp;
        case Layer.RawIp:
          if (c.expectVersion === 4) next = Layer.Ipv4;
          else if (c.expectVersion === 6) next = Layer.Ipv6;
          else next = decodeRawIp(c, meta);
          // Raw IP link types announce no ethertype: report the one of the IP version.
          if (meta.ethertype === 0) meta.ethertype = next === Layer.Ipv6 ? 0x86dd : 0x0800;
          break;
        case Layer.Llc:
          next = decodeLlc(c, meta);
          break;
        case Layer.VnTag:
          next = decodeVnTag(c, meta);
          break;
        case Layer.Pbb:
          next = decodePbb(c, meta);
          break;
        case Layer.Mpls:
          next = decodeMpls(c, meta);
          break;
        case Layer.PppoeSession:
          next = decodePppoeSession(c, meta);
          break;
        case Layer.PppProtocol:
          next = decodePppProtocol(c, meta);
          break;
        case Layer.Ppp:
          next = decodePpp(c, meta);
          break;
        case Layer.CiscoHdlc:
          next = decodeCiscoHdlc(c, meta);
          break;
        case Layer.NullLoopback:
          next = decodeNullLoopback(c, meta);
          break;
        case Layer.LinuxSll:
          next = decodeLinuxSll(c, meta);
          break;
        case Layer.Radiotap:
          next = decodeRadiotap(c, meta);
          break;
        case Layer.Ieee80211:
          next = decodeIeee80211(c, meta);
          break;
        case Layer.LinuxSll2:
          next = decodeLinuxSll2(c, meta);
          break;
        case Layer.Nflog:
          next = decodeNflog(c, meta);
          break;
        case Layer.Gre:
          next = decodeGre(c, meta);
          break;
        case Layer.IpInIp4:
          next = decodeIpInIp4(c, meta);
          break;
        case Layer.IpInIp6:
          next = decodeIpInIp6(c, meta);
          break;
        case Layer.OtherTransport:
          next = decodeOtherTransport(c, meta);
          break;
        case Layer.ReassembleV4:
        case Layer.ReassembleV6:
          next = this.reassemble(meta, next === Layer.ReassembleV4);
          if (next === Layer.None) return DecodeStatus.Fragment;
          break;
        default:
          this.anomalies.add(Weird[-next], fileName, meta.fileOffset);
          return DecodeStatus.Anomaly;
      }
    }
  }

  /**
   * Expire held fragments as if a fragment at packet time `now` had reached this decoder's
   * reassembler (which expires before adding). Parallel capture analysis calls it in every
   * worker other than the one that got the fragment, so that all workers drop incomplete
   * datagrams at the same packet times as one decoder would.
   * @param now packet time of that fragment (tsSec + tsNsec / 1e9, as decode computes it)
   * @param fileName and fileOffset name the fragment in anomaly samples
   */
  expireFragments(now: number, fileName: string, fileOffset: number): void {
    const c = this.c;
    c.fileName = fileName;
    c.fileOffset = fileOffset;
    this.reassembler.expire(now, c);
  }

  /**
   * End of input: count every datagram still waiting for fragments under
   * `fragment_incomplete_at_end` (their packets were counted as DecodeStatus.Fragment), and
   * forget them, so that no held fragment goes unaccounted.
   * @returns the number of incomplete datagrams dropped.
   */
  flush(fileName?: string): number {
    const n = this.reassembler.clear();
    for (let i = 0; i < n; i++) this.anomalies.add(Weird[Weird.fragment_incomplete_at_end], fileName);
    return n;
  }

  /** Hand the fragment in `meta` to the reassembler; on completion point meta at the datagram. */
  private reassemble(meta: PacketMeta, v4: boolean): number {
    const c = this.c;
    const buf = c.buf;
    const ipOff = meta.ipOff;
    const r = this.reassembler;
    const now = meta.tsSec + meta.tsNsec / 1e9;
    const n = v4
      ? r.add(c, 4, ipOff, meta.ipHdrLen, ipOff + meta.ipHdrLen, ipOff + meta.ipLen, meta.fragOffset,
          meta.moreFragments, meta.ipId, meta.proto, (buf[ipOff + 6] & 0x40) !== 0, 0, meta.srcOff, 4, now)
      : r.add(c, 6, ipOff, c.fragHdrOff - ipOff, c.fragHdrOff + 8, ipOff + meta.ipLen, meta.fragOffset,
          meta.moreFragments, meta.ipId, meta.proto, false, c.fragPrevNhOff, meta.srcOff, 16, now);
    if (n === 0) return Layer.None;
    if (n < 0) return n;

    const out = r.out;
    if (meta.tunnel !== 0) {
      // The outer addresses live in the frame, which is about to be replaced: copy them
      // into the prefix the reassembler reserved for this.
      const al = meta.outerAddrLen;
      buf.copy(out, 0, meta.outerSrcOff, meta.outerSrcOff + al);
      buf.copy(out, al, meta.outerDstOff, meta.outerDstOff + al);
      meta.outerSrcOff = 0;
      meta.outerDstOff = al;
    }
    meta.buf = out;
    meta.frameOff = REASSEMBLED_PREFIX;
    // As Zeek: the reassembled packet is its datagram, captured whole.
    meta.caplen = meta.wirelen = r.outLen;
    c.buf = out;
    c.off = r.outOff;
    c.end = c.wireEnd = r.outOff + r.outLen;
    c.pendingTunnel = 0;
    c.expectVersion = 0;
    // The datagram is whole now. An IPv6 datagram keeps the identification of its fragment
    // header in `ipId` (the header itself is gone); IPv4 re-reads it from its header.
    meta.fragOffset = 0;
    meta.moreFragments = false;
    return v4 ? Layer.Ipv4 : Layer.Ipv6;
  }
}

/** Reset the fields a decode may leave unset (the reader owns buf, ts, lengths, linktype). */
function resetMeta(m: PacketMeta): void {
  m.vlan = -1;
  m.innerVlan = -1;
  m.ethertype = 0;
  m.ipVersion = 0;
  m.ipOff = 0;
  m.ipHdrLen = 0;
  m.ipLen = 0;
  m.srcOff = 0;
  m.dstOff = 0;
  m.addrLen = 0;
  m.ttl = 0;
  m.ipId = 0;
  m.fragOffset = 0;
  m.moreFragments = false;
  m.proto = 0;
  m.l4Off = 0;
  m.srcPort = 0;
  m.dstPort = 0;
  m.tcpFlags = 0;
  m.seq = 0;
  m.ack = 0;
  m.win = 0;
  m.tcpHdrLen = 0;
  m.icmpType = 0;
  m.icmpCode = 0;
  m.payloadOff = 0;
  m.payloadLen = 0;
  m.payloadWireLen = 0;
  m.tunnel = 0;
  m.outerSrcOff = 0;
  m.outerDstOff = 0;
  m.outerAddrLen = 0;
  m.outerProto = 0;
  m.outerSrcPort = 0;
  m.outerDstPort = 0;
}

