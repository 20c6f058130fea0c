/**
 * Max-pressure signal control (Varaiya 2013, "Max pressure control of a network of signalized intersections"),
 * as a pure decision rule: plain data in, the phase to serve out. No I/O, no clock: the caller says how long the
 * current phase has been green.
 */

export interface MaxPressureMovement {
  movementId: string;
  /** Vehicles queued for this movement (its share of the queues on its approach lanes). */
  upstreamQueue: number;
  /** Vehicles per lane on the link the movement discharges into. */
  downstreamQueuePerLane: number;
  /** Saturation flow of the movement, veh/h of green: pressure is weighted by how fast it can discharge. */
  saturationFlowVehPerHour: number;
}

export interface MaxPressurePhase {
  phaseId: string;
  movementIds: readonly string[];
  minGreenSeconds: number;
  maxGreenSeconds: number;
}

export interface MaxPressureInput {
  phases: readonly MaxPressurePhase[];
  movements: readonly MaxPressureMovement[];
  currentPhaseId: string;
  /** Seconds the current phase has been green. */
  currentGreenSeconds: number;
}

export interface MaxPressureConfig {
  /** A challenger must beat the current phase's pressure by this share to take over. Default 0.1. */
  switchMargin: number;
  /** Pressure (veh·veh/s) below which a phase counts as empty. Default 1e-6. */
  epsilon: number;
}

export const DEFAULT_MAX_PRESSURE_CONFIG: Readonly<MaxPressureConfig> = Object.freeze({ switchMargin: 0.1, epsilon: 1e-6 });

export interface MaxPressureDecision {
  /** Phase to serve next: the current one to hold, another to switch. */
  phaseId: string;
  pressureByPhase: Record<string, number>;
  reason: 'min-green' | 'max-green' | 'max-pressure' | 'hold';
}

/** Pressure of one movement: discharge rate × (queue upstream − queue per lane downstream), never negative. */
export function movementPressure(m: MaxPressureMovement): number {
  return Math.max(0, (m.saturationFlowVehPerHour / 3600) * (m.upstreamQueue - m.downstreamQueuePerLane));
}

export function maxPressureDecision(input: MaxPressureInput, config: MaxPressureConfig = DEFAULT_MAX_PRESSURE_CONFIG): MaxPressureDecision {
  const byId = new Map(input.movements.map((m) => [m.movementId, m]));
  const pressureByPhase: Record<string, number> = {};
  for (const p of input.phases)
    pressureByPhase[p.phaseId] = p.movementIds.reduce((s, id) => s + (byId.has(id) ? movementPressure(byId.get(id)!) : 0), 0);
  const current = input.phases.find((p) => p.phaseId === input.currentPhaseId);
  if (!current) return { phaseId: best(input.phases, pressureByPhase, null), pressureByPhase, reason: 'max-pressure' };
  if (input.currentGreenSeconds < current.minGreenSeconds) return { phaseId: current.phaseId, pressureByPhase, reason: 'min-green' };
  const challenger = best(input.phases, pressureByPhase, current.phaseId);
  if (input.currentGreenSeconds >= current.maxGreenSeconds && challenger !== current.phaseId && pressureByPhase[challenger] > config.epsilon)
    return { phaseId: challenger, pressureByPhase, reason: 'max-green' };
  const here = pressureByPhase[current.phaseId];
  if (challenger !== current.phaseId && pressureByPhase[challenger] > here * (1 + config.switchMargin) + config.epsilon)
    return { phaseId: challenger, pressureByPhase, reason: 'max-pressure' };
  return { phaseId: current.phaseId, pressureByPhase, reason: 'hold' };
}

/** Highest-pressure phase other than `exclude` (ties: the first in sequence order after the excluded one). */
function best(phases: readonly MaxPressurePhase[], pressure: Record<string, number>, exclude: string | null): string {
  const n = phases.length;
  const start = exclude === null ? 0 : (phases.findIndex((p) => p.phaseId === exclude) + 1) % n;
  let bestId = exclude ?? phases[0].phaseId;
  let bestP = -Infinity;
  for (let k = 0; k < n; k++) {
    const p = phases[(start + k) % n];
    if (p.phaseId === exclude) continue;
    if (pressure[p.phaseId] > bestP) {
      bestP = pressure[p.phaseId];
      bestId = p.phaseId;
    }
  }
  return bestId;
}
