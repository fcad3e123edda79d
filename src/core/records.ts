/**
 * The record types every detector works on. A capture (through the flow table and the
 * application parsers) and a Zeek log (through the Zeek reader) produce the same types,
 * with the meaning of Zeek's conn.log, dns.log, http.log and ssl.log. Field names are
 * Zeek's in camelCase (`id.orig_h` -> `origH`, `orig_bytes` -> `origBytes`); `null` is
 * Zeek's unset (`-`), an empty array is Zeek's `(empty)`.
 */

/** Transport protocol as Zeek names it in conn.log `proto`. */
export type Transport = 'tcp' | 'udp' | 'icmp' | 'unknown_transport';

/** The connection 4-tuple plus transport, shared by every record (Zeek's `id` record). */
export interface ConnId {
  origH: string;
  origP: number;
  respH: string;
  respP: number;
}

/** One conn.log row. */
export interface ConnRecord extends ConnId {
  ts: number;
  uid: string;
  proto: Transport;
  /** Comma-joined analyzer names as in Zeek (`ssl`, `http`, `dns`, `ssl,quic`...), null when none. */
  service: string | null;
  duration: number | null;
  origBytes: number | null;
  respBytes: number | null;
  connState: string | null;
  localOrig: boolean | null;
  localResp: boolean | null;
  missedBytes: number;
  history: string | null;
  origPkts: number;
  origIpBytes: number;
  respPkts: number;
  respIpBytes: number;
  tunnelParents: string[];
  vlan: number | null;
  innerVlan: number | null;
  /** Community ID v1 (`1:base64`), null when unknown (Zeek logs without the column). */
  communityId: string | null;
  /** IP protocol number (Zeek 8+ `ip_proto`), when known. */
  ipProto?: number | null;
  /** Konseki extras, not in Zeek's conn.log. */
  /** True when the connection was still open at end of input (flushed, not ended). */
  openAtEnd?: boolean;
  /** Protocol detected from content when it is not the one registered for the port (e.g. `http` on 4444). */
  portMismatch?: string | null;
  /** Shannon entropy (bits per byte, 0..8) of a sample of the originator's payload, when known (captures). */
  origPayloadEntropy?: number | null;
  /**
   * Start times (epoch seconds, like `ts`) of the originator's bursts, captures only: a burst
   * starts at an originator packet carrying payload (TCP/UDP payload length > 0; ICMP and other
   * IP protocols: any packet) when no packet in either direction was seen in the connection for
   * at least BURST_GAP (1.0 s) before it; the first such packet also starts one. At most the
   * first MAX_ORIG_BURSTS (256) start times are kept (a sample, not an anomaly). Set only when
   * the connection had at least 2 bursts; Zeek logs leave it undefined.
   */
  origBursts?: number[];
  /** Total number of originator bursts (not capped); set together with `origBursts`. */
  origBurstCount?: number;
  /**
   * Number of the responder's bursts, captures only: `origBursts`' rule seen from the
   * responder (a responder packet carrying payload after at least BURST_GAP of silence in both
   * directions, or its first one). A session driven from the far side (a reverse shell's
   * commands) takes its turns here. Set only when at least 2; no start times are kept. Like
   * `origBursts`, not a conn.log column (not in the TSV, JSON or CSV flow outputs).
   */
  respBurstCount?: number;
  /** Index of the input this record came from (for `input_source`). */
  source?: number;
}

/** One dns.log row. */
export interface DnsRecord extends ConnId {
  ts: number;
  uid: string;
  proto: Transport;
  transId: number | null;
  rtt: number | null;
  query: string | null;
  qclass: number | null;
  qclassName: string | null;
  qtype: number | null;
  qtypeName: string | null;
  rcode: number | null;
  rcodeName: string | null;
  AA: boolean;
  TC: boolean;
  RD: boolean;
  RA: boolean;
  Z: number;
  answers: string[];
  TTLs: number[];
  rejected: boolean;
  /** DNS opcode and its name as Zeek writes them (`query`, `netbios-query`...); captures only. */
  opcode?: number | null;
  opcodeName?: string | null;
  source?: number;
}

/** One http.log row (one request/response pair). */
export interface HttpRecord extends ConnId {
  ts: number;
  uid: string;
  transDepth: number;
  method: string | null;
  host: string | null;
  uri: string | null;
  referrer: string | null;
  version: string | null;
  userAgent: string | null;
  origin: string | null;
  requestBodyLen: number;
  responseBodyLen: number;
  statusCode: number | null;
  statusMsg: string | null;
  infoCode: number | null;
  infoMsg: string | null;
  tags: string[];
  username: string | null;
  password: string | null;
  origFilenames: string[];
  origMimeTypes: string[];
  respFilenames: string[];
  respMimeTypes: string[];
  /** Content-Type header values (Zeek logs carry MIME types from file analysis instead). */
  requestContentType?: string | null;
  responseContentType?: string | null;
  /** Last path segment of the URI when it looks like a file name (`name.ext`); captures only. */
  uriFilename?: string | null;
  source?: number;
}

/** One ssl.log row. */
export interface SslRecord extends ConnId {
  ts: number;
  uid: string;
  /** Negotiated version as Zeek writes it (`TLSv12`, `TLSv13`, `SSLv3`...). */
  version: string | null;
  /** Negotiated cipher suite name as Zeek writes it (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`). */
  cipher: string | null;
  curve: string | null;
  serverName: string | null;
  resumed: boolean;
  lastAlert: string | null;
  nextProtocol: string | null;
  established: boolean;
  /** Extras (Zeek packages ja3/ja4 add these columns). */
  ja3?: string | null;
  ja3s?: string | null;
  ja4?: string | null;
  /** Versions offered in the ClientHello, as Zeek names them. */
  clientVersions?: string[];
  /** ALPN protocols offered. */
  alpn?: string[];
  source?: number;
}

