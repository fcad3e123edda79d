/**
 * Detection configuration: the typed input (`DetectConfig`, every field optional) and the
 * one place that validates it and fills the defaults (`normalizeDetectConfig`). Files are
 * read elsewhere (src/cli/signatures.ts); this module only sees parsed data.
 */
import type { DetectorId, Direction } from '../core/finding.js';
import { ErrorCodes, KonsekiError } from '../core/errors.js';
import { CidrSet, DEFAULT_INTERNAL_NETWORKS, NON_ROUTABLE_NETWORKS, parseCidr } from './cidr.js';
import { BUILTIN_PUBLIC_SUFFIXES, DomainSet, PublicSuffixes, normalizeName } from './domains.js';

export type PortStrength = 'weak' | 'medium' | 'strong';

/** One entry of signatures/ports.json. */
export interface PortSignature {
  port: number;
  proto: 'tcp' | 'udp' | 'any';
  reason: string;
  strength: PortStrength;
  references?: string[];
}

/**
 * Traffic that is periodic by design (signatures/periodic.txt): `match` is a domain,
 * `*.suffix`, an address or CIDR, or `port:123/udp`. A match lowers a score, never hides it.
 */
export interface PeriodicEntry {
  match: string;
  reason: string;
}

export type IndicatorType = 'ip' | 'cidr' | 'domain' | 'ja3' | 'ja4' | 'url';

export interface Indicator {
  type: IndicatorType;
  value: string;
  /** Free text from the feed (threat name, tags). */
  description?: string;
  /** Name of the list or feed the indicator came from. */
  source: string;
}

/** Every threshold, with its default and meaning. */
export interface DetectThresholds {
  /** Findings below this 0..100 score are not reported. Default 10. */
  minScore: number;
  /** Successful connections (beats) a group needs before it is scored as a beacon. Default 4 (RITA's minimum). */
  beaconMinBeats: number;
  /** Beacon base score (0..1, before prevalence/periodic factors) needed to report. Default 0.5. */
  beaconMinBase: number;
  /** Weight of interval regularity in the beacon score. Default 0.5. */
  beaconWeightTiming: number;
  /** Weight of size regularity. Default 0.25. */
  beaconWeightSize: number;
  /** Weight of time coverage (span and evenness). Default 0.25. */
  beaconWeightCoverage: number;
  /** A beacon spanning this many seconds (or the whole input) gets a full span score. Default 14400 (4 h). */
  beaconFullSpan: number;
  /** Connections closer than min(this, 10% of the 75th-percentile gap) are one callback. Default 2 s. */
  beaconMaxMergeGap: number;
  /** Failed attempts needed to report a retrying callback with no successful beats. Default 20. */
  beaconMinFailedAttempts: number;
  /** Factor applied to scores of traffic that is periodic by design. Default 0.35. */
  periodicFactor: number;
  /** Internal hosts needed before prevalence lowers scores. Default 10. */
  prevalenceMinPopulation: number;
  /** Share of internal hosts from which prevalence starts lowering a score. Default 0.1. */
  prevalenceLow: number;
  /** Share of internal hosts at which prevalence lowers a score to x0.3 (x0.15 when all hosts talk to it). Default 0.5. */
  prevalenceHigh: number;
  /** Clear-text bytes sent to one destination before cleartext_exfil reports. Default 262144 (256 KiB). */
  exfilMinBytes: number;
  /** Clear-text bytes for a full volume score. Default 104857600 (100 MiB). */
  exfilFullBytes: number;
  /** Payload entropy (bits/byte) at or above which unknown payload is taken as encrypted. Default 7.2. */
  encryptedEntropy: number;
  /** Long-connection tiers in seconds. Defaults 3600, 14400, 28800 (1 h, 4 h, 8 h). */
  longConn1: number;
  longConn2: number;
  longConn3: number;
  /** Unique names under one registered domain from one source before dns_tunnel scores. Default 50. */
  dnsMinUnique: number;
  /** Unique names for a full uniqueness score. Default 1000. */
  dnsFullUnique: number;
  /** Queries under one registered domain needed before dns_tunnel looks at labels or types. Default 20. */
  dnsMinQueries: number;
  /** Window in seconds in which scan targets are counted (Zeek's addr_scan_interval / port_scan_interval). Default 300 (5 min). */
  scanWindow: number;
  /** Distinct addresses probed on one port within scanWindow for a horizontal scan (Zeek's addr_scan_threshold). Default 25. */
  scanMinHosts: number;
  /** Distinct ports probed on one address within scanWindow for a vertical scan (Zeek's port_scan_threshold). Default 15. */
  scanMinPorts: number;
  /** Distinct addresses sent ICMP echo requests within scanWindow for an ICMP sweep (Slips uses 5, Zeek has none). Default 10. */
  scanMinIcmpHosts: number;
  /** Short login connections to one service within bruteForceWindow for brute_force (Zeek's SSH::password_guesses_limit). Default 30. */
  bruteForceMinAttempts: number;
  /** Window in seconds for brute_force (Zeek's SSH::guessing_timeout). Default 1800 (30 min). */
  bruteForceWindow: number;
  /** Originator bursts one connection needs before its check-ins are scored as a beacon inside the connection. Default 6. */
  sessionBeaconMinBursts: number;
  /** POSTs to one (Host, script) without Referer/Origin needed for http_checkin. Default 2. */
  httpCheckinMinRequests: number;
}

