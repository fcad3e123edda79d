/**
 * Deterministic scenario generator: a day of a 40-host office network as Zeek-style
 * records (conn, dns, http, ssl), with labelled C2 traces and labelled benign traps.
 * Same seed, same records. Used by test/scenario/*.test.ts; no file is written.
 *
 * Internal 10.1.0.0/24, resolver 10.1.0.2. External addresses are from the documentation
 * ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) plus a few well-known ones for
 * the benign services; no real party is implied.
 */
import type { DetectorId, Finding } from '../../src/core/finding.js';
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../../src/core/records.js';

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Label {
  /** What must find it (positives) or null for a benign trap. */
  detector: DetectorId | null;
  src: string;
  /** Destination address, or null when only the name identifies it. */
  dst: string | null;
  /** Destination name when the finding is grouped by name. */
  host: string | null;
  note: string;
}

export interface Scenario {
  conn: ConnRecord[];
  dns: DnsRecord[];
  http: HttpRecord[];
  ssl: SslRecord[];
  labels: Label[];
  start: number;
  end: number;
}

export const DAY = 86_400;
export const START = 1_767_225_600; // 2026-01-01T00:00:00Z
export const RESOLVER = '10.1.0.2';
export const HOSTS = Array.from({ length: 40 }, (_, i) => `10.1.0.${10 + i}`);

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

export class ScenarioBuilder {
  readonly conn: ConnRecord[] = [];
  readonly dns: DnsRecord[] = [];
  readonly http: HttpRecord[] = [];
  readonly ssl: SslRecord[] = [];
  readonly labels: Label[] = [];
  private uidN = 0;
  private portN = 40000;
  readonly rnd: () => number;

  constructor(seed: number) {
    this.rnd = prng(seed);
  }

  uid(): string {
    return 'C' + (this.uidN++).toString(36).padStart(8, '0');
  }

  /** Uniform jitter: interval x (1 ± j). */
  jit(interval: number, j: number): number {
    return interval * (1 + j * (2 * this.rnd() - 1));
  }

  addConn(p: Partial<ConnRecord> & { ts: number; origH: string; respH: string; respP: number }): ConnRecord {
    const r: ConnRecord = {
      uid: this.uid(),
      origP: (this.portN = this.portN >= 65000 ? 40000 : this.portN + 1),
      proto: 'tcp',
      service: null,
      duration: 0.5,
      origBytes: 300,
      respBytes: 1200,
      connState: 'SF',
      localOrig: null,
      localResp: null,
      missedBytes: 0,
      history: 'ShADadFf',
      origPkts: 6,
      origIpBytes: 620,
      respPkts: 5,
      respIpBytes: 1460,
      tunnelParents: [],
      vlan: null,
      innerVlan: null,
      communityId: null,
      source: 0,
      ...p,
    };
    this.conn.push(r);
    return r;
  }

  addDns(ts: number, src: string, query: string, answers: string[], qtype = 1, qtypeName = 'A'): DnsRecord {
    const r: DnsRecord = {
      ts,
      uid: this.uid(),
      origH: src,
      origP: 50000 + Math.floor(this.rnd() * 10000),
      respH: RESOLVER,
      respP: 53,
      proto: 'udp',
      transId: Math.floor(this.rnd() * 65536),
      rtt: 0.01,
      query,
      qclass: 1,
      qclassName: 'C_INTERNET',
      qtype,
      qtypeName,
      rcode: 0,
      rcodeName: 'NOERROR',
      AA: false,
      TC: false,
      RD: true,
      RA: true,
      Z: 0,
      answers,
      TTLs: answers.map(() => 60),
      rejected: false,
      source: 0,
    };
    this.dns.push(r);
    return r;
  }

  addHttp(c: ConnRecord, p: Partial<HttpRecord>): HttpRecord {
    const r: HttpRecord = {
      ts: c.ts,
      uid: c.uid,
      origH: c.origH,
      origP: c.origP,
      respH: c.respH,
      respP: c.respP,
      transDepth: 1,
      method: 'GET',
      host: null,
      uri: '/',
      referrer: null,
      version: '1.1',
      userAgent: 'Mozilla/5.0',
      origin: null,
      requestBodyLen: 0,
      responseBodyLen: 0,
      statusCode: 200,
      statusMsg: 'OK',
      infoCode: null,
      infoMsg: null,
      tags: [],
      username: null,
      password: null,
      origFilenames: [],
      origMimeTypes: [],
      respFilenames: [],
      respMimeTypes: [],
      source: 0,
      ...p,
    };
    this.http.push(r);
    return r;
  }

