/**
 * Application-layer analysis of one connection: detects the protocol from the first bytes of
 * each direction (never from the port), then hands the stream to the matching parser.
 *
 * Detection looks at most at DETECT_WINDOW bytes / DETECT_PACKETS payload packets per
 * direction; when nothing matched by then the connection is left alone (only the entropy
 * sample, itself capped, still counts bytes). Once a parser runs, it stops by itself at the end
 * of the clear-text handshake (TLS, SSH) or keeps framing (HTTP, DNS) without buffering bodies.
 *
 * `service` lists the confirmed protocols in the order they were confirmed, comma-joined, as
 * Zeek's conn.log does (`irc,ssl`, `http,ssl`, `quic,ssl`). A protocol is confirmed at the point
 * Zeek's analyzer confirms it (a parsed request, a parsed ClientHello, SSH NEWKEYS, a parsed DNS
 * message) and removed again when the peer violates it (Zeek's DPD: a non-HTTP reply to an HTTP
 * request).
 */
import type { AnomalyCounter } from '../core/anomaly.js';
import { APP_ORIG_ONLY, type AppAnalyzer, type ConnId, type ConnIdSource, type ConnRecord, type RecordSink, type Transport } from '../core/records.js';
import { classifyText, isDnsMessage, isNtp, isHttpReply, isHttpRequest, isQuicInitial, isSshBanner, isSslv2ClientHello, isTlsAlert, isTlsHandshake } from './detect.js';
import { DnsAnalyzer, isMulticast } from './dns/dns-analyzer.js';
import type { EntropySlab } from './entropy.js';
import { Weird } from './weird.js';
import { ftpDataEndpoint, type ExpectedConns } from './expected-conns.js';
import { HttpAnalyzer, type HttpOptions } from './http/http-analyzer.js';
import { QuicAnalyzer } from './quic/quic-analyzer.js';
import { isRegistered, SERVICE_NAMES, Svc } from './services.js';
import { SshWalker } from './ssh.js';
import { TlsAnalyzer } from './tls/tls-analyzer.js';

/** Bytes per direction kept while the protocol is still unknown (enough for any first line or hello header). */
export const DETECT_WINDOW = 1024;
/** Payload packets per direction looked at before giving up on detection (see detectTcp). */
export const DETECT_PACKETS = 4;
/** Bytes a direction must have shown before DETECT_PACKETS ends detection (a TLS hello header is 6). */
export const DETECT_MIN_BYTES = 16;
/** Hard limit on packets looked at per direction, however small they are. */
export const DETECT_MAX_PACKETS = 64;
/** Packets of an FTP control connection scanned for data-channel announcements. */
export const FTP_WATCH_PACKETS = 4096;
/** Packets of a clear-text command protocol watched for a STARTTLS switch to TLS. */
export const STARTTLS_WATCH_PACKETS = 64;

const enum Mode {
  Detect = 0,
  Http = 1,
  Tls = 2,
  Dns = 3,
  Ssh = 4,
  Text = 5,
  Quic = 6,
  Off = 7,
}

/** Shared by every connection analyzer of one run. */
export interface AppContext {
  sink: RecordSink;
  anomalies: AnomalyCounter;
  http: HttpOptions;
  /** Smallest sample for which an entropy is reported (below it the figure says little). */
  entropyMinBytes: number;
  /** Histograms of the samples in progress (null when sampling is off). */
  entropy: EntropySlab | null;
  /** Data connections announced by FTP control connections. */
  expected: ExpectedConns;
  /**
   * Where analyzers made by the lazy factory read their addresses and uid (the first flow
   * table that called it); null until then.
   */
  ids: ConnIdSource | null;
  /** The record of the connection whose end() is running (for analyzers that hold a handle). */
  endRec: ConnRecord | null;
  /** Whether DNS analyzers build dns.log records (AppOptions.records.dns). */
  dnsRecords: boolean;
}

/** ConnAnalyzer.id during end(): read the strings from AppContext.endRec. */
const ENDING = -1;

/**
 * A connection's address strings and uid once something needed them: a parser started (its
 * records carry them), an anomaly was described. `h` is the handle they were read by (-1 when
 * they were given), so that they can be let go again once nothing will read them.
 */
export class IdStrings {
  constructor(
    readonly origH: string,
    readonly respH: string,
    readonly uid: string,
    readonly h: number,
  ) {}
}

/** What ConnAnalyzer.id holds once it has the strings: its own, or the ConnRecord's at end(). */
type IdText = IdStrings | ConnRecord;


