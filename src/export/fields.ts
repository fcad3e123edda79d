/**
 * The one place where finding fields get their output names: the CSV contract's columns and
 * the Elastic Common Schema (ECS) names of the JSON lines. Values shared by every format
 * (times, scores, multi-value cells) are formatted here too.
 */
import type { EnrichedFinding, GeoInfo, Severity } from '../core/finding.js';

/**
 * The CSV contract (issue 7): exactly these columns in this order. Columns may only ever be
 * appended, never renamed, removed or reordered: SIEM parsers are configured against it.
 */
export const CSV_COLUMNS = [
  'finding_id',
  'start_time',
  'end_time',
  'detector',
  'severity',
  'score',
  'src_ip',
  'src_port',
  'dest_ip',
  'dest_port',
  'dest_host',
  'transport',
  'app_protocol',
  'direction',
  'mitre_technique_ids',
  'mitre_tactic_ids',
  'conn_count',
  'src_bytes',
  'dest_bytes',
  'src_country',
  'src_asn',
  'src_as_org',
  'dest_country',
  'dest_asn',
  'dest_as_org',
  'community_id',
  'evidence',
  'input_source',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Separator inside multi-value cells (MITRE ids). */
export const MULTI_VALUE_SEPARATOR = ';';

/**
 * ISO 8601 UTC with milliseconds and `Z` (`2024-02-08T15:16:39.123Z`) from epoch seconds;
 * '' when not a finite time. Sub-millisecond digits are truncated, after rounding to the
 * microsecond so that 1.234 s (1233.9999... ms in binary) stays .234.
 */
export function isoTime(epochSeconds: number | null | undefined): string {
  if (typeof epochSeconds !== 'number' || !Number.isFinite(epochSeconds)) return '';
  const ms = Math.floor(Math.round(epochSeconds * 1e6) / 1000);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** Score 0..100 with at most one decimal, clamped. */
export function formatScore(score: number): number {
  if (!Number.isFinite(score)) return 0;
  return Math.round(Math.min(100, Math.max(0, score)) * 10) / 10;
}

/**
 * ECS `event.severity` number for each severity: higher is more severe (ECS leaves the scale to
 * the source). `event.risk_score` and `event.risk_score_norm` carry the 0..100 score.
 */
export const ECS_SEVERITY: Record<Severity, number> = {
  informational: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

/** The values of one finding in CSV_COLUMNS order: strings, numbers, or null for an empty cell. */
export function csvValues(f: EnrichedFinding): (string | number | null)[] {
  const s = f.srcGeo;
  const d = f.destGeo;
  return [
    f.findingId,
    isoTime(f.startTime),
    isoTime(f.endTime),
    f.detector,
    f.severity,
    formatScore(f.score),
    f.srcIp,
    f.srcPort,
    f.destIp,
    f.destPort,
    f.destHost,
    f.transport,
    f.appProtocol,
    f.direction,
    f.mitreTechniqueIds.join(MULTI_VALUE_SEPARATOR),
    f.mitreTacticIds.join(MULTI_VALUE_SEPARATOR),
    f.connCount,
    f.srcBytes,
    f.destBytes,
    s?.country ?? null,
    s?.asn ?? null,
    s?.asOrg ?? null,
    d?.country ?? null,
    d?.asn ?? null,
    d?.asOrg ?? null,
    f.communityId,
    f.evidence,
    f.inputSource,
  ];
}

/** Sets `o[k] = v` unless v is null or undefined; absent fields stay absent (ECS). */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (v !== null && v !== undefined) o[k] = v;
}

function geoObject(g: GeoInfo | null): Record<string, unknown> | undefined {
  if (!g || (!g.country && !g.city)) return undefined;
  const geo: Record<string, unknown> = {};
  put(geo, 'country_iso_code', g.country || null);
  put(geo, 'city_name', g.city || null);
  return geo;
}

function asObject(g: GeoInfo | null): Record<string, unknown> | undefined {
  if (!g || g.asn === null) return undefined;
  return g.asOrg ? { number: g.asn, organization: { name: g.asOrg } } : { number: g.asn };
}

/**
 * One finding as an ECS document (nested objects, as Elastic stores them). Konseki's own
 * fields that have no ECS name go under `konseki.*`, ECS's place for custom fields. Absent
 * values are left out, never written as null.
 */
export function ecsDocument(f: EnrichedFinding): Record<string, unknown> {
  const start = isoTime(f.startTime);
  const end = isoTime(f.endTime);
  const doc: Record<string, unknown> = {};
  put(doc, '@timestamp', start || null);
  doc.message = f.evidence;

  const event: Record<string, unknown> = {
    kind: 'alert',
    module: 'konseki',
    dataset: 'konseki.finding',
    // ECS allowed values: `info` is valid for both categories (`indicator` is for `threat` only).
    category: ['network', 'intrusion_detection'],
    type: ['info'],
    id: f.findingId,
    severity: ECS_SEVERITY[f.severity],
    risk_score: formatScore(f.score),
    risk_score_norm: formatScore(f.score),
  };
  put(event, 'start', start || null);
  put(event, 'end', end || null);
  const span = f.endTime - f.startTime;
  // ECS event.duration is in nanoseconds; rounded to the microsecond first (float noise).
  if (Number.isFinite(span) && span >= 0) event.duration = Math.round(span * 1e6) * 1000;
  doc.event = event;
  doc.rule = { name: f.detector, ruleset: 'konseki' };

  const source: Record<string, unknown> = { ip: f.srcIp };
  put(source, 'port', f.srcPort);
  put(source, 'bytes', f.srcBytes);
  put(source, 'geo', geoObject(f.srcGeo));
  put(source, 'as', asObject(f.srcGeo));
  doc.source = source;

  const dest: Record<string, unknown> = {};
  put(dest, 'ip', f.destIp);
  put(dest, 'port', f.destPort);
  put(dest, 'domain', f.destHost);
  put(dest, 'bytes', f.destBytes);
  put(dest, 'geo', geoObject(f.destGeo));
  put(dest, 'as', asObject(f.destGeo));
  doc.destination = dest;

  doc.observer = { product: 'konseki', vendor: 'konseki', type: 'ids' };

  const network: Record<string, unknown> = {};
  put(network, 'type', f.srcIp.includes(':') ? 'ipv6' : 'ipv4');
  put(network, 'transport', f.transport);
  put(network, 'protocol', f.appProtocol);
  put(network, 'direction', f.direction);
  put(network, 'community_id', f.communityId);
  doc.network = network;

  // related.*: ECS's pivot fields, which Elastic's UI searches across events.
  const related: Record<string, unknown> = { ip: f.destIp && f.destIp !== f.srcIp ? [f.srcIp, f.destIp] : [f.srcIp] };
  if (f.destHost) related.hosts = [f.destHost];
  doc.related = related;

  if (f.mitreTechniqueIds.length || f.mitreTacticIds.length) {
    const threat: Record<string, unknown> = { framework: 'MITRE ATT&CK' };
    if (f.mitreTechniqueIds.length) threat.technique = { id: [...f.mitreTechniqueIds] };
    if (f.mitreTacticIds.length) threat.tactic = { id: [...f.mitreTacticIds] };
    doc.threat = threat;
  }

  const k: Record<string, unknown> = {
    detector: f.detector,
    severity: f.severity,
    score: formatScore(f.score),
    conn_count: f.connCount,
    input_source: f.inputSource,
  };
  put(k, 'src_ip_class', f.srcGeo?.ipClass);
  put(k, 'dest_ip_class', f.destGeo?.ipClass);
  put(k, 'abroad', f.abroad);
  for (const _ in f.details) {
    k.details = f.details;
    break;
  }
  doc.konseki = k;
  return doc;
}
