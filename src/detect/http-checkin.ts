/**
 * `http_checkin`: an implant checking in with its HTTP C2 (ATT&CK T1071.001), found from
 * http.log records alone, so captures and Zeek logs give the same result. Made for the case
 * beacon analysis cannot see: a few check-ins, irregularly spaced (CryptoWall 4 posts three
 * times in 42 s).
 *
 * What peers do: Suricata's ET ruleset flags such traffic with family signatures and with
 * generic "check-in" rules built from the same traits (POST to a script with no Referer, odd
 * headers); RITA only scores repetition and timing (beacons) and would need more
 * connections. This heuristic keeps the generic traits, and ranks by rarity like RITA.
 *
 * Gate (a request is a candidate): method POST, no Referer and no Origin header (browsers
 * send one or both with every form or script POST), from an internal source in a considered
 * direction (or through a proxy), to a script path (extension .php .asp .aspx .ashx .jsp
 * .cgi .pl .py .cfm .do .action) or an opaque path segment (16+ characters, letters and
 * digits mixed, entropy >= 3.5 bits). Candidates are grouped per (source, Host, path without
 * query); a group needs `httpCheckinMinRequests` requests (default 2): one POST is a form,
 * the same script posted to again and again without a page around it is a check-in.
 *
 * Score (0..1) = 0.3 (the gate) + 0.15 x share of requests with a fresh opaque query (a
 * random token that changes every time: cache busting or a bot id), or an opaque request
 * body (application/octet-stream, or no content type) + 0.1 x share of small answers
 * (< 1 KB: "no task") + 0.1 when no other internal host talks to its address + 0.1 x share
 * of requests with no user agent or one that does not start with `Mozilla/` + 0.1 when the
 * Host is an address literal + 0.1 x repetition (min(1, (requests - 1) / 5)); capped at
 * OPAQUE_CAP (low) when neither the query nor the body is opaque and the Host is a name;
 * then x prevalence and x periodicFactor for periodic-by-design names. Allow-listed names
 * and addresses are suppressed.
 *
 * Prevalence is the engine's per-address count (internal hosts with outbound connections
 * to the server's address, the one every per-address detector uses): it needs no state of
 * its own and is already summed over the shards of a sharded run, so the finding does not
 * depend on how sources are split. Requests through a proxy reach the proxy's address,
 * which says nothing about the named Host: their prevalence is unknown (factor 1, not rare).
 *
 * Memory: groups capped by caps.maxHttpCheckinGroups (counted when hit); only candidate
 * POSTs create state.
 */
import type { Direction, Finding } from '../core/finding.js';
import type { HttpRecord } from '../core/records.js';
import type { DetectContext } from './context.js';
import { buildFinding, fmtBytes, fmtDuration, hostOnly, sourceBit } from './context.js';
import { prevalenceFactor, shannonEntropy } from './scores.js';
import { clamp01 } from './stats.js';

/** Path extensions of server-side scripts (a gate or panel of a C2 kit). */
const SCRIPT_EXT = /\.(php[0-9]?|aspx?|ashx|jsp|cgi|pl|py|cfm|do|action)$/i;
/** Distinct queries remembered per group (enough to tell "fresh every time" for small groups). */
const QUERY_SAMPLE = 8;
/** An answer below this many bytes carries no task. */
const SMALL_ANSWER = 1024;
/** Highest score without an opaque query or body and with a named Host (low). */
export const OPAQUE_CAP = 0.44;

/**
 * True when a string looks like a random token: 8+ characters from a URL-safe or base64
 * alphabet, letters and digits mixed, entropy of at least 2.8 bits per character.
 */
export function isOpaqueToken(s: string): boolean {
  if (s.length < 8 || !/^[A-Za-z0-9+/=_%.-]+$/.test(s)) return false;
  if (!/[0-9]/.test(s) || !/[A-Za-z]/.test(s)) return false;
  return shannonEntropy(s) >= 2.8;
}

/** True when a query string (without `?`) carries a random token as a value or as a whole. */
export function isOpaqueQuery(q: string): boolean {
  if (q.length === 0) return false;
  for (const part of q.split('&')) {
    const eq = part.indexOf('=');
    if (isOpaqueToken(eq >= 0 ? part.slice(eq + 1) : part)) return true;
  }
  return false;
}

