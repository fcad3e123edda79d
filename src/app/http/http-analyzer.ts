/**
 * HTTP/1.x (RFC 9112) over one TCP connection: every request/response pair becomes an
 * HttpRecord with the semantics of Zeek's scripts/base/protocols/http/main.zeek.
 *
 *   request  = method SP request-target SP HTTP-version CRLF *( field-line CRLF ) CRLF [ body ]
 *   response = HTTP-version SP status-code SP [ reason ] CRLF *( field-line CRLF ) CRLF [ body ]
 *   chunked  = *( chunk-size [ ext ] CRLF chunk-data CRLF ) 0 CRLF *( trailer CRLF ) CRLF
 *
 * Each direction is an integer state machine that reads the stream in place. Header lines that
 * span segments are kept in a small per-direction buffer capped at MAX_LINE bytes; bodies are
 * never buffered, only counted (Content-Length, chunked framing, or until close).
 * Pipelining: requests queue up (at most MAX_PENDING_REQUESTS, Zeek's HTTP::max_pending_requests)
 * and replies are matched in order. A 1xx reply fills info_code/info_msg and the same record
 * waits for the final reply, like Zeek. A record is emitted when its reply body ends, or at the
 * end of the connection.
 */
import type { AnomalyCounter } from '../../core/anomaly.js';
import type { ConnId, HttpRecord, RecordSink } from '../../core/records.js';
import { emptyHttpRecord } from '../../core/records.js';
import { Weird } from '../weird.js';
import { dispositionFilename, HTTP_METHODS, mimeOf, sniffMime, text, unescapeUri, uriFilename } from './http-util.js';

/** Longest request/status/header line kept; longer lines are cut and counted (Apache's default is 8190). */
export const MAX_LINE = 8192;
/** Header lines per message; more are skipped and counted. */
export const MAX_HEADERS = 256;
/** Body bytes looked at to sniff a MIME type (every signature we check fits). */
export const SNIFF_BYTES = 16;
/** File names kept per message (multipart uploads may carry many parts). */
export const MAX_FILENAMES = 32;
/** Longest file name value read from a multipart part header. */
const MAX_FILENAME_SCAN = 256;
const FILENAME_TOKEN = 'filename=';
/** Zeek's HTTP::max_pending_requests. */
export const MAX_PENDING_REQUESTS = 100;

const enum St {
  FirstLine = 0,
  Headers = 1,
  BodyLength = 2,
  ChunkSize = 3,
  ChunkData = 4,
  ChunkDataEnd = 5,
  Trailers = 6,
  BodyToClose = 7,
  /** No more parsing in this direction (violation, upgrade, CONNECT tunnel). */
  Done = 8,
}

export interface HttpOptions {
  /** Log Basic-auth passwords (Zeek's HTTP::default_capture_password, default false). */
  capturePasswords: boolean;
}

class Side {
  st = St.FirstLine;
  /** Bytes of a line that started in an earlier segment. */
  partial: Buffer | null = null;
  lineCut = false;
  remaining = 0;
  bodyLen = 0;
  headerCount = 0;
  contentLength = -1;
  chunked = false;
  /** Content-Type / Content-Disposition of the message being read. */
  contentType: string | null = null;
  filename: string | null = null;
  sniffed = false;
  /** multipart/* body: part headers are scanned for file names (`filename=`). */
  multipart = false;
  /** Last bytes of the previous body piece, so a `filename=` split across pieces is found. */
  tail: Buffer | null = null;
  /** First body bytes, for content sniffing when the body arrives in small pieces. */
  sniffBuf: Buffer | null = null;
  sniffHave = 0;
  /** The record this message belongs to. */
  rec: HttpRecord | null = null;
  messages = 0;
}

/** Whether the bytes at `p` can be the start of `HTTP/` (true when too few bytes to tell). */
function startsHttp(b: Buffer, p: number, end: number): boolean {
  const want = [0x48, 0x54, 0x54, 0x50, 0x2f];
  for (let i = 0; i < 5 && p + i < end; i++) if (b[p + i] !== want[i]) return false;
  return true;
}

