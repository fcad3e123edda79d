/**
 * Hostile captures through the whole capture path (container reader, every link and protocol
 * decoder, IP reassembly, flow table, DNS/HTTP/TLS/QUIC analyzers, Zeek writers): random
 * bytes, corpus files and synthetic app-layer traces with bit flips, truncations at every
 * boundary, duplicated and swapped records, huge length fields. Seeded, so every run checks
 * the same cases; `node bench/fuzz.mjs` runs many more.
 */
import fs, { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib, { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureBlocks, captureMagics, corpusSeeds, makeTargets, mutate, rng32, syntheticCaptures } from './targets.mjs';
import { CORPUS, HAVE_CORPUS, NO_CORPUS_MESSAGE, modules, synth } from './modules.js';
import { runCase, runCaseAsync } from './run-case.js';
import { readCapture } from '../../src/ingest/capture-reader.js';
import { KonsekiError } from '../../src/core/errors.js';

const targets = makeTargets(modules);
const SEED = 0x6b6f6e73;
const seeds: { captures: [string, Buffer][] } = corpusSeeds(CORPUS, 640 * 1024, { fs, path, zlib });
const synthetic: [string, Buffer][] = syntheticCaptures(synth);

function capture(input: Buffer, opts: { chunkSize?: number; splitCheck?: number } = {}) {
  return runCase('capture', input, () => targets.capture(input, opts));
}

describe('synthetic app-layer captures', () => {
  it('parse cleanly and give records to every writer', () => {
    const byName = new Map<string, ReturnType<typeof capture>>();
    for (const [name, buf] of synthetic) byName.set(name, capture(buf, { splitCheck: 7 }));
    expect(byName.get('dns-udp')!.records.dns).toBeGreaterThanOrEqual(2);
    expect(byName.get('http')!.records.http).toBeGreaterThanOrEqual(2);
    expect(byName.get('tls')!.records.ssl).toBe(1);
    // Hostile payloads still end as connections with their packets accounted.
    expect(byName.get('dns-hostile')!.flows).toBeGreaterThan(0);
    expect(byName.get('http-hostile')!.flows).toBe(1);
    // The inner DNS query of the VXLAN and Geneve frames is decoded, nesting stops at the tunnel cap.
    expect(byName.get('encapsulations')!.packets).toBe(6);
    expect(byName.get('encapsulations')!.records.dns).toBeGreaterThanOrEqual(1);
  });

  it('survive mutations', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: synthetic.length - 1 }), fc.integer(), (i, seed) => {
        const r = rng32(seed);
        const { buf } = mutate(r, synthetic[i][1], 'capture');
        capture(buf, { splitCheck: seed % 3 === 0 ? 1 + (seed >>> 0) % 1500 : undefined });
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe('random bytes', () => {
  it('behind every capture magic and link type', () => {
    const magics = captureMagics();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: magics.length - 1 }), fc.uint8Array({ maxLength: 2048 }), (i, bytes) => {
        capture(Buffer.concat([magics[i], Buffer.from(bytes)]));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('with no magic at all, plain and gzip-compressed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const b = Buffer.from(bytes);
        capture(b);
        capture(gzipSync(b));
        // A gzip stream cut short, and one with a corrupt body.
        const gz = gzipSync(b);
        capture(gz.subarray(0, Math.max(2, gz.length >> 1)));
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe.skipIf(!HAVE_CORPUS)('corpus captures', () => {
  if (!HAVE_CORPUS) it.skip(NO_CORPUS_MESSAGE, () => {});

  it('each file is read whole and in odd chunks with the same accounting', () => {
    expect(seeds.captures.length).toBeGreaterThan(50);
    for (const [, buf] of seeds.captures) capture(buf, { splitCheck: 1 + (buf.length % 97) });
  });

  it('truncated at every record boundary, and one byte either side', () => {
    let cases = 0;
    for (const [, buf] of seeds.captures) {
      const s = captureBlocks(buf);
      if (!s || buf.length > 8 * 1024) continue;
      for (const [, end] of s.blocks.slice(0, 8)) {
        for (const cut of [end - 1, end, end + 1]) {
          if (cut < 0 || cut > buf.length) continue;
          capture(buf.subarray(0, cut));
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(100);
  });

  it('truncated at every byte (small files)', () => {
    const small = seeds.captures.filter(([, b]) => b.length <= 700).slice(0, 5);
    expect(small.length).toBeGreaterThan(3);
    for (const [, buf] of small) for (let cut = 0; cut <= buf.length; cut++) capture(buf.subarray(0, cut));
  });

  it('survive bit flips, duplicated/swapped/dropped records and huge lengths', () => {
    const pool = seeds.captures.filter(([, b]) => b.length <= 64 * 1024);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: pool.length - 1 }), fc.integer(), (i, seed) => {
        const r = rng32(seed);
        const { buf } = mutate(r, pool[i][1], 'capture');
        capture(buf, { splitCheck: seed % 4 === 0 ? 1 + ((seed >>> 0) % 4096) : undefined });
      }),
      { seed: SEED, numRuns: 250 },
    );
  });
});

describe('gzip captures through the streaming reader (readCapture)', () => {
  it('cut short, corrupted, concatenated, with trailing garbage: accounting holds, errors are ERR_*', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'konseki-fuzz-gz-'));
    try {
      const base = synthetic.map(([, b]) => b);
      const r = rng32(SEED);
      const cases: Buffer[] = [];
      for (let k = 0; k < 24; k++) {
        const src = base[k % base.length];
        const gz = gzipSync(k % 3 === 0 ? mutate(r, src, 'capture').buf : src);
        const variant = k % 6;
        if (variant === 0) cases.push(gz.subarray(0, Math.floor(r() * gz.length)));
        else if (variant === 1) cases.push(mutate(r, gz, 'bytes').buf);
        else if (variant === 2) cases.push(Buffer.concat([gz, gzipSync(src.subarray(24))]));
        else if (variant === 3) cases.push(Buffer.concat([gz, Buffer.from('trailing garbage')]));
        else if (variant === 4) cases.push(Buffer.concat([gz.subarray(0, 10), Buffer.alloc(100, 0xff)]));
        else cases.push(gz);
      }
      for (const [i, input] of cases.entries()) {
        const f = path.join(dir, `case-${i}.pcap.gz`);
        writeFileSync(f, input);
        await runCaseAsync('capture-gzip', input, async () => {
          const anomalies = new modules.AnomalyCounter();
          const decoder = new modules.PacketDecoder(anomalies);
          const st = await readCapture(f, 0, () => {}, { anomalies, decoder, chunkSize: 1 + ((i * 977) % 4096) });
          expect(st.packetsRead).toBe(st.ip + st.nonIp + st.anomalies + st.fragments);
          if (st.error) {
            expect(st.error).toBeInstanceOf(KonsekiError);
            expect(st.error.code).toMatch(/^ERR_[A-Z_]+$/);
            expect(st.error.message).toContain(f);
          }
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('huge length fields never allocate', () => {
  function memDelta(fn: () => void): number {
    const before = process.memoryUsage().arrayBuffers;
    fn();
    return process.memoryUsage().arrayBuffers - before;
  }
  const MiB = 1024 * 1024;

  it('pcap record length 0xFFFFFFFF stops the file with ERR_PCAP_RECORD_TOO_LARGE', () => {
    const h = captureMagics()[3]; // pcap LE (written little-endian), link type 1 (Ethernet)
    for (const len of [0xffffffff, 0x7fffffff, 0x10000000, 262145]) {
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(len, 8);
      rec.writeUInt32LE(len, 12);
      const input = Buffer.concat([h, rec, Buffer.alloc(64)]);
      let out: ReturnType<typeof capture> | undefined;
      const d = memDelta(() => (out = capture(input)));
      expect(d).toBeLessThan(16 * MiB);
      expect(out!.error).toBe('ERR_PCAP_RECORD_TOO_LARGE');
    }
  });

  it('pcapng block length 0xFFFFFFF0 stops the file without buffering it', () => {
    const shbIdb = captureMagics()[5];
    const epb = Buffer.alloc(32);
    epb.writeUInt32LE(6, 0);
    epb.writeUInt32LE(0xfffffff0, 4);
    const input = Buffer.concat([shbIdb, epb]);
    let out: ReturnType<typeof capture> | undefined;
    const d = memDelta(() => (out = capture(input)));
    expect(d).toBeLessThan(16 * MiB);
    expect(out!.error).toMatch(/^ERR_PCAPNG_/);
  });

  it('IP, UDP and TCP length fields of 0xFFFF over a short frame', () => {
    const frame = synth.udpFrame('10.0.0.1', 1234, '10.0.0.2', 53, synth.dnsQuery(1, 'a.example'));
    const p = new synth.PcapBuffer();
    for (const [off, v] of [[16, 0xffff], [38, 0xffff], [38, 0], [14, 0x4f]] as const) {
      const f = Buffer.from(frame);
      if (off === 14) f[off] = v;
      else f.writeUInt16BE(v, off);
      p.add(1700000000, f);
    }
    const d = memDelta(() => capture(p.toBuffer()));
    expect(d).toBeLessThan(16 * MiB);
  });

  it('DNS claiming 65535 records, TLS lengths 0xFFFF/0xFFFFFF, HTTP Content-Length 10^23 and chunk 2^80', () => {
    for (const name of ['dns-hostile', 'tls-hostile', 'tls-bad-sni', 'http-hostile']) {
      const [, buf] = synthetic.find(([n]) => n === name)!;
      const d = memDelta(() => capture(buf));
      expect(d, name).toBeLessThan(16 * MiB);
    }
  });
});

describe.skipIf(!HAVE_CORPUS)('corpus seeds are read in place', () => {
  it('from ../shared/corpus', () => {
    expect(readFileSync(path.join(CORPUS, 'SOURCES.md'), 'utf8').length).toBeGreaterThan(0);
  });
});
