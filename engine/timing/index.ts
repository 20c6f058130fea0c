export { modulo, cycleSecondsRounded } from './modulo.js';
export { greenStartSeconds, greenStartsSeconds, intervalAt, type PhaseIntervals, type PhaseInterval } from './phase-position.js';
export { lostTimeSeconds, type PhaseClearance } from './lost-time.js';
export { capacityVehPerHour, degreeOfSaturation, degreeOfSaturationOfFlowRatio, dischargedVehicles, dischargeSeconds } from './saturation.js';
