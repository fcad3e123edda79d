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

/** ECS `event.severity` number for each severity (documented in the README). */
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

function geoObject(g: GeoInfo | null): Record<string, unknown> | undefined {
  if (!g) return undefined;
  const geo: Record<string, unknown> = {};
  if (g.country) geo.country_iso_code = g.country;
  if (g.city) geo.city_name = g.city;
  return Object.keys(geo).length ? geo : undefined;
}

function asObject(g: GeoInfo | null): Record<string, unknown> | undefined {
  if (!g || g.asn === null) return undefined;
  const as: Record<string, unknown> = { number: g.asn };
  if (g.asOrg) as.organization = { name: g.asOrg };
  return as;
}

/** Drops undefined, null and empty-object members, recursively, so that absent fields stay absent (ECS). */
function prune(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined || v === null) delete o[k];
    else if (typeof v === 'object' && !Array.isArray(v)) {
      prune(v as Record<string, unknown>);
      if (Object.keys(v as object).length === 0) delete o[k];
    }
  }
  return o;
}

/**
 * One finding as an ECS document (nested objects, as Elastic stores them). Konseki's own
 * fields that have no ECS name go under `konseki.*`, ECS's place for custom fields.
 */
export function ecsDocument(f: EnrichedFinding): Record<string, unknown> {
  const start = isoTime(f.startTime);
  const end = isoTime(f.endTime);
  const durationNs =
    Number.isFinite(f.endTime - f.startTime) && f.endTime >= f.startTime
      ? Math.round((f.endTime - f.startTime) * 1e6) * 1000
      : undefined;
  return prune({
    '@timestamp': start || undefined,
    message: f.evidence,
    event: {
      kind: 'alert',
      module: 'konseki',
      dataset: 'konseki.finding',
      category: ['network', 'intrusion_detection'],
      type: ['indicator'],
      id: f.findingId,
      severity: ECS_SEVERITY[f.severity],
      risk_score: formatScore(f.score),
      start: start || undefined,
      end: end || undefined,
      duration: durationNs,
    },
    rule: { name: f.detector, ruleset: 'konseki' },
    source: {
      ip: f.srcIp,
      port: f.srcPort,
      bytes: f.srcBytes,
      geo: geoObject(f.srcGeo),
      as: asObject(f.srcGeo),
    },
    destination: {
      ip: f.destIp,
      port: f.destPort,
      domain: f.destHost,
      bytes: f.destBytes,
      geo: geoObject(f.destGeo),
      as: asObject(f.destGeo),
    },
    network: {
      transport: f.transport,
      protocol: f.appProtocol,
      direction: f.direction,
      community_id: f.communityId,
    },
    threat:
      f.mitreTechniqueIds.length || f.mitreTacticIds.length
        ? {
            framework: 'MITRE ATT&CK',
            technique: f.mitreTechniqueIds.length ? { id: [...f.mitreTechniqueIds] } : undefined,
            tactic: f.mitreTacticIds.length ? { id: [...f.mitreTacticIds] } : undefined,
          }
        : undefined,
    konseki: {
      detector: f.detector,
      severity: f.severity,
      score: formatScore(f.score),
      conn_count: f.connCount,
      input_source: f.inputSource,
      src_ip_class: f.srcGeo?.ipClass,
      dest_ip_class: f.destGeo?.ipClass,
      abroad: f.abroad,
      details: Object.keys(f.details).length ? { ...f.details } : undefined,
    },
  });
}