export class HttpAnalyzer {
  private readonly orig = new Side();
  private readonly resp = new Side();
  /** Requests sent and not yet answered, oldest first. */
  private readonly pending: HttpRecord[] = [];
  private requestDepth = 0;
  private responseDepth = 0;
  /** Method of each pending request, to know whether a reply has a body (HEAD, CONNECT). */
  private readonly pendingMethods: string[] = [];
  private currentReplyMethod: string | null = null;
  /** Request version 0.9 seen: the reply is raw data until close. */
  private http09 = false;
  requests = 0;
  replies = 0;
  /** Set when the responder sent something that is not an HTTP reply (Zeek's analyzer violation). */
  violation = false;
  /** Set after a CONNECT 200 or a 101 upgrade: the stream that follows is another protocol. */
  tunneled = false;
  /** Time of the connection's latest packet (data() sets it; the owner also sets it for packets HTTP no longer reads). */
  lastTs = 0;

  private readonly weird: Weird;

  constructor(
    private readonly sink: RecordSink,
    anomalies: AnomalyCounter,
    private readonly id: ConnId,
    private readonly uid: string,
    private readonly opts: HttpOptions,
    private readonly source?: number,
  ) {
    this.weird = new Weird(anomalies, id, uid);
  }

  /**
   * Feed in-order stream bytes of one direction.
   * @returns the offset where HTTP stopped (a tunnel or upgrade begins), or -1 when all was used
   */
  data(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): number {
    this.lastTs = ts;
    const s = fromOrig ? this.orig : this.resp;
    const end = off + len;
    let p = off;
    while (p < end) {
      switch (s.st) {
        case St.Done:
          return this.tunneled ? p : -1;
        case St.BodyLength: {
          const take = Math.min(s.remaining, end - p);
          this.body(s, fromOrig, buf, p, take);
          s.remaining -= take;
          p += take;
          if (s.remaining === 0) this.messageDone(s, fromOrig, ts);
          break;
        }
        case St.ChunkData: {
          const take = Math.min(s.remaining, end - p);
          this.body(s, fromOrig, buf, p, take);
          s.remaining -= take;
          p += take;
          if (s.remaining === 0) s.st = St.ChunkDataEnd;
          break;
        }
        case St.BodyToClose: {
          this.body(s, fromOrig, buf, p, end - p);
          p = end;
          break;
        }
        default: {
          if (!fromOrig && s.st === St.FirstLine && this.http09 && this.pending.length > 0 && s.partial === null && !startsHttp(buf, p, end)) {
            // HTTP/0.9 reply: no status line, the whole reply is the body.
            const r = this.takeReplyRecord(ts);
            r.version = '0.9';
            r.statusCode = 0;
            r.statusMsg = '<empty>';
            this.replies++;
            s.rec = r;
            this.resetMessage(s);
            s.st = St.BodyToClose;
            break;
          }
          // Line-oriented states.
          const nl = buf.indexOf(0x0a, p);
          if (nl < 0 || nl >= end) {
            this.keepPartial(s, buf, p, end);
            p = end;
            break;
          }
          let line: Buffer;
          let ls: number;
          let le: number;
          if (s.partial !== null) {
            this.keepPartial(s, buf, p, nl);
            line = s.partial;
            ls = 0;
            le = line.length;
            s.partial = null;
          } else {
            line = buf;
            ls = p;
            le = nl;
          }
          if (le > ls && line[le - 1] === 0x0d) le--;
          p = nl + 1;
          s.lineCut = false;
          this.line(s, fromOrig, line, ls, le, ts);
          if ((s.st as St) === St.Done && this.tunneled) return p;
        }
      }
    }
    return -1;
  }

  /** Missing bytes: body bytes are skipped; inside headers the message is abandoned. */
  gap(fromOrig: boolean, len: number): void {
    const s = fromOrig ? this.orig : this.resp;
    if (s.st === St.BodyLength || s.st === St.ChunkData) {
      const skip = Math.min(len, s.remaining);
      s.remaining -= skip;
      if (s.remaining === 0) s.st = s.st === St.BodyLength ? St.FirstLine : St.ChunkDataEnd;
      if (skip < len) s.st = St.Done;
    } else if (s.st !== St.BodyToClose && s.st !== St.Done) {
      this.weird.add('http_content_gap');
      s.st = St.Done;
    }
  }

  /** Connection over: bodies read until close end here; every open record is logged (Zeek's finalize_http). */
  end(ts: number): void {
    if (this.resp.st === St.BodyToClose && this.resp.rec !== null) this.messageDone(this.resp, false, ts);
    if (this.orig.st === St.BodyToClose && this.orig.rec !== null) this.messageDone(this.orig, true, ts);
    if (this.resp.rec !== null && this.pending.indexOf(this.resp.rec) < 0) this.sink.http(this.resp.rec);
    this.resp.rec = null;
    for (const r of this.pending) this.sink.http(r);
    this.pending.length = 0;
  }

