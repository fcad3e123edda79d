/**
 * Per (originator, responder) state over the whole input: totals, the stored callbacks
 * (beats) for interval analysis, failed attempts, durations and clear-text volumes.
 * Records may arrive in any time order; analysis happens in finish().
 *
 * Memory: one PairState per pair (capped by caps.maxPairs); beats per pair capped by
 * caps.maxBeatsPerPair (RITA keeps at most 86400 timestamps per pair). Once a cap is hit the
 * totals keep counting, the dropped callbacks are counted in `beatsDropped`, and an
 * anomaly is counted.
 */
import type { ConnRecord, Transport } from '../core/records.js';
import type { Direction } from '../core/finding.js';
import { NO_INFO, type UidJoinOwner } from './uid-join.js';

/** Zeek conn states of TCP attempts that never carried data both ways. */
const FAILED_TCP_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH', 'SH', 'SHR']);

/** True when a TCP connection attempt failed (never a beat; UDP/ICMP datagrams are beats). */
export function isFailedAttempt(r: ConnRecord): boolean {
  if (r.proto !== 'tcp') return false;
  if (r.connState !== null && FAILED_TCP_STATES.has(r.connState)) return true;
  return (r.origBytes ?? 0) === 0 && (r.respBytes ?? 0) === 0 && r.respPkts === 0;
}

/** Share of a connection's bytes that may be missing before its content counts as unseen. */
export const MAX_MISSED_SHARE = 0.2;

/**
 * True when the analyzer saw the connection's content: for TCP the handshake is in the
 * history (`S` and `h`: not picked up midstream) and at most MAX_MISSED_SHARE of the bytes
 * are missing. When Zeek names no service for such a connection, the protocol really is
 * unknown; otherwise it may just be packet loss or a midstream pickup.
 */
export function contentSeen(r: ConnRecord): boolean {
  const total = (r.origBytes ?? 0) + (r.respBytes ?? 0);
  if (r.missedBytes > MAX_MISSED_SHARE * total) return false;
  if (r.proto === 'tcp' && r.history !== null && !(r.history.includes('S') && r.history.includes('h'))) return false;
  return true;
}

/** Transport code used in numeric port keys: tcp 0, udp 1, icmp 2, anything else 3. */
export function protoCode(p: Transport): number {
  return p === 'tcp' ? 0 : p === 'udp' ? 1 : p === 'icmp' ? 2 : 3;
}
export const PROTO_NAME: readonly Transport[] = ['tcp', 'udp', 'icmp', 'unknown_transport'];

/** Small bounded counter map (keys beyond `cap` are counted under an overflow total). */
export class SmallCounter<K> {
  readonly m = new Map<K, number>();
  overflow = 0;
  constructor(private readonly cap: number) {}
  add(k: K, n = 1): void {
    const v = this.m.get(k);
    if (v !== undefined) this.m.set(k, v + n);
    else if (this.m.size < this.cap) this.m.set(k, n);
    else this.overflow += n;
  }
  /** Most frequent key (ties: first inserted), undefined when empty. */
  top(): K | undefined {
    let best: K | undefined;
    let bc = -1;
    for (const [k, v] of this.m) if (v > bc) {
      best = k;
      bc = v;
    }
    return best;
  }
  keys(): K[] {
    return [...this.m.keys()];
  }
}

/**
 * Counter for keys that are nearly always one per pair (the port, the service): the first
 * key lives in two fields, a Map is made only when a second key shows up. Keeps a PairState
 * small, since a busy day holds hundreds of thousands of them.
 */
export class TopCounter<K> {
  private k0: K | undefined = undefined;
  private c0 = 0;
  private more: SmallCounter<K> | null = null;
  constructor(private readonly cap: number) {}
  add(k: K, n = 1): void {
    if (this.c0 === 0 || this.k0 === k) {
      this.k0 = k;
      this.c0 += n;
      return;
    }
    (this.more ??= new SmallCounter<K>(this.cap - 1)).add(k, n);
  }
  top(): K | undefined {
    if (!this.more) return this.k0;
    const t = this.more.top();
    return t !== undefined && (this.more.m.get(t) ?? 0) > this.c0 ? t : this.k0;
  }
  /** [key, count] pairs, first key first. */
  entries(): [K, number][] {
    const out: [K, number][] = [];
    if (this.c0 > 0) out.push([this.k0 as K, this.c0]);
    if (this.more) for (const e of this.more.m) out.push(e);
    return out;
  }
  /** Keys in insertion order. */
  keys(): K[] {
    const out: K[] = [];
    if (this.c0 > 0) out.push(this.k0 as K);
    if (this.more) for (const k of this.more.m.keys()) out.push(k);
    return out;
  }
}

