/**
 * DNS message parser (RFC 1035 section 4), reading a Buffer in place.
 *
 *                                 1  1  1  1  1  1
 *   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                      ID                       |
 * |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 * |                    QDCOUNT                    |
 * |                    ANCOUNT                    |
 * |                    NSCOUNT                    |
 * |                    ARCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * then QDCOUNT questions (QNAME QTYPE QCLASS) and ANCOUNT/NSCOUNT/ARCOUNT resource records
 * (NAME TYPE CLASS TTL RDLENGTH RDATA).
 *
 * Only what dns.log needs is extracted: the first question, and the answer-section records
 * rendered the way Zeek's scripts/base/protocols/dns/main.zeek renders them. Authority and
 * additional sections are not read (Zeek parses them but never logs them).
 *
 * Limits (Suricata rust/src/dns/parser.rs, Zeek DNS.cc):
 * - a name is cut at MAX_NAME_LEN bytes (1025, "what DNSMasq uses" in Suricata) and flagged;
 * - at most MAX_LABELS labels and MAX_POINTER_JUMPS compression jumps per name, and a
 *   compression pointer must point strictly backwards (Zeek's DNS_label_forward_compress_offset),
 *   which by itself rules out loops;
 * - at most MAX_ANSWERS answer records are rendered per message.
 */
import { ipv4ToString, ipv6ToString } from '../../core/ip.js';
import { RrType } from './dns-names.js';

export const DNS_HEADER_LEN = 12;
/** Longest name kept (bytes of text); longer names are cut and counted. */
export const MAX_NAME_LEN = 1025;
/** Labels per name; 127 is the most a 255-byte wire name can hold, 255 leaves room for odd input. */
export const MAX_LABELS = 255;
/** Compression pointers followed per name (Zeek caps its chain depth the same way). */
export const MAX_POINTER_JUMPS = 64;
/** Answer records rendered per message; the rest are counted, not logged. */
export const MAX_ANSWERS = 100;

export const enum Opcode {
  Query = 0,
  Notify = 4,
  Update = 5,
}

/** One parsed DNS message: header, first question, rendered answers. */
export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The three Z bits (including AD and CD), as Zeek's `msg$Z`. */
  z: number;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
  /** First question, lower-cased as Zeek does for dns_request; null when there is none. */
  qname: string | null;
  qtype: number;
  qclass: number;
  /** Whether at least one answer record reached Zeek's do_reply hook (sets AA, RA, rtt, query). */
  replied: boolean;
  /** Owner name of the first answer that reached do_reply (Zeek uses it when the query is unset). */
  firstAnswerName: string | null;
  answers: string[];
  ttls: number[];
  /** Set when the message was cut or malformed after the header (what was read is kept). */
  malformed: boolean;
}