  private keepPartial(s: Side, buf: Buffer, start: number, end: number): void {
    const have = s.partial === null ? 0 : s.partial.length;
    let take = end - start;
    if (have + take > MAX_LINE) {
      if (!s.lineCut) this.weird.add('http_line_too_long');
      s.lineCut = true;
      take = Math.max(0, MAX_LINE - have);
    }
    if (take === 0 && s.partial !== null) return;
    const piece = Buffer.from(buf.subarray(start, start + take));
    s.partial = s.partial === null ? piece : Buffer.concat([s.partial, piece]);
  }

  private line(s: Side, fromOrig: boolean, b: Buffer, ls: number, le: number, ts: number): void {
    switch (s.st) {
      case St.FirstLine:
        if (le === ls) return; // blank lines between messages are tolerated (RFC 9112 2.2)
        if (fromOrig) this.requestLine(s, b, ls, le, ts);
        else this.statusLine(s, b, ls, le, ts);
        return;
      case St.Headers:
        if (le === ls) {
          this.headersDone(s, fromOrig, ts);
          return;
        }
        if (++s.headerCount > MAX_HEADERS) {
          if (s.headerCount === MAX_HEADERS + 1) this.weird.add('http_too_many_headers');
          return;
        }
        this.header(s, fromOrig, b, ls, le);
        return;
      case St.ChunkSize: {
        let size = 0;
        let digits = 0;
        let i = ls;
        while (i < le && (b[i] === 0x20 || b[i] === 0x09)) i++;
        for (; i < le; i++) {
          const c = b[i];
          const v = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
          if (v < 0) break;
          size = size * 16 + v;
          digits++;
        }
        if (digits === 0 || digits > 12) {
          this.weird.add('HTTP_bad_chunk_size');
          this.messageDone(s, fromOrig, ts);
          s.st = St.Done;
          return;
        }
        if (size === 0) s.st = St.Trailers;
        else {
          s.remaining = size;
          s.st = St.ChunkData;
        }
        return;
      }
      case St.ChunkDataEnd:
        // The CRLF after chunk data; tolerate its absence by reading this line as a size.
        s.st = St.ChunkSize;
        if (le > ls) this.line(s, fromOrig, b, ls, le, ts);
        return;
      case St.Trailers:
        if (le === ls) this.messageDone(s, fromOrig, ts);
        return;
    }
  }

  private newRecord(ts: number, depth: number): HttpRecord {
    const r = emptyHttpRecord(this.id, ts, this.uid, depth);
    if (this.source !== undefined) r.source = this.source;
    return r;
  }

  private requestLine(s: Side, b: Buffer, ls: number, le: number, ts: number): void {
    const sp1 = b.indexOf(0x20, ls);
    if (sp1 < 0 || sp1 >= le || sp1 === ls) {
      this.weird.add('bad_HTTP_request');
      s.st = St.Done;
      return;
    }
    let uriStart = sp1 + 1;
    while (uriStart < le && b[uriStart] === 0x20) uriStart++;
    let uriEnd = le;
    let version = '0.9';
    // The version is the last token when it reads HTTP/x.y.
    const sp2 = b.lastIndexOf(0x20, le - 1);
    if (sp2 >= uriStart && le - sp2 > 5 && b[sp2 + 1] === 0x48 && b[sp2 + 2] === 0x54 && b[sp2 + 3] === 0x54 && b[sp2 + 4] === 0x50 && b[sp2 + 5] === 0x2f) {
      uriEnd = sp2;
      while (uriEnd > uriStart && b[uriEnd - 1] === 0x20) uriEnd--;
      version = b.toString('latin1', sp2 + 6, le);
    }
    const method = b.toString('latin1', ls, sp1);
    if (!HTTP_METHODS.has(method)) this.weird.add('unknown_HTTP_method');
    this.requests++;
    if (this.pending.length >= MAX_PENDING_REQUESTS) {
      // Zeek logs all pending requests to make room (HTTP_excessive_pipelining).
      this.weird.add('HTTP_excessive_pipelining');
      for (const r of this.pending) this.sink.http(r);
      this.pending.length = 0;
      this.pendingMethods.length = 0;
    }
    if (this.requestDepth < this.responseDepth) {
      this.weird.add('HTTP_response_before_request');
      this.requestDepth = this.responseDepth;
    }
    const r = this.newRecord(ts, ++this.requestDepth);
    r.method = method;
    r.uri = unescapeUri(b, uriStart, uriEnd);
    const fname = uriFilename(r.uri);
    if (fname !== null) r.uriFilename = fname;
    this.pending.push(r);
    this.pendingMethods.push(method);
    s.rec = r;
    s.messages++;
    this.resetMessage(s);
    if (version === '0.9') {
      // HTTP/0.9 (RFC 1945 appendix): no headers, the reply is raw data until close.
      this.http09 = true;
      s.st = St.FirstLine;
      s.rec = null;
      return;
    }
    s.st = St.Headers;
  }

