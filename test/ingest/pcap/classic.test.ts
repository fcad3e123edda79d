/**
 * Classic pcap core on hand-built files: the four magic variants, old length orders,
 * the snaplen and MAX_RECORD_LEN rules, truncation, zero-copy delivery, and the
 * "not a capture" answer.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { DecodeStatus, type PacketMeta } from '../../../src/core/packet.js';
import { CaptureReader, readCaptureBuffer, type CaptureStats } from '../../../src/ingest/capture-reader.js';
import { MAX_RECORD_LEN } from '../../../src/ingest/pcap/limits.js';
import { frame, pcapFile, pcapHeader, pcapRecord, type PcapOptions, type PcapRecord } from './build.js';

/** A decoder stand-in: the container layer does not depend on what the frames hold. */
const nonIpDecoder = { decode: (m: PacketMeta) => ((m.ethertype = 0x0806), DecodeStatus.NonIp) };

interface Seen {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  wirelen: number;
  linktype: number;
  fileOffset: number;
  packetNo: number;
  bytes: Buffer;
  buf: Buffer;
}

function read(data: Buffer, chunkSize?: number): { stats: CaptureStats; seen: Seen[]; anomalies: AnomalyCounter } {
  const anomalies = new AnomalyCounter();
  const seen: Seen[] = [];
  const stats = readCaptureBuffer(
    data,
    'test.pcap',
    3,
    (m) => {
      expect(m.fileIndex).toBe(3);
      seen.push({
        tsSec: m.tsSec,
        tsNsec: m.tsNsec,
        caplen: m.caplen,
        wirelen: m.wirelen,
        linktype: m.linktype,
        fileOffset: m.fileOffset,
        packetNo: m.packetNo,
        bytes: Buffer.from(m.buf.subarray(m.frameOff, m.frameOff + m.caplen)),
        buf: m.buf,
      });
    },
    { anomalies, decoder: nonIpDecoder, chunkSize },
  );
  return { stats, seen, anomalies };
}

const RECORDS: PcapRecord[] = [
  { tsSec: 1_700_000_000, frac: 1, data: frame(1, 60) },
  { tsSec: 1_700_000_001, frac: 999_999, data: frame(2, 1514) },
  { tsSec: 1_700_000_002, frac: 500_000, data: frame(3, 42), wirelen: 1500 },
];

describe('classic pcap: the four magic variants', () => {
  it.each([
    { bigEndian: false, nanosecond: false },
    { bigEndian: true, nanosecond: false },
    { bigEndian: false, nanosecond: true },
    { bigEndian: true, nanosecond: true },
  ])('big-endian=$bigEndian nanosecond=$nanosecond', (o: PcapOptions) => {
    const file = pcapFile(RECORDS, { ...o, linktype: 113 });
    for (const chunk of [undefined, 1, 17]) {
      const { stats, seen } = read(file, chunk);
      expect(stats.format).toBe('pcap');
      expect(stats.error).toBeUndefined();
      expect(stats.packetsRead).toBe(3);
      expect(stats.nonIp).toBe(3);
      expect(stats.nonIpByEthertype).toEqual({ '0x0806': 3 });
      expect(stats.linktypes).toEqual([113]);
      expect(stats.bytesRead).toBe(file.length);
      const mul = o.nanosecond ? 1 : 1000;
      expect(seen.map((s) => [s.tsSec, s.tsNsec])).toEqual(RECORDS.map((r) => [r.tsSec, r.frac * mul]));
      expect(seen.map((s) => s.caplen)).toEqual([60, 1514, 42]);
      expect(seen.map((s) => s.wirelen)).toEqual([60, 1514, 1500]);
      expect(seen.map((s) => s.fileOffset)).toEqual([24, 24 + 16 + 60, 24 + 16 + 60 + 16 + 1514]);
      expect(seen.map((s) => s.packetNo)).toEqual([1, 2, 3]);
      seen.forEach((s, i) => expect(s.bytes.equals(RECORDS[i].data)).toBe(true));
      expect(stats.firstTs).toBeCloseTo(1_700_000_000, 5);
      expect(stats.lastTs).toBeCloseTo(1_700_000_002 + (o.nanosecond ? 0.0005 : 0.5), 5);
    }
  });
});

describe('classic pcap: the Kuznetzov-patched format', () => {
  it.each([false, true])('big-endian=%s: reads 24-byte record headers', (bigEndian) => {
    const file = pcapFile(RECORDS, { patched: true, bigEndian, snaplen: 1500 });
    for (const chunk of [undefined, 1, 13]) {
      const { stats, seen, anomalies } = read(file, chunk);
      expect(stats.error).toBeUndefined();
      expect(stats.packetsRead).toBe(3);
      expect(stats.container?.version).toBe('2.4 (Kuznetzov-patched)');
      expect(seen.map((s) => s.fileOffset)).toEqual([24, 24 + 24 + 60, 24 + 24 + 60 + 24 + 1514]);
      seen.forEach((s, i) => expect(s.bytes.equals(RECORDS[i].data)).toBe(true));
      // libpcap adds 14 to an Ethernet snaplen in this format: 1514 fits 1500 + 14.
      expect(anomalies.get('caplen_exceeds_snaplen')).toBe(0);
    }
  });
});