/** True when a path looks like a C2 gate: a script extension or an opaque segment. */
export function isScriptPath(path: string): boolean {
  if (SCRIPT_EXT.test(path)) return true;
  for (const seg of path.split('/')) {
    if (seg.length >= 16 && /[0-9]/.test(seg) && /[A-Za-z]/.test(seg) && shannonEntropy(seg) >= 3.5) return true;
  }
  return false;
}

/** Inputs of the check-in score, all shares in [0, 1]. */
export interface CheckinTraits {
  requests: number;
  /** Share of requests with a fresh opaque query, or an opaque body. */
  opaqueShare: number;
  smallAnswerShare: number;
  /** No other internal host talks to the server's address. */
  rareHost: boolean;
  nonBrowserShare: number;
  addressHost: boolean;
}

/**
 * The check-in score before context (prevalence, periodic by design). Pure.
 * @returns 0..1
 */
export function checkinScore(x: CheckinTraits, minRequests = 2): number {
  if (!(x.requests >= minRequests)) return 0;
  let s =
    0.3 +
    0.15 * clamp01(x.opaqueShare) +
    0.1 * clamp01(x.smallAnswerShare) +
    (x.rareHost ? 0.1 : 0) +
    0.1 * clamp01(x.nonBrowserShare) +
    (x.addressHost ? 0.1 : 0) +
    0.1 * Math.min(1, (x.requests - 1) / 5);
  if (x.opaqueShare === 0 && !x.addressHost) s = Math.min(s, OPAQUE_CAP);
  return clamp01(s);
}

class CheckinGroup {
  requests = 0;
  first = Infinity;
  last = -Infinity;
  sources = 0;
  readonly queries = new Set<string>();
  opaqueQueries = 0;
  opaqueBodies = 0;
  smallAnswers = 0;
  nonBrowser = 0;
  reqBytes = 0;
  respBytes = 0;
  /** Smallest uid and its address, port and user agent (stable whatever the order). */
  uid = '';
  respH = '';
  respP = 0;
  userAgent = '';
  outbound = 0;
  proxied = false;
  constructor(
    readonly src: string,
    readonly host: string,
    readonly path: string,
    readonly addressHost: boolean,
  ) {}
}

export class HttpCheckinTracker {
  private readonly groups = new Map<string, CheckinGroup>();

  constructor(private readonly ctx: DetectContext) {}

