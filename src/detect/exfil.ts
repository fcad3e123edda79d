/**
 * `cleartext_exfil`: large or sustained uploads from an internal host to an external one
 * where the content is not encrypted, totalled per (internal host, external host) over the
 * whole input:
 *   - HTTP request bodies (POST/PUT and any request with a body) from http records; when
 *     the input has no http records at all, the originator bytes of `http` connections;
 *   - FTP data connections (`ftp-data`), in either direction of setup (active FTP has the
 *     server connect to the client), tied to the control connection by the host pair;
 *   - SMTP (weighted 0.8: mail to an outside server is often legitimate);
 *   - unknown protocols whose payload entropy (captures) is below `encryptedEntropy`;
 *     without an entropy sample (Zeek logs) unknown TCP data counts with weight 0.6,
 *     except on ports where encrypted protocols live;
 *   - unknown protocols with a high-entropy payload on such an unregistered port count with
 *     weight 0.5 ("opaque"): compressed files (a JPEG screenshot, a ZIP) look as random as
 *     ciphertext, and no TLS/SSH/QUIC analyzer recognised the stream.
 * TLS, SSH, QUIC and other encrypted services never count, and downloads are not uploads:
 * the producer/consumer ratio (PCR) of the pair scales the score.
 *
 * Score (0..1): volumeScore(bytes) x kind weight (byte-weighted mean of the weights above,
 * 1 for HTTP/FTP/clear-text unknown) x (0.5 + 0.5 PCR score), +0.1 when the same pair is also
 * a beacon or a suspicious port (then T1041, exfiltration over C2).
 */
import type { Direction, Finding } from '../core/finding.js';
import type { ConnRecord, HttpRecord } from '../core/records.js';
import type { DetectContext } from './context.js';
import { buildFinding, fmtBytes, hostOnly, IP_CLASS_EXTERNAL, IP_CLASS_INTERNAL, sourceBit } from './context.js';
import { IdPairTable } from './id-tables.js';
import type { PairState } from './pairs.js';
import { contentSeen, TopCounter } from './pairs.js';
import { clamp01 } from './stats.js';
import { pcr, pcrScore, volumeScore } from './scores.js';

/** Services whose payload is encrypted. */
const ENCRYPTED_SERVICES = /\b(ssl|tls|ssh|quic|dtls|openvpn|wireguard|ipsec|krb|ntlm|gssapi|rdp)\b/;
/** Ports where unknown data is most likely encrypted (TLS/SSH variants). */
const ENCRYPTED_PORTS = new Set([22, 443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 4443, 5061, 8443, 9443]);
export const SMTP_WEIGHT = 0.8;
export const UNKNOWN_NO_ENTROPY_WEIGHT = 0.6;
export const OPAQUE_WEIGHT = 0.5;

interface ExfilAgg {
  src: string;
  dst: string;
  httpBody: number;
  httpRequests: number;
  httpBodyRequests: number;
  httpConnUp: number;
  ftp: number;
  ftpControl: boolean;
  smtp: number;
  unknownClear: number;
  unknownMaybe: number;
  opaque: number;
  conns: number;
  first: number;
  last: number;
  sources: number;
  hosts: TopCounter<string>;
  methods: TopCounter<string>;
  ports: TopCounter<number>;
  largest: number;
  largestCommunityId: string | null;
  largestPort: number;
  proxied: boolean;
  downBytes: number;
}

