/**
 * `suspicious_port`: connections to ports that backdoors and C2 frameworks use
 * (signatures/ports.json, each with its reason and strength), and, more strongly, a
 * protocol on a port where it does not belong, from the protocol detected by content
 * (`conn.portMismatch` from captures; Zeek's `service` against the ports registered for it
 * otherwise). Aggregated per (source, destination, port, transport).
 *
 * Score (0..1): max(signature strength, mismatch strength), plus boosts when the same pair
 * beacons (+0.25), when the protocol is unknown with data (+0.15), when the signature and a
 * mismatch agree (+0.15), and when only one internal host talks to the destination (+0.1,
 * only with at least prevalenceMinPopulation internal hosts);
 * x0.3 when no attempt got an answer (a scan, not a session). A weak port alone (8080, 8443)
 * scores 0.15 and is not reported below 0.2; a weak port with corroborating signals
 * (periodic, one internal host, an unknown or out-of-place protocol) scores at least
 * corroboratedScore(n): medium with one, high with two.
 *
 * A clear-text unknown protocol on an unregistered port scores 0.3; when the session takes
 * turns (data both ways and one side speaking again after an idle gap, as a shell does
 * between commands) it scores 0.5: interactive traffic on a non-standard port is the
 * backdoor signature of Zhang & Paxson ("Detecting Backdoors", USENIX Security 2000), and
 * Suricata/ET flag clear-text command shells (ATTACK_RESPONSE rules) the same way.
 */
import type { Finding } from '../core/finding.js';
import type { ConnRecord } from '../core/records.js';
import type { DetectContext } from './context.js';
import { findingId, findingScore, fmtBytes, fmtDuration, makeFinding, sourceBit } from './context.js';
import { selectTop } from './top-findings.js';
import type { PortSignature, PortStrength } from './config.js';
import { contentSeen, isFailedAttempt, protoCode, SmallCounter } from './pairs.js';
import { corroboratedScore } from './scores.js';
import { clamp01 } from './stats.js';

export const STRENGTH_SCORE: Record<PortStrength, number> = { weak: 0.15, medium: 0.45, strong: 0.6 };
/** A protocol found on a port registered for another one. */
export const MISMATCH_SCORE = 0.55;
/** A protocol hiding on a port that firewalls let out (53, 80, 443). */
export const DISGUISED_SCORE = 0.7;
/** Unknown protocol with data on 80/443 (Slips' "non-HTTP/non-SSL established connection"). */
export const UNKNOWN_ON_WEB_PORT_SCORE = 0.35;
/** Clear-text unknown protocol (entropy known and low) on an unregistered port. */
export const UNKNOWN_CLEARTEXT_SCORE = 0.3;
/**
 * Clear-text unknown protocol on an unregistered port with turns: data both ways and at
 * least INTERACTIVE_MIN_TURNS bursts on one side (captures only). Turns are the MAX of the
 * originator's and the responder's bursts (origBurstCount, respBurstCount), the side that
 * drives the session: a shell reached by connecting in takes its commands from the
 * originator, a reverse shell (Aurora: the victim connects out, the attacker types) from the
 * responder, and in both the other side answers at once (no burst of its own). Not the sum:
 * one request and its answer are a burst on each side, so a single exchange would count
 * two. A client-driven protocol gives the same count as before (its server answers within
 * the 1 s gap: one responder burst). What else reaches 2 responder turns: a server that
 * speaks again after 1 s of silence on both sides (a push, or an answer slower than 1 s
 * after its first payload), i.e. a clear-text protocol driven from the far side at least
 * once, which on an unregistered port is the reverse-shell shape.
 */
export const INTERACTIVE_CLEARTEXT_SCORE = 0.5;
export const INTERACTIVE_MIN_TURNS = 2;
/** Scores below this are not reported (keeps weak ports alone out). */
export const SUSPICIOUS_PORT_MIN = 0.2;

/**
 * Ports registered for the Zeek services we check (IANA plus widespread alternates).
 * A service not in this table is never called out of place.
 */
export const SERVICE_PORTS: ReadonlyMap<string, readonly number[]> = new Map(Object.entries({
  http: [80, 81, 591, 3128, 8000, 8008, 8080, 8081, 8088, 8118, 8888, 5985],
  ssl: [443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 3269, 4443, 5061, 5222, 5223, 5228, 5671, 5986, 6697, 8443, 8883, 9443],
  quic: [443, 80, 8443],
  ssh: [22, 2222],
  dns: [53, 5353, 5355],
  ftp: [21, 2121],
  smtp: [25, 465, 587, 2525],
  pop3: [110, 995],
  imap: [143, 993],
  rdp: [3389],
  socks: [1080, 9050, 9150],
  // Clear-text MQTT (IoT telemetry keeps a session open with pings): not an unknown protocol.
  mqtt: [1883],
}));

