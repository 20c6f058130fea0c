import type { Intersection } from '../../network-models/index.js';
import type { PhaseTiming } from '../plan-types.js';
import type { SignalDisplayLayout } from './actuation-types.js';

/**
 * The display layout of a controller that knows only the plan (no signal-head states): each phase one green
 * (the variable segment), then its yellow and all-red; every direct transition runs the full clearance too.
 */
export function layoutFromPlan(x: Intersection, timings: readonly PhaseTiming[]): SignalDisplayLayout {
  const byId = new Map(timings.map((t) => [t.phaseId, t]));
  const phases = x.phases.map((p) => {
    const t = byId.get(p.id);
    const clearance = [t?.yellowSeconds ?? p.yellowSeconds, t?.allRedSeconds ?? p.allRedSeconds];
    return {
      phaseId: p.id,
      greenSegmentSeconds: [null],
      plannedVariableSeconds: t?.greenSeconds ?? p.minGreenSeconds,
      clearanceSegmentSeconds: clearance,
      directClearanceSegmentSeconds: Object.fromEntries(x.phases.filter((q) => q !== p).map((q) => [q.id, clearance])),
    };
  });
  const cycleSeconds = phases.reduce((s, p) => s + p.plannedVariableSeconds + p.clearanceSegmentSeconds[0] + p.clearanceSegmentSeconds[1], 0);
  return { phases, cycleSeconds };
}
