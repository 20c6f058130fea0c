export { CONTROL_MODES, type ControlMode } from './control/loop-controller.js';
export { type ClosedLoopSummary, runSumoClosedLoop } from './run-closed-loop.js';
export { killAllSumoProcesses } from './sumo-process.js';
export { readSumoXmlFile, resolveScenario, type SumoScenario } from './sumo-scenario.js';
export { summarizeTripinfo, type TripSummary } from './tripinfo-summary.js';
export { TraciError } from './traci/traci-error.js';
