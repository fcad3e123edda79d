/**
 * Link layers, one hand-written frame per link type (LINKTYPE_* numbers from
 * https://www.tcpdump.org/linktypes.html), each carrying the same small IP packets.
 */
import { describe, expect, it } from 'vitest';
import { DecodeStatus } from '../../../src/core/packet.js';
import { eth, ipv4, ipv6, tcp, udp } from './frames.js';
import { decodeFrame, hex } from './helpers.js';

// IPv4 192.168.0.1:54321 -> 192.168.0.2:80, TCP SYN seq 1, 40 bytes.
const V4_SYN = ipv4({ proto: 6 }, tcp({ sport: 54321, dport: 80, seq: 1, flags: 0x02 }));
// IPv6 [2001:db8::1]:57557 -> [2001:db8::2]:53, UDP with 4 payload bytes.
const V6_UDP = ipv6({ nh: 17 }, udp(57557, 53, hex('deadbeef')));

function expectV4Syn(r: ReturnType<typeof decodeFrame>): void {
  expect(r.status).toBe(DecodeStatus.Ip);
  expect(r.anomalies).toEqual({});
  expect(r.p).toMatchObject({
    ipVersion: 4, src: '192.168.0.1', dst: '192.168.0.2', proto: 6, srcPort: 54321, dstPort: 80,
    tcpFlags: 0x02, seq: 1, ipLen: 40, payloadLen: 0, payloadWireLen: 0, ethertype: 0x0800,
  });
}

function expectV6Udp(r: ReturnType<typeof decodeFrame>): void {
  expect(r.status).toBe(DecodeStatus.Ip);
  expect(r.anomalies).toEqual({});
  expect(r.p).toMatchObject({
    ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2', proto: 17, srcPort: 57557, dstPort: 53,
    ipLen: 52, payloadLen: 4, payloadWireLen: 4, ethertype: 0x86dd,
  });
  expect(r.p.payload.toString('hex')).toBe('deadbeef');
}

describe('Ethernet (LINKTYPE_ETHERNET 1)', () => {
  it('decodes IPv4 and IPv6 and ignores padding and FCS after the IP datagram', () => {
    // 14 + 40 = 54 bytes, padded to the 60-byte minimum, plus a 4-byte FCS.
    const frame = Buffer.concat([eth(0x0800, V4_SYN), Buffer.alloc(6), hex('c0ffee01')]);
    const r = decodeFrame(frame, 1);
    expectV4Syn(r);
    expect(r.p.vlan).toBe(-1);
    expectV6Udp(decodeFrame(eth(0x86dd, V6_UDP), 1));
  });

  it('ignores the FCS bits in the upper half of the link-type field', () => {
    expectV4Syn(decodeFrame(eth(0x0800, V4_SYN), 0x04000001));
  });

  it('counts ARP as non-IP under its ethertype', () => {
    const arp = hex('0001 0800 06 04 0001', '020000000001 c0a80001', '000000000000 c0a80002');
    const r = decodeFrame(eth(0x0806, arp), 1);
    expect(r.status).toBe(DecodeStatus.NonIp);
    expect(r.p.ethertype).toBe(0x0806);
    expect(r.anomalies).toEqual({});
  });

  it('takes an 802.3 length frame as LLC: STP is non-IP, SNAP with ethertype 0x0800 is IP', () => {
    // 802.3 length 38, LLC DSAP 0x42 SSAP 0x42 ctrl 0x03 (STP BPDU).
    const stp = Buffer.concat([hex('0180c2000000 020000000001 0026', '42 42 03'), Buffer.alloc(35)]);
    const r = decodeFrame(stp, 1);
    expect(r.status).toBe(DecodeStatus.NonIp);
    expect(r.p.ethertype).toBe(0);
    // SNAP: DSAP 0xaa SSAP 0xaa ctrl 0x03, OUI 000000, ethertype 0x0800.
    const snap = Buffer.concat([hex('020000000002 020000000001'), hex((8 + V4_SYN.length).toString(16).padStart(4, '0')), hex('aa aa 03 000000 0800'), V4_SYN]);
    expectV4Syn(decodeFrame(snap, 1));
  });

  it('names a truncated header and an undefined ethertype', () => {
    expect(decodeFrame(hex('020000000002 0200000000'), 1)).toMatchObject({ status: DecodeStatus.Anomaly, anomalies: { truncated_ethernet_frame: 1 } });
    // Zeek's EthernetAnalyzer wants more than 16 bytes: a header and two bytes are still truncated.
    expect(decodeFrame(eth(0x0800, hex('4500')), 1, 60)).toMatchObject({ status: DecodeStatus.Anomaly, anomalies: { truncated_ethernet_frame: 1 } });
    expect(decodeFrame(eth(0x05ff, V4_SYN), 1)).toMatchObject({ status: DecodeStatus.Anomaly, anomalies: { undefined_ether_type: 1 } });
  });
});

