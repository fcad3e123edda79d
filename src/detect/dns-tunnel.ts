/**
 * `dns_tunnel`: data carried in DNS names or answers. Per (querying host, registered
 * domain): many unique names, long high-entropy labels, and unusual record types (TXT,
 * NULL, private-use types). The registered domain follows the public-suffix rules
 * (`x.y.example.co.uk` -> `example.co.uk`; `a.b.duckdns.org` -> `b.duckdns.org`).
 * Reverse lookups (`.arpa`), mDNS (`.local`) and single-label names are not considered.
 *
 * Score (0..1): 0.45 unique-name score x (0.4 + 0.6 max(label, record-type score))
 * + 0.35 label score + 0.2 record-type score,
 * x periodicFactor for DNS-based lookup services listed as by design (DNSBLs, AV clouds).
 */
import type { Finding } from '../core/finding.js';
import type { DnsRecord } from '../core/records.js';
import type { DetectContext } from './context.js';
import { buildFinding, fmt, sourceBit } from './context.js';
import { IdPairTable } from './id-tables.js';
import { normalizeName } from './domains.js';
import { labelScore, rareQtypeScore, shannonEntropy, uniqueSubdomainScore, weighted } from './scores.js';

/** DNS record types that carry arbitrary data: TXT 16, NULL 10, private use 65280..65534. */
export function isDataQtype(qtype: number | null, name: string | null): boolean {
  if (qtype === 16 || qtype === 10) return true;
  if (qtype !== null && qtype >= 65280 && qtype <= 65534) return true;
  return name === 'TXT' || name === 'NULL';
}

interface DnsAgg {
  src: string;
  domain: string;
  queries: number;
  names: Set<string>;
  namesCapped: boolean;
  sumLen: number;
  sumEntropy: number;
  maxLabel: number;
  dataTypes: number;
  nxdomain: number;
  first: number;
  last: number;
  sources: number;
  resolver: string;
  longest: string;
}

export class DnsTunnelTracker {
  /** Aggregate indexes by (querier id, domain id) (ids of ctx.addrs and ctx.names): no string looked up per query. */
  private readonly aggIndex = new IdPairTable();
  private readonly aggs: DnsAgg[] = [];
  private namesStored = 0;

  constructor(private readonly ctx: DetectContext) {}

  /**
   * @param name normalizeName(r.query), when the caller has it already
   * @param srcId the querier's id in ctx.addrs (-1 when not interned), when the caller has it
   */
  onDns(r: DnsRecord, name: string | null = normalizeName(r.query), srcId: number = this.ctx.addrs.find(r.origH)): void {
    const ctx = this.ctx;
    if (!ctx.isInternalId(srcId, r.origH)) return;
    if (!name || name.indexOf('.') < 0 || name.endsWith('.arpa') || name.endsWith('.local')) return;
    const nameId = ctx.nameId(name);
    const domain = ctx.registeredDomainOf(name, nameId);
    let domainId = ctx.domainIdOf(domain, nameId);
    let ai = srcId >= 0 && domainId >= 0 ? this.aggIndex.get(srcId, domainId) : -1;
    let a = ai >= 0 ? this.aggs[ai] : undefined;
    if (!a) {
      if (this.aggs.length >= ctx.cfg.caps.maxDnsDomains) {
        ctx.capHit('detect_dns_domains_cap', `more than ${ctx.cfg.caps.maxDnsDomains} (host, domain) pairs; later ones are not tracked`);
        return;
      }
      srcId = ctx.internAddress(r.origH, srcId);
      if (srcId < 0) return;
      domainId = ctx.internName(domain, domainId);
      if (domainId < 0) return;
      // Ids given as -1 may belong to an existing aggregate (looked up again, as trackPair does).
      ai = this.aggIndex.get(srcId, domainId);
      if (ai >= 0) a = this.aggs[ai];
    }
    if (!a) {
      a = {
        src: r.origH,
        domain,
        queries: 0,
        names: new Set(),
        namesCapped: false,
        sumLen: 0,
        sumEntropy: 0,
        maxLabel: 0,
        dataTypes: 0,
        nxdomain: 0,
        first: Infinity,
        last: -Infinity,
        sources: 0,
        resolver: r.respH,
        longest: '',
      };
      this.aggIndex.set(srcId, domainId, this.aggs.length);
      this.aggs.push(a);
    }
    a.queries++;
    if (r.ts < a.first) a.first = r.ts;
    if (r.ts > a.last) a.last = r.ts;
    a.sources |= sourceBit(r.source);
    if (isDataQtype(r.qtype, r.qtypeName)) a.dataTypes++;
    if (r.rcode === 3) a.nxdomain++;
    if (name.length > domain.length && !a.names.has(name)) {
      if (a.names.size >= ctx.cfg.caps.maxNamesPerDomain) {
        if (!a.namesCapped) ctx.capHit('detect_dns_names_cap', `more than ${ctx.cfg.caps.maxNamesPerDomain} names under ${domain}; uniqueness is a lower bound`);
        a.namesCapped = true;
        return;
      }
      if (this.namesStored >= ctx.cfg.caps.maxDnsNamesTotal) {
        ctx.capHit('detect_dns_names_total_cap', `more than ${ctx.cfg.caps.maxDnsNamesTotal} DNS names stored; uniqueness is a lower bound from here on`);
        a.namesCapped = true;
        return;
      }
      this.namesStored++;
      a.names.add(name);
      const sub = name.slice(0, name.length - domain.length - 1);
      const flat = sub.replace(/\./g, '');
      a.sumLen += flat.length;
      a.sumEntropy += shannonEntropy(flat);
      for (const l of sub.split('.')) if (l.length > a.maxLabel) a.maxLabel = l.length;
      if (sub.length > a.longest.length) a.longest = sub;
    }
  }

