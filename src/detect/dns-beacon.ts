/**
 * `beacon` over DNS: periodic lookups of one name (or of rotating names under one registered
 * domain) by one internal host. Catches DNS-polling implants, and beacons whose TCP callbacks
 * are hidden (behind a proxy, outside the capture) while their lookups are visible. Connection
 * beacons cannot: every lookup goes to the same resolver pair, mixed with all other lookups.
 *
 * Grouping: per internal querier, by queried name, and by registered domain (public-suffix
 * rules) when at least two names under it were looked up (rotating names). Retransmissions of
 * one query (same trans_id within 1 s, as Wireshark's dns.retransmission) count once. Reverse
 * lookups (`.arpa`), mDNS (`.local`) and single-label names are not considered.
 *
 * Score: the connection beacons' beat analysis (`analyzeBeats`, no sizes: 0.7 timing + 0.3
 * coverage, x (0.3 + 0.7 significance)), then x periodicFactor for a name in
 * signatures/periodic.txt and x prevalence (share of internal hosts looking the name up).
 * Allow-listed names are suppressed. The engine keeps one of a DNS and a connection beacon
 * for the same (source, name): the higher score (`mergeDnsBeacons`).
 *
 * Memory: groups capped at `maxDnsBeaconGroups`, lookup times per group at
 * `maxDnsBeaconLookups` (the first ones kept), both counted when hit.
 */
import type { Finding } from '../core/finding.js';
import { severityOf } from '../core/finding.js';
import type { DnsRecord } from '../core/records.js';
import type { BeaconWeights } from './beacon.js';
import { analyzeBeats } from './beacon.js';
import type { DetectContext } from './context.js';
import { buildFinding, fmt, fmtDuration, looksLikeAddress, sourceBit } from './context.js';
import { IdPairTable } from './id-tables.js';
import { normalizeName } from './domains.js';
import { prevalenceFactor } from './scores.js';

/** Two queries with the same trans_id this close (seconds) are one lookup retransmitted. */
export const DNS_RETRANSMIT_WINDOW = 1;
/**
 * Shortest lookup series judged, seconds. Over minutes, the re-resolution of any name in use
 * (every time the cached answer expires) is as regular as a poller; an implant polls for hours.
 */
export const DNS_BEACON_MIN_SPAN = 3600;
/** Fewest lookups (after de-duplication) judged. */
export const DNS_BEACON_MIN_LOOKUPS = 12;
/**
 * Shortest main interval judged, seconds: faster series are retries, bursts and application
 * chatter (and data in DNS is the dns_tunnel detector's business).
 */
export const DNS_BEACON_MIN_INTERVAL = 10;
/** Names remembered per registered-domain group (for the count and the evidence). */
const DOMAIN_NAMES_MAX = 16;

/** Lookups of one name, or of the names under one registered domain, by one source. */
export interface DnsLookupGroup {
  src: string;
  /** The queried name, or the registered domain for a domain group. */
  key: string;
  byDomain: boolean;
  /**
   * The lookups, two numbers each: time and trans_id (-1 when unknown). One array grown by
   * one push per lookup, not two (times and ids are split again for the few groups judged).
   */
  lk: number[];
  dropped: number;
  /** Lowest resolver address seen (deterministic whatever the record order). */
  resolver: string;
  sources: number;
  /** Domain groups: distinct names seen (up to DOMAIN_NAMES_MAX), and whether more were. */
  names: Set<string> | null;
  namesOverflow: boolean;
  /** `n|src|name` or `d|src|domain`: the group's sort key. */
  k: string;
}

/**
 * Lookup times with retransmissions removed: sorted by time (then trans_id), a lookup is
 * dropped when a kept lookup with the same trans_id is at most DNS_RETRANSMIT_WINDOW earlier.
 * Pure and independent of the input order.
 */
