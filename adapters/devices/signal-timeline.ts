import { intervalAt, modulo, type PhasePlan } from '../../engine/index.js';
import type { Intersection } from '../../network-models/index.js';

export type SignalInterval = 'green' | 'yellow' | 'all-red';

export interface SignalState {
  phaseId: string;
  interval: SignalInterval;
  /** Seconds until this interval ends. */
  secondsLeft: number;
  /** Seconds into the cycle (0 = start of the first phase's green). */
  cycleSecond: number;
}

/**
 * What a fixed-time controller running `plan` shows at `atMs`: the cycle is anchored to the common time
 * reference (epoch) shifted by the offset, so every controller with the same plan clock agrees.
 */
export function signalStateAt(plan: PhasePlan, atMs: number): SignalState {
  const cycleSecond = modulo(atMs / 1000 - plan.offsetSeconds, plan.cycleSeconds);
  const { phase, interval, secondsLeft } = intervalAt(plan.phases, cycleSecond);
  return { phaseId: plan.phases[phase].phaseId, interval, secondsLeft, cycleSecond };
}

/**
 * The checks a controller makes before running a plan (a real one enforces its own conflict monitor and
 * timing limits whatever the central system says). Returns the reason to reject, or undefined.
 */
export function planRejectionReason(plan: PhasePlan, x: Intersection): string | undefined {
  if (plan.intersectionId !== x.id) return `plan is for ${plan.intersectionId}, this controller runs ${x.id}`;
  const ids = plan.phases.map((p) => p.phaseId).join(',');
  const expected = x.phases.map((p) => p.id).join(',');
  if (ids !== expected) return `phase sequence ${ids} differs from the local sequence ${expected}`;
  const total = plan.phases.reduce((s, p) => s + p.greenSeconds + p.yellowSeconds + p.allRedSeconds, 0);
  if (Math.abs(total - plan.cycleSeconds) > 0.5) return `phase times add up to ${total} s, not the cycle of ${plan.cycleSeconds} s`;
  for (const [i, p] of plan.phases.entries()) {
    const local = x.phases[i];
    if (p.greenSeconds < local.minGreenSeconds) return `green of ${p.phaseId} (${p.greenSeconds} s) is below the local minimum of ${local.minGreenSeconds} s`;
    if (p.yellowSeconds < local.yellowSeconds || p.allRedSeconds < local.allRedSeconds) return `clearance of ${p.phaseId} is shorter than the local setting`;
  }
  return undefined;
}
