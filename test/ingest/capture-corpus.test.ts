/**
 * Every capture of the shared corpus (malformed/, linktypes/, zeek-traces/, c2/) read with
 * the real decoder: the outcome SOURCES.md documents (packet count, format, link types,
 * first/last timestamps, or the error libpcap gives), the accounting invariant, the
 * container-level anomalies, and identical results whole, in 1-byte chunks and in random
 * chunks. tcpdump's expected outputs give golden per-packet timestamps.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import { ReaderAnomaly } from '../../src/ingest/pcap/limits.js';
import {
  CORPUS,
  HAVE_CORPUS,
  corpusTitle,
  documentedCaptures,
  listCaptures,
  randomSplit,
  traceRead,
  utcSeconds,
  type TracedRead,
} from './pcap/corpus-helpers.js';

/** libpcap refuses these at open; SOURCES.md quotes libpcap's exact message. */
const REJECTED: Record<string, { code: string; message: string | RegExp }> = {
  'malformed/libpcap-savefile-reject/linktype-reserved-field-not-zero.pcap': {
    code: ErrorCodes.PCAP_BAD_HEADER,
    message: 'savefile linktype reserved field not zero (0x00300000)',
  },
  'malformed/libpcap-savefile-reject/pcap-invalid-version-1.pcap': {
    code: ErrorCodes.PCAP_BAD_HEADER,
    message: 'unsupported pcap savefile version 1.4',
  },
  'malformed/libpcap-savefile-reject/pcap-invalid-version-2.pcap': {
    code: ErrorCodes.PCAP_BAD_HEADER,
    message: 'unsupported pcap savefile version 2.5',
  },
  'malformed/libpcap-savefile-reject/pcapng-invalid-vers-1.pcapng': {
    code: ErrorCodes.PCAP_BAD_HEADER,
    message: 'unsupported pcapng savefile version 0.1',
  },
  'malformed/libpcap-savefile-reject/pcapng-invalid-vers-2.pcapng': {
    code: ErrorCodes.PCAP_BAD_HEADER,
    message: 'unsupported pcapng savefile version 1.1',
  },
  // libpcap skips the SHB options and trips on the next block's trailer ("header 32");
  // we check the SHB's own trailer first, which holds the same 0x30303030 garbage.
  'malformed/libpcap-savefile-reject/shb-option-too-long.pcapng': {
    code: ErrorCodes.PCAPNG_BAD_BLOCK,
    message: /^block total length in header 52 and trailer 808464432 don't match/,
  },
};

/**
 * Container-level anomalies per file (all other files must have none). Records with
 * caplen above the file's snaplen are the tcpdump fuzz files' point (SOURCES.md:
 * "caplen > snaplen"); libpcap cuts them to the snaplen, and so do we.
 */
const READER_ANOMALIES: Record<string, Record<string, number>> = {
  'malformed/tcpdump-fuzz-caplen-gt-origlen/aoe-oobr-1.pcap': { caplen_exceeds_snaplen: 1 },
  'malformed/tcpdump-fuzz-caplen-gt-origlen/rsvp-rsvp_obj_print-oobr.pcap': { caplen_exceeds_wirelen: 1 },
  'malformed/tcpdump-fuzz-caplen-gt-snaplen/dccp_options-oobr.pcap': { caplen_exceeds_snaplen: 4 },
  'malformed/tcpdump-fuzz-caplen-gt-snaplen/extract_read2_asan.pcap': { caplen_exceeds_snaplen: 1 },
  'malformed/tcpdump-fuzz-caplen-gt-snaplen/mptcp-dss-oobr.pcap': { caplen_exceeds_snaplen: 1 },
  'malformed/tcpdump-fuzz-linktype-fcs-bits/bootp_asan.pcap': { caplen_exceeds_snaplen: 1 },
  'malformed/tcpdump-invalid-timestamps/timestamp_invalid_micro.pcap': { invalid_timestamp_fraction: 2 },
  'malformed/tcpdump-invalid-timestamps/timestamp_invalid_nano.pcap': { invalid_timestamp_fraction: 2 },
  'malformed/zeek-truncation/trunc-hdr.pcap': { caplen_exceeds_snaplen: 1 },
};