  private statusLine(s: Side, b: Buffer, ls: number, le: number, ts: number): void {
    const isHttp = le - ls >= 8 && b[ls] === 0x48 && b[ls + 1] === 0x54 && b[ls + 2] === 0x54 && b[ls + 3] === 0x50 && b[ls + 4] === 0x2f;
    if (!isHttp) {
      this.weird.add('HTTP_reply_code_missing');
      this.violation = true;
      s.st = St.Done;
      return;
    }
    const sp1 = b.indexOf(0x20, ls);
    const version = b.toString('latin1', ls + 5, sp1 > 0 && sp1 < le ? sp1 : le);
    let code = 0;
    let i = sp1 > 0 && sp1 < le ? sp1 + 1 : le;
    let digits = 0;
    while (i < le && b[i] >= 48 && b[i] <= 57 && digits < 3) {
      code = code * 10 + (b[i] - 48);
      i++;
      digits++;
    }
    if (digits !== 3) {
      this.weird.add('HTTP_reply_code_missing');
      this.violation = true;
      s.st = St.Done;
      return;
    }
    while (i < le && (b[i] === 0x20 || b[i] === 0x09)) i++;
    const reason = i < le ? text(b, i, le) : '<empty>';
    this.replies++;
    let r: HttpRecord;
    if (s.rec !== null && s.rec.statusCode !== null && s.rec.statusCode >= 100 && s.rec.statusCode <= 199) {
      r = s.rec; // the final reply after a 1xx
    } else {
      r = this.takeReplyRecord(ts);
    }
    r.statusCode = code;
    r.statusMsg = reason;
    r.version = version;
    if (code >= 100 && code <= 199) {
      r.infoCode = code;
      r.infoMsg = reason;
    }
    s.rec = r;
    s.messages++;
    this.resetMessage(s);
    s.st = St.Headers;
  }

  /** The record a new reply belongs to: the oldest pending request, or a reply-only record. */
  private takeReplyRecord(ts: number): HttpRecord {
    this.responseDepth++;
    if (this.pending.length > 0) {
      this.currentReplyMethod = this.pendingMethods[0];
      return this.pending[0];
    }
    this.currentReplyMethod = null;
    const r = this.newRecord(ts, this.responseDepth);
    this.pending.push(r);
    this.pendingMethods.push('');
    return r;
  }

  private resetMessage(s: Side): void {
    s.bodyLen = 0;
    s.headerCount = 0;
    s.contentLength = -1;
    s.chunked = false;
    s.contentType = null;
    s.multipart = false;
    s.tail = null;
    s.filename = null;
    s.sniffed = false;
    s.sniffBuf = null;
    s.sniffHave = 0;
  }