/** UDP ports Zeek's DNS analyzer is registered for (DNS::ports). */
function isDnsPort(p: number): boolean {
  return p === 53 || p === 137 || p === 5353 || p === 5355;
}

/** Whether a segment starts like a line of text (what the command protocols still waiting for the peer send). */
function textStart(b: Buffer, p: number, end: number): boolean {
  const e = Math.min(end, p + 8);
  for (let i = p; i < e; i++) {
    const c = b[i];
    if ((c < 0x20 || c > 0x7e) && c !== 0x0d && c !== 0x0a && c !== 0x09) return false;
  }
  return true;
}

/**
 * Whether a segment no protocol was recognised from rules its direction out of detection: long
 * enough to rule out every binary protocol we know, and not text (the common case for encrypted
 * or unknown bulk data), so that there is nothing to wait for in this direction.
 */
function rulesOutDirection(b: Buffer, off: number, len: number): boolean {
  return len >= DETECT_MIN_BYTES && !textStart(b, off, off + len);
}

/** classifyTcpBytes' result for a clear-text command protocol: Mode.Text, its Svc from this bit up. */
const TEXT_SVC_SHIFT = 3;

/**
 * What the first bytes of both directions of a TCP connection say: a Mode (Mode.Detect while
 * undecided), or for a clear-text command protocol Mode.Text | svc << TEXT_SVC_SHIFT.
 * @param respP the responder port (TCP DNS is taken on port 53 without a whole message)
 */
function classifyTcpBytes(ob: Buffer | null, op: number, oe: number, rb: Buffer | null, rp: number, re: number, respP: number): number {
  if (ob !== null && oe > op) {
    if (isTlsHandshake(ob, op, oe, 1) || isSslv2ClientHello(ob, op, oe)) return Mode.Tls;
    if (isHttpRequest(ob, op, oe)) return Mode.Http;
    if (isSshBanner(ob, op, oe)) return Mode.Ssh;
    if (oe - op >= 2) {
      const mlen = (ob[op] << 8) | ob[op + 1];
      if (mlen >= 17 && (respP === 53 || (oe - op - 2 >= mlen && isDnsMessage(ob, op + 2, op + 2 + mlen)))) return Mode.Dns;
    }
  }
  if (rb !== null && re > rp) {
    if (isTlsHandshake(rb, rp, re, 2) || (isTlsAlert(rb, rp, re) && ob !== null && oe > op && isTlsHandshake(ob, op, oe, 1))) return Mode.Tls;
    if (isSshBanner(rb, rp, re)) return Mode.Ssh;
    if (isHttpReply(rb, rp, re) && (ob === null || oe === op)) return Mode.Http;
  }
  const t = classifyText(ob, op, oe, rb, rp, re);
  return t !== Svc.None ? Mode.Text | (t << TEXT_SVC_SHIFT) : Mode.Detect;
}

/**
 * Whether the first payload of a TCP connection, from the responder, does nothing in a new
 * analyzer but rule the responder out (detectTcp: the same classification, no protocol
 * recognised, rulesOutDirection): the state a ConnAnalyzer made with `respRuledOut` starts in.
 */
export function responderRuledOut(b: Buffer, off: number, len: number): boolean {
  // No originator bytes: the responder port is not looked at.
  return rulesOutDirection(b, off, len) && classifyTcpBytes(null, 0, 0, b, off, off + len, 0) === Mode.Detect;
}

/** Bytes one direction sent while the protocol is still unknown (created only when needed). */
class DetectBuf {
  /** Starts small (most buffered first segments are a few bytes) and doubles up to DETECT_WINDOW. */
  buf = Buffer.allocUnsafe(64);
  len = 0;
  ts = 0;

  append(b: Buffer, off: number, len: number, ts: number): void {
    if (this.len === 0) this.ts = ts;
    const take = Math.min(len, DETECT_WINDOW - this.len);
    if (this.len + take > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + take) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, DETECT_WINDOW));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    b.copy(this.buf, this.len, off, off + take);
    this.len += take;
  }
}

/** The two directions' detection buffers (created only when a direction must be buffered). */
class DetectBufs {
  o: DetectBuf | null = null;
  r: DetectBuf | null = null;
}

/** SSH: a walker per direction, looking for NEWKEYS. */
class SshPair {
  readonly o = new SshWalker();
  readonly r = new SshWalker();
}

