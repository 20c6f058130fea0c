import type { Intersection, TimeOfDayPlan } from '../../network-models/index.js';
import type { PhasePlan } from '../plan-types.js';
import { lostTimeSeconds, modulo } from '../timing/index.js';

const formats = new Map<string, Intl.DateTimeFormat>();
const MS_PER_MINUTE = 60_000;
const MINUTES_PER_DAY = 1440;
/** Largest distance from the epoch a Date can hold, ms. */
const DATE_RANGE_MS = 8.64e15;

/** Minutes since local midnight at an instant, in a time zone (default UTC). */
export function localMinuteOfDay(epochMs: number, timeZone = 'UTC'): number {
  // UTC needs no time zone data (the first Intl formatter costs ~0.1 s); outside a Date's range Intl throws
  // (+ 0 turns the -0 of a negative whole day into 0)
  if (timeZone === 'UTC' && Math.abs(epochMs) <= DATE_RANGE_MS) return modulo(Math.floor(epochMs / MS_PER_MINUTE), MINUTES_PER_DAY) + 0;
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(epochMs));
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/** The time-of-day plan running at a minute of the day: the last one started, wrapping round midnight. */
export function timeOfDayPlanAt(plans: TimeOfDayPlan[], minuteOfDay: number): TimeOfDayPlan {
  const sorted = [...plans].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  let chosen = sorted[sorted.length - 1];
  for (const p of sorted) if (toMinutes(p.startsAt) <= minuteOfDay) chosen = p;
  return chosen;
}

function toMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** The fallback time-of-day plan as a phase plan (version 0, source 'fallback'), with fixed greens. */
export function fallbackPhasePlan(x: Intersection, atMs: number, timeZone?: string): PhasePlan {
  return timeOfDayPhasePlan(x, timeOfDayPlanAt(x.fallbackPlans, localMinuteOfDay(atMs, timeZone)), atMs);
}

/** One of an intersection's time-of-day plans as a phase plan (version 0, source 'fallback'), with fixed greens. */
export function timeOfDayPhasePlan(x: Intersection, tod: TimeOfDayPlan, atMs: number): PhasePlan {
  return {
    intersectionId: x.id,
    version: 0,
    cycleSeconds: tod.cycleSeconds,
    offsetSeconds: tod.offsetSeconds,
    phases: x.phases.map((p) => {
      const g = tod.greenSecondsByPhase[p.id];
      return { phaseId: p.id, greenSeconds: g, yellowSeconds: p.yellowSeconds, allRedSeconds: p.allRedSeconds, minGreenSeconds: g, maxGreenSeconds: g };
    }),
    source: 'fallback',
    computedAtMs: atMs,
    diagnostics: {
      flowRatioByPhase: {},
      criticalMovementByPhase: {},
      degreeOfSaturationByPhase: {},
      delaySecondsPerVehByMovement: {},
      totalDelayVehHoursPerHour: 0,
      sumCriticalFlowRatio: 0,
      lostTimeSeconds: lostTimeSeconds(x.phases),
      websterCycleSeconds: -1,
      demandConfidence: 0,
      oversaturated: false,
      reason: `fallback time-of-day plan from ${tod.startsAt}`,
    },
  };
}