  addSsl(c: ConnRecord, sni: string | null, p: Partial<SslRecord> = {}): SslRecord {
    const r: SslRecord = {
      ts: c.ts,
      uid: c.uid,
      origH: c.origH,
      origP: c.origP,
      respH: c.respH,
      respP: c.respP,
      version: 'TLSv13',
      cipher: 'TLS_AES_128_GCM_SHA256',
      curve: 'x25519',
      serverName: sni,
      resumed: false,
      lastAlert: null,
      nextProtocol: null,
      established: true,
      source: 0,
      ...p,
    };
    this.ssl.push(r);
    return r;
  }

  /** A series of TLS callbacks with SNI; `missed` share of beats skipped. */
  tlsBeacon(o: {
    src: string;
    dst: string | (() => string);
    sni: string | null;
    interval: number;
    jitter: number;
    from: number;
    to: number;
    size?: number;
    missed?: number;
    port?: number;
    withSsl?: boolean;
  }): void {
    let t = o.from;
    while (t < o.to) {
      if (!(o.missed && this.rnd() < o.missed)) {
        const dst = typeof o.dst === 'string' ? o.dst : o.dst();
        const size = (o.size ?? 240) + Math.floor(this.rnd() * 16);
        const c = this.addConn({ ts: t, origH: o.src, respH: dst, respP: o.port ?? 443, service: o.withSsl === false ? null : 'ssl', origBytes: size, respBytes: 400 + Math.floor(this.rnd() * 40), duration: 0.3 + this.rnd() * 0.2 });
        if (o.withSsl !== false) this.addSsl(c, o.sni);
      }
      t += this.jit(o.interval, o.jitter);
    }
  }

  label(l: Label): void {
    this.labels.push(l);
  }

  base32(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += B32[Math.floor(this.rnd() * 32)];
    return s;
  }
}

/**
 * Build the labelled day. Positives (each with the detector that must find it) and benign
 * traps (detector null: nothing above 'low' may name them).
 */
