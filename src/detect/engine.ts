/**
 * The detection engine: a RecordSink fed by any number of inputs (captures and Zeek logs)
 * in any time order. It keeps bounded state per pair and per domain while records stream
 * in, and runs the detectors in finish(). Pure: no file system, clock or environment.
 *
 * Detector order in finish(): beacon first (its periodic pairs make suspicious ports and
 * uploads stronger), then suspicious_port, cleartext_exfil, long_connection, dns_tunnel,
 * ioc_match. Findings are sorted by score (descending), then finding_id.
 */
import { AnomalyCounter } from '../core/anomaly.js';
import type { DetectorId, Direction, Finding } from '../core/finding.js';
import type { ConnRecord, DnsRecord, HttpRecord, RecordSink, SslRecord } from '../core/records.js';
import { beaconFindings, beaconFirstPass } from './beacon.js';
import type { DetectConfig } from './config.js';
import { normalizeDetectConfig } from './config.js';
import { DetectContext, hostOnly, IP_CLASS_EXTERNAL, IP_CLASS_INTERNAL, sourceBit } from './context.js';
import { DnsBeaconTracker, mergeDnsBeacons } from './dns-beacon.js';
import { DnsTunnelTracker } from './dns-tunnel.js';
import { normalizeName } from './domains.js';
import { ExfilTracker } from './exfil.js';
import { IocTracker } from './ioc.js';
import { longConnectionFindings } from './long-connection.js';
import { isFailedAttempt, PairIndex, type PairState } from './pairs.js';
import { PortTracker } from './ports.js';
import { NO_INFO, uidHash } from './uid-join.js';
import { BruteForceTracker } from './brute-force.js';
import { HttpCheckinTracker } from './http-checkin.js';
import { ScanTracker } from './scan.js';
import { mergeSessionBeacons, SessionBeaconTracker } from './session-beacon.js';
import type { FinishGlobals, ShardAccess } from './shard.js';

// Patterns of the record path, made once (a regular expression literal makes a new object
// each time it is evaluated).
const DIGITS_AND_DOTS = /^[0-9.]+$/;
const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/([^/]+)/i;

/** Figures for the run summary. */
export interface DetectionStats {
  conn: number;
  dns: number;
  http: number;
  ssl: number;
  badRecords: number;
  /** Open-connection rows dropped because the same uid was seen again (closed or open). */
  duplicateOpen: number;
  pairs: number;
  internalHosts: number;
  suppressed: number;
  findings: Record<DetectorId, number>;
}

export class DetectionEngine implements RecordSink {
  readonly anomalies: AnomalyCounter;
  private readonly ctx: DetectContext;
  private readonly pairs: PairIndex;
  /** Open connections held until finish(), by uid (see conn()), with their direction. */
  private readonly openPending = new Map<string, OpenConn>();
  private readonly ports: PortTracker;
  private readonly exfil: ExfilTracker;
  private readonly dnsTunnel: DnsTunnelTracker;
  private readonly dnsBeacon: DnsBeaconTracker;
  private readonly ioc: IocTracker;
  private readonly scan: ScanTracker;
  private readonly bruteForce: BruteForceTracker;
  private readonly sessionBeacon: SessionBeaconTracker;
  private readonly httpCheckin: HttpCheckinTracker;
  private readonly on: Set<DetectorId>;
  /** Cross-shard aggregates finish() uses instead of its own counts (sharded detection only). */
  private globals: FinishGlobals | null = null;
  private findingCounts: Record<DetectorId, number> = {
    beacon: 0,
    suspicious_port: 0,
    cleartext_exfil: 0,
    long_connection: 0,
    dns_tunnel: 0,
    ioc_match: 0,
    scan: 0,
    brute_force: 0,
    http_checkin: 0,
  };

