import type { CommandModule } from 'yargs';
import { EXIT_USAGE } from '../exit-codes.js';

/** Placeholder until the command lands. */
export const analyzeCommand: CommandModule = {
  command: 'analyze <inputs..>',
  describe: 'analyze (not yet implemented)',
  handler: () => {
    process.stderr.write('konseki: analyze is not implemented yet\n');
    process.exitCode = EXIT_USAGE;
  },
};
