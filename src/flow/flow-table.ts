/**
 * The flow table: decoded packets in, Zeek conn.log records out.
 *
 * Connections are keyed like Zeek's default five-tuple key (VLANs are not part of the key):
 * the two (address, port) pairs in canonical order plus the IP protocol; ICMP uses the type
 * and the counterpart type (or the code for one-way messages, which are not reordered) as
 * ports. The key is built from the packet buffer as ten 32-bit words, hashed (FNV-1a) and
 * looked up in an open-addressing Int32Array index of slots, compared word by word with the
 * key in the slot's record, so a packet of a known flow allocates nothing.
 *
 * State lives in records of numbers (flow-columns.ts): one per slot (a connection), two
 * endpoint records per slot for TCP, read and written through one view object
 * (connection.ts, tcp-session.ts) bound to the slot in use. No object exists per connection
 * except what the app layer, reassembly and tunnels need; the uid is recomputed at emission.
 *
 * Expiry is driven by packet time, as Zeek's timers are: before each packet every timer due
 * at that time fires (inactivity: TCP 5 min once established, 1 min before; UDP/ICMP/other
 * 1 min; TCP attempts 5 s; closed TCP 5 s after the close, tcp_close_delay; half-closed TCP
 * checked every 6 s once 5 s passed without packets). A removed connection is emitted at
 * once. Timers live in a lazy binary heap: one live entry per connection, at or before its
 * real deadline. Packets only push the inactivity deadline later, so a packet touches the heap
 * only when it arms an earlier TCP timer; an entry that fires early is re-armed at the real
 * deadline, and stale entries are skipped.
 *
 * Cap: at most `maxFlows` live connections (default MAX_FLOWS_DEFAULT). When a new
 * connection would exceed it, the connection closest to its timer deadline (in practice the
 * least recently active) is expired early and counted in `stats.earlyExpired` and under the
 * anomaly code `flow_table_cap`. The timer heap holds at most one live entry per connection
 * plus stale entries of connections that ended within the last timeout period.
 *
 * Originator bursts (ConnRecord.origBursts, a Konseki extra for beacons inside one long-lived
 * connection): an originator packet with payload starts a burst when the connection was quiet
 * in both directions for BURST_GAP_USEC before it (connection.ts origPayloadAt). TCP and UDP
 * count packets with payload (length from the headers); ICMP and other protocols every packet.
 * Responder bursts (ConnRecord.respBurstCount, the turns of a session driven from the far
 * side, as a reverse shell's commands) follow the same rule for responder packets and are only
 * counted (respPayloadAt). Neither is a conn.log column: the TSV, JSON and CSV flow outputs
 * print the Zeek fields only.
 *
 * Where we differ from Zeek, on purpose:
 * - Checksums are not verified (as `zeek -C`): captures taken with checksum offloading would
 *   otherwise lose every locally sent packet.
 * - Zeek also re-checks every TCP connection from 5 s after its start every 6 s (the
 *   ExpireTimer chain); we only run that check for half-closed connections, from the close on,
 *   which is the only case where it removes anything. Removal can therefore happen a few
 *   seconds apart from Zeek's for half-closed connections; the logged values are the same.
 * - uids are deterministic (MurmurHash3 of the key and first packet time), not random.
 * - Time never goes backwards for the timers: packets older than the newest seen (e.g. from
 *   captures that overlap in time) do not fire timers, and are added to their connection.
 */
import type { AnomalyCounter } from '../core/anomaly.js';
import { createHash } from 'node:crypto';
import type { AppAnalyzer, AppAnalyzerFactory, ConnIdSource, ConnRecord, Transport as TransportName } from '../core/records.js';
import type { PacketMeta } from '../core/packet.js';
import { ipToString } from '../core/ip.js';
import { communityIdV1, icmpCounterpart } from '../core/community-id.js';
import {
  BIT_APP_MIDSTREAM,
  BIT_APP_PENDING,
  BIT_APP_RESP_OUT,
  BIT_ORIG_IS_A,
  BIT_SAME_SIDES,
  BIT_TIMER_ARMED,
  Conn,
  FlowContext,
  HIST_ORIG_DATA_PKT,
  HIST_RESP_DATA_PKT,
  Transport,
} from './connection.js';
import { TcpSession, TcpState, type TcpEndpoint } from './tcp-session.js';
import { FlowColumns, KEY_WORDS, SlotF, SlotI } from './flow-columns.js';
import { isLikelyTcpServerPort, isLikelyUdpServerPort } from './server-ports.js';
import { isLocalAddr } from './local-nets.js';
import { addrText } from './addr-text.js';
import { HINT_BATCH, type PacketHints, type PacketPrefetcher } from '../core/packet-hints.js';

/**
 * Default cap on live connections: 2 million. A live connection costs about 470 bytes of
 * records in the table (flow-columns.ts: key, counters, times, two TCP endpoints, object
 * references) plus about 20 bytes of hash index, and what the app layer keeps (about 300
 * more), so the cap bounds the table near 1.6 GB in the worst case; real captures stay far
 * below (tens of thousands of concurrent flows).
 */
export const MAX_FLOWS_DEFAULT = 2_000_000;
/**
 * Largest accepted `maxFlows`: 2^25 slots. The slot records (flow-columns.ts) hold 100 32-bit
 * words per slot in one typed array, which must stay under V8's 2^32-element limit (and its
 * bytes, 13 GiB of address space at this cap, are only taken when touched).
 */
export const MAX_FLOWS_LIMIT = 33_554_432;
/** Cap on remembered tunnel uids (outer address pairs), so tunnel_parents stay stable. */
export const MAX_TUNNELS = 65_536;

export const TCP_INACTIVITY_TIMEOUT = 300;
export const UDP_INACTIVITY_TIMEOUT = 60;
export const ICMP_INACTIVITY_TIMEOUT = 60;
export const UNKNOWN_IP_INACTIVITY_TIMEOUT = 60;

export interface FlowTableOptions {
  /** Receives each connection record as soon as the connection ends. */
  emit: (c: ConnRecord) => void;
  /** Application-layer analysis per connection (src/app). */
  appFactory?: AppAnalyzerFactory;
  maxFlows?: number;
  tcpInactivityTimeout?: number;
  udpInactivityTimeout?: number;
  icmpInactivityTimeout?: number;
  anomalies: AnomalyCounter;
}

