/**
 * pcapng core: hand-built blocks for each rule (byte orders, sections, if_tsresol and
 * if_tsoffset, SPB/OPB, skipped blocks, size caps, truncation), and the block sequences
 * of the pcapng-test-generator conformance files against their listings.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { DecodeStatus, type PacketMeta } from '../../../src/core/packet.js';
import { CaptureReader, readCaptureBuffer, type CaptureStats } from '../../../src/ingest/capture-reader.js';
import { MAX_PCAPNG_SKIPPED_BLOCK_LEN, MAX_RECORD_LEN } from '../../../src/ingest/pcap/limits.js';
import { blockName } from '../../../src/ingest/pcap/pcapng.js';
import { frame, ngBlock, ngEpb, ngIdb, ngOpb, ngShb, ngSpb } from './build.js';
import { CORPUS, HAVE_CORPUS, corpusTitle } from './corpus-helpers.js';

const decoder = { decode: (_m: PacketMeta) => DecodeStatus.Ip };

interface Seen {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  wirelen: number;
  linktype: number;
  ifIndex: number;
  fileOffset: number;
  bytes: Buffer;
}

function read(data: Buffer, chunkSize?: number, onBlock?: (t: number, o: number) => void) {
  const anomalies = new AnomalyCounter();
  const seen: Seen[] = [];
  const stats: CaptureStats = readCaptureBuffer(
    data,
    'test.pcapng',
    0,
    (m) =>
      seen.push({
        tsSec: m.tsSec,
        tsNsec: m.tsNsec,
        caplen: m.caplen,
        wirelen: m.wirelen,
        linktype: m.linktype,
        ifIndex: m.ifIndex,
        fileOffset: m.fileOffset,
        bytes: Buffer.from(m.buf.subarray(m.frameOff, m.frameOff + m.caplen)),
      }),
    { anomalies, decoder, chunkSize, onBlock },
  );
  return { stats, seen, anomalies };
}

/** Reads whole, 1 byte at a time and in 13-byte chunks; asserts the three agree. */
function readAll(data: Buffer) {
  const whole = read(data);
  for (const c of [1, 13]) {
    const r = read(data, c);
    expect(r.seen).toEqual(whole.seen);
    expect(r.stats.packetsRead).toBe(whole.stats.packetsRead);
    expect(r.stats.error?.message).toBe(whole.stats.error?.message);
    expect(r.stats.truncated).toBe(whole.stats.truncated);
  }
  return whole;
}

describe('pcapng: sections and byte orders', () => {
  it.each([false, true])('big-endian=%s: SHB, IDB, EPBs with the default microsecond resolution', (be) => {
    const file = Buffer.concat([
      ngShb(be),
      ngIdb(1, 65535, be),
      ngEpb(0, 1_700_000_000_123_456n, frame(1, 60), be),
      ngEpb(0, 1_700_000_001_000_000n, frame(2, 61), be, 61, 1500),
    ]);
    const { stats, seen } = readAll(file);
    expect(stats.format).toBe('pcapng');
    expect(stats.error).toBeUndefined();
    expect(stats.packetsRead).toBe(2);
    expect(stats.linktypes).toEqual([1]);
    expect(seen.map((s) => [s.tsSec, s.tsNsec])).toEqual([
      [1_700_000_000, 123_456_000],
      [1_700_000_001, 0],
    ]);
    expect(seen[1].wirelen).toBe(1500);
    expect(seen[0].bytes.equals(frame(1, 60))).toBe(true);
    // 61 bytes of data are padded to 64 in the block.
    expect(seen[1].bytes.equals(frame(2, 61))).toBe(true);
    expect(seen[0].fileOffset).toBe(ngShb(be).length + ngIdb(1, 65535, be).length);
  });

  it('reads sections of different byte orders, each with its own interfaces', () => {
    const file = Buffer.concat([
      ngShb(false),
      ngIdb(1, 0, false),
      ngIdb(113, 0, false),
      ngEpb(1, 5_000_000n, frame(1, 20), false),
      ngShb(true),
      ngIdb(101, 0, true),
      ngEpb(0, 6_000_000n, frame(2, 20), true),
    ]);
    const { stats, seen } = readAll(file);
    expect(stats.packetsRead).toBe(2);
    expect(seen.map((s) => [s.linktype, s.ifIndex, s.tsSec])).toEqual([
      [113, 1, 5],
      [101, 0, 6],
    ]);
    expect(stats.linktypes).toEqual([1, 113, 101]);
  });

  it('forgets the interfaces of the previous section', () => {
    const file = Buffer.concat([
      ngShb(),
      ngIdb(1, 0),
      ngIdb(1, 0),
      ngEpb(1, 0n, frame(1, 20)),
      ngShb(),
      ngIdb(1, 0),
      ngEpb(1, 0n, frame(2, 20)),
    ]);
    const { stats } = readAll(file);
    expect(stats.packetsRead).toBe(1);
    expect(stats.error?.code).toBe(ErrorCodes.PCAPNG_BAD_BLOCK);
    expect(stats.error?.message).toContain('interface 1');
  });

  it('refuses SHB versions other than 1.0 and 1.2 (libpcap)', () => {
    expect(read(Buffer.concat([ngShb(false, 1, 2), ngIdb(1, 0), ngEpb(0, 0n, frame(1, 20))])).stats.packetsRead).toBe(1);
    const { stats } = read(Buffer.concat([ngShb(false, 2, 0), ngIdb(1, 0)]));
    expect(stats.error?.code).toBe(ErrorCodes.PCAP_BAD_HEADER);
    expect(stats.error?.message).toContain('unsupported pcapng savefile version 2.0');
  });

  it('refuses a bad byte-order magic as not a capture', () => {
    const shb = ngShb();
    shb.writeUInt32LE(0x12345678, 8);
    const { stats } = read(shb);
    expect(stats.error?.code).toBe(ErrorCodes.NOT_A_CAPTURE);
  });
});

