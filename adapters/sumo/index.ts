export { CONTROL_MODES, type ControlMode } from './control/loop-controller.js';
export { type ClosedLoopSummary, controllerFor, runSumoClosedLoop } from './run-closed-loop.js';
export { killAllSumoProcesses, SumoProcess } from './sumo-process.js';
export { CMD as TRACI_CMD, VAR as TRACI_VAR } from './traci/traci-constants.js';
export { encodeCommand as encodeTraciCommand } from './traci/traci-protocol.js';
export { readSumoXmlFile, resolveScenario, type SumoScenario } from './sumo-scenario.js';
export { summarizeTripinfo, type TripSummary } from './tripinfo-summary.js';
export { TraciError } from './traci/traci-error.js';
