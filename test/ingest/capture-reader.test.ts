/**
 * readCapture, the streaming entry point: files read in chunks equal the in-memory read,
 * gzip is found by its magic bytes whatever the name, and broken inputs (missing, not a
 * capture, corrupt or truncated gzip) come back as errors in the stats, never as throws.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { ErrorCodes } from '../../src/core/errors.js';
import type { DecodeStatus, PacketMeta } from '../../src/core/packet.js';
import { readCapture, readCaptureBuffer, type CaptureStats } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { CORPUS, HAVE_CORPUS, corpusTitle } from './pcap/corpus-helpers.js';

interface Row {
  /** FNV-1a of the frame bytes, taken inside the callback (where they are valid). */
  hash: number;
  no: number;
  off: number;
  ts: string;
  caplen: number;
  status: DecodeStatus;
}

function frameHash(m: PacketMeta): number {
  let h = 0x811c9dc5;
  for (let i = m.frameOff; i < m.frameOff + m.caplen && i < m.buf.length; i++) h = Math.imul(h ^ m.buf[i], 0x01000193) >>> 0;
  return h;
}

async function stream(file: string, chunkSize?: number): Promise<{ stats: CaptureStats; rows: Row[]; anomalies: AnomalyCounter }> {
  const anomalies = new AnomalyCounter();
  const rows: Row[] = [];
  const stats = await readCapture(
    file,
    1,
    (m: PacketMeta, st: DecodeStatus) => rows.push({ hash: frameHash(m), no: m.packetNo, off: m.fileOffset, ts: `${m.tsSec}.${m.tsNsec}`, caplen: m.caplen, status: st }),
    { anomalies, decoder: new PacketDecoder(anomalies), chunkSize },
  );
  return { stats, rows, anomalies };
}

function inMemory(data: Buffer, name: string): { stats: CaptureStats; rows: Row[] } {
  const anomalies = new AnomalyCounter();
  const rows: Row[] = [];
  const stats = readCaptureBuffer(
    data,
    name,
    1,
    (m, st) => rows.push({ hash: frameHash(m), no: m.packetNo, off: m.fileOffset, ts: `${m.tsSec}.${m.tsNsec}`, caplen: m.caplen, status: st }),
    { anomalies, decoder: new PacketDecoder(anomalies) },
  );
  return { stats, rows };
}