export function dedupeLookups(ts: readonly number[], tid: readonly number[]): number[] {
  const order = Array.from({ length: ts.length }, (_, i) => i).sort((a, b) => ts[a] - ts[b] || tid[a] - tid[b]);
  const lastKept = new Map<number, number>();
  const out: number[] = [];
  for (const i of order) {
    const id = tid[i];
    if (id >= 0) {
      const prev = lastKept.get(id);
      if (prev !== undefined && ts[i] - prev <= DNS_RETRANSMIT_WINDOW) continue;
      lastKept.set(id, ts[i]);
    }
    out.push(ts[i]);
  }
  return out;
}

/** Hosts per `n|name` / `d|domain` key, and the number of distinct querying hosts. */
export interface DnsBeaconPrevalence {
  hosts: Map<string, number>;
  queriers: number;
}

export class DnsBeaconTracker {
  /**
   * Group indexes by (querier id, name id) for name groups and (querier id, domain id) for
   * domain groups (ids of ctx.addrs and ctx.names): no string looked up per group.
   */
  private readonly byName = new IdPairTable();
  private readonly byDomain = new IdPairTable();
  private readonly groups: DnsLookupGroup[] = [];

  constructor(private readonly ctx: DetectContext) {}

  /**
   * Note one query under its name and, when it is a subdomain, under its registered domain.
   * @param name normalizeName(r.query), when the caller has it already
   * @param srcId the querier's id in ctx.addrs (-1 when not interned), when the caller has it
   */
  onDns(r: DnsRecord, name: string | null = normalizeName(r.query), srcId: number = this.ctx.addrs.find(r.origH)): void {
    const ctx = this.ctx;
    if (!ctx.isInternalId(srcId, r.origH)) return;
    if (!name || !isTrackedName(name)) return;
    const nameId = ctx.nameId(name);
    const domain = ctx.registeredDomainOf(name, nameId);
    const tid = r.transId !== null && r.transId >= 0 ? r.transId : -1;
    srcId = this.add(r, name, nameId, false, tid, name, srcId);
    // The name may have been added by the call above: its id (and its domain's) asked again.
    if (domain !== name) this.add(r, domain, ctx.domainIdOf(domain, ctx.nameId(name)), true, tid, name, srcId);
  }

  /**
   * @param keyId the id of `key` in ctx.names, -1 when it has none
   * @returns the querier's id (interned when a group was made for it), -1 when not interned
   */
  private add(r: DnsRecord, key: string, keyId: number, byDomain: boolean, tid: number, name: string, srcId: number): number {
    const ctx = this.ctx;
    const caps = ctx.cfg.caps;
    const index = byDomain ? this.byDomain : this.byName;
    let gi = srcId >= 0 && keyId >= 0 ? index.get(srcId, keyId) : -1;
    let g = gi >= 0 ? this.groups[gi] : undefined;
    if (!g) {
      if (this.groups.length >= caps.maxDnsBeaconGroups) {
        ctx.capHit('detect_dns_beacon_groups_cap', `more than ${caps.maxDnsBeaconGroups} (host, DNS name) groups; later ones are not checked for periodic lookups`);
        return srcId;
      }
      srcId = ctx.internAddress(r.origH, srcId);
      if (srcId < 0) return srcId;
      keyId = ctx.internName(key, keyId);
      if (keyId < 0) return srcId;
      // Ids given as -1 may belong to an existing group (looked up again, as trackPair does).
      gi = index.get(srcId, keyId);
      if (gi >= 0) g = this.groups[gi];
    }
    if (!g) {
      const k = (byDomain ? 'd|' : 'n|') + r.origH + '|' + key;
      g = { src: r.origH, key, byDomain, lk: [], dropped: 0, resolver: r.respH, sources: 0, names: byDomain ? new Set() : null, namesOverflow: false, k };
      index.set(srcId, keyId, this.groups.length);
      this.groups.push(g);
    }
    g.sources |= sourceBit(r.source);
    if (r.respH < g.resolver) g.resolver = r.respH;
    if (g.names && !g.names.has(name)) {
      if (g.names.size < DOMAIN_NAMES_MAX) g.names.add(name);
      else g.namesOverflow = true;
    }
    if (g.lk.length >= 2 * caps.maxDnsBeaconLookups) {
      if (g.dropped === 0) ctx.capHit('detect_dns_beacon_lookups_cap', `more than ${caps.maxDnsBeaconLookups} lookups of ${key} by ${r.origH}; the first ones are analysed`);
      g.dropped++;
      return srcId;
    }
    g.lk.push(r.ts, tid);
    return srcId;
  }

