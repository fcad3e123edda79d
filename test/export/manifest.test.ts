// Tests for src/cli/manifest.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest, digestFile, sha256File, writeManifest, MANIFEST_SCHEMA } from '../../src/cli/manifest.js';
import { makeRun } from './fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CORPUS = resolve(HERE, '../../../shared/corpus');
const TMP = mkdtempSync(join(tmpdir(), 'konseki-manifest-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('SHA-256 of inputs', () => {
  it('matches the known digest of the empty file and of "abc" (FIPS 180-2 example)', async () => {
    const empty = join(TMP, 'empty');
    writeFileSync(empty, '');
    expect(await sha256File(empty)).toEqual({ sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', bytes: 0 });
    const abc = join(TMP, 'abc');
    writeFileSync(abc, 'abc');
    expect((await sha256File(abc)).sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('streams files larger than one read and reports progress', async () => {
    const big = join(TMP, 'big');
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    writeFileSync(big, data);
    const seen: number[] = [];
    const r = await sha256File(big, (n) => seen.push(n));
    expect(r.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toBe(data.length);
  });

  it('notes stdin and unreadable files instead of failing', async () => {
    expect(await digestFile('-')).toMatchObject({ sha256: null, note: 'read from standard input: not hashed' });
    const d = await digestFile(join(TMP, 'nope'));
    expect(d.sha256).toBeNull();
    expect(d.note).toMatch(/ENOENT/);
  });

  // Golden: the corpus files' sizes are documented in SOURCES.md; the digest is checked
  // against sha256sum (coreutils), an independent implementation.
  describe.skipIf(!existsSync(CORPUS))('corpus captures', () => {
    const files: [string, number][] = [
      ['c2/zeek-merlin-c2-quic/merlinc2_Zeek_example.pcapng', 59252],
      ['c2/slips-beacon-https-periodic-2s/test-cc-capture-1.pcap', 2072846],
    ];
    it.each(files)('%s', async (rel, size) => {
      const p = join(CORPUS, rel);
      const r = await sha256File(p);
      expect(r.bytes).toBe(size);
      let ref: string | null = null;
      try {
        ref = execFileSync('sha256sum', [p], { encoding: 'utf8' }).split(' ')[0];
      } catch {
        ref = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
      expect(r.sha256).toBe(ref);
    });
  });
});

describe('manifest', () => {
  it('records inputs, databases, config, files, options and versions, and writes JSON atomically', async () => {
    const input = join(TMP, 'in.pcap');
    writeFileSync(input, 'abc');
    const cfg = join(TMP, 'config.json');
    writeFileSync(cfg, '{}');
    const run = makeRun({ configPath: cfg });
    run.inputs = [
      { path: input, format: 'pcap', bytes: 3 },
      { path: '-', format: 'pcap', bytes: null },
    ];
    run.geoip = [{ role: 'country', path: join(TMP, 'abc'), databaseType: 'country ipvAll', buildDate: null, origin: 'option', license: null }];
    const m = await buildManifest(run, { files: [{ role: 'output', path: join(TMP, 'empty') }] });
    expect(m.schema).toBe(MANIFEST_SCHEMA);
    expect(m.tool).toMatchObject({ name: 'konseki', version: '0.1.0', node: process.version });
    expect(m.command).toEqual(['analyze', 'test-cc-capture-1.pcap', '--format', 'html']);
    expect(m.options).toEqual({ format: 'html' });
    expect(m.inputs[0]).toMatchObject({ path: input, absolutePath: input, bytes: 3, format: 'pcap', sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
    expect(m.inputs[1].sha256).toBeNull();
    expect(run.inputs[0].sha256).toBe(m.inputs[0].sha256); // the HTML report shows it
    expect(m.geoip[0]).toMatchObject({ role: 'country', sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 });
    expect(m.config).toMatchObject({ path: cfg, sha256: createHash('sha256').update('{}').digest('hex') });
    expect(m.files[0]).toMatchObject({ role: 'output', bytes: 0 });
    expect(m.run).toMatchObject({ flows: 300, interrupted: false, startedAt: '2026-01-02T03:04:05.000Z' });
    const out = join(TMP, 'manifest.json');
    await writeManifest(out, m);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(m)));
  });
});
