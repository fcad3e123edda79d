/**
 * Beacons inside one connection (reported as detector `beacon`, `details.mode: 'session'`):
 * an implant that keeps one long-lived channel open (HTTP/3 or QUIC, a WebSocket, a raw TCP
 * socket) and checks in over it at a regular interval. Connection-level beaconing never sees
 * it, since there is only one connection.
 *
 * Input: `ConnRecord.origBursts` from captures (the flow table's start times of the
 * originator's send bursts, a burst starting after at least 1 s of silence both ways; the
 * first 256 are kept) and `origBurstCount`. Zeek logs do not carry them.
 *
 * Each connection with at least `sessionBeaconMinBursts` bursts (default 6) is scored when
 * it arrives with the connection-beacon statistics (`analyzeBeats`, periodicity.ts: interval
 * modes, mad/median, Bowley skew, coverage, significance), the connection's own duration
 * standing for the observed span. Only connections whose base score reaches beaconMinBase
 * and whose intervals fit the mode (fit >= SESSION_MIN_FIT) are kept; no sizes are known per
 * burst, so the size sub-score is not used. Record order cannot change anything: each
 * connection is judged on its own.
 *
 * Context, as for connection beacons: the allow-list hides, periodic-by-design destinations
 * (signatures/periodic.txt: push services, MQTT and similar keep-alives) are lowered by
 * periodicFactor, prevalence (internal hosts talking to the address) lowers, and a
 * connection that receives a lot per burst (more than STREAMING_BYTES_PER_BURST: chunked
 * video or audio streaming, whose players also fetch at a steady pace) is lowered by
 * STREAMING_FACTOR. One finding per (source, destination name or address): the connection
 * with the highest score, its evidence saying how many such connections there were. When a
 * connection beacon is reported for the same source and destination, the two are merged
 * into that finding (the higher score wins).
 *
 * Memory: candidates are capped by caps.maxSessionBeacons (counted when hit); a candidate
 * holds its burst times (at most 256).
 */
import type { Direction, Finding } from '../core/finding.js';
import { severityOf } from '../core/finding.js';
import type { ConnRecord } from '../core/records.js';
import { analyzeBeats, type BeaconEstimate } from './beacon.js';
import type { DetectContext } from './context.js';
import { buildFinding, c2Techniques, fmt, fmtBytes, fmtDuration, looksLikeAddress, sourceBit } from './context.js';
import { prevalenceFactor } from './scores.js';
import { NO_INFO } from './uid-join.js';

/** Share of intervals the interval modes must explain (jittered C2 fits at 0.9 and above; chatty sessions well below). */
export const SESSION_MIN_FIT = 0.75;
/** Mean bytes received per burst above which the session looks like streaming. */
export const STREAMING_BYTES_PER_BURST = 256 * 1024;
/** Factor for sessions that look like streaming. */
export const STREAMING_FACTOR = 0.4;
/**
 * Shortest span of the bursts, seconds: a loop must last a minute to count (NTP's iburst
 * sends 8 polls 2 s apart when a client starts; a burst of retries is not a check-in loop).
 */
export const SESSION_MIN_SPAN = 60;

/** One connection kept for the finish step. */
interface Candidate {
  uid: string;
  /** Name ref (uid-join.ts) when the connection arrived: the join window may forget the uid by finish(). */
  nameRef: number;
  src: string;
  dst: string;
  port: number;
  proto: string;
  service: string | null;
  dir: Direction;
  ts: number;
  duration: number;
  origBytes: number;
  respBytes: number;
  burstCount: number;
  communityId: string | null;
  sources: number;
  est: BeaconEstimate;
}

/**
 * Score the bursts of one connection. Pure.
 * @param bursts burst start times (seconds, ascending as the flow table writes them)
 * @param duration the connection's duration (seconds): the span the bursts could cover
 * @param minBursts bursts needed (sessionBeaconMinBursts)
 * @returns the estimate, or null when there are too few bursts
 */
