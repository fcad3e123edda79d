/**
 * JSON lines with Elastic Common Schema names: one finding per line, `event.kind: alert`,
 * so that Elastic (Filebeat/Elastic Agent `ndjson`) and Sentinel take them without a parser.
 * JSON.stringify escapes every control character, and U+2028/U+2029 are written as \u
 * escapes too, so that no line break ever splits a record.
 */
import type { EnrichedFinding } from '../core/finding.js';
import { ecsDocument } from './fields.js';

/** One finding as one JSON line, with its `\n`. */
export function jsonlLine(f: EnrichedFinding): string {
  return JSON.stringify(ecsDocument(f)).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029')) + '\n';
}
