export type * from './actuation-types.js';
export { ActuatedSignal, type ActuatedSignalInput, type ActuationOptions, type ActuationCounters } from './actuated-signal.js';
export { DetectorTracker } from './detector-tracker.js';
export { NetworkLoops, protectedOnlyPhases, type PhaseLoops, type PhaseLoopMaps, type PhaseLoopOptions, type LaneLoopLayout, type ApproachLane } from './phase-detectors.js';
export { SplitFailureMonitor } from './split-failure-monitor.js';
export { layoutFromPlan } from './plan-layout.js';
