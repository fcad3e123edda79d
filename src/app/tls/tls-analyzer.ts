/**
 * TLS / SSL 3 over one TCP connection (RFC 8446 5.1, RFC 5246 6.2): reads the record layer
 * in place, reassembles only the handshake messages it needs (ClientHello, ServerHello,
 * ServerKeyExchange) and emits one SslRecord with the semantics of Zeek's
 * scripts/base/protocols/ssl/main.zeek when the connection ends.
 *
 *   TLSPlaintext: type(1) legacy_record_version(2) length(2) fragment[length]
 *   Handshake:    msg_type(1) length(3) body[length]
 *
 * `established` follows Zeek's binpac analyzer: a direction turns "encrypted" on its
 * ChangeCipherSpec (or, for TLS 1.3, on an application_data record while still in the clear),
 * and the session is established on the first encrypted record seen once both directions are
 * encrypted. Parsing stops there: nothing after the handshake is looked at.
 *
 * Caps: a handshake message we keep is at most MAX_HANDSHAKE_MESSAGE bytes (larger ones are
 * skipped and counted); a record longer than MAX_RECORD_LEN is a protocol violation.
 */
import type { AnomalyCounter } from '../../core/anomaly.js';
import type { ConnId, RecordSink, SslRecord } from '../../core/records.js';
import { GrowBuffer } from '../grow-buffer.js';
import { Weird } from '../weird.js';
import { ja3, ja3s, ja4, negotiatedVersion, parseClientHello, parseServerHello, type ClientHello, type ServerHello } from './tls-hello.js';
import { alertName, cipherName, curveName, SSLv2, TLSv10, TLSv11, TLSv12, SSLv3, versionName } from './tls-names.js';

/** RFC 5246 6.2.3: TLSCiphertext.length "MUST NOT exceed 2^14 + 2048". */
export const MAX_RECORD_LEN = 16384 + 2048;
/** Largest ClientHello/ServerHello/ServerKeyExchange kept for parsing (post-quantum key shares fit easily). */
export const MAX_HANDSHAKE_MESSAGE = 65536;

const CT_CHANGE_CIPHER_SPEC = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPLICATION_DATA = 23;

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_SERVER_KEY_EXCHANGE = 12;
const HS_CLIENT_KEY_EXCHANGE = 16;

class Dir {
  /** Record header bytes collected so far (a header may span segments). */
  readonly hdr = Buffer.alloc(5);
  hdrHave = 0;
  recType = 0;
  recLeft = 0;
  encrypted = false;
  /** Handshake message header (4 bytes) being collected. */
  readonly hsHdr = Buffer.alloc(4);
  hsHdrHave = 0;
  hsType = 0;
  hsLeft = 0;
  /** Body of a handshake message we keep (grown as bytes arrive), or null when skipping it. */
  hsBuf: GrowBuffer | null = null;
  /** Alert bytes (level, description) split across records/segments. */
  alertLevelPending = -1;
  records = 0;
  sslv2Checked = false;
}

export interface TlsTransport {
  /** 't' for TCP, 'q' when the ClientHello came out of QUIC CRYPTO frames. */
  kind: 't' | 'q';
}

export class TlsAnalyzer {
  private readonly o = new Dir();
  private readonly r = new Dir();
  client: ClientHello | null = null;
  server: ServerHello | null = null;
  private clientVersionV2 = 0;
  private curve: string | null = null;
  private lastAlert: string | null = null;
  private established = false;
  private resumed = false;
  private clientKeyExchangeSeen = false;
  private version = 0;
  /** A record or message that cannot be TLS was seen (Zeek's analyzer violation). */
  violation = false;
  /** Nothing more to parse: established, or given up. */
  done = false;
  private emitted = false;
  private ts = 0;

  private readonly weird: Weird;

  constructor(
    private readonly sink: RecordSink,
    anomalies: AnomalyCounter,
    private readonly id: ConnId,
    private readonly uid: string,
    private readonly transport: 't' | 'q' = 't',
    private readonly source?: number,
  ) {
    this.weird = new Weird(anomalies, id, uid);
  }

  /** The parser accepted a hello: Zeek confirms SSL on a ClientHello with a known version. */
  get confirmed(): boolean {
    return this.client !== null || this.server !== null || this.clientVersionV2 !== 0;
  }

