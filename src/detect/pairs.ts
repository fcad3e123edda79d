/**
 * Per (originator, responder) state over the whole input: totals, the stored callbacks
 * (beats) for interval analysis, failed attempts, durations and clear-text volumes.
 * Records may arrive in any time order; analysis happens in finish().
 *
 * Memory: one row of typed-array columns per pair (capped by caps.maxPairs), found by its
 * two interned address ids (id-tables.ts); beats per pair capped by
 * caps.maxBeatsPerPair (RITA keeps at most 86400 timestamps per pair). Once a cap is hit the
 * totals keep counting, the dropped callbacks are counted in `beatsDropped`, and an
 * anomaly is counted.
 */
import type { ConnRecord, Transport } from '../core/records.js';
import type { Direction } from '../core/finding.js';
import type { AddressTable } from './id-tables.js';
import { IdPairTable } from './id-tables.js';
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

/** What PairIndex.addCountsTo() adds a pair's counts to (a beacon group's ListCounter). */
export interface Counter<K> {
  add(k: K, n?: number): void;
}

/**
 * SmallCounter's rules (cap, overflow, top: ties first inserted, keys in insertion order)
 * over two arrays searched from the last key hit: for the few keys of a beacon group (one
 * port and one service nearly always), where a Map operation per pair costs more than a
 * scan of a handful of entries.
 */
