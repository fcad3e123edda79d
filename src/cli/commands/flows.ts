import type { CommandModule } from 'yargs';
import { EXIT_USAGE } from '../exit-codes.js';

/** Placeholder until the command lands. */
export const flowsCommand: CommandModule = {
  command: 'flows <inputs..>',
  describe: 'flows (not yet implemented)',
  handler: () => {
    process.stderr.write('konseki: flows is not implemented yet\n');
    process.exitCode = EXIT_USAGE;
  },
};