/** Numbers per stored beat after the first: start time, sent, received, name ref, uid hash. */
const BEAT_WIDTH = 5;

/** Pairs per column chunk: columns grow a chunk at a time, so at most one chunk is slack. */
const PAIR_CHUNK = 4096;

// Double columns of a pair (offsets in PairChunk.f).
const F_ORIG_BYTES = 0;
const F_RESP_BYTES = 1;
const F_FIRST = 2;
const F_LAST = 3;
const F_TS0 = 4;
const F_SENT0 = 5;
const F_RECV0 = 6;
const F_SUM_DUR = 7;
const F_MAX_DUR = 8;
const F_MAX_DUR_TS = 9;
const F_MAX_DUR_ORIG = 10;
const F_MAX_DUR_RESP = 11;
const NF = 12;
// 32-bit integer columns (offsets in PairChunk.n).
const I_SOURCES = 0;
const I_CONNS = 1;
const I_FAILED = 2;
const I_REF0 = 3;
const I_HASH0 = 4;
const I_BEATS_DROPPED = 5;
const I_FAILED_DROPPED = 6;
const I_MAX_DUR_REF = 7;
const I_MAX_DUR_OPEN = 8;
const I_MAX_DUR_PORT_PROTO = 9;
const I_OPEN_AT_END = 10;
const I_LONG_CONNS = 11;
const I_PORT0 = 12;
const I_PORT_C0 = 13;
const I_SVC_C0 = 14;
const NI = 15;
// String columns (offsets in PairChunk.s).
const S_MAX_DUR_UID = 0;
const S_MAX_DUR_CID = 1;
const S_SVC0 = 2;
const NS = 3;

/**
 * Numbers and strings of PAIR_CHUNK pairs, one row per pair: typed arrays hold the numbers
 * unboxed (a double in an object field is a separate heap number in V8) and are not traced
 * by the garbage collector.
 */
class PairChunk {
  readonly f = new Float64Array(PAIR_CHUNK * NF);
  readonly n = new Int32Array(PAIR_CHUNK * NI);
  readonly s: (string | null)[] = [];
  used = 0;
}

/** Where PairStates keep their columns (one per engine). */
export class PairColumns {
  private chunk: PairChunk | null = null;

  /** A new pair's state, its row initialised. */
  create(src: string, dst: string, dir: Direction): PairState {
    let k = this.chunk;
    if (k === null || k.used === PAIR_CHUNK) this.chunk = k = new PairChunk();
    const i = k.used++;
    k.f[i * NF + F_FIRST] = Infinity;
    k.f[i * NF + F_LAST] = -Infinity;
    k.n[i * NI + I_REF0] = NO_INFO;
    k.n[i * NI + I_MAX_DUR_REF] = NO_INFO;
    k.s.push('', null, null);
    return new PairState(src, dst, dir, k, i);
  }
}

/** Read-only view of a pair's port or service counts (first key in the pair's row). */
export interface TopCounts<K> {
  top(): K | undefined;
  /** [key, count] pairs, first key first. */
  entries(): [K, number][];
}

/**
 * One (originator, responder) pair. Scalars live in the engine's PairColumns (the
 * accessors below); the object holds the addresses, the direction and the beat arrays.
 */
