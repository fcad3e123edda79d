/**
 * Zeek logs as input (conn, dns, http, ssl and their open/long variants), TSV or JSON,
 * plain or gzip-compressed. See reader.ts for the entry points and parser.ts for the format.
 */
export {
  readZeekLogs,
  readZeekFile,
  readZeekStream,
  isZeekLogDirectory,
  listZeekLogDirectory,
  isLogFileForDirectory,
  sniffZeekLog,
  type ZeekReadOptions,
  type ZeekReadStats,
  type ZeekReadTotals,
} from './reader.js';
export {
  ZeekLogParser,
  ZeekErrorCodes,
  DEFAULT_MAX_BAD_LINES_IN_A_ROW,
  DEFAULT_MAX_BAD_SHARE,
  BAD_SHARE_MIN_LINES,
  MAX_LINE_BYTES,
  type ZeekFileStats,
  type ZeekParserOptions,
} from './parser.js';
export {
  SUPPORTED_LOGS,
  OPEN_CONNECTION_LOGS,
  logTypeFromFileName,
  looksLikeZeekLogName,
  recordKindOf,
  type ZeekRecordKind,
} from './log-types.js';
export { zeekJsonText } from './values.js';
export { tsvColumnLayout, tsvFieldHash, tsvFieldStart, type TsvColumnLayout } from './route.js';