describe('BSD loopback (LINKTYPE_NULL 0, LINKTYPE_LOOP 108)', () => {
  it('reads the address family in either byte order', () => {
    expectV4Syn(decodeFrame(Buffer.concat([hex('02000000'), V4_SYN]), 0)); // AF_INET, little-endian host
    expectV4Syn(decodeFrame(Buffer.concat([hex('00000002'), V4_SYN]), 0)); // AF_INET, big-endian host
    expectV4Syn(decodeFrame(Buffer.concat([hex('00000002'), V4_SYN]), 108)); // LOOP: network order
  });

  it('knows the three AF_INET6 values (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS)', () => {
    for (const fam of ['18000000', '1c000000', '0000001e']) expectV6Udp(decodeFrame(Buffer.concat([hex(fam), V6_UDP]), 0));
  });

  it('counts another family as non-IP and a short header as null_analyzer_failed', () => {
    const r = decodeFrame(Buffer.concat([hex('07000000'), V4_SYN]), 0); // AF_OSI-ish
    expect(r.status).toBe(DecodeStatus.NonIp);
    expect(r.p.ethertype).toBe(7);
    expect(decodeFrame(hex('020000'), 0).anomalies).toEqual({ null_analyzer_failed: 1 });
  });
});

describe('PPP (LINKTYPE_PPP 9)', () => {
  it('decodes with and without HDLC framing and with a compressed protocol field', () => {
    expectV4Syn(decodeFrame(Buffer.concat([hex('ff 03 0021'), V4_SYN]), 9)); // address, control, IPv4
    expectV6Udp(decodeFrame(Buffer.concat([hex('0057'), V6_UDP]), 9)); // IPv6, no framing
    expectV4Syn(decodeFrame(Buffer.concat([hex('21'), V4_SYN]), 9)); // protocol-field compression
  });

  it('counts LCP as non-IP and a short header as truncated_ppp_header', () => {
    expect(decodeFrame(hex('ff03 c021 01 01 0004'), 9).status).toBe(DecodeStatus.NonIp);
    expect(decodeFrame(hex('00'), 9).anomalies).toEqual({ truncated_ppp_header: 1 });
  });
});

describe('raw IP (LINKTYPE_RAW 101, DLT_RAW 12/14, LINKTYPE_IPV4 228, LINKTYPE_IPV6 229)', () => {
  it('picks the version from the first nibble for 12, 14 and 101', () => {
    for (const lt of [12, 14, 101]) {
      expectV4Syn(decodeFrame(V4_SYN, lt));
      expectV6Udp(decodeFrame(V6_UDP, lt));
    }
  });

  it('holds 228 to IPv4 and 229 to IPv6 (bad_ip_version otherwise, as tcpdump and Wireshark)', () => {
    expectV4Syn(decodeFrame(V4_SYN, 228));
    expectV6Udp(decodeFrame(V6_UDP, 229));
    expect(decodeFrame(V6_UDP, 228)).toMatchObject({ status: DecodeStatus.Anomaly, anomalies: { bad_ip_version: 1 } });
    expect(decodeFrame(V4_SYN, 229)).toMatchObject({ status: DecodeStatus.Anomaly, anomalies: { bad_ip_version: 1 } });
  });

  it('names a version that is neither 4 nor 6', () => {
    const v5 = Buffer.from(V4_SYN);
    v5[0] = 0x55;
    expect(decodeFrame(v5, 101).anomalies).toEqual({ unknown_ip_version: 1 });
    expect(decodeFrame(Buffer.alloc(0), 101).anomalies).toEqual({ truncated_IP: 1 });
  });
});

