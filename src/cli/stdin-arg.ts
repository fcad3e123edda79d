/**
 * yargs drops a lone `-` from positional arguments (it reads it as an empty option), so
 * `konseki analyze -` would lose standard input. Before parsing, every `-` that is not the
 * value of an option is replaced by a placeholder, and each command maps it back to `-`.
 * An option takes a value unless it is one of the boolean flags below or is written
 * `--name=value`; so `-o -` (stdout) keeps its `-`.
 */
export const STDIN_PLACEHOLDER = '\u0000konseki-stdin';

const BOOLEAN_FLAGS = new Set(['-q', '--quiet', '--json', '--geoip', '--no-geoip', '-h', '--help', '-V', '--version']);

/** Replaces positional `-` arguments by the placeholder. */
export function protectStdinArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-') {
      const prev = i > 0 ? args[i - 1] : '';
      const prevTakesValue = prev.startsWith('-') && prev !== '-' && prev !== '--' && !prev.includes('=') && !BOOLEAN_FLAGS.has(prev);
      out.push(prevTakesValue ? a : STDIN_PLACEHOLDER);
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Maps the placeholder back to `-` in a list of inputs. */
export function restoreStdin(inputs: readonly string[] | undefined): string[] {
  return (inputs ?? []).map((s) => (s === STDIN_PLACEHOLDER ? '-' : s));
}