export interface FlowTableStats {
  /** IP packets handed to the table (each joins exactly one connection). */
  packets: number;
  /** Connections emitted in total. */
  flowsEmitted: number;
  /** Emitted because of an inactivity timeout. */
  expiredByTimeout: number;
  /** Emitted by a TCP close, reset, attempt or half-close timer. */
  closedTcp: number;
  /** Emitted because a SYN reused the 5-tuple of a live TCP connection. */
  reused: number;
  /** Emitted early because the live-flow cap was hit. */
  earlyExpired: number;
  /** Emitted by flush() at end of input (openAtEnd = true). */
  flushedAtEnd: number;
  /** Most live connections at any time. */
  livePeak: number;
  /** Live connections now. */
  live: number;
}

const SYN = 0x02;
const ACK = 0x10;
/** First size of the hash index (entries; it doubles to stay at most half full). */
const INITIAL_INDEX_SIZE = 4096;
/**
 * A hash index entry is slot + 1 (0: empty) in its low 26 bits (slots stop at MAX_FLOWS_LIMIT
 * = 2^25) and six bits of the key's hash (bits 24-29) in its top bits: a probe that meets
 * another connection's entry passes over it on the tag 63 times in 64, without loading that
 * slot's record (a cache miss each; at the index's load of 25-50% that was every fourth to
 * second packet).
 */
const ENTRY_SLOT = (1 << 26) - 1;
const ENTRY_TAG = ~ENTRY_SLOT;

/** The tag bits of an index entry for a key with hash `hash` (30 bits). */
function entryTag(hash: number): number {
  return (hash << 2) & ENTRY_TAG;
}