/**
 * ConnAnalyzer.st: the mode (bits 0-2), fixed facts about the connection, and the Det bits
 * from DetShift up, in one small integer (one field instead of three per live connection).
 */
const enum Flag {
  ModeMask = 7,
  Tcp = 8,
  /** First TCP packet was not a SYN (Zeek's partial connection). */
  Midstream = 16,
  /** Nothing will read the addresses any more (detection gave up with no parser). */
  NoAddr = 32,
  DetShift = 8,
  LowMask = 0xff,
}

/**
 * Detection state packed in one small integer (ConnAnalyzer.det, 16 bits): payload packets looked at per
 * direction (7 bits each, DETECT_MAX_PACKETS fits) and whether a direction is ruled out. In Text
 * mode the same field counts the packets watched for STARTTLS / FTP data channels.
 */
const enum Det {
  RShift = 7,
  PacketMask = 0x7f,
  ODead = 1 << 14,
  RDead = 1 << 15,
}

/**
 * State of the entropy sample (ConnAnalyzer.entSlot); a slot number (>= 0) while a histogram
 * slot holds a sample in progress, with ConnAnalyzer.entV the bytes counted so far.
 */
const enum Ent {
  /** In progress without a slot (entV bytes counted: none yet). */
  Pending = -1,
  /** Complete: entV is the value in thousandths, or -1 when there is none to report. */
  Done = -2,
  /** Sampling is disabled. */
  Off = -3,
}

/**
 * What a connection's analyzer still has to say at end() once parsing is over, nothing was
 * confirmed and the entropy sample is complete: no service, no port mismatch, the entropy.
 * Immutable and shared by every such connection with the same entropy value (ConnAnalyzer
 * .settled), so that hundreds of thousands of live connections past their first packets hold
 * no analyzer of their own.
 */
class SettledAnalyzer implements AppAnalyzer {
  constructor(private readonly entropy: number | null) {}
  payload(): boolean {
    return false;
  }
  gap(): void {}
  end(conn: ConnRecord): void {
    conn.portMismatch = null;
    conn.origPayloadEntropy = this.entropy;
  }
}

/** SettledAnalyzer by entropy in thousandths + 1 (0: none to report); at most 8002, made on first use. */
const settledByMilli: (SettledAnalyzer | undefined)[] = [];

/**
 * One per connection, kept small: numbers for the state, and parsers created only once their
 * protocol is detected (most connections never get one). Nothing here is allocated per packet.
 *
 * The analyzer is also the connection's ConnId for its parsers and their records. Made by the
 * lazy factory (the flow table's way), it holds the ports as numbers and only a handle for the
 * addresses and uid, which it reads from the flow table when first needed (a parser starts,
 * an anomaly is described) and from the ConnRecord at end(): most connections never build
 * those strings. Each live connection thus carries one object of nine fields here (their
 * survival to the old generation is most of the app layer's garbage-collection cost, and at
 * 500k live connections, most of its memory). Strings read by handle are let go again once
 * nothing more will be parsed.
 */
export class ConnAnalyzer implements AppAnalyzer, ConnId {
  // Field order is memory order (class fields are laid out as declared): what payload() reads
  // on every call comes first, next to the object header, so that a call on a connection that
  // is not in the CPU cache costs one cache-line fetch rather than two or three.
  private readonly ctx: AppContext;
  /** Mode, Flag bits and Det bits; see Flag. */
  private st = 0;
  /** Entropy sample: a histogram slot or an Ent state; see Ent for entV. */
  private entSlot: number = Ent.Pending;
  /** HTTP parser, kept after a CONNECT/Upgrade for its end-of-connection records. */
  private http: HttpAnalyzer | null = null;
  /**
   * In Detect mode, the detection buffers (null until a direction must be buffered); once a
   * parser started, that parser (which one follows from the mode it was started for). The two
   * are never needed at once: a parser's start consumes the buffers.
   */
  private aux: DetectBufs | TlsAnalyzer | DnsAnalyzer | QuicAnalyzer | SshPair | null = null;
  private entV = 0;
  /** Confirmed services in confirmation order, 4 bits each (first in the low bits); 0 = none. */
  private services = 0;
  /** origP << 16 | respP (an int32, so a small integer). */
  private readonly ports: number;
  /** The address strings and uid (IdText), or the handle to read them by from ctx.ids. */
  private id: IdText | number;