  /**
   * @param cfg detection settings; validated here (throws KonsekiError ERR_CONFIG)
   * @param anomalies where bad records and caps are counted (detect_* codes)
   */
  constructor(cfg: DetectConfig = {}, anomalies: AnomalyCounter = new AnomalyCounter()) {
    this.anomalies = anomalies;
    this.ctx = new DetectContext(normalizeDetectConfig(cfg), anomalies);
    this.on = this.ctx.cfg.detectors;
    this.pairs = new PairIndex(this.ctx.addrs);
    this.ports = new PortTracker(this.ctx);
    this.exfil = new ExfilTracker(this.ctx);
    this.dnsTunnel = new DnsTunnelTracker(this.ctx);
    this.dnsBeacon = new DnsBeaconTracker(this.ctx);
    this.ioc = new IocTracker(this.ctx);
    this.scan = new ScanTracker(this.ctx);
    this.bruteForce = new BruteForceTracker(this.ctx);
    this.sessionBeacon = new SessionBeaconTracker(this.ctx);
    this.httpCheckin = new HttpCheckinTracker(this.ctx);
  }

  private bad(kind: string, uid: string | undefined, why: string): void {
    this.ctx.stats.badRecords++;
    this.anomalies.add('detect_bad_record', undefined, undefined, undefined, `${kind} record ${uid ?? '?'}: ${why}`);
  }

  conn(r: ConnRecord): void {
    const ctx = this.ctx;
    ctx.stats.conn++;
    if (!ctx.seeTs(r.ts)) return this.bad('conn', r.uid, `timestamp ${String(r.ts)} is not a number`);
    // One lookup per address: its interned id (addresses of tracked pairs) with its class,
    // else the class alone; null when either is non-routable.
    const at = ctx.addrs;
    const oId = at.find(r.origH);
    const rId = at.find(r.respH);
    const dir = ctx.directionOf(oId, r.origH, rId, r.respH);
    if (dir === null) return ctx.uids.forget(r.uid);
    if (!countOk(r.origBytes) || !countOk(r.respBytes) || !countOk(r.duration) || !countOk(r.origIpBytes)) {
      // Negative or non-finite sizes: count, and go on with them unset.
      this.anomalies.add('detect_bad_field', undefined, undefined, undefined, `conn record ${r.uid}: bytes or duration not a finite, non-negative number`);
      r = {
        ...r,
        origBytes: countOk(r.origBytes) ? r.origBytes : null,
        respBytes: countOk(r.respBytes) ? r.respBytes : null,
        duration: countOk(r.duration) ? r.duration : null,
        origIpBytes: countOk(r.origIpBytes) ? r.origIpBytes : 0,
      };
    }
    // A connection still open (RITA's open_conn.log, a capture's live flows) may show up
    // again, in a later rotation or closed in conn.log: keep the open row aside until
    // finish(), and let the closed row (or the longest open row) stand for the connection.
    if (r.openAtEnd) {
      const known = oId >= 0 && rId >= 0 ? this.pairs.find(oId, rId) : -1;
      if (known >= 0 && this.pairs.hasBeatHash(known, uidHash(r.uid))) {
        ctx.stats.duplicateOpen++;
        return;
      }
      const cur = this.openPending.get(r.uid);
      if (cur) {
        ctx.stats.duplicateOpen++;
        if ((r.duration ?? 0) > (cur.r.duration ?? 0)) this.openPending.set(r.uid, { r, dir });
        return;
      }
      if (this.openPending.size < ctx.cfg.caps.maxOpenPending) {
        this.openPending.set(r.uid, { r, dir });
        return;
      }
      ctx.capHit('detect_open_pending_cap', `more than ${ctx.cfg.caps.maxOpenPending} open connections held for de-duplication; later ones are counted at once`);
    } else if (this.openPending.size > 0 && this.openPending.delete(r.uid)) {
      ctx.stats.duplicateOpen++;
    }
    this.analyzeConn(r, dir, oId, rId);
  }