describe('pcapng: timestamps', () => {
  const one = (opts: Parameters<typeof ngIdb>[3], ts: bigint) => {
    const { seen, stats } = readAll(Buffer.concat([ngShb(), ngIdb(1, 0, false, opts), ngEpb(0, ts, frame(1, 20))]));
    expect(stats.error).toBeUndefined();
    return [seen[0].tsSec, seen[0].tsNsec];
  };

  it('splits nanosecond timestamps above 2^53 exactly (if_tsresol 9)', () => {
    expect(one({ tsresol: 9 }, 1_700_000_000_123_456_789n)).toEqual([1_700_000_000, 123_456_789]);
    expect(one({ tsresol: 9 }, 0xffff_ffff_ffff_ffffn)).toEqual([18_446_744_073, 709_551_615]);
  });

  it('handles every power-of-10 resolution up to nanoseconds', () => {
    expect(one({ tsresol: 0 }, 1_700_000_000n)).toEqual([1_700_000_000, 0]);
    expect(one({ tsresol: 3 }, 1_700_000_000_250n)).toEqual([1_700_000_000, 250_000_000]);
    expect(one({ tsresol: 6 }, 1_700_000_000_000_001n)).toEqual([1_700_000_000, 1000]);
  });

  it('handles finer-than-nanosecond and power-of-2 resolutions (truncating to ns)', () => {
    expect(one({ tsresol: 12 }, 1_700_000n * 10n ** 12n + 123_456_789_012n)).toEqual([1_700_000, 123_456_789]);
    expect(one({ tsresol: 0x80 | 20 }, 5n * 2n ** 20n + 2n ** 19n)).toEqual([5, 500_000_000]);
    expect(one({ tsresol: 0x80 | 1 }, 7n)).toEqual([3, 500_000_000]);
  });

  it('adds if_tsoffset seconds', () => {
    expect(one({ tsoffset: 1_000_000_000n }, 700_000_000_500_000n)).toEqual([1_700_000_000, 500_000_000]);
    expect(one({ tsresol: 9, tsoffset: -10n }, 20_000_000_001n)).toEqual([10, 1]);
  });
});

