/**
 * The labelled synthetic day (generate.ts) as a packet capture: each selected conn record
 * becomes a TCP conversation (handshake, payloads of the labelled sizes, teardown) or a UDP
 * exchange, each selected DNS record a query and its answer. The capture is then analysed by
 * the real pipeline (scenario-capture.test.ts), so the labels are checked on the path of
 * `konseki analyze <pcap>`.
 *
 * Payloads follow the record: TLS ClientHello (with the SNI of the ssl record, none when the
 * record has no ssl entry) + ServerHello + application data; HTTP requests with Host and
 * POST bodies and their responses; FTP control with PASV (227) replies announcing the data
 * connections; SSH banners and key exchange up to NEWKEYS; raw TCP with printable bytes of ~4.6 bits/byte entropy (the
 * labelled clear-text upload). Long connections carry an exchange at least every 60 s, so
 * the flow table's 5-minute TCP inactivity timeout never splits them; the one open at the
 * end has no teardown.
 *
 * Coverage (the capture is about 43 MB and 200k packets, 13 MB of it the labelled uploads):
 * - every labelled positive, whole day, sizes as labelled;
 * - benign traps: NTP from 3 hosts (all day), the monitoring agent for the first 2 hours,
 *   internal monitoring from 2 hosts for the first 6 hours, update checks and the
 *   update-agent DNS poll from every host (all day), the busy CDN from its 35 hosts for the
 *   first 6 hours (its prevalence is what keeps it quiet, so no host is left out), the big
 *   TLS upload and big HTTP download scaled down to 1 MB each (still four times the
 *   exfiltration minimum);
 * - background browsing from 5 hosts until noon (payloads capped at 800 B up, 2 KB down).
 */
import { dnsQuery, dnsResponse, tlsAppData, tlsClientHello, tlsServerHello } from '../../src/synth/app-payloads.js';
import { TcpConversation, udpFrame } from '../../src/synth/packet-builder.js';
import { PcapFileWriter } from '../../src/synth/pcap-writer.js';
import type { ConnRecord, DnsRecord, HttpRecord, SslRecord } from '../../src/core/records.js';
import { HOSTS, prng, RESOLVER } from './generate.js';
import type { Label, Scenario } from './generate.js';

const SIX_HOURS = 6 * 3600;
const TWO_HOURS = 2 * 3600;
/** Background browsing is kept until noon (the busy office hours start at 08:00). */
const NOON = 12 * 3600;
/** Hosts whose background browsing is kept. */
const BROWSING_HOSTS = new Set(HOSTS.slice(35, 40));
const NTP_HOSTS = new Set(HOSTS.slice(20, 23));
const CDN_HOSTS = new Set(HOSTS.slice(0, 35));
const INTERNAL_MONITORING_HOSTS = new Set(HOSTS.slice(0, 2));
const BIG_TRANSFER_CAP = 1_000_000;
const BROWSING_UP_CAP = 800;
const BROWSING_DOWN_CAP = 2000;
/** Longest silence inside a long connection (s): well under the 5-minute TCP timeout. */
const MAX_SILENCE = 60;

/** The part of the scenario written to the capture (sizes already scaled where said). */
export interface CaptureSelection {
  conn: ConnRecord[];
  dns: DnsRecord[];
  http: HttpRecord[];
  ssl: SslRecord[];
  /** Labels whose traffic is in the capture. */
  labels: Label[];
  start: number;
  end: number;
}

function addressesOf(sc: Scenario, src: string, host: string): Set<string> {
  const s = new Set<string>();
  for (const d of sc.dns) if (d.origH === src && d.query === host) for (const a of d.answers) s.add(a);
  return s;
}