describe('classic pcap: versions', () => {
  it('reads caplen and len in the pre-2.3 order (libpcap swaps them)', () => {
    // Version 2.2 files store len first, then caplen.
    const data = frame(9, 40);
    const file = Buffer.concat([
      pcapHeader({ versionMinor: 2 }),
      pcapRecord({ tsSec: 1, frac: 0, data, caplen: 1500, wirelen: 40 }),
    ]);
    const { stats, seen } = read(file);
    expect(stats.packetsRead).toBe(1);
    expect(seen[0].caplen).toBe(40);
    expect(seen[0].wirelen).toBe(1500);
  });

  it('swaps 2.3 lengths only when caplen > len', () => {
    const file = Buffer.concat([
      pcapHeader({ versionMinor: 3 }),
      pcapRecord({ tsSec: 1, frac: 0, data: frame(1, 40), caplen: 40, wirelen: 1500 }),
      pcapRecord({ tsSec: 2, frac: 0, data: frame(2, 50), caplen: 1500, wirelen: 50 }),
    ]);
    const { seen } = read(file);
    expect(seen.map((s) => [s.caplen, s.wirelen])).toEqual([
      [40, 1500],
      [50, 1500],
    ]);
  });

  it('refuses the versions libpcap refuses, with its message', () => {
    for (const [maj, min] of [
      [1, 4],
      [2, 5],
      [3, 0],
    ]) {
      const { stats } = read(pcapFile(RECORDS, { versionMajor: maj, versionMinor: min }));
      expect(stats.error?.code).toBe(ErrorCodes.PCAP_BAD_HEADER);
      expect(stats.error?.message).toContain(`unsupported pcap savefile version ${maj}.${min}`);
      expect(stats.packetsRead).toBe(0);
    }
  });

  it('refuses non-zero reserved link-type bits, and ignores the FCS bits', () => {
    const bad = read(pcapFile(RECORDS, { linktype: 0x00300001 }));
    expect(bad.stats.error?.code).toBe(ErrorCodes.PCAP_BAD_HEADER);
    expect(bad.stats.error?.message).toContain('savefile linktype reserved field not zero (0x00300000)');
    const fcs = read(pcapFile(RECORDS, { linktype: 0x14000001 }));
    expect(fcs.stats.error).toBeUndefined();
    expect(fcs.stats.linktypes).toEqual([1]);
    expect(fcs.seen[0].linktype).toBe(1);
  });
});

describe('classic pcap: record lengths', () => {
  it('cuts a record above the snaplen to the snaplen and counts it (libpcap)', () => {
    const file = pcapFile(
      [
        { tsSec: 1, frac: 0, data: frame(1, 100) },
        { tsSec: 2, frac: 0, data: frame(2, 60) },
      ],
      { snaplen: 64 },
    );
    const { stats, seen, anomalies } = read(file);
    expect(stats.packetsRead).toBe(2);
    expect(seen[0].caplen).toBe(64);
    expect(seen[0].wirelen).toBe(100);
    expect(seen[0].bytes.equals(frame(1, 64))).toBe(true);
    // The next record starts after the whole stored record, not after the cut.
    expect(seen[1].fileOffset).toBe(24 + 16 + 100);
    expect(seen[1].bytes.equals(frame(2, 60))).toBe(true);
    expect(anomalies.get('caplen_exceeds_snaplen')).toBe(1);
  });

  it('counts caplen above the original length, keeping the packet', () => {
    const { stats, seen, anomalies } = read(pcapFile([{ tsSec: 1, frac: 0, data: frame(1, 60), wirelen: 0 }]));
    expect(stats.packetsRead).toBe(1);
    expect(seen[0].caplen).toBe(60);
    expect(anomalies.get('caplen_exceeds_wirelen')).toBe(1);
  });

  it('treats snaplen 0 as the maximum and accepts a MAX_RECORD_LEN record', () => {
    const big = frame(7, MAX_RECORD_LEN);
    const { stats, seen } = read(pcapFile([{ tsSec: 1, frac: 0, data: big }], { snaplen: 0 }), 65536);
    expect(stats.error).toBeUndefined();
    expect(seen[0].caplen).toBe(MAX_RECORD_LEN);
    expect(seen[0].bytes.equals(big)).toBe(true);
  });

  it('stops at a record length above MAX_RECORD_LEN without waiting for (or allocating) its bytes', () => {
    const anomalies = new AnomalyCounter();
    const got: number[] = [];
    const reader = new CaptureReader('huge.pcap', 0, (m) => got.push(m.packetNo), { anomalies, decoder: nonIpDecoder });
    const good = pcapFile([{ tsSec: 1, frac: 0, data: frame(1, 60) }]);
    const badHeader = pcapRecord({ tsSec: 2, frac: 0, data: Buffer.alloc(0), caplen: 0x7fff0000, wirelen: 0x7fff0000 });
    expect(reader.push(good)).toBe(true);
    // Only the 16-byte header of the corrupt record has arrived: the error is immediate.
    expect(reader.push(badHeader)).toBe(false);
    expect(reader.push(frame(3, 100))).toBe(false);
    const stats = reader.end();
    expect(got).toEqual([1]);
    expect(stats.packetsRead).toBe(1);
    expect(stats.truncated).toBe(false);
    expect(stats.error?.code).toBe(ErrorCodes.PCAP_RECORD_TOO_LARGE);
    expect(stats.error?.offset).toBe(good.length);
    expect(stats.error?.file).toBe('huge.pcap');
    expect(stats.error?.message).toContain(`at byte offset ${good.length}`);
    expect(stats.error?.message).toContain('2147418112');
  });
});

