/**
 * `ioc_match`: traffic to indicators from the loaded lists and feeds: addresses and CIDRs
 * (either end of a connection, and DNS answers), domains with their subdomains (DNS query,
 * TLS SNI, HTTP Host), JA3/JA4 fingerprints (a JA3 entry also matches a JA3S, as Slips does,
 * since feeds mix both), and URLs (HTTP host + URI).
 * One finding per (internal host, indicator). The direction setting does not apply: a
 * query for a listed domain through the internal resolver is still a hit.
 *
 * Score (0..1) by the kind of evidence: URL 0.9, domain/address 0.8, JA3/JA4 0.6 (shared
 * by many clients), CIDR 0.6, an address only seen in a DNS answer 0.5; +0.1 when the host
 * also exchanged data with it (bytes both ways).
 */
import type { Finding } from '../core/finding.js';
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../core/records.js';
import type { Indicator } from './config.js';
import { normalizeUrl } from './config.js';
import type { DetectContext } from './context.js';
import { buildFinding, hostOnly, sourceBit } from './context.js';
import { SmallCounter } from './pairs.js';
import { clamp01 } from './stats.js';

export const IOC_SCORES = { url: 0.9, domain: 0.8, ip: 0.8, cidr: 0.6, ja3: 0.6, ja4: 0.6, answer: 0.5 } as const;

type MatchKind = keyof typeof IOC_SCORES;

interface IocAgg {
  src: string;
  ind: Indicator;
  kind: MatchKind;
  matched: string;
  hits: number;
  first: number;
  last: number;
  sources: number;
  destIp: string | null;
  destPort: number | null;
  destHost: string | null;
  transport: string | null;
  app: string | null;
  srcBytes: number;
  destBytes: number;
  communityId: string | null;
  seenIn: SmallCounter<string>;
}

export class IocTracker {
  private readonly aggs = new Map<string, IocAgg>();
  readonly enabled: boolean;

  constructor(private readonly ctx: DetectContext) {
    const c = ctx.cfg;
    this.enabled = c.iocIps.size + c.iocDomains.size + c.iocJa3.size + c.iocJa4.size + c.iocUrls.size > 0;
  }

  private hit(
    src: string,
    ind: Indicator,
    kind: MatchKind,
    matched: string,
    ts: number,
    where: string,
    source: number | undefined,
    dest: { ip: string | null; port: number | null; host: string | null; transport: string | null; app: string | null },
    bytes?: [number, number, string | null],
  ): void {
    const key = `${src}|${ind.type}|${ind.value}|${kind}`;
    let a = this.aggs.get(key);
    if (!a) {
      if (this.aggs.size >= this.ctx.cfg.caps.maxPairs) {
        this.ctx.capHit('detect_ioc_hits_cap', `more than ${this.ctx.cfg.caps.maxPairs} indicator hits; later ones are not tracked`);
        return;
      }
      a = {
        src,
        ind,
        kind,
        matched,
        hits: 0,
        first: Infinity,
        last: -Infinity,
        sources: 0,
        destIp: dest.ip,
        destPort: dest.port,
        destHost: dest.host,
        transport: dest.transport,
        app: dest.app,
        srcBytes: 0,
        destBytes: 0,
        communityId: bytes?.[2] ?? null,
        seenIn: new SmallCounter(8),
      };
      this.aggs.set(key, a);
    }
    a.hits++;
    if (ts < a.first) a.first = ts;
    if (ts > a.last) a.last = ts;
    a.sources |= sourceBit(source);
    a.seenIn.add(where);
    a.destIp ??= dest.ip;
    a.destHost ??= dest.host;
    if (bytes) {
      a.srcBytes += bytes[0];
      a.destBytes += bytes[1];
    }
  }

  /** @param oId, rId the addresses' ids in ctx.addrs (-1 when not interned) */
  onConn(r: ConnRecord, oId = -1, rId = -1): void {
    const ri = this.ctx.iocForAddressId(rId, r.respH);
    const oi = this.ctx.iocForAddressId(oId, r.origH);
    // The common case (no match) allocates nothing.
    if (!ri && !oi) return;
    const dest = { ip: r.respH, port: r.respP, host: null, transport: r.proto, app: r.service };
    const b: [number, number, string | null] = [r.origBytes ?? 0, r.respBytes ?? 0, r.communityId];
    if (ri) this.hit(r.origH, ri, ri.type === 'cidr' ? 'cidr' : 'ip', r.respH, r.ts, 'conn', r.source, dest, b);
    if (oi) this.hit(r.respH, oi, oi.type === 'cidr' ? 'cidr' : 'ip', r.origH, r.ts, 'conn (inbound)', r.source, { ...dest, ip: r.origH, port: r.origP }, b);
  }

  onDns(r: DnsRecord): void {
    const c = this.ctx.cfg;
    const d = c.iocDomains.size > 0 ? c.iocDomains.get(r.query) : undefined;
    if (d) this.hit(r.origH, d, 'domain', r.query!, r.ts, 'dns query', r.source, dnsDest(r));
    for (const ans of r.answers) {
      const ai = c.iocIps.size > 0 ? c.iocIps.get(ans) : undefined;
      if (ai) this.hit(r.origH, ai, 'answer', ans, r.ts, 'dns answer', r.source, { ...dnsDest(r), ip: ans });
      else if (c.iocDomains.size > 0 && !/^[0-9.:a-f]+$/i.test(ans)) {
        const ad = c.iocDomains.get(ans);
        if (ad) this.hit(r.origH, ad, 'domain', ans, r.ts, 'dns answer (CNAME)', r.source, dnsDest(r));
      }
    }
  }