  /**
   * Feed one http.log record.
   * @param host the Host (port removed, normalised), or null when none
   * @param proxied true for a CONNECT or absolute-URI request through a proxy
   */
  onHttp(r: HttpRecord, host: string | null, proxied: boolean): void {
    if (r.method !== 'POST' || r.referrer || r.origin) return;
    const ctx = this.ctx;
    if (!ctx.isInternal(r.origH)) return;
    const dir = ctx.direction(r.origH, r.respH);
    if (!ctx.considered(dir) && !proxied) return;
    let uri = r.uri ?? '';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) uri = uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
    const qi = uri.indexOf('?');
    const path = qi >= 0 ? uri.slice(0, qi) : uri;
    const query = qi >= 0 ? uri.slice(qi + 1) : '';
    if (!isScriptPath(path)) return;
    const h = host ?? hostOnly(r.host) ?? r.respH;
    const key = r.origH + '|' + h + '|' + path;
    let g = this.groups.get(key);
    if (!g) {
      const caps = ctx.cfg.caps;
      if (this.groups.size >= caps.maxHttpCheckinGroups) {
        ctx.capHit('detect_http_checkin_groups_cap', `more than ${caps.maxHttpCheckinGroups} (source, Host, script) groups of POSTs; later ones are not tracked`);
        return;
      }
      const addr = /^[0-9.]+$/.test(h) || h.indexOf(':') >= 0;
      g = new CheckinGroup(r.origH, h, path, addr);
      this.groups.set(key, g);
    }
    g.requests++;
    if (r.ts < g.first) g.first = r.ts;
    if (r.ts > g.last) g.last = r.ts;
    g.sources |= sourceBit(r.source);
    if (g.queries.size < QUERY_SAMPLE) g.queries.add(query);
    if (isOpaqueQuery(query)) g.opaqueQueries++;
    const mime = (r.requestContentType ?? r.origMimeTypes[0] ?? '').toLowerCase();
    if (r.requestBodyLen > 0 && (mime === '' || mime === 'application/octet-stream')) g.opaqueBodies++;
    if (r.responseBodyLen < SMALL_ANSWER) g.smallAnswers++;
    const ua = r.userAgent ?? '';
    if (!ua.startsWith('Mozilla/')) g.nonBrowser++;
    g.reqBytes += r.requestBodyLen;
    g.respBytes += r.responseBodyLen;
    if (dir === 'outbound') g.outbound++;
    if (proxied) g.proxied = true;
    if (g.uid === '' || r.uid < g.uid) {
      g.uid = r.uid;
      g.respH = r.respH;
      g.respP = r.respP;
      g.userAgent = ua;
    }
  }

  /**
   * Build the findings.
   * @param hostsPerDest internal hosts per destination address (the engine's prevalence count)
   */
  findings(hostsPerDest: ReadonlyMap<string, number>): Finding[] {
    const ctx = this.ctx;
    const t = ctx.cfg.t;
    const out: Finding[] = [];
    const population = ctx.internalHosts.size;
    for (const g of this.groups.values()) {
      if (g.requests < t.httpCheckinMinRequests) continue;
      const n = g.requests;
      // Fresh opaque queries: every stored query differs and carries a token.
      const fresh = g.queries.size >= Math.min(n, QUERY_SAMPLE) ? g.opaqueQueries / n : 0;
      const opaqueShare = Math.max(fresh, g.opaqueBodies / n);
      // Through a proxy the address is the proxy's: prevalence unknown.
      const hosts = g.proxied ? 0 : (hostsPerDest.get(g.respH) ?? 1);
      const traits: CheckinTraits = {
        requests: n,
        opaqueShare,
        smallAnswerShare: g.smallAnswers / n,
        rareHost: hosts === 1,
        nonBrowserShare: g.nonBrowser / n,
        addressHost: g.addressHost,
      };
      const base = checkinScore(traits, t.httpCheckinMinRequests);
      if (base === 0) continue;
      const prev = prevalenceFactor(Math.max(1, hosts), population, t.prevalenceMinPopulation, t.prevalenceLow, t.prevalenceHigh);
      const name = g.addressHost ? null : g.host;
      const periodic = ctx.periodicReason(g.respH || null, name, g.respP, 'tcp');
      const score = base * prev * (periodic ? t.periodicFactor : 1);
      const traitsText: string[] = ['no Referer or Origin'];
      if (opaqueShare > 0) traitsText.push(fresh >= g.opaqueBodies / n ? 'a fresh random token in every query' : 'opaque request bodies');
      if (g.smallAnswers > 0) traitsText.push(`${g.smallAnswers} answers under 1 KB`);
      if (traits.rareHost) traitsText.push('no other internal host talks to it');
      if (g.nonBrowser > 0) traitsText.push(g.userAgent ? `non-browser user agent "${g.userAgent.slice(0, 40)}"` : 'no user agent');
      if (g.addressHost) traitsText.push('Host is an address');
      let evidence =
        `${n} POSTs to ${g.host}${g.path} over ${fmtDuration(g.last - g.first)} (${fmtBytes(g.reqBytes)} sent, ${fmtBytes(g.respBytes)} received): ` +
        traitsText.join(', ');
      if (periodic) evidence += ` (periodic by design: ${periodic})`;
      if (prev < 1) evidence += ` (${hosts} of ${population} internal hosts talk to it)`;
      const dir: Direction = g.outbound > 0 ? 'outbound' : ctx.direction(g.src, g.respH);
      const f = buildFinding(ctx, {
        detector: 'http_checkin',
        score01: score,
        idKey: [g.src, g.host, g.path],
        sources: g.sources,
        startTime: g.first,
        endTime: g.last,
        srcIp: g.src,
        srcPort: null,
        destIp: g.respH || null,
        destPort: g.respP,
        destHost: name,
        transport: 'tcp',
        appProtocol: 'http',
        direction: dir,
        mitreTechniqueIds: ['T1071.001'],
        mitreTacticIds: ['TA0011'],
        connCount: n,
        srcBytes: g.reqBytes,
        destBytes: g.respBytes,
        communityId: null,
        evidence,
        details: {
          requests: n,
          path: g.path,
          distinctQueries: g.queries.size,
          opaqueQueries: g.opaqueQueries,
          opaqueBodies: g.opaqueBodies,
          opaqueShare: round3(opaqueShare),
          smallAnswers: g.smallAnswers,
          nonBrowser: g.nonBrowser,
          userAgent: g.userAgent,
          addressHosts: hosts,
          proxied: g.proxied,
          addressHost: g.addressHost,
          baseScore: round3(base),
          prevalenceFactor: round3(prev),
          periodicByDesign: periodic ?? '',
          exampleUid: g.uid,
        },
      });
      if (f) out.push(f);
    }
    return out;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
