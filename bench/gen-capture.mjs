#!/usr/bin/env node
/**
 * Deterministic generator of realistic synthetic captures for the reader benchmark.
 *
 *   node bench/gen-capture.mjs --size 2G [--out /tmp/x.pcap] [--seed 1] [--flows 50000]
 *
 * Traffic: Ethernet, ~10% of the flows 802.1Q-tagged, ~20% IPv6; TCP sessions (handshake,
 * data both ways with ACKs, FIN teardown, a few RSTs) and UDP DNS query/response; frames
 * from 60 to 1514 bytes; `--flows` sessions open at any time (a finished one is replaced
 * at once), interleaved packet by packet. Same seed and size, same bytes.
 * Frames come from src/synth (packet builder with real checksums, streaming pcap writer):
 * build first with `npx tsc -p .`.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFrame, prng } from '../dist/synth/packet-builder.js';
import { PcapFileWriter } from '../dist/synth/pcap-writer.js';

/** Parses "2G", "512M", "100k", "12345". */
export function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(String(s));
  if (!m) throw new Error(`bad size ${s}`);
  const mul = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase()];
  return Math.round(Number(m[1]) * mul);
}

function args(argv) {
  const o = { size: '256M', seed: 1, flows: 50_000, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k in o) o[k] = argv[++i];
  }
  o.size = parseSize(o.size);
  o.seed = Number(o.seed);
  o.flows = Number(o.flows);
  if (!o.out) o.out = path.join(tmpdir(), `konseki-bench-${o.seed}-${o.size}.pcap`);
  return o;
}

const SERVER_PORTS = [443, 443, 443, 443, 443, 443, 80, 80, 80, 22, 8080, 25, 993, 3389];
const TLD = ['com', 'net', 'org', 'io', 'de'];

/** A DNS query for `name` (RFC 1035 4.1), or its response with one A record. */
function dns(id, name, response) {
  const labels = name.split('.');
  const qlen = labels.reduce((a, l) => a + 1 + l.length, 1) + 4;
  const b = Buffer.alloc(12 + qlen + (response ? 16 : 0));
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(response ? 0x8180 : 0x0100, 2);
  b.writeUInt16BE(1, 4);
  b.writeUInt16BE(response ? 1 : 0, 6);
  let p = 12;
  for (const l of labels) {
    b[p++] = l.length;
    p += b.write(l, p, 'latin1');
  }
  b[p++] = 0;
  b.writeUInt16BE(1, p);
  b.writeUInt16BE(1, p + 2);
  p += 4;
  if (response) {
    b.writeUInt16BE(0xc00c, p);
    b.writeUInt16BE(1, p + 2);
    b.writeUInt16BE(1, p + 4);
    b.writeUInt32BE(300, p + 6);
    b.writeUInt16BE(4, p + 10);
    b.writeUInt32BE(0x5db8d822 ^ id, p + 12);
  }
  return b;
}

/**
 * Generates the capture.
 * @returns counts for the caller to check (packets, bytes, sessions started)
 */
