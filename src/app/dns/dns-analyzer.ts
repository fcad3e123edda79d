/**
 * DNS sessions of one connection: pairs queries and replies by transaction id and emits one
 * DnsRecord per pair (or per unpaired message), with the semantics of Zeek's
 * scripts/base/protocols/dns/main.zeek:
 * - a query opens a record (ts = query time); the reply with the same id completes it;
 *   a reply with no pending query opens a record of its own (query taken from its first answer);
 * - query fields (query, qclass, qtype, RD, TC, Z) come from the query only; rcode from the reply;
 *   AA, RA and rtt are set when the reply has at least one answer Zeek renders;
 * - `rejected` when a reply has a question and no records at all, or a non-zero rcode and no
 *   question;
 * - messages to multicast addresses (mDNS, LLMNR) are not paired: each is logged on its own;
 * - unpaired queries and replies are logged when the connection ends.
 * Over TCP each message carries a 2-byte length prefix (RFC 1035 4.2.2) and may span segments.
 *
 * Differences from Zeek: Zeek flips the connection when the first message from the originator
 * is a reply; the flow table owns the direction here, so we do not.
 */
import type { AnomalyCounter } from '../../core/anomaly.js';
import type { ConnId, DnsRecord, RecordSink, Transport } from '../../core/records.js';
import { emptyDnsRecord } from '../../core/records.js';
import { GrowBuffer } from '../grow-buffer.js';
import { Weird } from '../weird.js';
import { decodeNetbiosName, newDnsMessage, Opcode, parseDnsMessage, type DnsMessage, type DnsParseContext } from './dns-message.js';
import { opcodeName, qclassName, qtypeName, rcodeName } from './dns-names.js';

/** The connection a DnsAnalyzer belongs to: its id and uid, read when a record or an anomaly needs them. */
export interface DnsConnId extends ConnId {
  readonly uid: string;
}

/** Zeek's DNS::max_pending_query_ids: distinct pending ids per connection before flushing them. */
export const MAX_PENDING_IDS = 50;
/** Zeek's DNS::max_pending_msgs: pending messages per id before flushing them. */
export const MAX_PENDING_MSGS = 50;
/** Largest DNS message over TCP (the length prefix is 16 bits). */
export const MAX_TCP_MESSAGE = 65535;

/** Query flag bits kept in Session.qFlags until the record is built. */
const enum QFlag {
  /** A query was seen and its fields wait here (no record yet). */
  Deferred = 1,
  /** The query had a question (its question fields are set). */
  Question = 2,
  RD = 4,
  TC = 8,
  ZShift = 4,
}

/**
 * One query/reply exchange. Its dns.log record is built only when needed (a reply, or the
 * log line): until then a query's fields wait in the session itself. A query usually waits
 * for its reply long enough to outlive the young generation, and one small object (plus its
 * name) is much cheaper to carry there than a record with its answer and TTL arrays.
 */
class Session {
  rec: DnsRecord | null = null;
  sawQuery = false;
  sawReply = false;
  /** QFlag bits, with Z above ZShift. */
  qFlags = 0;
  qOpcode = 0;
  qType = 0;
  qClass = 0;
  qName: string | null = null;

  constructor(
    readonly transId: number,
    readonly ts: number,
  ) {}
}

/** Zeek's DNS::multicast_subnets: 224.0.0.0/4 and ff00::/8. */
export function isMulticast(addr: string): boolean {
  if (addr.indexOf(':') >= 0) return addr.length >= 2 && (addr[0] === 'f' || addr[0] === 'F') && (addr[1] === 'f' || addr[1] === 'F') && addr.indexOf(':') >= 3;
  const first = parseInt(addr, 10);
  return first >= 224 && first <= 239;
}

/** Per-direction TCP framing state: a message being assembled across segments. */
class TcpFramer {
  /** The message being assembled (memory follows the bytes received, not the announced length). */
  pending: GrowBuffer | null = null;
  /** Length prefix split across segments: its first byte. */
  halfLen = -1;
}