/** Caps on state that grows with the input; hitting one is counted (detect_*_cap anomalies). */
export interface DetectCaps {
  /** (source, destination) pairs tracked. Default 1000000 (a day of ~1 M connections from a few hundred hosts needs ~510,000). */
  maxPairs: number;
  /** Callbacks stored per pair for interval analysis (RITA stores at most 86400 per pair; one a minute over a day fits in 10000 with room). Default 10000. */
  maxBeatsPerPair: number;
  /** Failed attempts stored per pair. Default 2000. */
  maxFailedPerPair: number;
  /**
   * uid -> server name entries from TLS/HTTP records still waiting for their connection's
   * conn row. Default 1000000.
   */
  maxUidNames: number;
  /**
   * Joined uid entries kept for TLS/HTTP rows that come after their conn row (the most recent
   * joins; older ones are forgotten, see uid-join.ts). Default 100000.
   */
  maxUidJoinWindow: number;
  /** Address -> DNS name entries. Default 1000000. */
  maxDnsAddresses: number;
  /** (source, registered domain) pairs tracked for DNS tunnels. Default 200000. */
  maxDnsDomains: number;
  /** Distinct names stored per (source, registered domain). Default 2000. */
  maxNamesPerDomain: number;
  /** Distinct names stored over all (source, registered domain) pairs. Default 2000000. */
  maxDnsNamesTotal: number;
  /** Distinct internal hosts tracked for prevalence. Default 200000. */
  maxInternalHosts: number;
  /** Findings kept per detector (highest scores win). Default 10000. */
  maxFindingsPerDetector: number;
  /** Open connections (open_conn.log rows, live flows at the end of a capture) held for de-duplication by uid. Default 100000. */
  maxOpenPending: number;
  /** (source, queried name) and (source, registered domain) groups tracked for periodic DNS lookups. Default 200000. */
  maxDnsBeaconGroups: number;
  /** Lookup times stored per DNS lookup group (the first ones are analysed). Default 10000. */
  maxDnsBeaconLookups: number;
  /** Scan groups: (source, port), (source, target) and ICMP sweeps per source. Default 200000. */
  maxScanGroups: number;
  /** Distinct targets kept per scan group (25 or 15 make a scan; the rest only raises the count). Default 1024. */
  maxScanTargetsPerGroup: number;
  /** Scan targets kept over all groups. Default 2000000. */
  maxScanTargetsTotal: number;
  /** (source, destination, port) groups of login attempts for brute_force. Default 100000. */
  maxBruteForceGroups: number;
  /** Attempt times kept per brute_force group (the window count uses the first ones). Default 4096. */
  maxBruteForceAttempts: number;
  /** Connections with periodic check-ins inside kept for beacon findings. Default 10000. */
  maxSessionBeacons: number;
  /** (source, Host, script path) groups of Referer-less POSTs for http_checkin. Default 100000. */
  maxHttpCheckinGroups: number;
}