  /**
   * @param id the address strings and uid, or a handle to read them by from ctx.ids
   * @param startTs the connection's first packet time, when the analyzer is made later than that
   * @param respRuledOut the responder's first payload was skipped (responderRuledOut): start
   *        as detectTcp left a new analyzer after it (one responder packet, responder out)
   */
  constructor(ctx: AppContext, id: IdStrings | number, origP: number, respP: number, proto: Transport, midstream = false, startTs?: number, respRuledOut = false) {
    this.ctx = ctx;
    this.id = id;
    this.ports = (origP << 16) | respP;
    const tcp = proto === 'tcp';
    this.st = (tcp ? Flag.Tcp : 0) | (midstream ? Flag.Midstream : 0);
    if (tcp && respRuledOut) this.det = Det.RDead | (1 << Det.RShift);
    if (ctx.entropy === null) this.entSlot = Ent.Off;
    if (tcp && ctx.expected.size > 0) {
      const svc = ctx.expected.take(this.origH, this.respH, respP, startTs);
      if (svc !== 0) {
        // An announced FTP data channel: its content is file data, nothing to detect.
        this.confirm(svc);
        this.stopDetection();
      }
    }
    if (!tcp && (isDnsPort(respP) || isDnsPort(origP))) this.startDns();
  }

  get origP(): number {
    return this.ports >>> 16;
  }
  get respP(): number {
    return this.ports & 0xffff;
  }
  get origH(): string {
    return this.idText().origH;
  }
  get respH(): string {
    return this.idText().respH;
  }
  get uid(): string {
    return this.idText().uid;
  }

  /** Lets go of strings read by handle (they are read again if needed). */
  private dropIdStrings(): void {
    const id = this.id;
    if (id instanceof IdStrings && id.h >= 0) this.id = id.h;
  }

  /** The strings of the id, read by handle on first use. */
  private idText(): IdText {
    const id = this.id;
    if (typeof id !== 'number') return id;
    if (id === ENDING) return this.ctx.endRec!;
    const src = this.ctx.ids!;
    const t = new IdStrings(src.origH(id), src.respH(id), src.uid(id), id);
    this.id = t;
    return t;
  }

  private get mode(): Mode {
    return (this.st & Flag.ModeMask) as Mode;
  }
  private set mode(m: Mode) {
    this.st = (this.st & ~Flag.ModeMask) | m;
  }
  private get det(): number {
    return this.st >>> Flag.DetShift;
  }
  private set det(v: number) {
    this.st = (this.st & Flag.LowMask) | (v << Flag.DetShift);
  }

  private get tcp(): boolean {
    return (this.st & Flag.Tcp) !== 0;
  }

  /**
   * In-order payload of one direction.
   * @returns false once the analyzer wants no more payload of this connection (detection and
   *          parsing over, entropy sample complete): a caller may stop calling payload() then
   *          (end() is still needed; gap() is a no-op from then on); the flow table stops then.
   *          APP_ORIG_ONLY once only the entropy sample still wants bytes, the originator's.
   */
  payload(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): boolean | typeof APP_ORIG_ONLY {
    if (len <= 0) return true;
    const expected = this.ctx.expected;
    if (expected.size > 0) expected.now = ts;
    if (fromOrig && this.entSlot >= Ent.Pending) this.sample(buf, off, len);
    // HTTP's end-of-connection records (bodies read until close) take the last packet's time.
    const http = this.http;
    if (http !== null) http.lastTs = ts;
    if (this.mode !== Mode.Off) {
      this.dispatch(fromOrig, buf, off, len, ts);
      if ((this.mode as Mode) !== Mode.Off) return true; // dispatch() may have turned it off
    }
    if (this.http !== null) return true;
    // Parsing is over: only the entropy sample of originator bytes may still want payload.
    return this.entSlot >= Ent.Pending ? APP_ORIG_ONLY : false;
  }

  /** Route bytes to the current mode (also used to replay buffered bytes). */
  private dispatch(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    switch (this.mode) {
      case Mode.Off:
        return;
      case Mode.Detect:
        if (this.tcp) this.detectTcp(fromOrig, buf, off, len, ts);
        else this.detectUdp(fromOrig, buf, off, len, ts);
        return;
      case Mode.Http:
        this.feedHttp(fromOrig, buf, off, len, ts);
        return;
      case Mode.Tls:
        this.feedTls(fromOrig, buf, off, len, ts);
        return;
      case Mode.Dns:
        this.feedDns(fromOrig, buf, off, len, ts);
        return;
      case Mode.Ssh:
        this.feedSsh(fromOrig, buf, off, len);
        return;
      case Mode.Text:
        this.watchStartTls(fromOrig, buf, off, len, ts);
        return;
      case Mode.Quic: {
        const q = this.aux as QuicAnalyzer;
        q.datagram(fromOrig, buf, off, len, ts);
        if (q.confirmed) this.confirm(Svc.Quic);
        if (q.sslConfirmed) this.confirm(Svc.Ssl);
        if (q.done) this.mode = Mode.Off;
        return;
      }
    }
  }

