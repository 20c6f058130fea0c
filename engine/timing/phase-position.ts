/** The three intervals of a phase in a plan, seconds. */
export interface PhaseIntervals {
  greenSeconds: number;
  yellowSeconds: number;
  allRedSeconds: number;
}

export type PhaseInterval = 'green' | 'yellow' | 'all-red';

/**
 * Start of phase `phase`'s green within the cycle, seconds after the cycle's reference (the first phase's green
 * start): the green, yellow and all-red of every phase before it. Array form, for the optimizer's models.
 */
export function greenStartSeconds(green: ArrayLike<number>, yellow: ArrayLike<number>, allRed: ArrayLike<number>, phase: number): number {
  let t = 0;
  for (let p = 0; p < phase; p++) t += green[p] + yellow[p] + allRed[p];
  return t;
}

/** Start of every phase's green within the cycle (see `greenStartSeconds`). */
export function greenStartsSeconds(phases: readonly PhaseIntervals[]): number[] {
  const starts: number[] = [];
  let t = 0;
  for (const p of phases) {
    starts.push(t);
    t += p.greenSeconds + p.yellowSeconds + p.allRedSeconds;
  }
  return starts;
}

/**
 * Which phase and interval a time within the cycle falls in, and the seconds left in that interval. Float
 * rounding can leave a sliver past the last interval: it belongs to the last phase's all-red.
 */
export function intervalAt(phases: readonly PhaseIntervals[], secondsIntoCycle: number): { phase: number; interval: PhaseInterval; secondsLeft: number } {
  let t = secondsIntoCycle;
  for (let i = 0; i < phases.length; i++) {
    const p = phases[i];
    if (t < p.greenSeconds) return { phase: i, interval: 'green', secondsLeft: p.greenSeconds - t };
    t -= p.greenSeconds;
    if (t < p.yellowSeconds) return { phase: i, interval: 'yellow', secondsLeft: p.yellowSeconds - t };
    t -= p.yellowSeconds;
    if (t < p.allRedSeconds) return { phase: i, interval: 'all-red', secondsLeft: p.allRedSeconds - t };
    t -= p.allRedSeconds;
  }
  return { phase: phases.length - 1, interval: 'all-red', secondsLeft: 0 };
}
