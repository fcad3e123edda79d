/** Findings: what a detector reports, before and after GeoIP enrichment. */

export type DetectorId =
  | 'beacon'
  | 'suspicious_port'
  | 'cleartext_exfil'
  | 'long_connection'
  | 'dns_tunnel'
  | 'ioc_match'
  | 'scan'
  | 'brute_force'
  | 'http_checkin';

export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITIES: readonly Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];

/** Severity from a 0..100 score (thresholds documented in the README). */
export function severityOf(score: number): Severity {
  if (score >= 90) return 'critical';
  if (score >= 70) return 'high';
  if (score >= 45) return 'medium';
  if (score >= 20) return 'low';
  return 'informational';
}

export type Direction = 'outbound' | 'inbound' | 'internal' | 'external';

export interface Finding {
  /** Deterministic id: the same input always gives the same ids. */
  findingId: string;
  detector: DetectorId;
  /** 0..100 */
  score: number;
  severity: Severity;
  /** Epoch seconds. */
  startTime: number;
  endTime: number;
  srcIp: string;
  srcPort: number | null;
  destIp: string | null;
  destPort: number | null;
  /** Domain name of the destination (SNI, HTTP Host, DNS query) when known. */
  destHost: string | null;
  transport: string | null;
  appProtocol: string | null;
  direction: Direction;
  mitreTechniqueIds: string[];
  mitreTacticIds: string[];
  connCount: number;
  srcBytes: number;
  destBytes: number;
  communityId: string | null;
  /** One line an analyst can read. */
  evidence: string;
  /** Input file(s) the finding came from. */
  inputSource: string;
  /** Detector-specific figures (interval, jitter, sub-scores...), for JSON output and the report. */
  details: Record<string, number | string | boolean | number[] | string[]>;
}

export interface GeoInfo {
  /** Address class: `public`, `private`, `loopback`, `link_local`, `multicast`, `documentation`, ... */
  ipClass: string;
  country: string | null;
  asn: number | null;
  asOrg: string | null;
  /** City name (English) when a city database is in use. */
  city?: string | null;
}

export interface EnrichedFinding extends Finding {
  srcGeo: GeoInfo | null;
  destGeo: GeoInfo | null;
  /** True when `--home-country` is set and the destination is in another country. */
  abroad?: boolean;
}