/** Sticky-error cursor over one message (Arkime's BSB idea): `err` set on the first overrun. */
class Cursor {
  pos = 0;
  err = false;
  constructor(
    readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  u8(): number {
    if (this.pos + 1 > this.end) {
      this.err = true;
      return 0;
    }
    return this.buf[this.pos++];
  }
  u16(): number {
    if (this.pos + 2 > this.end) {
      this.err = true;
      this.pos = this.end;
      return 0;
    }
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }
  u32(): number {
    if (this.pos + 4 > this.end) {
      this.err = true;
      this.pos = this.end;
      return 0;
    }
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text of name/character-string bytes: ASCII fast path, else UTF-8 when valid, else Latin-1. */
export function bytesToText(buf: Buffer, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return buf.toString('latin1', start, end);
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    return buf.toString('latin1', start, end);
  }
}

/** Where anomalies go (with the connection they belong to): a Weird, or what makes one when needed. */
export interface DnsParseContext {
  add(code: string, detail?: string): void;
}

/**
 * Read a (possibly compressed) name at `cur.pos` and advance past it. Returns the dotted text
 * (no trailing dot, `""` for the root) or null when the name is malformed (counted).
 * @param msgStart offset of the DNS header, base of compression pointers
 */
function readName(cur: Cursor, msgStart: number, ctx: DnsParseContext): string | null {
  const buf = cur.buf;
  const end = cur.end;
  let p = cur.pos;
  let jumps = 0;
  let labels = 0;
  let resume = -1;
  let out = '';
  let minPtr = p; // pointers must go strictly before the current label
  for (;;) {
    if (p >= end) {
      ctx.add('DNS_label_len_gt_pkt');
      cur.err = true;
      return null;
    }
    const len = buf[p];
    if (len === 0) {
      p++;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (p + 2 > end) {
        ctx.add('DNS_label_len_gt_pkt');
        cur.err = true;
        return null;
      }
      const target = msgStart + (((len & 0x3f) << 8) | buf[p + 1]);
      if (resume < 0) resume = p + 2;
      if (target >= minPtr) {
        ctx.add('DNS_label_forward_compress_offset');
        cur.err = true;
        return null;
      }
      if (++jumps > MAX_POINTER_JUMPS) {
        ctx.add('DNS_max_compression_chain_depth_exceeded');
        cur.err = true;
        return null;
      }
      p = target;
      minPtr = target;
      continue;
    }
    if (kind !== 0) {
      // 0x40 / 0x80: extended label types (RFC 6891 deprecated them); Zeek calls these invalid.
      ctx.add('dns_invalid_name');
      cur.err = true;
      return null;
    }
    if (p + 1 + len > end) {
      ctx.add('DNS_label_len_gt_pkt');
      cur.err = true;
      return null;
    }
    if (++labels > MAX_LABELS) {
      ctx.add('dns_name_label_limit');
      cur.err = true;
      return null;
    }
    if (out.length < MAX_NAME_LEN) {
      const label = bytesToText(buf, p + 1, p + 1 + len);
      out = out.length === 0 ? label : out + '.' + label;
      if (out.length > MAX_NAME_LEN) {
        out = out.slice(0, MAX_NAME_LEN);
        ctx.add('DNS_NAME_too_long');
      }
    }
    p += 1 + len;
  }
  cur.pos = resume >= 0 ? resume : p;
  return out;
}

function hex(buf: Buffer, start: number, end: number): string {
  return buf.toString('hex', start, end);
}

/** Character-strings of TXT/SPF RDATA as Zeek renders them: `TXT <len> <text>` joined by spaces. */
function renderTxt(tag: string, buf: Buffer, start: number, end: number, ctx: DnsParseContext): string {
  let s = '';
  let p = start;
  while (p < end) {
    const n = buf[p];
    let stop = p + 1 + n;
    if (stop > end) {
      ctx.add('DNS_TXT_char_str_past_rdlen');
      stop = end;
    }
    if (s.length > 0) s += ' ';
    s += tag + ' ' + (stop - p - 1) + ' ' + bytesToText(buf, p + 1, stop);
    p = stop;
  }
  return s;
}

/** An empty message, to pass to parseDnsMessage as `out` (see there). */
export function newDnsMessage(): DnsMessage {
  return {
    id: 0,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: false,
    ra: false,
    z: 0,
    rcode: 0,
    qdcount: 0,
    ancount: 0,
    nscount: 0,
    arcount: 0,
    qname: null,
    qtype: 0,
    qclass: 0,
    replied: false,
    firstAnswerName: null,
    answers: [],
    ttls: [],
    malformed: false,
  };
}

/**
 * Parse one DNS message held in `buf[off, off+len)`.
 * @param out a message to fill in place of a new one (its arrays are emptied and reused): a
 *        caller that copies what it keeps passes the same one every time, so that parsing a
 *        message allocates no message object (DNS traffic is many small messages)
 * @returns the message (`out` when given), or null when even the header or the question
 *          section cannot be read (counted under Zeek's weird names).
 */
export function parseDnsMessage(buf: Buffer, off: number, len: number, ctx: DnsParseContext, out?: DnsMessage): DnsMessage | null {
  if (len < DNS_HEADER_LEN) {
    ctx.add('DNS_truncated_len_lt_hdr_len');
    return null;
  }
  const flags = (buf[off + 2] << 8) | buf[off + 3];
  const msg = out ?? newDnsMessage();
  msg.id = (buf[off] << 8) | buf[off + 1];
  msg.qr = (flags & 0x8000) !== 0;
  msg.opcode = (flags >> 11) & 0xf;
  msg.aa = (flags & 0x0400) !== 0;
  msg.tc = (flags & 0x0200) !== 0;
  msg.rd = (flags & 0x0100) !== 0;
  msg.ra = (flags & 0x0080) !== 0;
  msg.z = (flags >> 4) & 0x7;
  msg.rcode = flags & 0xf;
  msg.qdcount = (buf[off + 4] << 8) | buf[off + 5];
  msg.ancount = (buf[off + 6] << 8) | buf[off + 7];
  msg.nscount = (buf[off + 8] << 8) | buf[off + 9];
  msg.arcount = (buf[off + 10] << 8) | buf[off + 11];
  msg.qname = null;
  msg.qtype = 0;
  msg.qclass = 0;
  msg.replied = false;
  msg.firstAnswerName = null;
  // Setting an array's length is a runtime call even when it changes nothing; queries (half of
  // the messages) have no answers to drop.
  if (msg.answers.length !== 0) msg.answers.length = 0;
  if (msg.ttls.length !== 0) msg.ttls.length = 0;
  msg.malformed = false;
  const cur = new Cursor(buf, off + DNS_HEADER_LEN, off + len);
  for (let i = 0; i < msg.qdcount; i++) {
    const name = readName(cur, off, ctx);
    if (name === null) {
      msg.malformed = true;
      return i === 0 ? null : msg;
    }
    const qtype = cur.u16();
    const qclass = cur.u16();
    if (cur.err) {
      ctx.add('DNS_truncated_quest_too_short');
      msg.malformed = true;
      return i === 0 ? null : msg;
    }
    if (i === 0) {
      msg.qname = name.toLowerCase();
      msg.qtype = qtype;
      msg.qclass = qclass;
    }
  }
  for (let i = 0; i < msg.ancount; i++) {
    if (!parseAnswer(cur, off, msg, ctx)) {
      msg.malformed = true;
      break;
    }
  }
  return msg;
}

/** One answer-section RR; false when the rest of the message cannot be read. */
function parseAnswer(cur: Cursor, msgStart: number, msg: DnsMessage, ctx: DnsParseContext): boolean {
  const name = readName(cur, msgStart, ctx);
  if (name === null) return false;
  const type = cur.u16();
  cur.u16(); // class
  const ttl = cur.u32();
  const rdlen = cur.u16();
  if (cur.err) {
    ctx.add('DNS_truncated_ans_too_short');
    return false;
  }
  const rdStart = cur.pos;
  const rdEnd = rdStart + rdlen;
  if (rdEnd > cur.end) {
    ctx.add('DNS_truncated_RR_rdlength_lt_len');
    return false;
  }
  const buf = cur.buf;
  // `undefined`: Zeek has no dns.log handler for this type (no do_reply). `''`: do_reply with an
  // empty reply (AA/RA/rtt set, nothing appended).
  let text: string | undefined;
  if (msg.qr) {
    switch (type) {
      case RrType.A:
        if (rdlen === 4) text = ipv4ToString(buf, rdStart);
        else ctx.add('DNS_RR_length_mismatch');
        break;
      case RrType.AAAA:
        if (rdlen === 16) text = ipv6ToString(buf, rdStart);
        else ctx.add('DNS_RR_length_mismatch');
        break;
      case RrType.NS:
      case RrType.CNAME:
      case RrType.PTR:
      case RrType.SOA: {
        // SOA: Zeek logs the MNAME, the first field of the RDATA.
        const sub = new Cursor(buf, rdStart, rdEnd);
        const n = readName(sub, msgStart, ctx);
        if (n !== null) text = n;
        break;
      }
      case RrType.MX: {
        const sub = new Cursor(buf, rdStart + 2, rdEnd);
        const n = rdlen >= 3 ? readName(sub, msgStart, ctx) : null;
        if (n !== null) text = n;
        break;
      }
      case RrType.SRV: {
        const sub = new Cursor(buf, rdStart + 6, rdEnd);
        const n = rdlen >= 7 ? readName(sub, msgStart, ctx) : null;
        if (n !== null) text = n;
        break;
      }
      case RrType.TXT:
        text = renderTxt('TXT', buf, rdStart, rdEnd, ctx);
        break;
      case RrType.SPF:
        text = renderTxt('SPF', buf, rdStart, rdEnd, ctx);
        break;
      case RrType.WKS:
        text = '';
        break;
      case RrType.NAPTR:
        text = renderNaptr(buf, rdStart, rdEnd, msgStart, ctx);
        break;
      case RrType.RRSIG: {
        if (rdlen >= 18) {
          const covered = (buf[rdStart] << 8) | buf[rdStart + 1];
          const sub = new Cursor(buf, rdStart + 18, rdEnd);
          const signer = readName(sub, msgStart, ctx);
          if (signer !== null) text = 'RRSIG ' + covered + ' ' + (signer === '' ? '<Root>' : signer);
        }
        break;
      }
      case RrType.DNSKEY:
        if (rdlen >= 4) text = 'DNSKEY ' + buf[rdStart + 3];
        break;
      case RrType.NSEC: {
        const sub = new Cursor(buf, rdStart, rdEnd);
        const next = readName(sub, msgStart, ctx);
        if (next !== null) text = 'NSEC ' + name + ' ' + next;
        break;
      }
      case RrType.NSEC3:
        text = 'NSEC3';
        break;
      case RrType.NSEC3PARAM:
        text = 'NSEC3PARAM';
        break;
      case RrType.DS:
        if (rdlen >= 4) text = 'DS ' + buf[rdStart + 2] + ' ' + buf[rdStart + 3];
        break;
      case RrType.BINDS:
        text = 'BIND9 signing signal';
        break;
      case RrType.SSHFP:
        if (rdlen >= 2) text = 'SSHFP: ' + hex(buf, rdStart + 2, rdEnd);
        break;
      case RrType.LOC:
        if (rdlen >= 4) text = 'LOC:  ' + buf[rdStart + 1] + ' ' + buf[rdStart + 2] + ' ' + buf[rdStart + 3];
        break;
      // Parsed by Zeek but never logged: HINFO, CAA, NB (32), SVCB, HTTPS, OPT, TKEY, TSIG, A6.
      case RrType.HINFO:
      case RrType.CAA:
      case 32:
      case RrType.SVCB:
      case RrType.HTTPS:
      case RrType.OPT:
      case RrType.TKEY:
      case RrType.TSIG:
      case RrType.A6:
        break;
      default:
        ctx.add('DNS_RR_unknown_type');
        text = '<unknown type=' + type + '>';
    }
  }
  cur.pos = rdEnd;
  if (text !== undefined) {
    if (!msg.replied) {
      msg.replied = true;
      msg.firstAnswerName = name;
    }
    if (text !== '') {
      if (msg.answers.length < MAX_ANSWERS) {
        msg.answers.push(text);
        msg.ttls.push(ttl);
      } else {
        ctx.add('dns_answer_limit');
      }
    }
  }
  return true;
}

/** NAPTR (RFC 3403): `NAPTR <order> <preference> <flags> <service> <regexp> <replacement>`. */
function renderNaptr(buf: Buffer, start: number, end: number, msgStart: number, ctx: DnsParseContext): string | undefined {
  if (end - start < 4) return undefined;
  const order = (buf[start] << 8) | buf[start + 1];
  const pref = (buf[start + 2] << 8) | buf[start + 3];
  let p = start + 4;
  const strs: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (p >= end) return undefined;
    const n = buf[p];
    if (p + 1 + n > end) return undefined;
    strs.push(bytesToText(buf, p + 1, p + 1 + n));
    p += 1 + n;
  }
  const sub = new Cursor(buf, p, end);
  const repl = readName(sub, msgStart, ctx) ?? '';
  let tail = strs[2];
  if (repl.length > 0) tail = tail.length > 0 ? tail + ' ' + repl : repl;
  return 'NAPTR ' + order + ' ' + pref + ' ' + strs[0] + ' ' + strs[1] + ' ' + tail;
}

/**
 * NetBIOS first-level name decoding (RFC 1001 section 14.1), as Zeek's decode_netbios_name:
 * 32 letters 'A'..'P' give 16 bytes; the 16th (the name type) is dropped, as are trailing
 * spaces and NULs. Returns '' when the name is not NetBIOS-encoded.
 */
export function decodeNetbiosName(name: string): string {
  if (name.length !== 32) return '';
  const out: number[] = [];
  for (let i = 0; i < 16; i++) {
    const c0 = name.charCodeAt(2 * i) & ~0x20;
    const c1 = name.charCodeAt(2 * i + 1) & ~0x20;
    if (c0 < 65 || c0 > 80 || c1 < 65 || c1 > 80) return '';
    const b = ((c0 - 65) << 4) | (c1 - 65);
    const printable = (b >= 0x21 && b <= 0x7e) || b === 0x20 || b < 3;
    if (!printable) break;
    out.push(b);
  }
  let n = out.length === 16 ? 15 : out.length;
  while (n > 0 && (out[n - 1] === 0x20 || out[n - 1] === 0)) n--;
  return String.fromCharCode(...out.slice(0, n));
}