/** The message every DnsAnalyzer parses into (parsing is synchronous; records copy what they keep). */
const scratchMessage = newDnsMessage();

/**
 * Also the DnsParseContext of its messages: the Weird that describes an anomaly with the
 * connection is made at the first one (most connections never have any).
 */
export class DnsAnalyzer implements DnsParseContext {
  private pendingQuery: Session | null = null;
  /** Created on first use: most connections carry one query and its reply (the fast path). */
  private pendingQueries: Map<number, Session[]> | null = null;
  private pendingReplies: Map<number, Session[]> | null = null;
  private readonly multicast: boolean;
  private readonly netbios: boolean;
  private weird: Weird | null = null;
  private origFramer: TcpFramer | null = null;
  private respFramer: TcpFramer | null = null;
  /** Messages that parsed (header and question); Zeek confirms the analyzer on the first. */
  validMessages = 0;
  invalidMessages = 0;

  /**
   * @param id the connection, read for each record (its strings may be built only then)
   * @param multicast whether the responder is a multicast address (isMulticast of id.respH)
   * @param records false when nobody writes dns.log (`konseki flows` without `--logs`): messages
   *        are still parsed, paired and flushed as usual (the service, the anomalies and the
   *        pending caps stay the same), but no DnsRecord is built and the sink gets nothing
   */
  constructor(
    private readonly sink: RecordSink,
    private readonly anomalies: AnomalyCounter,
    private readonly id: DnsConnId,
    private readonly proto: Transport,
    multicast: boolean,
    private readonly source?: number,
    private readonly records = true,
  ) {
    this.multicast = multicast;
    this.netbios = id.respP === 137 || id.origP === 137;
  }

  /** Count one anomaly of this connection (DnsParseContext). */
  add(code: string, detail?: string): void {
    let w = this.weird;
    if (w === null) this.weird = w = new Weird(this.anomalies, this.id, this.id.uid);
    w.add(code, detail);
  }

  /** Nothing waits for a message any more (a new analyzer would do the same from here on, over UDP). */
  get idle(): boolean {
    const q = this.pendingQueries;
    const r = this.pendingReplies;
    return this.pendingQuery === null && (q === null || q.size === 0) && (r === null || r.size === 0);
  }

  /**
   * One UDP datagram (or, via `tcpData`, one reassembled TCP message).
   * @returns the parsed message, a scratch object shared by every DnsAnalyzer and valid only
   *          until the next message is parsed (what a record keeps is copied out of it)
   */
  message(buf: Buffer, off: number, len: number, ts: number): DnsMessage | null {
    const msg = parseDnsMessage(buf, off, len, this, scratchMessage);
    if (msg === null) {
      this.invalidMessages++;
      return null;
    }
    if (msg.opcode !== Opcode.Query && msg.opcode !== Opcode.Update && msg.opcode !== Opcode.Notify && !this.netbios) {
      this.add('DNS_unknown_opcode');
      this.invalidMessages++;
      return null;
    }
    this.validMessages++;
    if (msg.opcode !== Opcode.Query && msg.opcode !== Opcode.Update && msg.opcode !== Opcode.Notify) return msg;
    this.track(msg, ts);
    return msg;
  }

  /** In-order TCP stream bytes of one direction: 2-byte length-prefixed messages. */
  tcpData(fromOrig: boolean, buf: Buffer, off: number, len: number, ts: number): void {
    let f = fromOrig ? this.origFramer : this.respFramer;
    if (f === null) {
      f = new TcpFramer();
      if (fromOrig) this.origFramer = f;
      else this.respFramer = f;
    }
    const end = off + len;
    let p = off;
    while (p < end) {
      if (f.pending !== null) {
        p += f.pending.append(buf, p, end);
        if (f.pending.complete) {
          const m = f.pending;
          f.pending = null;
          this.message(m.buf, 0, m.len, ts);
        }
        continue;
      }
      let mlen: number;
      if (f.halfLen >= 0) {
        mlen = (f.halfLen << 8) | buf[p];
        f.halfLen = -1;
        p += 1;
      } else if (end - p < 2) {
        f.halfLen = buf[p];
        p += 1;
        continue;
      } else {
        mlen = (buf[p] << 8) | buf[p + 1];
        p += 2;
      }
      if (mlen === 0) continue;
      if (end - p >= mlen) {
        this.message(buf, p, mlen, ts);
        p += mlen;
      } else {
        // Bounded by the 16-bit length prefix (MAX_TCP_MESSAGE), grown as bytes arrive.
        f.pending = new GrowBuffer(mlen);
      }
    }
  }