const PROTO_NAMES: TransportName[] = ['tcp', 'udp', 'icmp', 'unknown_transport'];
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The unsigned big-endian 32-bit word at buf[off]. */
function be32(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

/** Zeek-style uid: 'C' + base62 of 96 bits, here derived from a SHA-1 of `seed` (deterministic). */
export function makeUid(prefix: string, seed: Buffer): string {
  const d = createHash('sha1').update(seed).digest();
  return base62Words([d.readUInt32BE(0), d.readUInt32BE(4), d.readUInt32BE(8)], prefix);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** One MurmurHash3 (x86, 32-bit) block step: mixes word `w` into state `h`. */
function murmurMix(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = rotl(k, 15);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = rotl(h, 13);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 (x86, 32-bit) over 32-bit words, with the finaliser (no closure, no allocation). */
function murmurWords(words: Int32Array, n: number, extra0: number, extra1: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < n; i++) h = murmurMix(h, words[i]);
  h = murmurMix(h, extra0);
  h = murmurMix(h, extra1);
  h ^= (n + 2) * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The three hash words of a uid, reused (base62Words consumes them). */
const uidHash: number[] = [0, 0, 0];

/**
 * Connection uid: 'C' + base62 of 96 bits hashed (MurmurHash3, three seeds) from the key and
 * the first packet time in microseconds. Deterministic across runs; not cryptographic.
 */
function connUid(words: Int32Array, nWords: number, ts: number): string {
  const sec = Math.floor(ts);
  const usec = Math.round((ts - sec) * 1e6);
  const w = uidHash;
  w[0] = murmurWords(words, nWords, sec | 0, usec, 0x9747b28c);
  w[1] = murmurWords(words, nWords, sec | 0, usec, 0x5bd1e995);
  w[2] = murmurWords(words, nWords, sec | 0, usec, 0x27d4eb2f);
  return base62Words(w, 'C');
}

/** Scratch for base62 digits (96 bits need at most 17), written from the end. */
const BASE62_CODES = Buffer.from(BASE62, 'latin1');
const uidScratch = Buffer.alloc(24);

/**
 * `prefix` + base62 of the 96-bit number in `w` (three 32-bit words, most significant first;
 * consumed). Built in a byte scratch and read as one flat string: prepending a character at a
 * time would leave a chain of cons strings on every connection.
 */
function base62Words(w: number[], prefix: string): string {
  const out = uidScratch;
  let pos = out.length;
  while (w[0] !== 0 || w[1] !== 0 || w[2] !== 0) {
    let rem = 0;
    for (let i = 0; i < 3; i++) {
      const cur = rem * 4294967296 + w[i];
      const q = Math.floor(cur / 62);
      rem = cur - q * 62;
      w[i] = q;
    }
    out[--pos] = BASE62_CODES[rem];
  }
  if (pos === out.length) out[--pos] = BASE62_CODES[0];
  for (let i = prefix.length - 1; i >= 0; i--) out[--pos] = prefix.charCodeAt(i);
  return out.toString('latin1', pos, out.length);
}


export class FlowTable implements PacketPrefetcher {
  readonly stats: FlowTableStats = {
    packets: 0,
    flowsEmitted: 0,
    expiredByTimeout: 0,
    closedTcp: 0,
    reused: 0,
    earlyExpired: 0,
    flushedAtEnd: 0,
    livePeak: 0,
    live: 0,
  };

  private readonly emitFn: (c: ConnRecord) => void;
  private readonly appFactory: AppAnalyzerFactory | undefined;
  private readonly maxFlows: number;
  private readonly tcpTimeout: number;
  private readonly udpTimeout: number;
  private readonly icmpTimeout: number;
  private readonly anomalies: AnomalyCounter;

  /** Live connection state, one slot per connection (flow-columns.ts). */
  private readonly cols: FlowColumns;
  /** The one view through which every connection is read and written (bound per use). */
  private readonly view: TcpSession;
  /**
   * Hash index: open addressing with linear probing over slot + 1 (0: empty) and a tag of the
   * hash (ENTRY_SLOT, ENTRY_TAG), at most half full; deletion shifts entries back (no tombstones).
   */
  private index = new Int32Array(INITIAL_INDEX_SIZE);
  private indexMask = INITIAL_INDEX_SIZE - 1;
  private indexCount = 0;
  /** Connections created so far (their creation order, for flush). */
  private serial = 0;
  /** Key words of a connection being emitted (for its uid). */
  private readonly uidWords = new Int32Array(KEY_WORDS);
  /**
   * The key being looked up as ten big-endian 32-bit words (`words`, what lookups hash and
   * compare); `scratch` holds its bytes only for buildKeyBytes (address lengths other than 4, 16).
   */
  private readonly scratch = new Uint8Array(40);
  private readonly words = new Int32Array(10);
  private keyLen = 0;
  /** Whether the packet's source is side A of the key built last. */
  private srcIsA = false;
  /** Whether both sides of the key built last are equal. */
  private sidesEqual = false;
  private readonly tunnels = new Map<string, string>();
  private readonly origAddr4 = new Uint8Array(4);
  private readonly respAddr4 = new Uint8Array(4);
  private readonly origAddr16 = new Uint8Array(16);
  private readonly respAddr16 = new Uint8Array(16);
  /** Address scratch for a deferred app analyzer (makeApp), apart from toRecord's. */
  private readonly appAddrA = new Uint8Array(16);
  private readonly appAddrB = new Uint8Array(16);
  /** A view for idSource, apart from the table's (which may be bound to another slot then). */
  private readonly idView: Conn;
  /**
   * A live connection's id strings by slot, for analyzers made by AppAnalyzerFactory.lazy:
   * they hold the slot and build the strings only when they need them (most never do).
   */
  private readonly idSource: ConnIdSource = {
    origH: (slot) => this.slotAddr(slot, true),
    respH: (slot) => this.slotAddr(slot, false),
    uid: (slot) => this.uidOf(this.idView.bind(slot)),
  };

  // Lazy timer heap: parallel arrays of deadline and slot.
  private heapT: number[] = [];
  private heapC: number[] = [];
  private now = -Infinity;
  private flushQueue: number[] | null = null;
  private flushPos = 0;
  /** Time of the packet being processed and settings, shared with the connections. */
  private readonly ctx: FlowContext;
  /** prefetch(): key hashes and index entries of the hinted packets. */
  private readonly hintHash = new Int32Array(HINT_BATCH);
  private readonly hintEntry = new Int32Array(HINT_BATCH);
  /**
   * prefetch(): the sum of the words it loaded. Kept so that the compiler cannot drop the
   * loads; the number itself means nothing.
   */
  hintSink = 0;

  constructor(opts: FlowTableOptions) {
    this.emitFn = opts.emit;
    this.appFactory = opts.appFactory;
    this.maxFlows = opts.maxFlows ?? MAX_FLOWS_DEFAULT;
    // The cap sizes the state columns, so it must be a whole number an array can have.
    if (!Number.isInteger(this.maxFlows) || this.maxFlows < 1 || this.maxFlows > MAX_FLOWS_LIMIT) {
      throw new RangeError(`maxFlows must be an integer from 1 to ${MAX_FLOWS_LIMIT}, got ${opts.maxFlows}`);
    }
    this.tcpTimeout = opts.tcpInactivityTimeout ?? TCP_INACTIVITY_TIMEOUT;
    this.udpTimeout = opts.udpInactivityTimeout ?? UDP_INACTIVITY_TIMEOUT;
    this.icmpTimeout = opts.icmpInactivityTimeout ?? ICMP_INACTIVITY_TIMEOUT;
    this.anomalies = opts.anomalies;
    const anomalies = this.anomalies;
    this.ctx = new FlowContext(this.tcpTimeout, (code) => anomalies.add(code));
    this.cols = new FlowColumns(this.maxFlows + 1, this.appFactory !== undefined);
    this.view = new TcpSession(this.cols, this.ctx);
    this.idView = new Conn(this.cols);
    const factory = this.appFactory;
    if (factory !== undefined) {
      this.cols.appMaker = (conn) => this.makeApp(factory, conn);
      if (factory.lazy !== undefined && factory.respRuledOut !== undefined) this.cols.appRespRuledOut = factory.respRuledOut;
    }
  }

  /**
   * The deferred factory call for the connection `conn` is bound to (Conn.app): the same id,
   * uid and midstream flag as at its first packet, built from its columns.
   */
  private makeApp(factory: AppAnalyzerFactory, conn: Conn): AppAnalyzer | null {
    const lazy = factory.lazy;
    if (lazy !== undefined) {
      const bits = this.cols.si[conn.i * SlotI.STRIDE + SlotI.BITS];
      const midstream = (bits & BIT_APP_MIDSTREAM) !== 0;
      return lazy(this.idSource, conn.i, conn.origPort, conn.respPort, PROTO_NAMES[conn.transport], midstream, conn.startTime, (bits & BIT_APP_RESP_OUT) !== 0);
    }
    const alen = conn.addrLen;
    const a = this.appAddrA;
    const b = this.appAddrB;
    conn.writeAddresses(a, b);
    return factory(
      { origH: addrText(a, 0, alen), origP: conn.origPort, respH: addrText(b, 0, alen), respP: conn.respPort },
      PROTO_NAMES[conn.transport],
      this.uidOf(conn),
      (this.cols.si[conn.i * SlotI.STRIDE + SlotI.BITS] & BIT_APP_MIDSTREAM) !== 0,
      conn.startTime,
    );
  }

  /** Originator's (orig) or responder's address of the connection in `slot`, as text. */
  private slotAddr(slot: number, orig: boolean): string {
    const v = this.idView.bind(slot);
    const a = this.appAddrA;
    const b = this.appAddrB;
    v.writeAddresses(a, b);
    return addrText(orig ? a : b, 0, v.addrLen);
  }

  /**
   * Lookahead (the reader's `prefetch` option, decode/packet-hints.ts): touches the index
   * entries and slot records of the hinted packets before they arrive, so that their cache
   * misses overlap instead of coming one after the other in addPacket. In passes over the
   * batch, each a loop of loads independent from one packet to the next: key hashes, then the
   * index entries at the hashes' home positions, then the probe chains (on the entries' tags,
   * up to the first entry whose tag matches), then that slot's lines (the per-packet words
   * 0-31, and for TCP the endpoint records, words 32-79). Only loads: no
   * state changes, so results are the same with or without it, whatever the hints say. It
   * uses the key scratch (`words`, `srcIsA`, `sidesEqual`), which addPacket rebuilds for every
   * packet.
   */
  prefetch(hints: PacketHints): void {
    const n = hints.n;
    const buf = hints.buf;
    const h = this.hintHash;
    for (let i = 0; i < n; i++) {
      h[i] = this.buildKey(buf, hints.srcOff[i], hints.dstOff[i], hints.addrLen[i], hints.proto[i], hints.srcPort[i], hints.dstPort[i], false);
    }
    const idx = this.index;
    const mask = this.indexMask;
    const e = this.hintEntry;
    for (let i = 0; i < n; i++) e[i] = idx[h[i] & mask];
    // The probe chain from each home position, as lookup walks it, on the entries' tags only:
    // the first entry whose tag matches is the packet's slot 63 times in 64 (a wrong one only
    // wastes a touch), and no slot record is loaded here, so the records' first lines are
    // loaded in the next pass, independent from one packet to the next, with their other lines.
    for (let i = 0; i < n; i++) {
      const tag = entryTag(h[i]);
      let x = e[i];
      for (let j = h[i] & mask; x !== 0 && ((x ^ tag) & ENTRY_TAG) !== 0; ) {
        j = (j + 1) & mask;
        x = idx[j];
      }
      e[i] = x;
    }
    const si = this.cols.si;
    let sum = 0;
    // Records are 400 bytes, not line-aligned: words 64 bytes apart, plus the last, reach every line.
    for (let i = 0; i < n; i++) {
      const x = e[i];
      if (x === 0) continue;
      const r = ((x & ENTRY_SLOT) - 1) * SlotI.STRIDE;
      sum = (sum + si[r] + si[r + 16] + si[r + 31]) | 0;
      if (hints.proto[i] === 6) sum = (sum + si[r + 47] + si[r + 63] + si[r + 79]) | 0;
    }
    this.hintSink = sum;
  }

  /**
   * Add one decoded IP packet (DecodeStatus.Ip). The PacketMeta is read synchronously and not kept.
   * @param meta the decoded packet
   */
  addPacket(meta: PacketMeta): void {
    // Packet time as Zeek sees it: libpcap in microsecond precision (nanoseconds truncated).
    const ctx = this.ctx;
    const sec = meta.tsSec;
    const usec = Math.floor(meta.tsNsec / 1000);
    const ts = sec + usec / 1e6;
    ctx.ts = ts;
    ctx.sec = sec;
    ctx.usec = usec;
    this.advanceTime(ts);
    this.stats.packets++;

    const proto = meta.proto;
    const buf = meta.buf;
    let transport: Transport;
    let sport: number;
    let dport: number;
    let oneWay = false;
    if (proto === 6) {
      transport = Transport.Tcp;
      sport = meta.srcPort;
      dport = meta.dstPort;
    } else if (proto === 17) {
      transport = Transport.Udp;
      sport = meta.srcPort;
      dport = meta.dstPort;
    } else if (proto === 1 || proto === 58) {
      transport = Transport.Icmp;
      sport = meta.icmpType;
      const c = icmpCounterpart(proto, sport);
      if (c < 0) {
        oneWay = true;
        dport = meta.icmpCode;
      } else {
        dport = c;
      }
    } else {
      transport = Transport.Unknown;
      sport = 0;
      dport = 0;
    }

    const hash = this.buildKey(buf, meta.srcOff, meta.dstOff, meta.addrLen, proto, sport, dport, oneWay);
    const slot = this.lookup(hash);
    let conn: Conn | null = slot < 0 ? null : this.view.bind(slot);

    if (conn !== null && transport === Transport.Tcp && meta.tcpFlags & SYN && conn.tcp!.isReuse(meta.tcpFlags, meta.seq | 0)) {
      this.remove(conn);
      this.stats.reused++;
      conn = null;
    }
    let arm = false;
    if (conn === null) {
      conn = this.newConn(meta, ts, hash, transport, sport, dport);
      arm = true;
    }

    // The per-packet part reads and writes the columns directly: the view's accessors are
    // for the rare paths (getter chains would exhaust TurboFan's inlining budget here).
    const cols = this.cols;
    const s = conn.i;
    const bits = cols.si[s * SlotI.STRIDE + SlotI.BITS];
    let isOrig = (bits & BIT_SAME_SIDES) !== 0 || this.srcIsA === ((bits & BIT_ORIG_IS_A) !== 0);
    const ipLen = meta.ipLen;
    // Time of the connection's previous packet, for the originator's bursts.
    const prevSec = cols.su[s * SlotI.STRIDE + SlotI.LAST_SEC];
    const prevUsec = cols.si[s * SlotI.STRIDE + SlotI.LAST_USEC];
    let burst = false;
    switch (transport) {
      case Transport.Tcp: {
        let len = ipLen - meta.ipHdrLen - meta.tcpHdrLen;
        const caplen = meta.payloadLen;
        if (ipLen === 0 || len < 0) len = caplen;
        isOrig = this.view.process(
          isOrig,
          meta.tcpFlags,
          meta.seq | 0,
          meta.ack | 0,
          meta.win,
          len,
          caplen,
          buf,
          meta.payloadOff,
        );
        burst = len > 0;
        break;
      }
      case Transport.Udp: {
        let ulen = meta.payloadWireLen;
        if (meta.l4Off + 8 <= buf.length) ulen = buf.readUInt16BE(meta.l4Off + 4) - 8;
        cols.su[s * SlotI.STRIDE + SlotI.LAST_SEC] = sec;
        cols.si[s * SlotI.STRIDE + SlotI.LAST_USEC] = usec;
        if (isOrig) {
          if ((cols.si[s * SlotI.STRIDE + SlotI.HIST_SEEN] & HIST_ORIG_DATA_PKT) === 0) conn.checkHistory(HIST_ORIG_DATA_PKT, 'D');
          const r = cols.sf[s * SlotF.STRIDE + SlotF.REQ_LEN];
          cols.sf[s * SlotF.STRIDE + SlotF.REQ_LEN] = r < 0 ? ulen : r + ulen;
        } else {
          if ((cols.si[s * SlotI.STRIDE + SlotI.HIST_SEEN] & HIST_RESP_DATA_PKT) === 0) conn.checkHistory(HIST_RESP_DATA_PKT, 'd');
          const r = cols.sf[s * SlotF.STRIDE + SlotF.REP_LEN];
          cols.sf[s * SlotF.STRIDE + SlotF.REP_LEN] = r < 0 ? ulen : r + ulen;
        }
        burst = ulen > 0;
        if (meta.payloadLen > 0) conn.appPayload(isOrig, buf, meta.payloadOff, meta.payloadLen, ts);
        break;
      }
      case Transport.Icmp: {
        cols.su[s * SlotI.STRIDE + SlotI.LAST_SEC] = sec;
        cols.si[s * SlotI.STRIDE + SlotI.LAST_USEC] = usec;
        let len = ipLen - meta.ipHdrLen - 8;
        if (ipLen === 0) len = meta.payloadLen;
        if (isOrig) {
          const r = cols.sf[s * SlotF.STRIDE + SlotF.REQ_LEN];
          cols.sf[s * SlotF.STRIDE + SlotF.REQ_LEN] = r < 0 ? len : r + len;
        } else {
          const r = cols.sf[s * SlotF.STRIDE + SlotF.REP_LEN];
          cols.sf[s * SlotF.STRIDE + SlotF.REP_LEN] = r < 0 ? len : r + len;
        }
        burst = true;
        if (meta.payloadLen > 0) conn.appPayload(isOrig, buf, meta.payloadOff, meta.payloadLen, ts);
        break;
      }
      default:
        cols.su[s * SlotI.STRIDE + SlotI.LAST_SEC] = sec;
        cols.si[s * SlotI.STRIDE + SlotI.LAST_USEC] = usec;
        burst = true;
        break;
    }
    // ConnSize sees ICMP packets only when the whole message was captured.
    if (transport !== Transport.Icmp || meta.payloadOff + meta.payloadLen >= meta.ipOff + ipLen) {
      if (isOrig) {
        cols.sf[s * SlotF.STRIDE + SlotF.ORIG_PKTS]++;
        cols.sf[s * SlotF.STRIDE + SlotF.ORIG_IP_BYTES] += ipLen;
      } else {
        cols.sf[s * SlotF.STRIDE + SlotF.RESP_PKTS]++;
        cols.sf[s * SlotF.STRIDE + SlotF.RESP_IP_BYTES] += ipLen;
      }
    }
    if (burst) {
      if (isOrig) conn.origPayloadAt(sec, usec, prevSec, prevUsec);
      else conn.respPayloadAt(sec, usec, prevSec, prevUsec);
    }
    // Packets only move the inactivity deadline later, so the heap entry is re-armed lazily
    // (when it fires); only a new connection or a newly armed TCP timer needs an entry now.
    const b = cols.si[s * SlotI.STRIDE + SlotI.BITS];
    if (arm || (b & BIT_TIMER_ARMED) !== 0) {
      cols.si[s * SlotI.STRIDE + SlotI.BITS] = b & ~BIT_TIMER_ARMED;
      this.arm(conn);
    }
  }

  /**
   * Fire every timer due at packet time `ts` (called by addPacket; call it directly to expire
   * flows during a quiet period).
   */
  advanceTime(ts: number): void {
    if (ts > this.now) this.now = ts;
    const now = this.now;
    const hT = this.heapT;
    while (hT.length > 0 && hT[0] <= now) {
      const t = hT[0];
      const s = this.heapC[0];
      this.heapPop();
      // A freed slot's deadline is NaN: its entries are stale.
      if (this.cols.sf[s * SlotF.STRIDE + SlotF.HEAP_DEADLINE] !== t) continue;
      const conn = this.view.bind(s);
      if (conn.removed) continue;
      conn.heapDeadline = Infinity;
      if (conn.lastTime + conn.inactivityTimeout <= now) {
        this.stats.expiredByTimeout++;
        this.remove(conn);
        continue;
      }
      if (conn.tcp !== null && conn.tcp.timersDue(now, conn.lastTime)) {
        this.stats.closedTcp++;
        this.remove(conn);
        continue;
      }
      this.arm(conn);
    }
  }

  /** End of input: emit every live connection with openAtEnd = true, oldest first. */
  flush(): void {
    while (this.flushSome(Infinity));
  }

  /**
   * End of input, in steps (so a writer can drain between them): emits up to `max` of the
   * live connections with openAtEnd = true, oldest first.
   * @returns true while connections remain to be flushed
   */
  flushSome(max: number): boolean {
    if (this.flushQueue === null) {
      this.flushQueue = this.liveByStart();
      this.flushPos = 0;
      this.heapT = [];
      this.heapC = [];
    }
    const q = this.flushQueue;
    let n = 0;
    while (this.flushPos < q.length && n < max) {
      const c = this.view.bind(q[this.flushPos++]);
      if (c.removed) continue;
      this.stats.flushedAtEnd++;
      this.remove(c, true);
      n++;
    }
    if (this.flushPos < q.length) return true;
    this.flushQueue = null;
    return false;
  }

  // ---- internals ----

  /**
   * The live slots ordered by start time, then creation. Connections are created in packet
   * order, so creation order is start order unless packets went back in time (overlapping
   * captures): sort creation numbers natively (serial * capacity + slot in a Float64Array),
   * check, and only when the check fails sort again with a comparator.
   */
  private liveByStart(): number[] {
    const { su, si, sf, capacity } = this.cols;
    const startSec = (s: number): number => su[s * SlotI.STRIDE + SlotI.START_SEC];
    const startUsec = (s: number): number => si[s * SlotI.STRIDE + SlotI.START_USEC];
    const serial = (s: number): number => sf[s * SlotF.STRIDE + SlotF.SERIAL];
    const idx = this.index;
    const keys = new Float64Array(this.indexCount);
    let n = 0;
    for (let i = 0; i < idx.length; i++) {
      const e = idx[i];
      if (e !== 0) keys[n++] = serial((e & ENTRY_SLOT) - 1) * capacity + ((e & ENTRY_SLOT) - 1);
    }
    keys.sort();
    const all: number[] = new Array(n);
    let ordered = true;
    for (let i = 0; i < n; i++) {
      const s = keys[i] % capacity;
      all[i] = s;
      if (i > 0) {
        const p = all[i - 1];
        if (startSec(s) < startSec(p) || (startSec(s) === startSec(p) && startUsec(s) < startUsec(p))) ordered = false;
      }
    }
    if (!ordered) all.sort((a, b) => startSec(a) - startSec(b) || startUsec(a) - startUsec(b) || serial(a) - serial(b));
    return all;
  }

  /**
   * Builds the canonical key into `words` and returns its hash. A small dispatcher (so that the
   * compiler inlines it into addPacket and prefetch) over the IPv4 and IPv6 builds.
   */
  private buildKey(
    buf: Uint8Array,
    srcOff: number,
    dstOff: number,
    alen: number,
    proto: number,
    sport: number,
    dport: number,
    oneWay: boolean,
  ): number {
    if (alen === 4) return this.buildKey4(buf, srcOff, dstOff, proto, sport, dport, oneWay);
    if (alen === 16) return this.buildKey16(buf, srcOff, dstOff, proto, sport, dport, oneWay);
    return this.buildKeyBytes(buf, srcOff, dstOff, alen, proto, sport, dport, oneWay);
  }

  /** buildKey for any address length, byte by byte through `scratch` (the reference layout). */
  private buildKeyBytes(
    buf: Uint8Array,
    srcOff: number,
    dstOff: number,
    alen: number,
    proto: number,
    sport: number,
    dport: number,
    oneWay: boolean,
  ): number {
    let srcFirst = oneWay;
    if (!oneWay) {
      let c = 0;
      for (let i = 0; i < alen; i++) {
        c = buf[srcOff + i] - buf[dstOff + i];
        if (c !== 0) break;
      }
      srcFirst = c < 0 || (c === 0 && sport <= dport);
      this.sidesEqual = c === 0 && sport === dport;
    } else {
      this.sidesEqual = false;
    }
    this.srcIsA = srcFirst;
    const k = this.scratch;
    k[0] = proto;
    k[1] = alen;
    let o = 2;
    const aOff = srcFirst ? srcOff : dstOff;
    const bOff = srcFirst ? dstOff : srcOff;
    const pa = srcFirst ? sport : dport;
    const pb = srcFirst ? dport : sport;
    for (let i = 0; i < alen; i++) k[o++] = buf[aOff + i];
    k[o++] = pa >>> 8;
    k[o++] = pa & 0xff;
    for (let i = 0; i < alen; i++) k[o++] = buf[bOff + i];
    k[o++] = pb >>> 8;
    k[o++] = pb & 0xff;
    this.keyLen = o;
    while (o < 40) k[o++] = 0;
    const w = this.words;
    let h = 0x811c9dc5;
    for (let i = 0; i < 10; i++) {
      const j = i << 2;
      const v = (k[j] << 24) | (k[j + 1] << 16) | (k[j + 2] << 8) | k[j + 3];
      w[i] = v;
      if (j < this.keyLen) h = Math.imul(h ^ v, 0x01000193);
    }
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    // 30 bits: always a small integer (Smi) for V8, so the Map hashes it fast.
    return h & 0x3fffffff;
  }

  /** buildKey for IPv4: the same key words, computed without the byte scratch. */
  private buildKey4(
    buf: Uint8Array,
    srcOff: number,
    dstOff: number,
    proto: number,
    sport: number,
    dport: number,
    oneWay: boolean,
  ): number {
    const src = ((buf[srcOff] << 24) | (buf[srcOff + 1] << 16) | (buf[srcOff + 2] << 8) | buf[srcOff + 3]) >>> 0;
    const dst = ((buf[dstOff] << 24) | (buf[dstOff + 1] << 16) | (buf[dstOff + 2] << 8) | buf[dstOff + 3]) >>> 0;
    let srcFirst = oneWay;
    if (!oneWay) {
      srcFirst = src < dst || (src === dst && sport <= dport);
      this.sidesEqual = src === dst && sport === dport;
    } else {
      this.sidesEqual = false;
    }
    this.srcIsA = srcFirst;
    const a = srcFirst ? src : dst;
    const b = srcFirst ? dst : src;
    const pa = srcFirst ? sport : dport;
    const pb = srcFirst ? dport : sport;
    // bytes: proto alen a0 a1 | a2 a3 pa pa | b0 b1 b2 b3 | pb pb 0 0
    const w0 = (proto << 24) | (4 << 16) | (a >>> 16);
    const w1 = ((a & 0xffff) << 16) | pa;
    const w2 = b | 0;
    const w3 = pb << 16;
    const w = this.words;
    w[0] = w0;
    w[1] = w1;
    w[2] = w2;
    w[3] = w3;
    w[4] = 0;
    w[5] = 0;
    w[6] = 0;
    w[7] = 0;
    w[8] = 0;
    w[9] = 0;
    this.keyLen = 14;
    let h = 0x811c9dc5;
    h = Math.imul(h ^ w0, 0x01000193);
    h = Math.imul(h ^ w1, 0x01000193);
    h = Math.imul(h ^ w2, 0x01000193);
    h = Math.imul(h ^ w3, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & 0x3fffffff;
  }

  /**
   * buildKey for IPv6: the same key words and hash, computed from the addresses as big-endian
   * 32-bit words without the byte scratch (the byte loop cost about 0.3 s of CPU on the 2 GB
   * benchmark capture, with the lookahead hashing every hinted packet too).
   */
  private buildKey16(
    buf: Uint8Array,
    srcOff: number,
    dstOff: number,
    proto: number,
    sport: number,
    dport: number,
    oneWay: boolean,
  ): number {
    const s0 = be32(buf, srcOff);
    const s1 = be32(buf, srcOff + 4);
    const s2 = be32(buf, srcOff + 8);
    const s3 = be32(buf, srcOff + 12);
    const d0 = be32(buf, dstOff);
    const d1 = be32(buf, dstOff + 4);
    const d2 = be32(buf, dstOff + 8);
    const d3 = be32(buf, dstOff + 12);
    let srcFirst = oneWay;
    if (!oneWay) {
      // Byte order of the addresses = order of their unsigned big-endian words.
      const c =
        s0 !== d0 ? s0 - d0 : s1 !== d1 ? s1 - d1 : s2 !== d2 ? s2 - d2 : s3 - d3;
      srcFirst = c < 0 || (c === 0 && sport <= dport);
      this.sidesEqual = c === 0 && sport === dport;
    } else {
      this.sidesEqual = false;
    }
    this.srcIsA = srcFirst;
    const a0 = srcFirst ? s0 : d0;
    const a1 = srcFirst ? s1 : d1;
    const a2 = srcFirst ? s2 : d2;
    const a3 = srcFirst ? s3 : d3;
    const pa = srcFirst ? sport : dport;
    const pb = srcFirst ? dport : sport;
    // bytes: proto alen a0 a1 | a2..a5 | a6..a9 | a10..a13 | a14 a15 pa pa | b0..b15 | pb pb 0 0
    const w = this.words;
    const w0 = (proto << 24) | (16 << 16) | (a0 >>> 16);
    const w1 = ((a0 & 0xffff) << 16) | (a1 >>> 16);
    const w2 = ((a1 & 0xffff) << 16) | (a2 >>> 16);
    const w3 = ((a2 & 0xffff) << 16) | (a3 >>> 16);
    const w4 = ((a3 & 0xffff) << 16) | pa;
    const w5 = (srcFirst ? d0 : s0) | 0;
    const w6 = (srcFirst ? d1 : s1) | 0;
    const w7 = (srcFirst ? d2 : s2) | 0;
    const w8 = (srcFirst ? d3 : s3) | 0;
    const w9 = pb << 16;
    w[0] = w0;
    w[1] = w1;
    w[2] = w2;
    w[3] = w3;
    w[4] = w4;
    w[5] = w5;
    w[6] = w6;
    w[7] = w7;
    w[8] = w8;
    w[9] = w9;
    this.keyLen = 38;
    // The 38 key bytes reach into the tenth word: all ten are hashed.
    let h = 0x811c9dc5;
    h = Math.imul(h ^ w0, 0x01000193);
    h = Math.imul(h ^ w1, 0x01000193);
    h = Math.imul(h ^ w2, 0x01000193);
    h = Math.imul(h ^ w3, 0x01000193);
    h = Math.imul(h ^ w4, 0x01000193);
    h = Math.imul(h ^ w5, 0x01000193);
    h = Math.imul(h ^ w6, 0x01000193);
    h = Math.imul(h ^ w7, 0x01000193);
    h = Math.imul(h ^ w8, 0x01000193);
    h = Math.imul(h ^ w9, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & 0x3fffffff;
  }

  /** The slot of the connection whose key is in `words`, or -1. */
  private lookup(hash: number): number {
    const idx = this.index;
    const mask = this.indexMask;
    const keys = this.cols.si;
    const w = this.words;
    const tag = entryTag(hash);
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const e = idx[i];
      if (e === 0) return -1;
      if (((e ^ tag) & ENTRY_TAG) !== 0) continue;
      const s = (e & ENTRY_SLOT) - 1;
      // The hash sits in the same cache line as the key and the per-packet state.
      const r = s * SlotI.STRIDE;
      if (keys[r + SlotI.HASH] !== hash) continue;
      const k = r + SlotI.KEY;
      if (keys[k] === w[0] && keys[k + 1] === w[1] && keys[k + 2] === w[2] && keys[k + 3] === w[3]) {
        // Equal first words mean equal address lengths: an IPv4 key ends here.
        if (((w[0] >>> 16) & 0xff) === 4) return s;
        if (
          keys[k + 4] === w[4] &&
          keys[k + 5] === w[5] &&
          keys[k + 6] === w[6] &&
          keys[k + 7] === w[7] &&
          keys[k + 8] === w[8] &&
          keys[k + 9] === w[9]
        ) {
          return s;
        }
      }
    }
  }

  /** Files slot `s` (whose hash is `hash`) in the index, growing it to stay at most half full. */
  private indexInsert(s: number, hash: number): void {
    if ((this.indexCount + 1) * 2 > this.index.length) this.indexResize(this.index.length * 2);
    const idx = this.index;
    const mask = this.indexMask;
    let i = hash & mask;
    while (idx[i] !== 0) i = (i + 1) & mask;
    idx[i] = (s + 1) | entryTag(hash);
    this.indexCount++;
  }

  private indexResize(size: number): void {
    const old = this.index;
    const idx = new Int32Array(size);
    const mask = size - 1;
    const si = this.cols.si;
    for (let j = 0; j < old.length; j++) {
      const e = old[j];
      if (e === 0) continue;
      let i = si[((e & ENTRY_SLOT) - 1) * SlotI.STRIDE + SlotI.HASH] & mask;
      while (idx[i] !== 0) i = (i + 1) & mask;
      idx[i] = e;
    }
    this.index = idx;
    this.indexMask = mask;
  }

  /** Takes slot `s` out of the index (backward-shift deletion keeps every probe chain whole). */
  private indexRemove(s: number, hash: number): void {
    const idx = this.index;
    const mask = this.indexMask;
    const si = this.cols.si;
    let i = hash & mask;
    while ((idx[i] & ENTRY_SLOT) !== s + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = idx[j];
      if (e === 0) break;
      const home = si[((e & ENTRY_SLOT) - 1) * SlotI.STRIDE + SlotI.HASH] & mask;
      // Entry at j may move to the hole at i unless its home lies cyclically in (i, j].
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      idx[i] = e;
      i = j;
    }
    idx[i] = 0;
    this.indexCount--;
  }

  private newConn(meta: PacketMeta, ts: number, hash: number, transport: Transport, sport: number, dport: number): Conn {
    if (this.stats.live >= this.maxFlows) this.expireOldest();
    const buf = meta.buf;
    const alen = meta.addrLen;
    const dstOff = meta.dstOff;
    const timeout =
      transport === Transport.Icmp
        ? this.icmpTimeout
        : transport === Transport.Unknown
          ? UNKNOWN_IP_INACTIVITY_TIMEOUT
          : this.udpTimeout; // TCP starts with the UDP timeout until its handshake is over (as Zeek)
    const slot = this.cols.alloc();
    // The cap above keeps a slot free; running out would be a bug in the table, not bad input.
    if (slot < 0) throw new Error(`flow table: no free slot with ${this.stats.live} live connections`);
    const conn = this.view.bind(slot);
    conn.init(this.words, hash, this.srcIsA, this.sidesEqual, sport, dport, this.ctx.sec, this.ctx.usec, timeout);
    if (transport === Transport.Tcp) conn.initTcp();
    this.cols.sf[slot * SlotF.STRIDE + SlotF.SERIAL] = this.serial++;
    conn.setVlans(meta.vlan, meta.innerVlan);
    conn.source = meta.fileIndex;

    // Zeek's WantConnection: guess the originator from well-known server ports.
    let flip = false;
    if (transport === Transport.Tcp) {
      const f = meta.tcpFlags;
      if (!(f & SYN) || f & ACK) {
        if (isLikelyTcpServerPort(sport)) {
          if (isLikelyTcpServerPort(dport)) flip = !(f & SYN) && sport < dport;
          else flip = true;
        }
      }
    } else if (transport === Transport.Udp) {
      flip = isLikelyUdpServerPort(sport) && !isLikelyUdpServerPort(dport);
    }
    if (flip && !(alen === 4 && buf[dstOff] === 255 && buf[dstOff + 1] === 255 && buf[dstOff + 2] === 255 && buf[dstOff + 3] === 255)) {
      conn.flipRoles();
    }

    if (meta.tunnel !== 0) conn.tunnelParent = this.tunnelUid(meta, ts);

    // The app analyzer is made on first use (Conn.app): most connections of a busy capture never
    // carry payload, and those then hold no analyzer, id object or strings while they live.
    if (this.appFactory !== undefined) {
      this.cols.si[slot * SlotI.STRIDE + SlotI.BITS] |= BIT_APP_PENDING | (transport === Transport.Tcp && !(meta.tcpFlags & SYN) ? BIT_APP_MIDSTREAM : 0);
    }

    this.indexInsert(slot, hash);
    this.stats.live++;
    if (this.stats.live > this.stats.livePeak) this.stats.livePeak = this.stats.live;
    return conn;
  }

  private tunnelUid(meta: PacketMeta, ts: number): string {
    const a = ipToString(meta.buf, meta.outerSrcOff, meta.outerAddrLen);
    const b = ipToString(meta.buf, meta.outerDstOff, meta.outerAddrLen);
    const k = (a < b ? a + ' ' + b : b + ' ' + a) + ' ' + meta.tunnel;
    let uid = this.tunnels.get(k);
    if (uid === undefined) {
      const seed = Buffer.from(k + ' ' + ts);
      uid = makeUid('C', seed);
      if (this.tunnels.size >= MAX_TUNNELS) {
        this.anomalies.add('tunnel_table_cap');
      } else {
        this.tunnels.set(k, uid);
      }
    }
    return uid;
  }

  private expireOldest(): void {
    while (this.heapT.length > 0) {
      const t = this.heapT[0];
      const s = this.heapC[0];
      this.heapPop();
      if (this.cols.sf[s * SlotF.STRIDE + SlotF.HEAP_DEADLINE] !== t) continue;
      const c = this.view.bind(s);
      if (c.removed) continue;
      // Entries are re-armed lazily: one behind its connection's real deadline moves there first.
      c.heapDeadline = Infinity;
      const d = this.deadline(c);
      if (d > t) {
        c.heapDeadline = d;
        this.heapPush(d, s);
        continue;
      }
      this.stats.earlyExpired++;
      this.anomalies.add('flow_table_cap');
      this.remove(c);
      return;
    }
  }

  /** The connection's next deadline: inactivity, or an earlier TCP timer. */
  private deadline(conn: Conn): number {
    let d = conn.lastTime + conn.inactivityTimeout;
    if (conn.tcp !== null) {
      const t = conn.tcp.nextTimer();
      if (t < d) d = t;
    }
    return d;
  }

  /** Make sure the connection has a heap entry at or before its next deadline. */
  private arm(conn: Conn): void {
    const d = this.deadline(conn);
    if (d < conn.heapDeadline) {
      conn.heapDeadline = d;
      this.heapPush(d, conn.i);
    }
  }

  /** Emits the connection the view is bound to and frees its slot. */
  private remove(conn: Conn, openAtEnd = false): void {
    if (conn.removed) return;
    conn.removed = true;
    const s = conn.i;
    this.indexRemove(s, conn.hash);
    this.stats.live--;
    this.stats.flowsEmitted++;
    const rec = this.toRecord(conn, openAtEnd);
    const app = conn.app;
    this.cols.free(s);
    if (app !== null) app.end(rec);
    this.emitFn(rec);
  }

  /** Connection uid (connUid) from the key words and first packet time of the bound connection. */
  private uidOf(conn: Conn): string {
    const w = this.uidWords;
    for (let j = 0; j < KEY_WORDS; j++) w[j] = conn.keyWord(j);
    return connUid(w, conn.addrLen === 4 ? 4 : KEY_WORDS, conn.startTime);
  }

  private toRecord(conn: Conn, openAtEnd: boolean): ConnRecord {
    const alen = conn.addrLen;
    // Scratch address arrays of the exact length (communityIdV1 reads the length): nothing allocated.
    const origAddr = alen === 4 ? this.origAddr4 : this.origAddr16;
    const respAddr = alen === 4 ? this.respAddr4 : this.respAddr16;
    conn.writeAddresses(origAddr, respAddr);
    const duration = conn.lastTime - conn.startTime;
    let origSize: number;
    let respSize: number;
    let connState: string;
    const tcp = conn.tcp;
    if (tcp !== null) {
      origSize = tcp.orig.size();
      respSize = tcp.resp.size();
      connState = tcpConnState(tcp.orig, tcp.resp, conn.history);
    } else if (conn.transport === Transport.Unknown) {
      origSize = 0;
      respSize = 0;
      connState = 'OTH';
    } else {
      origSize = conn.reqLen < 0 ? 0 : conn.reqLen;
      respSize = conn.repLen < 0 ? 0 : conn.repLen;
      if (conn.transport === Transport.Udp) {
        if (conn.reqLen >= 0) connState = conn.repLen >= 0 ? 'SF' : 'S0';
        else connState = conn.repLen >= 0 ? 'SHR' : 'OTH';
      } else {
        connState = 'OTH';
      }
    }
    const hasDuration = duration > 0;
    const rec: ConnRecord = {
      ts: conn.startTime,
      uid: this.uidOf(conn),
      origH: addrText(origAddr, 0, alen),
      origP: conn.origPort,
      respH: addrText(respAddr, 0, alen),
      respP: conn.respPort,
      proto: PROTO_NAMES[conn.transport],
      service: null,
      duration: hasDuration ? duration : null,
      origBytes: hasDuration ? origSize : null,
      respBytes: hasDuration ? respSize : null,
      connState,
      localOrig: isLocalAddr(origAddr, 0, alen),
      localResp: isLocalAddr(respAddr, 0, alen),
      missedBytes: conn.missedBytes,
      history: conn.history === '' ? null : conn.history,
      origPkts: conn.origPkts,
      origIpBytes: conn.origIpBytes,
      respPkts: conn.respPkts,
      respIpBytes: conn.respIpBytes,
      tunnelParents: conn.tunnelParent === null ? [] : [conn.tunnelParent],
      vlan: conn.vlan >= 0 ? conn.vlan : null,
      innerVlan: conn.innerVlan >= 0 ? conn.innerVlan : null,
      communityId: communityIdV1(origAddr, respAddr, conn.ipProto, conn.origPort, conn.respPort),
      ipProto: conn.ipProto,
      openAtEnd,
      source: conn.source,
      // Filled by the app analyzer's end(); declared here so that every record has one shape
      // (properties added later would change its hidden class and live outside the object).
      portMismatch: undefined,
      origPayloadEntropy: undefined,
    };
    if (conn.bursts !== null) {
      rec.origBursts = conn.bursts;
      rec.origBurstCount = conn.burstCount;
    }
    const respBursts = conn.respBurstCount;
    if (respBursts >= 2) rec.respBurstCount = respBursts;
    return rec;
  }

  private heapPush(t: number, c: number): void {
    const hT = this.heapT;
    const hC = this.heapC;
    let i = hT.length;
    hT.push(t);
    hC.push(c);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (hT[p] <= t) break;
      hT[i] = hT[p];
      hC[i] = hC[p];
      i = p;
    }
    hT[i] = t;
    hC[i] = c;
  }

  private heapPop(): void {
    const hT = this.heapT;
    const hC = this.heapC;
    const lastT = hT.pop()!;
    const lastC = hC.pop()!;
    const n = hT.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && hT[r] < hT[l] ? r : l;
      if (hT[m] >= lastT) break;
      hT[i] = hT[m];
      hC[i] = hC[m];
      i = m;
    }
    hT[i] = lastT;
    hC[i] = lastC;
  }
}

/** Zeek's conn_state() for TCP (scripts/base/protocols/conn/main.zeek). */
export function tcpConnState(o: TcpEndpoint, r: TcpEndpoint, history: string): string {
  const os = o.state;
  const rs = r.state;
  const oInactive = os === TcpState.Inactive || os === TcpState.Partial;
  const rInactive = rs === TcpState.Inactive || rs === TcpState.Partial;
  if (rs === TcpState.Reset) {
    if (
      os === TcpState.SynSent ||
      os === TcpState.SynAckSent ||
      (os === TcpState.Reset && o.size() === 0 && r.size() === 0)
    ) {
      return 'REJ';
    }
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === TcpState.Reset) {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === TcpState.Closed && os === TcpState.Closed) return 'SF';
  if (os === TcpState.Closed) return rInactive ? 'SH' : 'S2';
  if (rs === TcpState.Closed) return oInactive ? 'SHR' : 'S3';
  if (os === TcpState.SynSent && rs === TcpState.Inactive) return 'S0';
  if (os === TcpState.Established && rs === TcpState.Established) return 'S1';
  return 'OTH';
}