const tmp = mkdtempSync(path.join(tmpdir(), 'konseki-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!HAVE_CORPUS)(corpusTitle('readCapture on corpus files'), () => {
  const wiki = path.join(CORPUS, 'zeek-traces/wikipedia-tcp-udp-dns-http/wikipedia.pcap');
  const ratng = path.join(CORPUS, 'c2/ppa-rat-c2-exfil-port4433/ratinfected.pcapng');
  const gz = path.join(CORPUS, 'malformed/zeek-fuzz-mpls-6in6-broken/mpls-6in6-broken.pcap.gz');

  it.each([wiki, ratng])('streams %s like the in-memory read, in any read size', async (file) => {
    const ref = inMemory(readFileSync(file), file);
    for (const size of [undefined, 4096, 1000, 1]) {
      if (size === 1 && file === ratng) continue; // 585 KB one byte at a time: too slow for a unit test
      const s = await stream(file, size);
      expect(s.rows).toEqual(ref.rows);
      expect({ ...s.stats, error: undefined }).toEqual({ ...ref.stats, error: undefined });
      expect(s.stats.error).toBeUndefined();
      expect(s.stats.ip + s.stats.nonIp + s.stats.anomalies + s.stats.fragments).toBe(s.stats.packetsRead);
    }
  });

  it('recycles its read buffers without ever handing out overwritten bytes', async () => {
    const size = 4096;
    const seen = new Set<Buffer>();
    const anomalies = new AnomalyCounter();
    const hashes: number[] = [];
    const stats = await readCapture(
      wiki,
      0,
      (m) => {
        hashes.push(frameHash(m));
        if (m.buf.length === size) seen.add(m.buf);
      },
      { anomalies, decoder: new PacketDecoder(anomalies), chunkSize: size },
    );
    expect(stats.packetsRead).toBe(136);
    // 27 KB in 4 KiB reads: 7 reads, served by at most 4 recycled buffers.
    expect(seen.size).toBeGreaterThan(0);
    expect(seen.size).toBeLessThanOrEqual(4);
    expect(hashes).toEqual(inMemory(readFileSync(wiki), wiki).rows.map((r) => r.hash));
  });

  it('gunzips a .pcap.gz on the fly; offsets are decompressed offsets', async () => {
    const s = await stream(gz, 4096);
    expect(s.stats.compressed).toBe(true);
    expect(s.stats.format).toBe('pcap');
    expect(s.stats.packetsRead).toBe(1811);
    expect(s.stats.error).toBeUndefined();
    const raw = readFileSync(gz);
    expect(s.stats.bytesRead).toBeGreaterThan(raw.length);
    expect(s.rows[0].off).toBe(24);
    const mem = inMemory(raw, gz);
    expect(s.rows).toEqual(mem.rows);
    expect(mem.stats.compressed).toBe(true);
  });

  it('detects gzip by magic bytes, not by name', async () => {
    const plainNamedGz = path.join(tmp, 'plain.pcap.gz');
    const gzNamedTxt = path.join(tmp, 'compressed.txt');
    writeFileSync(plainNamedGz, readFileSync(wiki));
    writeFileSync(gzNamedTxt, gzipSync(readFileSync(wiki)));
    const a = await stream(plainNamedGz);
    const b = await stream(gzNamedTxt);
    expect([a.stats.compressed, a.stats.packetsRead]).toEqual([false, 136]);
    expect([b.stats.compressed, b.stats.packetsRead]).toEqual([true, 136]);
    expect(b.rows).toEqual(a.rows);
  });

  it('keeps the packets of a truncated gzip stream and reports ERR_GZIP', async () => {
    const whole = gzipSync(readFileSync(wiki));
    const cut = path.join(tmp, 'cut.pcap.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const s = await stream(cut, 1024);
    expect(s.stats.error?.code).toBe(ErrorCodes.GZIP);
    expect(s.stats.error?.message).toContain('truncated');
    expect(s.stats.error?.message).toContain(cut);
    expect(s.stats.truncated).toBe(true);
    expect(s.stats.packetsRead).toBeGreaterThan(10);
    expect(s.stats.packetsRead).toBeLessThan(136);
    expect(s.stats.ip + s.stats.nonIp + s.stats.anomalies + s.stats.fragments).toBe(s.stats.packetsRead);
  });

  it('reports corrupt gzip data as ERR_GZIP', async () => {
    const bad = Buffer.from(gzipSync(readFileSync(wiki)));
    for (let i = 200; i < 400; i++) bad[i] ^= 0x5a;
    const file = path.join(tmp, 'corrupt.gz');
    writeFileSync(file, bad);
    const s = await stream(file);
    expect(s.stats.error?.code).toBe(ErrorCodes.GZIP);
    expect(s.stats.error?.message).toContain('corrupt');
  });

  it('reports a text file as not a capture', async () => {
    const s = await stream(path.join(CORPUS, 'malformed/rita-text-file-not-zeek/conn.log'));
    expect(s.stats.error?.code).toBe(ErrorCodes.NOT_A_CAPTURE);
    expect(s.stats.packetsRead).toBe(0);
  });

  it('reports a Zeek log as not a capture, naming what it looks like', async () => {
    const s = await stream(path.join(CORPUS, 'zeek-traces/http-get/conn.log'));
    expect(s.stats.error?.code).toBe(ErrorCodes.NOT_A_CAPTURE);
    expect(s.stats.error?.message).toContain('Zeek TSV log');
  });

  it('stops a truncated file with ERR_PCAP_TRUNCATED and keeps the packets before it', async () => {
    const data = readFileSync(wiki);
    const file = path.join(tmp, 'truncated.pcap');
    writeFileSync(file, data.subarray(0, data.length - 30));
    const s = await stream(file, 512);
    expect(s.stats.truncated).toBe(true);
    expect(s.stats.error?.code).toBe(ErrorCodes.PCAP_TRUNCATED);
    expect(s.stats.packetsRead).toBe(135);
  });
});

describe('readCapture stopping early', () => {
  it('stops reading a file at a corrupt record instead of reading the rest', async () => {
    // A valid header, one record whose length is absurd, then 64 MiB that must not be read.
    const head = Buffer.alloc(24 + 16);
    head.writeUInt32LE(0xa1b2c3d4, 0);
    head.writeUInt16LE(2, 4);
    head.writeUInt16LE(4, 6);
    head.writeUInt32LE(65535, 16);
    head.writeUInt32LE(1, 20);
    head.writeUInt32LE(0x7fffffff, 24 + 8);
    const file = path.join(tmp, 'corrupt-then-big.pcap');
    writeFileSync(file, Buffer.concat([head, Buffer.alloc(64 << 20)]));
    const s = await stream(file, 1 << 20);
    expect(s.stats.error?.code).toBe(ErrorCodes.PCAP_RECORD_TOO_LARGE);
    expect(s.stats.error?.offset).toBe(24);
    expect(s.stats.bytesRead).toBeLessThanOrEqual(1 << 20);
    rmSync(file);
  });
});

describe('readCapture on inputs that cannot be read', () => {
  it('reports a missing file as ERR_IO without throwing', async () => {
    const s = await stream(path.join(tmp, 'does-not-exist.pcap'));
    expect(s.stats.error?.code).toBe(ErrorCodes.IO);
    expect(s.stats.error?.message).toContain('no such file');
    expect(s.stats.truncated).toBe(false);
    expect(s.stats.packetsRead).toBe(0);
  });

  it('reports a directory as ERR_IO', async () => {
    const s = await stream(tmp);
    expect(s.stats.error?.code).toBe(ErrorCodes.IO);
  });

  it('reports an empty file as not a capture', async () => {
    const file = path.join(tmp, 'empty.pcap');
    writeFileSync(file, Buffer.alloc(0));
    const s = await stream(file);
    expect(s.stats.error?.code).toBe(ErrorCodes.NOT_A_CAPTURE);
    expect(s.stats.error?.message).toContain('empty');
  });
});