export class ListCounter<K> implements Counter<K> {
  private readonly ks: K[] = [];
  private readonly cs: number[] = [];
  private last = 0;
  overflow = 0;
  constructor(private readonly cap: number) {}
  add(k: K, n = 1): void {
    const ks = this.ks;
    const len = ks.length;
    if (this.last < len && ks[this.last] === k) {
      this.cs[this.last] += n;
      return;
    }
    for (let i = 0; i < len; i++) {
      if (ks[i] === k) {
        this.cs[i] += n;
        this.last = i;
        return;
      }
    }
    if (len < this.cap) {
      ks.push(k);
      this.cs.push(n);
      this.last = len;
    } else {
      this.overflow += n;
    }
  }
  /** Most frequent key (ties: first inserted), undefined when empty. */
  top(): K | undefined {
    let best: K | undefined;
    let bc = -1;
    for (let i = 0; i < this.ks.length; i++) {
      if (this.cs[i] > bc) {
        best = this.ks[i];
        bc = this.cs[i];
      }
    }
    return best;
  }
  keys(): K[] {
    return this.ks.slice();
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
export const BEAT_WIDTH = 5;

/** Pairs per column chunk: columns grow a chunk at a time, so at most one chunk is slack. */
const PAIR_SHIFT = 12;
const PAIR_CHUNK = 1 << PAIR_SHIFT;
const PAIR_ROW = PAIR_CHUNK - 1;

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
const I_SRC = 15;
const I_DST = 16;
const I_DIR = 17;
const I_BEAT_N = 18;
const NI = 19;
// String columns (offsets in PairChunk.s).
const S_MAX_DUR_UID = 0;
const S_MAX_DUR_CID = 1;
const S_SVC0 = 2;
const NS = 3;

/** Direction codes of the I_DIR column. */
const DIRECTIONS: readonly Direction[] = ['outbound', 'inbound', 'internal', 'external'];
function directionCode(d: Direction): number {
  return d === 'outbound' ? 0 : d === 'inbound' ? 1 : d === 'internal' ? 2 : 3;
}

/**
 * Numbers and strings of PAIR_CHUNK pairs, one row per pair: typed arrays hold the numbers
 * unboxed (a double in an object field is a separate heap number in V8) and are not traced
 * by the garbage collector.
 */
class PairChunk {
  readonly f = new Float64Array(PAIR_CHUNK * NF);
  readonly n = new Int32Array(PAIR_CHUNK * NI);
  readonly s: (string | null)[] = [];
}

/** What PairIndex.addBeatsTo() adds a pair's beats to (a beacon group). */
export interface BeatSink {
  ts: number[];
  sizes: number[];
  origBytes: number;
  respBytes: number;
}

/** Read-only view of a pair's port or service counts (first key in the pair's row). */
export interface TopCounts<K> {
  top(): K | undefined;
  /** [key, count] pairs, first key first. */
  entries(): [K, number][];
}

/**
 * The (originator, responder) pairs of one engine, by pair id (0, 1, 2... in creation
 * order). A pair is found by its two interned address ids (id-tables.ts) in an
 * open-addressing table: tracking a connection builds no key string and looks up no string.
 * Scalars live in typed-array columns, PAIR_CHUNK pairs per chunk; the few things that are
 * arrays or counters (beats after the first, failed-attempt times, ports and services after
 * the first) live in arrays indexed by pair id, null for most pairs. No object per pair is
 * made while records stream in: PairState views are made for finish() (values(), get()).
 */
export class PairIndex implements UidJoinOwner {
  private readonly chunks: PairChunk[] = [];
  private readonly keys = new IdPairTable();
  private count = 0;
  /**
   * Successful connections after the first, five numbers each: start time, bytes sent,
   * bytes received, name ref (uid-join.ts) and uid hash. One array of doubles per pair (V8
   * keeps them unboxed, 8 bytes a number, with a few dozen bytes of header where a typed
   * array costs hundreds), made as a literal of exactly one beat on the second connection:
   * a pair with two connections costs 88 bytes here, where two arrays grown by push() cost
   * about 380 (push() reserves 17 slots). The first beat lives in the pair's row, so pairs
   * with one connection or only failed attempts carry no array.
   */
  private readonly beats: (number[] | null)[] = [];
  /** Failed attempts: start times (made on the first one, as a literal of one). */
  private readonly failedTs: (number[] | null)[] = [];
  /** Ports (port * 4 + PROTO_CODE) and services after the first one (made on the second). */
  private readonly portsMore: (SmallCounter<number> | null)[] = [];
  private readonly svcMore: (SmallCounter<string> | null)[] = [];

  /** @param addrs the engine's interned addresses (the ids given to find() and add()) */
  constructor(readonly addrs: AddressTable) {}

  get size(): number {
    return this.count;
  }

  /** Id of the pair of two address ids, or -1. */
  find(srcId: number, dstId: number): number {
    return this.keys.get(srcId, dstId);
  }

  /** A new pair (the caller checked that it is not there yet); returns its id. */
  add(srcId: number, dstId: number, dir: Direction): number {
    const id = this.count++;
    const row = id & PAIR_ROW;
    if (row === 0) this.chunks.push(new PairChunk());
    const k = this.chunks[id >> PAIR_SHIFT];
    const fo = row * NF;
    const io = row * NI;
    k.f[fo + F_FIRST] = Infinity;
    k.f[fo + F_LAST] = -Infinity;
    k.n[io + I_REF0] = NO_INFO;
    k.n[io + I_MAX_DUR_REF] = NO_INFO;
    k.n[io + I_SRC] = srcId;
    k.n[io + I_DST] = dstId;
    k.n[io + I_DIR] = directionCode(dir);
    k.s.push('', null, null);
    this.beats.push(null);
    this.failedTs.push(null);
    this.portsMore.push(null);
    this.svcMore.push(null);
    this.keys.set(srcId, dstId, id);
    return id;
  }

  /** The chunk holding pair `id` (its row is id & PAIR_ROW). */
  chunk(id: number): PairChunk {
    return this.chunks[id >> PAIR_SHIFT];
  }

  /**
   * Add one connection's totals to pair `id`: count, input, bytes, time span, port, service,
   * durations, and the longest connection (its name ref reset to NO_INFO: the caller joins it).
   * @param ob bytes sent (0 when unset)
   * @param rb bytes received (0 when unset)
   * @param dur duration (0 when unset or not positive)
   */
  noteConn(id: number, r: ConnRecord, ob: number, rb: number, dur: number, sources: number, longConn1: number): void {
    const k = this.chunks[id >> PAIR_SHIFT];
    const row = id & PAIR_ROW;
    const f = k.f;
    const n = k.n;
    const fo = row * NF;
    const io = row * NI;
    n[io + I_CONNS]++;
    n[io + I_SOURCES] |= sources;
    f[fo + F_ORIG_BYTES] += ob;
    f[fo + F_RESP_BYTES] += rb;
    const ts = r.ts;
    if (ts < f[fo + F_FIRST]) f[fo + F_FIRST] = ts;
    if (ts + dur > f[fo + F_LAST]) f[fo + F_LAST] = ts + dur;
    const portProto = r.respP * 4 + protoCode(r.proto);
    if (n[io + I_PORT_C0] === 0 || n[io + I_PORT0] === portProto) {
      n[io + I_PORT0] = portProto;
      n[io + I_PORT_C0]++;
    } else {
      (this.portsMore[id] ??= new SmallCounter<number>(31)).add(portProto);
    }
    const svc = r.service;
    if (svc) {
      // At most 8 distinct services per pair.
      const so = row * NS;
      if (n[io + I_SVC_C0] === 0 || k.s[so + S_SVC0] === svc) {
        k.s[so + S_SVC0] = svc;
        n[io + I_SVC_C0]++;
      } else {
        (this.svcMore[id] ??= new SmallCounter<string>(7)).add(svc);
      }
    }
    f[fo + F_SUM_DUR] += dur;
    if (dur >= longConn1) n[io + I_LONG_CONNS]++;
    if (r.openAtEnd) n[io + I_OPEN_AT_END]++;
    if (dur > f[fo + F_MAX_DUR]) {
      const so = row * NS;
      f[fo + F_MAX_DUR] = dur;
      f[fo + F_MAX_DUR_TS] = ts;
      k.s[so + S_MAX_DUR_UID] = r.uid;
      k.s[so + S_MAX_DUR_CID] = r.communityId;
      n[io + I_MAX_DUR_OPEN] = r.openAtEnd === true ? 1 : 0;
      n[io + I_MAX_DUR_PORT_PROTO] = portProto;
      f[fo + F_MAX_DUR_ORIG] = ob;
      f[fo + F_MAX_DUR_RESP] = rb;
      n[io + I_MAX_DUR_REF] = NO_INFO;
    }
  }

  /** True when `uid` is the uid of pair `id`'s longest connection. */
  isMaxDurUid(id: number, uid: string): boolean {
    return (this.chunks[id >> PAIR_SHIFT].s[(id & PAIR_ROW) * NS + S_MAX_DUR_UID] ?? '') === uid;
  }

  beatCount(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_BEAT_N];
  }

  beatsDropped(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_BEATS_DROPPED];
  }

