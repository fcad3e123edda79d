import type { RecordSink, SslRecord } from '../../core/records.js';
import { codeMap, type RecordMapper } from './mapper.js';
import {
  jsonAddr,
  jsonBool,
  jsonPort,
  jsonTime,
} from './values.js';
import {
  scanAddr,
  scanBool,
  scanPort,
  scanString,
  scanTime,
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

const TS = 1, UID = 2, ORIG_H = 3, ORIG_P = 4, RESP_H = 5, RESP_P = 6, VERSION = 7, CIPHER = 8, CURVE = 9;
const SERVER_NAME = 10, RESUMED = 11, LAST_ALERT = 12, NEXT_PROTOCOL = 13, ESTABLISHED = 14, JA3 = 15;
const JA3S = 16, JA4 = 17;

/** ssl.log (and open_ssl) -> SslRecord. */
export const sslMapper: RecordMapper<SslRecord> = {
  kind: 'ssl',
  codes: codeMap(COLUMNS),
  required: ['ts', 'id.orig_h', 'id.resp_h'],

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
    let v: number;
    switch (code) {
      case TS:
        r.ts = scanTime(buf, s, e, sep);
        return r.ts === r.ts;
      case ORIG_H: {
        const a = scanAddr(buf, s, e, sep);
        if (a === null) return false;
        r.origH = a;
        return true;
      }
      case ORIG_P:
        r.origP = v = scanPort(buf, s, e, sep);
        return v >= 0;
      case RESP_H: {
        const a = scanAddr(buf, s, e, sep);
        if (a === null) return false;
        r.respH = a;
        return true;
      }
      case RESP_P:
        r.respP = v = scanPort(buf, s, e, sep);
        return v >= 0;
      case RESUMED:
        v = scanBool(buf, s, e, sep);
        r.resumed = v === 1;
        return v >= 0;
      case ESTABLISHED:
        v = scanBool(buf, s, e, sep);
        r.established = v === 1;
        return v >= 0;
    }
    setString(r, code, code === UID ? scanString(buf, s, e, sep) : scanToken(buf, s, e, sep));
    return true;
  },

  setJson(r, code, x) {
    let v: number;
    switch (code) {
      case TS:
        r.ts = jsonTime(x);
        return r.ts === r.ts;
      case ORIG_H: {
        const a = jsonAddr(x);
        if (a === null) return false;
        r.origH = a;
        return true;
      }
      case ORIG_P:
        r.origP = v = jsonPort(x);
        return v >= 0;
      case RESP_H: {
        const a = jsonAddr(x);
        if (a === null) return false;
        r.respH = a;
        return true;
      }
      case RESP_P:
        r.respP = v = jsonPort(x);
        return v >= 0;
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
    case UID: r.uid = x; break;
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
