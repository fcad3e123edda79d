/**
 * Connections announced by a control connection before they open (FTP data channels), so that
 * the new connection can be tagged with its service when the flow table creates it, as Zeek
 * does with Analyzer::schedule_analyzer (conn.log service `ftp-data`).
 *
 * An entry is keyed by the responder address and port of the coming connection, optionally
 * pinned to an originator address, and expires after EXPECT_TIMEOUT seconds of capture time.
 * At most MAX_EXPECTED entries are kept; the oldest is dropped (and counted) beyond that.
 */
import type { AnomalyCounter } from '../core/anomaly.js';
import type { Svc } from './services.js';

/** Entries kept at once. */
export const MAX_EXPECTED = 4096;
/** Seconds an announced connection is waited for (Zeek's FTP uses 5 minutes). */
export const EXPECT_TIMEOUT = 300;

interface Expected {
  origH: string | null;
  svc: Svc;
  expires: number;
}

export class ExpectedConns {
  private readonly map = new Map<string, Expected>();
  /** Latest capture time seen by any analyzer while entries wait (the factory is called without a timestamp). */
  now = 0;

  constructor(private readonly anomalies: AnomalyCounter) {}

  get size(): number {
    return this.map.size;
  }

  /** Announce a connection to `respH:respP` (from `origH` when known). */
  add(origH: string | null, respH: string, respP: number, svc: Svc, ts: number): void {
    // Analyzers keep `now` current only while entries are waiting: start from this one's time.
    if (ts > this.now) this.now = ts;
    const key = respH + ' ' + respP;
    if (!this.map.has(key) && this.map.size >= MAX_EXPECTED) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.anomalies.add('expected_conn_limit');
    }
    this.map.delete(key);
    this.map.set(key, { origH, svc, expires: ts + EXPECT_TIMEOUT });
  }

  /**
   * The service announced for a new connection (and forget it), or 0.
   * @param startTs the connection's first packet time when known (its analyzer may be made
   *        later): an announcement after it is not for this connection, and expiry is judged
   *        at that time, as Zeek does when the connection is created
   */
  take(origH: string, respH: string, respP: number, startTs?: number): Svc | 0 {
    if (this.map.size === 0) return 0;
    const key = respH + ' ' + respP;
    const e = this.map.get(key);
    if (e === undefined) return 0;
    if (startTs !== undefined && e.expires - EXPECT_TIMEOUT > startTs) return 0;
    if (e.expires < (startTs ?? this.now)) {
      this.map.delete(key);
      return 0;
    }
    if (e.origH !== null && e.origH !== origH) return 0;
    this.map.delete(key);
    return e.svc;
  }
}

/**
 * FTP replies and commands that announce a data connection (RFC 959 PORT/227, RFC 2428
 * EPRT/229). Returns [address or null for "the peer's", port], or null.
 *   227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)    PORT h1,h2,h3,h4,p1,p2
 *   229 Entering Extended Passive Mode (|||port|)     EPRT |af|addr|port|
 */
export function ftpDataEndpoint(line: string): [string | null, number] | null {
  let m = /^227 .*?(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(line) ?? /^PORT (\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/i.exec(line);
  if (m) {
    const port = Number(m[5]) * 256 + Number(m[6]);
    return port > 0 && port < 65536 ? [`${m[1]}.${m[2]}.${m[3]}.${m[4]}`, port] : null;
  }
  m = /^229 .*\((.)\1\1(\d+)\1\)/.exec(line);
  if (m) return [null, Number(m[2])];
  m = /^EPRT (.)([12])\1([^|]+)\1(\d+)\1/i.exec(line);
  if (m) return [m[3].toLowerCase(), Number(m[4])];
  return null;
}