const READER_CODES = new Set<string>(Object.values(ReaderAnomaly));

function readerAnomalies(r: TracedRead): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.anomalies)) if (READER_CODES.has(k)) out[k] = v;
  return out;
}

function load(rel: string): Buffer {
  const raw = readFileSync(path.join(CORPUS, rel));
  return rel.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/**
 * Stats compared across chunkings. `bytesRead` is left out when reading stopped on an
 * error: it counts what was received, and the input stops at a chunk boundary.
 */
function comparable(s: TracedRead['stats']): Record<string, unknown> {
  const { error, bytesRead, ...rest } = s;
  return { ...rest, error: error?.message, bytesRead: error ? undefined : bytesRead };
}

/** 1-byte feeding costs one parse call per byte: keep it to the small files. */
const ONE_BYTE_MAX = 64 * 1024;

describe.skipIf(!HAVE_CORPUS)(corpusTitle('capture reader on the shared corpus'), () => {
  if (!HAVE_CORPUS) {
    it.skip(`corpus not found at ${CORPUS}: corpus tests skipped`, () => {});
    return;
  }
  const documented = documentedCaptures();
  const files = ['malformed', 'linktypes', 'zeek-traces', 'c2'].flatMap((f) => listCaptures(f));

  it('finds the captures SOURCES.md lists', () => {
    expect(files.length).toBeGreaterThan(90);
    for (const f of files) expect(documented.has(f), `${f} documented in SOURCES.md`).toBe(true);
  });

  describe.each(files)('%s', (rel) => {
    const doc = documented.get(rel)!;
    const data = load(rel);
    const whole = traceRead(data, rel);
    const s = whole.stats;

    it('gives the documented outcome', () => {
      expect(s.format).toBe(doc.format);
      const rejected = REJECTED[rel];
      if (rejected) {
        expect(s.error?.code).toBe(rejected.code);
        if (typeof rejected.message === 'string') expect(s.error?.message.startsWith(rejected.message)).toBe(true);
        else expect(s.error?.message).toMatch(rejected.message);
        expect(s.error?.message).toContain(rel);
        expect(s.packetsRead).toBe(0);
        return;
      }
      expect(s.error).toBeUndefined();
      expect(s.truncated).toBe(false);
      expect(s.packetsRead).toBe(doc.pkts);
      expect(s.bytesRead).toBe(data.length);
      expect([...s.linktypes].sort((a, b) => a - b)).toEqual([...doc.linktypes].sort((a, b) => a - b));
      expect(s.container?.byteOrder).toBe(doc.byteOrder);
      if (doc.format === 'pcap') {
        expect(s.container?.version).toBe(doc.version);
        expect(s.container?.tsUnit).toBe(doc.tsUnit);
        expect(s.container?.snaplen).toBe(doc.snaplen);
      } else {
        expect(s.container?.blocks?.SHB).toBe(s.container?.sections);
        expect((s.container?.blocks?.EPB ?? 0) + (s.container?.blocks?.SPB ?? 0) + (s.container?.blocks?.OPB ?? 0)).toBe(s.packetsRead);
      }
      if (doc.first !== undefined && whole.packets.length > 0) {
        expect(utcSeconds(whole.packets[0].tsSec)).toBe(doc.first);
        expect(utcSeconds(whole.packets[whole.packets.length - 1].tsSec)).toBe(doc.last);
      }
    });

    it('accounts for every packet', () => {
      expect(s.packetsRead).toBe(whole.packets.length);
      expect(s.ip + s.nonIp + s.anomalies + s.fragments).toBe(s.packetsRead);
      const byStatus = [0, 0, 0, 0];
      for (const p of whole.packets) byStatus[p.status]++;
      expect(byStatus).toEqual([s.ip, s.nonIp, s.anomalies, s.fragments]);
      const nonIpTotal = Object.values(s.nonIpByEthertype).reduce((a, b) => a + b, 0);
      expect(nonIpTotal).toBe(s.nonIp);
      whole.packets.forEach((p, i) => expect(p.packetNo).toBe(i + 1));
    });

    it('counts the container anomalies the file holds, and no others', () => {
      expect(readerAnomalies(whole)).toEqual(READER_ANOMALIES[rel] ?? {});
    });

    it.runIf(data.length <= ONE_BYTE_MAX)('gives identical results fed 1 byte at a time', () => {
      const r = traceRead(data, rel, [1]);
      expect(r.packets).toEqual(whole.packets);
      expect(r.anomalies).toEqual(whole.anomalies);
      expect(comparable(r.stats)).toEqual(comparable(s));
    });

    it('gives identical results fed in random chunks', () => {
      for (const seed of [1, 2]) {
        const r = traceRead(data, rel, randomSplit(seed * 7919 + data.length, 257, seed === 1 ? 97 : 9000));
        expect(r.packets).toEqual(whole.packets);
        expect(r.anomalies).toEqual(whole.anomalies);
        expect(comparable(r.stats)).toEqual(comparable(s));
      }
    });
  });
});

describe.skipIf(!HAVE_CORPUS)(corpusTitle('non-capture files under malformed/'), () => {
  if (!HAVE_CORPUS) return;
  const others: string[] = [];
  for (const dir of readdirSync(path.join(CORPUS, 'malformed'))) {
    for (const n of readdirSync(path.join(CORPUS, 'malformed', dir))) {
      if (/\.(log|json)$/.test(n)) others.push(path.join('malformed', dir, n));
    }
  }

  it('has the RITA log files', () => {
    expect(others.length).toBeGreaterThanOrEqual(5);
  });

  it.each(others)('%s is refused as not a capture, with one line naming the file', (rel) => {
    const r = traceRead(readFileSync(path.join(CORPUS, rel)), rel);
    expect(r.stats.error?.code).toBe(ErrorCodes.NOT_A_CAPTURE);
    expect(r.stats.error?.message).toContain(rel);
    expect(r.stats.error?.message).not.toContain('\n');
    expect(r.stats.packetsRead).toBe(0);
    // Zeek logs are named as such, so the user knows to use the log reader.
    const head = readFileSync(path.join(CORPUS, rel)).subarray(0, 1).toString();
    if (head === '#' || head === '{') expect(r.stats.error?.message).toMatch(/looks like a Zeek (TSV|JSON) log/);
  });
});

/** tcpdump test outputs: `%5u  ` packet number, then the timestamp (UTC, TZ=GMT0). */
const OUT_LINE = /^ {0,4}(\d+) {2}(?:(\d{4}-\d\d-\d\d) )?(?:(\d\d:\d\d:\d\d)\.(\d+)( \(invalid [un]s\))?)?/;

function tcpdumpOutputs(): Array<{ out: string; capture: string }> {
  const pairs: Array<{ out: string; capture: string }> = [];
  for (const folder of ['linktypes', 'malformed']) {
    for (const dir of readdirSync(path.join(CORPUS, folder))) {
      const abs = path.join(CORPUS, folder, dir);
      const names = readdirSync(abs);
      for (const out of names.filter((n) => n.endsWith('.out'))) {
        const stem = out.slice(0, -4);
        const cap = names.find((n) => /\.(pcap|pcapng)$/.test(n) && stem.startsWith(n.replace(/\.(pcap|pcapng)$/, '')));
        if (cap) pairs.push({ out: path.join(folder, dir, out), capture: path.join(folder, dir, cap) });
      }
    }
  }
  return pairs.sort((a, b) => a.out.localeCompare(b.out));
}

describe.skipIf(!HAVE_CORPUS)(corpusTitle('per-packet timestamps against tcpdump expected outputs'), () => {
  if (!HAVE_CORPUS) return;
  const pairs = tcpdumpOutputs();

  it('pairs every tcpdump output with its capture', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(20);
  });

  it.each(pairs)('$out', ({ out, capture }) => {
    const r = traceRead(load(capture), capture);
    let numbered = 0;
    let compared = 0;
    for (const line of readFileSync(path.join(CORPUS, out), 'utf8').split('\n')) {
      const m = OUT_LINE.exec(line);
      if (!m) continue;
      numbered++;
      const no = Number(m[1]);
      const p = r.packets[no - 1];
      expect(p, `packet ${no} of ${capture}`).toBeDefined();
      if (m[3] === undefined || m[5] !== undefined) continue; // no timestamp, or tcpdump's raw invalid value
      const digits = m[4].length;
      const frac = String(p.tsNsec).padStart(9, '0').slice(0, digits);
      const full = utcSeconds(p.tsSec);
      expect(`${m[2] ?? full.slice(0, 10)} ${m[3]}.${m[4]}`).toBe(`${full.slice(0, 10)} ${full.slice(11)}.${frac}`);
      compared++;
    }
    expect(numbered).toBe(r.stats.packetsRead);
    expect(compared).toBeGreaterThan(0);
  });

  it('carries out-of-range sub-second fields into the seconds (tcpdump marks them invalid)', () => {
    for (const [file, unit] of [
      ['malformed/tcpdump-invalid-timestamps/timestamp_invalid_micro.pcap', 1000],
      ['malformed/tcpdump-invalid-timestamps/timestamp_invalid_nano.pcap', 1],
    ] as const) {
      if (!existsSync(path.join(CORPUS, file))) continue;
      const r = traceRead(load(file), file);
      const [p1, p2, p3] = r.packets;
      // tcpdump: "17:16:10.1000000 (invalid us)" = one whole second after 17:16:10.
      expect(p2.tsSec - p1.tsSec).toBe(2);
      expect(p2.tsNsec).toBe(0);
      // "17:16:10.2147483648": 2147483648 units past 17:16:10.
      const units = 2147483648;
      const perSec = unit === 1000 ? 1e6 : 1e9;
      expect(p3.tsSec).toBe(p1.tsSec + 1 + Math.floor(units / perSec));
      expect(p3.tsNsec).toBe((units % perSec) * unit);
    }
  });
});