describe('pcapng: SPB, OPB and skipped blocks', () => {
  it('gives an SPB the first interface, its snaplen and no timestamp', () => {
    const file = Buffer.concat([ngShb(), ngIdb(228, 40), ngSpb(100, frame(1, 100)), ngSpb(30, frame(2, 30))]);
    const { stats, seen } = readAll(file);
    expect(stats.packetsRead).toBe(2);
    expect(seen.map((s) => [s.caplen, s.wirelen, s.linktype, s.ifIndex])).toEqual([
      [40, 100, 228, 0],
      [30, 30, 228, 0],
    ]);
    expect(seen[0].bytes.equals(frame(1, 40))).toBe(true);
    expect(stats.firstTs).toBeNull();
  });

  it('limits an SPB to the bytes its block holds', () => {
    const { seen } = readAll(Buffer.concat([ngShb(), ngIdb(1, 0), ngSpb(1500, frame(1, 64))]));
    expect([seen[0].caplen, seen[0].wirelen]).toEqual([64, 1500]);
  });

  it('reads the obsolete Packet Block', () => {
    const file = Buffer.concat([ngShb(true), ngIdb(1, 0, true), ngIdb(0, 0, true), ngOpb(1, 3_000_001n, frame(4, 30), true)]);
    const { seen } = readAll(file);
    expect(seen.map((s) => [s.ifIndex, s.linktype, s.tsSec, s.tsNsec, s.caplen])).toEqual([[1, 0, 3, 1000, 30]]);
  });

  it('skips unknown blocks by length, whatever the chunking', () => {
    const blocks: number[] = [];
    const file = Buffer.concat([
      ngShb(),
      ngBlock(0x00000bad, frame(9, 5000)),
      ngIdb(1, 0),
      ngBlock(4, frame(8, 33)),
      ngEpb(0, 0n, frame(1, 20)),
      ngBlock(0x12345678, Buffer.alloc(0)),
    ]);
    const { stats } = read(file, 1, (t) => blocks.push(t));
    expect(blocks.map(blockName)).toEqual(['SHB', 'CB', 'IDB', 'NRB', 'EPB', 'other']);
    expect(stats.packetsRead).toBe(1);
    expect(stats.error).toBeUndefined();
    expect(readAll(file).stats.packetsRead).toBe(1);
  });

  it('checks the trailer of skipped blocks too', () => {
    const file = Buffer.concat([ngShb(), ngIdb(1, 0), ngEpb(0, 0n, frame(1, 20)), ngBlock(5, frame(1, 16), false, 999)]);
    const { stats } = readAll(file);
    expect(stats.packetsRead).toBe(1);
    expect(stats.error?.code).toBe(ErrorCodes.PCAPNG_BAD_BLOCK);
    expect(stats.error?.message).toContain("block total length in header 28 and trailer 999 don't match");
  });
});

