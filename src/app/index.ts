import type { AppAnalyzerFactory, RecordSink } from '../core/records.js';
import type { AnomalyCounter } from '../core/anomaly.js';

/**
 * Application-layer analysis for the flow table: protocol detection by content, DNS, HTTP, TLS.
 * Placeholder: returns a factory that analyzes nothing, until the application parsers land.
 */
export function createAppAnalyzerFactory(_sink: RecordSink, _anomalies: AnomalyCounter): AppAnalyzerFactory {
  return () => null;
}