/** Picks the labelled traces and a share of the benign traffic (see the file comment). */
export function selectForCapture(sc: Scenario): CaptureSelection {
  const positives = sc.labels.filter((l) => l.detector !== null);
  const posKey = new Set<string>();
  for (const l of positives) {
    if (l.dst !== null) posKey.add(l.src + ' ' + l.dst);
    else if (l.host !== null) for (const a of addressesOf(sc, l.src, l.host)) posKey.add(l.src + ' ' + a);
  }
  const S = sc.start;
  const conn: ConnRecord[] = [];
  for (const c of sc.conn) {
    const key = c.origH + ' ' + c.respH;
    let keep = posKey.has(key);
    let r = c;
    if (!keep) {
      if (c.respH === '162.159.200.1') keep = NTP_HOSTS.has(c.origH);
      else if (c.respH === '198.51.100.200') keep = c.ts < S + TWO_HOURS;
      else if (c.respH === '10.1.0.5') keep = INTERNAL_MONITORING_HOSTS.has(c.origH) && c.ts < S + SIX_HOURS;
      else if (c.respH === '203.0.113.220') keep = true;
      else if (c.respH.startsWith('142.250.185.')) keep = CDN_HOSTS.has(c.origH) && c.ts < S + SIX_HOURS;
      else if (c.respH === '203.0.113.210' || c.respH === '198.51.100.210') {
        keep = true;
        r = { ...c, origBytes: Math.min(c.origBytes ?? 0, BIG_TRANSFER_CAP), respBytes: Math.min(c.respBytes ?? 0, BIG_TRANSFER_CAP), duration: 30 };
      } else if (c.respH.startsWith('192.0.2.') && BROWSING_HOSTS.has(c.origH) && c.ts < S + NOON) {
        keep = true;
        r = { ...c, origBytes: Math.min(c.origBytes ?? 0, BROWSING_UP_CAP), respBytes: Math.min(c.respBytes ?? 0, BROWSING_DOWN_CAP), duration: Math.min(c.duration ?? 1, 5) };
      }
    }
    if (keep) conn.push(r);
  }
  const uids = new Set(conn.map((c) => c.uid));
  const http = sc.http
    .filter((h) => uids.has(h.uid))
    .map((h) => (h.respH === '198.51.100.210' ? { ...h, responseBodyLen: Math.min(h.responseBodyLen, BIG_TRANSFER_CAP) } : h));
  const ssl = sc.ssl.filter((s) => uids.has(s.uid));
  const dnsSources = new Set(positives.map((l) => l.src));
  const dns = sc.dns.filter(
    (d) =>
      d.query === 'checkin.update-agent.example.com' ||
      (dnsSources.has(d.origH) && !/^site\d+\.example\.com$/.test(d.query ?? '')) ||
      (BROWSING_HOSTS.has(d.origH) && d.ts < S + NOON && /^site\d+\.example\.com$/.test(d.query ?? '')),
  );
  const connKeys = new Set(conn.map((c) => c.origH + ' ' + c.respH));
  const labels = sc.labels.filter((l) => {
    if (l.detector !== null) return true;
    if (l.dst !== null) return connKeys.has(l.src + ' ' + l.dst);
    if (l.host === 'checkin.update-agent.example.com') return true;
    return conn.some((c) => c.origH === l.src && c.respH.startsWith('142.250.185.'));
  });
  return { conn, dns, http, ssl, labels, start: sc.start, end: sc.end };
}

interface Pkt {
  ts: number;
  seq: number;
  frame: Buffer;
}

