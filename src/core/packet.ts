/**
 * The decoded headers of one packet, as the capture reader hands them to the next stages.
 *
 * One instance is reused for every packet (no per-packet allocation on the hot path):
 * a consumer must copy whatever it keeps beyond the synchronous callback.
 * Offsets index into `buf`, which holds the captured bytes of this packet (or a
 * reassembled datagram, after IP fragment reassembly).
 */
export class PacketMeta {
  /** Seconds since the epoch (integer part of the timestamp). */
  tsSec = 0;
  /** Nanoseconds within the second (full resolution of the capture, 0..999_999_999). */
  tsNsec = 0;
  /** Captured length of the frame. */
  caplen = 0;
  /** Length of the frame on the wire. */
  wirelen = 0;
  /** Link type (LINKTYPE_* number) of the interface the frame came from. */
  linktype = 0;
  /** Interface index inside the pcapng section (0 for classic pcap). */
  ifIndex = 0;
  /** Index of the input file in the run (for messages and `input_source`). */
  fileIndex = 0;
  /** Number of the packet in its file, from 1. */
  packetNo = 0;
  /** Byte offset of the record in its (decompressed) file. */
  fileOffset = 0;
  /** The bytes the offsets below point into. */
  buf: Buffer = EMPTY;
  /** Offset of the frame start in `buf`. */
  frameOff = 0;

  /** Outer 802.1Q/802.1ad VLAN id, -1 when untagged. */
  vlan = -1;
  /** Inner VLAN id (QinQ), -1 when absent. */
  innerVlan = -1;
  /** Last ethertype seen (or the protocol number the link layer announced), for non-IP accounting. */
  ethertype = 0;

  /** 4 or 6 for IP packets, 0 when the packet carries no IP (ARP, LLDP, ...). */
  ipVersion = 0;
  /** Offset of the (innermost) IP header. */
  ipOff = 0;
  /** Length of the IP header including IPv6 extension headers. */
  ipHdrLen = 0;
  /** IP datagram length according to the IP header (IPv4 total length; IPv6 40 + payload length). */
  ipLen = 0;
  /** Offsets of the source / destination address bytes, and their length (4 or 16). */
  srcOff = 0;
  dstOff = 0;
  addrLen = 0;
  ttl = 0;
  ipId = 0;
  /** Fragment offset in bytes; with `moreFragments` tells whether this is a fragment. */
  fragOffset = 0;
  moreFragments = false;
  /** Transport protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...). */
  proto = 0;

  /** Offset of the transport header. */
  l4Off = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80). */
  tcpFlags = 0;
  /** TCP sequence and acknowledgement numbers as unsigned 32-bit values. */
  seq = 0;
  ack = 0;
  win = 0;
  tcpHdrLen = 0;
  icmpType = 0;
  icmpCode = 0;

  /** Offset and captured length of the transport payload (what is really in `buf`). */
  payloadOff = 0;
  payloadLen = 0;
  /** Payload length according to the IP/UDP headers (may exceed `payloadLen` when snaplen cut it). */
  payloadWireLen = 0;

  /** Tunnel encapsulation of the inner packet: 0 none, else a TunnelType. */
  tunnel = 0;
  /** Offsets of the outer IP addresses in `buf` when tunnelled, and their length. */
  outerSrcOff = 0;
  outerDstOff = 0;
  outerAddrLen = 0;
  /** Outer transport protocol number of the tunnel (47 GRE, 4/41 IP-in-IP, 17 UDP tunnels). */
  outerProto = 0;
  /** UDP ports of the outer packet for UDP tunnels (VXLAN, Geneve, Teredo, GTPv1, AYIYA), 0 otherwise. */
  outerSrcPort = 0;
  outerDstPort = 0;

  /** Timestamp as float seconds (microsecond precision is what Zeek keeps). */
  get ts(): number {
    return this.tsSec + this.tsNsec / 1e9;
  }
}

export const EMPTY: Buffer = Buffer.alloc(0);

/** Tunnel encapsulations the decoder unwraps (numbers are ours, stable). */
export const enum TunnelType {
  None = 0,
  Gre = 1,
  IpInIp = 2,
  /** VXLAN (RFC 7348), UDP port 4789: the outer UDP packet's ports are in outerSrcPort/outerDstPort. */
  Vxlan = 3,
  /** Geneve (RFC 8926), UDP port 6081. */
  Geneve = 4,
  /** Teredo (RFC 4380), UDP port 3544. */
  Teredo = 5,
  /** GTPv1-U (3GPP TS 29.281), UDP port 2152. */
  Gtpv1 = 6,
  /** AYIYA (SixXS "Anything In Anything"), UDP port 5072. */
  Ayiya = 7,
}

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

/**
 * What the packet decoder made of one captured frame. Every packet read gets exactly one,
 * so that `read = ip + nonIp + anomaly + fragment` holds for every run.
 */
export const enum DecodeStatus {
  /** An IP packet (or a reassembled datagram, on its last fragment), headers in the PacketMeta. */
  Ip = 0,
  /** A well-formed frame without IP (ARP, LLDP, STP, ...): counted per ethertype, not an error. */
  NonIp = 1,
  /** Malformed or unsupported: counted under a named anomaly code. */
  Anomaly = 2,
  /** An IP fragment held for reassembly (the datagram comes out with its last fragment). */
  Fragment = 3,
}