// Patterns of the record path, made once (a regular expression literal makes a new object
// each time it is evaluated).
const FTP_DATA_SERVICE = /\bftp-data\b/;
const FTP_SERVICE = /\bftp\b/;
const HTTP_SERVICE = /\bhttp\b/;
const SMTP_SERVICE = /\bsmtp\b/;
const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export class ExfilTracker {
  /** Aggregates in creation order, found by the interned ids of source and destination. */
  private readonly aggIds = new IdPairTable();
  private readonly aggs: ExfilAgg[] = [];
  /** Any http record seen (sharded detection sets it from every shard: src/detect/shard.ts). */
  httpSeen = false;

  constructor(private readonly ctx: DetectContext) {}

  /**
   * @param srcId, dstId the addresses' ids in ctx.addrs (-1 when not interned)
   * @param srcCls, dstCls their classes (IP_CLASS_*) when known from a connection's direction, 0: classified when interned
   */
  private agg(src: string, dst: string, srcId: number, dstId: number, srcCls = 0, dstCls = 0): ExfilAgg | null {
    const i = srcId >= 0 && dstId >= 0 ? this.aggIds.get(srcId, dstId) : -1;
    let a = i >= 0 ? this.aggs[i] : undefined;
    if (!a) {
      const ctx = this.ctx;
      if (this.aggs.length >= ctx.cfg.caps.maxPairs) {
        ctx.capHit('detect_exfil_pairs_cap', `more than ${ctx.cfg.caps.maxPairs} upload pairs; later ones are not tracked`);
        return null;
      }
      srcId = ctx.internAddress(src, srcId, true, srcCls);
      dstId = srcId < 0 ? -1 : ctx.internAddress(dst, dstId, true, dstCls);
      if (dstId < 0) return null;
      a = {
        src,
        dst,
        httpBody: 0,
        httpRequests: 0,
        httpBodyRequests: 0,
        httpConnUp: 0,
        ftp: 0,
        ftpControl: false,
        smtp: 0,
        unknownClear: 0,
        unknownMaybe: 0,
        opaque: 0,
        conns: 0,
        first: Infinity,
        last: -Infinity,
        sources: 0,
        hosts: new TopCounter(8),
        methods: new TopCounter(8),
        ports: new TopCounter(8),
        largest: 0,
        largestCommunityId: null,
        largestPort: 0,
        proxied: false,
        downBytes: 0,
      };
      this.aggIds.set(srcId, dstId, this.aggs.length);
      this.aggs.push(a);
    }
    return a;
  }

  private span(a: ExfilAgg, ts: number, dur: number | null, source: number | undefined): void {
    if (ts < a.first) a.first = ts;
    const end = ts + (dur ?? 0);
    if (end > a.last) a.last = end;
    a.sources |= sourceBit(source);
  }

  /**
   * @param dir the connection's direction (DetectContext.direction)
   * @param oId, rId the addresses' ids in ctx.addrs (-1 when not interned)
   */
  onConn(r: ConnRecord, dir: Direction, oId = -1, rId = -1): void {
    const ctx = this.ctx;
    const svc = (r.service ?? '').toLowerCase();
    if (svc && ENCRYPTED_SERVICES.test(svc)) return;
    const oi = dir === 'outbound' || dir === 'internal';
    const ri = dir === 'inbound' || dir === 'internal';
    let src = r.origH;
    let dst = r.respH;
    let srcId = oId;
    let dstId = rId;
    let up = r.origBytes ?? 0;
    let down = r.respBytes ?? 0;
    let dstInternal = ri;
    if (FTP_DATA_SERVICE.test(svc) && !oi && ri) {
      // Active FTP: the server opened the data connection; the client's upload is respBytes.
      src = r.respH;
      dst = r.origH;
      srcId = rId;
      dstId = oId;
      up = r.respBytes ?? 0;
      down = r.origBytes ?? 0;
      dstInternal = oi;
    } else if (!oi || !ctx.considered(dir)) {
      // Uploads are what an internal host sends out.
      return;
    }
    let kind: 'http' | 'ftp' | 'smtp' | 'clear' | 'maybe' | 'opaque' | 'control' | null = null;
    if (HTTP_SERVICE.test(svc)) kind = 'http';
    else if (FTP_DATA_SERVICE.test(svc)) kind = 'ftp';
    else if (FTP_SERVICE.test(svc)) kind = 'control';
    else if (SMTP_SERVICE.test(svc)) kind = 'smtp';
    else if (!svc && up > 0 && r.proto !== 'icmp' && contentSeen(r)) {
      const e = r.origPayloadEntropy;
      if (typeof e === 'number' && e < ctx.cfg.t.encryptedEntropy) kind = 'clear';
      else if (r.proto === 'tcp' && !ENCRYPTED_PORTS.has(r.respP)) kind = typeof e === 'number' ? 'opaque' : 'maybe';
    }
    if (kind === null) return;
    // The direction tells both classes (the source is internal here).
    const a = this.agg(src, dst, srcId, dstId, IP_CLASS_INTERNAL, dstInternal ? IP_CLASS_INTERNAL : IP_CLASS_EXTERNAL);
    if (!a) return;
    a.conns++;
    a.downBytes += down;
    this.span(a, r.ts, r.duration, r.source);
    a.ports.add(r.respP);
    switch (kind) {
      case 'http':
        a.httpConnUp += up;
        break;
      case 'ftp':
        a.ftp += up;
        break;
      case 'control':
        a.ftpControl = true;
        return;
      case 'smtp':
        a.smtp += up;
        break;
      case 'clear':
        a.unknownClear += up;
        break;
      case 'maybe':
        a.unknownMaybe += up;
        break;
      case 'opaque':
        a.opaque += up;
        break;
    }
    if (up > a.largest) {
      a.largest = up;
      a.largestCommunityId = r.communityId;
      a.largestPort = r.respP;
    }
  }

  onHttp(r: HttpRecord): void {
    this.httpSeen = true;
    const ctx = this.ctx;
    const at = ctx.addrs;
    const oId = at.find(r.origH);
    const rId = at.find(r.respH);
    const dir = ctx.directionOf(oId, r.origH, rId, r.respH) ?? ctx.direction(r.origH, r.respH);
    const uri = r.uri ?? '';
    const proxied = r.method === 'CONNECT' || URL_WITH_SCHEME.test(uri);
    if (!ctx.considered(dir) && !(dir === 'internal' && proxied)) return;
    if (r.method === 'CONNECT') return;
    const a = this.agg(r.origH, r.respH, oId, rId);
    if (!a) return;
    a.httpRequests++;
    if (r.requestBodyLen > 0 && r.requestBodyLen < Infinity) {
      a.httpBody += r.requestBodyLen;
      a.httpBodyRequests++;
      if (r.method) a.methods.add(r.method);
    }
    if (r.responseBodyLen > 0 && r.responseBodyLen < Infinity) a.downBytes += r.responseBodyLen;
    if (proxied) a.proxied = true;
    const h = hostOnly(r.host);
    if (h) a.hosts.add(h);
    this.span(a, r.ts, null, r.source);
  }

  findings(pairs: { get(src: string, dst: string): PairState | undefined }, c2Pairs: Set<string>): Finding[] {
    const ctx = this.ctx;
    const t = ctx.cfg.t;
    const out: Finding[] = [];
    for (const a of this.aggs) {
      const http = this.httpSeen ? a.httpBody : a.httpConnUp;
      const raw = http + a.ftp + a.smtp + a.unknownClear + a.unknownMaybe + a.opaque;
      if (raw < t.exfilMinBytes) continue;
      const weightedBytes =
        http + a.ftp + SMTP_WEIGHT * a.smtp + a.unknownClear + UNKNOWN_NO_ENTROPY_WEIGHT * a.unknownMaybe + OPAQUE_WEIGHT * a.opaque;
      const kindWeight = weightedBytes / raw;
      const vol = volumeScore(raw, t.exfilMinBytes, t.exfilFullBytes);
      const p = pairs.get(a.src, a.dst);
      const up = p ? Math.max(p.origBytes, raw) : raw;
      const down = p ? p.respBytes : a.downBytes;
      const ratio = pcr(up, down);
      const c2 = c2Pairs.has(a.src + '|' + a.dst);
      const s = clamp01(vol * kindWeight * (0.5 + 0.5 * pcrScore(ratio)) + (c2 ? 0.1 : 0));
      const kinds: string[] = [];
      if (http > 0) kinds.push(`HTTP ${fmtBytes(http)}${a.httpBodyRequests ? ` in ${a.httpBodyRequests} ${a.methods.keys().join('/') || 'request'} bodies` : ''}`);
      if (a.ftp > 0) kinds.push(`FTP ${fmtBytes(a.ftp)}`);
      if (a.smtp > 0) kinds.push(`SMTP ${fmtBytes(a.smtp)}`);
      if (a.unknownClear > 0) kinds.push(`clear-text unknown protocol ${fmtBytes(a.unknownClear)}`);
      if (a.unknownMaybe > 0) kinds.push(`unknown protocol ${fmtBytes(a.unknownMaybe)}`);
      if (a.opaque > 0) kinds.push(`unknown protocol with high-entropy (compressed or encrypted) payload ${fmtBytes(a.opaque)}`);
      const host = a.hosts.top() ?? ctx.nameFor(null, a.src, a.dst);
      let evidence = `${fmtBytes(raw)} sent ${a.opaque === raw ? 'over an unidentified protocol' : 'in clear text'} (${kinds.join(', ')}), ${fmtBytes(down)} received, PCR ${ratio.toFixed(2)}`;
      if (c2) evidence += ', to a C2-like destination';
      if (a.proxied) evidence += ', through a proxy';
      const techniques = ['T1048.003'];
      if (c2) techniques.push('T1041');
      const app = http > 0 ? 'http' : a.ftp > 0 ? 'ftp' : a.smtp > 0 ? 'smtp' : null;
      const f = buildFinding(ctx, {
        detector: 'cleartext_exfil',
        score01: s,
        idKey: [a.src, a.dst],
        sources: a.sources,
        startTime: a.first,
        endTime: a.last,
        srcIp: a.src,
        srcPort: null,
        destIp: a.dst,
        destPort: a.ports.top() ?? null,
        destHost: host ?? null,
        transport: 'tcp',
        appProtocol: app,
        direction: ctx.direction(a.src, a.dst),
        mitreTechniqueIds: techniques,
        mitreTacticIds: ['TA0010'],
        connCount: a.conns || a.httpRequests,
        srcBytes: up,
        destBytes: down,
        communityId: a.conns === 1 ? a.largestCommunityId : null,
        evidence,
        details: {
          clearTextBytes: raw,
          weightedBytes,
          httpBytes: http,
          ftpBytes: a.ftp,
          ftpControlSeen: a.ftpControl,
          smtpBytes: a.smtp,
          unknownClearBytes: a.unknownClear,
          unknownNoEntropyBytes: a.unknownMaybe,
          opaqueBytes: a.opaque,
          kindWeight: Math.round(kindWeight * 1000) / 1000,
          pcr: Math.round(ratio * 1000) / 1000,
          volumeScore: Math.round(vol * 1000) / 1000,
          c2Destination: c2,
          proxied: a.proxied,
        },
      });
      if (f) out.push(f);
    }
    return out;
  }
}
