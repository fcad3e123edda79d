/**
 * `scan`: an internal host probing many addresses or many ports, the way worms, botnets and
 * post-exploitation discovery do. Three kinds, each reported once per source (horizontal,
 * ICMP sweep) or per (source, target) (vertical):
 *
 *   horizontal  failed probes to many distinct addresses on one port (Zeek's
 *               Scan::Address_Scan: 25 hosts in 5 min)
 *   vertical    failed probes to many distinct ports of one address (Zeek's
 *               Scan::Port_Scan: 15 ports in 5 min)
 *   icmp_sweep  ICMP echo requests (type 8, or 128 for ICMPv6) to many distinct addresses of
 *               one subnet (/24, IPv6 /64) (Slips' ICMP sweep; Zeek's scan policy has none):
 *               10 hosts in 5 min. Per subnet, because pinging scattered Internet addresses
 *               is what latency probes do (Squid's netdb pinger pings the servers it fetches
 *               from: 334 addresses in an hour in the corpus' rita-proxy-rolling-gzip logs);
 *               an address pinged again and again (more than MONITORING_REPEATS times on
 *               average) is a monitoring system, lowered by MONITORING_FACTOR, not hidden
 *   p2p_fanout  unanswered probes to many distinct addresses, each on its own high port
 *               (>= 1024; at least half as many ports as addresses, so not a horizontal
 *               scan): the peer-to-peer fan-out of a P2P botnet (Hide 'N Seek, Mozi) or a
 *               file-sharing client looking for peers. Same thresholds as horizontal scans
 *               (scanMinHosts in scanWindow), scored lower (P2P_FACTOR), T1095 (TA0011)
 *
 * A probe is a connection attempt that carried no data: TCP with a failed state (S0, REJ,
 * RSTOS0, RSTRH, SH, SHR) or no payload either way (SYN scans of open ports end in RSTO with
 * no data), UDP with no reply. Like Zeek's scan.zeek, successful connections never count,
 * so busy clients (a browser opening a hundred CDN connections) are not scanners. Two UDP
 * patterns are unanswered by design and skipped: traceroute (ports 33434-33534, one port
 * per hop, answered by ICMP from the routers) and a configured resolver's recursive
 * queries to authoritative servers on 53.
 *
 * Window: for every group the distinct targets are kept with the first time each was probed
 * (the earliest over all records, so record order does not matter), and the count is the
 * largest number of first probes inside any window of `scanWindow` seconds (default 300 s,
 * Zeek's addr_scan_interval / port_scan_interval). A slow scan spread over hours is counted
 * per window, as in Zeek.
 *
 * Directions: the source must be internal (outbound: an infected host scanning the Internet
 * for victims to spread to, or internal: discovery and lateral movement inside the network).
 * Both are considered whatever `consider` says; inbound and external scans are taken only
 * when `consider` includes them (the Internet scans every public address all day).
 *
 * Score (0..1): scanCountScore of the largest window over its threshold (0.5 at the
 * threshold, 0.9 at ten times), plus 0.05 per further port scanned horizontally above the
 * threshold (at most 0.1). ATT&CK: T1046 Network Service Discovery for port scans (TA0007);
 * a horizontal scan of external addresses is worm-style self-propagation, so T1210
 * Exploitation of Remote Services (TA0008) is added; T1018 Remote System Discovery for ICMP
 * sweeps. T1595 (Active Scanning) is not used: it is the attacker's reconnaissance from
 * outside (tactic Reconnaissance), not an infected host inside.
 *
 * Memory: groups and targets are capped (caps.maxScanGroups, caps.maxScanTargetsPerGroup,
 * caps.maxScanTargetsTotal); hitting a cap is counted (detect_scan_*_cap) and the counts
 * become lower bounds, shown with a `+`.
 */
import type { Direction, Finding } from '../core/finding.js';
import type { ConnRecord } from '../core/records.js';
import type { DetectContext } from './context.js';
import { buildFinding, fmt, fmtDuration, sourceBit } from './context.js';
import { PROTO_NAME, protoCode } from './pairs.js';
import { clamp01 } from './stats.js';

/** Zeek conn states of attempts that never became a connection. */
const PROBE_TCP_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH', 'SH', 'SHR']);

/** ICMP echo request types (ICMPv4 8, ICMPv6 128); Zeek writes the type as `id.orig_p`. */
const ECHO_REQUEST_TYPES = new Set([8, 128]);

