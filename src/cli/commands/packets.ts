import type { CommandModule } from 'yargs';
import { EXIT_USAGE } from '../exit-codes.js';

/** Placeholder until the command lands. */
export const packetsCommand: CommandModule = {
  command: 'packets <inputs..>',
  describe: 'packets (not yet implemented)',
  handler: () => {
    process.stderr.write('konseki: packets is not implemented yet\n');
    process.exitCode = EXIT_USAGE;
  },
};
