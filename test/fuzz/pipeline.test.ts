/**
 * The whole pipeline (classifyInputs + runAnalysis, with the shipped signatures) over mutated
 * corpus captures and Zeek logs written to a temporary folder (the corpus itself is read in
 * place; only mutated copies go to the temporary folder, never into the project). No
 * exception escapes, packet and line accounting add up per input, and the findings write
 * back as valid CSV and JSON lines.
 */
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib, { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { EnrichedFinding } from '../../src/core/finding.js';
import { defaultConfig, detectConfigFrom } from '../../src/cli/config.js';
import { loadSignatures } from '../../src/cli/signatures.js';
import { classifyInputs, runAnalysis } from '../../src/pipeline.js';
import { corpusSeeds, makeTargets, mutate, rng32, syntheticCaptures } from './targets.mjs';
import { CORPUS, HAVE_CORPUS, NO_CORPUS_MESSAGE, modules, synth } from './modules.js';
import { runCaseAsync } from './run-case.js';

const targets = makeTargets(modules);
const SEED = 0x70697065;

describe('runAnalysis over mutated inputs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'konseki-fuzz-pipeline-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  if (!HAVE_CORPUS) it.skip(NO_CORPUS_MESSAGE, () => {});

  it.skipIf(!HAVE_CORPUS)('mixed captures and Zeek logs, some gzipped, several rounds', async () => {
    const seeds = corpusSeeds(CORPUS, 128 * 1024, { fs, path, zlib });
    const captures: [string, Buffer][] = [...seeds.captures, ...syntheticCaptures(synth)];
    const logs: [string, Buffer][] = seeds.zeekPlain;
    const signatures = loadSignatures({}, new AnomalyCounter());
    const r = rng32(SEED);
    for (let round = 0; round < 4; round++) {
      const files: string[] = [];
      const written: Buffer[] = [];
      for (let k = 0; k < 4; k++) {
        const [name, buf] = captures[Math.floor(r() * captures.length)];
        let b = mutate(r, buf, 'capture').buf;
        if (r() < 0.3) b = gzipSync(b);
        const f = path.join(dir, `r${round}-c${k}-${path.basename(name)}`);
        writeFileSync(f, b);
        written.push(b);
        files.push(f);
      }
      for (let k = 0; k < 3; k++) {
        const [name, buf] = logs[Math.floor(r() * logs.length)];
        let b = mutate(r, buf, 'text').buf;
        if (r() < 0.3) b = gzipSync(b);
        const f = path.join(dir, `r${round}-l${k}-${path.basename(name)}`);
        writeFileSync(f, b);
        written.push(b);
        files.push(f);
      }
      await runCaseAsync('pipeline', Buffer.concat(written), async () => {
        const anomalies = new AnomalyCounter();
        const inputs = await classifyInputs(files);
        const detect = { ...detectConfigFrom(defaultConfig()), ...signatures };
        const res = await runAnalysis({ inputs, detect, anomalies });
        let read = 0;
        for (const c of res.captures) {
          expect(c.packetsRead).toBe(c.ip + c.nonIp + c.anomalies + c.fragments);
          read += c.packetsRead;
        }
        expect(res.packets.read).toBe(read);
        if (res.zeek) {
          for (const f of res.zeek.files) {
            const skipped = Object.values(f.skipped).reduce((a, b) => a + b, 0);
            expect(f.linesRead).toBe(f.records + skipped);
          }
        }
        for (const f of res.findings) targets.findings({ ...f, srcGeo: null, destGeo: null } as EnrichedFinding);
      });
    }
  });
});