/** Average echo requests per address above which a sweep looks like monitoring. */
export const MONITORING_REPEATS = 3;
/** Factor for sweeps that look like monitoring. */
export const MONITORING_FACTOR = 0.4;

/** Most ports named in the evidence of a horizontal scan. */
const MAX_REPORTED_PORTS = 8;

export type ScanKind = 'horizontal' | 'vertical' | 'icmp_sweep' | 'p2p_fanout';

/** Destination ports of classic UDP traceroute (base port 33434, up to 100 probes). */
const TRACEROUTE_FIRST = 33434;
const TRACEROUTE_LAST = 33534;

/** Factor for peer-to-peer fan-out against a scan (file-sharing clients do the same). */
export const P2P_FACTOR = 0.7;
/** Lowest destination port counted as a peer's port. */
const P2P_MIN_PORT = 1024;
/** Distinct ports remembered per fan-out group. */
const P2P_PORTS_CAP = 1024;

/**
 * True when a connection is a probe: an attempt that exchanged no data.
 * @param r the connection
 */
export function isProbe(r: ConnRecord): boolean {
  if (r.proto === 'tcp') {
    if (r.connState !== null && PROBE_TCP_STATES.has(r.connState)) return true;
    return (r.origBytes ?? 0) === 0 && (r.respBytes ?? 0) === 0;
  }
  if (r.proto === 'udp') return r.respPkts === 0 && (r.respBytes ?? 0) === 0;
  return false;
}

/** True for an ICMP echo request (the flow of a ping). */
export function isEchoRequest(r: ConnRecord): boolean {
  return r.proto === 'icmp' && ECHO_REQUEST_TYPES.has(r.origP);
}

/**
 * Largest number of values inside any window [t, t + window] of an ascending array.
 * @param sorted ascending times
 * @param window seconds
 */
export function maxInWindow(sorted: ArrayLike<number>, window: number): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] > window) j++;
    if (i - j + 1 > best) best = i - j + 1;
  }
  return best;
}

/**
 * Score of a scan from the distinct targets in its busiest window: 0 below `threshold`,
 * 0.5 at the threshold, rising on a log scale to 0.9 at ten times the threshold.
 */
export function scanCountScore(count: number, threshold: number): number {
  if (!(threshold > 0) || !(count >= threshold)) return 0;
  return Math.min(0.9, 0.5 + 0.4 * clamp01(Math.log10(count / threshold)));
}

/**
 * Target -> first probe time, with the first target in two fields and a Map only from the
 * second one: most groups (a source and one address, for vertical scans) never get a second
 * target, and a busy day holds tens of thousands of them.
 */
export class TargetTimes {
  private k0: string | number | null = null;
  private t0 = 0;
  private more: Map<string | number, number> | null = null;

  get size(): number {
    return this.k0 === null ? 0 : 1 + (this.more === null ? 0 : this.more.size);
  }
  get(k: string | number): number | undefined {
    if (this.k0 === k) return this.t0;
    return this.more === null ? undefined : this.more.get(k);
  }
  set(k: string | number, ts: number): void {
    if (this.k0 === null || this.k0 === k) {
      this.k0 = k;
      this.t0 = ts;
    } else (this.more ??= new Map()).set(k, ts);
  }
  keys(): (string | number)[] {
    const out: (string | number)[] = this.k0 === null ? [] : [this.k0];
    if (this.more !== null) for (const k of this.more.keys()) out.push(k);
    return out;
  }
  values(): number[] {
    const out: number[] = this.k0 === null ? [] : [this.t0];
    if (this.more !== null) for (const v of this.more.values()) out.push(v);
    return out;
  }
}

/** One group: a source and a port (horizontal), a source and a target (vertical), or a source (sweep). */
class ScanGroup {
  /** Target (address or port key) -> first probe time. */
  readonly targets = new TargetTimes();
  probes = 0;
  first = Infinity;
  last = -Infinity;
  sources = 0;
  capped = false;
  origBytes = 0;
  respBytes = 0;
  /** Probes answered with a reset (REJ) or a reply (ICMP). */
  answered = 0;
  outbound = 0;
  internal = 0;
  other = 0;
  /** Distinct destination ports (fan-out groups only), capped at P2P_PORTS_CAP. */
  ports: Set<number> | null = null;
  constructor(
    readonly src: string,
    /** Port key (port * 4 + transport code) for horizontal, address for vertical, subnet for sweeps. */
    readonly on: string | number,
  ) {}
}

