import type { ConnRecord, RecordSink } from '../../core/records.js';
import { codeMap, ID_CODE_LAST, setIdJson, setIdTsv, type RecordMapper } from './mapper.js';
import { CONN_PREFIXES } from './tsv-fast.js';
import {
  EMPTY_LIST,
  jsonTransport,
  jsonBool,
  jsonCount,
  jsonInterval,
  jsonStringList,
} from './values.js';
import {
  scanBool,
  scanCount,
  scanInt,
  scanInterval,
  scanString,
  scanStringList,
  scanToken,
  scanTransport,
} from './scan.js';

/** conn.log columns we map, in field-code order (code = index + 1). */
const COLUMNS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
  'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history',
  'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents', 'vlan', 'inner_vlan',
  'community_id', 'ip_proto',
] as const;

// Codes 1..6 (ts, uid, id.*) are set by setIdTsv/setIdJson (mapper.ts).
const PROTO = 7, SERVICE = 8, DURATION = 9;
const ORIG_BYTES = 10, RESP_BYTES = 11, CONN_STATE = 12, LOCAL_ORIG = 13, LOCAL_RESP = 14, MISSED_BYTES = 15;
const HISTORY = 16, ORIG_PKTS = 17, ORIG_IP_BYTES = 18, RESP_PKTS = 19, RESP_IP_BYTES = 20, TUNNEL_PARENTS = 21;
const VLAN = 22, INNER_VLAN = 23, COMMUNITY_ID = 24, IP_PROTO = 25;

/** conn.log (and conn_long, open_conn) -> ConnRecord. */
export const connMapper: RecordMapper<ConnRecord> = {
  kind: 'conn',
  codes: codeMap(COLUMNS),
  required: ['ts', 'id.orig_h', 'id.resp_h'],
  tsvPrefixes: CONN_PREFIXES,

  create(source) {
    return {
      ts: NaN,
      uid: '',
      origH: '',
      origP: 0,
      respH: '',
      respP: 0,
      proto: 'unknown_transport',
      service: null,
      duration: null,
      origBytes: null,
      respBytes: null,
      connState: null,
      localOrig: null,
      localResp: null,
      missedBytes: 0,
      history: null,
      origPkts: 0,
      origIpBytes: 0,
      respPkts: 0,
      respIpBytes: 0,
      tunnelParents: EMPTY_LIST,
      vlan: null,
      innerVlan: null,
      communityId: null,
      ipProto: undefined,
      source,
    };
  },

  setTsv(r, code, buf, s, e, sep, setSep) {
    if (code <= ID_CODE_LAST) return setIdTsv(r, code, buf, s, e, sep);
    let v: number;
    switch (code) {
      case PROTO:
        r.proto = scanTransport(buf, s, e, sep);
        return true;
      case SERVICE:
        r.service = scanToken(buf, s, e, sep);
        return true;
      case DURATION:
        r.duration = v = scanInterval(buf, s, e, sep);
        return v === v;
      case ORIG_BYTES:
        r.origBytes = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case RESP_BYTES:
        r.respBytes = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case CONN_STATE:
        r.connState = scanToken(buf, s, e, sep);
        return true;
      case LOCAL_ORIG:
        v = scanBool(buf, s, e, sep);
        r.localOrig = v === 1;
        return v >= 0;
      case LOCAL_RESP:
        v = scanBool(buf, s, e, sep);
        r.localResp = v === 1;
        return v >= 0;
      case MISSED_BYTES:
        r.missedBytes = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case HISTORY:
        r.history = scanToken(buf, s, e, sep);
        return true;
      case ORIG_PKTS:
        r.origPkts = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case ORIG_IP_BYTES:
        r.origIpBytes = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case RESP_PKTS:
        r.respPkts = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case RESP_IP_BYTES:
        r.respIpBytes = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case TUNNEL_PARENTS:
        r.tunnelParents = scanStringList(buf, s, e, sep, setSep);
        return true;
      case VLAN:
        r.vlan = v = scanInt(buf, s, e, sep);
        return v === v;
      case INNER_VLAN:
        r.innerVlan = v = scanInt(buf, s, e, sep);
        return v === v;
      case COMMUNITY_ID:
        r.communityId = scanString(buf, s, e, sep);
        return true;
      case IP_PROTO:
        r.ipProto = v = scanCount(buf, s, e, sep);
        return v >= 0 && v <= 255;
    }
    return true;
  },

  setJson(r, code, x) {
    if (code <= ID_CODE_LAST) return setIdJson(r, code, x);
    let v: number;
    switch (code) {
      case PROTO:
        r.proto = jsonTransport(x);
        return typeof x === 'string';
      case SERVICE:
        if (typeof x !== 'string') return false;
        r.service = x;
        return true;
      case DURATION:
        r.duration = v = jsonInterval(x);
        return v === v;
      case ORIG_BYTES:
        r.origBytes = v = jsonCount(x);
        return v >= 0;
      case RESP_BYTES:
        r.respBytes = v = jsonCount(x);
        return v >= 0;
      case CONN_STATE:
        if (typeof x !== 'string') return false;
        r.connState = x;
        return true;
      case LOCAL_ORIG:
        v = jsonBool(x);
        r.localOrig = v === 1;
        return v >= 0;
      case LOCAL_RESP:
        v = jsonBool(x);
        r.localResp = v === 1;
        return v >= 0;
      case MISSED_BYTES:
        r.missedBytes = v = jsonCount(x);
        return v >= 0;
      case HISTORY:
        if (typeof x !== 'string') return false;
        r.history = x;
        return true;
      case ORIG_PKTS:
        r.origPkts = v = jsonCount(x);
        return v >= 0;
      case ORIG_IP_BYTES:
        r.origIpBytes = v = jsonCount(x);
        return v >= 0;
      case RESP_PKTS:
        r.respPkts = v = jsonCount(x);
        return v >= 0;
      case RESP_IP_BYTES:
        r.respIpBytes = v = jsonCount(x);
        return v >= 0;
      case TUNNEL_PARENTS: {
        const l = jsonStringList(x);
        if (l === null) return false;
        r.tunnelParents = l;
        return true;
      }
      case VLAN:
        if (typeof x !== 'number' || !Number.isInteger(x)) return false;
        r.vlan = x;
        return true;
      case INNER_VLAN:
        if (typeof x !== 'number' || !Number.isInteger(x)) return false;
        r.innerVlan = x;
        return true;
      case COMMUNITY_ID:
        if (typeof x !== 'string') return false;
        r.communityId = x;
        return true;
      case IP_PROTO:
        r.ipProto = v = jsonCount(x);
        return v >= 0 && v <= 255;
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
    sink.conn(r);
  },
};
