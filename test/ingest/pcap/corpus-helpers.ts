/**
 * Shared helpers for the capture reader tests: where the corpus is, which captures it
 * holds, what SOURCES.md documents about each, and a trace of everything the reader
 * delivered (to compare whole-buffer and chunked reads).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { DecodeStatus, type PacketMeta } from '../../../src/core/packet.js';
import { CaptureReader, type CaptureStats } from '../../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../../src/ingest/decode/packet-decoder.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The shared corpus, outside the project (never copied into it). */
export const CORPUS = path.resolve(here, '../../../../shared/corpus');
export const HAVE_CORPUS = existsSync(path.join(CORPUS, 'SOURCES.md'));

/** A describe title that says why it is skipped when the corpus is missing. */
export function corpusTitle(title: string): string {
  return HAVE_CORPUS ? title : `${title} (skipped: shared corpus not found at ${CORPUS})`;
}

const CAPTURE_RE = /\.(pcap|pcapng|pcap\.gz)$/;

/** Capture files under a corpus folder, relative to CORPUS, sorted. */
export function listCaptures(folder: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(CORPUS, rel)).sort()) {
      const r = path.join(rel, name);
      if (statSync(path.join(CORPUS, r)).isDirectory()) walk(r);
      else if (CAPTURE_RE.test(name)) out.push(r);
    }
  };
  walk(folder);
  return out;
}

/** What the "format" column of SOURCES.md says about one capture. */
export interface DocumentedCapture {
  format: 'pcap' | 'pcapng';
  pkts: number;
  /** pcap: 'LE' | 'BE'; pcapng: 'LE' | 'BE' | 'BE/LE'. */
  byteOrder: string;
  /** pcap only: 'v2.4' -> '2.4'. */
  version?: string;
  /** pcap only: 'us' | 'ns'. */
  tsUnit?: string;
  /** pcap: the one link type; pcapng: the listed ones. */
  linktypes: number[];
  snaplen?: number;
  /** UTC 'YYYY-MM-DD HH:MM:SS' of the first and last packet, when documented. */
  first?: string;
  last?: string;
}

/**
 * Parses the capture rows of SOURCES.md: `### \`folder/\`` headings, then table rows whose
 * first cell is a file name and whose last cell is the format summary.
 */
export function documentedCaptures(): Map<string, DocumentedCapture> {
  const text = readFileSync(path.join(CORPUS, 'SOURCES.md'), 'utf8');
  const out = new Map<string, DocumentedCapture>();
  let folder = '';
  for (const line of text.split('\n')) {
    const h = /^### `([^`]+)\/`/.exec(line);
    if (h) {
      folder = h[1];
      continue;
    }
    const row = /^\| `([^`]+)` \|.*\| ((pcap(?:ng)?) [^|]*pkts=\d+[^|]*)\|\s*$/.exec(line);
    if (!row) continue;
    const fmt = row[2];
    const d: DocumentedCapture = {
      format: row[3] as 'pcap' | 'pcapng',
      pkts: Number(/pkts=(\d+)/.exec(fmt)![1]),
      byteOrder: /\b(BE\/LE|LE|BE)\b/.exec(fmt)?.[1] ?? '',
      linktypes: [],
    };
    if (d.format === 'pcap') {
      d.tsUnit = /\b(us|ns)\b/.exec(fmt)?.[1];
      d.version = /^pcap v(\d+\.\d+)/.exec(fmt)?.[1];
      d.linktypes = [Number(/linktype=(\d+)/.exec(fmt)![1])];
      d.snaplen = Number(/snaplen=(\d+)/.exec(fmt)![1]);
    } else {
      const lts = /linktypes=\[([^\]]*)\]/.exec(fmt)![1].trim();
      d.linktypes = lts === '' ? [] : lts.split(',').map((x) => Number(x.trim()));
    }
    const fl = /first=(\S+ \S+) last=(\S+ \S+)/.exec(fmt);
    if (fl) {
      d.first = fl[1];
      d.last = fl[2];
    }
    out.set(path.join(folder, row[1]), d);
  }
  return out;
}

/** One delivered packet, reduced to comparable values. */
export interface TracedPacket {
  packetNo: number;
  tsSec: number;
  tsNsec: number;
  caplen: number;
  wirelen: number;
  linktype: number;
  ifIndex: number;
  fileOffset: number;
  status: DecodeStatus;
  /** FNV-1a of the captured bytes as delivered (proves the bytes, not only the lengths). */
  bytesHash: number;
}

export interface TracedRead {
  stats: CaptureStats;
  packets: TracedPacket[];
  anomalies: Record<string, number>;
}

function fnv1a(b: Buffer, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = off; i < off + len; i++) {
    h ^= b[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Reads `data` with the real decoder, fed in pieces cut by `split` (sizes in order, cycled),
 * and records every packet as delivered.
 * @param split chunk sizes; [] means the whole buffer at once
 */
export function traceRead(data: Buffer, name: string, split: number[] = []): TracedRead {
  const anomalies = new AnomalyCounter();
  const packets: TracedPacket[] = [];
  const onPacket = (m: PacketMeta, status: DecodeStatus): void => {
    packets.push({
      packetNo: m.packetNo,
      tsSec: m.tsSec,
      tsNsec: m.tsNsec,
      caplen: m.caplen,
      wirelen: m.wirelen,
      linktype: m.linktype,
      ifIndex: m.ifIndex,
      fileOffset: m.fileOffset,
      status,
      bytesHash: 0,
    });
  };
  // Hash the frame before the decoder may replace `buf` (fragment reassembly).
  const decoder = new PacketDecoder(anomalies);
  const hashing = {
    decode(m: PacketMeta, file: string): DecodeStatus {
      const h = fnv1a(m.buf, m.frameOff, m.caplen);
      const st = decoder.decode(m, file);
      lastHash = h;
      return st;
    },
  };
  let lastHash = 0;
  const reader = new CaptureReader(name, 0, (m, st) => {
    onPacket(m, st);
    packets[packets.length - 1].bytesHash = lastHash;
  }, { anomalies, decoder: hashing });
  if (split.length === 0) {
    reader.push(data);
  } else {
    let off = 0;
    let i = 0;
    while (off < data.length) {
      const n = split[i++ % split.length];
      if (!reader.push(data.subarray(off, Math.min(off + n, data.length)))) break;
      off += n;
    }
  }
  const stats = reader.end();
  return { stats, packets, anomalies: anomalies.toJSON() };
}

/** A deterministic pseudo-random sequence of chunk sizes in [1, max] (mulberry32). */
export function randomSplit(seed: number, count: number, max: number): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out.push(1 + Math.floor(r * max));
  }
  return out;
}

/** UTC 'YYYY-MM-DD HH:MM:SS' of a timestamp in seconds. */
export function utcSeconds(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('T', ' ').slice(0, 19);
}