describe('Linux cooked capture (LINKTYPE_LINUX_SLL 113, LINKTYPE_LINUX_SLL2 276)', () => {
  // packet type 0 (to us), ARPHRD_ETHER 1, address length 6, address (8), protocol.
  const sll = (proto: string, arphrd = '0001') => hex('0000', arphrd, '0006', '020000000001 0000', proto);
  // protocol, reserved, interface index 2, ARPHRD_ETHER, packet type 0, address length 6, address (8).
  const sll2 = (proto: string) => hex(proto, '0000', '00000002', '0001', '00', '06', '020000000001 0000');

  it('decodes IPv4 in SLL and IPv6 in SLL2', () => {
    expectV4Syn(decodeFrame(Buffer.concat([sll('0800'), V4_SYN]), 113));
    expectV6Udp(decodeFrame(Buffer.concat([sll2('86dd'), V6_UDP]), 276));
  });

  it('counts ARP, 802.2 LLC and netlink frames as non-IP', () => {
    expect(decodeFrame(Buffer.concat([sll('0806'), Buffer.alloc(28)]), 113).p.ethertype).toBe(0x0806);
    expect(decodeFrame(Buffer.concat([sll('0004'), Buffer.alloc(8)]), 113).status).toBe(DecodeStatus.NonIp);
    expect(decodeFrame(Buffer.concat([sll('0000', '0338'), Buffer.alloc(16)]), 113).status).toBe(DecodeStatus.NonIp);
    expect(decodeFrame(Buffer.concat([sll2('0806'), Buffer.alloc(28)]), 276).status).toBe(DecodeStatus.NonIp);
  });

  it('names truncated headers', () => {
    expect(decodeFrame(sll('0800').subarray(0, 15), 113).anomalies).toEqual({ truncated_Linux_SLL_header: 1 });
    expect(decodeFrame(sll2('0800').subarray(0, 19), 276).anomalies).toEqual({ truncated_Linux_SLL2_header: 1 });
  });
});

describe('NFLOG (LINKTYPE_NFLOG 239)', () => {
  // TLVs: length and type little-endian (host order), length without the padding.
  const prefixTlv = hex('0900 0a00', '6162630000', '000000'); // len 9, type 10 (prefix "abc\0\0"), 3 pad bytes
  const hwTlv = hex('0800 0100', '0800 0300'); // len 8, type 1 (packet header: hw protocol 0x0800, hook 3)
  const payloadTlv = (p: Buffer) => Buffer.concat([Buffer.from([(p.length + 4) & 0xff, (p.length + 4) >> 8, 9, 0]), p]);

  it('walks the TLVs to the payload (type 9) and decodes it by the family', () => {
    const v4 = Buffer.concat([hex('02 00 0000'), hwTlv, prefixTlv, payloadTlv(V4_SYN)]); // AF_INET, version 0, resource 0
    expectV4Syn(decodeFrame(v4, 239));
    const v6 = Buffer.concat([hex('0a 00 0001'), prefixTlv, payloadTlv(V6_UDP)]); // AF_INET6
    expectV6Udp(decodeFrame(v6, 239));
  });

  it('names a bad TLV length, a missing payload and an unknown version', () => {
    // The first TLV claims 256 bytes, more than the packet holds (Zeek: nflog_bad_tlv_len).
    expect(decodeFrame(Buffer.concat([hex('02 00 0000', '0001 0a00'), Buffer.alloc(8)]), 239).anomalies).toEqual({ nflog_bad_tlv_len: 1 });
    // A TLV length below its own 4-byte header would never advance.
    expect(decodeFrame(hex('02 00 0000', '0200 0a00', '00000000'), 239).anomalies).toEqual({ nflog_bad_tlv_len: 1 });
    expect(decodeFrame(Buffer.concat([hex('02 00 0000'), hwTlv]), 239).anomalies).toEqual({ nflog_no_pcap_payload: 1 });
    expect(decodeFrame(Buffer.concat([hex('02 01 0000'), payloadTlv(V4_SYN)]), 239).anomalies).toEqual({ unknown_nflog_version: 1 });
    expect(decodeFrame(hex('0200'), 239).anomalies).toEqual({ truncated_nflog_header: 1 });
  });
});

