import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The import direction of STYLE.md: core <- ingest, flow, app, detect, enrich <- export <- pipeline <- cli.
 * A stage imports core and itself; export may also read enrich's types. Only pipeline.ts, cli/,
 * parallel/ and synth/ (generators) compose several stages.
 */
const SRC = fileURLToPath(new URL('../src', import.meta.url));
const ALLOWED: Record<string, string[]> = {
  core: ['core'],
  ingest: ['core', 'ingest'],
  flow: ['core', 'flow'],
  app: ['core', 'app'],
  detect: ['core', 'detect'],
  enrich: ['core', 'enrich'],
  export: ['core', 'enrich', 'export'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('import direction between stages', () => {
  for (const [stage, allowed] of Object.entries(ALLOWED)) {
    it(`${stage}/ imports only ${allowed.join(', ')}`, () => {
      const bad: string[] = [];
      for (const f of files(join(SRC, stage))) {
        for (const m of readFileSync(f, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
          const target = relative(SRC, resolve(dirname(f), m[1]));
          const top = target.includes(sep) ? target.split(sep)[0] : target.replace(/\.js$/, '');
          if (!allowed.includes(top)) bad.push(`${relative(SRC, f)} -> ${m[1]}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