export class PairState implements UidJoinOwner {
  /**
   * Successful connections after the first, five numbers each: start time, bytes sent,
   * bytes received, name ref (uid-join.ts) and uid hash. One array of doubles per pair (V8
   * keeps them unboxed, 8 bytes a number, with a few dozen bytes of header where a typed
   * array costs hundreds), made as a literal of exactly one beat on the second connection:
   * a pair with two connections costs 88 bytes here, where two arrays grown by push() cost
   * about 380 (push() reserves 17 slots). The first beat lives in the pair's row, so pairs
   * with one connection or only failed attempts carry no array.
   */
  private beats: number[] | null = null;
  private n = 0;
  /** Failed attempts: start times (made on the first one, as a literal of one). */
  fTs: number[] | null = null;
  /** Ports (port * 4 + PROTO_CODE) and services after the first one (made on the second). */
  private portsMore: SmallCounter<number> | null = null;
  private svcMore: SmallCounter<string> | null = null;
  private readonly fo: number;
  private readonly io: number;
  private readonly so: number;

  constructor(
    readonly src: string,
    readonly dst: string,
    readonly dir: Direction,
    private readonly k: PairChunk,
    i: number,
  ) {
    this.fo = i * NF;
    this.io = i * NI;
    this.so = i * NS;
  }

  get sources(): number {
    return this.k.n[this.io + I_SOURCES];
  }
  set sources(v: number) {
    this.k.n[this.io + I_SOURCES] = v;
  }
  get conns(): number {
    return this.k.n[this.io + I_CONNS];
  }
  set conns(v: number) {
    this.k.n[this.io + I_CONNS] = v;
  }
  get failed(): number {
    return this.k.n[this.io + I_FAILED];
  }
  set failed(v: number) {
    this.k.n[this.io + I_FAILED] = v;
  }
  get origBytes(): number {
    return this.k.f[this.fo + F_ORIG_BYTES];
  }
  set origBytes(v: number) {
    this.k.f[this.fo + F_ORIG_BYTES] = v;
  }
  get respBytes(): number {
    return this.k.f[this.fo + F_RESP_BYTES];
  }
  set respBytes(v: number) {
    this.k.f[this.fo + F_RESP_BYTES] = v;
  }
  get first(): number {
    return this.k.f[this.fo + F_FIRST];
  }
  set first(v: number) {
    this.k.f[this.fo + F_FIRST] = v;
  }
  get last(): number {
    return this.k.f[this.fo + F_LAST];
  }
  set last(v: number) {
    this.k.f[this.fo + F_LAST] = v;
  }
  get beatsDropped(): number {
    return this.k.n[this.io + I_BEATS_DROPPED];
  }
  set beatsDropped(v: number) {
    this.k.n[this.io + I_BEATS_DROPPED] = v;
  }
  get failedDropped(): number {
    return this.k.n[this.io + I_FAILED_DROPPED];
  }
  set failedDropped(v: number) {
    this.k.n[this.io + I_FAILED_DROPPED] = v;
  }
  // Long connections.
  get sumDuration(): number {
    return this.k.f[this.fo + F_SUM_DUR];
  }
  set sumDuration(v: number) {
    this.k.f[this.fo + F_SUM_DUR] = v;
  }
  get maxDuration(): number {
    return this.k.f[this.fo + F_MAX_DUR];
  }
  set maxDuration(v: number) {
    this.k.f[this.fo + F_MAX_DUR] = v;
  }
  get maxDurTs(): number {
    return this.k.f[this.fo + F_MAX_DUR_TS];
  }
  set maxDurTs(v: number) {
    this.k.f[this.fo + F_MAX_DUR_TS] = v;
  }
  get maxDurUid(): string {
    return this.k.s[this.so + S_MAX_DUR_UID] ?? '';
  }
  set maxDurUid(v: string) {
    this.k.s[this.so + S_MAX_DUR_UID] = v;
  }
  /** Name ref of the longest connection (uid-join.ts). */
  get maxDurRef(): number {
    return this.k.n[this.io + I_MAX_DUR_REF];
  }
  set maxDurRef(v: number) {
    this.k.n[this.io + I_MAX_DUR_REF] = v;
  }
  get maxDurCommunityId(): string | null {
    return this.k.s[this.so + S_MAX_DUR_CID];
  }
  set maxDurCommunityId(v: string | null) {
    this.k.s[this.so + S_MAX_DUR_CID] = v;
  }
  get maxDurOpen(): boolean {
    return this.k.n[this.io + I_MAX_DUR_OPEN] === 1;
  }
  set maxDurOpen(v: boolean) {
    this.k.n[this.io + I_MAX_DUR_OPEN] = v ? 1 : 0;
  }
  get maxDurPortProto(): number {
    return this.k.n[this.io + I_MAX_DUR_PORT_PROTO];
  }
  set maxDurPortProto(v: number) {
    this.k.n[this.io + I_MAX_DUR_PORT_PROTO] = v;
  }
  get maxDurOrig(): number {
    return this.k.f[this.fo + F_MAX_DUR_ORIG];
  }
  set maxDurOrig(v: number) {
    this.k.f[this.fo + F_MAX_DUR_ORIG] = v;
  }
  get maxDurResp(): number {
    return this.k.f[this.fo + F_MAX_DUR_RESP];
  }
  set maxDurResp(v: number) {
    this.k.f[this.fo + F_MAX_DUR_RESP] = v;
  }
  get openAtEnd(): number {
    return this.k.n[this.io + I_OPEN_AT_END];
  }
  set openAtEnd(v: number) {
    this.k.n[this.io + I_OPEN_AT_END] = v;
  }
  get longConns(): number {
    return this.k.n[this.io + I_LONG_CONNS];
  }
  set longConns(v: number) {
    this.k.n[this.io + I_LONG_CONNS] = v;
  }

