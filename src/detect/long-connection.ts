/**
 * `long_connection`: a connection, or the summed connection time of a pair, beyond the
 * thresholds (1 h / 4 h / 8 h by default), including connections still open at the end of
 * a capture (`openAtEnd`: their duration is a lower bound). RITA reports the same from
 * conn.log and its open_conn.log.
 *
 * Score (0..1): max(longDurationScore(longest), 0.8 x longDurationScore(sum)) x prevalence,
 * x periodicFactor when the destination is known to hold long sessions by design.
 */
import type { Finding } from '../core/finding.js';
import type { DetectContext } from './context.js';
import { buildFinding, c2Techniques, fmtDuration } from './context.js';
import type { PairState } from './pairs.js';
import { PROTO_NAME } from './pairs.js';
import { longDurationScore, prevalenceFactor } from './scores.js';

/** Weight of summed time against one long connection. */
export const SUMMED_DURATION_WEIGHT = 0.8;

export function longConnectionFindings(ctx: DetectContext, pairs: Iterable<PairState>, hostsPerDest: Map<string, number>): Finding[] {
  const t = ctx.cfg.t;
  const out: Finding[] = [];
  for (const p of pairs) {
    if (!ctx.considered(p.dir)) continue;
    if (p.maxDuration < t.longConn1 && p.sumDuration < t.longConn1) continue;
    const single = longDurationScore(p.maxDuration, t.longConn1, t.longConn2, t.longConn3);
    const summed = SUMMED_DURATION_WEIGHT * longDurationScore(p.sumDuration, t.longConn1, t.longConn2, t.longConn3);
    const port = p.maxDurPortProto >> 2;
    const proto = PROTO_NAME[p.maxDurPortProto & 3];
    const name = ctx.nameForRef(p.maxDurRef, p.src, p.dst);
    const periodic = ctx.periodicReason(p.dst, name, port, proto);
    const hosts = hostsPerDest.get(p.dst) ?? 1;
    const prev = prevalenceFactor(hosts, ctx.internalHosts.size, t.prevalenceMinPopulation, t.prevalenceLow, t.prevalenceHigh);
    const s = Math.max(single, summed) * prev * (periodic ? t.periodicFactor : 1);
    const service = p.services.top() ?? null;
    let evidence = `longest connection ${fmtDuration(p.maxDuration)}${p.maxDurOpen ? ' (still open at end of input)' : ''}`;
    if (p.conns > 1) evidence += `, ${fmtDuration(p.sumDuration)} in ${p.conns} connections`;
    if (p.longConns > 1) evidence += `, ${p.longConns} over ${fmtDuration(t.longConn1)}`;
    if (periodic) evidence += ` (long-lived by design: ${periodic})`;
    const f = buildFinding(ctx, {
      detector: 'long_connection',
      score01: s,
      idKey: [p.src, p.dst],
      sources: p.sources,
      startTime: p.first,
      endTime: p.last,
      srcIp: p.src,
      srcPort: null,
      destIp: p.dst,
      destPort: port,
      destHost: name,
      transport: proto,
      appProtocol: service,
      direction: p.dir,
      mitreTechniqueIds: c2Techniques(service),
      mitreTacticIds: ['TA0011'],
      connCount: p.conns,
      srcBytes: p.origBytes,
      destBytes: p.respBytes,
      communityId: p.conns === 1 ? p.maxDurCommunityId : null,
      evidence,
      details: {
        longestDuration: Math.round(p.maxDuration * 1000) / 1000,
        summedDuration: Math.round(p.sumDuration * 1000) / 1000,
        openAtEnd: p.openAtEnd,
        longConnections: p.longConns,
        singleScore: Math.round(single * 1000) / 1000,
        summedScore: Math.round(summed * 1000) / 1000,
        prevalenceFactor: Math.round(prev * 1000) / 1000,
        periodicByDesign: periodic ?? '',
        longestUid: p.maxDurUid,
      },
    });
    if (f) out.push(f);
  }
  return out;
}