/** Kinds of group, indexes of ScanTracker.lists and ScanSource.byOn. */
const HORIZONTAL = 0;
const VERTICAL = 1;
const FANOUT = 2;
const SWEEP = 3;

/** The groups of one source, by kind then what they are on (port key, target, transport, subnet). */
interface ScanSource {
  byOn: (Map<string | number, ScanGroup> | null)[];
}

export class ScanTracker {
  /** Groups by source, then kind and what they are on: one lookup by source per probe, no key string. */
  private readonly bySrc = new Map<string, ScanSource>();
  /** Groups of each kind in creation order. */
  private readonly lists: ScanGroup[][] = [[], [], [], []];
  private groups = 0;
  private targetsTotal = 0;

  constructor(private readonly ctx: DetectContext) {}

  /**
   * Feed one connection (any direction; the tracker filters).
   * @param dir the connection's direction (DetectContext.direction)
   */
  onConn(r: ConnRecord, dir: Direction): void {
    const echo = isEchoRequest(r);
    if (!echo && !isProbe(r)) return;
    const ctx = this.ctx;
    if (r.proto === 'udp' && ((r.respP >= TRACEROUTE_FIRST && r.respP <= TRACEROUTE_LAST) || (r.respP === 53 && ctx.cfg.resolvers.has(r.origH)))) return;
    if (dir !== 'outbound' && dir !== 'internal' && !ctx.considered(dir)) return;
    const s = this.bySrc.get(r.origH);
    if (echo) {
      this.add(s, SWEEP, subnetOf(r.respH), r.respH, r, dir);
      return;
    }
    const portKey = r.respP * 4 + protoCode(r.proto);
    this.add(s, HORIZONTAL, portKey, r.respH, r, dir);
    this.add(s, VERTICAL, r.respH, portKey, r, dir);
    if (r.respP >= P2P_MIN_PORT) {
      const g = this.add(s, FANOUT, r.proto, r.respH, r, dir);
      if (g && (g.ports ??= new Set()).size < P2P_PORTS_CAP) g.ports.add(r.respP);
    }
  }

  /**
   * Count a probe in the group of r.origH of this kind on `on`, made when new.
   * @param s the groups of r.origH (bySrc), undefined when it has none yet (looked up again then)
   */
  private add(
    s: ScanSource | undefined,
    kind: number,
    on: string | number,
    target: string | number,
    r: ConnRecord,
    dir: Direction,
  ): ScanGroup | null {
    const caps = this.ctx.cfg.caps;
    // A group made by an earlier call for the same record made the source's entry.
    s ??= this.bySrc.get(r.origH);
    let g = s?.byOn[kind]?.get(on);
    if (!g) {
      if (this.groups >= caps.maxScanGroups) {
        this.ctx.capHit('detect_scan_groups_cap', `more than ${caps.maxScanGroups} scan groups (source and port, source and target); later ones are not tracked`);
        return null;
      }
      if (s === undefined) this.bySrc.set(r.origH, (s = { byOn: [null, null, null, null] }));
      g = new ScanGroup(r.origH, on);
      (s.byOn[kind] ??= new Map()).set(on, g);
      this.lists[kind].push(g);
      this.groups++;
    }
    g.probes++;
    if (r.ts < g.first) g.first = r.ts;
    if (r.ts > g.last) g.last = r.ts;
    g.sources |= sourceBit(r.source);
    g.origBytes += r.origIpBytes;
    g.respBytes += r.respIpBytes;
    if (r.respPkts > 0) g.answered++;
    if (dir === 'outbound') g.outbound++;
    else if (dir === 'internal') g.internal++;
    else g.other++;
    const cur = g.targets.get(target);
    if (cur !== undefined) {
      if (r.ts < cur) g.targets.set(target, r.ts);
      return g;
    }
    if (g.targets.size >= caps.maxScanTargetsPerGroup) {
      if (!g.capped) this.ctx.capHit('detect_scan_targets_cap', `more than ${caps.maxScanTargetsPerGroup} targets in one scan group; counts are lower bounds`);
      g.capped = true;
      return g;
    }
    if (this.targetsTotal >= caps.maxScanTargetsTotal) {
      this.ctx.capHit('detect_scan_targets_total_cap', `more than ${caps.maxScanTargetsTotal} scan targets in all; counts are lower bounds`);
      g.capped = true;
      return g;
    }
    g.targets.set(target, r.ts);
    this.targetsTotal++;
    return g;
  }