  /** @param oId, rId the addresses' ids (ctx.addrs), -1 when not interned */
  private analyzeConn(r: ConnRecord, dir: Direction, oId: number, rId: number): void {
    const ctx = this.ctx;
    if (this.on.has('ioc_match') && this.ioc.enabled) this.ioc.onConn(r, oId, rId);
    const considered = ctx.considered(dir);
    if (this.on.has('cleartext_exfil')) this.exfil.onConn(r, dir, oId, rId);
    // Scans and password guessing from internal sources count in any direction (scan.ts).
    if (this.on.has('scan')) this.scan.onConn(r, dir);
    if (this.on.has('brute_force')) this.bruteForce.onConn(r, dir);
    if (considered && r.origBursts !== undefined && this.on.has('beacon')) this.sessionBeacon.onConn(r, dir);
    if (!considered && dir !== 'internal') return ctx.uids.forget(r.uid);
    if (considered && this.on.has('suspicious_port')) this.ports.onConn(r);
    if (considered && dir === 'outbound') ctx.noteInternalHostId(oId, r.origH);
    this.trackPair(r, dir, oId, rId);
  }

  private trackPair(r: ConnRecord, dir: Direction, oId: number, rId: number): void {
    const ctx = this.ctx;
    const caps = ctx.cfg.caps;
    const pairs = this.pairs;
    let id = oId >= 0 && rId >= 0 ? pairs.find(oId, rId) : -1;
    if (id < 0) {
      if (pairs.size >= caps.maxPairs) {
        ctx.capHit('detect_pairs_cap', `more than ${caps.maxPairs} host pairs; later pairs are not tracked`);
        return ctx.uids.forget(r.uid);
      }
      // An address not interned when the record came in may have been since (by the upload
      // tracker): internAddress() looks again before adding it.
      // The direction tells both classes (neither is non-routable): not classified again.
      oId = ctx.internAddress(r.origH, oId, true, dir === 'outbound' || dir === 'internal' ? IP_CLASS_INTERNAL : IP_CLASS_EXTERNAL);
      rId = oId < 0 ? -1 : ctx.internAddress(r.respH, rId, true, dir === 'inbound' || dir === 'internal' ? IP_CLASS_INTERNAL : IP_CLASS_EXTERNAL);
      if (rId < 0) return ctx.uids.forget(r.uid);
      id = pairs.find(oId, rId);
      if (id < 0) id = pairs.add(oId, rId, dir);
    }
    const ob = r.origBytes ?? 0;
    const rb = r.respBytes ?? 0;
    const dur = r.duration !== null && r.duration > 0 ? r.duration : 0;
    pairs.noteConn(id, r, ob, rb, dur, sourceBit(r.source), ctx.cfg.t.longConn1);
    // Index of this connection's beat, -1 when it is not stored as one.
    let beat = -1;
    const uh = uidHash(r.uid);
    if (isFailedAttempt(r)) {
      pairs.addFailed(id, r.ts, caps.maxFailedPerPair);
    } else if (pairs.beatCount(id) < caps.maxBeatsPerPair) {
      beat = pairs.addBeat(id, r.ts, ob > 0 ? ob : r.origIpBytes, rb, NO_INFO, uh);
    } else {
      if (pairs.beatsDropped(id) === 0) ctx.capHit('detect_beats_per_pair_cap', `more than ${caps.maxBeatsPerPair} connections ${r.origH} -> ${r.respH}; the first ones are analysed`);
      pairs.dropBeat(id);
    }
    // The uid -> SNI/Host join: the name ref known now, and later TLS/HTTP rows update it.
    if (beat >= 0 || pairs.isMaxDurUid(id, r.uid)) pairs.uidRefChanged(beat, r.uid, ctx.uids.join(r.uid, pairs, beat, uh, id), id);
  }