  /** Number of groups held (for tests and memory figures). */
  get size(): number {
    return this.groups.length;
  }

  /** Prevalence over the groups held: internal hosts looking up each name / domain, and the querying hosts. */
  prevalence(): DnsBeaconPrevalence {
    const hosts = new Map<string, number>();
    const querierSet = new Set<string>();
    for (const g of this.groups) {
      const pk = (g.byDomain ? 'd|' : 'n|') + g.key;
      hosts.set(pk, (hosts.get(pk) ?? 0) + 1);
      querierSet.add(g.src);
    }
    return { hosts, queriers: querierSet.size };
  }

  /**
   * @param global prevalence over the whole input, when this tracker holds only some sources
   *   (sharded detection, src/detect/shard.ts); by default counted from the groups held
   */
  findings(global?: DnsBeaconPrevalence): Finding[] {
    const ctx = this.ctx;
    const t = ctx.cfg.t;
    const { hosts, queriers } = global ?? this.prevalence();
    const population = Math.max(ctx.internalHosts.size, queriers);
    const weights: BeaconWeights = {
      timing: t.beaconWeightTiming,
      size: t.beaconWeightSize,
      coverage: t.beaconWeightCoverage,
      fullSpan: t.beaconFullSpan,
      maxMergeGap: t.beaconMaxMergeGap,
      minBeats: t.beaconMinBeats,
    };
    const out: Finding[] = [];
    const sorted = [...this.groups].sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    for (const g of sorted) {
      const lookups = g.lk.length / 2;
      if (lookups < Math.max(t.beaconMinBeats, DNS_BEACON_MIN_LOOKUPS)) continue;
      // A domain group stands for rotating names: with one name it is the name group again.
      if (g.byDomain && g.names!.size < 2) continue;
      const ts: number[] = new Array(lookups);
      const tid: number[] = new Array(lookups);
      for (let i = 0; i < lookups; i++) {
        ts[i] = g.lk[2 * i];
        tid[i] = g.lk[2 * i + 1];
      }
      const times = dedupeLookups(ts, tid);
      const est = analyzeBeats(times, null, ctx.datasetSpan, weights);
      if (!est || est.base < t.beaconMinBase) continue;
      if (est.beats < DNS_BEACON_MIN_LOOKUPS || est.last - est.first < DNS_BEACON_MIN_SPAN || est.interval < DNS_BEACON_MIN_INTERVAL) continue;
      const periodic = ctx.periodicReason(null, g.key, null, null);
      const nHosts = hosts.get(g.k.slice(0, 2) + g.key) ?? 1;
      const prev = prevalenceFactor(nHosts, population, t.prevalenceMinPopulation, t.prevalenceLow, t.prevalenceHigh);
      const s = est.base * prev * (periodic ? t.periodicFactor : 1);
      const what = g.byDomain ? `names under ${g.key} (${g.names!.size}${g.namesOverflow ? '+' : ''} names)` : g.key;
      let evidence =
        `DNS lookups of ${what} every ${fmt(est.interval)} s ±${Math.round(est.jitter * 100)}%, ` +
        `${est.beats} lookups over ${fmtDuration(est.last - est.first)}`;
      if (est.missedShare > 0.02) evidence += `, ${Math.round(est.missedShare * 100)}% missed`;
      if (est.modes.length > 1) evidence += `, also every ${est.modes.slice(1).map((x) => fmt(x) + ' s').join(', ')}`;
      if (periodic) evidence += ` (periodic by design: ${periodic})`;
      if (prev < 1) evidence += ` (${nHosts} of ${population} internal hosts look it up)`;
      const f = buildFinding(ctx, {
        detector: 'beacon',
        score01: s,
        idKey: [g.src, g.byDomain ? 'dns-domain' : 'dns', g.key],
        sources: g.sources,
        startTime: est.first,
        endTime: est.last,
        srcIp: g.src,
        srcPort: null,
        destIp: g.resolver,
        destPort: 53,
        destHost: g.key,
        transport: 'udp',
        appProtocol: 'dns',
        direction: ctx.direction(g.src, g.resolver),
        mitreTechniqueIds: ['T1071.004'],
        mitreTacticIds: ['TA0011'],
        connCount: times.length,
        srcBytes: 0,
        destBytes: 0,
        communityId: null,
        evidence,
        details: {
          mode: 'dns_lookups',
          interval: round3(est.interval),
          jitter: round3(est.jitter),
          beats: est.beats,
          lookups: times.length,
          retransmissions: lookups - times.length,
          fit: round3(est.fit),
          missedShare: round3(est.missedShare),
          intervals: est.modes.map(round3),
          timestamps: est.beatTimes,
          timingScore: round3(est.timing),
          fitScore: round3(est.fitScore),
          dispersionScore: round3(est.dispersion),
          skewScore: round3(est.skew),
          spanScore: round3(est.span),
          evennessScore: round3(est.evenness),
          coverageScore: round3(est.coverage),
          significance: round3(est.confidence),
          baseScore: round3(est.base),
          prevalenceFactor: round3(prev),
          prevalenceHosts: nHosts,
          periodicByDesign: periodic ?? '',
          groupedBy: g.byDomain ? 'dns_domain' : 'dns_name',
          names: g.names ? [...g.names].sort() : [g.key],
          addresses: [g.resolver],
          droppedByCap: g.dropped,
        },
      });
      if (f) out.push(f);
    }
    // A domain finding adds something only over the names' own findings (rotating names).
    const nameBest = new Map<string, number>();
    for (const f of out) {
      if (f.details.groupedBy !== 'dns_name' || !f.destHost) continue;
      const k = f.srcIp + '|' + ctx.cfg.suffixes.registeredDomain(f.destHost);
      if (f.score > (nameBest.get(k) ?? -1)) nameBest.set(k, f.score);
    }
    return out.filter((f) => f.details.groupedBy !== 'dns_domain' || f.score > (nameBest.get(f.srcIp + '|' + f.destHost) ?? -1));
  }
}

