/** Clearance intervals of a phase, seconds. */
export interface PhaseClearance {
  yellowSeconds: number;
  allRedSeconds: number;
}

/** Lost time of a cycle: the yellow and all-red of every phase, when no movement of the sequence has green, seconds. */
export function lostTimeSeconds(phases: readonly PhaseClearance[]): number {
  let lost = 0;
  for (const p of phases) lost = lost + p.yellowSeconds + p.allRedSeconds;
  return lost;
}
