import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Says once, up front, when the real corpus is absent: every corpus test then skips. */
export default function setup(): void {
  const corpus = fileURLToPath(new URL('../../shared/corpus', import.meta.url));
  if (!existsSync(corpus)) {
    process.stderr.write(`\nkonseki tests: ${corpus} is missing, so every test that reads the real corpus is SKIPPED (see DEVELOPERS guide: CI has it beside the project).\n\n`);
  }
}