  /** Count a connection past the per-pair beat cap. */
  dropBeat(id: number): void {
    this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_BEATS_DROPPED]++;
  }

  /**
   * Count a failed attempt, its time stored while fewer than `max` are.
   */
  addFailed(id: number, ts: number, max: number): void {
    const k = this.chunks[id >> PAIR_SHIFT];
    const io = (id & PAIR_ROW) * NI;
    k.n[io + I_FAILED]++;
    const a = this.failedTs[id];
    if (a === null) {
      if (max > 0) this.failedTs[id] = [ts];
      else k.n[io + I_FAILED_DROPPED]++;
    } else if (a.length < max) {
      a.push(ts);
    } else {
      k.n[io + I_FAILED_DROPPED]++;
    }
  }

  /**
   * Store a beat.
   * @param ref its name ref (uid-join.ts), NO_INFO when none yet
   * @param hash uidHash() of its uid
   * @returns the beat's index
   */
  addBeat(id: number, ts: number, sent: number, received: number, ref: number, hash: number): number {
    const k = this.chunks[id >> PAIR_SHIFT];
    const row = id & PAIR_ROW;
    const io = row * NI;
    const nb = k.n[io + I_BEAT_N];
    if (nb === 0) {
      const fo = row * NF;
      k.f[fo + F_TS0] = ts;
      k.f[fo + F_SENT0] = sent;
      k.f[fo + F_RECV0] = received;
      k.n[io + I_REF0] = ref;
      k.n[io + I_HASH0] = hash;
    } else {
      const b = this.beats[id];
      if (b === null) this.beats[id] = [ts, sent, received, ref, hash];
      else b.push(ts, sent, received, ref, hash);
    }
    k.n[io + I_BEAT_N] = nb + 1;
    return nb;
  }

  /**
   * True when a stored beat of pair `id` has this uid hash (uidHash(); used only for the few
   * open connections: a false match needs two uids of one pair to share 30 bits of hash).
   */
  hasBeatHash(id: number, hash: number): boolean {
    const k = this.chunks[id >> PAIR_SHIFT];
    const io = (id & PAIR_ROW) * NI;
    if (k.n[io + I_BEAT_N] === 0) return false;
    if (k.n[io + I_HASH0] === hash) return true;
    const b = this.beats[id];
    if (b !== null) for (let i = 4; i < b.length; i += BEAT_WIDTH) if (b[i] === hash) return true;
    return false;
  }

  /** The uid join tells pair `key` that a connection's name ref changed (UidJoinOwner). */
  uidRefChanged(beat: number, uid: string, ref: number, key: number = 0): void {
    const k = this.chunks[key >> PAIR_SHIFT];
    const row = key & PAIR_ROW;
    if (beat === 0) k.n[row * NI + I_REF0] = ref;
    else if (beat > 0) this.beats[key]![BEAT_WIDTH * (beat - 1) + 3] = ref;
    if (uid === (k.s[row * NS + S_MAX_DUR_UID] ?? '')) k.n[row * NI + I_MAX_DUR_REF] = ref;
  }

  /** A view of pair `id` (a new object on each call: views are not kept). */
  state(id: number): PairState {
    return new PairState(this, id);
  }

  /** Pair of two address texts, or undefined. */
  get(src: string, dst: string): PairState | undefined {
    const s = this.addrs.find(src);
    const d = s < 0 ? -1 : this.addrs.find(dst);
    const id = d < 0 ? -1 : this.keys.get(s, d);
    return id < 0 ? undefined : this.state(id);
  }

  /** A view of every pair, in creation order (made on each call). */
  values(): IterableIterator<PairState> {
    const out: PairState[] = new Array(this.count);
    for (let id = 0; id < this.count; id++) out[id] = new PairState(this, id);
    return out.values();
  }

  /**
   * Internal hosts per destination address over outbound pairs, as engine.ts's
   * hostsPerDestination() counts them (same keys, same insertion order), from the columns.
   */
  hostsPerDestination(): Map<string, number> {
    const perDst = new Int32Array(this.addrs.size);
    const order: number[] = [];
    const out = DIRECTIONS.indexOf('outbound');
    for (let id = 0; id < this.count; id++) {
      const n = this.chunks[id >> PAIR_SHIFT].n;
      const io = (id & PAIR_ROW) * NI;
      if (n[io + I_DIR] !== out) continue;
      const d = n[io + I_DST];
      if (perDst[d]++ === 0) order.push(d);
    }
    const m = new Map<string, number>();
    const text = this.addrs.text;
    for (const d of order) m.set(text[d], perDst[d]);
    return m;
  }

  /** Views of the pairs whose longest or summed connection time reaches `min` seconds, in creation order. */
  longerThan(min: number): PairState[] {
    const out: PairState[] = [];
    for (let id = 0; id < this.count; id++) {
      const f = this.chunks[id >> PAIR_SHIFT].f;
      const fo = (id & PAIR_ROW) * NF;
      if (f[fo + F_MAX_DUR] >= min || f[fo + F_SUM_DUR] >= min) out.push(new PairState(this, id));
    }
    return out;
  }

  /**
   * Reads of pair `id` by id, for passes over every pair that make no view (beacon.ts's
   * grouping): the same values as the PairState getters of the same name.
   */
  srcIdOf(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_SRC];
  }
  dstIdOf(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_DST];
  }
  dirOf(id: number): Direction {
    return DIRECTIONS[this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_DIR]];
  }
  sourcesOf(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_SOURCES];
  }
  failedOf(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_FAILED];
  }
  failedDroppedOf(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_FAILED_DROPPED];
  }
  lastOf(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].f[(id & PAIR_ROW) * NF + F_LAST];
  }
  /** Name ref of the first beat (the others are in beatsOf(id), BEAT_WIDTH numbers each, ref at +3). */
  ref0Of(id: number): number {
    return this.chunks[id >> PAIR_SHIFT].n[(id & PAIR_ROW) * NI + I_REF0];
  }

  /**
   * Add beats [from, to) of pair `id` to a group: start times to `g.ts`, bytes sent to
   * `g.sizes` and `g.origBytes`, bytes received to `g.respBytes`, in beat order.
   */
  addBeatsTo(id: number, from: number, to: number, g: BeatSink): void {
    let i = from;
    if (i === 0 && i < to) {
      const k = this.chunks[id >> PAIR_SHIFT];
      const fo = (id & PAIR_ROW) * NF;
      const sent = k.f[fo + F_SENT0];
      g.ts.push(k.f[fo + F_TS0]);
      g.sizes.push(sent);
      g.origBytes += sent;
      g.respBytes += k.f[fo + F_RECV0];
      i = 1;
    }
    if (i >= to) return;
    const b = this.beats[id]!;
    for (let o = BEAT_WIDTH * (i - 1); i < to; i++, o += BEAT_WIDTH) {
      const sent = b[o + 1];
      g.ts.push(b[o]);
      g.sizes.push(sent);
      g.origBytes += sent;
      g.respBytes += b[o + 2];
    }
  }

  /** Add pair `id`'s port and service counts to a group's counters (PairState.addCountsTo). */
  addCountsTo(id: number, ports: Counter<number>, services: Counter<string>): void {
    const k = this.chunks[id >> PAIR_SHIFT];
    const n = k.n;
    const io = (id & PAIR_ROW) * NI;
    if (n[io + I_PORT_C0] > 0) ports.add(n[io + I_PORT0], n[io + I_PORT_C0]);
    const pm = this.portsMore[id];
    if (pm) for (const [key, c] of pm.m) ports.add(key, c);
    if (n[io + I_SVC_C0] > 0) services.add(k.s[(id & PAIR_ROW) * NS + S_SVC0] ?? '', n[io + I_SVC_C0]);
    const sm = this.svcMore[id];
    if (sm) for (const [key, c] of sm.m) services.add(key, c);
  }

  /** Internals for the PairState views. */
  beatsOf(id: number): number[] | null {
    return this.beats[id];
  }
  failedTsOf(id: number): number[] | null {
    return this.failedTs[id];
  }
  portsMoreOf(id: number): SmallCounter<number> | null {
    return this.portsMore[id];
  }
  svcMoreOf(id: number): SmallCounter<string> | null {
    return this.svcMore[id];
  }
}

