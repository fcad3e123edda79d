/**
 * The application-layer parsers called directly, without the capture path around them, so
 * that many more cases run per second: DNS messages (compression pointers anywhere, loops,
 * huge counts), TLS ClientHello/ServerHello (every length field), HTTP helpers. No exception,
 * and every result stays within its named cap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ANSWERS, MAX_NAME_LEN, parseDnsMessage, type DnsParseContext } from '../../src/app/dns/dns-message.js';
import { ja3, ja3s, ja4, MAX_LIST_ITEMS, parseClientHello, parseServerHello } from '../../src/app/tls/tls-hello.js';
import { dispositionFilename, sniffMime, text, unescapeUri, uriFilename } from '../../src/app/http/http-util.js';
import { dnsQuery, dnsResponse, tlsClientHello, tlsServerHello } from '../../src/synth/app-payloads.js';
import { mutate, rng32 } from './targets.mjs';
import { runCase } from './run-case.js';

const SEED = 0x61707073;

function weird(): DnsParseContext & { n: number } {
  const w = { n: 0, add(_code: string) {
    w.n++;
  } };
  return w as unknown as DnsParseContext & { n: number };
}

function checkDns(b: Buffer): void {
  runCase('dns-message', b, () => {
    const m = parseDnsMessage(b, 0, b.length, weird());
    if (m === null) return;
    // A name is cut at MAX_NAME_LEN bytes of text (UTF-8 or Latin-1: never more characters than bytes).
    if (m.qname !== null) expect(m.qname.length).toBeLessThanOrEqual(MAX_NAME_LEN);
    expect(m.answers.length).toBeLessThanOrEqual(MAX_ANSWERS);
    expect(m.ttls.length).toBeLessThanOrEqual(MAX_ANSWERS);
  });
}

/** A DNS message whose names are made of labels and pointers anywhere (forward, self, into the header). */
const dnsWithPointers = fc
  .record({
    header: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    parts: fc.array(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 70 }).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
        fc.integer({ min: 0, max: 0x3fff }).map((ptr) => Buffer.from([0xc0 | (ptr >> 8), ptr & 0xff])),
        fc.constant(Buffer.from([0])),
        fc.constant(Buffer.from([0x40])), // extended label type
        fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u)),
      ),
      { maxLength: 40 },
    ),
  })
  .map(({ header, parts }) => Buffer.concat([Buffer.from(header), ...parts]));

describe('DNS messages', () => {
  it('random bytes and random label/pointer soups', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (u) => checkDns(Buffer.from(u))), { seed: SEED, numRuns: 2000 });
    fc.assert(fc.property(dnsWithPointers, (b) => checkDns(b)), { seed: SEED, numRuns: 3000 });
  });

  it('mutations of valid queries and responses', () => {
    const seeds = [dnsQuery(1, 'www.example.com'), dnsQuery(2, 'a.b.c.d.e.f.g.example.org', 16), dnsResponse(3, 'x.example.net', ['192.0.2.1', '192.0.2.2', '192.0.2.3'])];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.integer(), (i, seed) => checkDns(mutate(rng32(seed), seeds[i], 'bytes').buf)),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('10,000 questions each pointing back at the one before, and a 64 KiB message of one-byte labels', () => {
    // Question i is the label 'a' then a pointer to question i-1: resolving it follows i jumps,
    // unless the jump cap stops it. Then answers the same way.
    for (const section of ['questions', 'answers'] as const) {
      const n = 10_000;
      const hdr = Buffer.from([0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0]);
      hdr.writeUInt16BE(section === 'questions' ? n : 1, 4);
      hdr.writeUInt16BE(section === 'answers' ? n : 0, 6);
      const parts: Buffer[] = [hdr];
      let off = 12;
      let prev = -1;
      for (let i = 0; i < n; i++) {
        const name = prev < 0 ? Buffer.from([1, 0x61, 0]) : Buffer.from([1, 0x61, 0xc0 | (prev >> 8), prev & 0xff]);
        const rest = section === 'questions' || i === 0 ? Buffer.from([0, 1, 0, 1]) : Buffer.from([0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]);
        parts.push(name, rest);
        prev = off;
        off += name.length + rest.length;
        if (off > 0x3fff) break; // pointers reach 14 bits
      }
      checkDns(Buffer.concat(parts));
    }
    checkDns(Buffer.concat([Buffer.from([0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.alloc(65535 - 12, 1)]));
  });
});

describe('TLS hellos', () => {
  const ch = tlsClientHello('www.example.com', Buffer.alloc(32, 7)).subarray(9); // past record + handshake headers
  const sh = tlsServerHello(Buffer.alloc(32, 9)).subarray(9);

  it('random bodies and mutated real ones: no exception, fingerprints computable, lists capped', () => {
    const check = (b: Buffer) =>
      runCase('tls-hello', b, () => {
        const c = parseClientHello(b, 0, b.length);
        if (c) {
          for (const l of [c.groups, c.pointFormats, c.sigAlgs, c.versions, c.alpn]) expect(l.length).toBeLessThanOrEqual(MAX_LIST_ITEMS);
          expect(typeof ja3(c)).toBe('string');
          expect(ja4(c, 't')).toMatch(/^t/);
        }
        const s = parseServerHello(b, 0, b.length);
        if (s) expect(typeof ja3s(s)).toBe('string');
      });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (u) => check(Buffer.from(u))), { seed: SEED, numRuns: 2000 });
    fc.assert(
      fc.property(fc.boolean(), fc.integer(), (client, seed) => check(mutate(rng32(seed), client ? ch : sh, 'bytes').buf)),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

describe('HTTP helpers', () => {
  it('text, URI unescaping, file names and MIME sniffing on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 100 }), (u, s) => {
        const b = Buffer.from(u);
        runCase('http-util', b, () => {
          text(b, 0, b.length);
          unescapeUri(b, 0, b.length);
          sniffMime(b, 0, b.length);
          dispositionFilename(s);
          uriFilename(s);
          uriFilename(b.toString('latin1'));
        });
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