  gap(fromOrig: boolean, len: number): void {
    switch (this.mode) {
      case Mode.Detect:
        this.stopDetection(); // the first bytes are missing: nothing reliable to classify
        return;
      case Mode.Http:
        this.http!.gap(fromOrig, len);
        return;
      case Mode.Tls:
        (this.aux as TlsAnalyzer).gap(fromOrig, len);
        return;
      case Mode.Dns:
        (this.aux as DnsAnalyzer | null)?.gap(fromOrig);
        return;
      case Mode.Ssh:
        this.mode = Mode.Off;
        return;
    }
  }

  end(conn: ConnRecord): void {
    // The handle may be stale from here on (the flow table freed the slot): the record has the
    // strings. It is lent through the context for the length of the call, not stored here: a
    // young record referenced from an old analyzer would survive the next scavenges.
    const lent = typeof this.id === 'number';
    if (lent) {
      this.ctx.endRec = conn;
      this.id = ENDING;
    }
    this.finish(conn);
    if (lent) this.ctx.endRec = null;
  }

  private finish(conn: ConnRecord): void {
    const http = this.http;
    if (http !== null) http.end(http.lastTs);
    // In Detect mode aux holds detection buffers, which end() has no use for.
    const p = this.mode === Mode.Detect ? null : this.aux;
    let dns: DnsAnalyzer | null = null;
    if (p !== null) {
      if (p instanceof TlsAnalyzer || p instanceof QuicAnalyzer) p.end();
      else if (p instanceof DnsAnalyzer) {
        p.end();
        dns = p;
      }
    }
    if (http !== null && http.violation) this.unconfirm(Svc.Http);
    if (dns !== null && dns.validMessages > 0) this.confirm(Svc.Dns);
    if (this.services !== 0) {
      const first = (this.services & 15) as Svc;
      let s = SERVICE_NAMES[first];
      for (let v = this.services >>> 4; v !== 0; v >>>= 4) s += ',' + SERVICE_NAMES[v & 15];
      conn.service = s;
      // A negotiated data channel has no registered port to mismatch.
      conn.portMismatch = first === Svc.FtpData || isRegistered(this.tcp, this.respP, first) ? null : SERVICE_NAMES[first];
    } else {
      conn.portMismatch = null;
    }
    if (this.entSlot >= 0) {
      // A sample below entropyMinBytes reports nothing: no need to read its histogram (a DNS
      // query, or a client that sent a few bytes, holds such a sample until the end).
      const n = this.entV;
      this.sampleDone(n >= this.ctx.entropyMinBytes ? this.ctx.entropy!.milliValue(this.entSlot, n) : 0, n);
    } else if (this.entSlot === Ent.Pending) {
      this.sampleDone(0, this.entV);
    }
    conn.origPayloadEntropy = this.entSlot === Ent.Done && this.entV >= 0 ? this.entV / 1000 : null;
  }

  /**
   * After payload() returned false: a shared SettledAnalyzer when end() would only report the
   * entropy (the usual case for traffic nothing was detected in), else this analyzer.
   */
  settled(): AppAnalyzer {
    if (this.mode !== Mode.Off || this.aux !== null || this.http !== null || this.services !== 0 || this.entSlot !== Ent.Done) return this;
    const k = this.entV + 1; // entV is -1 (nothing to report) or 0..8000
    let s = settledByMilli[k];
    if (s === undefined) settledByMilli[k] = s = new SettledAnalyzer(this.entV >= 0 ? this.entV / 1000 : null);
    return s;
  }

  /** The sample is over: keep its value when it holds enough bytes, free its slot. */
  private sampleDone(milli: number, n: number): void {
    if (this.entSlot >= 0) this.ctx.entropy!.release(this.entSlot);
    this.entSlot = Ent.Done;
    this.entV = n >= this.ctx.entropyMinBytes ? milli : -1;
  }