  private header(s: Side, fromOrig: boolean, b: Buffer, ls: number, le: number): void {
    const colon = b.indexOf(0x3a, ls);
    if (colon < 0 || colon >= le) {
      this.weird.add('HTTP_header_without_colon');
      return;
    }
    let ne = colon;
    while (ne > ls && (b[ne - 1] === 0x20 || b[ne - 1] === 0x09)) ne--;
    let vs = colon + 1;
    while (vs < le && (b[vs] === 0x20 || b[vs] === 0x09)) vs++;
    let ve = le;
    while (ve > vs && (b[ve - 1] === 0x20 || b[ve - 1] === 0x09)) ve--;
    const name = b.toString('latin1', ls, ne).toLowerCase();
    const r = s.rec;
    switch (name) {
      case 'content-length': {
        let n = 0;
        let ok = ve > vs;
        for (let i = vs; i < ve; i++) {
          const c = b[i];
          if (c < 48 || c > 57) {
            ok = false;
            break;
          }
          n = n * 10 + (c - 48);
        }
        if (ok) s.contentLength = n;
        else this.weird.add('HTTP_bad_content_length');
        return;
      }
      case 'transfer-encoding':
        if (b.toString('latin1', vs, ve).toLowerCase().indexOf('chunked') >= 0) s.chunked = true;
        return;
      case 'content-type':
        s.contentType = text(b, vs, ve);
        s.multipart = s.contentType.length >= 10 && s.contentType.slice(0, 10).toLowerCase() === 'multipart/';
        return;
      case 'content-disposition':
        s.filename = dispositionFilename(text(b, vs, ve));
        return;
    }
    if (!fromOrig || r === null) return;
    switch (name) {
      case 'host':
        r.host = text(b, vs, ve);
        return;
      case 'referer':
        r.referrer = text(b, vs, ve);
        return;
      case 'user-agent':
        r.userAgent = text(b, vs, ve);
        return;
      case 'origin':
        r.origin = text(b, vs, ve);
        return;
      case 'authorization':
      case 'proxy-authorization':
        this.basicAuth(r, text(b, vs, ve));
        return;
    }
  }

