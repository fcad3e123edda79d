/**
 * `brute_force`: password guessing against a login service, seen as many short, small
 * connections from one source to one service (address, port, transport).
 *
 * A login attempt is a connection to an authenticating service (Zeek service ssh, ftp,
 * telnet, rdp, vnc, pop3, imap, mysql, postgresql, or, when no service was detected, a port
 * registered for one) that exchanged data both ways (a refused connection is a scan probe,
 * not a guess), lasted at most MAX_ATTEMPT_SECONDS and sent at most MAX_ATTEMPT_BYTES: one
 * key exchange and a few password prompts, not a working session or a file transfer.
 *
 * Threshold: `bruteForceMinAttempts` attempts (default 30) inside any window of
 * `bruteForceWindow` seconds (default 1800), Zeek's SSH::password_guesses_limit and
 * SSH::guessing_timeout (policy/protocols/ssh/detect-bruteforcing.zeek). Zeek counts
 * heuristically failed logins; from connection records alone we count short attempts, so a
 * script opening many short sessions (configuration management without connection reuse)
 * can look the same: the finding says what was counted, and the allow-list silences a known
 * automation host.
 *
 * Directions: as `scan` (an internal source, outbound or internal; other directions when
 * `consider` includes them). Score: scanCountScore(attempts in the busiest window,
 * threshold): 0.5 at the threshold, 0.9 at ten times. ATT&CK T1110.001 Password Guessing
 * (TA0006 Credential Access).
 *
 * Memory: groups capped by caps.maxBruteForceGroups, attempt times per group by
 * caps.maxBruteForceAttempts (the first ones are kept; counts go on); both counted.
 */
import type { Direction, Finding } from '../core/finding.js';
import type { ConnRecord } from '../core/records.js';
import type { DetectContext } from './context.js';
import { buildFinding, fmtBytes, fmtDuration, sourceBit } from './context.js';
import { PROTO_NAME, protoCode } from './pairs.js';
import { maxInWindow, scanCountScore } from './scan.js';

/** Zeek service names of protocols that authenticate a user. */
export const AUTH_SERVICES: ReadonlySet<string> = new Set(['ssh', 'ftp', 'telnet', 'rdp', 'vnc', 'pop3', 'imap', 'mysql', 'postgresql', 'rfb']);
/** Ports registered for those services (used when no service was detected). */
export const AUTH_PORTS: ReadonlySet<number> = new Set([21, 22, 23, 110, 143, 1433, 3306, 3389, 5432, 5900, 2222]);
/** Longest connection counted as one login attempt, seconds. */
export const MAX_ATTEMPT_SECONDS = 60;
/** Most bytes sent in a connection counted as one login attempt (an SSH key exchange and a few prompts send about 2 KB). */
export const MAX_ATTEMPT_BYTES = 20_000;

/** The authenticating service a connection talks to, or null. */
export function authService(r: ConnRecord): string | null {
  if (r.proto !== 'tcp') return null;
  const svc = r.service;
  if (svc) {
    // Nearly every service is one name: no split on the hot path.
    if (svc.indexOf(',') < 0) return AUTH_SERVICES.has(svc) ? svc : null;
    for (const s of svc.split(',')) if (AUTH_SERVICES.has(s)) return s;
    return null;
  }
  return AUTH_PORTS.has(r.respP) ? `${r.respP}/tcp` : null;
}

/** True when a connection looks like one login attempt (short, small, answered). */
export function isLoginAttempt(r: ConnRecord): boolean {
  if ((r.origBytes ?? 0) <= 0 || (r.respBytes ?? 0) <= 0) return false;
  if ((r.duration ?? 0) > MAX_ATTEMPT_SECONDS) return false;
  return (r.origBytes ?? 0) <= MAX_ATTEMPT_BYTES;
}

class BruteGroup {
  readonly ts: number[] = [];
  attempts = 0;
  first = Infinity;
  last = -Infinity;
  sources = 0;
  origBytes = 0;
  respBytes = 0;
  dropped = 0;
  outbound = 0;
  internal = 0;
  other = 0;
  /** Smallest uid seen: a stable example connection for the analyst. */
  exampleUid = '';
  constructor(
    readonly src: string,
    readonly dst: string,
    readonly portKey: number,
    readonly service: string,
  ) {}
}