  /** Count originator bytes into the entropy sample until it holds entropySampleBytes. */
  private sample(buf: Buffer, off: number, len: number): void {
    const slab = this.ctx.entropy!;
    if (this.entSlot < 0) {
      if (len >= slab.cap) {
        // The first segment fills the whole sample: no slot to hold between segments.
        this.sampleDone(slab.milliValueOf(buf, off, slab.cap), slab.cap);
        return;
      }
      const slot = slab.allocFor(len);
      if (slot < 0) {
        this.sampleLost();
        return;
      }
      this.entSlot = slot;
    }
    const take = Math.min(len, slab.cap - this.entV);
    const slot = slab.addAt(this.entSlot, this.entV, buf, off, take);
    if (slot < 0) {
      // A small sample outgrew its cell and no histogram was free (the slab released the cell).
      this.sampleLost();
      return;
    }
    this.entSlot = slot;
    this.entV += take;
    if (this.entV >= slab.cap) this.sampleDone(slab.milliValue(this.entSlot, this.entV), this.entV);
  }

  /**
   * No slot was free for the sample (it holds none now): counted, described with the connection
   * (by uid alone once the addresses were let go), and no entropy for this connection.
   */
  private sampleLost(): void {
    this.entSlot = Ent.Pending;
    const noAddr = (this.st & Flag.NoAddr) !== 0;
    new Weird(this.ctx.anomalies, noAddr ? null : this, this.uid).add('entropy_sample_slots_exhausted', noAddr ? `conn ${this.uid}` : undefined);
    this.sampleDone(0, 0);
  }

  private confirm(svc: Svc): void {
    let shift = 0;
    for (let v = this.services; v !== 0; v >>>= 4, shift += 4) if ((v & 15) === svc) return;
    if (shift < 28) this.services |= svc << shift;
  }

  private unconfirm(svc: Svc): void {
    let kept = 0;
    let shift = 0;
    for (let v = this.services; v !== 0; v >>>= 4) {
      if ((v & 15) === svc) continue;
      kept |= (v & 15) << shift;
      shift += 4;
    }
    this.services = kept;
  }

  /** The most recently confirmed service (Svc.None when none). */
  private lastConfirmed(): Svc {
    let last = Svc.None;
    for (let v = this.services; v !== 0; v >>>= 4) last = (v & 15) as Svc;
    return last;
  }

  private resetDetection(): void {
    if (this.mode === Mode.Detect) this.aux = null;
    this.det = 0;
  }

  /****/

  private detectUdp(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    const end = off + len;
    if (isQuicInitial(buf, off, end, fromOrig)) {
      this.aux = new QuicAnalyzer(this.ctx.sink, this.ctx.anomalies, this, this.uid);
      this.mode = Mode.Quic;
      this.dispatch(fromOrig, buf, off, len, ts);
      return;
    }
    if ((this.respP === 123 || this.origP === 123) && isNtp(buf, off, end)) {
      // NTP carries nothing we log; confirming it is all (Zeek's conn.log service `ntp`).
      this.confirm(Svc.Ntp);
      this.stopDetection();
      return;
    }
    if (isDnsMessage(buf, off, end)) {
      this.startDns();
      this.feedDns(fromOrig, buf, off, len, ts);
      return;
    }
    const det = this.det + (fromOrig ? 1 : 1 << Det.RShift);
    this.det = det;
    if ((fromOrig ? det & Det.PacketMask : (det >>> Det.RShift) & Det.PacketMask) >= DETECT_PACKETS) this.stopDetection();
  }

  /** DNS from here on; its analyzer is made at the first message (feedDns). */
  private startDns(): void {
    if (this.mode === Mode.Detect) this.aux = null;
    this.mode = Mode.Dns;
  }

  private newDns(): DnsAnalyzer {
    // The responder's address is read once here, without keeping its string.
    const id = this.id;
    const respH = typeof id === 'number' ? this.ctx.ids!.respH(id) : id.respH;
    return new DnsAnalyzer(this.ctx.sink, this.ctx.anomalies, this, this.tcp ? 'tcp' : 'udp', isMulticast(respH), undefined, this.ctx.dnsRecords);
  }

