/**
 * The decoder over every capture of the corpus' linktypes/ folder and the decode-related
 * ones of malformed/ and zeek-traces/, checked against their documented ground truth
 * (SOURCES.md): tcpdump's expected decodes, Zeek's conn.log / weird.log baselines, and the
 * counts and fields SOURCES.md states. Where no file says it, the expected values were
 * cross-checked with tshark 4 (`tshark -n -r FILE -T fields -e ip.src ...`).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipToString } from '../../../src/core/ip.js';
import { DecodeStatus, TunnelType } from '../../../src/core/packet.js';
import { Weird } from '../../../src/ingest/decode/weirds.js';
import { readTcpdumpOut, readZeekLog } from './corpus-golden.js';
import { HAVE_CORPUS, corpusPath, decodeFile, type DecodedFile } from './helpers.js';

const { Ip, NonIp, Anomaly } = { Ip: DecodeStatus.Ip, NonIp: DecodeStatus.NonIp, Anomaly: DecodeStatus.Anomaly };

/** Every packet tcpdump printed with addresses has the same addresses and ports here. */
function expectMatchesTcpdump(r: DecodedFile, outFile: string, minPackets: number): void {
  const expected = readTcpdumpOut(corpusPath(outFile));
  expect(expected.length).toBeGreaterThanOrEqual(minPackets);
  for (const e of expected) {
    const p = r.packets[e.no - 1];
    expect(p.status, `packet ${e.no}`).toBe(Ip);
    expect({ no: e.no, src: p.src, dst: p.dst }).toEqual({ no: e.no, src: e.src, dst: e.dst });
    if (e.sport !== undefined) expect({ no: e.no, sport: p.srcPort, dport: p.dstPort }).toEqual({ no: e.no, sport: e.sport, dport: e.dport });
  }
}

/** The anomaly counts of the decoder's codes (the container reader counts its own too). */
function decoderWeirds(r: DecodedFile): Record<string, number> {
  return Object.fromEntries(Object.entries(r.anomalies.toJSON()).filter(([code]) => code in Weird));
}

const PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

/**
 * Every connection of a Zeek conn.log is seen among the decoded packets, in one direction
 * or the other: TCP/UDP by the 5-tuple, ICMP by addresses and the type in `id.orig_p`.
 */
function expectConnsFound(r: DecodedFile, connLog: string, rowsExpected: number, countPackets = true): void {
  const rows = readZeekLog(corpusPath(connLog));
  expect(rows.length).toBe(rowsExpected);
  const tuples = new Set<string>();
  for (const p of r.packets) {
    if (p.status !== Ip) continue;
    const proto = p.proto === 58 ? 1 : p.proto;
    if (proto === 1) tuples.add(`${p.src} ${p.icmpType} ${p.dst} icmp`);
    else {
      tuples.add(`${p.src} ${p.srcPort} ${p.dst} ${p.dstPort} ${proto}`);
      tuples.add(`${p.dst} ${p.dstPort} ${p.src} ${p.srcPort} ${proto}`);
    }
  }
  for (const row of rows) {
    const proto = PROTO[row.proto];
    const key =
      proto === 1
        ? `${row['id.orig_h']} ${row['id.orig_p']} ${row['id.resp_h']} icmp`
        : `${row['id.orig_h']} ${row['id.orig_p']} ${row['id.resp_h']} ${row['id.resp_p']} ${proto}`;
    expect(tuples.has(key), `conn.log row ${key}`).toBe(true);
  }
  if (countPackets) {
    // The packets of each TCP/UDP 5-tuple add up to Zeek's orig_pkts + resp_pkts.
    const zeek = new Map<string, number>();
    for (const row of rows) {
      if (row.proto === 'icmp' || row.orig_pkts === undefined) continue;
      const k = [`${row['id.orig_h']} ${row['id.orig_p']}`, `${row['id.resp_h']} ${row['id.resp_p']}`].sort().join(' ') + ' ' + PROTO[row.proto];
      zeek.set(k, (zeek.get(k) ?? 0) + Number(row.orig_pkts) + Number(row.resp_pkts));
    }
    const ours = new Map<string, number>();
    for (const p of r.packets) {
      if (p.status !== Ip || (p.proto !== 6 && p.proto !== 17)) continue;
      const k = [`${p.src} ${p.srcPort}`, `${p.dst} ${p.dstPort}`].sort().join(' ') + ' ' + p.proto;
      if (zeek.has(k)) ours.set(k, (ours.get(k) ?? 0) + 1);
    }
    if (rows.some((row) => row.proto !== 'icmp')) expect(zeek.size).toBeGreaterThan(0);
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(zeek));
  }
}