  /** Count a port key (port * 4 + PROTO_CODE); at most 32 distinct keys per pair. */
  addPort(key: number): void {
    const n = this.k.n;
    const io = this.io;
    if (n[io + I_PORT_C0] === 0 || n[io + I_PORT0] === key) {
      n[io + I_PORT0] = key;
      n[io + I_PORT_C0]++;
      return;
    }
    (this.portsMore ??= new SmallCounter<number>(31)).add(key);
  }
  /** Count a service (Zeek's service field); at most 8 distinct values per pair. */
  addService(svc: string): void {
    const io = this.io;
    const n = this.k.n;
    if (n[io + I_SVC_C0] === 0 || this.k.s[this.so + S_SVC0] === svc) {
      this.k.s[this.so + S_SVC0] = svc;
      n[io + I_SVC_C0]++;
      return;
    }
    (this.svcMore ??= new SmallCounter<string>(7)).add(svc);
  }
  /** Add this pair's port and service counts to a group's counters (first keys first, as entries()). */
  addCountsTo(ports: SmallCounter<number>, services: SmallCounter<string>): void {
    const n = this.k.n;
    const io = this.io;
    if (n[io + I_PORT_C0] > 0) ports.add(n[io + I_PORT0], n[io + I_PORT_C0]);
    if (this.portsMore) for (const [k, c] of this.portsMore.m) ports.add(k, c);
    if (n[io + I_SVC_C0] > 0) services.add(this.k.s[this.so + S_SVC0] ?? '', n[io + I_SVC_C0]);
    if (this.svcMore) for (const [k, c] of this.svcMore.m) services.add(k, c);
  }
  /** Port keys (port * 4 + PROTO_CODE) and their counts. */
  get ports(): TopCounts<number> {
    return topCounts(this.k.n[this.io + I_PORT0], this.k.n[this.io + I_PORT_C0], this.portsMore);
  }
  /** Services and their counts. */
  get services(): TopCounts<string> {
    return topCounts(this.k.s[this.so + S_SVC0] ?? '', this.k.n[this.io + I_SVC_C0], this.svcMore);
  }