  /** Largest count of first probes in one window, for a group. */
  private windowCount(g: ScanGroup): number {
    const times = Float64Array.from(g.targets.values());
    times.sort();
    return maxInWindow(times, this.ctx.cfg.t.scanWindow);
  }

  /** Build the findings (one horizontal and one sweep per source, one vertical per source and target). */
  findings(): Finding[] {
    const t = this.ctx.cfg.t;
    const out: Finding[] = [];
    // Horizontal: gather every port over the threshold per source.
    const bySrc = new Map<string, { g: ScanGroup; n: number }[]>();
    for (const g of this.lists[HORIZONTAL]) {
      if (g.targets.size < t.scanMinHosts) continue;
      const n = this.windowCount(g);
      if (n < t.scanMinHosts) continue;
      let a = bySrc.get(g.src);
      if (!a) bySrc.set(g.src, (a = []));
      a.push({ g, n });
    }
    for (const [src, list] of bySrc) {
      list.sort((a, b) => b.n - a.n || b.g.targets.size - a.g.targets.size || (a.g.on as number) - (b.g.on as number));
      const f = this.horizontalFinding(src, list);
      if (f) out.push(f);
    }
    for (const g of this.lists[VERTICAL]) {
      if (g.targets.size < t.scanMinPorts) continue;
      const n = this.windowCount(g);
      if (n < t.scanMinPorts) continue;
      const f = this.verticalFinding(g, n);
      if (f) out.push(f);
    }
    for (const g of this.lists[FANOUT]) {
      if (g.targets.size < t.scanMinHosts || g.ports === null || g.ports.size < 0.5 * g.targets.size) continue;
      const n = this.windowCount(g);
      if (n < t.scanMinHosts) continue;
      const f = this.fanoutFinding(g, n);
      if (f) out.push(f);
    }
    const sweepsBySrc = new Map<string, { g: ScanGroup; n: number }[]>();
    for (const g of this.lists[SWEEP]) {
      if (g.targets.size < t.scanMinIcmpHosts) continue;
      const n = this.windowCount(g);
      if (n < t.scanMinIcmpHosts) continue;
      let a = sweepsBySrc.get(g.src);
      if (!a) sweepsBySrc.set(g.src, (a = []));
      a.push({ g, n });
    }
    for (const [src, list] of sweepsBySrc) {
      list.sort((a, b) => b.n - a.n || b.g.targets.size - a.g.targets.size || ((a.g.on as string) < (b.g.on as string) ? -1 : 1));
      const f = this.sweepFinding(src, list);
      if (f) out.push(f);
    }
    return out;
  }

  private horizontalFinding(src: string, list: { g: ScanGroup; n: number }[]): Finding | null {
    const t = this.ctx.cfg.t;
    const top = list[0];
    const { probes, first, last, sources, ob, rb, answered, outbound, internal, capped } = groupTotals(list);
    const ports: string[] = [];
    const portNumbers: number[] = [];
    const hostCounts: number[] = [];
    const addresses = new Set<string>();
    for (const { g, n } of list) {
      for (const a of g.targets.keys()) addresses.add(a as string);
      const pk = g.on as number;
      if (ports.length < MAX_REPORTED_PORTS) {
        ports.push(`${pk >> 2}/${PROTO_NAME[pk & 3]} (${g.targets.size}${g.capped ? '+' : ''} hosts, ${n} in ${fmtDuration(t.scanWindow)})`);
        portNumbers.push(pk >> 2);
        hostCounts.push(g.targets.size);
      }
    }
    const hosts = addresses.size;
    const extraPorts = list.length - 1;
    const score = Math.min(1, scanCountScore(top.n, t.scanMinHosts) + Math.min(0.1, 0.05 * extraPorts));
    const dir: Direction = outbound >= internal ? 'outbound' : 'internal';
    const techniques = dir === 'outbound' ? ['T1046', 'T1210'] : ['T1046'];
    const tactics = dir === 'outbound' ? ['TA0007', 'TA0008'] : ['TA0007'];
    const where = dir === 'outbound' ? 'external' : 'internal';
    const pk = top.g.on as number;
    const evidence =
      `scan of ${hosts}${capped ? '+' : ''} ${where} addresses on ${list.length} port${list.length > 1 ? 's' : ''} ` +
      `(${ports.join(', ')}${list.length > MAX_REPORTED_PORTS ? ', ...' : ''}), ${probes} failed attempts over ${fmtDuration(last - first)}`;
    return buildFinding(this.ctx, {
      detector: 'scan',
      score01: score,
      idKey: [src, 'horizontal'],
      sources,
      startTime: first,
      endTime: last,
      srcIp: src,
      srcPort: null,
      destIp: null,
      destPort: pk >> 2,
      destHost: null,
      transport: PROTO_NAME[pk & 3],
      appProtocol: null,
      direction: dir,
      mitreTechniqueIds: techniques,
      mitreTacticIds: tactics,
      connCount: probes,
      srcBytes: ob,
      destBytes: rb,
      communityId: null,
      evidence,
      details: {
        kind: 'horizontal',
        hosts,
        hostsInWindow: top.n,
        window: t.scanWindow,
        threshold: t.scanMinHosts,
        ports: portNumbers,
        hostsPerPort: hostCounts,
        portCount: list.length,
        attempts: probes,
        answeredShare: Math.round((answered / Math.max(1, probes)) * 1000) / 1000,
        capped,
      },
    });
  }