export const DEFAULT_THRESHOLDS: Readonly<DetectThresholds> = Object.freeze({
  minScore: 10,
  beaconMinBeats: 4,
  beaconMinBase: 0.5,
  beaconWeightTiming: 0.5,
  beaconWeightSize: 0.25,
  beaconWeightCoverage: 0.25,
  beaconFullSpan: 4 * 3600,
  beaconMaxMergeGap: 2,
  beaconMinFailedAttempts: 20,
  periodicFactor: 0.35,
  prevalenceMinPopulation: 10,
  prevalenceLow: 0.1,
  prevalenceHigh: 0.5,
  exfilMinBytes: 256 * 1024,
  exfilFullBytes: 100 * 1024 * 1024,
  encryptedEntropy: 7.2,
  longConn1: 3600,
  longConn2: 4 * 3600,
  longConn3: 8 * 3600,
  dnsMinUnique: 50,
  dnsFullUnique: 1000,
  dnsMinQueries: 20,
  scanWindow: 300,
  scanMinHosts: 25,
  scanMinPorts: 15,
  scanMinIcmpHosts: 10,
  bruteForceMinAttempts: 30,
  bruteForceWindow: 1800,
  sessionBeaconMinBursts: 6,
  httpCheckinMinRequests: 2,
});

export const DEFAULT_CAPS: Readonly<DetectCaps> = Object.freeze({
  maxPairs: 1_000_000,
  maxBeatsPerPair: 10_000,
  maxFailedPerPair: 2_000,
  maxUidNames: 1_000_000,
  maxUidJoinWindow: 100_000,
  maxDnsAddresses: 1_000_000,
  maxDnsDomains: 200_000,
  maxNamesPerDomain: 2_000,
  maxDnsNamesTotal: 2_000_000,
  maxInternalHosts: 200_000,
  maxFindingsPerDetector: 10_000,
  maxOpenPending: 100_000,
  maxDnsBeaconGroups: 200_000,
  maxDnsBeaconLookups: 10_000,
  maxScanGroups: 200_000,
  maxScanTargetsPerGroup: 1024,
  maxScanTargetsTotal: 2_000_000,
  maxBruteForceGroups: 100_000,
  maxBruteForceAttempts: 4096,
  maxSessionBeacons: 10_000,
  maxHttpCheckinGroups: 100_000,
});

export const ALL_DETECTORS: readonly DetectorId[] = [
  'beacon',
  'suspicious_port',
  'cleartext_exfil',
  'long_connection',
  'dns_tunnel',
  'ioc_match',
  'scan',
  'brute_force',
  'http_checkin',
];

/**
 * Directions considered by default: internal -> external only, as RITA (which only scores
 * connections from an internal to an external host). `internal` adds east-west traffic,
 * `inbound` adds external -> internal. Proxied connections (an internal proxy carrying a
 * CONNECT or absolute-URI request, or TLS with a public SNI) count as outbound.
 */
export const DEFAULT_CONSIDER: readonly Direction[] = ['outbound'];

/** What callers may pass; everything is optional. */
export interface DetectConfig {
  /** CIDRs of the internal networks. Default: private and special ranges (DEFAULT_INTERNAL_NETWORKS). */
  internalNetworks?: string[];
  /** Directions considered. Default ['outbound']. */
  consider?: Direction[];
  /** Allow-list entries: address, CIDR, exact domain or `*.domain`. Matching findings are suppressed. */
  allowList?: string[];
  /** Periodic-by-design entries (lower the score). */
  periodic?: PeriodicEntry[];
  /** DNS resolvers of the network: periodic DNS to them is by design. */
  resolvers?: string[];
  indicators?: Indicator[];
  ports?: PortSignature[];
  /** Public suffix rules (PSL format). Default: BUILTIN_PUBLIC_SUFFIXES. */
  publicSuffixes?: string[];
  /** Names of the inputs, indexed by `record.source`. */
  sourceNames?: string[];
  /** Enabled detectors. Default: all. */
  detectors?: DetectorId[];
  thresholds?: Partial<DetectThresholds>;
  caps?: Partial<DetectCaps>;
}

/** The validated configuration the detectors read. */
export interface ResolvedDetectConfig {
  internal: CidrSet<true>;
  nonRoutable: CidrSet<true>;
  consider: Set<Direction>;
  allowCidrs: CidrSet<string>;
  allowDomains: DomainSet<string>;
  periodicCidrs: CidrSet<string>;
  periodicDomains: DomainSet<string>;
  /** `port/proto` -> reason. */
  periodicPorts: Map<string, string>;
  resolvers: CidrSet<true>;
  iocIps: CidrSet<Indicator>;
  iocDomains: DomainSet<Indicator>;
  /** Lower-case hash -> indicator. */
  iocJa3: Map<string, Indicator>;
  iocJa4: Map<string, Indicator>;
  /** Normalised URL (host + path, lower-case host, no scheme) -> indicator. */
  iocUrls: Map<string, Indicator>;
  /** port * 4 + transport code (tcp 0, udp 1) -> signature (proto `any` is stored under both). */
  ports: Map<number, PortSignature>;
  suffixes: PublicSuffixes;
  sourceNames: string[];
  detectors: Set<DetectorId>;
  t: DetectThresholds;
  caps: DetectCaps;
}

