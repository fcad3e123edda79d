/**
 * Application-layer analysis for the flow table: protocol detection by content, DNS, HTTP, TLS
 * (and the TLS inside QUIC Initial packets). The flow table creates one analyzer per connection
 * with the factory returned here; records go to `sink`, malformed input to `anomalies`.
 */
import type { AnomalyCounter } from '../core/anomaly.js';
import { KonsekiError, ErrorCodes } from '../core/errors.js';
import type { AppAnalyzerFactory, ConnId, ConnIdSource, RecordSink, Transport } from '../core/records.js';
import { ConnAnalyzer, IdStrings, responderRuledOut, type AppContext } from './conn-analyzer.js';
import { EntropySlab } from './entropy.js';
import { ExpectedConns } from './expected-conns.js';

export interface AppOptions {
  /** Log HTTP Basic-auth passwords (Zeek's HTTP::default_capture_password). Default false. */
  capturePasswords?: boolean;
  /** Originator payload bytes sampled for `origPayloadEntropy` (0 disables it). Default 1024: enough to tell text (4-5 bits/byte) from encrypted data (7.8 and up), at a quarter of the cost of 4096. */
  entropySampleBytes?: number;
  /** Smallest sample for which an entropy is reported. Default 64. */
  entropyMinBytes?: number;
  /**
   * Which application records the consumer writes (each defaults to true). `konseki flows`
   * without `--logs` writes only conn.log and turns all three off. Detection and parsing run
   * as far as the conn record needs them either way (`service`, anomalies, every conn field is
   * the same); what is skipped:
   * - dns: DNS messages are parsed and paired as before, but no DnsRecord is built (nor its
   *   uid and address strings read);
   * - http, ssl: the HTTP and TLS parsers keep their state in their records, so those are still
   *   built; they are only not handed to the sink.
   */
  records?: AppRecordKinds;
}

/** AppOptions.records: which of dns.log, http.log and ssl.log the consumer writes. */
export interface AppRecordKinds {
  dns?: boolean;
  http?: boolean;
  ssl?: boolean;
}

const dropRecord = (): void => {};

/** Cap on the entropy sample (its histogram uses 16-bit counters). */
export const MAX_ENTROPY_SAMPLE = 65535;

function normalizeOptions(o: AppOptions): { capturePasswords: boolean; entropySampleBytes: number; entropyMinBytes: number } {
  const sample = o.entropySampleBytes ?? 1024;
  if (!Number.isInteger(sample) || sample < 0 || sample > MAX_ENTROPY_SAMPLE) {
    throw new KonsekiError(ErrorCodes.CONFIG, `Invalid option: entropySampleBytes must be an integer in 0..${MAX_ENTROPY_SAMPLE}, got ${sample}`);
  }
  const min = o.entropyMinBytes ?? 64;
  if (!Number.isInteger(min) || min < 1) {
    throw new KonsekiError(ErrorCodes.CONFIG, `Invalid option: entropyMinBytes must be a positive integer, got ${min}`);
  }
  return { capturePasswords: o.capturePasswords ?? false, entropySampleBytes: sample, entropyMinBytes: min };
}

/**
 * @param sink receives the dns/http/ssl records (conn records are the flow table's)
 * @param anomalies counts malformed application data under Zeek-style weird names
 * @param options see AppOptions; validated here (throws ERR_CONFIG)
 * @returns a factory the flow table calls once per new connection (TCP and UDP; null for others)
 */
export function createAppAnalyzerFactory(sink: RecordSink, anomalies: AnomalyCounter, options: AppOptions = {}): AppAnalyzerFactory {
  const o = normalizeOptions(options);
  const want = options.records ?? {};
  if (want.http === false || want.ssl === false || want.dns === false) {
    sink = {
      conn: sink.conn.bind(sink),
      dns: want.dns === false ? dropRecord : sink.dns.bind(sink),
      http: want.http === false ? dropRecord : sink.http.bind(sink),
      ssl: want.ssl === false ? dropRecord : sink.ssl.bind(sink),
    };
  }
  const ctx: AppContext = {
    sink,
    anomalies,
    http: { capturePasswords: o.capturePasswords },
    entropyMinBytes: o.entropyMinBytes,
    entropy: o.entropySampleBytes > 0 ? new EntropySlab(o.entropySampleBytes) : null,
    expected: new ExpectedConns(anomalies),
    ids: null,
    endRec: null,
    dnsRecords: want.dns !== false,
  };
  const factory: AppAnalyzerFactory = (id: ConnId, proto: Transport, uid: string, midstream?: boolean, startTs?: number) => {
    if (proto !== 'tcp' && proto !== 'udp') return null;
    return new ConnAnalyzer(ctx, new IdStrings(id.origH, id.respH, uid, -1), id.origP, id.respP, proto, midstream === true, startTs);
  };
  factory.lazy = (ids: ConnIdSource, handle: number, origP: number, respP: number, proto: Transport, midstream: boolean, startTs: number, respOut?: boolean) => {
    if (proto !== 'tcp' && proto !== 'udp') return null;
    // Analyzers keep a handle into the first source only (one flow table per factory is the
    // normal case); another table's connections get their strings at once.
    if (ctx.ids === null) ctx.ids = ids;
    const id = ids === ctx.ids ? handle : new IdStrings(ids.origH(handle), ids.respH(handle), ids.uid(handle), -1);
    return new ConnAnalyzer(ctx, id, origP, respP, proto, midstream, startTs, respOut === true);
  };
  // With data-channel announcements waiting, every analyzer call keeps their clock: no skipping.
  factory.respRuledOut = (buf: Buffer, off: number, len: number) => ctx.expected.size === 0 && responderRuledOut(buf, off, len);
  return factory;
}

export type { AppContext };