  private verticalFinding(g: ScanGroup, n: number): Finding | null {
    const t = this.ctx.cfg.t;
    const dst = g.on as string;
    const keys = [...g.targets.keys()] as number[];
    keys.sort((a, b) => a - b);
    const protos = new Set(keys.map((k) => PROTO_NAME[k & 3]));
    const low = keys[0] >> 2;
    const high = keys[keys.length - 1] >> 2;
    const dir: Direction = g.outbound >= g.internal && g.outbound >= g.other ? 'outbound' : g.internal >= g.other ? 'internal' : this.ctx.direction(g.src, dst);
    const evidence =
      `${keys.length}${g.capped ? '+' : ''} ports of ${dst} probed (${[...protos].join('/')} ${low}-${high}, ${n} in ${fmtDuration(t.scanWindow)}), ` +
      `${g.probes} failed attempts over ${fmtDuration(g.last - g.first)}`;
    return buildFinding(this.ctx, {
      detector: 'scan',
      score01: scanCountScore(n, t.scanMinPorts),
      idKey: [g.src, dst, 'vertical'],
      sources: g.sources,
      startTime: g.first,
      endTime: g.last,
      srcIp: g.src,
      srcPort: null,
      destIp: dst,
      destPort: null,
      destHost: null,
      transport: protos.size === 1 ? [...protos][0] : null,
      appProtocol: null,
      direction: dir,
      mitreTechniqueIds: ['T1046'],
      mitreTacticIds: ['TA0007'],
      connCount: g.probes,
      srcBytes: g.origBytes,
      destBytes: g.respBytes,
      communityId: null,
      evidence,
      details: {
        kind: 'vertical',
        ports: keys.length,
        portsInWindow: n,
        window: t.scanWindow,
        threshold: t.scanMinPorts,
        lowestPort: low,
        highestPort: high,
        attempts: g.probes,
        answeredShare: Math.round((g.answered / Math.max(1, g.probes)) * 1000) / 1000,
        capped: g.capped,
      },
    });
  }

  private fanoutFinding(g: ScanGroup, n: number): Finding | null {
    const t = this.ctx.cfg.t;
    const proto = g.on as string;
    const ports = g.ports?.size ?? 0;
    const dir: Direction = g.outbound >= g.internal ? 'outbound' : 'internal';
    const evidence =
      `unanswered ${proto.toUpperCase()} to ${g.targets.size}${g.capped ? '+' : ''} addresses on ${ports}${ports >= P2P_PORTS_CAP ? '+' : ''} different high ports ` +
      `(${n} in ${fmtDuration(t.scanWindow)}), ${g.probes} attempts over ${fmtDuration(g.last - g.first)}: peer-to-peer fan-out (P2P botnet or file sharing)`;
    return buildFinding(this.ctx, {
      detector: 'scan',
      score01: scanCountScore(n, t.scanMinHosts) * P2P_FACTOR,
      idKey: [g.src, 'p2p_fanout', proto],
      sources: g.sources,
      startTime: g.first,
      endTime: g.last,
      srcIp: g.src,
      srcPort: null,
      destIp: null,
      destPort: null,
      destHost: null,
      transport: proto,
      appProtocol: null,
      direction: dir,
      mitreTechniqueIds: ['T1095'],
      mitreTacticIds: ['TA0011'],
      connCount: g.probes,
      srcBytes: g.origBytes,
      destBytes: g.respBytes,
      communityId: null,
      evidence,
      details: {
        kind: 'p2p_fanout',
        hosts: g.targets.size,
        hostsInWindow: n,
        window: t.scanWindow,
        threshold: t.scanMinHosts,
        ports,
        attempts: g.probes,
        capped: g.capped,
      },
    });
  }