describe.skipIf(!HAVE_CORPUS)('corpus linktypes/ (corpus missing: skipped)', () => {
  it('big-endian pcap, Ethernet: the NFS reply matches tcpdump -v', () => {
    const r = decodeFile(corpusPath('linktypes/big-endian-nfs-tcpdump/unaligned-nfs-1.pcap'));
    expect(r.counts).toEqual({ ip: 1, nonIp: 0, anomaly: 0, fragment: 0 });
    // tcpdump: ttl 63, id 38810, flags [P.], seq 271994717:271994833, ack 3625862383, win 12274, length 116
    expect(r.packets[0]).toMatchObject({
      src: '128.112.130.130', srcPort: 2049, dst: '140.180.226.200', dstPort: 1023, ttl: 63, ipId: 38810,
      tcpFlags: 0x18, seq: 271994717, ack: 3625862383, win: 12274, payloadLen: 116, ipLen: 168,
    });
  });

  it('big-endian PPTP capture matches tcpdump; its one GRE/PPP LCP packet is non_ip_packet_in_encap (Zeek)', () => {
    const r = decodeFile(corpusPath('linktypes/big-endian-pptp-tcpdump/pptp.pcap'));
    expect(r.counts).toEqual({ ip: 22, nonIp: 0, anomaly: 1, fragment: 0 });
    expect(r.packets[15].status).toBe(Anomaly); // tcpdump #16: GREv1, call 0, seq 0: LCP
    expect(decoderWeirds(r)).toEqual({ non_ip_packet_in_encap: 1 });
    expectMatchesTcpdump({ ...r, packets: r.packets.map((p, i) => (i === 15 ? { ...p, status: Ip } : p)) }, 'linktypes/big-endian-pptp-tcpdump/pptp.out', 22);
  });

  it('nanosecond SLL handshake matches tcpdump (S, S., .)', () => {
    const r = decodeFile(corpusPath('linktypes/nanosecond-sll-tcp-handshake-tcpdump/tcp-handshake-nano.pcap'));
    expectMatchesTcpdump(r, 'linktypes/nanosecond-sll-tcp-handshake-tcpdump/tcp-handshake-nano.out', 3);
    expect(r.packets.map((p) => p.tcpFlags)).toEqual([0x02, 0x12, 0x10]);
  });

  it('raw IP link types 101, 228, 229 match tcpdump', () => {
    for (const [pcap, out] of [
      ['raw-ip-dlt101-tcpdump/LINKTYPE_RAW_ipv4.pcap', 'raw-ip-dlt101-tcpdump/LINKTYPE_RAW_ipv4.out'],
      ['raw-ip-dlt101-tcpdump/LINKTYPE_RAW_ipv6.pcap', 'raw-ip-dlt101-tcpdump/LINKTYPE_RAW_ipv6.out'],
      ['raw-ipv4-ipv6-dlt228-229-tcpdump/LINKTYPE_IPV4.pcap', 'raw-ipv4-ipv6-dlt228-229-tcpdump/LINKTYPE_IPV4.out'],
      ['raw-ipv4-ipv6-dlt228-229-tcpdump/LINKTYPE_IPV6.pcap', 'raw-ipv4-ipv6-dlt228-229-tcpdump/LINKTYPE_IPV6.out'],
    ]) {
      const r = decodeFile(corpusPath('linktypes', pcap));
      expect(r.counts.ip).toBe(1);
      expectMatchesTcpdump(r, path.join('linktypes', out), 1);
      // "(29)": the DNS query is 29 bytes of UDP payload.
      expect(r.packets[0].payloadLen).toBe(29);
    }
  });

  it('raw IPv4 (228) syslog over TCP: the 10 packets of the one connection (Zeek: 8 + 2)', () => {
    const r = decodeFile(corpusPath('linktypes/raw-ipv4-tcp-syslog/tcp-syslog.pcap'));
    expect(r.counts).toEqual({ ip: 10, nonIp: 0, anomaly: 0, fragment: 0 });
    const orig = r.packets[0];
    expect(orig.tcpFlags).toBe(0x02);
    const fromOrig = r.packets.filter((p) => p.src === orig.src && p.srcPort === orig.srcPort).length;
    expect([fromOrig, 10 - fromOrig]).toEqual([8, 2]);
  });

  it('BSD loopback (0): DNS matches tcpdump; POP3 matches Zeek conn.log', () => {
    const dns = decodeFile(corpusPath('linktypes/null-loopback-dns-tcpdump/dns-badcookie.pcap'));
    expectMatchesTcpdump(dns, 'linktypes/null-loopback-dns-tcpdump/dns-badcookie.out', 4);
    const pop = decodeFile(corpusPath('linktypes/null-loopback-pop3-starttls/pop3-starttls.pcap'));
    expect(pop.counts).toEqual({ ip: 33, nonIp: 0, anomaly: 0, fragment: 0 });
    expectConnsFound(pop, 'linktypes/null-loopback-pop3-starttls/conn.log', 1);
  });

  it('PPP (9): QUIC over UDP and ICMPv6 ND match Zeek conn.log', () => {
    const r = decodeFile(corpusPath('linktypes/ppp-quic-udp/quic-interop-retry.pcap'));
    expect(r.counts).toEqual({ ip: 26, nonIp: 0, anomaly: 0, fragment: 0 });
    expectConnsFound(r, 'linktypes/ppp-quic-udp/conn.log', 3);
  });

  it('Linux SLL (113): IRC STARTTLS matches Zeek conn.log; pcapng SLL BGP matches tcpdump -v', () => {
    const irc = decodeFile(corpusPath('linktypes/sll-linux-cooked-irc-starttls/irc-starttls.pcap'));
    expect(irc.counts).toEqual({ ip: 20, nonIp: 0, anomaly: 0, fragment: 0 });
    expectConnsFound(irc, 'linktypes/sll-linux-cooked-irc-starttls/conn.log', 1);
    const bgp = decodeFile(corpusPath('linktypes/pcapng-sll-bgp-tcpdump/bgp-role.pcapng'));
    expect(bgp.counts).toEqual({ ip: 9, nonIp: 0, anomaly: 0, fragment: 0 });
    expectMatchesTcpdump(bgp, 'linktypes/pcapng-sll-bgp-tcpdump/bgp-role.out', 9);
  });

  it('Linux SLL2 (276): ICMP and ICMPv6 pings as Zeek prints them, ARP as non-IP', () => {
    const r = decodeFile(corpusPath('linktypes/sll2-linux-cooked-v2-icmp-arp/linux_dlt_sll2.pcap'));
    expect(r.counts).toEqual({ ip: 4, nonIp: 2, anomaly: 0, fragment: 0 });
    const icmp = r.packets.filter((p) => p.status === Ip);
    // Zeek: [v6=F, itype=8, icode=0, len=56, ttl=64] ... [v6=T, itype=129, ...]
    expect(icmp.map((p) => [p.src, p.icmpType, p.icmpCode, p.payloadWireLen, p.ttl])).toEqual([
      ['192.0.2.1', 8, 0, 56, 64],
      ['192.0.2.1', 0, 0, 56, 64],
      ['fe80::8c36:6ff:fe44:acaf', 128, 0, 56, 64],
      ['fe80::8c36:6ff:fe44:acaf', 129, 0, 56, 64],
    ]);
    // ARP and RARP (0x8035), both of which Zeek's ARP analyzer takes.
    expect(r.packets.filter((p) => p.status === NonIp).map((p) => p.ethertype)).toEqual([0x0806, 0x8035]);
  });

  it('NFLOG (239): the HTTP GET of Zeek http.log', () => {
    const r = decodeFile(corpusPath('linktypes/nflog-http/nflog-http.pcap'));
    expect(r.counts).toEqual({ ip: 13, nonIp: 0, anomaly: 0, fragment: 0 });
    const [http] = readZeekLog(corpusPath('linktypes/nflog-http/http.log'));
    const get = r.packets.find((p) => p.payload.subarray(0, 4).toString() === 'GET ');
    expect(get).toMatchObject({ src: http['id.orig_h'], srcPort: Number(http['id.orig_p']), dst: http['id.resp_h'], dstPort: Number(http['id.resp_p']) });
    expect(get!.payload.toString('latin1')).toContain(`Host: ${http.host}`);
  });

  it('VN-Tag in a nanosecond pcap: 1.1.1.1 -> 1.1.2.1 with an IP protocol Zeek calls unknown_transport', () => {
    const r = decodeFile(corpusPath('linktypes/nanosecond-vntag/vntag.pcap'));
    expect(r.counts).toEqual({ ip: 3, nonIp: 0, anomaly: 0, fragment: 0 });
    for (const p of r.packets) {
      expect(p).toMatchObject({ src: '1.1.1.1', dst: '1.1.2.1' });
      expect([1, 6, 17, 58]).not.toContain(p.proto);
    }
  });

  it('nanosecond pcap, snaplen 2000: HTTP sent to an SSH server (Zeek conn.log cut)', () => {
    const r = decodeFile(corpusPath('linktypes/nanosecond-http-to-ssh-server/get-to-ssh-server.pcap'));
    expect(r.counts).toEqual({ ip: 9, nonIp: 0, anomaly: 0, fragment: 0 });
    const [row] = readZeekLog(corpusPath('linktypes/nanosecond-http-to-ssh-server/conn.log'));
    expect(r.packets[0]).toMatchObject({ src: row['id.orig_h'], dst: row['id.resp_h'], dstPort: Number(row['id.resp_p']), tcpFlags: 0x02 });
  });

  it('802.1ad QinQ: both tags of the two ARP frames tcpdump -e shows (vlan 200, vlan 2001)', () => {
    const r = decodeFile(corpusPath('linktypes/qinq-802.1ad-tcpdump/802.1ad_QinQ.pcap'));
    expect(r.counts).toEqual({ ip: 0, nonIp: 2, anomaly: 0, fragment: 0 });
    for (const p of r.packets) expect(p).toMatchObject({ vlan: 200, innerVlan: 2001, ethertype: 0x0806 });
  });

  it('pcapng conformance files: every packet the reader hands over decodes without an anomaly', () => {
    const dirs = ['pcapng-conformance-big-endian/basic', 'pcapng-conformance-big-endian/advanced', 'pcapng-conformance-big-endian/difficult', 'pcapng-conformance-little-endian-difficult'];
    let packets = 0;
    for (const d of dirs) {
      for (const f of readdirSync(corpusPath('linktypes', d)).filter((n) => n.endsWith('.pcapng'))) {
        const r = decodeFile(corpusPath('linktypes', d, f));
        expect(r.counts.anomaly, `${d}/${f}`).toBe(0);
        packets += r.packets.length;
      }
    }
    expect(packets).toBeGreaterThan(50);
  });
});

