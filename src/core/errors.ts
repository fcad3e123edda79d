/**
 * Errors that stop reading one input. They carry a stable `code`, and the position
 * (file, byte offset or line) so that the CLI can print one clear line, never a stack trace.
 */
export class KonsekiError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly offset?: number;
  readonly line?: number;

  constructor(code: string, message: string, ctx: { file?: string; offset?: number; line?: number } = {}) {
    let full = message;
    if (ctx.file !== undefined) {
      full += ` (${ctx.file}`;
      if (ctx.offset !== undefined) full += ` at byte offset ${ctx.offset}`;
      if (ctx.line !== undefined) full += ` at line ${ctx.line}`;
      full += ')';
    }
    super(full);
    this.name = 'KonsekiError';
    this.code = code;
    this.file = ctx.file;
    this.offset = ctx.offset;
    this.line = ctx.line;
  }
}

/** Error codes in use (documented here so that tests and the README can refer to them). */
export const ErrorCodes = {
  /** The input is not a capture or log format we know. */
  NOT_A_CAPTURE: 'ERR_NOT_A_CAPTURE',
  PCAP_BAD_HEADER: 'ERR_PCAP_BAD_HEADER',
  /** A record length beyond snaplen or MAX_RECORD_LEN: the rest of the file is not read. */
  PCAP_RECORD_TOO_LARGE: 'ERR_PCAP_RECORD_TOO_LARGE',
  /** The input ended in the middle of a record. */
  PCAP_TRUNCATED: 'ERR_PCAP_TRUNCATED',
  PCAPNG_BAD_BLOCK: 'ERR_PCAPNG_BAD_BLOCK',
  PCAPNG_BLOCK_TOO_LARGE: 'ERR_PCAPNG_BLOCK_TOO_LARGE',
  GZIP: 'ERR_GZIP',
  IO: 'ERR_IO',
  ZEEK_HEADER: 'ERR_ZEEK_HEADER',
  ZEEK_TOO_MANY_BAD_LINES: 'ERR_ZEEK_TOO_MANY_BAD_LINES',
  GEOIP_DB: 'ERR_GEOIP_DB',
  CONFIG: 'ERR_CONFIG',
  USAGE: 'ERR_USAGE',
} as const;

export function isKonsekiError(e: unknown): e is KonsekiError {
  return e instanceof KonsekiError;
}