  private detectTcp(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    let det = this.det;
    if ((det & (fromOrig ? Det.ODead : Det.RDead)) !== 0) return;
    let packets: number;
    if (fromOrig) {
      packets = (det & Det.PacketMask) + 1;
      if (packets <= Det.PacketMask) det += 1;
    } else {
      packets = ((det >>> Det.RShift) & Det.PacketMask) + 1;
      if (packets <= Det.PacketMask) det += 1 << Det.RShift;
    }
    this.det = det;
    let bufs = this.aux as DetectBufs | null;
    let d = bufs === null ? null : fromOrig ? bufs.o : bufs.r;
    if (d === null) {
      // Common case: the first segment says it all; classify it in place.
      const o = bufs === null ? null : bufs.o;
      const r = bufs === null ? null : bufs.r;
      const m = fromOrig
        ? this.classifyTcp(buf, off, off + len, r === null ? null : r.buf, 0, r === null ? 0 : r.len)
        : this.classifyTcp(o === null ? null : o.buf, 0, o === null ? 0 : o.len, buf, off, off + len);
      if (m !== Mode.Detect) {
        this.start(m);
        this.replayOther(fromOrig, o, r);
        this.dispatch(fromOrig, buf, off, len, ts);
        return;
      }
      if (rulesOutDirection(buf, off, len)) {
        det |= fromOrig ? Det.ODead : Det.RDead;
        this.det = det;
        if ((det & (Det.ODead | Det.RDead)) === (Det.ODead | Det.RDead)) this.stopDetection();
        return;
      }
      d = new DetectBuf();
      if (bufs === null) this.aux = bufs = new DetectBufs();
      if (fromOrig) bufs.o = d;
      else bufs.r = d;
    }
    d.append(buf, off, len, ts);
    const o = bufs!.o;
    const r = bufs!.r;
    const m = this.classifyTcp(o === null ? null : o.buf, 0, o === null ? 0 : o.len, r === null ? null : r.buf, 0, r === null ? 0 : r.len);
    if (m !== Mode.Detect) {
      this.start(m);
      this.replayBoth(o, r);
      return;
    }
    // Detection ends for a direction after DETECT_PACKETS packets holding at least
    // DETECT_MIN_BYTES together (tiny segments, e.g. a hello split byte by byte, do not count
    // against it), after DETECT_MAX_PACKETS packets whatever their size, or at DETECT_WINDOW bytes.
    if ((packets >= DETECT_PACKETS && d.len >= DETECT_MIN_BYTES) || packets >= DETECT_MAX_PACKETS || d.len >= DETECT_WINDOW) {
      this.stopDetection();
    }
  }

  /** Nothing to parse in this connection, for good. */
  private stopDetection(): void {
    this.resetDetection();
    this.mode = Mode.Off;
    // Without a parser (a CONNECT tunnel's HTTP) to write records, nothing reads the addresses
    // any more; end() needs only the responder port. Strings read by handle are let go.
    if (this.http === null) {
      this.st |= Flag.NoAddr;
      this.dropIdStrings();
    }
  }

  /** What the first bytes of both directions say (classifyTcpBytes); Mode.Detect while undecided. */
  private classifyTcp(ob: Buffer | null, op: number, oe: number, rb: Buffer | null, rp: number, re: number): Mode {
    const m = classifyTcpBytes(ob, op, oe, rb, rp, re, this.respP);
    if (m < 1 << TEXT_SVC_SHIFT) return m as Mode;
    this.confirm((m >>> TEXT_SVC_SHIFT) as Svc);
    return Mode.Text;
  }

  private start(m: Mode): void {
    if ((this.st & Flag.Midstream) !== 0 && (m === Mode.Http || m === Mode.Text)) {
      // Zeek's line-based analyzers skip partial connections (HTTP's SetSkipPartial): the
      // request that opened the connection is missing, so pairing would be off.
      if (m === Mode.Text) this.unconfirm(this.lastConfirmed());
      m = Mode.Off;
    }
    // The detection buffers are the caller's to replay now; aux takes the parser.
    if (this.mode === Mode.Detect) this.aux = null;
    this.mode = m;
    switch (m) {
      case Mode.Http:
        this.http = new HttpAnalyzer(this.ctx.sink, this.ctx.anomalies, this, this.uid, this.ctx.http);
        return;
      case Mode.Tls:
        this.aux = new TlsAnalyzer(this.ctx.sink, this.ctx.anomalies, this, this.uid, 't');
        return;
      case Mode.Dns:
        this.aux = this.newDns();
        return;
      case Mode.Ssh:
        this.aux = new SshPair();
        return;
      case Mode.Text:
        this.det = 0; // now counts the packets watched
        return;
    }
  }