describe.skipIf(!HAVE_CORPUS)('corpus zeek-traces/ (corpus missing: skipped)', () => {
  it('VLAN and MPLS mixed: the three connections of Zeek conn.log', () => {
    const r = decodeFile(corpusPath('zeek-traces/vlan-mpls-http/mixed-vlan-mpls.pcap'));
    expect(r.counts).toEqual({ ip: 47, nonIp: 0, anomaly: 0, fragment: 0 });
    expectConnsFound(r, 'zeek-traces/vlan-mpls-http/conn.log', 3);
    expect(r.packets.some((p) => p.vlan >= 0)).toBe(true);
    expect(r.packets.some((p) => p.ethertype === 0x8847)).toBe(true);
  });

  it('Q-in-Q: vlan and inner_vlan as Zeek vlan-logging writes them', () => {
    const r = decodeFile(corpusPath('zeek-traces/qinq-vlan-logging/q-in-q.pcap'));
    const rows = readZeekLog(corpusPath('zeek-traces/qinq-vlan-logging/conn.log'));
    expect(rows.length).toBe(2);
    for (const row of rows) {
      const p = r.packets.find((x) => x.src === row['id.orig_h'] && x.srcPort === Number(row['id.orig_p']));
      expect(p).toMatchObject({ dst: row['id.resp_h'], dstPort: Number(row['id.resp_p']), vlan: Number(row.vlan), innerVlan: Number(row.inner_vlan) });
    }
  });

  it('PPPoE carrying IPv6: the seven connections of Zeek conn.log; discovery and LCP are non-IP', () => {
    const r = decodeFile(corpusPath('zeek-traces/pppoe-ipv6-icmpv6/pppoe.pcap'));
    expect(r.counts.anomaly).toBe(0);
    expect(r.counts.ip + r.counts.nonIp).toBe(65);
    expectConnsFound(r, 'zeek-traces/pppoe-ipv6-icmpv6/conn.log', 7);
    const nonIpTypes = new Set(r.packets.filter((p) => p.status === NonIp).map((p) => p.ethertype));
    expect([...nonIpTypes].every((t) => t === 0x8863 || t === 0x8864)).toBe(true);
  });

  it('PPPoE over QinQ: all 86 packets of the TLS session (Zeek: 44 + 42)', () => {
    const r = decodeFile(corpusPath('zeek-traces/tls-443-pppoe-qinq/pppoe-over-qinq.pcap'));
    expect(r.counts).toEqual({ ip: 86, nonIp: 0, anomaly: 0, fragment: 0 });
    expectConnsFound(r, 'zeek-traces/tls-443-pppoe-qinq/conn.log', 1);
    const [row] = readZeekLog(corpusPath('zeek-traces/tls-443-pppoe-qinq/conn.log'));
    expect(r.packets.filter((p) => p.src === row['id.orig_h']).length).toBe(Number(row.orig_pkts));
    expect(r.packets.filter((p) => p.src === row['id.resp_h']).length).toBe(Number(row.resp_pkts));
    // orig_ip_bytes / resp_ip_bytes are sums of the IP total lengths.
    const ipBytes = (src: string) => r.packets.filter((p) => p.src === src).reduce((s, p) => s + p.ipLen, 0);
    expect(ipBytes(row['id.orig_h'])).toBe(Number(row.orig_ip_bytes));
    expect(ipBytes(row['id.resp_h'])).toBe(Number(row.resp_ip_bytes));
  });

  it('GRE: the inner flows of Zeek conn.log, with the tunnel endpoints of tunnel.log', () => {
    const r = decodeFile(corpusPath('zeek-traces/gre-tunnel-icmp-dns-ssh/gre-sample.pcap'));
    expect(r.counts).toEqual({ ip: 40, nonIp: 0, anomaly: 0, fragment: 0 });
    expectConnsFound(r, 'zeek-traces/gre-tunnel-icmp-dns-ssh/conn.log', 7);
    const [tunnel] = readZeekLog(corpusPath('zeek-traces/gre-tunnel-icmp-dns-ssh/tunnel.log'));
    const ends = [tunnel['id.orig_h'], tunnel['id.resp_h']].sort();
    for (const p of r.packets) {
      expect(p.tunnel).toBe(TunnelType.Gre);
      expect(p.outerProto).toBe(47);
      expect([p.outerSrc, p.outerDst].sort()).toEqual(ends);
    }
  });

  it('IPv6 FTP: the six connections of Zeek conn.log', () => {
    const r = decodeFile(corpusPath('zeek-traces/ipv6-ftp/ipv6.pcap'));
    expect(r.counts).toEqual({ ip: 136, nonIp: 0, anomaly: 0, fragment: 0 });
    expectConnsFound(r, 'zeek-traces/ipv6-ftp/conn.log', 6);
  });

  it('IPv6 fragmented DNS: the reassembled response has the size its Netalyzr query name asks for', () => {
    const r = decodeFile(corpusPath('zeek-traces/ipv6-fragmented-dns/ipv6-fragmented-dns.pcap'));
    // 8 packets: 3 queries, a 323-byte answer, a 3230-byte answer in 3 fragments (id 2), and a
    // lone fragment (id 1) whose other parts are not in the trace.
    expect(r.counts).toEqual({ ip: 5, nonIp: 0, anomaly: 0, fragment: 3 });
    expect(r.anomalies.total()).toBe(0);
    const answered = readZeekLog(corpusPath('zeek-traces/ipv6-fragmented-dns/dns.log')).filter((row) => row.rcode_name === 'NOERROR');
    expect(answered.length).toBe(2);
    for (const row of answered) {
      const size = Number(/txtpadding_(\d+)/.exec(row.query)![1]);
      const resp = r.packets.find((p) => p.status === Ip && p.srcPort === 53 && p.dst === row['id.orig_h'] && p.dstPort === Number(row['id.orig_p']));
      expect(resp, row.query).toBeDefined();
      expect([resp!.payloadLen, resp!.payloadWireLen]).toEqual([size, size]);
      expect(resp!.payload.readUInt16BE(0)).toBe(Number(row.trans_id));
    }
    expect(r.packets[7]).toMatchObject({ ipId: 2, ipLen: 40 + 8 + 3230 });
  });

  it('IPv4 fragment edge cases: the weirds Zeek prints for fragmented-1..4', () => {
    const weirds = (f: string) => decoderWeirds(decodeFile(corpusPath('zeek-traces/ipv4-fragments-and-tcp-reassembly', f)));
    // reassembly-weirds.out, one block per trace (flow_weird lines).
    expect(weirds('fragmented-1.pcap')).toMatchObject({ excessively_small_fragment: 1, fragment_size_inconsistency: 1, fragment_inconsistency: 2 });
    expect(weirds('fragmented-2.pcap')).toEqual({ excessively_small_fragment: 2, fragment_overlap: 1 });
    expect(weirds('fragmented-3.pcap')).toEqual({ fragment_with_DF: 5 });
    expect(weirds('fragmented-4.pcap')).toEqual({ excessively_small_fragment: 2, fragment_inconsistency: 1 });
    // reassembly.pcap: five net_weird truncated_IP_len.
    const re = decodeFile(corpusPath('zeek-traces/ipv4-fragments-and-tcp-reassembly/reassembly.pcap'));
    expect(decoderWeirds(re)).toEqual({ truncated_IP_len: 5 });
    expect(re.counts).toEqual({ ip: 112, nonIp: 0, anomaly: 5, fragment: 0 });
  });

  it('snaplen 10000 with 21 cut packets: decoded without anomalies, payloads shorter than on the wire', () => {
    const r = decodeFile(corpusPath('zeek-traces/truncated-snaplen-retransmits/retransmit-fast009.pcap'));
    expect(r.counts).toEqual({ ip: 39, nonIp: 0, anomaly: 0, fragment: 0 });
    expect(r.packets.filter((p) => p.payloadLen < p.payloadWireLen).length).toBe(21);
    expectConnsFound(r, 'zeek-traces/truncated-snaplen-retransmits/conn-1.log', 1);
  });

  it('HTTP and TLS traces: the connections of their Zeek http.log / ssl.log / conn.log', () => {
    const get = decodeFile(corpusPath('zeek-traces/http-get/get.pcap'));
    expect(get.counts).toEqual({ ip: 14, nonIp: 0, anomaly: 0, fragment: 0 });
    expectConnsFound(get, 'zeek-traces/http-get/conn.log', 1);
    const uri = readZeekLog(corpusPath('zeek-traces/http-get/http.log'))[0].uri;
    expect(get.packets.some((p) => p.payload.toString('latin1').startsWith(`GET ${uri} HTTP/1.1`))).toBe(true);
    for (const [pcap, log] of [
      ['http-post-100-continue/100-continue.pcap', 'http-post-100-continue/http.log'],
      ['http-nonprintable-tsv-and-json/http-non-printable-characters.pcap', 'http-nonprintable-tsv-and-json/http.log.tsv'],
      ['tls-443-https-gstatic/tls-conn-with-extensions.pcap', 'tls-443-https-gstatic/ssl.log'],
    ]) {
      const r = decodeFile(corpusPath('zeek-traces', pcap));
      expect(r.counts.anomaly).toBe(0);
      const rows = readZeekLog(corpusPath('zeek-traces', log));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const hit = r.packets.some((p) => p.src === row['id.orig_h'] && p.srcPort === Number(row['id.orig_p']) && p.dst === row['id.resp_h'] && p.dstPort === Number(row['id.resp_p']) && p.proto === 6);
        expect(hit, `${log}: ${row['id.orig_h']}:${row['id.orig_p']}`).toBe(true);
      }
    }
  });

  it('Wikipedia browsing, pcapng multi-interface, ICMP pings: Zeek conn.log connections all found', () => {
    const wiki = decodeFile(corpusPath('zeek-traces/wikipedia-tcp-udp-dns-http/wikipedia.pcap'));
    expect(wiki.counts.anomaly).toBe(0);
    expectConnsFound(wiki, 'zeek-traces/wikipedia-tcp-udp-dns-http/conn.log', 34);
    const multi = decodeFile(corpusPath('zeek-traces/pcapng-multi-interface/pcapng-multi-interface.pcapng'));
    expectConnsFound(multi, 'zeek-traces/pcapng-multi-interface/conn.log', 3);
    const pings = decodeFile(corpusPath('zeek-traces/icmp-5-pings/5-pings.pcap'));
    expect(pings.packets.map((p) => p.icmpType)).toEqual([8, 0, 8, 0, 8, 0, 8, 0, 8, 0]);
    expect(pings.packets[0]).toMatchObject({ src: '172.16.133.2', dst: '172.217.11.78', proto: 1 });
  });
});

