/**
 * What sits inside the link layer: VLAN tags, MPLS, PPPoE, VN-Tag, IPv4 and IPv6 headers,
 * TCP/UDP/ICMP, GRE, IP-in-IP and the UDP tunnels. Hand-written frames; every malformed
 * case asserts the Zeek weird name it is counted under. The well-formed tunnel frames were
 * cross-checked once with tshark 4 (same inner addresses and ports).
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { DecodeStatus, TunnelType } from '../../../src/core/packet.js';
import { PacketDecoder } from '../../../src/ingest/decode/packet-decoder.js';
import { eth, ext6, frag6, gre, icmp, ipv4, ipv6, tag, tcp, udp } from './frames.js';
import { decodeFrame, frameMeta, hex, snapshot } from './helpers.js';

const V4_SYN = ipv4({ proto: 6 }, tcp({ sport: 54321, dport: 80, flags: 0x02 }));
const V6_UDP = ipv6({ nh: 17 }, udp(57557, 53, hex('deadbeef')));
const anomaly = (code: string) => ({ status: DecodeStatus.Anomaly, anomalies: { [code]: 1 } });

describe('802.1Q / 802.1ad VLAN tags', () => {
  it('records one tag as vlan', () => {
    const r = decodeFrame(eth(0x8100, Buffer.concat([tag(100, 0x0800, 5), V4_SYN])), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ vlan: 100, innerVlan: -1, src: '192.168.0.1', dstPort: 80 });
  });

  it('records QinQ as vlan = outer S-tag, innerVlan = inner C-tag (Zeek vlan-logging)', () => {
    const r = decodeFrame(eth(0x88a8, Buffer.concat([tag(200, 0x8100), tag(2001, 0x86dd), V6_UDP])), 1);
    expect(r.p).toMatchObject({ vlan: 200, innerVlan: 2001, ipVersion: 6, dstPort: 53 });
    const old = decodeFrame(eth(0x9100, Buffer.concat([tag(7, 0x8100), tag(8, 0x0800), V4_SYN])), 1);
    expect(old.p).toMatchObject({ vlan: 7, innerVlan: 8, ipVersion: 4 });
  });

  it('keeps decoding a third tag, counting triple_tagged_vlan_unsupported as Zeek does', () => {
    const r = decodeFrame(eth(0x88a8, Buffer.concat([tag(1, 0x8100), tag(2, 0x8100), tag(3, 0x0800), V4_SYN])), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ vlan: 1, innerVlan: 3 });
    expect(r.anomalies).toEqual({ triple_tagged_vlan_unsupported: 1 });
  });

  it('names a truncated tag and an undefined inner protocol', () => {
    expect(decodeFrame(eth(0x8100, hex('0064 08')), 1)).toMatchObject(anomaly('truncated_VLAN_header'));
    // Zeek's bound: a whole tag with nothing after it is truncated too ("4 >= len").
    expect(decodeFrame(eth(0x8100, Buffer.concat([tag(100, 0x0800), Buffer.alloc(4)])).subarray(0, 18), 1, 60)).toMatchObject(anomaly('truncated_VLAN_header'));
    expect(decodeFrame(eth(0x8100, Buffer.concat([tag(100, 0x05ee), V4_SYN])), 1)).toMatchObject(anomaly('undefined_vlan_protocol'));
  });

  it('resets the VLAN fields for the next packet', () => {
    const a = new AnomalyCounter();
    const d = new PacketDecoder(a);
    const m1 = frameMeta(eth(0x8100, Buffer.concat([tag(100, 0x0800), V4_SYN])), 1);
    d.decode(m1, 't');
    expect(m1.vlan).toBe(100);
    const m2 = frameMeta(eth(0x0800, V4_SYN), 1);
    Object.assign(m2, { vlan: 100, innerVlan: 5, tunnel: 1, payloadLen: 99 });
    d.decode(m2, 't');
    expect(snapshot(m2, DecodeStatus.Ip)).toMatchObject({ vlan: -1, innerVlan: -1, tunnel: 0, payloadLen: 0 });
  });
});

describe('MPLS, PPPoE, VN-Tag', () => {
  it('skips an MPLS label stack and takes IPv4 or IPv6 from the version nibble', () => {
    // label 16 (S=0, TTL 64), label 17 (S=1, TTL 64)
    const stack = hex('00010 0 40', '00011 1 40');
    expect(decodeFrame(eth(0x8847, Buffer.concat([stack, V4_SYN])), 1).p).toMatchObject({ ipVersion: 4, dstPort: 80, ethertype: 0x8847 });
    expect(decodeFrame(eth(0x8847, Buffer.concat([hex('00011 1 40'), V6_UDP])), 1).p).toMatchObject({ ipVersion: 6, dstPort: 53 });
  });

  it('names a stack without bottom and a payload that is not IP', () => {
    expect(decodeFrame(eth(0x8847, hex('00010 0 40', '00011 0 40')), 1)).toMatchObject(anomaly('truncated_link_header'));
    // A pseudowire control word (first nibble 0) is not IP: Zeek's IP analyzer says unknown_ip_version.
    expect(decodeFrame(eth(0x8847, Buffer.concat([hex('00011 1 40', '00000000'), eth(0x0800, V4_SYN)])), 1)).toMatchObject(anomaly('unknown_ip_version'));
  });

  it('decodes PPPoE sessions carrying IPv4 (0x0021) and IPv6 (0x0057)', () => {
    // ver/type 0x11, code 0 (session data), session id 0x0001, length, PPP protocol.
    const pppoe = (ppp: string, p: Buffer) => Buffer.concat([hex('11 00 0001'), Buffer.from([0, p.length + 2]), hex(ppp), p]);
    const r4 = decodeFrame(eth(0x8864, pppoe('0021', V4_SYN)), 1);
    expect(r4.p).toMatchObject({ ipVersion: 4, src: '192.168.0.1', dstPort: 80, ethertype: 0x0800 });
    expect(decodeFrame(eth(0x8864, pppoe('0057', V6_UDP)), 1).p).toMatchObject({ ipVersion: 6, dstPort: 53 });
    // QinQ + PPPoE, as in Zeek's pppoe-over-qinq trace.
    const q = decodeFrame(eth(0x8100, Buffer.concat([tag(3704, 0x8100), tag(2474, 0x8864), pppoe('0021', V4_SYN)])), 1);
    expect(q.p).toMatchObject({ vlan: 3704, innerVlan: 2474, dstPort: 80 });
    const lcp = decodeFrame(eth(0x8864, pppoe('c021', hex('01 01 0004'))), 1);
    expect(lcp.status).toBe(DecodeStatus.NonIp);
    expect(lcp.p.ethertype).toBe(0x8864);
    expect(decodeFrame(eth(0x8863, hex('11 09 0000 0000')), 1).status).toBe(DecodeStatus.NonIp); // discovery
    expect(decodeFrame(eth(0x8864, hex('11 00 00')), 1)).toMatchObject(anomaly('truncated_pppoe_header'));
  });

  it('treats bytes beyond the PPPoE length as not captured (Zeek delivers only the PPPoE payload)', () => {
    // IP says 46 bytes (6 of TCP payload) but PPPoE covers only the first 40 of them.
    const ip = ipv4({ proto: 6 }, tcp({ flags: 0x10 }, hex('010203040506')));
    const frame = eth(0x8864, Buffer.concat([hex('11 00 0001 002a 0021'), ip]));
    const r = decodeFrame(frame, 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ ipLen: 46, payloadLen: 0, payloadWireLen: 6 });
  });

  it('decodes 802.1ah PBB (0x88e7): I-TAG, then the customer frame', () => {
    // Backbone VLAN tag, then I-TAG (I-SID 0x000100) and the customer Ethernet frame.
    const r = decodeFrame(eth(0x8100, Buffer.concat([tag(5, 0x88e7), hex('00 000100'), eth(0x8100, Buffer.concat([tag(77, 0x0800), V4_SYN]))])), 1);
    expect(r.p).toMatchObject({ vlan: 5, innerVlan: 77, dstPort: 80 });
    expect(decodeFrame(eth(0x88e7, hex('00 000100 020000000002')), 1)).toMatchObject(anomaly('truncated_PBB_header'));
  });

  it('decodes Cisco VN-Tag (0x8926)', () => {
    const r = decodeFrame(eth(0x8926, Buffer.concat([hex('8001 0002', '0800'), V4_SYN])), 1);
    expect(r.p).toMatchObject({ ipVersion: 4, dstPort: 80 });
    expect(decodeFrame(eth(0x8926, hex('8001 00')), 1)).toMatchObject(anomaly('truncated_vntag_header'));
  });
});

describe('IPv4', () => {
  it('decodes a header with options', () => {
    // Options: record route is overkill; four NOPs make IHL 6.
    const p = ipv4({ proto: 17, options: hex('01010101'), ttl: 3, id: 0xbeef }, udp(1000, 2000, hex('aa')));
    const r = decodeFrame(eth(0x0800, p), 1);
    expect(r.p).toMatchObject({ ttl: 3, ipId: 0xbeef, srcPort: 1000, dstPort: 2000, payloadLen: 1, ipLen: 33 });
    expect(r.meta.ipHdrLen).toBe(24);
    expect(r.meta.l4Off).toBe(14 + 24);
  });

  it('names each broken header as Zeek does', () => {
    expect(decodeFrame(eth(0x0800, V4_SYN.subarray(0, 19)), 1)).toMatchObject(anomaly('truncated_IP'));
    // Total length 60 but only 40 bytes on the wire.
    expect(decodeFrame(eth(0x0800, ipv4({ proto: 6, totalLen: 60 }, tcp({})), ), 1)).toMatchObject(anomaly('truncated_IP_len'));
    // IHL 15 (60 bytes) but total length 40.
    expect(decodeFrame(eth(0x0800, ipv4({ proto: 6, ihl: 15 }, tcp({}))), 1)).toMatchObject(anomaly('invalid_IP_header_size'));
    // IHL 4 (16 bytes): below the minimum.
    expect(decodeFrame(eth(0x0800, ipv4({ proto: 6, ihl: 4 }, tcp({}))), 1)).toMatchObject(anomaly('IPv4_min_header_size'));
    // IHL 6 with a snaplen cutting the options: the wire has them, the capture does not.
    const opt = eth(0x0800, ipv4({ proto: 6, options: hex('01010101') }, tcp({})));
    expect(decodeFrame(opt.subarray(0, 14 + 22), 1, opt.length)).toMatchObject(anomaly('internally_truncated_header'));
    // Version 6 behind ethertype 0x0800.
    expect(decodeFrame(eth(0x0800, Buffer.concat([V6_UDP])), 1)).toMatchObject(anomaly('bad_ip_version'));
  });

  it('copes with a zero total length (segmentation offload) by using the frame, counting ip_hdr_len_zero', () => {
    const p = ipv4({ proto: 6, totalLen: 0 }, tcp({}, hex('0102030405')));
    const r = decodeFrame(eth(0x0800, p), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.anomalies).toEqual({ ip_hdr_len_zero: 1 });
    expect(r.p).toMatchObject({ ipLen: 45, payloadLen: 5 });
  });

  it('decodes a snaplen-cut payload without an anomaly: payloadLen is captured, payloadWireLen per headers', () => {
    const full = eth(0x0800, ipv4({ proto: 6 }, tcp({ flags: 0x18 }, Buffer.alloc(100, 0x61))));
    const r = decodeFrame(full.subarray(0, 14 + 40 + 10), 1, full.length);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.anomalies).toEqual({});
    expect(r.p).toMatchObject({ ipLen: 140, payloadLen: 10, payloadWireLen: 100, tcpFlags: 0x18 });
  });
});

describe('IPv6 extension headers', () => {
  it('walks hop-by-hop, destination options, routing and AH to the transport header', () => {
    const ah = Buffer.concat([hex('06 04 0000', '00000100', '00000001'), Buffer.alloc(12)]); // next TCP, len 4 -> 24 bytes
    const chain = Buffer.concat([ext6(60, 0), ext6(43, 1), ext6(51, 0), ah, tcp({ dport: 443 })]);
    const r = decodeFrame(eth(0x86dd, ipv6({ nh: 0 }, chain)), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ proto: 6, dstPort: 443 });
    expect(r.meta.ipHdrLen).toBe(40 + 8 + 16 + 8 + 24);
  });

  it('stops at ESP (the rest is encrypted) and counts "no next header" as Zeek does', () => {
    const esp = decodeFrame(eth(0x86dd, ipv6({ nh: 50 }, hex('00001000 00000001 cafebabe'))), 1);
    expect(esp.status).toBe(DecodeStatus.Ip);
    expect(esp.p).toMatchObject({ proto: 50, payloadLen: 12 });
    expect(decodeFrame(eth(0x86dd, ipv6({ nh: 60 }, ext6(59, 0))), 1)).toMatchObject(anomaly('ipv6_no_next'));
  });

  it('names extension headers running past the payload length or the capture', () => {
    // Destination options claiming 16 bytes in an 8-byte payload.
    expect(decodeFrame(eth(0x86dd, ipv6({ nh: 60 }, ext6(6, 1).subarray(0, 8))), 1)).toMatchObject(anomaly('invalid_IP_header_size'));
    const full = eth(0x86dd, ipv6({ nh: 60 }, Buffer.concat([ext6(6, 1), tcp({})])));
    expect(decodeFrame(full.subarray(0, 14 + 40 + 10), 1, full.length)).toMatchObject(anomaly('internally_truncated_header'));
    expect(decodeFrame(eth(0x86dd, V6_UDP.subarray(0, 39)), 1)).toMatchObject(anomaly('truncated_IP'));
    expect(decodeFrame(eth(0x86dd, ipv6({ nh: 17, plen: 100 }, udp(1, 2, hex('00')))), 1)).toMatchObject(anomaly('truncated_IP_len'));
  });

  it('decodes an atomic fragment (offset 0, M clear, RFC 6946) directly', () => {
    const r = decodeFrame(eth(0x86dd, ipv6({ nh: 44 }, Buffer.concat([frag6(17, 0, false, 0xabcdef01), udp(5, 6, hex('00'))]))), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ proto: 17, srcPort: 5, ipId: 0xabcdef01 });
  });
});

describe('TCP, UDP, ICMP, ICMPv6', () => {
  it('reads TCP fields and options length', () => {
    const t = tcp({ sport: 443, dport: 50000, seq: 0xfffffff0, ack: 0x80000001, flags: 0x12, win: 29200, options: hex('020405b4 01030307') }, hex('68690a'));
    const r = decodeFrame(eth(0x0800, ipv4({ proto: 6 }, t)), 1);
    expect(r.p).toMatchObject({ srcPort: 443, dstPort: 50000, seq: 0xfffffff0, ack: 0x80000001, tcpFlags: 0x12, win: 29200, payloadLen: 3 });
    expect(r.meta.tcpHdrLen).toBe(28);
    expect(r.p.payload.toString()).toBe('hi\n');
  });

  it('names TCP header problems as Zeek does', () => {
    expect(decodeFrame(eth(0x0800, ipv4({ proto: 6 }, tcp({ doff: 4 }))), 1)).toMatchObject(anomaly('bad_TCP_header_len'));
    // Only 10 bytes of TCP in the IP payload.
    expect(decodeFrame(eth(0x0800, ipv4({ proto: 6 }, tcp({}).subarray(0, 10))), 1)).toMatchObject(anomaly('truncated_header'));
    // The IP payload holds the header, the capture cut it.
    const f = eth(0x0800, ipv4({ proto: 6 }, tcp({})));
    expect(decodeFrame(f.subarray(0, 14 + 20 + 12), 1, f.length)).toMatchObject(anomaly('internally_truncated_header'));
    // Options cut by the snaplen (Zeek's truncated-header.pcap case).
    const o = eth(0x0800, ipv4({ proto: 6 }, tcp({ options: hex('020405b4 0402080a 00000001 00000000 01030307') })));
    expect(decodeFrame(o.subarray(0, 68), 1, o.length)).toMatchObject(anomaly('truncated_header'));
  });

  it('reads UDP, counting a length field that disagrees with IP (Zeek keeps the IP length)', () => {
    const r = decodeFrame(eth(0x0800, ipv4({ proto: 17 }, udp(53, 1024, hex('0102'), 200))), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.anomalies).toEqual({ UDP_datagram_length_mismatch: 1 });
    expect(r.p).toMatchObject({ payloadLen: 2, payloadWireLen: 2 });
    expect(decodeFrame(eth(0x0800, ipv4({ proto: 17 }, hex('0035 0400 00'))), 1)).toMatchObject(anomaly('truncated_header'));
  });

  it('reads ICMP and ICMPv6 type and code', () => {
    const r4 = decodeFrame(eth(0x0800, ipv4({ proto: 1 }, icmp(8, 0, hex('00010002 61626364')))), 1);
    expect(r4.p).toMatchObject({ proto: 1, icmpType: 8, icmpCode: 0, payloadLen: 4, srcPort: 0 });
    const r6 = decodeFrame(eth(0x86dd, ipv6({ nh: 58 }, icmp(135, 0, Buffer.alloc(20)))), 1);
    expect(r6.p).toMatchObject({ proto: 58, icmpType: 135, payloadLen: 16 });
    expect(decodeFrame(eth(0x0800, ipv4({ proto: 1 }, hex('0800 0000'))), 1)).toMatchObject(anomaly('truncated_header'));
  });

  it('hands other protocols on with the IP payload (Zeek: unknown_transport)', () => {
    const r = decodeFrame(eth(0x0800, ipv4({ proto: 132 }, hex('0b59 0b59 00000000'))), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ proto: 132, payloadLen: 8, srcPort: 0 });
  });
});

describe('GRE and IP-in-IP tunnels', () => {
  const outer4 = (proto: number, inner: Buffer) => ipv4({ proto, src: '10.0.0.1', dst: '10.0.0.2' }, inner);
  const tunnelOf = (r: ReturnType<typeof decodeFrame>) => ({ tunnel: r.p.tunnel, outerSrc: r.p.outerSrc, outerDst: r.p.outerDst, outerProto: r.p.outerProto });

  it('decodes the inner packet of plain GRE and records the outer addresses', () => {
    const r = decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0x0000, 0x0800), V4_SYN]))), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ src: '192.168.0.1', dst: '192.168.0.2', dstPort: 80 });
    expect(tunnelOf(r)).toEqual({ tunnel: TunnelType.Gre, outerSrc: '10.0.0.1', outerDst: '10.0.0.2', outerProto: 47 });
  });

  it('skips checksum, key and sequence fields', () => {
    // C|K|S = 0xb000: checksum+offset, key 42, sequence 7.
    const r = decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0xb000, 0x86dd, 0, 42, 7), V6_UDP]))), 1);
    expect(r.p).toMatchObject({ ipVersion: 6, dstPort: 53, tunnel: TunnelType.Gre });
  });

  it('decodes Ethernet over GRE (0x6558) and ERSPAN II / III', () => {
    const inner = eth(0x8100, Buffer.concat([tag(9, 0x0800), V4_SYN]));
    const teb = decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0x2000, 0x6558, 1), inner]))), 1);
    expect(teb.p).toMatchObject({ dstPort: 80, tunnel: TunnelType.Gre, vlan: -1 });
    // ERSPAN type II: S flag, 8-byte ERSPAN header (version 1, VLAN 0, session 5).
    const e2 = decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0x1000, 0x88be, 1), hex('10000005 00000000'), eth(0x0800, V4_SYN)]))), 1);
    expect(e2.p).toMatchObject({ dstPort: 80, outerSrc: '10.0.0.1' });
    // ERSPAN type III: 12-byte header with the O bit clear.
    const e3 = decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0x1000, 0x22eb, 1), hex('20000005 00000000 00000000'), eth(0x0800, V4_SYN)]))), 1);
    expect(e3.p).toMatchObject({ dstPort: 80 });
  });

  it('decodes PPTP enhanced GRE (version 1) carrying PPP', () => {
    // K|S|A|ver 1 = 0x3081, protocol 0x880b, payload length + call id, sequence, ack.
    const pptp = Buffer.concat([gre(0x3081, 0x880b, 0x00280000, 5, 4), hex('ff03 0021'), V4_SYN]);
    const r = decodeFrame(eth(0x0800, outer4(47, pptp)), 1);
    expect(r.p).toMatchObject({ dstPort: 80, tunnel: TunnelType.Gre });
    const lcp = Buffer.concat([gre(0x3001, 0x880b, 0x00080000, 0), hex('ff03 c021 01000004')]);
    expect(decodeFrame(eth(0x0800, outer4(47, lcp)), 1)).toMatchObject(anomaly('non_ip_packet_in_encap'));
  });

  it('names bad GRE headers as Zeek does', () => {
    expect(decodeFrame(eth(0x0800, outer4(47, hex('0000 08'))), 1)).toMatchObject(anomaly('truncated_GRE'));
    expect(decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0x0002, 0x0800), V4_SYN]))), 1)).toMatchObject(anomaly('unknown_gre_version'));
    expect(decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0x4000, 0x0800, 0), V4_SYN]))), 1)).toMatchObject(anomaly('gre_routing'));
    expect(decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0x0008, 0x0800), V4_SYN]))), 1)).toMatchObject(anomaly('unknown_gre_flags'));
    expect(decodeFrame(eth(0x0800, outer4(47, Buffer.concat([gre(0x3001, 0x0800, 0, 0), V4_SYN]))), 1)).toMatchObject(anomaly('egre_protocol_type'));
  });

  it('decodes IPv4-in-IPv4 (4) and IPv6-in-IPv4 (41)', () => {
    const r = decodeFrame(eth(0x0800, outer4(4, V4_SYN)), 1);
    expect(r.p).toMatchObject({ src: '192.168.0.1', dstPort: 80 });
    expect(tunnelOf(r)).toEqual({ tunnel: TunnelType.IpInIp, outerSrc: '10.0.0.1', outerDst: '10.0.0.2', outerProto: 4 });
    const r6 = decodeFrame(eth(0x0800, outer4(41, V6_UDP)), 1);
    expect(r6.p).toMatchObject({ ipVersion: 6, src: '2001:db8::1', dstPort: 53, outerProto: 41 });
  });

  it('names inner packets that do not fit the tunnel (Zeek IPTunnel weirds)', () => {
    expect(decodeFrame(eth(0x0800, outer4(41, V4_SYN)), 1)).toMatchObject(anomaly('invalid_inner_IP_version'));
    // Inner total length 60 in a 40-byte outer payload.
    expect(decodeFrame(eth(0x0800, outer4(4, ipv4({ proto: 6, totalLen: 60 }, tcp({})))), 1)).toMatchObject(anomaly('truncated_inner_IP'));
    expect(decodeFrame(eth(0x0800, outer4(4, Buffer.concat([V4_SYN, hex('0000')]))), 1)).toMatchObject(anomaly('inner_IP_payload_length_mismatch'));
  });

  it('unwraps at most two tunnels (Zeek Tunnel::max_depth) and keeps the outermost addresses', () => {
    const two = outer4(4, ipv4({ proto: 47, src: '172.16.0.1', dst: '172.16.0.2' }, Buffer.concat([gre(0, 0x0800), V4_SYN])));
    const r = decodeFrame(eth(0x0800, two), 1);
    expect(r.p).toMatchObject({ src: '192.168.0.1', dstPort: 80, outerSrc: '10.0.0.1', tunnel: TunnelType.IpInIp });
    const three = outer4(4, ipv4({ proto: 4 }, ipv4({ proto: 4 }, V4_SYN)));
    expect(decodeFrame(eth(0x0800, three), 1)).toMatchObject(anomaly('exceeded_tunnel_max_depth'));
  });

  it('decodes VXLAN (UDP 4789) and Geneve (UDP 6081) to the inner frame, keeping the outer UDP ports', () => {
    // VXLAN: flags 0x08 (VNI valid), VNI 0x001234.
    const vx = udp(49152, 4789, Buffer.concat([hex('08000000 00123400'), eth(0x0800, V4_SYN)]));
    const r = decodeFrame(eth(0x0800, outer4(17, vx)), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ src: '192.168.0.1', dstPort: 80, tunnel: TunnelType.Vxlan, outerSrc: '10.0.0.1', outerProto: 17 });
    expect([r.meta.outerSrcPort, r.meta.outerDstPort]).toEqual([49152, 4789]);
    // Geneve: version 0, 4 bytes of options (optlen 1), protocol 0x6558, VNI 7, one option.
    const gv = udp(40000, 6081, Buffer.concat([hex('01 00 6558 000007 00', '0102 0300'), eth(0x86dd, V6_UDP)]));
    const g = decodeFrame(eth(0x0800, outer4(17, gv)), 1);
    expect(g.p).toMatchObject({ ipVersion: 6, dstPort: 53, tunnel: TunnelType.Geneve });
    expect([g.meta.outerSrcPort, g.meta.outerDstPort]).toEqual([40000, 6081]);
  });

  it('leaves a UDP packet on a tunnel port as plain UDP when the tunnel header does not check out', () => {
    // VXLAN without the I flag (Zeek: analyzer violation, the UDP connection goes on).
    const r = decodeFrame(eth(0x0800, outer4(17, udp(1, 4789, Buffer.concat([hex('00000000 00000000'), eth(0x0800, V4_SYN)])))), 1);
    expect(r.status).toBe(DecodeStatus.Ip);
    expect(r.p).toMatchObject({ src: '10.0.0.1', dstPort: 4789, tunnel: 0, payloadLen: 8 + 54 });
    const bad = decodeFrame(eth(0x0800, outer4(17, udp(1, 6081, Buffer.concat([hex('40 00 6558 000007 00'), eth(0x0800, V4_SYN)])))), 1);
    expect(bad).toMatchObject({ status: DecodeStatus.Ip, anomalies: { geneve_invalid_version: 1 } });
    expect(bad.p.dstPort).toBe(6081);
  });

  it('decodes Teredo (UDP 3544) with origin indication and authentication, in both directions', () => {
    // Server -> client: origin indication (0x0000, obfuscated port and address), then IPv6.
    const down = udp(3544, 51000, Buffer.concat([hex('0000 f227 3fffffff'), V6_UDP]));
    const r = decodeFrame(eth(0x0800, outer4(17, down)), 1);
    expect(r.p).toMatchObject({ ipVersion: 6, src: '2001:db8::1', dstPort: 53, tunnel: TunnelType.Teredo, outerProto: 17 });
    expect([r.meta.outerSrcPort, r.meta.outerDstPort]).toEqual([3544, 51000]);
    // Client -> server: authentication (id length 2, auth length 0, id, nonce, confirmation).
    const up = udp(51000, 3544, Buffer.concat([hex('0001 02 00', 'abcd', '0102030405060708', '00'), V6_UDP]));
    expect(decodeFrame(eth(0x0800, outer4(17, up)), 1).p).toMatchObject({ ipVersion: 6, tunnel: TunnelType.Teredo });
  });

  it('keeps Teredo bubbles and non-Teredo payloads on port 3544 as plain UDP', () => {
    const bubble = udp(51000, 3544, ipv6({ nh: 59 }, Buffer.alloc(0)));
    expect(decodeFrame(eth(0x0800, outer4(17, bubble)), 1).p).toMatchObject({ dstPort: 3544, tunnel: 0, ipVersion: 4 });
    // An IPv6 header whose payload length does not fill the UDP payload (Zeek: violation).
    const short = udp(51000, 3544, Buffer.concat([V6_UDP, hex('00')]));
    expect(decodeFrame(eth(0x0800, outer4(17, short)), 1).p).toMatchObject({ dstPort: 3544, tunnel: 0 });
  });

  it('decodes GTPv1-U G-PDUs (UDP 2152), with the optional fields and an extension header', () => {
    // version 1, PT 1, no options; G-PDU; length; TEID 0x11223344.
    const plain = udp(2152, 2152, Buffer.concat([hex('30 ff'), Buffer.from([0, V4_SYN.length]), hex('11223344'), V4_SYN]));
    const r = decodeFrame(eth(0x0800, outer4(17, plain)), 1);
    expect(r.p).toMatchObject({ src: '192.168.0.1', dstPort: 80, tunnel: TunnelType.Gtpv1, outerSrc: '10.0.0.1' });
    // E and S set (length 60 = 4 + 4 + 52): sequence 1, N-PDU 0, next extension 0x85 (PDU session container, 1 unit), then IPv6.
    const ext = udp(2152, 2152, Buffer.concat([hex('36 ff 003c 11223344', '0001 00 85', '01 10 01 00'), V6_UDP]));
    expect(decodeFrame(eth(0x0800, outer4(17, ext)), 1).p).toMatchObject({ ipVersion: 6, dstPort: 53, tunnel: TunnelType.Gtpv1 });
    // An echo request (type 1) is GTP signalling: plain UDP.
    const echo = udp(2152, 2152, hex('32 01 0004 00000000 0001 0000'));
    expect(decodeFrame(eth(0x0800, outer4(17, echo)), 1).p).toMatchObject({ dstPort: 2152, tunnel: 0 });
  });

  it('decodes AYIYA (UDP 5072) "forward" messages; other opcodes stay plain UDP', () => {
    // id len 4 (16 bytes) / type 1, sig len 5 (20 bytes) / SHA1, auth 2 / opcode 1 (forward), next header 41, epoch.
    const hdr = (opcode: number) => Buffer.concat([Buffer.from([0x41, 0x52, 0x20 | opcode, 41]), hex('4f000000'), Buffer.alloc(16, 1), Buffer.alloc(20, 2)]);
    const r = decodeFrame(eth(0x0800, outer4(17, udp(5072, 5072, Buffer.concat([hdr(1), V6_UDP])))), 1);
    expect(r.p).toMatchObject({ ipVersion: 6, dstPort: 53, tunnel: TunnelType.Ayiya });
    const echo = decodeFrame(eth(0x0800, outer4(17, udp(5072, 5072, Buffer.concat([hdr(2), V6_UDP])))), 1);
    expect(echo.p).toMatchObject({ dstPort: 5072, tunnel: 0 });
  });
});
