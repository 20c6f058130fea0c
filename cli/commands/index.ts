import type { Command } from 'commander';
import { registerPlanCommand } from './plan.js';
import { registerSynthCountsCommand } from './synth-counts.js';
import { registerSumoCommand } from './sumo.js';
import { registerImportSumoCommand } from './import-sumo.js';
import { registerReplayCommand } from './replay.js';
import { registerStartCommand } from './start.js';
import { registerTokenCommand } from './token.js';
import { registerSimulateDetectorsCommand } from './simulate-detectors.js';
import { registerSimulateControllerCommand } from './simulate-controller.js';
import { registerWatchCommand } from './watch.js';

/** Every subcommand registers itself here, one line each. */
export function registerCommands(program: Command): void {
  registerPlanCommand(program);
  registerSynthCountsCommand(program);
  registerSumoCommand(program);
  registerImportSumoCommand(program);
  registerReplayCommand(program);
  registerStartCommand(program);
  registerTokenCommand(program);
  registerSimulateDetectorsCommand(program);
  registerSimulateControllerCommand(program);
  registerWatchCommand(program);
}
