/**
 * Field specs of the Zeek logs we write, in Zeek's column order and with Zeek's types
 * (Zeek 9 default scripts: scripts/base/protocols/{conn,dns,http,ssl}/main.zeek, as seen in
 * the corpus baselines). Columns a record cannot fill are written unset (`-`), as Zeek does
 * for an `&optional` field nobody set.
 *
 * conn.log adds `vlan`/`inner_vlan` (policy/protocols/conn/vlan-logging) and `community_id`
 * (policy/protocols/conn/community-id-logging), appended after Zeek's columns as those
 * policy scripts do.
 */
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../core/records.js';

export type ZeekType =
  | 'time'
  | 'interval'
  | 'string'
  | 'addr'
  | 'port'
  | 'enum'
  | 'count'
  | 'int'
  | 'bool'
  | 'double'
  | 'set[string]'
  | 'set[enum]'
  | 'vector[string]'
  | 'vector[interval]';

/** One column: its Zeek name and type, and how to read it from a record (null = unset). */
export interface FieldSpec<R> {
  name: string;
  type: ZeekType;
  get: (r: R) => unknown;
}

/** One log: its `#path` and columns. */
export interface LogSpec<R> {
  path: string;
  fields: FieldSpec<R>[];
}

const unset = (): null => null;

function idFields<R extends { origH: string; origP: number; respH: string; respP: number }>(): FieldSpec<R>[] {
  return [
    { name: 'id.orig_h', type: 'addr', get: (r) => r.origH },
    { name: 'id.orig_p', type: 'port', get: (r) => r.origP },
    { name: 'id.resp_h', type: 'addr', get: (r) => r.respH },
    { name: 'id.resp_p', type: 'port', get: (r) => r.respP },
  ];
}

export const CONN_LOG: LogSpec<ConnRecord> = {
  path: 'conn',
  fields: [
    { name: 'ts', type: 'time', get: (r) => r.ts },
    { name: 'uid', type: 'string', get: (r) => r.uid },
    ...idFields<ConnRecord>(),
    { name: 'proto', type: 'enum', get: (r) => r.proto },
    { name: 'service', type: 'string', get: (r) => r.service },
    { name: 'duration', type: 'interval', get: (r) => r.duration },
    { name: 'orig_bytes', type: 'count', get: (r) => r.origBytes },
    { name: 'resp_bytes', type: 'count', get: (r) => r.respBytes },
    { name: 'conn_state', type: 'string', get: (r) => r.connState },
    { name: 'local_orig', type: 'bool', get: (r) => r.localOrig },
    { name: 'local_resp', type: 'bool', get: (r) => r.localResp },
    { name: 'missed_bytes', type: 'count', get: (r) => r.missedBytes },
    { name: 'history', type: 'string', get: (r) => r.history },
    { name: 'orig_pkts', type: 'count', get: (r) => r.origPkts },
    { name: 'orig_ip_bytes', type: 'count', get: (r) => r.origIpBytes },
    { name: 'resp_pkts', type: 'count', get: (r) => r.respPkts },
    { name: 'resp_ip_bytes', type: 'count', get: (r) => r.respIpBytes },
    // Zeek leaves tunnel_parents unset (not empty) when there is no tunnel.
    { name: 'tunnel_parents', type: 'set[string]', get: (r) => (r.tunnelParents.length ? r.tunnelParents : null) },
    { name: 'ip_proto', type: 'count', get: (r) => r.ipProto ?? null },
    { name: 'vlan', type: 'int', get: (r) => r.vlan },
    { name: 'inner_vlan', type: 'int', get: (r) => r.innerVlan },
    { name: 'community_id', type: 'string', get: (r) => r.communityId },
  ],
};