/** Every port registered for one of the services above. */
const REGISTERED_PORTS: ReadonlySet<number> = new Set([...SERVICE_PORTS.values()].flat());

/** Ports where anything but the expected protocol is disguised traffic. */
const DISGUISE_PORTS: Readonly<Record<number, string>> = { 53: 'dns', 80: 'http', 443: 'ssl' };

interface PortAgg {
  src: string;
  dst: string;
  port: number;
  proto: string;
  sig: PortSignature | null;
  mismatch: string | null;
  mismatchScore: number;
  conns: number;
  answered: number;
  unknownData: number;
  origBytes: number;
  respBytes: number;
  first: number;
  last: number;
  sources: number;
  services: SmallCounter<string>;
  communityId: string | null;
  srcPort: number;
  maxDuration: number;
}

/** Known services in a Zeek service list (`ssl,http` -> ['ssl', 'http']), Konseki's spelling. */
function servicesOf(service: string | null): string[] {
  if (!service) return [];
  if (service.indexOf(',') < 0) {
    const one = service.toLowerCase();
    return [one === 'tls' ? 'ssl' : one];
  }
  return service
    .toLowerCase()
    .split(',')
    .map((s) => (s === 'tls' ? 'ssl' : s.trim()))
    .filter((s) => s.length > 0);
}

/**
 * What is out of place on this connection: [description, strength] or null.
 * Exported for tests.
 */
export function portMismatchOf(r: ConnRecord): [string, number] | null {
  const port = r.respP;
  const hasData = (r.origBytes ?? 0) + (r.respBytes ?? 0) > 0;
  const disguise = DISGUISE_PORTS[port];
  if (r.portMismatch) {
    // The app layer checks Zeek's port lists; ours also know common alternates (5228, 8443...).
    const what = r.portMismatch.toLowerCase();
    const alt = SERVICE_PORTS.get(what === 'tls' ? 'ssl' : what);
    if (alt === undefined || !alt.includes(port)) return [`${what} on ${port}/${r.proto}`, disguise ? DISGUISED_SCORE : MISMATCH_SCORE];
  }
  if (r.service !== null && r.service.indexOf(',') < 0) {
    // One service (the common case): no arrays.
    const one = r.service === 'tls' ? 'ssl' : r.service;
    const ports = SERVICE_PORTS.get(one);
    if (ports !== undefined && ports.includes(port)) return null;
  }
  const svcs = servicesOf(r.service);
  const known = svcs.filter((s) => SERVICE_PORTS.has(s));
  if (known.length > 0) {
    if (known.some((s) => SERVICE_PORTS.get(s)!.includes(port))) return null;
    return [`${known.join(',')} on ${port}/${r.proto}`, disguise ? DISGUISED_SCORE : MISMATCH_SCORE];
  }
  if (disguise && hasData && r.proto !== 'icmp' && contentSeen(r)) {
    if (svcs.length > 0) return [`${svcs.join(',')} instead of ${disguise} on ${port}/${r.proto}`, DISGUISED_SCORE];
    // Zeek names nothing: data that is not the expected protocol.
    if (port === 53) return [`non-DNS traffic on 53/${r.proto}`, DISGUISED_SCORE];
    if (r.proto === 'tcp' && (r.respBytes ?? 0) > 0 && (r.origBytes ?? 0) > 0) {
      return [`non-${disguise === 'ssl' ? 'SSL' : 'HTTP'} established connection on ${port}/tcp`, UNKNOWN_ON_WEB_PORT_SCORE];
    }
  }
  return null;
}

export class PortTracker {
  private readonly aggs = new Map<string, PortAgg>();

  constructor(private readonly ctx: DetectContext) {}