  dns(r: DnsRecord): void {
    const ctx = this.ctx;
    ctx.stats.dns++;
    if (!ctx.seeTs(r.ts)) return this.bad('dns', r.uid, `timestamp ${String(r.ts)} is not a number`);
    const q = normalizeName(r.query);
    // The querier's id, looked up once for the three trackers (-1 when not interned yet).
    let srcId = ctx.addrs.find(r.origH);
    if (q) {
      for (const a of r.answers) {
        // Answers mix addresses and CNAME targets; only addresses join connections.
        if (a.indexOf(':') >= 0 || DIGITS_AND_DOTS.test(a)) {
          ctx.noteDnsAnswer(r.origH, a, q, r.ts, srcId);
          if (srcId < 0) srcId = ctx.addrs.find(r.origH);
        }
      }
    }
    if (this.on.has('beacon')) {
      this.dnsBeacon.onDns(r, q, srcId);
      if (srcId < 0) srcId = ctx.addrs.find(r.origH);
    }
    if (this.on.has('dns_tunnel')) this.dnsTunnel.onDns(r, q, srcId);
    if (this.on.has('ioc_match') && this.ioc.enabled) this.ioc.onDns(r);
  }

  http(r: HttpRecord): void {
    const ctx = this.ctx;
    ctx.stats.http++;
    if (!ctx.seeTs(r.ts)) return this.bad('http', r.uid, `timestamp ${String(r.ts)} is not a number`);
    const uri = r.uri ?? '';
    const proxied = r.method === 'CONNECT' || URL_WITH_SCHEME.test(uri);
    let host = hostOnly(r.host);
    if (!host && proxied && r.method !== 'CONNECT') {
      const m = URL_HOST.exec(uri);
      host = m ? hostOnly(m[1]) : null;
    }
    if (host && DIGITS_AND_DOTS.test(host)) host = null;
    ctx.noteUid(r.uid, host, false, proxied);
    if (this.on.has('cleartext_exfil')) this.exfil.onHttp(r);
    if (this.on.has('http_checkin')) this.httpCheckin.onHttp(r, host, proxied);
    if (this.on.has('ioc_match') && this.ioc.enabled) this.ioc.onHttp(r);
  }

  ssl(r: SslRecord): void {
    const ctx = this.ctx;
    ctx.stats.ssl++;
    if (!ctx.seeTs(r.ts)) return this.bad('ssl', r.uid, `timestamp ${String(r.ts)} is not a number`);
    const sni = normalizeName(r.serverName);
    ctx.noteUid(r.uid, sni && !DIGITS_AND_DOTS.test(sni) ? sni : null, true, false);
    if (this.on.has('ioc_match') && this.ioc.enabled) this.ioc.onSsl(r);
  }