describe.skipIf(!HAVE_CORPUS)(corpusTitle('snaplen handling on the tcpdump fuzz files'), () => {
  if (!HAVE_CORPUS) return;
  it('cuts records above the snaplen to the snaplen, as libpcap does', () => {
    const rel = 'malformed/tcpdump-fuzz-caplen-gt-snaplen/dccp_options-oobr.pcap';
    const r = traceRead(load(rel), rel);
    // Record headers say 66, 82, 70, 166, 66, 162, 66, 162 with snaplen 70.
    expect(r.packets.map((p) => p.caplen)).toEqual([66, 70, 70, 70, 66, 70, 66, 70]);
    expect(r.packets.map((p) => p.wirelen)).toEqual([66, 82, 32582, 166, 66, 162, 66, 162]);
    // The next record still starts right after the whole stored record.
    expect(r.packets.map((p) => p.fileOffset)).toEqual([24, 106, 204, 290, 472, 554, 732, 814]);
  });

  it('takes an absurd header snaplen as a limit, not as an allocation size', () => {
    const rel = 'malformed/tcpdump-huge-snaplen/erspan-type-iii-pb-1.pcap';
    const r = traceRead(load(rel), rel);
    expect(r.stats.packetsRead).toBe(1);
    expect(r.packets[0].caplen).toBe(79);
  });
});
