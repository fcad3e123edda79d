/**
 * Which Zeek log a file holds, and which of them Konseki reads.
 *
 * The log type comes from the content when it says so (`#path` in TSV, `_path` in JSON),
 * else from the file name (`conn.13:00:00-14:00:00.log.gz`, `conn_20240101.json`, `dns.log`),
 * else from the column names. The long-connection logs are the one exception to "content
 * first": RITA's Zeek package writes `open_conn.log` with `#path conn` (and `_path: "conn"`),
 * so when the file name names the open/long variant of the logged type, the name wins.
 */

/** The record kind a log maps onto. */
export type ZeekRecordKind = 'conn' | 'dns' | 'http' | 'ssl';

/**
 * Logs Konseki reads, and the record kind each maps onto.
 * - `open_conn`, `open_http`, `open_ssl`: RITA's Zeek package logs of connections still open
 *   when the log rotated (`activecm/rita: importer/importer.go`, `constants/prefixes.go`).
 * - `conn_long`: Zeek's long-connections package (`corelight/zeek-long-connections`), which logs
 *   a snapshot of each long-lived connection at intervals before its final conn.log row.
 * Their conn rows carry `openAtEnd: true`.
 */
export const SUPPORTED_LOGS: Readonly<Record<string, ZeekRecordKind>> = {
  conn: 'conn',
  conn_long: 'conn',
  open_conn: 'conn',
  dns: 'dns',
  http: 'http',
  open_http: 'http',
  ssl: 'ssl',
  open_ssl: 'ssl',
};

/** Logs whose rows describe connections that were still open when they were written. */
export const OPEN_CONNECTION_LOGS: ReadonlySet<string> = new Set(['conn_long', 'open_conn', 'open_http', 'open_ssl']);

/**
 * Log names Zeek and its common packages write (`scripts/base` and `scripts/policy`), used to
 * trust a file name's log type over a guess from the columns (smtp.log has `trans_depth`
 * like http.log).
 */
export const KNOWN_ZEEK_LOGS: ReadonlySet<string> = new Set([
  ...Object.keys(SUPPORTED_LOGS),
  'analyzer', 'arp', 'broker', 'capture_loss', 'cluster', 'config', 'dce_rpc', 'dhcp', 'dnp3', 'dpd', 'files',
  'ftp', 'intel', 'irc', 'kerberos', 'known_certs', 'known_hosts', 'known_modbus', 'known_services', 'ldap',
  'ldap_search', 'loaded_scripts', 'modbus', 'mqtt_connect', 'mqtt_publish', 'mqtt_subscribe', 'mysql', 'netcontrol',
  'notice', 'notice_alarm', 'ntlm', 'ntp', 'ocsp', 'packet_filter', 'pe', 'quic', 'radius', 'rdp', 'reporter', 'rfb',
  'signatures', 'sip', 'smb_cmd', 'smb_files', 'smb_mapping', 'smtp', 'snmp', 'socks', 'software', 'ssh', 'stats',
  'stderr', 'stdout', 'syslog', 'telemetry', 'traceroute', 'tunnel', 'unified2', 'websocket', 'weird', 'weird_stats',
  'x509',
]);

/** The record kind for a log type, or null when Konseki does not read that log. */
export function recordKindOf(logType: string | null): ZeekRecordKind | null {
  if (logType === null) return null;
  return Object.prototype.hasOwnProperty.call(SUPPORTED_LOGS, logType) ? SUPPORTED_LOGS[logType] : null;
}

const NAME_TYPE = /^([A-Za-z][A-Za-z0-9_]*?)(?:[_-]\d[\d_:-]*)?$/;

/**
 * The log type a file name suggests: the part before the first dot, minus a date suffix.
 * `conn.13:00:00-14:00:00.log.gz` -> `conn`, `conn_20240101.json` -> `conn`,
 * `open_conn.log` -> `open_conn`, `conn.log.labeled` -> `conn`. Null when the name does not
 * start with a log type (`LICENSE.txt` gives `LICENSE`, which is not null: callers check it
 * against the logs they know).
 */
export function logTypeFromFileName(fileName: string): string | null {
  const slash = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  const base = fileName.slice(slash + 1);
  const dot = base.indexOf('.');
  const head = dot < 0 ? base : base.slice(0, dot);
  const m = NAME_TYPE.exec(head);
  return m ? m[1] : null;
}

/**
 * File names that look like Zeek logs, for picking files out of a directory: `.log` or `.json`
 * (`.jsonl`, `.ndjson`) followed by any suffixes (`.gz`, logrotate's `.1`, Slips' `.labeled`).
 */
const LOG_FILE_NAME = /\.(?:log|json|jsonl|ndjson)(?:\.[A-Za-z0-9_-]+)*$/;

/** True when a file name looks like a Zeek log (`*.log`, `*.log.gz`, `*.json[.gz]`, `conn.log.labeled`, `conn.log.1.gz`). */
export function looksLikeZeekLogName(fileName: string): boolean {
  const slash = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  return LOG_FILE_NAME.test(fileName.slice(slash + 1));
}

/**
 * The log type that column names suggest, for input with neither `#path`/`_path` nor a
 * telling file name (standard input). Null when they suggest none of the logs we read.
 */
export function logTypeFromFields(names: Iterable<string>): string | null {
  const set = new Set(names);
  if (set.has('conn_state') || set.has('orig_ip_bytes') || (set.has('history') && set.has('orig_bytes'))) return 'conn';
  if (set.has('qtype') || set.has('query') || set.has('rcode')) return 'dns';
  if (set.has('method') || set.has('trans_depth') || set.has('status_code')) return 'http';
  if (set.has('cipher') || set.has('server_name') || set.has('established')) return 'ssl';
  return null;
}

/**
 * The log type of a file: the content's path unless the file name names the open or long
 * variant of it (see the module comment), else the name, else the fields.
 */
export function resolveLogType(contentPath: string | null, fileName: string, fields: () => Iterable<string>): string | null {
  const fromName = fileName === '-' ? null : logTypeFromFileName(fileName);
  if (contentPath !== null && contentPath !== '') {
    if (fromName !== null && OPEN_CONNECTION_LOGS.has(fromName) && SUPPORTED_LOGS[fromName] === recordKindOf(contentPath)) {
      return fromName;
    }
    return contentPath;
  }
  if (fromName !== null && KNOWN_ZEEK_LOGS.has(fromName)) return fromName;
  return logTypeFromFields(fields()) ?? fromName;
}