export async function generate(o) {
  const rnd = prng(o.seed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pool = Buffer.alloc(1 << 16);
  for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(rnd() * 256);
  const payload = (n) => {
    const off = int(0, pool.length - n);
    return pool.subarray(off, off + n);
  };
  /** Payload size so that the frame lands between 60 and 1514 bytes: many full, many small. */
  const dataLen = (hdr) => {
    const r = rnd();
    const max = 1514 - hdr;
    if (r < 0.45) return max;
    if (r < 0.65) return int(1, 120);
    return int(1, max);
  };

  const w = new PcapFileWriter(o.out);
  let ts = 1_700_000_000;
  let sessions = 0;

  const newSession = () => {
    sessions++;
    const v6 = rnd() < 0.2;
    const client = v6 ? `2001:db8:${int(1, 0xffff).toString(16)}::${int(1, 0xffff).toString(16)}` : `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
    const server = v6 ? `2a00:1450:${int(1, 0xffff).toString(16)}::${int(1, 0xffff).toString(16)}` : `${int(11, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
    const s = {
      v6,
      client,
      server,
      vlan: rnd() < 0.1 ? int(1, 4094) : undefined,
      cport: int(1024, 65535),
      udp: rnd() < 0.15,
      step: 0,
      left: int(2, 60),
      cSeq: int(0, 0x7fffffff),
      sSeq: int(0, 0x7fffffff),
      id: int(0, 0xffff),
      name: `h${int(1, 99999)}.example${int(1, 500)}.${pick(TLD)}`,
    };
    s.sport = s.udp ? 53 : pick(SERVER_PORTS);
    s.hdr = 14 + (s.vlan !== undefined ? 4 : 0) + (v6 ? 40 : 20) + (s.udp ? 8 : 20);
    return s;
  };

  const tcp = (s, fromClient, flags, data) =>
    buildFrame({
      src: fromClient ? s.client : s.server,
      dst: fromClient ? s.server : s.client,
      proto: 6,
      sport: fromClient ? s.cport : s.sport,
      dport: fromClient ? s.sport : s.cport,
      seq: fromClient ? s.cSeq : s.sSeq,
      ack: flags & 0x10 ? (fromClient ? s.sSeq : s.cSeq) : 0,
      flags,
      payload: data,
      vlan: s.vlan,
    });

  /** The session's next frame, or null when it is over. */
  const next = (s) => {
    if (s.udp) {
      if (s.step++ === 0) return buildFrame({ src: s.client, dst: s.server, proto: 17, sport: s.cport, dport: 53, payload: dns(s.id, s.name, false), vlan: s.vlan });
      if (s.step === 2) return buildFrame({ src: s.server, dst: s.client, proto: 17, sport: 53, dport: s.cport, payload: dns(s.id, s.name, true), vlan: s.vlan });
      return null;
    }
    switch (s.step) {
      case 0:
        s.step = 1;
        return tcp(s, true, 0x02);
      case 1:
        s.cSeq = (s.cSeq + 1) >>> 0;
        s.step = 2;
        return tcp(s, false, 0x12);
      case 2:
        s.sSeq = (s.sSeq + 1) >>> 0;
        s.step = 3;
        return tcp(s, true, 0x10);
      case 3: {
        if (s.left > 0) {
          s.left--;
          const fromClient = rnd() < 0.3;
          if (rnd() < 0.25) return tcp(s, fromClient, 0x10); // pure ACK, a 60-byte frame
          const d = payload(dataLen(s.hdr));
          const f = tcp(s, fromClient, 0x18, d);
          if (fromClient) s.cSeq = (s.cSeq + d.length) >>> 0;
          else s.sSeq = (s.sSeq + d.length) >>> 0;
          return f;
        }
        if (rnd() < 0.05) {
          s.step = 9;
          return tcp(s, rnd() < 0.5, 0x14);
        }
        s.step = 4;
        return tcp(s, true, 0x11);
      }
      case 4:
        s.cSeq = (s.cSeq + 1) >>> 0;
        s.step = 5;
        return tcp(s, false, 0x11);
      case 5:
        s.sSeq = (s.sSeq + 1) >>> 0;
        s.step = 9;
        return tcp(s, true, 0x10);
      default:
        return null;
    }
  };

  const active = [];
  for (let i = 0; i < o.flows; i++) active.push(newSession());
  while (w.bytesWritten < o.size) {
    const i = Math.floor(rnd() * active.length);
    let f = next(active[i]);
    if (f === null) {
      active[i] = newSession();
      f = next(active[i]);
    }
    // Frames shorter than Ethernet's 60-byte minimum are padded, as on the wire.
    if (f.length < 60) f = Buffer.concat([f, Buffer.alloc(60 - f.length)]);
    ts += rnd() * 4e-5;
    const p = w.add(ts, f);
    if (p) await p;
  }
  await w.close();
  return { file: o.out, packets: w.packets, bytes: w.bytesWritten, sessions };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = args(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  const r = await generate(o);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(
    `${r.file}: ${r.packets} packets, ${(r.bytes / 2 ** 20).toFixed(1)} MiB, ${r.sessions} sessions (${o.flows} concurrent), seed ${o.seed}, ${s.toFixed(1)} s\n`,
  );
}