/** Where records go. Every input (capture or Zeek log) drives one of these. */
export interface RecordSink {
  conn(r: ConnRecord): void;
  dns(r: DnsRecord): void;
  http(r: HttpRecord): void;
  ssl(r: SslRecord): void;
}

/**
 * Application-layer analysis of one connection, plugged into the flow table.
 * The flow table calls `payload` with bytes in sequence order (TCP: in-order stream bytes only,
 * retransmitted bytes removed; UDP/ICMP: each datagram), `gap` when TCP bytes are missing,
 * and `end` once when the connection is emitted. The analyzer sets `service` and may emit
 * dns/http/ssl records through the sink it was created with.
 */
export interface AppAnalyzer {
  payload(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void;
  gap(fromOrig: boolean, len: number): void;
  /** Final say on the connection: may set `conn.service` and `conn.portMismatch`. */
  end(conn: ConnRecord): void;
  /**
   * Optional: called once after payload() returned false. The analyzer returned (itself, or a
   * smaller one that may be shared by many connections) takes its place until end(), so that a
   * connection whose analysis is over does not keep its whole state while it lives.
   */
  settled?(): AppAnalyzer;
}

/**
 * What AppAnalyzer.payload() may return besides nothing: `false` once it wants no more payload
 * (end() is still called), APP_ORIG_ONLY once it wants only the originator's bytes from then on
 * (an entropy sample of originator payload still filling after parsing is over). The interface
 * says void so that analyzers that want everything need not return anything; a symbol, so that
 * no value an analyzer returns by accident (an arrow function's push() count) reads as it.
 */
export const APP_ORIG_ONLY: unique symbol = Symbol('app-orig-only');

/**
 * Creates an analyzer for a new connection (or returns null to analyze nothing).
 * `midstream` is true for a TCP connection whose first packet was not a SYN (Zeek's "partial"
 * connection): like Zeek's HTTP analyzer (SetSkipPartial), line-based parsers skip those.
 * `startTs` is the connection's first packet time: the flow table may call the factory later
 * than that (at the first payload byte, or at the end for a connection that carried none).
 */
export interface AppAnalyzerFactory {
  (id: ConnId, proto: Transport, uid: string, midstream?: boolean, startTs?: number): AppAnalyzer | null;
  /**
   * Optional, the same call without the id strings: a flow table that has this calls it
   * instead, with the ports and a `handle` by which the analyzer reads the addresses and uid
   * from `ids` when it needs them (most connections never do, and then hold no strings).
   */
  lazy?: (ids: ConnIdSource, handle: number, origP: number, respP: number, proto: Transport, midstream: boolean, startTs: number, respRuledOut?: boolean) => AppAnalyzer | null;
  /**
   * Optional: whether the first payload of a TCP connection, when it comes from the responder,
   * would only rule the responder's bytes out of the analyzer's interest. A flow table may then
   * keep that as a bit, not make the analyzer, skip the responder's payload, and call `lazy`
   * later (first originator byte, gap or end) with `respRuledOut` true: the same analyzer state.
   */
  respRuledOut?: (buf: Buffer, off: number, len: number) => boolean;
}

/**
 * A live connection's addresses and uid, read on demand from the flow table's state by the
 * handle it gave the connection's analyzer (AppAnalyzerFactory.lazy). A handle is valid while
 * the connection lives, up to its analyzer's end(), which gets them in the ConnRecord instead.
 */
export interface ConnIdSource {
  origH(handle: number): string;
  respH(handle: number): string;
  uid(handle: number): string;
}

/**
 * An http.log row with every field unset or empty, for a parser to fill (the capture's HTTP
 * analyzer and the Zeek log reader start from the same shape).
 */
export function emptyHttpRecord(id: ConnId, ts: number, uid: string, transDepth: number): HttpRecord {
  return {
    ts,
    uid,
    origH: id.origH,
    origP: id.origP,
    respH: id.respH,
    respP: id.respP,
    transDepth,
    method: null,
    host: null,
    uri: null,
    referrer: null,
    version: null,
    userAgent: null,
    origin: null,
    requestBodyLen: 0,
    responseBodyLen: 0,
    statusCode: null,
    statusMsg: null,
    infoCode: null,
    infoMsg: null,
    tags: [],
    username: null,
    password: null,
    origFilenames: [],
    origMimeTypes: [],
    respFilenames: [],
    respMimeTypes: [],
  };
}

/** A dns.log row with every field unset or empty, for a parser to fill (see emptyHttpRecord). */
export function emptyDnsRecord(id: ConnId, ts: number, uid: string, proto: Transport, transId: number | null): DnsRecord {
  return {
    ts,
    uid,
    origH: id.origH,
    origP: id.origP,
    respH: id.respH,
    respP: id.respP,
    proto,
    transId,
    rtt: null,
    query: null,
    qclass: null,
    qclassName: null,
    qtype: null,
    qtypeName: null,
    rcode: null,
    rcodeName: null,
    AA: false,
    TC: false,
    RD: false,
    RA: false,
    Z: 0,
    answers: [],
    TTLs: [],
    rejected: false,
  };
}

/** The empty 4-tuple records start from before the log line fills it. */
export const NO_CONN_ID: Readonly<ConnId> = Object.freeze({ origH: '', origP: 0, respH: '', respP: 0 });