/** Names worth grouping: dotted, not reverse lookups, mDNS or address literals. */
export function isTrackedName(name: string): boolean {
  return name.indexOf('.') > 0 && !name.endsWith('.arpa') && !name.endsWith('.local') && !looksLikeAddress(name);
}

/**
 * Merge DNS-lookup beacons into connection beacons: one finding per (source, name). When a
 * connection beacon to the name exists (or, for a registered-domain DNS finding, to a name
 * under it), the connection finding stays (it carries the address, sizes and bytes) with the
 * higher of the two scores; the DNS finding is dropped.
 * @param registeredDomain the public-suffix rule used to group the DNS findings
 * @returns the findings kept: connection beacons (same order), then the DNS ones left
 */
export function mergeDnsBeacons(conn: Finding[], dns: Finding[], registeredDomain: (name: string) => string): Finding[] {
  const byKey = new Map<string, number[]>();
  const index = (k: string, i: number): void => {
    const a = byKey.get(k);
    if (a) a.push(i);
    else byKey.set(k, [i]);
  };
  conn.forEach((f, i) => {
    if (!f.destHost) return;
    index('n|' + f.srcIp + '|' + f.destHost, i);
    index('d|' + f.srcIp + '|' + registeredDomain(f.destHost), i);
  });
  const out = [...conn];
  for (const d of dns) {
    const k = (d.details.groupedBy === 'dns_domain' ? 'd|' : 'n|') + d.srcIp + '|' + d.destHost;
    const idx = byKey.get(k);
    if (!idx) {
      out.push(d);
      continue;
    }
    for (const i of idx) {
      const c = out[i];
      if (c.score >= d.score) continue;
      out[i] = {
        ...c,
        score: d.score,
        severity: severityOf(d.score),
        evidence: `${c.evidence}; ${d.evidence}`,
        details: { ...c.details, dnsLookupScore: d.score, dnsLookupInterval: d.details.interval as number },
      };
    }
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