export class BruteForceTracker {
  private readonly groups = new Map<string, BruteGroup>();

  constructor(private readonly ctx: DetectContext) {}

  /**
   * Feed one connection (any direction; the tracker filters).
   * @param dir the connection's direction (DetectContext.direction)
   */
  onConn(r: ConnRecord, dir: Direction): void {
    const service = authService(r);
    if (service === null || !isLoginAttempt(r)) return;
    const ctx = this.ctx;
    if (dir !== 'outbound' && dir !== 'internal' && !ctx.considered(dir)) return;
    const caps = ctx.cfg.caps;
    const portKey = r.respP * 4 + protoCode(r.proto);
    const key = r.origH + '|' + r.respH + '|' + portKey;
    let g = this.groups.get(key);
    if (!g) {
      if (this.groups.size >= caps.maxBruteForceGroups) {
        ctx.capHit('detect_brute_force_groups_cap', `more than ${caps.maxBruteForceGroups} (source, service) groups for brute force; later ones are not tracked`);
        return;
      }
      g = new BruteGroup(r.origH, r.respH, portKey, service);
      this.groups.set(key, g);
    }
    g.attempts++;
    if (r.ts < g.first) g.first = r.ts;
    if (r.ts > g.last) g.last = r.ts;
    g.sources |= sourceBit(r.source);
    g.origBytes += r.origBytes ?? 0;
    g.respBytes += r.respBytes ?? 0;
    if (dir === 'outbound') g.outbound++;
    else if (dir === 'internal') g.internal++;
    else g.other++;
    if (g.exampleUid === '' || r.uid < g.exampleUid) g.exampleUid = r.uid;
    if (g.ts.length < caps.maxBruteForceAttempts) g.ts.push(r.ts);
    else {
      if (g.dropped === 0) ctx.capHit('detect_brute_force_attempts_cap', `more than ${caps.maxBruteForceAttempts} login attempts to one service; the window count uses the first ones`);
      g.dropped++;
    }
  }

  findings(): Finding[] {
    const t = this.ctx.cfg.t;
    const out: Finding[] = [];
    for (const g of this.groups.values()) {
      if (g.attempts < t.bruteForceMinAttempts) continue;
      const times = Float64Array.from(g.ts);
      times.sort();
      const n = maxInWindow(times, t.bruteForceWindow);
      if (n < t.bruteForceMinAttempts) continue;
      const port = g.portKey >> 2;
      const dir: Direction = g.outbound >= g.internal && g.outbound >= g.other ? 'outbound' : g.internal >= g.other ? 'internal' : this.ctx.direction(g.src, g.dst);
      const span = g.last - g.first;
      const rate = span > 0 ? g.attempts / (span / 60) : g.attempts;
      const evidence =
        `${g.attempts} short ${g.service} connections to ${g.dst}:${port} over ${fmtDuration(span)} ` +
        `(${n} in ${fmtDuration(t.bruteForceWindow)}, ${Math.round(rate)}/min, about ${fmtBytes(g.origBytes / g.attempts)} sent each): password guessing`;
      const f = buildFinding(this.ctx, {
        detector: 'brute_force',
        score01: scanCountScore(n, t.bruteForceMinAttempts),
        idKey: [g.src, g.dst, g.portKey],
        sources: g.sources,
        startTime: g.first,
        endTime: g.last,
        srcIp: g.src,
        srcPort: null,
        destIp: g.dst,
        destPort: port,
        destHost: null,
        transport: PROTO_NAME[g.portKey & 3],
        appProtocol: g.service.indexOf('/') >= 0 ? null : g.service,
        direction: dir,
        mitreTechniqueIds: ['T1110.001'],
        mitreTacticIds: ['TA0006'],
        connCount: g.attempts,
        srcBytes: g.origBytes,
        destBytes: g.respBytes,
        communityId: null,
        evidence,
        details: {
          attempts: g.attempts,
          attemptsInWindow: n,
          window: t.bruteForceWindow,
          threshold: t.bruteForceMinAttempts,
          perMinute: Math.round(rate * 10) / 10,
          service: g.service,
          exampleUid: g.exampleUid,
          droppedByCap: g.dropped,
        },
      });
      if (f) out.push(f);
    }
    return out;
  }
}
