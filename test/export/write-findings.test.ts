import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Writable } from 'node:stream';
import ts from 'typescript';
import { parse } from 'csv-parse/sync';
import { chooseFormat, writeFindings } from '../../src/export/write-findings.js';
import { AtomicFile, pendingTempFiles, removePendingTempFiles, writeFileAtomic } from '../../src/export/atomic-file.js';
import { KonsekiError } from '../../src/core/errors.js';
import { makeFinding, makeFindings, makeRun } from './fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const TMP = mkdtempSync(join(tmpdir(), 'konseki-write-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function collect(): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('writeFindings', () => {
  it('writes each format to a file, atomically, with no temporary file left', async () => {
    const findings = makeFindings();
    for (const format of ['csv', 'jsonl', 'table', 'html'] as const) {
      const out = join(TMP, `out.${format}`);
      const r = await writeFindings(findings, { format, out, run: makeRun() });
      expect(r).toMatchObject({ format, out, rows: findings.length, brokenPipe: false });
      const text = readFileSync(out, 'utf8');
      expect(Buffer.byteLength(text)).toBe(r.bytes);
      if (format === 'csv') expect((parse(text) as string[][]).length).toBe(findings.length + 1);
      if (format === 'jsonl') expect(text.trimEnd().split('\n').length).toBe(findings.length);
      if (format === 'table') expect(text).not.toContain('\x1b['); // a file never gets colour
      if (format === 'html') expect(text.startsWith('<!DOCTYPE html>')).toBe(true);
    }
    expect(readdirSync(TMP).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(pendingTempFiles()).toEqual([]);
  });

  it('writes large outputs in batches to stdout and respects backpressure', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => makeFinding({ findingId: `n-${i}` }));
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk, _enc, cb) {
        received.push(chunk as Buffer);
        setImmediate(cb);
      },
    });
    const received: Buffer[] = [];
    const r = await writeFindings(many, { format: 'csv', out: '-', run: makeRun(), stdout: slow });
    expect(r.rows).toBe(3000);
    const text = Buffer.concat(received).toString('utf8');
    expect(Buffer.byteLength(text)).toBe(r.bytes);
    expect((parse(text) as string[][]).length).toBe(3001);
  });

  it('ends quietly when the reader of stdout goes away (EPIPE)', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => makeFinding({ findingId: `n-${i}` }));
    let writes = 0;
    const closing = new Writable({
      write(_chunk, _enc, cb) {
        writes++;
        const e = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        cb(e);
      },
    });
    const r = await writeFindings(many, { format: 'jsonl', out: '-', run: makeRun(), stdout: closing });
    expect(r.brokenPipe).toBe(true);
    expect(writes).toBe(1);
  });

  it('colours the table only on a TTY without NO_COLOR', async () => {
    const tty = collect();
    tty.stream.isTTY = true;
    tty.stream.columns = 150;
    await writeFindings(makeFindings(), { format: 'table', out: '-', run: makeRun(), stdout: tty.stream, env: {} });
    expect(tty.text()).toContain('\x1b[');
    for (const line of tty.text().replace(/\x1b\[[0-9;]*m/g, '').trimEnd().split('\n')) expect(Array.from(line).length).toBeLessThanOrEqual(150);

    const noColor = collect();
    noColor.stream.isTTY = true;
    await writeFindings(makeFindings(), { format: 'table', out: '-', run: makeRun(), stdout: noColor.stream, env: { NO_COLOR: '1' } });
    expect(noColor.text()).not.toContain('\x1b[');

    const pipe = collect();
    await writeFindings(makeFindings(), { format: 'table', out: '-', run: makeRun(), stdout: pipe.stream, env: {} });
    expect(pipe.text()).not.toContain('\x1b[');
  });

  it('leaves what was there when the new file cannot be put in place, and removes its temporary file', async () => {
    // The target is a non-empty folder: rename(2) fails (EISDIR/ENOTEMPTY) even for root.
    const out = join(TMP, 'occupied');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'previous\n');
    await expect(writeFindings(makeFindings(), { format: 'csv', out, run: makeRun() })).rejects.toMatchObject({ code: 'ERR_IO' });
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('previous\n');
    expect(readdirSync(TMP).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(pendingTempFiles()).toEqual([]);
  });

  it('reports a missing output folder as ERR_IO naming the path', async () => {
    const out = join(TMP, 'no', 'such', 'dir', 'x.csv');
    const err = await writeFindings([], { format: 'csv', out, run: makeRun() }).catch((e) => e);
    expect(err).toBeInstanceOf(KonsekiError);
    expect(err.code).toBe('ERR_IO');
    expect(err.message).toContain(out);
  });
});

