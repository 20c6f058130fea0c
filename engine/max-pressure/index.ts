export {
  maxPressureDecision,
  movementPressure,
  DEFAULT_MAX_PRESSURE_CONFIG,
  type MaxPressureConfig,
  type MaxPressureDecision,
  type MaxPressureInput,
  type MaxPressureMovement,
  type MaxPressurePhase,
} from './max-pressure-policy.js';
