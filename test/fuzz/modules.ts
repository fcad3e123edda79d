/**
 * The real modules the fuzz targets drive (test/fuzz/targets.mjs), from the TypeScript
 * sources. bench/fuzz.mjs builds the same object from dist/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse as csvParse } from 'csv-parse/sync';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { KonsekiError } from '../../src/core/errors.js';
import { readCaptureBuffer } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { ZeekLogParser } from '../../src/ingest/zeek/parser.js';
import { readZeekStream } from '../../src/ingest/zeek/reader.js';
import { parseAllowList, parseIndicatorCsv, parseIndicatorList } from '../../src/cli/signatures.js';
import { parseConfig } from '../../src/cli/config.js';
import { csvHeader, csvRow } from '../../src/export/csv.js';
import { jsonlLine } from '../../src/export/jsonl.js';
import { CSV_COLUMNS } from '../../src/export/fields.js';
import { ZeekLogWriter } from '../../src/export/zeek-log-writer.js';
import { CONN_LOG, DNS_LOG, HTTP_LOG, SSL_LOG } from '../../src/export/zeek-fields.js';
import { MAX_ANSWERS, MAX_NAME_LEN, parseDnsMessage } from '../../src/app/dns/dns-message.js';
import { ja3, ja3s, ja4, MAX_LIST_ITEMS, parseClientHello, parseServerHello } from '../../src/app/tls/tls-hello.js';
import { buildFrame, TcpConversation, udpFrame } from '../../src/synth/packet-builder.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';
import { dnsQuery, dnsResponse, tlsClientHello, tlsServerHello } from '../../src/synth/app-payloads.js';

export const modules = {
  AnomalyCounter,
  KonsekiError,
  readCaptureBuffer,
  PacketDecoder,
  FlowTable,
  createAppAnalyzerFactory,
  ZeekLogParser,
  readZeekStream,
  parseIndicatorList,
  parseIndicatorCsv,
  parseAllowList,
  parseConfig,
  csvRow,
  csvHeader,
  jsonlLine,
  CSV_COLUMNS,
  ZeekLogWriter,
  CONN_LOG,
  DNS_LOG,
  HTTP_LOG,
  SSL_LOG,
  csvParse,
  Readable,
  parseDnsMessage,
  MAX_NAME_LEN,
  MAX_ANSWERS,
  parseClientHello,
  parseServerHello,
  ja3,
  ja3s,
  ja4,
  MAX_LIST_ITEMS,
};

export const synth = { buildFrame, TcpConversation, udpFrame, PcapBuffer, dnsQuery, dnsResponse, tlsClientHello, tlsServerHello };

/** The shared corpus, next to the project (never copied into it). */
export const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');
export const HAVE_CORPUS = existsSync(CORPUS);
export const NO_CORPUS_MESSAGE = `shared corpus not found at ${CORPUS}: corpus-based fuzz cases skipped`;