  private sweepFinding(src: string, list: { g: ScanGroup; n: number }[]): Finding | null {
    const t = this.ctx.cfg.t;
    const { probes, first, last, sources, ob, rb, answered, outbound, internal, capped } = groupTotals(list);
    let hosts = 0;
    const nets: string[] = [];
    for (const { g } of list) {
      hosts += g.targets.size;
      if (nets.length < MAX_REPORTED_PORTS) nets.push(`${g.on as string} (${g.targets.size}${g.capped ? '+' : ''})`);
    }
    const top = list[0].n;
    const repeats = probes / Math.max(1, hosts);
    const monitoring = repeats > MONITORING_REPEATS;
    const score = Math.min(1, scanCountScore(top, t.scanMinIcmpHosts) + Math.min(0.1, 0.05 * (list.length - 1))) * (monitoring ? MONITORING_FACTOR : 1);
    const dir: Direction = internal >= outbound ? 'internal' : 'outbound';
    let evidence =
      `ICMP echo requests to ${hosts}${capped ? '+' : ''} addresses of ${list.length} subnet${list.length > 1 ? 's' : ''} ` +
      `(${nets.join(', ')}${list.length > MAX_REPORTED_PORTS ? ', ...' : ''}; ${top} in ${fmtDuration(t.scanWindow)}), ${answered} answered, over ${fmtDuration(last - first)}`;
    if (monitoring) evidence += ` (each address pinged ${fmt(repeats)} times on average: looks like monitoring)`;
    return buildFinding(this.ctx, {
      detector: 'scan',
      score01: score,
      idKey: [src, 'icmp_sweep'],
      sources,
      startTime: first,
      endTime: last,
      srcIp: src,
      srcPort: null,
      destIp: null,
      destPort: null,
      destHost: null,
      transport: 'icmp',
      appProtocol: null,
      direction: dir,
      mitreTechniqueIds: ['T1018'],
      mitreTacticIds: ['TA0007'],
      connCount: probes,
      srcBytes: ob,
      destBytes: rb,
      communityId: null,
      evidence,
      details: {
        kind: 'icmp_sweep',
        hosts,
        hostsInWindow: top,
        window: t.scanWindow,
        threshold: t.scanMinIcmpHosts,
        subnets: list.map((x) => x.g.on as string),
        answered,
        repeatsPerAddress: Math.round(repeats * 100) / 100,
        monitoringLike: monitoring,
        capped,
      },
    });
  }
}

/** Sums of the scan groups one finding reports (probes, bytes, directions, time span). */
function groupTotals(list: readonly { g: ScanGroup }[]) {
  const t = { probes: 0, first: Infinity, last: -Infinity, sources: 0, ob: 0, rb: 0, answered: 0, outbound: 0, internal: 0, capped: false };
  for (const { g } of list) {
    t.probes += g.probes;
    t.first = Math.min(t.first, g.first);
    t.last = Math.max(t.last, g.last);
    t.sources |= g.sources;
    t.ob += g.origBytes;
    t.rb += g.respBytes;
    t.answered += g.answered;
    t.outbound += g.outbound;
    t.internal += g.internal;
    t.capped ||= g.capped;
  }
  return t;
}

/** The subnet an address is swept in: its /24 (IPv4) or /64 (IPv6, as written, without expanding "::"). */
export function subnetOf(ip: string): string {
  if (ip.indexOf(':') >= 0) {
    const head = ip.split('::')[0].split(':').slice(0, 4);
    return head.join(':') + '::/64';
  }
  const p = ip.split('.');
  return `${p[0]}.${p[1]}.${p[2]}.0/24`;
}
