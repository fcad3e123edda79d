import type { RecordSink, SslRecord } from '../../core/records.js';
import { codeMap, ID_CODE_LAST, setIdJson, setIdTsv, type RecordMapper } from './mapper.js';
import { SSL_PREFIXES } from './tsv-fast.js';
import {
  jsonBool,
} from './values.js';
import {
  scanBool,
  scanToken,
} from './scan.js';

/**
 * ssl.log columns we map, in field-code order (code = index + 1). `ja3`, `ja3s` (the ja3
 * package) and `ja4` (the ja4 package) are extras that stay undefined when the log lacks them.
 */
const COLUMNS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'version', 'cipher', 'curve', 'server_name',
  'resumed', 'last_alert', 'next_protocol', 'established', 'ja3', 'ja3s', 'ja4',
] as const;

// Codes 1..6 (ts, uid, id.*) are set by setIdTsv/setIdJson (mapper.ts).
const VERSION = 7, CIPHER = 8, CURVE = 9;
const SERVER_NAME = 10, RESUMED = 11, LAST_ALERT = 12, NEXT_PROTOCOL = 13, ESTABLISHED = 14, JA3 = 15;
const JA3S = 16, JA4 = 17;

/** ssl.log (and open_ssl) -> SslRecord. */
export const sslMapper: RecordMapper<SslRecord> = {
  kind: 'ssl',
  codes: codeMap(COLUMNS),
  required: ['ts', 'id.orig_h', 'id.resp_h'],
  tsvPrefixes: SSL_PREFIXES,

  create(source) {
    return {
      ts: NaN,
      uid: '',
      origH: '',
      origP: 0,
      respH: '',
      respP: 0,
      version: null,
      cipher: null,
      curve: null,
      serverName: null,
      resumed: false,
      lastAlert: null,
      nextProtocol: null,
      established: false,
      ja3: undefined,
      ja3s: undefined,
      ja4: undefined,
      source,
    };
  },

  setTsv(r, code, buf, s, e, sep) {
    if (code <= ID_CODE_LAST) return setIdTsv(r, code, buf, s, e, sep);
    let v: number;
    switch (code) {
      case RESUMED:
        v = scanBool(buf, s, e, sep);
        r.resumed = v === 1;
        return v >= 0;
      case ESTABLISHED:
        v = scanBool(buf, s, e, sep);
        r.established = v === 1;
        return v >= 0;
    }
    setString(r, code, scanToken(buf, s, e, sep));
    return true;
  },

  setJson(r, code, x) {
    if (code <= ID_CODE_LAST) return setIdJson(r, code, x);
    let v: number;
    switch (code) {
      case RESUMED:
        v = jsonBool(x);
        r.resumed = v === 1;
        return v >= 0;
      case ESTABLISHED:
        v = jsonBool(x);
        r.established = v === 1;
        return v >= 0;
    }
    if (typeof x !== 'string') return false;
    setString(r, code, x);
    return true;
  },

  missing(r) {
    if (r.ts !== r.ts) return 'ts';
    if (r.origH === '') return 'id.orig_h';
    if (r.respH === '') return 'id.resp_h';
    return null;
  },

  emit(sink: RecordSink, r) {
    sink.ssl(r);
  },
};

function setString(r: SslRecord, code: number, x: string): void {
  switch (code) {
    case VERSION: r.version = x; break;
    case CIPHER: r.cipher = x; break;
    case CURVE: r.curve = x; break;
    case SERVER_NAME: r.serverName = x; break;
    case LAST_ALERT: r.lastAlert = x; break;
    case NEXT_PROTOCOL: r.nextProtocol = x; break;
    case JA3: r.ja3 = x; break;
    case JA3S: r.ja3s = x; break;
    case JA4: r.ja4 = x; break;
  }
}
