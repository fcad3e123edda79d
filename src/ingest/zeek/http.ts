import type { HttpRecord, RecordSink } from '../../core/records.js';
import { codeMap, ID_CODE_LAST, setIdJson, setIdTsv, type RecordMapper } from './mapper.js';
import { HTTP_PREFIXES } from './tsv-fast.js';
import {
  EMPTY_LIST,
  jsonCount,
  jsonStringList,
} from './values.js';
import {
  scanCount,
  scanString,
  scanStringList,
  scanToken,
} from './scan.js';

/** http.log columns we map, in field-code order (code = index + 1). */
const COLUMNS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'trans_depth', 'method', 'host', 'uri',
  'referrer', 'version', 'user_agent', 'origin', 'request_body_len', 'response_body_len', 'status_code',
  'status_msg', 'info_code', 'info_msg', 'tags', 'username', 'password', 'orig_filenames', 'orig_mime_types',
  'resp_filenames', 'resp_mime_types',
] as const;

// Codes 1..6 (ts, uid, id.*) are set by setIdTsv/setIdJson (mapper.ts).
const TRANS_DEPTH = 7, METHOD = 8, HOST = 9;
const URI = 10, REFERRER = 11, VERSION = 12, USER_AGENT = 13, ORIGIN = 14, REQUEST_BODY_LEN = 15;
const RESPONSE_BODY_LEN = 16, STATUS_CODE = 17, STATUS_MSG = 18, INFO_CODE = 19, INFO_MSG = 20, TAGS = 21;
const USERNAME = 22, PASSWORD = 23, ORIG_FILENAMES = 24, ORIG_MIME_TYPES = 25, RESP_FILENAMES = 26;
const RESP_MIME_TYPES = 27;

/** http.log (and open_http) -> HttpRecord. */
export const httpMapper: RecordMapper<HttpRecord> = {
  kind: 'http',
  codes: codeMap(COLUMNS),
  required: ['ts', 'id.orig_h', 'id.resp_h'],
  tsvPrefixes: HTTP_PREFIXES,

  create(source) {
    // The fields of core's emptyHttpRecord, in its order, with the shared empty lists.
    return {
      ts: NaN,
      uid: '',
      origH: '',
      origP: 0,
      respH: '',
      respP: 0,
      transDepth: 0,
      method: null,
      host: null,
      uri: null,
      referrer: null,
      version: null,
      userAgent: null,
      origin: null,
      requestBodyLen: 0,
      responseBodyLen: 0,
      statusCode: null,
      statusMsg: null,
      infoCode: null,
      infoMsg: null,
      tags: EMPTY_LIST,
      username: null,
      password: null,
      origFilenames: EMPTY_LIST,
      origMimeTypes: EMPTY_LIST,
      respFilenames: EMPTY_LIST,
      respMimeTypes: EMPTY_LIST,
      source,
    };
  },

  setTsv(r, code, buf, s, e, sep, setSep) {
    if (code <= ID_CODE_LAST) return setIdTsv(r, code, buf, s, e, sep);
    let v: number;
    switch (code) {
      case TRANS_DEPTH:
        r.transDepth = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case METHOD:
        r.method = scanToken(buf, s, e, sep);
        return true;
      case HOST:
        r.host = scanToken(buf, s, e, sep);
        return true;
      case URI:
        r.uri = scanString(buf, s, e, sep);
        return true;
      case REFERRER:
        r.referrer = scanToken(buf, s, e, sep);
        return true;
      case VERSION:
        r.version = scanToken(buf, s, e, sep);
        return true;
      case USER_AGENT:
        r.userAgent = scanToken(buf, s, e, sep);
        return true;
      case ORIGIN:
        r.origin = scanString(buf, s, e, sep);
        return true;
      case REQUEST_BODY_LEN:
        r.requestBodyLen = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case RESPONSE_BODY_LEN:
        r.responseBodyLen = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case STATUS_CODE:
        r.statusCode = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case STATUS_MSG:
        r.statusMsg = scanToken(buf, s, e, sep);
        return true;
      case INFO_CODE:
        r.infoCode = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case INFO_MSG:
        r.infoMsg = scanString(buf, s, e, sep);
        return true;
      case TAGS:
        r.tags = scanStringList(buf, s, e, sep, setSep);
        return true;
      case USERNAME:
        r.username = scanString(buf, s, e, sep);
        return true;
      case PASSWORD:
        r.password = scanString(buf, s, e, sep);
        return true;
      case ORIG_FILENAMES:
        r.origFilenames = scanStringList(buf, s, e, sep, setSep);
        return true;
      case ORIG_MIME_TYPES:
        r.origMimeTypes = scanStringList(buf, s, e, sep, setSep);
        return true;
      case RESP_FILENAMES:
        r.respFilenames = scanStringList(buf, s, e, sep, setSep);
        return true;
      case RESP_MIME_TYPES:
        r.respMimeTypes = scanStringList(buf, s, e, sep, setSep);
        return true;
    }
    return true;
  },

  setJson(r, code, x) {
    if (code <= ID_CODE_LAST) return setIdJson(r, code, x);
    let v: number;
    switch (code) {
      case TRANS_DEPTH:
        r.transDepth = v = jsonCount(x);
        return v >= 0;
      case REQUEST_BODY_LEN:
        r.requestBodyLen = v = jsonCount(x);
        return v >= 0;
      case RESPONSE_BODY_LEN:
        r.responseBodyLen = v = jsonCount(x);
        return v >= 0;
      case STATUS_CODE:
        r.statusCode = v = jsonCount(x);
        return v >= 0;
      case INFO_CODE:
        r.infoCode = v = jsonCount(x);
        return v >= 0;
      case TAGS:
      case ORIG_FILENAMES:
      case ORIG_MIME_TYPES:
      case RESP_FILENAMES:
      case RESP_MIME_TYPES: {
        const l = jsonStringList(x);
        if (l === null) return false;
        if (code === TAGS) r.tags = l;
        else if (code === ORIG_FILENAMES) r.origFilenames = l;
        else if (code === ORIG_MIME_TYPES) r.origMimeTypes = l;
        else if (code === RESP_FILENAMES) r.respFilenames = l;
        else r.respMimeTypes = l;
        return true;
      }
    }
    // The remaining codes are plain strings.
    if (typeof x !== 'string') return false;
    switch (code) {
        case METHOD: r.method = x; break;
      case HOST: r.host = x; break;
      case URI: r.uri = x; break;
      case REFERRER: r.referrer = x; break;
      case VERSION: r.version = x; break;
      case USER_AGENT: r.userAgent = x; break;
      case ORIGIN: r.origin = x; break;
      case STATUS_MSG: r.statusMsg = x; break;
      case INFO_MSG: r.infoMsg = x; break;
      case USERNAME: r.username = x; break;
      case PASSWORD: r.password = x; break;
    }
    return true;
  },

  missing(r) {
    if (r.ts !== r.ts) return 'ts';
    if (r.origH === '') return 'id.orig_h';
    if (r.respH === '') return 'id.resp_h';
    return null;
  },

  emit(sink: RecordSink, r) {
    sink.http(r);
  },
};
