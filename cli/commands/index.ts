import type { Command } from 'commander';
import { registerPlanCommand } from './plan.js';
import { registerSynthCountsCommand } from './synth-counts.js';
import { registerSumoCommand } from './sumo.js';
import { registerImportSumoCommand } from './import-sumo.js';

/** Every subcommand registers itself here, one line each. */
export function registerCommands(program: Command): void {
  registerPlanCommand(program);
  registerSynthCountsCommand(program);
  registerSumoCommand(program);
  registerImportSumoCommand(program);
}
