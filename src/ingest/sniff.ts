/**
 * Input format detection from the first bytes, never from the file name.
 *
 *   pcap     a1b2c3d4 / d4c3b2a1 (microsecond), a1b23c4d / 4d3cb2a1 (nanosecond),
 *            in either byte order (libpcap's TCPDUMP_MAGIC and NSEC_TCPDUMP_MAGIC), and
 *            a1b2cd34 / 34cdb2a1 (KUZNETZOV_TCPDUMP_MAGIC, 24-byte record headers)
 *   pcapng   0a0d0d0a, the Section Header Block type (a palindrome, so byte order free)
 *   gzip     1f 8b (RFC 1952 ID1 ID2)
 *   zeek-tsv '#' (the `#separator` header line)
 *   zeek-json '{' (one JSON object per line)
 */

export type InputFormat = 'pcap' | 'pcapng' | 'gzip' | 'zeek-tsv' | 'zeek-json' | 'unknown';

/** Classic pcap magic numbers as read big-endian from the first 4 bytes. */
export const PCAP_MAGIC_US_BE = 0xa1b2c3d4;
export const PCAP_MAGIC_US_LE = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_BE = 0xa1b23c4d;
export const PCAP_MAGIC_NS_LE = 0x4d3cb2a1;
/**
 * Alexey Kuznetzov's patched libpcap (old Red Hat tcpdump): microseconds, 24-byte record
 * headers (libpcap's KUZNETZOV_TCPDUMP_MAGIC, still read by libpcap and Wireshark).
 */
export const PCAP_MAGIC_KUZNETZOV_BE = 0xa1b2cd34;
export const PCAP_MAGIC_KUZNETZOV_LE = 0x34cdb2a1;
/** pcapng Section Header Block type. */
export const PCAPNG_SHB = 0x0a0d0d0a;

/** How many leading bytes `sniffFormat` wants to decide (fewer may give 'unknown'). */
export const SNIFF_BYTES = 4;

/**
 * Tells the format of an input from its first bytes.
 * @param head the first bytes of the (possibly compressed) input; 4 are enough
 * @returns the detected format, 'unknown' when nothing matches or too few bytes were given
 */
export function sniffFormat(head: Buffer): InputFormat {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4) {
    const m = head.readUInt32BE(0);
    if (
      m === PCAP_MAGIC_US_BE ||
      m === PCAP_MAGIC_US_LE ||
      m === PCAP_MAGIC_NS_BE ||
      m === PCAP_MAGIC_NS_LE ||
      m === PCAP_MAGIC_KUZNETZOV_BE ||
      m === PCAP_MAGIC_KUZNETZOV_LE
    ) {
      return 'pcap';
    }
    if (m === PCAPNG_SHB) return 'pcapng';
  }
  if (head.length >= 1) {
    // A UTF-8 byte order mark or leading blanks do occur in hand-edited logs; Zeek logs
    // themselves start right with '#' or '{' (a stray TAB before '#separator' occurs too).
    let i = 0;
    if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
    while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
    if (i < head.length) {
      if (head[i] === 0x23) return 'zeek-tsv';
      if (head[i] === 0x7b) return 'zeek-json';
    }
  }
  return 'unknown';
}

/** A short human description of a format, for messages. */
export function describeFormat(f: InputFormat): string {
  switch (f) {
    case 'pcap':
      return 'a pcap capture';
    case 'pcapng':
      return 'a pcapng capture';
    case 'gzip':
      return 'gzip-compressed data';
    case 'zeek-tsv':
      return 'a Zeek TSV log';
    case 'zeek-json':
      return 'a Zeek JSON log';
    default:
      return 'an unknown format';
  }
}