function fail(msg: string): never {
  throw new KonsekiError(ErrorCodes.CONFIG, msg);
}

const DIRECTIONS: readonly Direction[] = ['outbound', 'inbound', 'internal', 'external'];

/** Normalise a URL indicator or an observed URL to `host/path?query` with a lower-case host. */
export function normalizeUrl(url: string): string | null {
  let s = url.trim();
  const scheme = s.indexOf('://');
  if (scheme >= 0) s = s.slice(scheme + 3);
  if (s.length === 0) return null;
  const slash = s.indexOf('/');
  let host = slash < 0 ? s : s.slice(0, slash);
  const path = slash < 0 ? '/' : s.slice(slash);
  host = host.toLowerCase();
  if (host.endsWith(':80') || host.endsWith(':443')) host = host.slice(0, host.lastIndexOf(':'));
  if (host.length === 0) return null;
  return host + path;
}

/**
 * Validate a DetectConfig and fill the defaults. Throws KonsekiError(ERR_CONFIG) naming the
 * bad value; called once, by the DetectionEngine constructor.
 */
export function normalizeDetectConfig(cfg: DetectConfig = {}): ResolvedDetectConfig {
  const t: DetectThresholds = { ...DEFAULT_THRESHOLDS };
  for (const [k, v] of Object.entries(cfg.thresholds ?? {})) {
    if (!(k in DEFAULT_THRESHOLDS)) fail(`unknown detection threshold "${k}"`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`detection threshold "${k}" must be a non-negative number, got ${String(v)}`);
    (t as unknown as Record<string, number>)[k] = v;
  }
  const wsum = t.beaconWeightTiming + t.beaconWeightSize + t.beaconWeightCoverage;
  if (Math.abs(wsum - 1) > 1e-6) fail(`beacon weights must sum to 1, got ${wsum.toFixed(3)}`);
  if (!(t.longConn1 < t.longConn2 && t.longConn2 < t.longConn3)) fail('long-connection thresholds must increase: longConn1 < longConn2 < longConn3');
  if (t.periodicFactor > 1) fail(`periodicFactor must be in [0, 1], got ${t.periodicFactor}`);
  if (t.encryptedEntropy > 8) fail(`encryptedEntropy is in bits per byte (0..8), got ${t.encryptedEntropy}`);
  if (t.minScore > 100) fail(`minScore is on the 0..100 scale, got ${t.minScore}`);
  if (t.beaconMinBeats < 3) fail(`beaconMinBeats must be at least 3 (two intervals), got ${t.beaconMinBeats}`);
  if (t.sessionBeaconMinBursts < 3) fail(`sessionBeaconMinBursts must be at least 3 (two intervals), got ${t.sessionBeaconMinBursts}`);
  for (const k of ['scanWindow', 'scanMinHosts', 'scanMinPorts', 'scanMinIcmpHosts', 'bruteForceMinAttempts', 'bruteForceWindow', 'httpCheckinMinRequests'] as const) {
    if (!(t[k] >= 1)) fail(`${k} must be at least 1, got ${t[k]}`);
  }

  const caps: DetectCaps = { ...DEFAULT_CAPS };
  for (const [k, v] of Object.entries(cfg.caps ?? {})) {
    if (!(k in DEFAULT_CAPS)) fail(`unknown detection cap "${k}"`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(`detection cap "${k}" must be a positive integer, got ${String(v)}`);
    (caps as unknown as Record<string, number>)[k] = v;
  }

  const internal = new CidrSet<true>();
  for (const c of cfg.internalNetworks ?? DEFAULT_INTERNAL_NETWORKS) {
    if (!internal.add(c, true)) fail(`internal network "${c}" is not a CIDR`);
  }
  const nonRoutable = new CidrSet<true>();
  for (const c of NON_ROUTABLE_NETWORKS) nonRoutable.add(c, true);

  const consider = new Set<Direction>();
  for (const d of cfg.consider ?? DEFAULT_CONSIDER) {
    if (!DIRECTIONS.includes(d)) fail(`unknown direction "${d}" (expected one of ${DIRECTIONS.join(', ')})`);
    consider.add(d);
  }

  const allowCidrs = new CidrSet<string>();
  const allowDomains = new DomainSet<string>(false);
  for (const e of cfg.allowList ?? []) {
    const s = e.trim();
    if (s.length === 0) continue;
    if (parseCidr(s)) allowCidrs.add(s, s);
    else if (!allowDomains.add(s, s)) fail(`allow-list entry "${e}" is neither an address, a CIDR nor a domain`);
  }

  const periodicCidrs = new CidrSet<string>();
  const periodicDomains = new DomainSet<string>(false);
  const periodicPorts = new Map<string, string>();
  for (const p of cfg.periodic ?? []) {
    const m = p.match.trim().toLowerCase();
    const pm = /^port:([0-9]{1,5})\/(tcp|udp)$/.exec(m);
    if (pm) periodicPorts.set(`${Number(pm[1])}/${pm[2]}`, p.reason);
    else if (parseCidr(m)) periodicCidrs.add(m, p.reason);
    else if (!periodicDomains.add(m, p.reason)) fail(`periodic-by-design entry "${p.match}" is not a domain, CIDR or port:N/proto`);
  }

  const resolvers = new CidrSet<true>();
  for (const r of cfg.resolvers ?? []) if (!resolvers.add(r, true)) fail(`resolver "${r}" is not an address or CIDR`);

  const iocIps = new CidrSet<Indicator>();
  const iocDomains = new DomainSet<Indicator>(true);
  const iocJa3 = new Map<string, Indicator>();
  const iocJa4 = new Map<string, Indicator>();
  const iocUrls = new Map<string, Indicator>();
  for (const ind of cfg.indicators ?? []) {
    const v = ind.value.trim();
    let ok = true;
    switch (ind.type) {
      case 'ip':
      case 'cidr':
        ok = iocIps.add(v, ind);
        break;
      case 'domain':
        ok = iocDomains.add(v, ind);
        break;
      case 'ja3':
        ok = /^[0-9a-f]{32}$/i.test(v);
        if (ok) iocJa3.set(v.toLowerCase(), ind);
        break;
      case 'ja4':
        ok = v.length > 0;
        if (ok) iocJa4.set(v.toLowerCase(), ind);
        break;
      case 'url': {
        const u = normalizeUrl(v);
        ok = u !== null;
        if (u) iocUrls.set(u, ind);
        break;
      }
      default:
        ok = false;
    }
    if (!ok) fail(`indicator "${ind.value}" from ${ind.source} is not a valid ${String(ind.type)}`);
  }

  const ports = new Map<number, PortSignature>();
  for (const p of cfg.ports ?? []) {
    if (!Number.isInteger(p.port) || p.port < 0 || p.port > 65535) fail(`port signature has an invalid port: ${String(p.port)}`);
    if (!['weak', 'medium', 'strong'].includes(p.strength)) fail(`port signature ${p.port} has an invalid strength "${String(p.strength)}"`);
    if (!['tcp', 'udp', 'any'].includes(p.proto)) fail(`port signature ${p.port} has an invalid proto "${String(p.proto)}"`);
    if (p.proto === 'any' || p.proto === 'tcp') ports.set(p.port * 4, p);
    if (p.proto === 'any' || p.proto === 'udp') ports.set(p.port * 4 + 1, p);
  }

  const detectors = new Set<DetectorId>();
  for (const d of cfg.detectors ?? ALL_DETECTORS) {
    if (!ALL_DETECTORS.includes(d)) fail(`unknown detector "${d}" (expected one of ${ALL_DETECTORS.join(', ')})`);
    detectors.add(d);
  }

  const suffixRules = cfg.publicSuffixes ?? BUILTIN_PUBLIC_SUFFIXES;
  for (const r of suffixRules) {
    const s = r.trim();
    if (s.length > 0 && !s.startsWith('//') && normalizeName(s.replace(/^[!*]\.?/, '')) === null) fail(`public suffix rule "${r}" is not a name`);
  }

  return {
    internal,
    nonRoutable,
    consider,
    allowCidrs,
    allowDomains,
    periodicCidrs,
    periodicDomains,
    periodicPorts,
    resolvers,
    iocIps,
    iocDomains,
    iocJa3,
    iocJa4,
    iocUrls,
    ports,
    suffixes: new PublicSuffixes(suffixRules),
    sourceNames: cfg.sourceNames ? [...cfg.sourceNames] : [],
    detectors,
    t,
    caps,
  };
}
