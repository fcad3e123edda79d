/**
 * The dispatch tables of the decoder, registered as data (Zeek's
 * `register_packet_analyzer(PacketAnalyzer::ANALYZER_ETHERNET, 0x8100, PacketAnalyzer::ANALYZER_VLAN)`).
 * Each layer function returns the next `Layer` (or `-Weird` to stop); the tables below map a
 * protocol number of one layer to the `Layer` that decodes what follows.
 */

/** Decoding steps. Numbers are ours; 0 means "no decoder registered" in the tables. */
export const enum Layer {
  None = 0,
  Ethernet,
  Llc,
  Vlan,
  VnTag,
  /** 802.1ah provider backbone bridging: I-TAG, then a customer Ethernet frame. */
  Pbb,
  Mpls,
  PppoeSession,
  /** A PPP protocol field (1 or 2 bytes) at the cursor. */
  PppProtocol,
  /** LINKTYPE_PPP: optional HDLC address/control bytes, then the protocol field. */
  Ppp,
  /** LINKTYPE_C_HDLC: | address (1) | control (1) | ethertype (2) |. */
  CiscoHdlc,
  NullLoopback,
  Radiotap,
  Ieee80211,
  LinuxSll,
  LinuxSll2,
  Nflog,
  /** IP of either version, chosen by the version nibble. */
  RawIp,
  Ipv4,
  Ipv6,
  Tcp,
  Udp,
  Icmp,
  Icmpv6,
  Gre,
  IpInIp4,
  IpInIp6,
  /** An IP protocol we do not decode further (payload = the whole IP payload). */
  OtherTransport,
  /** An IPv4 fragment to hand to the reassembler (meta and cursor describe it). */
  ReassembleV4,
  ReassembleV6,
  /** Terminal: an IP packet fully decoded. */
  Done,
  /** Terminal: a well-formed frame without IP. */
  NonIp,
}

function table(size: number, entries: ReadonlyArray<readonly [number, Layer]>): Uint8Array {
  const t = new Uint8Array(size);
  for (const [k, v] of entries) t[k] = v;
  return t;
}

/** Ethertype -> Layer (0: not decoded, the frame is counted as non-IP under its ethertype). */
export const ETHERTYPE_LAYERS = table(65536, [
  [0x0800, Layer.Ipv4],
  [0x86dd, Layer.Ipv6],
  [0x8100, Layer.Vlan], // 802.1Q C-tag
  [0x88a8, Layer.Vlan], // 802.1ad S-tag
  [0x9100, Layer.Vlan], // pre-standard QinQ
  [0x9200, Layer.Vlan], // pre-standard QinQ
  [0x8926, Layer.VnTag], // Cisco VN-Tag
  [0x88e7, Layer.Pbb], // 802.1ah I-TAG
  [0x8847, Layer.Mpls], // MPLS unicast
  [0x8848, Layer.Mpls], // MPLS multicast
  [0x8864, Layer.PppoeSession],
  [0x6558, Layer.Ethernet], // transparent Ethernet bridging (GRE)
]);

/** PPP protocol field -> Layer (RFC 1661 / IANA PPP DLL protocol numbers). */
export const PPP_LAYERS = table(65536, [
  [0x0021, Layer.Ipv4],
  [0x0057, Layer.Ipv6],
  [0x0281, Layer.Mpls],
  [0x0283, Layer.Mpls],
]);

/** IP protocol number -> Layer; anything else is OtherTransport. */
export const IP_PROTO_LAYERS = (() => {
  const t = table(256, [
    [1, Layer.Icmp],
    [4, Layer.IpInIp4],
    [6, Layer.Tcp],
    [17, Layer.Udp],
    [41, Layer.IpInIp6],
    [47, Layer.Gre],
    [58, Layer.Icmpv6],
  ]);
  for (let i = 0; i < 256; i++) if (t[i] === 0) t[i] = Layer.OtherTransport;
  return t;
})();

/** LINKTYPE_* number (lower 16 bits of the header field) -> first Layer. */
export function linkTypeLayer(linktype: number): Layer {
  switch (linktype) {
    case 1:
      return Layer.Ethernet;
    case 0:
    case 108:
      return Layer.NullLoopback;
    case 9: // PPP
    case 50: // PPP in HDLC-like framing (RFC 1662)
      return Layer.Ppp;
    case 51: // PPPoE session header without Ethernet (LINKTYPE_PPP_ETHER)
      return Layer.PppoeSession;
    case 104: // Cisco HDLC: address, control, ethertype
      return Layer.CiscoHdlc;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      return Layer.RawIp;
    case 105:
      return Layer.Ieee80211;
    case 127:
      return Layer.Radiotap;
    case 113:
      return Layer.LinuxSll;
    case 276:
      return Layer.LinuxSll2;
    case 239:
      return Layer.Nflog;
    default:
      return Layer.None;
  }
}
