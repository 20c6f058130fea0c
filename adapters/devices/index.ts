export { createDetectorSimulator, type DetectorSimulator, type DetectorSimulatorOptions, type DetectorSimulatorStats } from './detector-simulator.js';
export { createControllerSimulator, type ControllerSimulator, type ControllerSimulatorOptions, type ControllerStatus, type ControllerEvent, type ControllerMode } from './controller-simulator.js';
export { signalStateAt, planRejectionReason, type SignalState, type SignalInterval } from './signal-timeline.js';
export { nextBackoffMs, DEFAULT_BACKOFF, type BackoffOptions } from './reconnect-backoff.js';
export { formatRefusal, type Refusal } from './connection-problems.js';