export function generateScenario(seed = 42): Scenario {
  const b = new ScenarioBuilder(seed);
  const S = START;
  const E = START + DAY;
  const r = b.rnd;

  // --- Background: web browsing with Poisson timing to many sites, from every host. ---
  const sites = Array.from({ length: 300 }, (_, i) => ({ ip: `192.0.2.${(i % 250) + 1}`, name: `site${i}.example.com` }));
  for (const h of HOSTS) {
    let t = S + r() * 600;
    while (t < E) {
      // Office hours are busier.
      const hour = ((t - S) / 3600) % 24;
      const rate = hour >= 8 && hour < 18 ? 1 / 90 : 1 / 900;
      const site = sites[Math.floor(Math.pow(r(), 2) * sites.length)];
      b.addDns(t - 0.05, h, site.name, [site.ip]);
      const c = b.addConn({ ts: t, origH: h, respH: site.ip, respP: 443, service: 'ssl', origBytes: 500 + Math.floor(r() * 5000), respBytes: 2000 + Math.floor(r() * 200000), duration: r() * 30 });
      b.addSsl(c, site.name);
      t += -Math.log(1 - r()) / rate;
    }
  }

  // --- Positives. ---
  // 1. TLS beacon every 60 s ±10% all day.
  b.tlsBeacon({ src: '10.1.0.11', dst: '203.0.113.10', sni: 'api.telemetry-sync.net', interval: 60, jitter: 0.1, from: S + 100, to: E });
  b.label({ detector: 'beacon', src: '10.1.0.11', dst: '203.0.113.10', host: 'api.telemetry-sync.net', note: 'TLS 60 s ±10%' });
  // 2. HTTP beacon every 300 s ±30% with 10% missed callbacks.
  {
    let t = S + 50;
    while (t < E) {
      if (r() > 0.1) {
        const c = b.addConn({ ts: t, origH: '10.1.0.12', respH: '198.51.100.20', respP: 80, service: 'http', origBytes: 180 + Math.floor(r() * 10), respBytes: 90 });
        b.addHttp(c, { method: 'GET', host: 'news-feed-cache.info', uri: '/p?id=' + Math.floor(r() * 1e6), responseBodyLen: 40 });
      }
      t += b.jit(300, 0.3);
    }
  }
  b.label({ detector: 'beacon', src: '10.1.0.12', dst: '198.51.100.20', host: 'news-feed-cache.info', note: 'HTTP 300 s ±30%, 10% missed' });
  // 3. Hourly beacon over the day.
  b.tlsBeacon({ src: '10.1.0.13', dst: '203.0.113.30', sni: 'hourly.sync-check.org', interval: 3600, jitter: 0.05, from: S + 1000, to: E });
  b.label({ detector: 'beacon', src: '10.1.0.13', dst: '203.0.113.30', host: 'hourly.sync-check.org', note: 'hourly' });
  // 4. Sub-second beacon for 10 minutes.
  b.tlsBeacon({ src: '10.1.0.14', dst: '198.51.100.40', sni: null, interval: 0.8, jitter: 0.2, from: S + 7200, to: S + 7800, port: 8443 });
  b.label({ detector: 'beacon', src: '10.1.0.14', dst: '198.51.100.40', host: null, note: '0.8 s for 10 min' });
  // 5. Two sleeps: 30 s during office hours, 600 s otherwise.
  {
    let t = S + 30;
    while (t < E) {
      const hour = ((t - S) / 3600) % 24;
      const c = b.addConn({ ts: t, origH: '10.1.0.15', respH: '203.0.113.50', respP: 443, service: 'ssl', origBytes: 310 + Math.floor(r() * 8), respBytes: 500 });
      b.addSsl(c, 'cdn.jquery-static.net');
      t += hour >= 9 && hour < 17 ? b.jit(30, 0.2) : b.jit(600, 0.2);
    }
  }
  b.label({ detector: 'beacon', src: '10.1.0.15', dst: '203.0.113.50', host: 'cdn.jquery-static.net', note: 'two intervals' });
  // 6. Rotating-address beacon: the name comes only from DNS answers.
  {
    const ips = ['198.51.100.141', '198.51.100.142', '198.51.100.143', '198.51.100.144', '198.51.100.145', '198.51.100.146'];
    let t = S + 20;
    while (t < E) {
      const ip = ips[Math.floor(r() * ips.length)];
      b.addDns(t - 0.1, '10.1.0.16', 'static.fastcdn-img.com', [ip]);
      b.addConn({ ts: t, origH: '10.1.0.16', respH: ip, respP: 443, service: 'ssl', origBytes: 520 + Math.floor(r() * 20), respBytes: 900 });
      t += b.jit(120, 0.2);
    }
  }
  b.label({ detector: 'beacon', src: '10.1.0.16', dst: null, host: 'static.fastcdn-img.com', note: 'rotating addresses, DNS join' });
  // 7. Raw TCP beacon ±30% to 4444 (also a backdoor port).
  {
    let t = S + 5;
    while (t < E) {
      b.addConn({ ts: t, origH: '10.1.0.17', respH: '198.51.100.60', respP: 4444, origBytes: 64, respBytes: 64 + Math.floor(r() * 4), duration: 0.2 });
      t += b.jit(45, 0.3);
    }
  }
  b.label({ detector: 'beacon', src: '10.1.0.17', dst: '198.51.100.60', host: null, note: 'raw TCP 45 s ±30%' });
  b.label({ detector: 'suspicious_port', src: '10.1.0.17', dst: '198.51.100.60', host: null, note: 'Metasploit 4444' });
  // 8. HTTP POST exfiltration, 5 MB.
  {
    const c = b.addConn({ ts: S + 40000, origH: '10.1.0.18', respH: '203.0.113.70', respP: 80, service: 'http', origBytes: 5_300_000, respBytes: 400, duration: 40 });
    b.addHttp(c, { method: 'POST', host: 'upload.filedrop-now.com', uri: '/u', requestBodyLen: 5_242_880, responseBodyLen: 20 });
  }
  b.label({ detector: 'cleartext_exfil', src: '10.1.0.18', dst: '203.0.113.70', host: null, note: 'HTTP POST 5 MB' });
  // 9. FTP upload: control + three passive data connections of 2 MB.
  b.addConn({ ts: S + 50000, origH: '10.1.0.19', respH: '198.51.100.80', respP: 21, service: 'ftp', origBytes: 900, respBytes: 1500, duration: 120 });
  for (let i = 0; i < 3; i++) {
    b.addConn({ ts: S + 50010 + i * 30, origH: '10.1.0.19', respH: '198.51.100.80', respP: 50001 + i, service: 'ftp-data', origBytes: 2_000_000, respBytes: 0, duration: 20 });
  }
  b.label({ detector: 'cleartext_exfil', src: '10.1.0.19', dst: '198.51.100.80', host: null, note: 'FTP 6 MB' });
  // 10. Raw TCP clear-text upload (entropy from a capture).
  b.addConn({ ts: S + 60000, origH: '10.1.0.20', respH: '203.0.113.90', respP: 7777, origBytes: 1_500_000, respBytes: 2000, duration: 60, origPayloadEntropy: 4.6 });
  b.label({ detector: 'cleartext_exfil', src: '10.1.0.20', dst: '203.0.113.90', host: null, note: 'raw TCP 1.5 MB clear text' });
  // 11. Backdoor port 31337, interactive.
  b.addConn({ ts: S + 30000, origH: '10.1.0.21', respH: '198.51.100.100', respP: 31337, origBytes: 4000, respBytes: 90000, duration: 900 });
  b.addConn({ ts: S + 32000, origH: '10.1.0.21', respH: '198.51.100.100', respP: 31337, origBytes: 3000, respBytes: 50000, duration: 600 });
  b.label({ detector: 'suspicious_port', src: '10.1.0.21', dst: '198.51.100.100', host: null, note: 'port 31337' });
  // 12. SSH on 443, two hours.
  b.addConn({ ts: S + 20000, origH: '10.1.0.22', respH: '203.0.113.110', respP: 443, service: 'ssh', origBytes: 300000, respBytes: 900000, duration: 7300 });
  b.label({ detector: 'suspicious_port', src: '10.1.0.22', dst: '203.0.113.110', host: null, note: 'SSH on 443' });
  b.label({ detector: 'long_connection', src: '10.1.0.22', dst: '203.0.113.110', host: null, note: '2 h' });
  // 13. Non-DNS traffic on 53/tcp.
  b.addConn({ ts: S + 25000, origH: '10.1.0.23', respH: '198.51.100.120', respP: 53, origBytes: 50000, respBytes: 80000, duration: 300 });
  b.label({ detector: 'suspicious_port', src: '10.1.0.23', dst: '198.51.100.120', host: null, note: 'non-DNS on 53' });
  // 14. DNS tunnel: 800 unique base32 names under tunnel-dns.net, TXT.
  for (let i = 0; i < 800; i++) {
    b.addDns(S + 40000 + i * 3, '10.1.0.24', `${b.base32(50)}.${b.base32(12)}.t.tunnel-dns.net`, [], 16, 'TXT');
  }
  b.label({ detector: 'dns_tunnel', src: '10.1.0.24', dst: null, host: 'tunnel-dns.net', note: 'TXT tunnel' });
  // 15. A 9-hour connection still open at the end.
  b.addConn({ ts: E - 9 * 3600, origH: '10.1.0.25', respH: '198.51.100.130', respP: 9000, origBytes: 80000, respBytes: 120000, duration: 9 * 3600 - 1, connState: 'S1', openAtEnd: true });
  b.label({ detector: 'long_connection', src: '10.1.0.25', dst: '198.51.100.130', host: null, note: '9 h, open at end' });
  // 16. DNS-polling implant: looks up its C2 name every 60 s ±20% for 4 h through the
  // internal resolver, never connects to the answer (commands ride in the answers).
  for (let t = S + 30000; t < S + 30000 + 4 * 3600; t += b.jit(60, 0.2)) {
    const q = b.addDns(t, '10.1.0.26', 'upd.poll-relay-cdn.net', ['198.51.100.150']);
    // A retransmission now and then (same trans_id 0.5 s later) is still one lookup.
    if (r() < 0.05) b.dns.push({ ...q, ts: t + 0.5, uid: b.uid() });
  }
  b.label({ detector: 'beacon', src: '10.1.0.26', dst: null, host: 'upd.poll-relay-cdn.net', note: 'DNS polling 60 s ±20%, no connection' });

  // --- Benign traps. ---
  // Every host resolves the same update name every 10 min ±10% (an update agent's poll).
  for (const h of HOSTS) {
    for (let t = S + r() * 600; t < E; t += b.jit(600, 0.1)) b.addDns(t, h, 'checkin.update-agent.example.com', ['203.0.113.230']);
    b.label({ detector: null, src: h, dst: null, host: 'checkin.update-agent.example.com', note: 'update poll by every host (DNS)' });
  }
  // NTP from ten hosts every 64 s.
  for (const h of HOSTS.slice(20, 30)) {
    let t = S + r() * 64;
    while (t < E) {
      b.addConn({ ts: t, origH: h, respH: '162.159.200.1', respP: 123, proto: 'udp', service: 'ntp', origBytes: 48, respBytes: 48, duration: 0.02, connState: 'SF' });
      t += 64;
    }
    b.label({ detector: null, src: h, dst: '162.159.200.1', host: null, note: 'NTP' });
  }
  // A monitoring agent shipping metrics every 15 s.
  b.tlsBeacon({ src: '10.1.0.30', dst: '198.51.100.200', sni: 'app.datadoghq.com', interval: 15, jitter: 0.02, from: S, to: E, size: 1800 });
  b.label({ detector: null, src: '10.1.0.30', dst: '198.51.100.200', host: 'app.datadoghq.com', note: 'monitoring agent' });
  // Internal monitoring (Zabbix) every 60 s from every host: east-west, not considered.
  for (const h of HOSTS.slice(0, 10)) {
    for (let t = S + 7; t < E; t += 60) b.addConn({ ts: t, origH: h, respH: '10.1.0.5', respP: 10051, origBytes: 200, respBytes: 40 });
    b.label({ detector: null, src: h, dst: '10.1.0.5', host: null, note: 'internal monitoring' });
  }
  // Update checks: every host, hourly, to the update service.
  for (const h of HOSTS) {
    b.tlsBeacon({ src: h, dst: '203.0.113.220', sni: 'settings-win.data.microsoft.com', interval: 3600, jitter: 0.02, from: S + r() * 3600, to: E, size: 700 });
    b.label({ detector: null, src: h, dst: '203.0.113.220', host: 'settings-win.data.microsoft.com', note: 'update check' });
  }
  // Busy CDN polled by most hosts every 300 s (a benign web app).
  for (const h of HOSTS.slice(0, 35)) {
    b.tlsBeacon({ src: h, dst: () => `142.250.185.${90 + Math.floor(r() * 8)}`, sni: 'www.gstatic.com', interval: 300, jitter: 0.1, from: S + r() * 300, to: E, size: 600 });
    b.label({ detector: null, src: h, dst: null, host: 'www.gstatic.com', note: 'busy CDN' });
  }
  // Big TLS upload (cloud backup) and big HTTP download.
  {
    const c = b.addConn({ ts: S + 70000, origH: '10.1.0.31', respH: '203.0.113.210', respP: 443, service: 'ssl', origBytes: 200_000_000, respBytes: 300_000, duration: 1800 });
    b.addSsl(c, 'backup.example.net');
  }
  b.label({ detector: null, src: '10.1.0.31', dst: '203.0.113.210', host: 'backup.example.net', note: 'big TLS upload' });
  {
    const c = b.addConn({ ts: S + 71000, origH: '10.1.0.32', respH: '198.51.100.210', respP: 80, service: 'http', origBytes: 400, respBytes: 500_000_000, duration: 600 });
    b.addHttp(c, { method: 'GET', host: 'mirror.example.org', uri: '/iso/big.iso', responseBodyLen: 500_000_000 });
  }
  b.label({ detector: null, src: '10.1.0.32', dst: '198.51.100.210', host: 'mirror.example.org', note: 'big download' });

  return { conn: b.conn, dns: b.dns, http: b.http, ssl: b.ssl, labels: b.labels, start: S, end: E };
}

/**
 * Whether a finding is about a label: same source, and the label's destination address (also
 * among a name-grouped beacon's addresses) or its host name; either one suffices when the
 * label has both.
 */
export function findingMatchesLabel(f: Finding, l: Label): boolean {
  if (f.srcIp !== l.src) return false;
  const addrs = Array.isArray(f.details.addresses) ? (f.details.addresses as string[]) : [];
  const dstOk = l.dst === null || f.destIp === l.dst || addrs.includes(l.dst);
  const hostOk = l.host === null || f.destHost === l.host;
  return l.dst !== null && l.host !== null ? dstOk || hostOk : dstOk && hostOk;
}