  /**
   * Run the detectors over everything seen so far.
   * @returns findings sorted by score (descending), then finding_id
   */
  finish(): Finding[] {
    const ctx = this.ctx;
    this.settle();
    const all: Finding[] = [];
    const cap = ctx.cfg.caps.maxFindingsPerDetector;
    // `candidates`: how many findings the detector had before it applied the cap itself
    // (top-findings.ts), so the cap hit is counted as when the cut was made here.
    const keep = (id: DetectorId, fs: Finding[], candidates = fs.length): void => {
      fs.sort(byScoreThenId);
      if (fs.length > cap || candidates > cap) {
        ctx.capHit('detect_findings_cap', `more than ${cap} ${id} findings; the ${cap} highest are kept`);
        if (fs.length > cap) fs.length = cap;
      }
      this.findingCounts[id] = fs.length;
      for (const f of fs) all.push(f);
    };
    // Internal hosts per destination address (prevalence for per-address detectors).
    const g = this.globals;
    const hostsPerDest = g?.hostsPerDest ?? this.pairs.hostsPerDestination();
    // A sharded merge's first pass is used once (beaconFindings releases its items).
    const pass = g?.beaconFirstPass ?? beaconFirstPass(ctx, this.pairs);
    if (g) g.beaconFirstPass = undefined;
    const beacon = beaconFindings(ctx, pass, g?.beaconKeyHosts);
    if (this.on.has('beacon')) {
      // Periodic DNS lookups are beacons too; one finding per (source, name), the higher score.
      const suffixes = ctx.cfg.suffixes;
      keep('beacon', mergeSessionBeacons(mergeDnsBeacons(beacon.findings, this.dnsBeacon.findings(g?.dnsBeacon), (n) => suffixes.registeredDomain(n)), this.sessionBeacon.findings(hostsPerDest)));
    }
    const ports = this.on.has('suspicious_port') ? this.ports.findings(beacon.beaconPairs, hostsPerDest, cap) : { findings: [], candidates: 0 };
    const portFindings = ports.findings;
    keep('suspicious_port', portFindings, ports.candidates);
    const c2Pairs = new Set(beacon.beaconPairs);
    // Any reported port finding (low or above) makes uploads on that pair "over a C2-like channel".
    for (const f of portFindings) if (f.score >= 20 && f.destIp) c2Pairs.add(f.srcIp + '|' + f.destIp);
    if (this.on.has('cleartext_exfil')) keep('cleartext_exfil', this.exfil.findings(this.pairs, c2Pairs));
    // Only pairs over the first threshold can make a long_connection finding.
    if (this.on.has('long_connection')) keep('long_connection', longConnectionFindings(ctx, this.pairs.longerThan(ctx.cfg.t.longConn1), hostsPerDest));
    if (this.on.has('dns_tunnel')) keep('dns_tunnel', this.dnsTunnel.findings());
    if (this.on.has('ioc_match')) keep('ioc_match', this.ioc.findings());
    if (this.on.has('scan')) keep('scan', this.scan.findings());
    if (this.on.has('brute_force')) keep('brute_force', this.bruteForce.findings());
    if (this.on.has('http_checkin')) keep('http_checkin', this.httpCheckin.findings(hostsPerDest));
    all.sort(byScoreThenId);
    return all;
  }

  /** Analyse the open connections held for de-duplication: the record phase is over. */
  private settle(): void {
    const at = this.ctx.addrs;
    // The direction worked out when the row came in (the addresses are not classified again:
    // a capture's live flows are most of its connections, and most of their addresses were
    // classified through the cache, which a busy capture has cleared since).
    for (const { r, dir } of this.openPending.values()) this.analyzeConn(r, dir, at.find(r.origH), at.find(r.respH));
    this.openPending.clear();
  }

  /**
   * Sharded detection only (src/detect/shard.ts): ends the record phase and opens the state
   * that the cross-shard merge reads and sets before finish().
   */
  shardAccess(): ShardAccess {
    this.settle();
    return {
      ctx: this.ctx,
      pairs: this.pairs,
      exfil: this.exfil,
      dnsBeacon: this.dnsBeacon,
      setGlobals: (g) => void (this.globals = g),
    };
  }

  /** Counters for the run summary. */
  stats(): DetectionStats {
    const s = this.ctx.stats;
    return {
      conn: s.conn,
      dns: s.dns,
      http: s.http,
      ssl: s.ssl,
      badRecords: s.badRecords,
      duplicateOpen: s.duplicateOpen,
      pairs: this.pairs.size,
      internalHosts: this.ctx.internalHosts.size,
      suppressed: s.suppressed,
      findings: { ...this.findingCounts },
    };
  }
}

/** An open connection held for de-duplication, with its direction (never null: see conn()). */
interface OpenConn {
  r: ConnRecord;
  dir: Direction;
}

/** Internal hosts per destination address over outbound pairs (prevalence for per-address detectors). */
export function hostsPerDestination(pairs: Iterable<PairState>): Map<string, number> {
  const hostsPerDest = new Map<string, number>();
  for (const p of pairs) {
    if (p.dir === 'outbound') hostsPerDest.set(p.dst, (hostsPerDest.get(p.dst) ?? 0) + 1);
  }
  return hostsPerDest;
}

/** A byte count or duration we can add up: unset, or finite and non-negative. */
function countOk(x: number | null): boolean {
  return x === null || (x >= 0 && x < Infinity);
}

export function byScoreThenId(a: Finding, b: Finding): number {
  return b.score - a.score || (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0);
}
