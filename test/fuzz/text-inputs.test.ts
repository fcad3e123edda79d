/**
 * Hostile text inputs the user hands in: indicator lists and CSV feeds, allow-lists, and the
 * config file. Random text, invalid UTF-8 (decoded as the loaders decode it), huge lines and
 * numbers, deep JSON nesting, prototype keys, and mutations of real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/config.js';
import { corpusSeeds, makeTargets, mutate, rng32 } from './targets.mjs';
import { CORPUS, HAVE_CORPUS, NO_CORPUS_MESSAGE, modules } from './modules.js';
import { runCase } from './run-case.js';

const targets = makeTargets(modules);
const SEED = 0x74657874;
const SIGNATURES = path.resolve(path.dirname(CORPUS), '../main/signatures');
const PROJECT_SIGNATURES = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../../signatures');

function signatureTexts(): [string, string][] {
  const out: [string, string][] = [];
  for (const dir of [PROJECT_SIGNATURES, SIGNATURES]) {
    if (!fs.existsSync(dir)) continue;
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (fs.statSync(p).size < 256 * 1024) out.push([p, fs.readFileSync(p, 'utf8')]);
      }
    };
    walk(dir);
    if (out.length) break;
  }
  return out;
}

/** Lines an indicator file might hold, good and hostile. */
const indicatorLine = fc.oneof(
  fc.constantFrom('1.2.3.4', '10.0.0.0/8', '::1', 'fe80::/10', 'evil.example.com', '*.evil.example', 'http://evil.example/x?y=1', 'e7d705a3286e19ea42f587b344ee6865', 't13d1516h2_8daaf6152771_b0da82dd1658', '1.2.3.4:443', '[::1]:80', '999.1.1.1', '1.2.3.4/33', '::/129', '# comment', '   ', '"quoted,field"', '"unclosed', 'a,b,c', 'ip,description', '0x7f000001', '١٢٣.١.١.١', 'xn--80ak6aa92e.com', '-', '=cmd|calc'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('indicator and allow-list files', () => {
  it('random lines, quoted CSV fields and headers never throw (CSV: only ERR_CONFIG)', () => {
    fc.assert(
      fc.property(fc.array(indicatorLine, { maxLength: 30 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) => {
        const text = lines.join(eol);
        runCase('indicators', text, () => targets.indicators(text));
        runCase('allow-list', text, () => targets.allowList(text));
        const feed = 'indicator,type,description' + eol + text;
        runCase('indicators', feed, () => targets.indicators(feed));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('invalid UTF-8, decoded the way the loaders read files', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const text = Buffer.from(bytes).toString('utf8');
        runCase('indicators', text, () => targets.indicators(text));
        runCase('allow-list', text, () => targets.allowList(text));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('one 200 KB line and 50,000 short lines stay within the time bound', () => {
    const long = 'a'.repeat(200_000) + '.example.com';
    runCase('indicators', long, () => targets.indicators(long));
    runCase('allow-list', long, () => targets.allowList(long));
    const many = Array.from({ length: 50_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`).join('\n');
    const r = runCase('indicators', many, () => targets.indicators(many));
    expect(r.list).toBe(50_000);
  });

  it('mutations of the shipped signature files', () => {
    const files = signatureTexts().filter(([p]) => !p.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: files.length - 1 }), fc.integer(), (i, seed) => {
        const { buf } = mutate(rng32(seed), Buffer.from(files[i][1]), 'text');
        const text = buf.toString('utf8');
        runCase('indicators', text, () => targets.indicators(text));
        runCase('allow-list', text, () => targets.allowList(text));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe('config file', () => {
  const valid = JSON.stringify({ ...defaultConfig(), internalNetworks: ['10.0.0.0/8'], thresholds: {}, resolvers: ['10.0.0.53'] }, null, 2);

  it('the default config parses', () => {
    expect(runCase('config', valid, () => targets.config(valid)).ok).toBe(true);
  });

  it('random JSON values and objects with config keys: a config or ERR_CONFIG, nothing else', () => {
    const keys = Object.keys(defaultConfig()).concat(['__proto__', 'constructor', 'prototype', 'toString', 'beacon', 'weights']);
    const obj = fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 });
    fc.assert(
      fc.property(fc.oneof(obj, fc.jsonValue({ maxDepth: 5 })), (v) => {
        const text = JSON.stringify(v) ?? 'null';
        runCase('config', text, () => targets.config(text));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('mutated config text, deep nesting, huge numbers, a BOM, invalid UTF-8', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const { buf } = mutate(rng32(seed), Buffer.from(valid), 'text');
        const text = buf.toString('utf8');
        runCase('config', text, () => targets.config(text));
      }),
      { seed: SEED, numRuns: 300 },
    );
    for (const text of ['[' .repeat(200_000) + ']'.repeat(200_000), '{"caps":' + '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_001), '{"caps":{"maxFlows":1e999}}', '{"thresholds":{"beacon":-1e308}}', '\ufeff{}', '\ufeff', '', '{"__proto__":{"polluted":1}}', '{"internalNetworks":["' + '1'.repeat(100_000) + '"]}']) {
      runCase('config', text, () => targets.config(text));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe.skipIf(!HAVE_CORPUS)('corpus text files as indicator lists and configs', () => {
  if (!HAVE_CORPUS) it.skip(NO_CORPUS_MESSAGE, () => {});
  it('any text is data, never a crash', () => {
    const seeds = corpusSeeds(CORPUS, 64 * 1024, { fs, path, zlib });
    expect(seeds.text.length).toBeGreaterThan(10);
    for (const [, text] of seeds.text.slice(0, 80)) {
      runCase('indicators', text, () => targets.indicators(text));
      runCase('allow-list', text, () => targets.allowList(text));
      runCase('config', text, () => targets.config(text));
    }
  });
});