describe.skipIf(!HAVE_CORPUS)('corpus malformed/ (corpus missing: skipped)', () => {
  it('zeek-truncation: each trace gets the weird of truncation-weirds.log', () => {
    const cases: [string, Record<string, number>][] = [
      ['ip4-trunc.pcap', { truncated_IP: 1 }],
      ['ip6-trunc.pcap', { truncated_IP: 1 }],
      ['ip6-ext-trunc.pcap', { truncated_IP_len: 1 }],
      ['icmp-payload-trunc.pcap', {}],
      ['icmp-header-trunc.pcap', { internally_truncated_header: 2 }],
      ['trunc-hdr.pcap', { truncated_ethernet_frame: 1 }],
      ['ipv4-truncated-broken-header.pcap', { invalid_IP_header_size: 1 }],
      ['ipv4-internally-truncated-header.pcap', { internally_truncated_header: 1 }],
      ['mpls-6in6-6in6-4in6-trunc.pcap', { truncated_inner_IP: 1 }],
      ['ip-discarder-truncated-tcp-oob.pcapng', { internally_truncated_header: 1 }],
    ];
    for (const [f, weirds] of cases) {
      const r = decodeFile(corpusPath('malformed/zeek-truncation', f));
      expect({ f, weirds: decoderWeirds(r) }).toEqual({ f, weirds });
    }
    // icmp-payload-trunc: no weird, all four packets decoded with their payload cut.
    const pay = decodeFile(corpusPath('malformed/zeek-truncation/icmp-payload-trunc.pcap'));
    expect(pay.counts.ip).toBe(4);
    expect(pay.packets.every((p) => p.payloadLen < p.payloadWireLen)).toBe(true);
  });

  it('zeek-truncation: the truncated 6in6 tunnel weird names the outer addresses Zeek logs', () => {
    let seen = '';
    decodeFile(corpusPath('malformed/zeek-truncation/mpls-6in6-6in6-4in6-trunc.pcap'), undefined, (m, s) => {
      if (s === Anomaly) seen = `${ipToString(m.buf, m.srcOff, m.addrLen)} ${ipToString(m.buf, m.dstOff, m.addrLen)}`;
    });
    // truncation-weirds.log: b100:7265::6904:2aff -> 3bbf:ff00:40:21:ffff:ffff:fffd:f7ff truncated_inner_IP
    expect(seen).toBe('b100:7265::6904:2aff 3bbf:ff00:40:21:ffff:ffff:fffd:f7ff');
  });

  it('zeek-fuzz-mpls-6in6-broken: 1811 broken packets, never decoded, with the weirds and address pairs of Zeek weird.log', () => {
    const pairs = new Map<string, Set<string>>();
    const seenCounts = new Map<string, number>();
    const r = decodeFile(corpusPath('malformed/zeek-fuzz-mpls-6in6-broken/mpls-6in6-broken.pcap.gz'), undefined, (m, _s, a) => {
      // The codes this packet added (Zeek logs each flow weird once per address pair, net weirds once).
      for (const [code, n] of a.counts) {
        if (!(code in Weird) || (seenCounts.get(code) ?? 0) === n) continue;
        seenCounts.set(code, n);
        const key = m.addrLen ? `${ipToString(m.buf, m.srcOff, m.addrLen)} ${ipToString(m.buf, m.dstOff, m.addrLen)}` : '-';
        if (!pairs.has(code)) pairs.set(code, new Set());
        pairs.get(code)!.add(key);
      }
    });
    expect(r.counts).toEqual({ ip: 0, nonIp: 0, anomaly: 1811, fragment: 0 });
    const logged = new Map<string, number>();
    for (const row of readZeekLog(corpusPath('malformed/zeek-fuzz-mpls-6in6-broken/mpls-6in6-broken-wierd.log'))) logged.set(row.name, (logged.get(row.name) ?? 0) + 1);
    expect(Object.fromEntries([...pairs].map(([k, v]) => [k, v.size]))).toEqual(Object.fromEntries(logged));
    expect(Object.fromEntries(logged)).toEqual({ invalid_inner_IP_version: 440, unknown_ip_version: 1, ip_hdr_len_zero: 1, invalid_IP_header_size: 1 });
  });

  it('zeek-ip-bogus-header-len: IP length 0 is ip_hdr_len_zero and, as Zeek -C, still decoded', () => {
    const r = decodeFile(corpusPath('malformed/zeek-ip-bogus-header-len/ip-bogus-header-len.pcap'));
    expect(decoderWeirds(r)).toEqual({ ip_hdr_len_zero: 1 });
    expect(r.counts.ip).toBe(1);
  });

  it('zeek-nflog-bad-tlv-len: nflog_bad_tlv_len', () => {
    const r = decodeFile(corpusPath('malformed/zeek-nflog-bad-tlv-len/nflog-bad-tlv-len.pcap'));
    expect(r.counts).toEqual({ ip: 0, nonIp: 0, anomaly: 1, fragment: 0 });
    expect(decoderWeirds(r)).toEqual({ nflog_bad_tlv_len: 1 });
  });

  it('zeek-tcp-truncated-header-snaplen68: 23 of 24 packets reach TCP (Zeek prints 23 tcp_packet events)', () => {
    const r = decodeFile(corpusPath('malformed/zeek-tcp-truncated-header-snaplen68/truncated-header.pcap'));
    expect(r.counts).toEqual({ ip: 23, nonIp: 0, anomaly: 1, fragment: 0 });
    expect(decoderWeirds(r)).toEqual({ truncated_header: 1 });
    for (const p of r.packets.filter((x) => x.status === Ip)) {
      expect([p.src, p.dst].sort()).toEqual(['128.3.26.249', '201.186.157.67']);
      expect([p.srcPort, p.dstPort].sort()).toEqual([25, 60827]);
    }
  });

  it('zeek-udp-contents-truncated-oob: the UDP payload delivered is what was captured (Zeek: "UDP contents len=0")', () => {
    const r = decodeFile(corpusPath('malformed/zeek-udp-contents-truncated-oob/udp-contents-truncated-oob.pcap'));
    expect(r.counts).toEqual({ ip: 1, nonIp: 0, anomaly: 0, fragment: 0 });
    // 42 bytes captured of a 65549-byte frame; IP says 65535, UDP 65515: nothing of the payload is here.
    expect(r.packets[0]).toMatchObject({ proto: 17, ipLen: 65535, payloadLen: 0, payloadWireLen: 65507 });
    expect(decoderWeirds(r)).toEqual({});
  });

  it('tcpdump-invalid-raw-linktype: the IP version disagrees with the link type', () => {
    for (const f of ['LINKTYPE_IPV4_invalid.pcap', 'LINKTYPE_IPV6_invalid.pcap']) {
      const r = decodeFile(corpusPath('malformed/tcpdump-invalid-raw-linktype', f));
      expect(r.counts).toEqual({ ip: 0, nonIp: 0, anomaly: 1, fragment: 0 });
      expect(decoderWeirds(r)).toEqual({ bad_ip_version: 1 });
    }
  });

  it('tcpdump-snaplen-truncated: loopback captures with small snaplens decode as tcpdump shows them', () => {
    const quic = decodeFile(corpusPath('malformed/tcpdump-snaplen-truncated/quic_handshake_truncated.pcap'));
    expect(quic.counts.ip).toBe(18);
    expectMatchesTcpdump(quic, 'malformed/tcpdump-snaplen-truncated/quic_handshake_truncated.out', 18);
    const rst = decodeFile(corpusPath('malformed/tcpdump-snaplen-truncated/tcp_rst_diag_payload-trunc.pcap'));
    expectMatchesTcpdump(rst, 'malformed/tcpdump-snaplen-truncated/tcp_rst_diag_payload-trunc.out', 1);
    expect(rst.packets[0].payloadLen).toBeLessThan(rst.packets[0].payloadWireLen);
  });

  it('tcpdump-huge-snaplen: the ERSPAN III packet is cut inside its ERSPAN header (tcpdump: [|erspan])', () => {
    const r = decodeFile(corpusPath('malformed/tcpdump-huge-snaplen/erspan-type-iii-pb-1.pcap'));
    expect(decoderWeirds(r)).toEqual({ truncated_GRE: 1 });
  });

  it('every other malformed capture ends each packet in exactly one status, never throwing', () => {
    const files = [
      'tcpdump-fuzz-caplen-gt-origlen/aoe-oobr-1.pcap',
      'tcpdump-fuzz-caplen-gt-origlen/rsvp-rsvp_obj_print-oobr.pcap',
      'tcpdump-fuzz-caplen-gt-snaplen/dccp_options-oobr.pcap',
      'tcpdump-fuzz-caplen-gt-snaplen/extract_read2_asan.pcap',
      'tcpdump-fuzz-caplen-gt-snaplen/mptcp-dss-oobr.pcap',
      'tcpdump-fuzz-linktype-fcs-bits/bootp_asan.pcap',
      'tcpdump-fuzz-pcapng/icmp-cksum-oobr-4.pcapng',
      'tcpdump-fuzz-pcapng/ospf2-seg-fault-1.pcapng',
      'tcpdump-invalid-timestamps/timestamp_invalid_micro.pcap',
      'tcpdump-invalid-timestamps/timestamp_invalid_nano.pcap',
      'zeek-empty-pcap/empty.pcap',
    ];
    for (const f of files) {
      const r = decodeFile(corpusPath('malformed', f));
      const { ip, nonIp, anomaly, fragment } = r.counts;
      expect(ip + nonIp + anomaly + fragment, f).toBe(r.stats.packetsRead);
    }
  });
});


