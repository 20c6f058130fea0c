#!/usr/bin/env node
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

const program = new Command();
program
  .name('greenwave')
  .description('Greenwave: real-time adaptive traffic signal optimization')
  .version('0.1.0')
  .showHelpAfterError();
registerCommands(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`greenwave: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