/**
 * One (originator, responder) pair, as finish() reads it: a view of the pair's row in the
 * PairIndex columns (made by PairIndex.state(), not while records stream in).
 */
export class PairState {
  private readonly k: PairChunk;
  private readonly row: number;

  constructor(
    private readonly ix: PairIndex,
    readonly id: number,
  ) {
    this.k = ix.chunk(id);
    this.row = id & PAIR_ROW;
  }

  private get fo(): number {
    return this.row * NF;
  }
  private get io(): number {
    return this.row * NI;
  }
  private get so(): number {
    return this.row * NS;
  }
  get src(): string {
    return this.ix.addrs.text[this.k.n[this.io + I_SRC]];
  }
  /** The originator's id in the address table. */
  get srcId(): number {
    return this.k.n[this.io + I_SRC];
  }
  /** The responder's id in the address table. */
  get dstId(): number {
    return this.k.n[this.io + I_DST];
  }
  get dst(): string {
    return this.ix.addrs.text[this.k.n[this.io + I_DST]];
  }
  get dir(): Direction {
    return DIRECTIONS[this.k.n[this.io + I_DIR]];
  }

  /** Failed attempts: start times, or null when none is stored. */
  get fTs(): number[] | null {
    return this.ix.failedTsOf(this.id);
  }
  get sources(): number {
    return this.k.n[this.io + I_SOURCES];
  }
  get conns(): number {
    return this.k.n[this.io + I_CONNS];
  }
  get failed(): number {
    return this.k.n[this.io + I_FAILED];
  }
  get origBytes(): number {
    return this.k.f[this.fo + F_ORIG_BYTES];
  }
  get respBytes(): number {
    return this.k.f[this.fo + F_RESP_BYTES];
  }
  get first(): number {
    return this.k.f[this.fo + F_FIRST];
  }
  get last(): number {
    return this.k.f[this.fo + F_LAST];
  }
  get beatsDropped(): number {
    return this.k.n[this.io + I_BEATS_DROPPED];
  }
  get failedDropped(): number {
    return this.k.n[this.io + I_FAILED_DROPPED];
  }
  // Long connections.
  get sumDuration(): number {
    return this.k.f[this.fo + F_SUM_DUR];
  }
  get maxDuration(): number {
    return this.k.f[this.fo + F_MAX_DUR];
  }
  get maxDurTs(): number {
    return this.k.f[this.fo + F_MAX_DUR_TS];
  }
  get maxDurUid(): string {
    return this.k.s[this.so + S_MAX_DUR_UID] ?? '';
  }
  /** Name ref of the longest connection (uid-join.ts). */
  get maxDurRef(): number {
    return this.k.n[this.io + I_MAX_DUR_REF];
  }
  get maxDurCommunityId(): string | null {
    return this.k.s[this.so + S_MAX_DUR_CID];
  }
  get maxDurOpen(): boolean {
    return this.k.n[this.io + I_MAX_DUR_OPEN] === 1;
  }
  get maxDurPortProto(): number {
    return this.k.n[this.io + I_MAX_DUR_PORT_PROTO];
  }
  get maxDurOrig(): number {
    return this.k.f[this.fo + F_MAX_DUR_ORIG];
  }
  get maxDurResp(): number {
    return this.k.f[this.fo + F_MAX_DUR_RESP];
  }
  get openAtEnd(): number {
    return this.k.n[this.io + I_OPEN_AT_END];
  }
  get longConns(): number {
    return this.k.n[this.io + I_LONG_CONNS];
  }

  /** Port keys (port * 4 + PROTO_CODE) and their counts. */
  get ports(): TopCounts<number> {
    return topCounts(this.k.n[this.io + I_PORT0], this.k.n[this.io + I_PORT_C0], this.ix.portsMoreOf(this.id));
  }
  /** Services and their counts. */
  get services(): TopCounts<string> {
    return topCounts(this.k.s[this.so + S_SVC0] ?? '', this.k.n[this.io + I_SVC_C0], this.ix.svcMoreOf(this.id));
  }

  get beatCount(): number {
    return this.k.n[this.io + I_BEAT_N];
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