  findings(): Finding[] {
    const ctx = this.ctx;
    const t = ctx.cfg.t;
    const out: Finding[] = [];
    for (const a of this.aggs) {
      if (a.queries < t.dnsMinQueries) continue;
      const unique = a.names.size;
      const meanLen = unique > 0 ? a.sumLen / unique : 0;
      const meanEnt = unique > 0 ? a.sumEntropy / unique : 0;
      const uniq = uniqueSubdomainScore(unique, t.dnsMinUnique, t.dnsFullUnique);
      const lab = labelScore(meanLen, meanEnt);
      const dataShare = a.dataTypes / a.queries;
      const qt = rareQtypeScore(dataShare);
      const periodic = ctx.periodicReason(null, a.domain, null, null);
      // Many short, readable names under one domain is what a CDN or a big site looks like:
      // uniqueness counts fully only with encoded-looking labels or data record types.
      const uniqEff = uniq * (0.4 + 0.6 * Math.max(lab, qt));
      const base = weighted([
        [0.45, uniqEff],
        [0.35, lab],
        [0.2, qt],
      ]);
      const s = base * (periodic ? t.periodicFactor : 1);
      let evidence = `${unique}${a.namesCapped ? '+' : ''} unique names under ${a.domain} in ${a.queries} queries, mean label length ${fmt(meanLen)}, entropy ${fmt(meanEnt)} bits/char`;
      if (a.dataTypes > 0) evidence += `, ${Math.round(dataShare * 100)}% TXT/NULL`;
      if (a.nxdomain > 0) evidence += `, ${a.nxdomain} NXDOMAIN`;
      if (periodic) evidence += ` (by design: ${periodic})`;
      const f = buildFinding(ctx, {
        detector: 'dns_tunnel',
        score01: s,
        idKey: [a.src, a.domain],
        sources: a.sources,
        startTime: a.first,
        endTime: a.last,
        srcIp: a.src,
        srcPort: null,
        destIp: a.resolver,
        destPort: 53,
        destHost: a.domain,
        transport: 'udp',
        appProtocol: 'dns',
        direction: ctx.direction(a.src, a.resolver),
        mitreTechniqueIds: ['T1071.004', 'T1572'],
        mitreTacticIds: ['TA0011', 'TA0010'],
        connCount: a.queries,
        srcBytes: a.sumLen,
        destBytes: 0,
        communityId: null,
        evidence,
        details: {
          uniqueNames: unique,
          namesCapped: a.namesCapped,
          meanLabelLength: Math.round(meanLen * 100) / 100,
          meanEntropy: Math.round(meanEnt * 1000) / 1000,
          longestLabel: a.maxLabel,
          dataTypeShare: Math.round(dataShare * 1000) / 1000,
          nxdomain: a.nxdomain,
          uniqueScore: Math.round(uniq * 1000) / 1000,
          labelScore: Math.round(lab * 1000) / 1000,
          recordTypeScore: Math.round(qt * 1000) / 1000,
          example: a.longest.slice(0, 120) + '.' + a.domain,
          periodicByDesign: periodic ?? '',
        },
      });
      if (f) out.push(f);
    }
    return out;
  }
}
