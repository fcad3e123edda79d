/**
 * `konseki analyze --workers N` end to end: the written findings (CSV and JSON lines, GeoIP
 * on) are the same bytes for 1 and 2 workers, and bad values of --workers are usage errors.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/cli/commands/analyze.js';
import { EXIT_USAGE } from '../../src/cli/exit-codes.js';
import { defaultWorkerCount, workersAvailable } from '../../src/parallel/worker-pool.js';
import { buildCompiledTree, ROOT } from './compiled-tree.js';

const SAMPLE = path.join(ROOT, 'samples/c2-sample.pcap');
const CORPUS = path.resolve(ROOT, '../shared/corpus');
const env = { HOME: '/nonexistent-konseki-home' } as NodeJS.ProcessEnv;

class Collect extends Writable {
  chunks: Buffer[] = [];
  isTTY = false;
  _write(c: Buffer, _e: string, cb: () => void) {
    this.chunks.push(Buffer.from(c));
    cb();
  }
  text() {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

type Analyze = typeof runAnalyze;
let compiledAnalyze: Analyze;
beforeAll(async () => {
  const tree = buildCompiledTree();
  compiledAnalyze = ((await import(path.join(tree.dist, 'cli/commands/analyze.js'))) as { runAnalyze: Analyze }).runAnalyze;
});

async function run(fn: Analyze, args: Parameters<Analyze>[0]) {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await fn({ output: '-', quiet: true, ...args }, { stdout, stderr, env });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('konseki analyze --workers', () => {
  it('writes the same CSV and JSON lines for 1 and 2 workers (bundled sample)', async () => {
    for (const format of ['csv', 'jsonl']) {
      const one = await run(compiledAnalyze, { inputs: [SAMPLE], format, workers: 1 });
      const two = await run(compiledAnalyze, { inputs: [SAMPLE], format, workers: 2 });
      expect(one.code).toBe(0);
      expect(two.code).toBe(0);
      expect(one.out.split('\n').length).toBeGreaterThan(3);
      expect(two.out).toBe(one.out);
    }
  });

  it.skipIf(!existsSync(CORPUS))('writes the same CSV for 1 and 2 workers on a Zeek log set and a C2 capture (skipped without ../shared/corpus)', async () => {
    const inputs = [path.join(CORPUS, 'zeek-logs/rita-proxy-beacon-tsv'), path.join(CORPUS, 'c2/ppa-cryptowall4-http-c2/cryptowall4_c2.pcapng')];
    const one = await run(compiledAnalyze, { inputs, format: 'csv', workers: 1 });
    const two = await run(compiledAnalyze, { inputs, format: 'csv', workers: 2 });
    expect(two.code).toBe(one.code);
    expect(two.out).toBe(one.out);
  });

  it('rejects a --workers value that is not an integer from 1 to 64, or 0 for one per core (exit 2, one clear line)', async () => {
    for (const w of [-3, 2.5, 65]) {
      const r = await run(runAnalyze, { inputs: [SAMPLE], workers: w });
      expect(r.code).toBe(EXIT_USAGE);
      expect(r.err).toMatch(/^konseki: Invalid option: --workers must be an integer from 1 to 64, got /);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('says so when workers are asked for but the compiled worker script is missing (TypeScript sources)', async () => {
    const r = await run(runAnalyze, { inputs: [SAMPLE], workers: 2 });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toMatch(/--workers 2 needs the compiled worker script .*analysis-worker\.js/);
    // The default falls back to one thread there (test/cli/analyze.test.ts runs that path).
    expect(workersAvailable()).toBe(false);
    expect(defaultWorkerCount()).toBe(1);
  });
});

describe('worker failures', () => {
  it('a worker that dies makes the run fail with its message instead of waiting for ever', async () => {
    const tree = buildCompiledTree();
    const { WorkerPool } = (await import(path.join(tree.dist, 'parallel/worker-pool.js'))) as typeof import('../../src/parallel/worker-pool.js');
    const pool = new WorkerPool(1, 'zeek', () => {});
    const failed = pool.failed();
    pool.post(0, { type: 'close' });
    await expect(failed).rejects.toThrow(/analysis worker 0 exited/);
    await pool.close();
  });

  it('capture work sent to a Zeek worker is reported as that worker failing', async () => {
    const tree = buildCompiledTree();
    const { WorkerPool } = (await import(path.join(tree.dist, 'parallel/worker-pool.js'))) as typeof import('../../src/parallel/worker-pool.js');
    const pool = new WorkerPool(1, 'zeek', () => {});
    const failed = pool.failed();
    pool.post(0, { type: 'end-file', fileIndex: 0 });
    await expect(failed).rejects.toThrow(/analysis worker 0 failed: .*capture work sent to a Zeek worker/);
    await pool.close();
  });
});