  onHttp(r: HttpRecord): void {
    const c = this.ctx.cfg;
    const host = hostOnly(r.host);
    const dest = { ip: r.respH, port: r.respP, host, transport: 'tcp', app: 'http' };
    const fin = (x: number) => (x > 0 && x < Infinity ? x : 0);
    const b: [number, number, string | null] = [fin(r.requestBodyLen), fin(r.responseBodyLen), null];
    if (host) {
      const d = c.iocDomains.get(host);
      if (d) this.hit(r.origH, d, 'domain', host, r.ts, 'http host', r.source, dest, b);
    }
    if (c.iocUrls.size > 0 && r.uri) {
      const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(r.uri) ? r.uri : (host ?? r.respH) + (r.uri.startsWith('/') ? '' : '/') + r.uri;
      const u = normalizeUrl(full);
      let ind = u ? c.iocUrls.get(u) : undefined;
      if (!ind && u) {
        const q = u.indexOf('?');
        if (q > 0) ind = c.iocUrls.get(u.slice(0, q));
      }
      if (ind) this.hit(r.origH, ind, 'url', u!, r.ts, 'http url', r.source, dest, b);
    }
  }

  onSsl(r: SslRecord): void {
    const c = this.ctx.cfg;
    const dest = { ip: r.respH, port: r.respP, host: r.serverName, transport: 'tcp', app: 'ssl' };
    if (r.serverName) {
      const d = c.iocDomains.get(r.serverName);
      if (d) this.hit(r.origH, d, 'domain', r.serverName, r.ts, 'tls sni', r.source, dest);
    }
    if (r.ja3) {
      const j = c.iocJa3.get(r.ja3.toLowerCase());
      if (j) this.hit(r.origH, j, 'ja3', r.ja3.toLowerCase(), r.ts, 'tls ja3', r.source, dest);
    }
    // Feeds mix client and server hashes; like Slips, a listed hash also matches JA3S.
    if (r.ja3s) {
      const j = c.iocJa3.get(r.ja3s.toLowerCase());
      if (j) this.hit(r.origH, j, 'ja3', r.ja3s.toLowerCase(), r.ts, 'tls ja3s', r.source, dest);
    }
    if (r.ja4) {
      const j = c.iocJa4.get(r.ja4.toLowerCase());
      if (j) this.hit(r.origH, j, 'ja4', r.ja4.toLowerCase(), r.ts, 'tls ja4', r.source, dest);
    }
  }

  findings(): Finding[] {
    const out: Finding[] = [];
    for (const a of this.aggs.values()) {
      const exchanged = a.srcBytes > 0 && a.destBytes > 0;
      const s = clamp01(IOC_SCORES[a.kind] + (exchanged ? 0.1 : 0));
      const desc = a.ind.description ? ` (${a.ind.description})` : '';
      const evidence = `${a.ind.type} indicator ${a.ind.value}${desc} from ${a.ind.source} matched ${a.matched} in ${a.seenIn.keys().join(', ')}, ${a.hits} time${a.hits > 1 ? 's' : ''}`;
      const techniques: string[] = [];
      if (a.app === 'dns' || a.kind === 'answer') techniques.push('T1071.004');
      else if (a.app && /ssl|http/.test(a.app)) techniques.push('T1071.001');
      if (a.kind === 'ja3' || a.kind === 'ja4' || (a.app && /ssl/.test(a.app))) techniques.push('T1573');
      if (techniques.length === 0) techniques.push('T1071');
      const f = buildFinding(this.ctx, {
        detector: 'ioc_match',
        score01: s,
        idKey: [a.src, a.ind.type, a.ind.value, a.kind],
        sources: a.sources,
        startTime: a.first,
        endTime: a.last,
        srcIp: a.src,
        srcPort: null,
        destIp: a.destIp,
        destPort: a.destPort,
        destHost: a.destHost,
        transport: a.transport,
        appProtocol: a.app,
        direction: a.destIp ? this.ctx.direction(a.src, a.destIp) : 'outbound',
        mitreTechniqueIds: techniques,
        mitreTacticIds: ['TA0011'],
        connCount: a.hits,
        srcBytes: a.srcBytes,
        destBytes: a.destBytes,
        communityId: a.hits === 1 ? a.communityId : null,
        evidence,
        details: {
          indicatorType: a.ind.type,
          indicator: a.ind.value,
          indicatorSource: a.ind.source,
          description: a.ind.description ?? '',
          matchedOn: a.kind,
          matched: a.matched,
          seenIn: a.seenIn.keys(),
        },
      });
      if (f) out.push(f);
    }
    return out;
  }
}

/** The destination of a DNS match (made only when there is one). */
function dnsDest(r: DnsRecord): { ip: string; port: number; host: string | null; transport: string; app: string } {
  return { ip: r.respH, port: r.respP, host: r.query, transport: r.proto, app: 'dns' };
}
