/**
 * Worker threads need JavaScript files, and vitest runs the TypeScript sources. This helper
 * transpiles src/ (TypeScript's transpileModule: no type check, same code) into a temporary
 * package laid out like the real one (dist/, with package.json, node_modules, signatures and
 * assets linked from the project root), so the tests run the real pipeline, main thread and
 * workers alike, from one consistent tree.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
}

/**
 * Builds the tree, or reuses the one built from the same sources (keyed by a hash of every
 * source file's path, size and modification time), so that several test files share it.
 * It lives in the temp folder and is left there for the next run.
 */
export function buildCompiledTree(): { root: string; dist: string; remove: () => void } {
  const src = path.join(ROOT, 'src');
  const files: string[] = [];
  walk(src, files);
  files.sort();
  const h = createHash('sha1');
  for (const f of files) {
    const st = statSync(f);
    h.update(`${path.relative(src, f)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  const final = path.join(tmpdir(), `konseki-parallel-tree-${h.digest('hex').slice(0, 16)}`);
  const done = (root: string) => ({ root, dist: path.join(root, 'dist'), remove: () => {} });
  if (existsSync(path.join(final, 'complete'))) return done(final);

  const root = mkdtempSync(path.join(tmpdir(), 'konseki-parallel-build-'));
  const dist = path.join(root, 'dist');
  for (const f of files) {
    const out = path.join(dist, path.relative(src, f)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(out), { recursive: true });
    const r = ts.transpileModule(readFileSync(f, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: f,
    });
    writeFileSync(out, r.outputText);
  }
  for (const name of ['package.json', 'node_modules', 'signatures', 'assets', 'NOTICE']) {
    if (existsSync(path.join(ROOT, name))) symlinkSync(path.join(ROOT, name), path.join(root, name));
  }
  writeFileSync(path.join(root, 'complete'), '');
  try {
    renameSync(root, final);
    return done(final);
  } catch {
    // Another test file built the same tree first: use it.
    rmSync(root, { recursive: true, force: true });
    return done(final);
  }
}