describe('pcapng: malformed blocks', () => {
  const head = Buffer.concat([ngShb(), ngIdb(1, 0), ngEpb(0, 0n, frame(1, 20))]);

  /** Feeds `head` then `tail`; the error must come with nothing more than `tail`'s bytes. */
  function stopsAt(tail: Buffer) {
    const anomalies = new AnomalyCounter();
    let n = 0;
    const r = new CaptureReader('bad.pcapng', 0, () => n++, { anomalies, decoder });
    r.push(head);
    const more = r.push(tail);
    const stats = r.end();
    return { more, stats, n };
  }

  it('stops at a packet block above the size cap after reading its 8-byte header', () => {
    const t = Buffer.alloc(8);
    t.writeUInt32LE(6, 0);
    t.writeUInt32LE(0x40000000, 4);
    const { more, stats, n } = stopsAt(t);
    expect(more).toBe(false);
    expect(n).toBe(1);
    expect(stats.error?.code).toBe(ErrorCodes.PCAPNG_BLOCK_TOO_LARGE);
    expect(stats.error?.offset).toBe(head.length);
  });

  it('stops at a captured length above MAX_RECORD_LEN before buffering the block', () => {
    const epb = ngEpb(0, 0n, frame(1, 20), false, MAX_RECORD_LEN + 1);
    epb.writeUInt32LE(300_000, 4); // a block length below the block cap
    const { more, stats } = stopsAt(epb.subarray(0, 28));
    expect(more).toBe(false);
    expect(stats.error?.code).toBe(ErrorCodes.PCAP_RECORD_TOO_LARGE);
    expect(stats.error?.message).toContain(String(MAX_RECORD_LEN + 1));
  });

  it('stops at a skipped block above its cap', () => {
    const t = Buffer.alloc(8);
    t.writeUInt32LE(0x00000bad, 0);
    t.writeUInt32LE(MAX_PCAPNG_SKIPPED_BLOCK_LEN + 4, 4);
    const { stats } = stopsAt(t);
    expect(stats.error?.code).toBe(ErrorCodes.PCAPNG_BLOCK_TOO_LARGE);
  });

  it('refuses lengths that are not multiples of 4 or below 12', () => {
    for (const len of [13, 8]) {
      const t = Buffer.alloc(16);
      t.writeUInt32LE(6, 0);
      t.writeUInt32LE(len, 4);
      const { stats } = stopsAt(t);
      expect(stats.error?.code).toBe(ErrorCodes.PCAPNG_BAD_BLOCK);
      expect(stats.error?.message).toContain(`total length of ${len}`);
    }
  });

  it('refuses an EPB whose captured length does not fit in the block', () => {
    const { stats } = stopsAt(ngEpb(0, 0n, frame(1, 20), false, 200));
    expect(stats.error?.code).toBe(ErrorCodes.PCAPNG_BAD_BLOCK);
    expect(stats.error?.message).toContain('does not fit');
  });

  it('refuses a packet before any IDB', () => {
    const { stats } = read(Buffer.concat([ngShb(), ngEpb(0, 0n, frame(1, 20))]));
    expect(stats.error?.code).toBe(ErrorCodes.PCAPNG_BAD_BLOCK);
    expect(stats.error?.message).toContain('only 0 Interface Description Blocks');
  });

  it('keeps the packets before a block cut by the end of input', () => {
    const file = Buffer.concat([head, ngEpb(0, 0n, frame(2, 100))]);
    const { stats } = readAll(file.subarray(0, file.length - 7));
    expect(stats.packetsRead).toBe(1);
    expect(stats.truncated).toBe(true);
    expect(stats.error?.code).toBe(ErrorCodes.PCAP_TRUNCATED);
    expect(stats.error?.offset).toBe(head.length);
  });

  it('reports a skipped block cut by the end of input', () => {
    const file = Buffer.concat([head, ngBlock(4, frame(1, 400))]);
    const { stats } = readAll(file.subarray(0, file.length - 100));
    expect(stats.packetsRead).toBe(1);
    expect(stats.truncated).toBe(true);
    expect(stats.error?.offset).toBe(head.length);
  });

  it('counts an EPB above its interface snaplen and keeps it whole (Wireshark)', () => {
    const { seen, anomalies } = readAll(Buffer.concat([ngShb(), ngIdb(1, 50), ngEpb(0, 0n, frame(1, 80))]));
    expect(seen[0].caplen).toBe(80);
    expect(anomalies.get('caplen_exceeds_snaplen')).toBe(1);
  });
});

/** The generator's listings: "Block sequence: SHB, IDB, EPB, ...". */
function conformanceFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['linktypes/pcapng-conformance-big-endian', 'linktypes/pcapng-conformance-little-endian-difficult']) {
    const walk = (rel: string): void => {
      for (const n of readdirSync(path.join(CORPUS, rel)).sort()) {
        const r = path.join(rel, n);
        if (n.endsWith('.pcapng')) out.push(r);
        else if (!n.includes('.')) walk(r);
      }
    };
    if (existsSync(path.join(CORPUS, dir))) walk(dir);
  }
  return out;
}

describe.skipIf(!HAVE_CORPUS)(corpusTitle('pcapng conformance files (hadrielk/pcapng-test-generator)'), () => {
  if (!HAVE_CORPUS) return;
  const files = conformanceFiles();

  it('has the listed files', () => {
    // 18 basic + 3 advanced + 3 difficult big-endian, 3 difficult little-endian.
    expect(files.length).toBe(27);
  });

  it.each(files)('%s: block sequence and counts as listed', (rel) => {
    const txt = readFileSync(path.join(CORPUS, rel.replace(/\.pcapng$/, '.txt')), 'utf8');
    const sequence = /Block sequence: (.*)/.exec(txt)![1].split(',').map((s) => s.trim());
    const counts: Record<string, number> = {};
    for (const m of txt.matchAll(/^\t(\w+): (\d+)$/gm)) counts[m[1]] = Number(m[2]);
    const data = readFileSync(path.join(CORPUS, rel));
    for (const chunk of [undefined, 1, 11]) {
      const blocks: string[] = [];
      const { stats } = read(data, chunk, (t) => blocks.push(blockName(t)));
      expect(stats.error).toBeUndefined();
      expect(blocks).toEqual(sequence);
      expect(stats.packetsRead).toBe((counts.EPB ?? 0) + (counts.SPB ?? 0));
    }
  });
});