describe.skipIf(!HAVE_CORPUS)('corpus c2/ captures (corpus missing: skipped)', () => {
  /**
   * Connections opened from `src` to `dst`:`dport`: distinct (source port, initial sequence
   * number) of pure SYNs, so that retransmitted SYNs count once and a reused port twice.
   */
  const synPorts = (r: DecodedFile, src: string, dst: string, dport: number) =>
    new Set(r.packets.filter((p) => p.status === Ip && p.tcpFlags === 0x02 && p.src === src && p.dst === dst && p.dstPort === dport).map((p) => `${p.srcPort}:${p.seq}`)).size;

  it('the HTTPS beacons: 297 + 2 and 22 connections, as SOURCES.md measured', () => {
    const periodic = decodeFile(corpusPath('c2/slips-beacon-https-periodic-2s/test-cc-capture-1.pcap'));
    expect(periodic.counts).toEqual({ ip: 7931, nonIp: 0, anomaly: 0, fragment: 0 });
    expect(synPorts(periodic, '147.32.80.37', '141.193.213.21', 443)).toBe(297);
    expect(synPorts(periodic, '147.32.80.37', '141.193.213.20', 443)).toBe(2);
    const jittered = decodeFile(corpusPath('c2/slips-beacon-https-semiperiodic-2to3s/test-cc-capture-2.pcap'));
    expect(jittered.counts).toEqual({ ip: 1084, nonIp: 0, anomaly: 0, fragment: 0 });
    expect(synPorts(jittered, '147.32.80.37', '141.193.213.20', 443)).toBe(22);
  });

  it('the SSH brute force on port 902: 67 connections', () => {
    const r = decodeFile(corpusPath('c2/slips-ssh-bruteforce-port902/malicious-ssh-bruteforce.pcap'));
    expect(r.counts).toEqual({ ip: 1178, nonIp: 0, anomaly: 0, fragment: 0 });
    expect(synPorts(r, '147.32.80.40', '147.32.80.37', 902)).toBe(67);
  });

  it('the Hide and Seek bot: its telnet / 8080 / 2323 / 9527 SYN scan counts', () => {
    const r = decodeFile(corpusPath('c2/slips-hide-and-seek-iot-botnet/test7-malicious.pcap'));
    expect(r.counts.anomaly).toBe(0);
    expect(r.packets.length).toBe(2000);
    const syns = (port: number) => r.packets.filter((p) => p.src === '192.168.2.16' && p.tcpFlags === 0x02 && p.dstPort === port).length;
    expect([23, 8080, 2323, 9527].map(syns)).toEqual([255, 180, 128, 48]);
  });

  it('the ICMP sweep: 37 packets from 192.168.1.109, echo requests to many hosts', () => {
    const r = decodeFile(corpusPath('c2/slips-icmp-portscan/test12-icmp-portscan.pcap'));
    expect(r.counts).toEqual({ ip: 37, nonIp: 0, anomaly: 0, fragment: 0 });
    const requests = r.packets.filter((p) => p.src === '192.168.1.109' && p.proto === 1 && p.icmpType === 8);
    expect(new Set(requests.map((p) => p.dst)).size).toBeGreaterThan(10);
  });

  it('the pcapng C2 captures decode whole: RAT heartbeats carry BAGLIMI?, the QUIC C2 is UDP 443', () => {
    const rat = decodeFile(corpusPath('c2/ppa-rat-c2-exfil-port4433/ratinfected.pcapng'));
    expect(rat.counts).toEqual({ ip: 779, nonIp: 0, anomaly: 0, fragment: 0 });
    const beats = rat.packets.filter((p) => p.src === '172.16.0.114' && p.dstPort === 4433 && p.payload.toString('latin1').startsWith('BAGLIMI?'));
    expect(beats.length).toBeGreaterThanOrEqual(7);
    expect(beats.every((p) => p.payloadLen === 9)).toBe(true);
    const quic = decodeFile(corpusPath('c2/zeek-merlin-c2-quic/merlinc2_Zeek_example.pcapng'));
    expect(quic.counts.ip).toBe(100);
    expect(quic.packets.some((p) => p.src === '10.0.0.4' && p.srcPort === 53241 && p.dst === '24.199.110.233' && p.dstPort === 443 && p.proto === 17)).toBe(true);
  });
});