describe('classic pcap: timestamps', () => {
  it('carries an out-of-range microsecond field into the seconds and counts it', () => {
    const { seen, anomalies } = read(pcapFile([{ tsSec: 10, frac: 2_500_000, data: frame(1, 20) }]));
    expect([seen[0].tsSec, seen[0].tsNsec]).toEqual([12, 500_000_000]);
    expect(anomalies.get('invalid_timestamp_fraction')).toBe(1);
  });

  it('reads seconds as unsigned 32-bit (dates past 2038)', () => {
    const { seen } = read(pcapFile([{ tsSec: 0xfffffff0, frac: 0, data: frame(1, 20) }]));
    expect(seen[0].tsSec).toBe(0xfffffff0);
  });
});

describe('classic pcap: truncation', () => {
  const file = pcapFile(RECORDS);
  const lastStart = file.length - 16 - 42;

  it('keeps the packets before a record cut by the end of input', () => {
    for (const chunk of [undefined, 1, 7]) {
      const { stats, seen } = read(file.subarray(0, file.length - 10), chunk);
      expect(stats.packetsRead).toBe(2);
      expect(seen.length).toBe(2);
      expect(stats.truncated).toBe(true);
      expect(stats.error?.code).toBe(ErrorCodes.PCAP_TRUNCATED);
      expect(stats.error?.offset).toBe(lastStart);
      expect(stats.error?.message).toContain('58 bytes expected, only 48 present');
    }
  });

  it('reports a record header cut by the end of input', () => {
    const { stats } = read(file.subarray(0, lastStart + 5));
    expect(stats.packetsRead).toBe(2);
    expect(stats.truncated).toBe(true);
    expect(stats.error?.message).toContain('record header');
  });

  it('reports a file header cut by the end of input', () => {
    const { stats } = read(file.subarray(0, 10));
    expect(stats.format).toBe('pcap');
    expect(stats.truncated).toBe(true);
    expect(stats.error?.code).toBe(ErrorCodes.PCAP_TRUNCATED);
    expect(stats.error?.offset).toBe(0);
  });

  it('reads a header-only file as zero packets, no error', () => {
    const { stats } = read(pcapHeader());
    expect(stats.packetsRead).toBe(0);
    expect(stats.error).toBeUndefined();
    expect(stats.firstTs).toBeNull();
  });
});

describe('classic pcap: not a capture', () => {
  it.each([
    ['a text file', Buffer.from('Lorem ipsum dolor sit amet\n'), 'first bytes are 4c 6f 72 65'],
    ['a Zeek TSV log', Buffer.from('#separator \\x09\n#fields\tts\n'), 'looks like a Zeek TSV log'],
    ['a Zeek JSON log', Buffer.from('{"ts":1.0}\n'), 'looks like a Zeek JSON log'],
    ['an empty input', Buffer.alloc(0), 'input is empty'],
    ['3 bytes', Buffer.from([0xd4, 0xc3, 0xb2]), 'first bytes are d4 c3 b2'],
  ])('%s', (_what, data, message) => {
    const { stats } = read(data);
    expect(stats.error?.code).toBe(ErrorCodes.NOT_A_CAPTURE);
    expect(stats.error?.message).toContain(message);
    expect(stats.error?.message).toContain('test.pcap');
    expect(stats.error?.message.split('\n')).toHaveLength(1);
    expect(stats.packetsRead).toBe(0);
  });
});

describe('classic pcap: zero-copy delivery', () => {
  it('hands out the input buffer itself when records sit in one chunk', () => {
    const file = pcapFile(RECORDS);
    const { seen } = read(file);
    for (const s of seen) expect(s.buf).toBe(file);
  });

  it('copies a record straddling two chunks once, and only that one', () => {
    const file = pcapFile(RECORDS);
    const cut = 24 + 16 + 60 + 100; // inside the second record
    const a = file.subarray(0, cut);
    const b = file.subarray(cut);
    const bufs: Buffer[] = [];
    const reader = new CaptureReader('x', 0, (m) => bufs.push(m.buf), { anomalies: new AnomalyCounter(), decoder: nonIpDecoder });
    reader.push(a);
    reader.push(b);
    expect(reader.end().packetsRead).toBe(3);
    expect(bufs[0]).toBe(a);
    expect(bufs[1]).not.toBe(a);
    expect(bufs[1]).not.toBe(b);
    expect(bufs[1].length).toBe(16 + 1514);
    expect(bufs[2]).toBe(b);
  });
});