  /** In-order stream bytes of one direction. */
  data(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    if (this.ts === 0) this.ts = ts;
    if (this.done) return;
    const d = fromOrig ? this.o : this.r;
    const end = off + len;
    let p = off;
    if (!d.sslv2Checked && d.hdrHave === 0 && len > 0) {
      d.sslv2Checked = true;
      if ((buf[p] & 0x80) !== 0 && len >= 3) {
        const consumed = this.sslv2(fromOrig, buf, p, end);
        if (consumed < 0) return;
        p += consumed;
      }
    }
    while (p < end && !this.done) {
      if (d.recLeft === 0) {
        // Record header.
        const need = 5 - d.hdrHave;
        const take = Math.min(need, end - p);
        buf.copy(d.hdr, d.hdrHave, p, p + take);
        d.hdrHave += take;
        p += take;
        if (d.hdrHave < 5) return;
        d.hdrHave = 0;
        const type = d.hdr[0];
        const major = d.hdr[1];
        const length = (d.hdr[3] << 8) | d.hdr[4];
        if (type < 20 || type > 26 || major !== 3 || length > MAX_RECORD_LEN) {
          this.weird.add('SSL_invalid_record');
          this.violation = true;
          this.done = true;
          return;
        }
        d.recType = type;
        d.recLeft = length;
        d.records++;
        if (length === 0) this.recordDone(d, fromOrig);
        if (this.recordIsCiphertext(d)) {
          // Nothing inside is readable; skip the whole fragment.
          this.ciphertextRecord();
        }
        continue;
      }
      const take = Math.min(d.recLeft, end - p);
      if (d.recType === CT_HANDSHAKE && !d.encrypted) this.handshakeBytes(d, fromOrig, buf, p, p + take);
      else if (d.recType === CT_ALERT && !d.encrypted) this.alertBytes(d, buf, p, p + take);
      d.recLeft -= take;
      p += take;
      if (d.recLeft === 0) this.recordDone(d, fromOrig);
    }
  }

  /** Missing bytes: record framing is lost in that direction; stop parsing it. */
  gap(fromOrig: boolean, _len: number): void {
    if (this.done) return;
    this.weird.add('ssl_content_gap');
    const d = fromOrig ? this.o : this.r;
    d.hsBuf = null;
    this.done = true;
  }

  /** Emit the ssl.log row (once), when a hello was seen. */
  end(): void {
    if (this.emitted || !this.confirmed) return;
    this.emitted = true;
    const ch = this.client;
    const sh = this.server;
    const rec: SslRecord = {
      ts: this.ts,
      uid: this.uid,
      origH: this.id.origH,
      origP: this.id.origP,
      respH: this.id.respH,
      respP: this.id.respP,
      version: this.version !== 0 ? versionName(this.version) : null,
      cipher: sh !== null ? cipherName(sh.cipher) : null,
      curve: this.curve,
      serverName: ch?.serverName ?? null,
      resumed: this.resumed,
      lastAlert: this.lastAlert,
      nextProtocol: sh?.alpn ?? null,
      established: this.established,
      ja3: ch !== null ? ja3(ch) : null,
      ja3s: sh !== null ? ja3s(sh) : null,
      ja4: ch !== null ? ja4(ch, this.transport) : null,
      clientVersions: ch !== null ? clientVersions(ch) : [],
      alpn: ch !== null ? ch.alpn.slice() : [],
    };
    if (this.source !== undefined) rec.source = this.source;
    this.sink.ssl(rec);
  }

  /**
   * Hand a complete handshake message from outside the record layer (QUIC CRYPTO frames).
   * @param body the message body, after its 4-byte header
   */
  handshakeMessage(fromOrig: boolean, type: number, body: Buffer, ts: number): void {
    if (this.ts === 0) this.ts = ts;
    this.message(fromOrig, type, body, 0, body.length);
  }

  /** Mark a direction encrypted from outside (QUIC: everything after Initial is protected). */
  setEstablished(v: boolean): void {
    this.established = v;
  }

  private recordIsCiphertext(d: Dir): boolean {
    if (d.encrypted) return true;
    if (d.recType !== CT_APPLICATION_DATA) return false;
    const v = this.version;
    if (v !== SSLv2 && v !== SSLv3 && v !== TLSv10 && v !== TLSv11 && v !== TLSv12) {
      // Zeek's determine_state: application data in the clear that is not TLS <= 1.2 means TLS 1.3.
      d.encrypted = true;
      return true;
    }
    return false;
  }

  /** Zeek's proc_ciphertext_record: established on an encrypted record once both sides are encrypted. */
  private ciphertextRecord(): void {
    if (this.o.encrypted && this.r.encrypted && !this.established) {
      this.established = true;
      this.done = true; // everything else is encrypted: stop here
    }
  }

  private recordDone(d: Dir, fromOrig: boolean): void {
    if (d.recType === CT_CHANGE_CIPHER_SPEC && !d.encrypted) {
      d.encrypted = true;
      if (fromOrig && this.client !== null && this.client.ticket && !this.clientKeyExchangeSeen) this.resumed = true;
    }
  }

  private alertBytes(d: Dir, b: Buffer, p: number, end: number): void {
    for (let i = p; i < end; i++) {
      if (d.alertLevelPending < 0) d.alertLevelPending = b[i];
      else {
        this.lastAlert = alertName(b[i]);
        d.alertLevelPending = -1;
      }
    }
  }