/** Builds the frames of a selection; returns them in capture order. */
export function buildScenarioFrames(sel: CaptureSelection, seed = 42): Pkt[] {
  const rnd = prng(seed ^ 0x5eed);
  const pkts: Pkt[] = [];
  let order = 0;
  const sink = (ts: number, frame: Buffer): void => {
    pkts.push({ ts, seq: order++, frame });
  };
  const random = (n: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (rnd() * 256) | 0;
    return b;
  };
  // Printable text from a 24-letter alphabet with spaces and newlines: ~4.6 bits per byte.
  const ALPHA = Buffer.from('abcdefghijklmnopqrstuvwx');
  const text = (n: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = ALPHA[(rnd() * 24) | 0];
    return b;
  };
  const isn = () => ({ client: (rnd() * 0xffffffff) >>> 0, server: (rnd() * 0xffffffff) >>> 0 });
  const sslByUid = new Map(sel.ssl.map((s) => [s.uid, s]));
  const httpByUid = new Map(sel.http.map((h) => [h.uid, h]));

  /** Sends `up` and `down` payload bytes in rounds no more than MAX_SILENCE apart over `dur`. */
  const exchange = (c: TcpConversation, ts: number, dur: number, up: number, down: number, body: (n: number) => Buffer): number => {
    const rounds = Math.max(1, Math.ceil(dur / MAX_SILENCE));
    const step = dur / rounds;
    let t = ts;
    for (let i = 0; i < rounds; i++) {
      const u = Math.floor(up / rounds) + (i === 0 ? up % rounds : 0);
      const d = Math.floor(down / rounds) + (i === 0 ? down % rounds : 0);
      const segs = Math.ceil(u / 1460) + Math.ceil(d / 1460);
      const gap = segs > 0 ? Math.min(0.0005, (step * 0.8) / segs) : 0.0005;
      const t0 = ts + i * step;
      t = Math.max(t, t0);
      if (u > 0) t = c.send(true, t, body(u), 1460, gap);
      if (d > 0) t = c.send(false, t, body(d), 1460, gap);
    }
    return t;
  };

  // FTP data connections, announced by their control connection just before they open.
  const ftpData = sel.conn.filter((c) => c.service === 'ftp-data');

  for (const c of sel.conn) {
    const dur = c.duration ?? 0.5;
    const up = c.origBytes ?? 0;
    const down = c.respBytes ?? 0;
    if (c.proto === 'udp') {
      const req = Buffer.alloc(Math.max(up, 1));
      req[0] = 0x23; // NTP v4 client
      sink(c.ts, udpFrame(c.origH, c.origP, c.respH, c.respP, req));
      const resp = Buffer.alloc(Math.max(down, 1));
      resp[0] = 0x24; // NTP v4 server
      resp[1] = 2;
      sink(c.ts + Math.min(dur, 0.02), udpFrame(c.respH, c.respP, c.origH, c.origP, resp));
      continue;
    }
    const conv = new TcpConversation(sink, c.origH, c.origP, c.respH, c.respP, isn());
    let t = conv.handshake(c.ts);
    const ssl = sslByUid.get(c.uid);
    const http = httpByUid.get(c.uid);
    if (c.service === 'ssl') {
      const ch = ssl?.serverName ? tlsClientHello(ssl.serverName, random(32)) : clientHelloWithoutSni(random(32));
      const sh = tlsServerHello(random(32));
      t = conv.send(true, t, ch);
      t = conv.send(false, t, sh);
      const appUp = up - ch.length - 5;
      const appDown = down - sh.length - 5;
      if (appUp > 0) t = conv.send(true, t, tlsAppData(appUp, rnd), 1460, Math.min(0.0005, dur / (appUp / 1460 + 1)));
      if (appDown > 0) t = conv.send(false, t + 0.01, tlsAppData(appDown, rnd), 1460, Math.min(0.0005, dur / (appDown / 1460 + 1)));
    } else if (c.service === 'http' && http) {
      const bodyLen = http.requestBodyLen;
      const head = `${http.method ?? 'GET'} ${http.uri ?? '/'} HTTP/1.1\r\nHost: ${http.host ?? c.respH}\r\nUser-Agent: ${http.userAgent ?? 'curl/8.5.0'}\r\n` +
        (bodyLen > 0 ? `Content-Type: application/octet-stream\r\nContent-Length: ${bodyLen}\r\n` : '') + '\r\n';
      const req = Buffer.concat([Buffer.from(head), text(bodyLen)]);
      const segs = Math.ceil(req.length / 1460);
      t = conv.send(true, t, req, 1460, Math.min(0.0005, (dur * 0.8) / segs));
      const respBody = http.responseBodyLen;
      const respHead = Buffer.from(`HTTP/1.1 ${http.statusCode ?? 200} ${http.statusMsg ?? 'OK'}\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: ${respBody}\r\n\r\n`);
      const rsegs = Math.ceil((respHead.length + respBody) / 1460);
      t = conv.send(false, t + 0.02, Buffer.concat([respHead, text(respBody)]), 1460, Math.min(0.0005, (dur * 0.8) / rsegs));
    } else if (c.service === 'ftp') {
      t = conv.send(false, t, Buffer.from('220 FTP server ready\r\n'));
      t = conv.send(true, t, Buffer.from('USER backup\r\n'));
      t = conv.send(false, t, Buffer.from('331 Password required\r\n'));
      t = conv.send(true, t, Buffer.from('PASS secret\r\n'));
      t = conv.send(false, t, Buffer.from('230 Logged in\r\n'));
      for (const d of ftpData) {
        if (d.origH !== c.origH || d.respH !== c.respH) continue;
        const a = d.respH.split('.').join(',');
        t = conv.send(true, Math.max(t, d.ts - 1), Buffer.from('PASV\r\n'));
        t = conv.send(false, t, Buffer.from(`227 Entering Passive Mode (${a},${d.respP >> 8},${d.respP & 0xff})\r\n`));
        t = conv.send(true, t, Buffer.from(`STOR archive-${d.respP}.csv\r\n`));
        t = conv.send(false, t, Buffer.from('150 Ok to send data\r\n'));
        t = conv.send(false, d.ts + (d.duration ?? 1) + 0.1, Buffer.from('226 Transfer complete\r\n'));
      }
      t = conv.send(true, Math.max(t, c.ts + dur - 1), Buffer.from('QUIT\r\n'));
      t = conv.send(false, t, Buffer.from('221 Goodbye\r\n'));
    } else if (c.service === 'ssh') {
      // Banners, KEXINIT and NEWKEYS each way (the analyzer confirms SSH on NEWKEYS, as Zeek
      // does), then encrypted bytes.
      t = conv.send(false, t, Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'));
      t = conv.send(true, t, Buffer.from('SSH-2.0-OpenSSH_9.6p1\r\n'));
      t = conv.send(true, t, sshPacket(20, random(150)));
      t = conv.send(false, t, sshPacket(20, random(150)));
      t = conv.send(true, t, Buffer.concat([sshPacket(30, random(36)), sshPacket(21, Buffer.alloc(0))]));
      t = conv.send(false, t, Buffer.concat([sshPacket(31, random(200)), sshPacket(21, Buffer.alloc(0))]));
      t = exchange(conv, t, dur, up, down, random);
    } else {
      t = exchange(conv, t, dur, up, down, text);
    }
    if (c.openAtEnd) continue;
    conv.close(Math.max(t + 0.01, c.ts + dur));
  }

  for (const d of sel.dns) {
    const q = d.query ?? '';
    const id = d.transId ?? 0;
    sink(d.ts, udpFrame(d.origH, d.origP, d.respH, d.respP, dnsQuery(id, q, d.qtype ?? 1)));
    let resp: Buffer;
    if ((d.qtype ?? 1) === 1) resp = dnsResponse(id, q, d.answers, 60, d.rcode ?? 0);
    else {
      // No answer (the scenario's TXT lookups have none): the question echoed, QR/RD/RA set.
      resp = dnsQuery(id, q, d.qtype ?? 1);
      resp.writeUInt16BE(0x8180 | (d.rcode ?? 0), 2);
    }
    sink(d.ts + (d.rtt ?? 0.01), udpFrame(d.respH, d.respP, d.origH, d.origP, resp));
  }

  pkts.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  return pkts;
}

/** An SSH binary packet (RFC 4253 6): length, padding length, message code, payload, padding to 8 bytes. */
function sshPacket(msg: number, payload: Buffer): Buffer {
  let pad = 8 - ((4 + 1 + 1 + payload.length) % 8);
  if (pad < 4) pad += 8;
  const b = Buffer.alloc(4 + 1 + 1 + payload.length + pad);
  b.writeUInt32BE(b.length - 4, 0);
  b[4] = pad;
  b[5] = msg;
  payload.copy(b, 6);
  return b;
}

/** A ClientHello like tlsClientHello's with the server_name extension taken out. */
function clientHelloWithoutSni(random: Buffer): Buffer {
  const ch = tlsClientHello('x', random);
  // record 5 + handshake 4 + version 2 + random 32 + session id 1 + ciphers 8 + compression 2
  const extLenOff = 54;
  const sniOff = 56;
  const sniLen = 4 + ch.readUInt16BE(sniOff + 2);
  const out = Buffer.concat([ch.subarray(0, sniOff), ch.subarray(sniOff + sniLen)]);
  out.writeUInt16BE(ch.readUInt16BE(extLenOff) - sniLen, extLenOff);
  const hsLen = out.length - 9;
  out[6] = (hsLen >> 16) & 0xff;
  out.writeUInt16BE(hsLen & 0xffff, 7);
  out.writeUInt16BE(out.length - 5, 3);
  return out;
}

/** Writes the capture of the selection to `file`; returns what was written. */
export async function writeScenarioCapture(sel: CaptureSelection, file: string, seed = 42): Promise<{ packets: number; bytes: number }> {
  const pkts = buildScenarioFrames(sel, seed);
  const w = new PcapFileWriter(file);
  for (const p of pkts) {
    const wait = w.add(p.ts, p.frame);
    if (wait) await wait;
  }
  await w.close();
  return { packets: w.packets, bytes: w.bytesWritten };
}

export { RESOLVER };
