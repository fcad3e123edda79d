#!/usr/bin/env node
/**
 * konseki: the command line. The only code that reads argv and env, prints, and sets the exit code.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { analyzeCommand } from './commands/analyze.js';
import { flowsCommand } from './commands/flows.js';
import { packetsCommand } from './commands/packets.js';
import { versionText } from './version.js';
import { EXIT_USAGE } from './exit-codes.js';
import { protectStdinArgs } from './stdin-arg.js';

const argv = protectStdinArgs(hideBin(process.argv));

const cli = yargs(argv)
  .scriptName('konseki')
  .usage('$0 <command> [options]\n\nFinds the network traces of an infection (C2, backdoor ports, clear-text uploads)\nin packet captures and Zeek logs.')
  .command(analyzeCommand)
  .command(flowsCommand)
  .command(packetsCommand)
  .demandCommand(1, 'Name a command: analyze, flows or packets (see --help).')
  .strict()
  .version(versionText())
  .alias('h', 'help')
  .alias('V', 'version')
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((msg, err, y) => {
    if (err) throw err;
    process.stderr.write(`konseki: ${msg}\n`);
    process.stderr.write(`Try 'konseki --help'.\n`);
    process.exit(EXIT_USAGE);
  });

await cli.parseAsync();
