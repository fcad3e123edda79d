/**
 * Corrupted captures never crash or hang the reader: random byte flips, overwritten
 * length fields and cuts of real corpus files, fed in random chunks, always end with the
 * accounting intact and, when reading stopped, one of the documented error codes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { ErrorCodes } from '../../src/core/errors.js';
import { CaptureReader } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { CORPUS, HAVE_CORPUS, corpusTitle } from './pcap/corpus-helpers.js';

const FILES = [
  'zeek-traces/http-get/get.pcap',
  'linktypes/big-endian-pptp-tcpdump/pptp.pcap',
  'linktypes/nanosecond-sll-tcp-handshake-tcpdump/tcp-handshake-nano.pcap',
  'zeek-traces/pcapng-multi-interface/pcapng-multi-interface.pcapng',
  'linktypes/pcapng-conformance-little-endian-difficult/test202.pcapng',
];

const KNOWN = new Set<string>([
  ErrorCodes.NOT_A_CAPTURE,
  ErrorCodes.PCAP_BAD_HEADER,
  ErrorCodes.PCAP_RECORD_TOO_LARGE,
  ErrorCodes.PCAP_TRUNCATED,
  ErrorCodes.PCAPNG_BAD_BLOCK,
  ErrorCodes.PCAPNG_BLOCK_TOO_LARGE,
]);

describe.skipIf(!HAVE_CORPUS)(corpusTitle('capture reader on corrupted corpus files'), () => {
  if (!HAVE_CORPUS) return;
  const originals = FILES.map((f) => readFileSync(path.join(CORPUS, f)));

  it('always terminates with consistent accounting and a documented error', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: FILES.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 3 }),
        fc.option(fc.nat()),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
        (which, flips, words, cut, chunks) => {
          const data = Buffer.from(originals[which]);
          for (const [at, v] of flips) data[at % data.length] = v;
          // Overwrite aligned 32-bit words: hits length fields far more often than byte flips.
          for (const [at, v] of words) {
            const o = (at % Math.max(1, data.length - 4)) & ~3;
            if (o + 4 <= data.length) data.writeUInt32LE(v >>> 0, o);
          }
          const input = cut === null ? data : data.subarray(0, cut % (data.length + 1));
          const anomalies = new AnomalyCounter();
          let delivered = 0;
          const reader = new CaptureReader('fuzz', 0, () => delivered++, { anomalies, decoder: new PacketDecoder(anomalies) });
          let off = 0;
          let i = 0;
          while (off < input.length) {
            const n = chunks[i++ % chunks.length];
            if (!reader.push(input.subarray(off, off + n))) break;
            off += n;
          }
          const s = reader.end();
          expect(s.packetsRead).toBe(delivered);
          expect(s.ip + s.nonIp + s.anomalies + s.fragments).toBe(s.packetsRead);
          // A record needs at least its header: no more packets than the input could hold.
          expect(s.packetsRead).toBeLessThanOrEqual(Math.ceil(input.length / 12));
          if (s.error) {
            expect(KNOWN.has(s.error.code), s.error.message).toBe(true);
            expect(s.error.message).toContain('fuzz');
          }
          if (s.truncated) expect(s.error?.code).toBe(ErrorCodes.PCAP_TRUNCATED);
        },
      ),
      { numRuns: 400, seed: 20261129 },
    );
  });
});