  /** Look at one considered connection. */
  onConn(r: ConnRecord): void {
    const cfg = this.ctx.cfg;
    const sig = cfg.ports.size > 0 ? (cfg.ports.get(r.respP * 4 + protoCode(r.proto)) ?? null) : null;
    const failed = isFailedAttempt(r);
    let mm = failed ? null : portMismatchOf(r);
    const unknownData = !failed && !r.service && (r.origBytes ?? 0) > 0 && contentSeen(r);
    if (
      !mm &&
      unknownData &&
      r.proto === 'tcp' &&
      typeof r.origPayloadEntropy === 'number' &&
      r.origPayloadEntropy < cfg.t.encryptedEntropy &&
      !REGISTERED_PORTS.has(r.respP) &&
      r.respP < 49152
    ) {
      const origTurns = r.origBurstCount ?? 0;
      const respTurns = r.respBurstCount ?? 0;
      const turns = Math.max(origTurns, respTurns);
      mm =
        turns >= INTERACTIVE_MIN_TURNS && (r.respBytes ?? 0) > 0
          ? [`clear-text interactive session of an unknown protocol on ${r.respP}/tcp (${turns} turns${respTurns > origTurns ? ' from the responder' : ''})`, INTERACTIVE_CLEARTEXT_SCORE]
          : [`clear-text unknown protocol on ${r.respP}/tcp`, UNKNOWN_CLEARTEXT_SCORE];
    }
    if (!sig && !mm) return;
    const key = `${r.origH}|${r.respH}|${r.respP}|${r.proto}`;
    let a = this.aggs.get(key);
    if (!a) {
      if (this.aggs.size >= cfg.caps.maxPairs) {
        this.ctx.capHit('detect_port_pairs_cap', `more than ${cfg.caps.maxPairs} suspicious-port pairs; later ones are not tracked`);
        return;
      }
      a = {
        src: r.origH,
        dst: r.respH,
        port: r.respP,
        proto: r.proto,
        sig,
        mismatch: null,
        mismatchScore: 0,
        conns: 0,
        answered: 0,
        unknownData: 0,
        origBytes: 0,
        respBytes: 0,
        first: Infinity,
        last: -Infinity,
        sources: 0,
        services: new SmallCounter(8),
        communityId: r.communityId,
        srcPort: r.origP,
        maxDuration: 0,
      };
      this.aggs.set(key, a);
    }
    a.conns++;
    if (!failed) a.answered++;
    if (unknownData) a.unknownData++;
    if (mm && mm[1] > a.mismatchScore) {
      a.mismatch = mm[0];
      a.mismatchScore = mm[1];
    }
    a.origBytes += r.origBytes ?? 0;
    a.respBytes += r.respBytes ?? 0;
    if (r.ts < a.first) a.first = r.ts;
    const end = r.ts + (r.duration ?? 0);
    if (end > a.last) a.last = end;
    if ((r.duration ?? 0) > a.maxDuration) a.maxDuration = r.duration ?? 0;
    a.sources |= sourceBit(r.source);
    if (r.service) a.services.add(r.service);
  }

  /**
   * The findings, at most `cap` of them: the highest by score, then finding_id, as the
   * engine's per-detector cut keeps them. Candidates are scored and checked (minimum score,
   * allow-list) first; only those the cap keeps are built (top-findings.ts).
   * @returns the findings (in candidate order, or selectTop's when the cap bites) and how
   *   many candidates there were
   */
  findings(beaconPairs: Set<string>, hostsPerDest: Map<string, number>, cap = Infinity): { findings: Finding[]; candidates: number } {
    const ctx = this.ctx;
    const minScore = ctx.cfg.t.minScore;
    const byName = ctx.allowListHasNames;
    const population = ctx.internalHosts.size >= ctx.cfg.t.prevalenceMinPopulation;
    const cands: PortAgg[] = [];
    const score01: number[] = [];
    const scores: number[] = [];
    const periodics: boolean[] = [];
    const hostCounts: number[] = [];
    for (const a of this.aggs.values()) {
      const periodic = beaconPairs.has(a.src + '|' + a.dst);
      const hosts = hostsPerDest.get(a.dst) ?? 1;
      const s = portScore(a, periodic, isRare(a, hosts, population));
      if (s < SUSPICIOUS_PORT_MIN) continue;
      const score = findingScore(s);
      if (score < minScore) continue;
      if (ctx.suppressed(a.src, a.dst, byName ? ctx.nameFor(null, a.src, a.dst) : null)) continue;
      cands.push(a);
      score01.push(s);
      scores.push(score);
      periodics.push(periodic);
      hostCounts.push(hosts);
    }
    const n = cands.length;
    const ids: (string | undefined)[] = [];
    const kept = selectTop(scores, n, cap, (i) => (ids[i] = findingId('suspicious_port', ...idKeyOf(cands[i]))));
    const m = kept === null ? n : kept.length;
    const out: Finding[] = [];
    for (let k = 0; k < m; k++) {
      const i = kept === null ? k : kept[k];
      const a = cands[i];
      const hosts = hostCounts[i];
      out.push(this.build(a, score01[i], periodics[i], hosts, isRare(a, hosts, population), ids[i]));
    }
    return { findings: out, candidates: n };
  }