describe('PPP in HDLC framing (50), PPPoE without Ethernet (51), Cisco HDLC (104)', () => {
  it('decodes each to the IP packet', () => {
    expectV4Syn(decodeFrame(Buffer.concat([hex('ff 03 0021'), V4_SYN]), 50));
    // ver/type 0x11, code 0, session 0x0001, length 42 (PPP protocol + 40 bytes), PPP IPv4.
    expectV4Syn(decodeFrame(Buffer.concat([hex('11 00 0001 002a 0021'), V4_SYN]), 51));
    // Cisco HDLC: address 0x0f (unicast), control 0, ethertype 0x86dd.
    expectV6Udp(decodeFrame(Buffer.concat([hex('0f 00 86dd'), V6_UDP]), 104));
    expect(decodeFrame(hex('0f 00 08'), 104).anomalies).toEqual({ truncated_link_header: 1 });
  });
});

describe('IEEE 802.11 (LINKTYPE_IEEE802_11 105) and radiotap (127)', () => {
  const llcV4 = Buffer.concat([hex('aa aa 03 000000 0800'), V4_SYN]);
  // frame control, duration, addr1 (BSSID), addr2 (source), addr3 (destination), sequence control
  const hdr = (fc: string) => hex(fc, '0000', '020000000003 020000000001 020000000002', '1000');

  it('decodes data frames: plain, QoS, four-address, and behind radiotap', () => {
    expectV4Syn(decodeFrame(Buffer.concat([hdr('0801'), llcV4]), 105)); // data, To DS
    const qos = Buffer.concat([hdr('8802'), hex('0000'), hex('aa aa 03 000000 86dd'), V6_UDP]); // QoS data, From DS
    expectV6Udp(decodeFrame(qos, 105));
    expectV4Syn(decodeFrame(Buffer.concat([hdr('0803'), hex('020000000004'), llcV4]), 105)); // WDS: 4th address
    // radiotap: version 0, pad, length 8, present flags 0.
    expectV4Syn(decodeFrame(Buffer.concat([hex('00 00 0800 00000000'), hdr('0801'), llcV4, hex('deadbeef')]), 127));
  });

  it('decodes the first subframe of an A-MSDU', () => {
    const sub = Buffer.concat([hex('020000000002 020000000001'), Buffer.from([0, llcV4.length]), llcV4]);
    expectV4Syn(decodeFrame(Buffer.concat([hdr('8801'), hex('8000'), sub, hex('0000'), sub]), 105));
  });

  it('counts management, null-data and protected frames as non-IP', () => {
    expect(decodeFrame(Buffer.concat([hdr('8000'), Buffer.alloc(40)]), 105).status).toBe(DecodeStatus.NonIp); // beacon
    expect(decodeFrame(Buffer.concat([hdr('4801'), Buffer.alloc(4)]), 105).status).toBe(DecodeStatus.NonIp); // null data
    expect(decodeFrame(Buffer.concat([hdr('0841'), Buffer.alloc(60)]), 105).status).toBe(DecodeStatus.NonIp); // protected
  });

  it("names truncated headers with Zeek's weirds", () => {
    expect(decodeFrame(hdr('0801'), 105).anomalies).toEqual({ truncated_802_11_header: 1 });
    expect(decodeFrame(Buffer.concat([hdr('0801'), hex('aaaa03')]), 105).anomalies).toEqual({ truncated_802_11_llc_header: 1 });
    expect(decodeFrame(hex('00 00 4000 00000000'), 127).anomalies).toEqual({ truncated_radiotap_header: 1 });
  });
});

describe('unknown link types', () => {
  it('counts them under unknown_linktype', () => {
    const r = decodeFrame(V4_SYN, 147); // LINKTYPE_USER0
    expect(r.status).toBe(DecodeStatus.Anomaly);
    expect(r.anomalies).toEqual({ unknown_linktype: 1 });
  });
});