export function analyzeSession(bursts: readonly number[], duration: number, minBursts: number): BeaconEstimate | null {
  if (bursts.length < minBursts) return null;
  const span = Math.max(duration, bursts[bursts.length - 1] - bursts[0]);
  // The flow table already joins packets closer than 1 s into one burst: no further merging.
  return analyzeBeats(bursts, null, span, { timing: 0.5, size: 0.25, coverage: 0.25, fullSpan: span, maxMergeGap: 0, minBeats: minBursts });
}

/** True when an estimate is regular enough to be a check-in loop. */
export function isSessionBeacon(est: BeaconEstimate, minBase: number): boolean {
  return est.fit >= SESSION_MIN_FIT && est.base >= minBase && est.last - est.first >= SESSION_MIN_SPAN;
}

export class SessionBeaconTracker {
  private readonly candidates: Candidate[] = [];

  constructor(private readonly ctx: DetectContext) {}

  /** Feed one connection (already known to be considered). */
  onConn(r: ConnRecord, dir: Direction): void {
    const b = r.origBursts;
    const ctx = this.ctx;
    const t = ctx.cfg.t;
    if (!b || b.length < t.sessionBeaconMinBursts) return;
    const est = analyzeSession(b, r.duration ?? 0, t.sessionBeaconMinBursts);
    if (!est || !isSessionBeacon(est, t.beaconMinBase)) return;
    if (this.candidates.length >= ctx.cfg.caps.maxSessionBeacons) {
      ctx.capHit('detect_session_beacons_cap', `more than ${ctx.cfg.caps.maxSessionBeacons} connections with periodic check-ins inside; later ones are not reported`);
      return;
    }
    this.candidates.push({
      uid: r.uid,
      nameRef: ctx.uids.refFor(r.uid),
      src: r.origH,
      dst: r.respH,
      port: r.respP,
      proto: r.proto,
      service: r.service,
      dir,
      ts: r.ts,
      duration: r.duration ?? 0,
      origBytes: r.origBytes ?? 0,
      respBytes: r.respBytes ?? 0,
      burstCount: r.origBurstCount ?? b.length,
      communityId: r.communityId,
      sources: sourceBit(r.source),
      est,
    });
  }

