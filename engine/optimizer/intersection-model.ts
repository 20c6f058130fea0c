import type { Intersection } from '../../network-models/index.js';
import type { OptimizerConfig } from './optimizer-config.js';
import { lostTimeSeconds } from '../timing/index.js';

export interface MovementModel {
  id: string;
  fromLinkId: string;
  toLinkId: string;
  saturationFlowVehPerHour: number;
  /** Indices of the phases that give this movement green. */
  phaseIndices: number[];
}

/** An intersection pre-digested for the optimizer: arrays indexed by phase position, bounds resolved. */
export interface IntersectionModel {
  intersection: Intersection;
  phaseIds: string[];
  /** Effective minimum green: the phase's min green, raised to fit its pedestrian walk and clearance. */
  minGreenSeconds: number[];
  maxGreenSeconds: number[];
  yellowSeconds: number[];
  allRedSeconds: number[];
  movements: MovementModel[];
  movementIndexById: Map<string, number>;
  /** Sum of yellow and all-red over the cycle: the time no movement of the sequence has green. */
  lostTimeSeconds: number;
  /** Shortest and longest cycle this intersection can run, within its (or the configured) cycle bounds. */
  cycleLowSeconds: number;
  cycleHighSeconds: number;
}

export function buildIntersectionModel(x: Intersection, config: OptimizerConfig): IntersectionModel {
  const phaseIds = x.phases.map((p) => p.id);
  const yellow = x.phases.map((p) => p.yellowSeconds);
  const allRed = x.phases.map((p) => p.allRedSeconds);
  const minGreen = x.phases.map((p) => {
    const ped = p.pedestrian ? p.pedestrian.walkSeconds + p.pedestrian.clearanceSeconds - p.yellowSeconds - p.allRedSeconds : 0;
    return Math.min(p.maxGreenSeconds, Math.max(p.minGreenSeconds, ped));
  });
  const maxGreen = x.phases.map((p) => p.maxGreenSeconds);
  const phaseIndexById = new Map(phaseIds.map((id, i) => [id, i]));
  const movementIndexById = new Map<string, number>();
  const movements: MovementModel[] = x.movements.map((m, i) => {
    movementIndexById.set(m.id, i);
    return { id: m.id, fromLinkId: m.fromLinkId, toLinkId: m.toLinkId, saturationFlowVehPerHour: m.saturationFlowVehPerHour, phaseIndices: [] };
  });
  x.phases.forEach((p) => {
    for (const mid of p.movementIds) {
      const k = movementIndexById.get(mid);
      if (k !== undefined) movements[k].phaseIndices.push(phaseIndexById.get(p.id)!);
    }
  });
  const lost = lostTimeSeconds(x.phases);
  const feasibleLow = lost + sum(minGreen);
  const feasibleHigh = lost + sum(maxGreen);
  const boundLow = x.cycleBounds?.minSeconds ?? config.minCycleSeconds;
  const boundHigh = x.cycleBounds?.maxSeconds ?? config.maxCycleSeconds;
  const cycleLow = clamp(boundLow, feasibleLow, feasibleHigh);
  const cycleHigh = clamp(boundHigh, cycleLow, feasibleHigh);
  return {
    intersection: x,
    phaseIds,
    minGreenSeconds: minGreen,
    maxGreenSeconds: maxGreen,
    yellowSeconds: yellow,
    allRedSeconds: allRed,
    movements,
    movementIndexById,
    lostTimeSeconds: lost,
    cycleLowSeconds: cycleLow,
    cycleHighSeconds: cycleHigh,
  };
}

export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