export const DNS_LOG: LogSpec<DnsRecord> = {
  path: 'dns',
  fields: [
    { name: 'ts', type: 'time', get: (r) => r.ts },
    { name: 'uid', type: 'string', get: (r) => r.uid },
    ...idFields<DnsRecord>(),
    { name: 'proto', type: 'enum', get: (r) => r.proto },
    { name: 'trans_id', type: 'count', get: (r) => r.transId },
    { name: 'rtt', type: 'interval', get: (r) => r.rtt },
    { name: 'query', type: 'string', get: (r) => r.query },
    { name: 'qclass', type: 'count', get: (r) => r.qclass },
    { name: 'qclass_name', type: 'string', get: (r) => r.qclassName },
    { name: 'qtype', type: 'count', get: (r) => r.qtype },
    { name: 'qtype_name', type: 'string', get: (r) => r.qtypeName },
    { name: 'rcode', type: 'count', get: (r) => r.rcode },
    { name: 'rcode_name', type: 'string', get: (r) => r.rcodeName },
    { name: 'AA', type: 'bool', get: (r) => r.AA },
    { name: 'TC', type: 'bool', get: (r) => r.TC },
    { name: 'RD', type: 'bool', get: (r) => r.RD },
    { name: 'RA', type: 'bool', get: (r) => r.RA },
    { name: 'Z', type: 'count', get: (r) => r.Z },
    { name: 'answers', type: 'vector[string]', get: (r) => (r.answers.length ? r.answers : null) },
    { name: 'TTLs', type: 'vector[interval]', get: (r) => (r.TTLs.length ? r.TTLs : null) },
    { name: 'rejected', type: 'bool', get: (r) => r.rejected },
    { name: 'opcode', type: 'count', get: (r) => r.opcode ?? null },
    { name: 'opcode_name', type: 'string', get: (r) => r.opcodeName ?? null },
  ],
};

export const HTTP_LOG: LogSpec<HttpRecord> = {
  path: 'http',
  fields: [
    { name: 'ts', type: 'time', get: (r) => r.ts },
    { name: 'uid', type: 'string', get: (r) => r.uid },
    ...idFields<HttpRecord>(),
    { name: 'trans_depth', type: 'count', get: (r) => r.transDepth },
    { name: 'method', type: 'string', get: (r) => r.method },
    { name: 'host', type: 'string', get: (r) => r.host },
    { name: 'uri', type: 'string', get: (r) => r.uri },
    { name: 'referrer', type: 'string', get: (r) => r.referrer },
    { name: 'version', type: 'string', get: (r) => r.version },
    { name: 'user_agent', type: 'string', get: (r) => r.userAgent },
    { name: 'origin', type: 'string', get: (r) => r.origin },
    { name: 'request_body_len', type: 'count', get: (r) => r.requestBodyLen },
    { name: 'response_body_len', type: 'count', get: (r) => r.responseBodyLen },
    { name: 'status_code', type: 'count', get: (r) => r.statusCode },
    { name: 'status_msg', type: 'string', get: (r) => r.statusMsg },
    { name: 'info_code', type: 'count', get: (r) => r.infoCode },
    { name: 'info_msg', type: 'string', get: (r) => r.infoMsg },
    { name: 'tags', type: 'set[enum]', get: (r) => r.tags },
    { name: 'username', type: 'string', get: (r) => r.username },
    { name: 'password', type: 'string', get: (r) => r.password },
    { name: 'proxied', type: 'set[string]', get: unset },
    { name: 'orig_fuids', type: 'vector[string]', get: unset },
    { name: 'orig_filenames', type: 'vector[string]', get: (r) => (r.origFilenames.length ? r.origFilenames : null) },
    { name: 'orig_mime_types', type: 'vector[string]', get: (r) => (r.origMimeTypes.length ? r.origMimeTypes : null) },
    { name: 'resp_fuids', type: 'vector[string]', get: unset },
    { name: 'resp_filenames', type: 'vector[string]', get: (r) => (r.respFilenames.length ? r.respFilenames : null) },
    { name: 'resp_mime_types', type: 'vector[string]', get: (r) => (r.respMimeTypes.length ? r.respMimeTypes : null) },
  ],
};

export const SSL_LOG: LogSpec<SslRecord> = {
  path: 'ssl',
  fields: [
    { name: 'ts', type: 'time', get: (r) => r.ts },
    { name: 'uid', type: 'string', get: (r) => r.uid },
    ...idFields<SslRecord>(),
    { name: 'version', type: 'string', get: (r) => r.version },
    { name: 'cipher', type: 'string', get: (r) => r.cipher },
    { name: 'curve', type: 'string', get: (r) => r.curve },
    { name: 'server_name', type: 'string', get: (r) => r.serverName },
    { name: 'resumed', type: 'bool', get: (r) => r.resumed },
    { name: 'last_alert', type: 'string', get: (r) => r.lastAlert },
    { name: 'next_protocol', type: 'string', get: (r) => r.nextProtocol },
    { name: 'established', type: 'bool', get: (r) => r.established },
    { name: 'ssl_history', type: 'string', get: unset },
    { name: 'cert_chain_fps', type: 'vector[string]', get: unset },
    { name: 'client_cert_chain_fps', type: 'vector[string]', get: unset },
    { name: 'sni_matches_cert', type: 'bool', get: unset },
  ],
};
