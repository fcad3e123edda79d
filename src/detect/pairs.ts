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

export const PROTO_CODE: Record<Transport, number> = { tcp: 0, udp: 1, icmp: 2, unknown_transport: 3 };
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

export class PairState {
  sources = 0;
  conns = 0;
  failed = 0;
  origBytes = 0;
  respBytes = 0;
  first = Infinity;
  last = -Infinity;
  /** Successful connections: start time, bytes each way, uid. */
  readonly bTs: number[] = [];
  readonly bOrig: number[] = [];
  readonly bResp: number[] = [];
  readonly bUid: string[] = [];
  beatsDropped = 0;
  /** Failed attempts: start time. */
  readonly fTs: number[] = [];
  failedDropped = 0;
  readonly services = new SmallCounter<string>(8);
  /** port * 4 + PROTO_CODE */
  readonly ports = new SmallCounter<number>(32);
  // Long connections.
  sumDuration = 0;
  maxDuration = 0;
  maxDurTs = 0;
  maxDurUid = '';
  maxDurCommunityId: string | null = null;
  maxDurOpen = false;
  maxDurPortProto = 0;
  maxDurOrig = 0;
  maxDurResp = 0;
  openAtEnd = 0;
  longConns = 0;
  // Clear-text uploads by kind (bytes the internal side sent).
  upHttpConn = 0;
  upFtp = 0;
  upSmtp = 0;
  upUnknownClear = 0;
  upUnknownMaybe = 0;
  clearConns = 0;
  /** Largest clear-text connection, for communityId / evidence when it is the only one. */
  clearMaxBytes = 0;
  clearMaxCommunityId: string | null = null;
  /** Mean payload entropy over connections where it is known. */
  entropySum = 0;
  entropyN = 0;

  constructor(
    readonly src: string,
    readonly dst: string,
    readonly dir: Direction,
  ) {}
}