  /** Feed what detection buffered, originator first (its bytes came first in every protocol we detect). */
  private replayBoth(o: DetectBuf | null, r: DetectBuf | null): void {
    if (o !== null && o.len > 0) this.dispatch(true, o.buf, 0, o.len, o.ts);
    if (r !== null && r.len > 0) this.dispatch(false, r.buf, 0, r.len, r.ts);
  }

  private replayOther(fromOrig: boolean, o: DetectBuf | null, r: DetectBuf | null): void {
    const other = fromOrig ? r : o;
    if (other !== null && other.len > 0) this.dispatch(!fromOrig, other.buf, 0, other.len, other.ts);
  }

  /****/

  private feedHttp(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    const h = this.http!;
    const stop = h.data(fromOrig, buf, off, len, ts);
    if (h.requests > 0) this.confirm(Svc.Http);
    if (h.violation) {
      this.unconfirm(Svc.Http);
      this.mode = Mode.Off;
      return;
    }
    if (h.tunneled) {
      // CONNECT or Upgrade: classify what flows inside, as Zeek hands it to a new PIA.
      this.mode = Mode.Detect;
      this.resetDetection();
      if (stop >= 0 && stop < off + len) this.dispatch(fromOrig, buf, stop, off + len - stop, ts);
    }
  }

  private feedTls(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    const t = this.aux as TlsAnalyzer;
    t.data(fromOrig, buf, off, len, ts);
    if (t.confirmed) this.confirm(Svc.Ssl);
    if (t.done) this.mode = Mode.Off;
  }

  private feedDns(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    let d = this.aux as DnsAnalyzer | null;
    if (d === null) this.aux = d = this.newDns();
    if (this.tcp) d.tcpData(fromOrig, buf, off, len, ts);
    else d.message(buf, off, len, ts);
    if (d.validMessages > 0) this.confirm(Svc.Dns);
    // Over UDP an analyzer with nothing pending holds nothing a new one would not (each
    // datagram is a whole message, and the service is confirmed here): let it go until the
    // next message, so that the many DNS connections waiting out their inactivity timeout
    // after their reply keep no parser, nor the strings its records needed.
    if (!this.tcp && d.idle) {
      this.aux = null;
      this.dropIdStrings();
    }
  }

  private feedSsh(fromOrig: boolean, buf: Buffer, off: number, len: number): void {
    const pair = this.aux as SshPair;
    const w = fromOrig ? pair.o : pair.r;
    w.data(buf, off, len);
    if (w.newKeys) {
      this.confirm(Svc.Ssh);
      this.mode = Mode.Off;
    } else if (pair.o.done && pair.r.done) this.mode = Mode.Off;
  }

  /**
   * Clear-text command protocols may switch to TLS (STARTTLS, STLS, AUTH TLS); FTP control
   * connections also announce their data connections (PORT/EPRT, 227/229 replies).
   */
  private watchStartTls(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    if (fromOrig && isTlsHandshake(buf, off, off + len, 1)) {
      this.start(Mode.Tls);
      this.feedTls(fromOrig, buf, off, len, ts);
      return;
    }
    if ((this.services & 15) === Svc.Ftp) {
      this.ftpLines(fromOrig, buf, off, len, ts);
      if (++this.det >= FTP_WATCH_PACKETS) this.mode = Mode.Off;
      return;
    }
    if (++this.det >= STARTTLS_WATCH_PACKETS) this.mode = Mode.Off;
  }

  /** Look for data-channel announcements at line starts of an FTP control segment. */
  private ftpLines(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    const end = off + len;
    let p = off;
    while (p < end) {
      let nl = buf.indexOf(0x0a, p);
      if (nl < 0 || nl >= end) nl = end;
      const c = buf[p];
      // Only lines starting with "227", "229", "PORT" or "EPRT" can announce anything.
      if (c === 0x32 || c === 0x50 || c === 0x70 || c === 0x45 || c === 0x65) {
        const ep = ftpDataEndpoint(buf.toString('latin1', p, Math.min(nl, p + 256)));
        if (ep !== null) {
          const [addr, port] = ep;
          if (fromOrig) {
            // Active mode: the server connects to the client's announced address/port.
            this.ctx.expected.add(this.respH, addr ?? this.origH, port, Svc.FtpData, ts);
          } else {
            // Passive mode: the client connects to the server's announced port.
            this.ctx.expected.add(this.origH, addr ?? this.respH, port, Svc.FtpData, ts);
          }
        }
      }
      p = nl + 1;
    }
  }
}