  /**
   * Findings, one per (source, destination name or address).
   * @param hostsPerDest internal hosts per destination address (prevalence)
   */
  findings(hostsPerDest: Map<string, number>): Finding[] {
    const ctx = this.ctx;
    const t = ctx.cfg.t;
    const best = new Map<string, { f: Finding; n: number }>();
    for (const c of this.candidates) {
      // A TLS/HTTP row read after the connection updates the join while it holds the uid.
      const now = ctx.uids.refFor(c.uid);
      let name = ctx.nameForRef(now !== NO_INFO ? now : c.nameRef, c.src, c.dst);
      if (name && looksLikeAddress(name)) name = null;
      const periodic = ctx.periodicReason(c.dst, name, c.port, c.proto);
      const hosts = hostsPerDest.get(c.dst) ?? 1;
      const prev = prevalenceFactor(hosts, ctx.internalHosts.size, t.prevalenceMinPopulation, t.prevalenceLow, t.prevalenceHigh);
      const e = c.est;
      const perBurst = c.respBytes / Math.max(1, c.burstCount);
      const streaming = perBurst > STREAMING_BYTES_PER_BURST;
      const s = e.base * prev * (periodic ? t.periodicFactor : 1) * (streaming ? STREAMING_FACTOR : 1);
      let evidence =
        `${c.burstCount} check-ins every ${fmt(e.interval)} s ±${Math.round(e.jitter * 100)}% inside one connection of ${fmtDuration(c.duration)}`;
      if (e.missedShare > 0.02) evidence += `, ${Math.round(e.missedShare * 100)}% missed`;
      evidence += `, ${fmtBytes(c.origBytes)} sent, ${fmtBytes(c.respBytes)} received`;
      if (streaming) evidence += ` (${fmtBytes(perBurst)} received per burst: looks like streaming)`;
      if (periodic) evidence += ` (periodic by design: ${periodic})`;
      if (prev < 1) evidence += ` (${hosts} of ${ctx.internalHosts.size} internal hosts talk to it)`;
      const key = c.src + '|' + (name ?? c.dst);
      const f = buildFinding(ctx, {
        detector: 'beacon',
        score01: s,
        idKey: [c.src, name ?? c.dst, 'session'],
        sources: c.sources,
        startTime: e.first,
        endTime: e.last,
        srcIp: c.src,
        srcPort: null,
        destIp: c.dst,
        destPort: c.port,
        destHost: name,
        transport: c.proto,
        appProtocol: c.service,
        direction: c.dir,
        mitreTechniqueIds: c2Techniques(c.service),
        mitreTacticIds: ['TA0011'],
        connCount: 1,
        srcBytes: c.origBytes,
        destBytes: c.respBytes,
        communityId: c.communityId,
        evidence,
        details: {
          mode: 'session',
          interval: round3(e.interval),
          jitter: round3(e.jitter),
          beats: c.burstCount,
          fit: round3(e.fit),
          missedShare: round3(e.missedShare),
          intervals: e.modes.map(round3),
          timestamps: e.beatTimes,
          sessionDuration: round3(c.duration),
          sessionUid: c.uid,
          timingScore: round3(e.timing),
          fitScore: round3(e.fitScore),
          dispersionScore: round3(e.dispersion),
          skewScore: round3(e.skew),
          spanScore: round3(e.span),
          evennessScore: round3(e.evenness),
          coverageScore: round3(e.coverage),
          significance: round3(e.confidence),
          baseScore: round3(e.base),
          prevalenceFactor: round3(prev),
          prevalenceHosts: hosts,
          periodicByDesign: periodic ?? '',
          streaming,
          groupedBy: name ? 'name' : 'address',
          addresses: [c.dst],
        },
      });
      if (!f) continue;
      const cur = best.get(key);
      // The highest score wins; ties go to the smaller finding id (order-independent).
      if (!cur) best.set(key, { f, n: 1 });
      else {
        cur.n++;
        if (f.score > cur.f.score || (f.score === cur.f.score && f.findingId < cur.f.findingId)) cur.f = f;
      }
    }
    const out: Finding[] = [];
    for (const { f, n } of best.values()) {
      out.push(n > 1 ? { ...f, evidence: `${f.evidence}; ${n} such connections`, details: { ...f.details, sessions: n } } : f);
    }
    return out;
  }
}

/**
 * Merge session beacons into connection beacons: a session beacon whose source and
 * destination (name, or an address of the connection beacon) match a connection beacon is
 * folded into it (the higher score wins, both evidence texts are kept); the others are added.
 */
export function mergeSessionBeacons(conn: Finding[], session: Finding[]): Finding[] {
  const byKey = new Map<string, number>();
  conn.forEach((f, i) => {
    if (f.destHost) byKey.set(f.srcIp + '|' + f.destHost, i);
    const addrs = Array.isArray(f.details.addresses) ? (f.details.addresses as string[]) : f.destIp ? [f.destIp] : [];
    for (const a of addrs) if (!byKey.has(f.srcIp + '|' + a)) byKey.set(f.srcIp + '|' + a, i);
  });
  const out = [...conn];
  // Finding-id order, so that two session beacons folded into one finding read the same whatever the record order.
  const sorted = [...session].sort((a, b) => (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0));
  for (const s of sorted) {
    const i = (s.destHost ? byKey.get(s.srcIp + '|' + s.destHost) : undefined) ?? (s.destIp ? byKey.get(s.srcIp + '|' + s.destIp) : undefined);
    if (i === undefined) {
      out.push(s);
      continue;
    }
    const c = out[i];
    const score = Math.max(c.score, s.score);
    out[i] = {
      ...c,
      score,
      severity: severityOf(score),
      // The session's evidence is added when it raises the score; its figures always are.
      evidence: s.score > c.score ? `${c.evidence}; ${s.evidence}` : c.evidence,
      details: { ...c.details, sessionScore: s.score, sessionInterval: s.details.interval as number, sessionUid: s.details.sessionUid as string },
    };
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
