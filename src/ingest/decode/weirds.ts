/**
 * Anomaly codes of the packet decoders. The names are the strings counted in the
 * AnomalyCounter; where Zeek has a weird for the same condition we use Zeek's name
 * (src/packet_analysis/protocol/*, src/Frag.cc), so our counts line up with weird.log.
 *
 * A regular (not `const`) numeric enum: decoders pass the number on the hot path and the
 * decoder turns it into its name with the enum's reverse mapping (`Weird[code]`) only when
 * it counts the anomaly. Layer functions return `-code` to say "stop, count this".
 */
export enum Weird {
  // Link layers
  unknown_linktype = 1,
  truncated_ethernet_frame,
  undefined_ether_type,
  truncated_llc_header,
  truncated_VLAN_header,
  undefined_vlan_protocol,
  /** Non-fatal: a third VLAN tag overwrote the inner one (Zeek does the same). */
  triple_tagged_vlan_unsupported,
  truncated_vntag_header,
  truncated_PBB_header,
  /** MPLS label stack cut short (Zeek's name in MPLS.cc). */
  truncated_link_header,
  truncated_pppoe_header,
  truncated_ppp_header,
  null_analyzer_failed,
  truncated_radiotap_header,
  truncated_802_11_header,
  truncated_802_11_amsdu_header,
  truncated_802_11_llc_header,
  truncated_Linux_SLL_header,
  truncated_Linux_SLL2_header,
  truncated_nflog_header,
  unknown_nflog_version,
  nflog_no_pcap_payload,
  nflog_bad_tlv_len,
  // IP
  truncated_IP,
  unknown_ip_version,
  /** The link layer announced one IP version (LINKTYPE_IPV4, ethertype 0x0800...) and the header has the other. */
  bad_ip_version,
  /** Non-fatal: IPv4 total length 0 (TCP segmentation offload); the captured length is used. */
  ip_hdr_len_zero,
  truncated_IP_len,
  invalid_IP_header_size,
  internally_truncated_header,
  IPv4_min_header_size,
  incompletely_captured_fragment,
  ipv6_no_next,
  // Transport
  truncated_header,
  bad_TCP_header_len,
  /** Non-fatal: UDP length field disagrees with the IP payload length. */
  UDP_datagram_length_mismatch,
  // Tunnels
  truncated_GRE,
  unknown_gre_version,
  egre_protocol_type,
  gre_routing,
  unknown_gre_flags,
  non_ip_packet_in_encap,
  exceeded_tunnel_max_depth,
  invalid_inner_IP_version,
  truncated_inner_IP,
  inner_IP_payload_length_mismatch,
  /** Non-fatal: a Geneve header with a version other than 0; the packet stays plain UDP. */
  geneve_invalid_version,
  // Fragments (Zeek's Frag.cc names, plus our caps)
  fragment_protocol_inconsistency,
  fragment_with_DF,
  fragment_size_inconsistency,
  excessively_small_fragment,
  excessively_large_fragment,
  fragment_inconsistency,
  fragment_overlap,
  /** A datagram still incomplete when its timeout (packet time) passed; its fragments are dropped. */
  fragment_reassembly_timeout,
  /** The cap on bytes held for reassembly was hit: the oldest datagram was dropped. */
  fragment_bytes_cap_reached,
  /** The cap on datagrams held for reassembly was hit: the oldest datagram was dropped. */
  fragment_datagrams_cap_reached,
  /** Counted by PacketDecoder.flush() for each datagram still incomplete at the end of the input. */
  fragment_incomplete_at_end,
}