  /** Missing TCP bytes: the message being assembled is lost, framing cannot be recovered. */
  gap(fromOrig: boolean): void {
    const f = fromOrig ? this.origFramer : this.respFramer;
    if (f !== null && (f.pending !== null || f.halfLen >= 0)) {
      this.add('dns_tcp_message_gap');
      f.pending = null;
      f.halfLen = -1;
    }
  }

  /** Log every unpaired query and reply (Zeek's finalize_dns). */
  end(): void {
    if (this.pendingQuery !== null) {
      this.emit(this.pendingQuery);
      this.pendingQuery = null;
    }
    if (this.pendingQueries !== null) this.flushAll(this.pendingQueries);
    if (this.pendingReplies !== null) this.flushAll(this.pendingReplies);
  }

  private newSession(msg: DnsMessage, ts: number): Session {
    return new Session(msg.id, ts);
  }

  /** The session's record, built on first use with the query fields that waited for it. */
  private recordOf(s: Session): DnsRecord {
    let r = s.rec;
    if (r === null) {
      r = emptyDnsRecord(this.id, s.ts, this.id.uid, this.proto, s.transId);
      if (this.source !== undefined) r.source = this.source;
      s.rec = r;
      const f = s.qFlags;
      if ((f & QFlag.Deferred) !== 0) {
        this.applyQuery(r, s.qOpcode, (f & QFlag.Question) !== 0, (f & QFlag.RD) !== 0, (f & QFlag.TC) !== 0, f >>> QFlag.ZShift, s.qType, s.qClass, s.qName);
        s.qName = null;
      }
    }
    return r;
  }

  /** A query's fields on its record (the query's opcode, and its question when it had one). */
  private applyQuery(r: DnsRecord, opcode: number, question: boolean, rd: boolean, tc: boolean, z: number, qtype: number, qclass: number, query: string | null): void {
    r.opcode = opcode;
    r.opcodeName = opcodeName(opcode, this.netbios);
    if (!question) return;
    r.RD = rd;
    r.TC = tc;
    r.qclass = qclass;
    r.qclassName = qclassName(qclass);
    r.qtype = qtype;
    // RFC 1002 reuses type 33 (SRV) for NBSTAT.
    r.qtypeName = this.id.respP === 137 && qtype === 33 ? 'NBSTAT' : qtypeName(qtype);
    r.Z = z;
    r.query = query;
  }