  get beatCount(): number {
    return this.n;
  }
  get failedCount(): number {
    return this.fTs === null ? 0 : this.fTs.length;
  }
  /**
   * Store a beat.
   * @param ref its name ref (uid-join.ts), NO_INFO when none yet
   * @param hash uidHash() of its uid
   * @returns the beat's index
   */
  addBeat(ts: number, sent: number, received: number, ref: number, hash: number): number {
    if (this.n === 0) {
      const f = this.k.f;
      f[this.fo + F_TS0] = ts;
      f[this.fo + F_SENT0] = sent;
      f[this.fo + F_RECV0] = received;
      this.k.n[this.io + I_REF0] = ref;
      this.k.n[this.io + I_HASH0] = hash;
    } else if (this.beats === null) {
      this.beats = [ts, sent, received, ref, hash];
    } else {
      this.beats.push(ts, sent, received, ref, hash);
    }
    return this.n++;
  }
  addFailed(ts: number): void {
    if (this.fTs === null) this.fTs = [ts];
    else this.fTs.push(ts);
  }
  beatTs(i: number): number {
    return i === 0 ? this.k.f[this.fo + F_TS0] : this.beats![BEAT_WIDTH * (i - 1)];
  }
  beatSent(i: number): number {
    return i === 0 ? this.k.f[this.fo + F_SENT0] : this.beats![BEAT_WIDTH * (i - 1) + 1];
  }
  beatReceived(i: number): number {
    return i === 0 ? this.k.f[this.fo + F_RECV0] : this.beats![BEAT_WIDTH * (i - 1) + 2];
  }
  /** Name ref of beat i (uid-join.ts). */
  beatRef(i: number): number {
    return i === 0 ? this.k.n[this.io + I_REF0] : this.beats![BEAT_WIDTH * (i - 1) + 3];
  }
  /**
   * True when a stored beat has this uid hash (uidHash(); used only for the few open
   * connections: a false match needs two uids of one pair to share 30 bits of hash).
   */
  hasBeatHash(hash: number): boolean {
    if (this.n === 0) return false;
    if (this.k.n[this.io + I_HASH0] === hash) return true;
    const b = this.beats;
    if (b !== null) for (let i = 4; i < b.length; i += BEAT_WIDTH) if (b[i] === hash) return true;
    return false;
  }
  uidRefChanged(beat: number, uid: string, ref: number): void {
    if (beat === 0) this.k.n[this.io + I_REF0] = ref;
    else if (beat > 0) this.beats![BEAT_WIDTH * (beat - 1) + 3] = ref;
    if (uid === this.maxDurUid) this.maxDurRef = ref;
  }
}

/** TopCounts over a first key and count and the counter of the others (TopCounter's rules). */
function topCounts<K>(k0: K, c0: number, more: SmallCounter<K> | null): TopCounts<K> {
  return {
    top(): K | undefined {
      if (c0 === 0) return more?.top();
      if (!more) return k0;
      const t = more.top();
      return t !== undefined && (more.m.get(t) ?? 0) > c0 ? t : k0;
    },
    entries(): [K, number][] {
      const out: [K, number][] = [];
      if (c0 > 0) out.push([k0, c0]);
      if (more) for (const e of more.m) out.push(e);
      return out;
    },
  };
}

/**
 * The pairs by originator, then responder: two lookups with the record's own address
 * strings, so tracking a connection builds no key string. Iterates in creation order.
 */
export class PairIndex {
  private readonly bySrc = new Map<string, Map<string, PairState>>();
  private readonly list: PairState[] = [];
  private readonly columns = new PairColumns();

  get size(): number {
    return this.list.length;
  }

  /** Source and destinations of the last get(), so add() right after it looks up nothing. */
  private lastSrc = '';
  private lastDsts: Map<string, PairState> | undefined = undefined;

  get(src: string, dst: string): PairState | undefined {
    const m = this.bySrc.get(src);
    this.lastSrc = src;
    this.lastDsts = m;
    return m?.get(dst);
  }

  /** A new pair (the caller checked that it is not there yet). */
  add(src: string, dst: string, dir: Direction): PairState {
    const p = this.columns.create(src, dst, dir);
    let m = src === this.lastSrc ? this.lastDsts : this.bySrc.get(src);
    if (m === undefined) this.bySrc.set(src, (m = new Map()));
    this.lastSrc = src;
    this.lastDsts = m;
    m.set(dst, p);
    this.list.push(p);
    return p;
  }

  values(): IterableIterator<PairState> {
    return this.list.values();
  }

  /** The pairs as a Map keyed `src|dst`, built on each call (for the cross-shard merge). */
  asMap(): Map<string, PairState> {
    const m = new Map<string, PairState>();
    for (const p of this.list) m.set(p.src + '|' + p.dst, p);
    return m;
  }
}
