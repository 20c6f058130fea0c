import type { SumoPhase } from './sumo-net-types.js';
import type { SumoStateSegment } from './sumo-external.js';
import { listKey } from '../../index.js';

export interface ProgramPhaseGroup {
  /** Movements with green (G or g) during the green part, in the order given. */
  movementIds: string[];
  green: Array<SumoStateSegment & { minDur?: number; maxDur?: number }>;
  variableGreenIndex: number;
  clearance: SumoStateSegment[];
}

export interface ProgramGrouping {
  groups: ProgramPhaseGroup[];
  /** Program time (from SUMO phase 0) at which the first group starts. */
  shiftSeconds: number;
  cycleSeconds: number;
  /** Movements whose link indices disagree (some green, some not) in some phase. */
  partialGreenMovements: string[];
  /** SUMO phases that give green to no modelled vehicle movement outside a transition (e.g. pedestrian-only). */
  noVehicleGreenPhaseIndices: number[];
}

const GREEN = new Set(['G', 'g']);
const TRANSITION = new Set(['y', 'Y', 'u']);

/**
 * Splits a SUMO program into engine phases: each maximal run of non-transition SUMO phases that give green to
 * the same set of vehicle movements is one engine phase; the SUMO phases that follow it up to the next such
 * run (yellow, red-yellow, all-red for vehicles) are its clearance.
 */
export function groupProgramPhases(phases: SumoPhase[], movementLinks: Map<string, number[]>): ProgramGrouping {
  const movementIds = [...movementLinks.keys()];
  const vehicleLinks = new Set<number>();
  for (const links of movementLinks.values()) links.forEach((l) => vehicleLinks.add(l));
  const partial = new Set<string>();

  const classify = (p: SumoPhase) => {
    const isTransition = [...vehicleLinks].some((l) => TRANSITION.has(p.state[l] ?? 'r'));
    const green: string[] = [];
    for (const m of movementIds) {
      const links = movementLinks.get(m)!;
      const on = links.filter((l) => GREEN.has(p.state[l] ?? 'r')).length;
      if (on > 0) green.push(m);
      if (on > 0 && on < links.length && !isTransition) partial.add(m);
    }
    return { isTransition, green, key: listKey(green) };
  };
  const info = phases.map(classify);
  const n = phases.length;
  const cycleSeconds = phases.reduce((s, p) => s + p.duration, 0);
  const isGreen = (i: number) => !info[i].isTransition && info[i].green.length > 0;

  // start at a green phase that does not continue the green run of its predecessor
  let start = -1;
  for (let i = 0; i < n && start < 0; i++) {
    const prev = (i - 1 + n) % n;
    if (isGreen(i) && !(isGreen(prev) && info[prev].key === info[i].key)) start = i;
  }
  if (start < 0) start = Math.max(0, info.findIndex((_, i) => isGreen(i)));

  const groups: ProgramPhaseGroup[] = [];
  const noVehicleGreen: number[] = [];
  let shiftSeconds = 0;
  for (let i = 0; i < start; i++) shiftSeconds += phases[i].duration;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    const p = phases[i];
    const c = info[i];
    const current = groups[groups.length - 1];
    if (isGreen(i)) {
      if (current && current.clearance.length === 0 && listKey(current.movementIds) === c.key) {
        current.green.push({ state: p.state, durationSeconds: p.duration, kind: 'green', minDur: p.minDur, maxDur: p.maxDur });
      } else {
        groups.push({
          movementIds: c.green,
          green: [{ state: p.state, durationSeconds: p.duration, kind: 'green', minDur: p.minDur, maxDur: p.maxDur }],
          variableGreenIndex: 0,
          clearance: [],
        });
      }
      continue;
    }
    if (!c.isTransition) noVehicleGreen.push(i);
    if (current) current.clearance.push({ state: p.state, durationSeconds: p.duration, kind: c.isTransition ? 'yellow' : 'all-red' });
  }
  for (const g of groups) {
    let best = 0;
    g.green.forEach((s, idx) => {
      if (s.durationSeconds > g.green[best].durationSeconds) best = idx;
    });
    g.variableGreenIndex = best;
  }
  return {
    groups,
    shiftSeconds,
    cycleSeconds,
    partialGreenMovements: [...partial],
    noVehicleGreenPhaseIndices: noVehicleGreen,
  };
}