  private track(msg: DnsMessage, ts: number): void {
    const isQuery = !msg.qr;
    let s: Session;
    if (this.multicast) {
      s = this.newSession(msg, ts);
      s.sawQuery = true;
      s.sawReply = true;
    } else if (isQuery) {
      const q = this.pendingReplies?.get(msg.id);
      if (q !== undefined && q.length > 0) {
        s = this.pop(this.pendingReplies!, msg.id);
      } else {
        s = this.newSession(msg, ts);
        if (this.pendingQuery === null) this.pendingQuery = s;
        else this.enqueue((this.pendingQueries ??= new Map()), msg.id, s);
      }
    } else if (this.pendingQuery !== null && this.pendingQuery.transId === msg.id) {
      s = this.pendingQuery;
      this.pendingQuery = null;
      // Refill the fast path, preferring a pending query with the same id (keeps queue order).
      const pq = this.pendingQueries;
      if (pq !== null) {
        const same = pq.get(msg.id);
        if (same !== undefined && same.length > 0) this.pendingQuery = this.pop(pq, msg.id);
        else {
          for (const [tid, q] of pq) {
            if (q.length > 0) {
              this.pendingQuery = this.pop(pq, tid);
              break;
            }
          }
        }
      }
    } else {
      const q = this.pendingQueries?.get(msg.id);
      if (q !== undefined && q.length > 0) {
        s = this.pop(this.pendingQueries!, msg.id);
      } else {
        s = this.newSession(msg, ts);
        this.enqueue((this.pendingReplies ??= new Map()), msg.id, s);
      }
    }

    if (!this.records) {
      // Pairing and flushing as below, minus the record: sawQuery/sawReply are all emit() needs.
      if (isQuery) s.sawQuery = true;
      else s.sawReply = true;
    } else if (!isQuery) {
      const r = this.recordOf(s);
      r.opcode = msg.opcode;
      r.opcodeName = opcodeName(msg.opcode, this.netbios);
      r.rcode = msg.rcode;
      r.rcodeName = rcodeName(msg.rcode);
      if (msg.rcode !== 0 && msg.qdcount === 0) r.rejected = true;
      // Zeek raises dns_rejected for a reply with a question and no records in any section.
      if (msg.qname !== null && msg.ancount === 0 && msg.nscount === 0 && msg.arcount === 0) r.rejected = true;
      if (msg.replied) {
        if (r.query === null) r.query = msg.firstAnswerName;
        r.AA = msg.aa;
        r.RA = msg.ra;
        if (r.rtt === null) {
          const rtt = ts - r.ts;
          if (rtt !== 0) r.rtt = rtt;
        }
        for (let i = 0; i < msg.answers.length; i++) {
          r.answers.push(msg.answers[i]);
          r.TTLs.push(msg.ttls[i]);
        }
      }
      s.sawReply = true;
    } else {
      let query = msg.qname;
      if (query !== null && this.id.respP === 137) {
        const decoded = decodeNetbiosName(query);
        if (decoded.length > 0) query = decoded;
      }
      const question = msg.qname !== null;
      if (s.rec === null) {
        // No record yet (the usual case): the query's fields wait in the session.
        s.qFlags = QFlag.Deferred | (question ? QFlag.Question : 0) | (msg.rd ? QFlag.RD : 0) | (msg.tc ? QFlag.TC : 0) | (msg.z << QFlag.ZShift);
        s.qOpcode = msg.opcode;
        s.qType = msg.qtype;
        s.qClass = msg.qclass;
        s.qName = query;
      } else {
        this.applyQuery(s.rec, msg.opcode, question, msg.rd, msg.tc, msg.z, msg.qtype, msg.qclass, query);
      }
      s.sawQuery = true;
    }
    if (s.sawQuery && s.sawReply) {
      // Logged now; it is no longer in any pending structure (popped above, or multicast).
      this.emit(s);
    }
  }

  private enqueue(map: Map<number, Session[]>, id: number, s: Session): void {
    let q = map.get(id);
    if (q === undefined) {
      if (map.size > MAX_PENDING_IDS) {
        // Zeek: "Throw away all unmatched on assumption they'll never be matched" (they are logged).
        this.add('dns_pending_ids_limit');
        this.flushAll(map);
      }
      q = [];
      map.set(id, q);
    } else if (q.length > MAX_PENDING_MSGS) {
      this.add('dns_pending_msgs_limit');
      for (const x of q) this.emit(x);
      q.length = 0;
    }
    q.push(s);
  }

  private pop(map: Map<number, Session[]>, id: number): Session {
    const q = map.get(id)!;
    const s = q.shift()!;
    if (q.length === 0) map.delete(id);
    return s;
  }

  private flushAll(map: Map<number, Session[]>): void {
    for (const q of map.values()) for (const s of q) this.emit(s);
    map.clear();
  }

  private emit(s: Session): void {
    if (this.records) this.sink.dns(this.recordOf(s));
  }
}
