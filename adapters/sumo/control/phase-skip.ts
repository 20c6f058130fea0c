import type { Intersection, Phase } from '../../../network-models/index.js';
import type { SumoSignalExternal } from '../../../network-models/importers/sumo/index.js';
import type { BuiltProgram } from './built-program.js';

/** Whether the program index lies in some phase's green block (not in a clearance). */
export function inGreenBlock(built: BuiltProgram, sig: SumoSignalExternal, phaseIds: readonly string[], index: number): boolean {
  return phaseIds.some((id) => {
    const start = built.greenStartIndex[id];
    return start !== undefined && index >= start && index < start + (sig.phaseStates[id]?.green.length ?? 1);
  });
}

/** A state change that stops no green movement without yellow: no link goes from G/g straight to r. */
export function isSafeTransition(from: string, to: string): boolean {
  for (let i = 0; i < from.length; i++) if ((from[i] === 'G' || from[i] === 'g') && to[i] !== 'G' && to[i] !== 'g' && to[i] !== 'y' && to[i] !== 'Y') return false;
  return true;
}

/**
 * Where to jump from the end of the running clearance when phase `skippedId` is passed over for `nextId`: the
 * next phase's green when the clearance's state can change to it safely, otherwise the skipped phase's own
 * clearance (which gives the still-green movements their yellow; the sequence then reaches the next phase).
 */
export function skipJumpIndex(built: BuiltProgram, sig: SumoSignalExternal, clearanceIndex: number, skippedId: string, nextId: string): number {
  const from = built.logic.phases[clearanceIndex]?.state ?? '';
  const target = built.greenStartIndex[nextId];
  if (isSafeTransition(from, built.logic.phases[target]?.state ?? '')) return target;
  return built.greenStartIndex[skippedId] + (sig.phaseStates[skippedId]?.green.length ?? 1);
}

/**
 * Phases that only protect movements another phase also serves (a protected left after the permissive one): a
 * controller serves them conditionally, only for vehicles the permissive green left waiting. Every movement keeps
 * at least one phase that is served unconditionally: where all the phases serving a movement would qualify, the
 * first of them does not.
 */
export function protectedOnlyPhases(x: Intersection): Phase[] {
  const conditional = new Set(x.phases.filter((ph) => ph.movementIds.length > 0 && ph.movementIds.every((mid) => x.phases.some((other) => other !== ph && other.movementIds.includes(mid)))));
  for (let changed = true; changed; ) {
    changed = false;
    for (const ph of x.phases) {
      if (!conditional.has(ph)) continue;
      const unsure = ph.movementIds.some((mid) => !x.phases.some((other) => other !== ph && !conditional.has(other) && other.movementIds.includes(mid)));
      if (unsure) {
        conditional.delete(ph);
        changed = true;
        break;
      }
    }
  }
  return x.phases.filter((ph) => conditional.has(ph));
}
