import type { DnsRecord, RecordSink } from '../../core/records.js';
import { codeMap, ID_CODE_LAST, setIdJson, setIdTsv, type RecordMapper } from './mapper.js';
import { DNS_PREFIXES } from './tsv-fast.js';
import {
  EMPTY_LIST,
  jsonTransport,
  jsonBool,
  jsonCount,
  jsonInterval,
  jsonIntervalList,
  jsonStringList,
} from './values.js';
import {
  scanBool,
  scanCount,
  scanInterval,
  scanIntervalList,
  scanStringList,
  scanToken,
  scanTransport,
} from './scan.js';

/** dns.log columns we map, in field-code order (code = index + 1). */
const COLUMNS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query',
  'qclass', 'qclass_name', 'qtype', 'qtype_name', 'rcode', 'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z',
  'answers', 'TTLs', 'rejected',
] as const;

// Codes 1..6 (ts, uid, id.*) are set by setIdTsv/setIdJson (mapper.ts).
const PROTO = 7, TRANS_ID = 8, RTT = 9;
const QUERY = 10, QCLASS = 11, QCLASS_NAME = 12, QTYPE = 13, QTYPE_NAME = 14, RCODE = 15, RCODE_NAME = 16;
const AA = 17, TC = 18, RD = 19, RA = 20, Z = 21, ANSWERS = 22, TTLS = 23, REJECTED = 24;

/** dns.log -> DnsRecord. */
export const dnsMapper: RecordMapper<DnsRecord> = {
  kind: 'dns',
  codes: codeMap(COLUMNS),
  required: ['ts', 'id.orig_h', 'id.resp_h'],
  tsvPrefixes: DNS_PREFIXES,

  create(source) {
    // The fields of core's emptyDnsRecord, in its order, with the shared empty lists.
    return {
      ts: NaN,
      uid: '',
      origH: '',
      origP: 0,
      respH: '',
      respP: 0,
      proto: 'unknown_transport',
      transId: null,
      rtt: null,
      query: null,
      qclass: null,
      qclassName: null,
      qtype: null,
      qtypeName: null,
      rcode: null,
      rcodeName: null,
      AA: false,
      TC: false,
      RD: false,
      RA: false,
      Z: 0,
      answers: EMPTY_LIST,
      TTLs: EMPTY_LIST as unknown as number[],
      rejected: false,
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
      case TRANS_ID:
        r.transId = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case RTT:
        r.rtt = v = scanInterval(buf, s, e, sep);
        return v === v;
      case QUERY:
        r.query = scanToken(buf, s, e, sep);
        return true;
      case QCLASS:
        r.qclass = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case QCLASS_NAME:
        r.qclassName = scanToken(buf, s, e, sep);
        return true;
      case QTYPE:
        r.qtype = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case QTYPE_NAME:
        r.qtypeName = scanToken(buf, s, e, sep);
        return true;
      case RCODE:
        r.rcode = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case RCODE_NAME:
        r.rcodeName = scanToken(buf, s, e, sep);
        return true;
      case AA:
        v = scanBool(buf, s, e, sep);
        r.AA = v === 1;
        return v >= 0;
      case TC:
        v = scanBool(buf, s, e, sep);
        r.TC = v === 1;
        return v >= 0;
      case RD:
        v = scanBool(buf, s, e, sep);
        r.RD = v === 1;
        return v >= 0;
      case RA:
        v = scanBool(buf, s, e, sep);
        r.RA = v === 1;
        return v >= 0;
      case Z:
        r.Z = v = scanCount(buf, s, e, sep);
        return v >= 0;
      case ANSWERS:
        r.answers = scanStringList(buf, s, e, sep, setSep);
        return true;
      case TTLS: {
        const l = scanIntervalList(buf, s, e, sep, setSep);
        if (l === null) return false;
        r.TTLs = l;
        return true;
      }
      case REJECTED:
        v = scanBool(buf, s, e, sep);
        r.rejected = v === 1;
        return v >= 0;
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
      case TRANS_ID:
        r.transId = v = jsonCount(x);
        return v >= 0;
      case RTT:
        r.rtt = v = jsonInterval(x);
        return v === v;
      case QUERY:
        if (typeof x !== 'string') return false;
        r.query = x;
        return true;
      case QCLASS:
        r.qclass = v = jsonCount(x);
        return v >= 0;
      case QCLASS_NAME:
        if (typeof x !== 'string') return false;
        r.qclassName = x;
        return true;
      case QTYPE:
        r.qtype = v = jsonCount(x);
        return v >= 0;
      case QTYPE_NAME:
        if (typeof x !== 'string') return false;
        r.qtypeName = x;
        return true;
      case RCODE:
        r.rcode = v = jsonCount(x);
        return v >= 0;
      case RCODE_NAME:
        if (typeof x !== 'string') return false;
        r.rcodeName = x;
        return true;
      case AA:
        v = jsonBool(x);
        r.AA = v === 1;
        return v >= 0;
      case TC:
        v = jsonBool(x);
        r.TC = v === 1;
        return v >= 0;
      case RD:
        v = jsonBool(x);
        r.RD = v === 1;
        return v >= 0;
      case RA:
        v = jsonBool(x);
        r.RA = v === 1;
        return v >= 0;
      case Z:
        r.Z = v = jsonCount(x);
        return v >= 0;
      case ANSWERS: {
        const l = jsonStringList(x);
        if (l === null) return false;
        r.answers = l;
        return true;
      }
      case TTLS: {
        const l = jsonIntervalList(x);
        if (l === null) return false;
        r.TTLs = l;
        return true;
      }
      case REJECTED:
        v = jsonBool(x);
        r.rejected = v === 1;
        return v >= 0;
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
    sink.dns(r);
  },
};