describe('chooseFormat', () => {
  it('follows the flag, then the extension, then the terminal', () => {
    expect(chooseFormat('jsonl', 'x.csv', true)).toBe('jsonl');
    expect(chooseFormat(null, 'x.csv', true)).toBe('csv');
    expect(chooseFormat(null, 'x.ndjson', true)).toBe('jsonl');
    expect(chooseFormat(null, 'REPORT.HTML', false)).toBe('html');
    expect(chooseFormat(null, 'x.out', true)).toBe('csv');
    expect(chooseFormat(undefined, '-', true)).toBe('table');
    expect(chooseFormat(undefined, '-', false)).toBe('csv');
    expect(() => chooseFormat('xml', '-', false)).toThrow(/Unknown output format "xml"/);
  });
});

describe('AtomicFile', () => {
  it('abort leaves the previous file; commit replaces it', async () => {
    const out = join(TMP, 'atomic.txt');
    writeFileSync(out, 'old');
    const f = await AtomicFile.open(out);
    await f.write('new content');
    expect(readFileSync(out, 'utf8')).toBe('old');
    expect(existsSync(f.tempPath)).toBe(true);
    expect(dirname(f.tempPath)).toBe(dirname(out));
    await f.abort();
    expect(existsSync(f.tempPath)).toBe(false);
    expect(readFileSync(out, 'utf8')).toBe('old');
    await writeFileAtomic(out, 'new');
    expect(readFileSync(out, 'utf8')).toBe('new');
  });

  it('lets the write finish when the program handles SIGINT itself; cleanup removes what is left', async () => {
    const out = join(TMP, 'sig.txt');
    writeFileSync(out, 'old');
    const other = () => undefined;
    process.on('SIGINT', other);
    try {
      const f = await AtomicFile.open(out);
      await f.write('partial');
      process.emit('SIGINT', 'SIGINT');
      expect(existsSync(f.tempPath)).toBe(true);
      await f.write(' and the rest');
      await f.commit();
      expect(readFileSync(out, 'utf8')).toBe('partial and the rest');

      const g = await AtomicFile.open(out);
      await g.write('never finished');
      expect(pendingTempFiles()).toEqual([g.tempPath]);
      removePendingTempFiles(); // what the process exit hook does
      expect(existsSync(g.tempPath)).toBe(false);
      expect(readFileSync(out, 'utf8')).toBe('partial and the rest');
      await g.abort();
      expect(pendingTempFiles()).toEqual([]);
    } finally {
      process.removeListener('SIGINT', other);
    }
  });

  it('adds one error listener to stdout however many times it writes', async () => {
    const s = collect();
    const before = s.stream.listenerCount('error');
    for (let i = 0; i < 15; i++) await writeFindings([makeFinding()], { format: 'csv', out: '-', run: makeRun(), stdout: s.stream });
    expect(s.stream.listenerCount('error')).toBe(before + 1);
  });

  // A real signal to a real process: compile atomic-file.ts (and the core module it imports)
  // with the TypeScript compiler into a temp folder, start a writer, interrupt it mid-write.
  it('a SIGINT mid-write ends the process and leaves the previous file, no temporary file', async () => {
    const build = join(TMP, 'build');
    for (const rel of ['export/atomic-file.ts', 'core/errors.ts']) {
      const src = readFileSync(join(ROOT, 'src', rel), 'utf8');
      const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
      mkdirSync(join(build, dirname(rel)), { recursive: true });
      writeFileSync(join(build, rel.replace(/\.ts$/, '.js')), js);
    }
    writeFileSync(join(build, 'package.json'), '{"type":"module"}');
    const dir = join(TMP, 'sigdir');
    mkdirSync(dir);
    const out = join(dir, 'report.csv');
    writeFileSync(out, 'previous complete report\n');
    writeFileSync(
      join(build, 'child.js'),
      `import { AtomicFile } from './export/atomic-file.js';
       const f = await AtomicFile.open(process.argv[2]);
       await f.write('half a report\\n');
       process.stdout.write('READY\\n');
       setInterval(() => { f.write('more\\n'); }, 20);`,
    );
    const child = spawn(process.execPath, [join(build, 'child.js'), out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('READY')) res();
      });
      child.on('exit', () => rej(new Error('child exited early: ' + stderr)));
    });
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(true);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.on('exit', (code, signal) => res({ code, signal })),
    );
    child.kill('SIGINT');
    const { code, signal } = await exited;
    expect(signal === 'SIGINT' || code === 130).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('previous complete report\n');
    expect(readdirSync(dir)).toEqual(['report.csv']);
  }, 30_000);
});