  private handshakeBytes(d: Dir, fromOrig: boolean, b: Buffer, p: number, end: number): void {
    while (p < end) {
      if (d.hsLeft === 0 && d.hsBuf === null) {
        const take = Math.min(4 - d.hsHdrHave, end - p);
        b.copy(d.hsHdr, d.hsHdrHave, p, p + take);
        d.hsHdrHave += take;
        p += take;
        if (d.hsHdrHave < 4) return;
        d.hsHdrHave = 0;
        d.hsType = d.hsHdr[0];
        const len = (d.hsHdr[1] << 16) | (d.hsHdr[2] << 8) | d.hsHdr[3];
        if (d.hsType === HS_CLIENT_KEY_EXCHANGE && fromOrig) this.clientKeyExchangeSeen = true;
        const keep = d.hsType === HS_CLIENT_HELLO || d.hsType === HS_SERVER_HELLO || d.hsType === HS_SERVER_KEY_EXCHANGE;
        if (keep && len <= MAX_HANDSHAKE_MESSAGE) {
          if (len === 0) {
            this.message(fromOrig, d.hsType, Buffer.alloc(0), 0, 0);
            continue;
          }
          d.hsBuf = new GrowBuffer(len);
          d.hsLeft = len;
        } else {
          if (keep) this.weird.add('ssl_handshake_message_too_large');
          d.hsBuf = null;
          d.hsLeft = len;
          if (len === 0) continue;
        }
        continue;
      }
      const take = Math.min(d.hsLeft, end - p);
      if (d.hsBuf !== null) d.hsBuf.append(b, p, p + take);
      d.hsLeft -= take;
      p += take;
      if (d.hsLeft === 0 && d.hsBuf !== null) {
        const body = d.hsBuf;
        d.hsBuf = null;
        this.message(fromOrig, d.hsType, body.buf, 0, body.len);
      }
    }
  }

  private message(fromOrig: boolean, type: number, b: Buffer, off: number, end: number): void {
    if (type === HS_CLIENT_HELLO && fromOrig) {
      if (this.client !== null) return; // renegotiation: keep the first
      const ch = parseClientHello(b, off, end);
      if (ch === null) {
        this.weird.add('ssl_malformed_client_hello');
        this.violation = true;
        return;
      }
      this.client = ch;
    } else if (type === HS_SERVER_HELLO && !fromOrig) {
      if (this.server !== null) return;
      const sh = parseServerHello(b, off, end);
      if (sh === null) {
        this.weird.add('ssl_malformed_server_hello');
        this.violation = true;
        return;
      }
      this.server = sh;
      this.version = negotiatedVersion(sh);
      if (sh.keyShareGroup >= 0) this.curve = curveName(sh.keyShareGroup);
      const ch = this.client;
      if (ch !== null) {
        if (ch.sessionId.length > 0 && ch.sessionId === sh.sessionId && (this.version >> 8) !== 0x7f && this.version !== 0x0304) this.resumed = true;
        if (ch.psk && sh.psk) this.resumed = true;
      }
    } else if (type === HS_SERVER_KEY_EXCHANGE && !fromOrig) {
      // ServerECDHParams (RFC 8422 5.4): curve_type(1) = named_curve(3), namedcurve(2).
      const sh = this.server;
      if (sh !== null && end - off >= 3 && b[off] === 3 && cipherName(sh.cipher).indexOf('ECDH') >= 0) {
        this.curve = curveName((b[off + 1] << 8) | b[off + 2]);
      }
    }
  }

  /**
   * SSLv2 record (RFC 6101 appendix E / the SSL 2.0 draft): 2-byte header with the high bit set.
   * CLIENT-HELLO (1): version(2) cipher_specs_len(2) session_id_len(2) challenge_len(2) ...;
   * SERVER-HELLO (4): session_id_hit(1) cert_type(1) version(2) ...
   * @returns bytes consumed, or -1 when parsing stops
   */
  private sslv2(fromOrig: boolean, b: Buffer, p: number, end: number): number {
    const len = ((b[p] & 0x7f) << 8) | b[p + 1];
    const type = b[p + 2];
    if (fromOrig && type === 1 && len >= 9 && p + 2 + len <= end) {
      const v = (b[p + 3] << 8) | b[p + 4];
      if (v !== SSLv2 && v !== SSLv3 && v !== TLSv10 && v !== TLSv11 && v !== TLSv12) {
        this.violation = true;
        this.done = true;
        return -1;
      }
      this.clientVersionV2 = v;
      return 2 + len;
    }
    if (!fromOrig && type === 4 && len >= 6 && p + 2 + len <= end) {
      this.version = (b[p + 5] << 8) | b[p + 6];
      this.done = true;
      return -1;
    }
    this.violation = true;
    this.done = true;
    return -1;
  }
}

function clientVersions(ch: ClientHello): string[] {
  const vs = ch.versions.filter((v) => !((v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff)));
  if (vs.length === 0) return [versionName(ch.version)];
  return vs.map(versionName);
}
