/**
 * Worker threads need JavaScript files, and vitest runs the TypeScript sources. This helper
 * transpiles src/ (TypeScript's transpileModule: no type check, same code) into a temporary
 * package laid out like the real one (dist/, with package.json, node_modules, signatures and
 * assets linked from the project root), so the tests run the real pipeline, main thread and
 * workers alike, from one consistent tree.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

/** Builds the tree; returns its root and a function that removes it. */
export function buildCompiledTree(): { root: string; dist: string; remove: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'konseki-parallel-'));
  const dist = path.join(root, 'dist');
  const src = path.join(ROOT, 'src');
  const files: string[] = [];
  walk(src, files);
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
  return { root, dist, remove: () => rmSync(root, { recursive: true, force: true }) };
}
