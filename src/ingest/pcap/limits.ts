/**
 * Caps and anomaly codes of the capture container layer (classic pcap and pcapng).
 * Every cap is a named constant with the reason for its value.
 */

/**
 * Largest captured length of one packet we accept: 256 KiB, libpcap's MAXIMUM_SNAPLEN
 * (`max_snaplen_for_dlt()` for every link type we decode). A larger record length is a
 * corrupt or fuzzed file (libpcap: "invalid packet capture length %u, bigger than maximum
 * of %u"); it is never allocated and the file stops with ERR_PCAP_RECORD_TOO_LARGE.
 */
export const MAX_RECORD_LEN = 262_144;

/**
 * Largest pcapng packet block (EPB/SPB/OPB) we buffer: a MAX_RECORD_LEN packet plus
 * 128 KiB of options, libpcap's MAX_BLOCKSIZE_FOR_SNAPLEN formula (header 8 + EPB fixed
 * part 20 + packet + options + trailer 4).
 */
export const MAX_PCAPNG_OPTIONS_LEN = 131_072;
export const MAX_PCAPNG_PACKET_BLOCK_LEN = 8 + 20 + MAX_RECORD_LEN + MAX_PCAPNG_OPTIONS_LEN + 4;

/**
 * Largest SHB or IDB we buffer (we read their options): 1 MiB, libpcap's
 * BT_SHB_INSANE_MAX ("1MB should be enough").
 */
export const MAX_PCAPNG_METADATA_BLOCK_LEN = 1 << 20;

/**
 * Largest block of another type (NRB, ISB, DSB, custom, unknown). These are skipped by
 * their length without being buffered, so the cap only catches garbage lengths early:
 * 16 MiB, libpcap's INITIAL_MAX_BLOCKSIZE.
 */
export const MAX_PCAPNG_SKIPPED_BLOCK_LEN = 16 << 20;

/**
 * Interfaces (IDBs) per pcapng section. Real files have a handful; the table grows with
 * the input, so it is capped: above it the file stops with ERR_PCAPNG_BAD_BLOCK.
 */
export const MAX_PCAPNG_INTERFACES = 4096;

/** libpcap's pcapint_adjust_snapshot(): a snaplen of 0 or above INT_MAX means "the maximum". */
export const SNAPLEN_INT_MAX = 0x7fff_ffff;

/**
 * Anomaly codes counted by the container layer. They do not decide a packet's
 * DecodeStatus (the packet is still delivered and decoded); they flag a record header
 * that breaks the format's rules.
 */
export const ReaderAnomaly = {
  /**
   * Record captured length above the file's (or interface's) snaplen. Classic pcap: cut to
   * the snaplen like libpcap does (sf-pcap.c reads the first `snapshot` bytes and discards
   * the rest). pcapng: kept whole, like Wireshark (libpcap refuses the file).
   */
  CAPLEN_EXCEEDS_SNAPLEN: 'caplen_exceeds_snaplen',
  /** Captured length above the original (wire) length; the packet is kept as captured. */
  CAPLEN_EXCEEDS_WIRELEN: 'caplen_exceeds_wirelen',
  /**
   * Sub-second timestamp field out of range (usec >= 1e6 or nsec >= 1e9). tcpdump prints
   * "(invalid us)"; we carry the excess into the seconds, which is what Zeek's float
   * timestamp (sec + usec / 1e6) amounts to.
   */
  INVALID_TIMESTAMP_FRACTION: 'invalid_timestamp_fraction',
  /** A pcapng option whose length runs past its block; the remaining options are ignored. */
  PCAPNG_BAD_OPTION_LENGTH: 'pcapng_bad_option_length',
  /** A pcapng IDB option with a wrong value length (if_tsresol != 1, if_tsoffset != 8): ignored. */
  PCAPNG_BAD_OPTION_VALUE: 'pcapng_bad_option_value',
} as const;
