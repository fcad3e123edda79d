/**
 * Cheap content classifiers run on the first bytes of each direction (Arkime's *_classify,
 * Zeek's DPD signatures in scripts/base/protocols/<proto>/dpd.sig). Each one checks a few
 * bytes in place and allocates nothing; the full parsers run only after one of them matched.
 */
import { HTTP_METHODS } from './http/http-util.js';
import { Svc } from './services.js';

function at(b: Buffer, p: number, end: number, s: string): boolean {
  if (end - p < s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[p + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** TLS record carrying a handshake message of `hsType` (1 ClientHello, 2 ServerHello): `16 03 0x LL LL tt`. */
export function isTlsHandshake(b: Buffer, p: number, end: number, hsType: number): boolean {
  return end - p >= 6 && b[p] === 0x16 && b[p + 1] === 0x03 && b[p + 2] <= 0x04 && b[p + 5] === hsType;
}

/** TLS alert record in the clear (`15 03 0x 00 02`): a server refusing a hello. */
export function isTlsAlert(b: Buffer, p: number, end: number): boolean {
  return end - p >= 5 && b[p] === 0x15 && b[p + 1] === 0x03 && b[p + 2] <= 0x04 && b[p + 3] === 0 && b[p + 4] === 2;
}

/** SSLv2 CLIENT-HELLO (also sent by old clients offering SSL 3 / TLS): 2-byte header, type 1, version 0002/03xx. */
export function isSslv2ClientHello(b: Buffer, p: number, end: number): boolean {
  if (end - p < 5 || (b[p] & 0x80) === 0) return false;
  const len = ((b[p] & 0x7f) << 8) | b[p + 1];
  return len >= 9 && b[p + 2] === 1 && ((b[p + 3] === 0 && b[p + 4] === 2) || (b[p + 3] === 3 && b[p + 4] <= 3));
}

/** `METHOD SP` at `p` with a method from the HTTP method table. */
export function isHttpRequest(b: Buffer, p: number, end: number): boolean {
  let i = p;
  const max = Math.min(end, p + 12);
  while (i < max && b[i] >= 0x41 && b[i] <= 0x5a) i++;
  if (i === p || i >= end || b[i] !== 0x20) return false;
  return HTTP_METHODS.has(b.toString('latin1', p, i));
}

export function isHttpReply(b: Buffer, p: number, end: number): boolean {
  return at(b, p, end, 'HTTP/1.') || at(b, p, end, 'HTTP/0.9');
}

export function isSshBanner(b: Buffer, p: number, end: number): boolean {
  return at(b, p, end, 'SSH-1.') || at(b, p, end, 'SSH-2.0');
}

/**
 * QUIC long-header Initial packet (RFC 9000 17.2.2, RFC 9369 for v2): header form and fixed bit
 * set, Initial type, a known version, connection-id lengths <= 20; a client Initial datagram is
 * at least 1200 bytes (RFC 9000 14.1).
 */
export function isQuicInitial(b: Buffer, p: number, end: number, fromClient: boolean): boolean {
  if (end - p < 7 || (b[p] & 0xc0) !== 0xc0) return false;
  const v = b.readUInt32BE(p + 1);
  const type = (b[p] >> 4) & 3;
  let ok: boolean;
  if (v === 1 || (v >>> 8) === 0xff0000) ok = type === 0;
  else if (v === 0x6b3343cf) ok = type === 1;
  else return false;
  if (!ok) return false;
  const dcil = b[p + 5];
  if (dcil > 20 || p + 6 + dcil >= end) return false;
  const scil = b[p + 6 + dcil];
  if (scil > 20) return false;
  return !fromClient || end - p >= 1200;
}

/** Any QUIC long-header packet with a known version (a server's answer to an Initial). */
export function isQuicLongHeader(b: Buffer, p: number, end: number): boolean {
  if (end - p < 7 || (b[p] & 0xc0) !== 0xc0) return false;
  const v = b.readUInt32BE(p + 1);
  return v === 1 || v === 0x6b3343cf || (v >>> 8) === 0xff0000 || v === 0;
}

/**
 * A DNS message that parses exactly: header with opcode QUERY, one question, sane counts, and
 * the question (plus, for a query, at most one OPT record) filling the message. Used off the
 * DNS ports, where random binary data must not pass.
 */
export function isDnsMessage(b: Buffer, p: number, end: number): boolean {
  const len = end - p;
  if (len < 17) return false;
  const flags = (b[p + 2] << 8) | b[p + 3];
  const opcode = (flags >> 11) & 0xf;
  const qd = (b[p + 4] << 8) | b[p + 5];
  const an = (b[p + 6] << 8) | b[p + 7];
  const ns = (b[p + 8] << 8) | b[p + 9];
  const ar = (b[p + 10] << 8) | b[p + 11];
  if (opcode !== 0 || qd !== 1 || an > 64 || ns > 64 || ar > 64) return false;
  const qr = (flags & 0x8000) !== 0;
  if (!qr && (an !== 0 || ns !== 0 || ar > 1)) return false;
  // Question name: plain labels (no compression in the first name), 1..63 bytes each.
  let q = p + 12;
  let labels = 0;
  for (;;) {
    if (q >= end) return false;
    const l = b[q];
    if (l === 0) {
      q++;
      break;
    }
    if (l > 63 || ++labels > 127) return false;
    for (let i = q + 1; i <= q + l; i++) {
      if (i >= end) return false;
      const c = b[i];
      // Host-name-ish bytes only (letters, digits, '-', '_'): keeps binary junk out.
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f)) return false;
    }
    q += 1 + l;
  }
  if (q + 4 > end) return false;
  const qclass = (b[q + 2] << 8) | b[q + 3];
  if (qclass !== 1 && qclass !== 255 && qclass !== 3 && (qclass & 0x7fff) !== 1) return false;
  q += 4;
  if (!qr) return ar === 0 ? q === end : q + 11 <= end;
  return true;
}

/** Text protocols recognised from the first line of each direction. */
const SMTP_CMDS = ['EHLO ', 'HELO ', 'EHLO\r', 'HELO\r'];
const FTP_CMDS = ['USER ', 'AUTH ', 'FEAT', 'SYST', 'OPTS ', 'PASS '];
const POP3_CMDS = ['USER ', 'CAPA', 'STLS', 'APOP ', 'AUTH', 'QUIT'];
const IRC_CMDS = ['NICK ', 'USER ', 'PASS ', 'CAP ', 'SERVICE ', 'STARTTLS\r\n'];

/** `s` at `p`, ASCII letters compared without case (commands are case-insensitive, RFC 5321 2.4). */
function atNoCase(b: Buffer, p: number, end: number, s: string): boolean {
  if (end - p < s.length) return false;
  for (let i = 0; i < s.length; i++) {
    const x = b[p + i];
    const y = s.charCodeAt(i);
    if (x !== y && !((y | 0x20) >= 0x61 && (y | 0x20) <= 0x7a && (x | 0x20) === (y | 0x20))) return false;
  }
  return true;
}

function anyAt(b: Buffer, p: number, end: number, cmds: readonly string[]): boolean {
  // Every command starts with a letter: one byte rules most input out.
  const c0 = b[p] | 0x20;
  if (c0 < 0x61 || c0 > 0x7a) return false;
  for (let i = 0; i < cmds.length; i++) if (atNoCase(b, p, end, cmds[i])) return true;
  return false;
}

/** Whether the server's first line is a 3-digit reply (FTP, SMTP) */
function isNumericReply(b: Buffer, p: number, end: number, first: number): boolean {
  return end - p >= 4 && b[p] === first && b[p + 1] >= 0x30 && b[p + 1] <= 0x39 && b[p + 2] >= 0x30 && b[p + 2] <= 0x39 && (b[p + 3] === 0x20 || b[p + 3] === 0x2d);
}

/**
 * Classify a clear-text command protocol from the first bytes of both directions
 * (either may be empty). Returns Svc.None when undecided.
 */
export function classifyText(ob: Buffer | null, op: number, oe: number, rb: Buffer | null, rp: number, re: number): Svc {
  const hasO = ob !== null && oe > op;
  const hasR = rb !== null && re > rp;
  if (hasO && anyAt(ob!, op, oe, SMTP_CMDS)) return Svc.Smtp;
  if (hasR && isNumericReply(rb!, rp, re, 0x32)) {
    // "220 " greeting: FTP or SMTP, told apart by the client's first command.
    if (hasO && anyAt(ob!, op, oe, FTP_CMDS)) return Svc.Ftp;
    return Svc.None;
  }
  if (hasR && at(rb!, rp, re, '+OK')) {
    if (hasO && anyAt(ob!, op, oe, POP3_CMDS)) return Svc.Pop3;
    return Svc.None;
  }
  if (hasO && anyAt(ob!, op, oe, IRC_CMDS)) {
    if (at(ob!, op, oe, 'USER ') && !hasR) return Svc.None; // could still be FTP/POP3
    return Svc.Irc;
  }
  return Svc.None;
}

/**
 * NTP (RFC 5905 7.3): a 48-byte header (plus optional extension/MAC), LI|VN|Mode in the first
 * byte with version 1..4 and mode 1..5, stratum <= 16. Forty-eight random bytes pass this a few
 * times in a hundred, so the caller only asks when port 123 is involved.
 */
export function isNtp(b: Buffer, p: number, end: number): boolean {
  const len = end - p;
  if (len < 48) return false;
  const vn = (b[p] >> 3) & 7;
  const mode = b[p] & 7;
  return vn >= 1 && vn <= 4 && mode >= 1 && mode <= 5 && b[p + 1] <= 16;
}