  private build(a: PortAgg, s: number, periodic: boolean, hosts: number, rare: boolean, id: string | undefined): Finding {
    const sigScore = a.sig ? STRENGTH_SCORE[a.sig.strength] : 0;
    const boosts: string[] = [];
    if (periodic) boosts.push('periodic');
    if (unknownBoost(a)) boosts.push('unknown protocol');
    if (rare) boosts.push('one internal host');
    const parts: string[] = [];
    if (a.sig) parts.push(`port ${a.port}/${a.proto}: ${a.sig.reason}`);
    if (a.mismatch) parts.push(a.mismatch);
    let evidence = parts.join('; ');
    evidence += a.answered === 0 ? `, ${a.conns} attempts, none answered` : `, ${a.conns} connection${a.conns > 1 ? 's' : ''}`;
    if (a.answered > 0) evidence += `, ${fmtBytes(a.origBytes)} out / ${fmtBytes(a.respBytes)} in`;
    if (a.maxDuration >= 60) evidence += `, longest ${fmtDuration(a.maxDuration)}`;
    if (boosts.length > 0) evidence += ` (${boosts.join(', ')})`;
    const service = a.services.top() ?? null;
    const techniques = ['T1571'];
    if (!service || a.unknownData > 0) techniques.push('T1095');
    return makeFinding(
      this.ctx,
      {
        detector: 'suspicious_port',
        score01: s,
        idKey: idKeyOf(a),
        sources: a.sources,
        startTime: a.first,
        endTime: a.last,
        srcIp: a.src,
        srcPort: a.conns === 1 ? a.srcPort : null,
        destIp: a.dst,
        destPort: a.port,
        destHost: this.ctx.nameFor(null, a.src, a.dst),
        transport: a.proto,
        appProtocol: service,
        direction: this.ctx.direction(a.src, a.dst),
        mitreTechniqueIds: techniques,
        mitreTacticIds: ['TA0011'],
        connCount: a.conns,
        srcBytes: a.origBytes,
        destBytes: a.respBytes,
        communityId: a.conns === 1 ? a.communityId : null,
        evidence,
        details: {
          signatureStrength: a.sig?.strength ?? '',
          signatureReason: a.sig?.reason ?? '',
          signatureScore: sigScore,
          mismatch: a.mismatch ?? '',
          mismatchScore: a.mismatchScore,
          periodic,
          unknownProtocolConns: a.unknownData,
          answered: a.answered,
          internalHostsTalking: hosts,
          references: a.sig?.references ?? [],
        },
      },
      id,
    );
  }
}

/** Key fields of a port aggregate's finding_id. */
function idKeyOf(a: PortAgg): (string | number)[] {
  return [a.src, a.dst, a.port, a.proto];
}

/** The unknown-protocol boost: data nobody named, unless the clear-text score already says so. */
function unknownBoost(a: PortAgg): boolean {
  return a.unknownData > 0 && !a.mismatch?.startsWith('clear-text');
}

/** Rarity only means something in a population of internal hosts (prevalence rules). */
function isRare(a: PortAgg, hosts: number, population: boolean): boolean {
  return hosts <= 1 && a.answered > 0 && population;
}

/** An aggregate's 0..1 score (see the file comment). */
function portScore(a: PortAgg, periodic: boolean, rare: boolean): number {
  const sigScore = a.sig ? STRENGTH_SCORE[a.sig.strength] : 0;
  let s = Math.max(sigScore, a.mismatchScore);
  if (periodic) s += 0.25;
  if (unknownBoost(a)) s += 0.15;
  if (a.sig && a.mismatch) s += 0.15;
  if (rare) s += 0.1;
  if (a.sig?.strength === 'weak') {
    // Weak port: each independent signal corroborates it (issue 6), not just a small boost.
    const signals = (periodic ? 1 : 0) + (a.unknownData > 0 || a.mismatch ? 1 : 0) + (rare ? 1 : 0);
    s = Math.max(s, corroboratedScore(signals, sigScore));
  }
  if (a.answered === 0) s *= 0.3;
  return clamp01(s);
}
