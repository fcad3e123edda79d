/** Public surface of the detectors. */
export { DetectionEngine, byScoreThenId } from './engine.js';
export type { DetectionStats } from './engine.js';
export {
  normalizeDetectConfig,
  normalizeUrl,
  DEFAULT_THRESHOLDS,
  DEFAULT_CAPS,
  DEFAULT_CONSIDER,
  ALL_DETECTORS,
} from './config.js';
export type {
  DetectConfig,
  DetectThresholds,
  DetectCaps,
  Indicator,
  IndicatorType,
  PeriodicEntry,
  PortSignature,
  PortStrength,
  ResolvedDetectConfig,
} from './config.js';
export { DEFAULT_INTERNAL_NETWORKS, CidrSet, parseCidr } from './cidr.js';
export { BUILTIN_PUBLIC_SUFFIXES, PublicSuffixes, DomainSet, normalizeName } from './domains.js';
export { analyzeBeats } from './beacon.js';
export { dedupeLookups, mergeDnsBeacons, DNS_BEACON_MIN_SPAN, DNS_BEACON_MIN_LOOKUPS, DNS_BEACON_MIN_INTERVAL } from './dns-beacon.js';
export { intervalModes } from './periodicity.js';