  /** Basic credentials (RFC 7617), logged like Zeek: username always, password only when enabled. */
  private basicAuth(r: HttpRecord, value: string): void {
    const m = /^basic[ \t]+(.*)$/i.exec(value);
    if (!m) return;
    const decoded = Buffer.from(m[1], 'base64').toString('latin1');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      r.username = decoded.slice(0, colon);
      if (this.opts.capturePasswords) r.password = decoded.slice(colon + 1);
    } else {
      r.username = '<problem-decoding> (' + value + ')';
      if (this.opts.capturePasswords) r.password = decoded;
    }
  }

  private headersDone(s: Side, fromOrig: boolean, ts: number): void {
    if (fromOrig) {
      if (s.chunked) s.st = St.ChunkSize;
      else if (s.contentLength > 0) {
        s.remaining = s.contentLength;
        s.st = St.BodyLength;
      } else this.messageDone(s, true, ts);
      return;
    }
    const r = s.rec!;
    const code = r.statusCode ?? 0;
    const method = this.currentReplyMethod;
    if (code >= 100 && code <= 199) {
      if (code === 101) {
        // Switching Protocols: what follows is not HTTP.
        this.messageDone(s, false, ts);
        this.tunnel();
        return;
      }
      s.st = St.FirstLine; // the final reply comes next, same record
      return;
    }
    if (method === 'CONNECT' && code >= 200 && code <= 299) {
      this.messageDone(s, false, ts);
      this.tunnel();
      return;
    }
    // RFC 9112 6.3: no body for HEAD, 204 and 304.
    if (method === 'HEAD' || code === 204 || code === 304) {
      this.messageDone(s, false, ts);
      return;
    }
    if (s.chunked) s.st = St.ChunkSize;
    else if (s.contentLength >= 0) {
      if (s.contentLength === 0) this.messageDone(s, false, ts);
      else {
        s.remaining = s.contentLength;
        s.st = St.BodyLength;
      }
    } else s.st = St.BodyToClose;
  }

  private tunnel(): void {
    this.tunneled = true;
    this.orig.st = St.Done;
    this.resp.st = St.Done;
  }

  private body(s: Side, fromOrig: boolean, b: Buffer, start: number, len: number): void {
    if (len <= 0) return;
    if (!s.sniffed && s.rec !== null) {
      if (s.sniffHave === 0 && len >= SNIFF_BYTES) {
        this.sniff(s, fromOrig, b, start, start + len);
      } else {
        if (s.sniffBuf === null) s.sniffBuf = Buffer.allocUnsafe(SNIFF_BYTES);
        const take = Math.min(len, SNIFF_BYTES - s.sniffHave);
        b.copy(s.sniffBuf, s.sniffHave, start, start + take);
        s.sniffHave += take;
        if (s.sniffHave === SNIFF_BYTES) this.sniff(s, fromOrig, s.sniffBuf, 0, SNIFF_BYTES);
      }
    }
    if (s.multipart && s.rec !== null) this.partFilenames(s, fromOrig, b, start, start + len);
    s.bodyLen += len;
  }

  /**
   * File names of multipart parts (RFC 7578 4.2: `Content-Disposition: form-data; name=..;
   * filename=".."`), as Zeek's MIME analysis fills orig_filenames. The body is searched in place
   * with Buffer#indexOf; only the last few bytes of each piece are kept, for a split token.
   */
  private partFilenames(s: Side, fromOrig: boolean, b: Buffer, start: number, end: number): void {
    const r = s.rec!;
    const names = fromOrig ? r.origFilenames : r.respFilenames;
    if (s.tail !== null) {
      // A token or value cut at the previous piece's end: look again across the seam.
      const seam = Buffer.concat([s.tail, b.subarray(start, Math.min(end, start + MAX_FILENAME_SCAN))]);
      this.filenamesIn(seam, 0, seam.length, s.tail.length, names);
    }
    this.filenamesIn(b, start, end, 0, names);
    // Keep the last TAIL bytes of the body so far (pieces may be smaller than that).
    const TAIL = FILENAME_TOKEN.length + MAX_FILENAME_SCAN;
    if (end - start >= TAIL) s.tail = Buffer.from(b.subarray(end - TAIL, end));
    else {
      const joined = s.tail === null ? Buffer.from(b.subarray(start, end)) : Buffer.concat([s.tail, b.subarray(start, end)]);
      s.tail = joined.length > TAIL ? joined.subarray(joined.length - TAIL) : joined;
    }
  }

  /** Adds the values of `filename=` tokens starting before `seamEnd` (or anywhere when 0) whose value ends inside. */
  private filenamesIn(b: Buffer, start: number, end: number, seamEnd: number, names: string[]): void {
    let p = start;
    for (;;) {
      const at = b.indexOf(FILENAME_TOKEN, p, 'latin1');
      if (at < 0 || at >= end) return;
      p = at + FILENAME_TOKEN.length;
      if (seamEnd > 0 && at >= seamEnd) return; // the in-place pass finds this one
      // Not "filename*=" (handled by the quoted form below) and not part of another word.
      if (at > start && /[a-z0-9_-]/i.test(String.fromCharCode(b[at - 1]))) continue;
      let vs = p;
      let ve: number;
      if (b[vs] === 0x22) {
        vs++;
        ve = b.indexOf(0x22, vs);
        if (ve < 0 || ve >= end || ve - vs > MAX_FILENAME_SCAN) continue; // cut: found across the seam
      } else {
        ve = vs;
        while (ve < end && ve - vs <= MAX_FILENAME_SCAN && b[ve] !== 0x3b && b[ve] !== 0x0d && b[ve] !== 0x0a) ve++;
        if (ve >= end) continue;
      }
      if (seamEnd > 0 && ve < seamEnd) continue; // complete in the previous piece: already taken
      if (ve > vs) {
        if (names.length < MAX_FILENAMES) names.push(text(b, vs, ve));
        else this.weird.add('http_filename_limit');
      }
      p = ve;
    }
  }

  /** MIME type of the body from its first bytes, else from Content-Type (once per message). */
  private sniff(s: Side, fromOrig: boolean, b: Buffer, start: number, end: number): void {
    s.sniffed = true;
    s.sniffHave = 0;
    s.sniffBuf = null;
    const r = s.rec;
    if (r === null) return;
    const mime = sniffMime(b, start, end) ?? (s.contentType !== null ? mimeOf(s.contentType) : null);
    if (mime !== null) (fromOrig ? r.origMimeTypes : r.respMimeTypes).push(mime);
  }

  private messageDone(s: Side, fromOrig: boolean, _ts: number): void {
    if (!s.sniffed && s.sniffHave > 0) this.sniff(s, fromOrig, s.sniffBuf!, 0, s.sniffHave);
    const r = s.rec;
    s.st = St.FirstLine;
    if (r === null) return;
    if (fromOrig) {
      r.requestBodyLen = s.bodyLen;
      if (s.contentType !== null) r.requestContentType = mimeOf(s.contentType);
      if (s.filename !== null) r.origFilenames.push(s.filename);
      s.rec = null;
      return;
    }
    r.responseBodyLen = s.bodyLen;
    if (s.contentType !== null) r.responseContentType = mimeOf(s.contentType);
    if (s.filename !== null) r.respFilenames.push(s.filename);
    s.rec = null;
    const i = this.pending.indexOf(r);
    if (i >= 0) {
      this.pending.splice(i, 1);
      this.pendingMethods.splice(i, 1);
    }
    this.sink.http(r);
  }
}
