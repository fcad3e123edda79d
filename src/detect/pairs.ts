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
}

export class PairState implements UidJoinOwner {
  sources = 0;
  conns = 0;
  failed = 0;
  origBytes = 0;
  respBytes = 0;
  first = Infinity;
  last = -Infinity;
  /**
   * Successful connections after the first as (start time, bytes sent, bytes received)
   * triples, and as (name ref, uid hash) pairs (uid-join.ts): V8 keeps such arrays of
   * numbers unboxed (8 bytes a double, small integers in place), with a few dozen bytes of
   * header where a typed array costs hundreds, and most pairs hold a handful of beats. Made
   * on the second beat, so pairs with one connection or only failed attempts carry none.
   */
  private beats: number[] | null = null;
  private refs: number[] | null = null;
  /** The first beat lives in fields: most pairs of a busy day see one or two connections. */
  private ts0 = 0;
  private sent0 = 0;
  private recv0 = 0;
  private ref0 = NO_INFO;
  private hash0 = 0;
  private n = 0;
  beatsDropped = 0;
  /** Failed attempts: start times (made on the first one). */
  fTs: number[] | null = null;
  failedDropped = 0;
  readonly services = new TopCounter<string>(8);
  /** port * 4 + PROTO_CODE */
  readonly ports = new TopCounter<number>(32);
  // Long connections.
  sumDuration = 0;
  maxDuration = 0;
  maxDurTs = 0;
  maxDurUid = '';
  /** Name ref of the longest connection (uid-join.ts). */
  maxDurRef = NO_INFO;
  maxDurCommunityId: string | null = null;
  maxDurOpen = false;
  maxDurPortProto = 0;
  maxDurOrig = 0;
  maxDurResp = 0;
  openAtEnd = 0;
  longConns = 0;

  constructor(
    readonly src: string,
    readonly dst: string,
    readonly dir: Direction,
  ) {}

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
      this.ts0 = ts;
      this.sent0 = sent;
      this.recv0 = received;
      this.ref0 = ref;
      this.hash0 = hash;
    } else {
      (this.beats ??= []).push(ts, sent, received);
      (this.refs ??= []).push(ref, hash);
    }
    return this.n++;
  }
  addFailed(ts: number): void {
    (this.fTs ??= []).push(ts);
  }
  beatTs(i: number): number {
    return i === 0 ? this.ts0 : this.beats![3 * (i - 1)];
  }
  beatSent(i: number): number {
    return i === 0 ? this.sent0 : this.beats![3 * (i - 1) + 1];
  }
  beatReceived(i: number): number {
    return i === 0 ? this.recv0 : this.beats![3 * (i - 1) + 2];
  }
  /** Name ref of beat i (uid-join.ts). */
  beatRef(i: number): number {
    return i === 0 ? this.ref0 : this.refs![2 * (i - 1)];
  }
  /**
   * True when a stored beat has this uid hash (uidHash(); used only for the few open
   * connections: a false match needs two uids of one pair to share 30 bits of hash).
   */
  hasBeatHash(hash: number): boolean {
    if (this.n === 0) return false;
    if (this.hash0 === hash) return true;
    const r = this.refs;
    if (r !== null) for (let i = 1; i < r.length; i += 2) if (r[i] === hash) return true;
    return false;
  }
  uidRefChanged(beat: number, uid: string, ref: number): void {
    if (beat === 0) this.ref0 = ref;
    else if (beat > 0) this.refs![2 * (beat - 1)] = ref;
    if (uid === this.maxDurUid) this.maxDurRef = ref;
  }
}

/**
 * The pairs by originator, then responder: two lookups with the record's own address
 * strings, so tracking a connection builds no key string. Iterates in creation order.
 */
export class PairIndex {
  private readonly bySrc = new Map<string, Map<string, PairState>>();
  private readonly list: PairState[] = [];

  get size(): number {
    return this.list.length;
  }

  get(src: string, dst: string): PairState | undefined {
    return this.bySrc.get(src)?.get(dst);
  }

  add(p: PairState): void {
    let m = this.bySrc.get(p.src);
    if (m === undefined) this.bySrc.set(p.src, (m = new Map()));
    m.set(p.dst, p);
    this.list.push(p);
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
