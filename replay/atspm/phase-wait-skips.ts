import type { AtspmEvent } from './event-log.js';

/** The Python `atspm` package's `phase_wait` defaults (signal_data_processor.py). */
export const PHASE_WAIT_DEFAULTS = {
  /** A wait longer than this many cycles is a skip. */
  skipMultiplier: 1.5,
  /** The same when a TSP adjustment (113, 114) fell in the wait: priority delays service without skipping it. */
  tspSkipMultiplier: 2.0,
  /** Cycle length taken when none is logged (132) or it is 0 (free), seconds. */
  assumedCycleSeconds: 140,
  /** Waits overlapping a preempt (102 to 104) or this long after it are left out, seconds. */
  preemptRecoverySeconds: 120,
} as const;

/** timeline.sql: a clock update (181) makes intervals within 5 s either side of it untrustworthy. */
const CLOCK_WINDOW_MS = 5_000;
/** timeline.sql: yellow (8 to 9) and red clearance (10 to 11) intervals over 10 s are bad data. */
const MAX_CLEARANCE_MS = 10_000;
/** History kept for waits not yet ended, at most (as the tables' other open cycles and waits). */
const MAX_WAIT_MS = 6 * 3_600_000;

const CALL = 43;
const CALL_DROPPED = 44;
const GREEN = 1;
const GREEN_END = 7;
const PREEMPT_IN = 102;
const PREEMPT_OUT = 104;
const TSP_EARLY = 113;
const TSP_EXTEND = 114;
const TSP_CHECKOUT = 115;
const CYCLE_LENGTH = 132;
const CLOCK_UPDATE = 181;
/** Paired intervals whose bad instances (unpaired, or clearances over 10 s) invalidate waits they overlap. */
const FAMILY_OF: Record<number, { name: string; start: number; end: number; maxMs: number }> = {
  1: { name: 'G', start: 1, end: 7, maxMs: Infinity },
  7: { name: 'G', start: 1, end: 7, maxMs: Infinity },
  8: { name: 'Y', start: 8, end: 9, maxMs: MAX_CLEARANCE_MS },
  9: { name: 'Y', start: 8, end: 9, maxMs: MAX_CLEARANCE_MS },
  10: { name: 'R', start: 10, end: 11, maxMs: MAX_CLEARANCE_MS },
  11: { name: 'R', start: 10, end: 11, maxMs: MAX_CLEARANCE_MS },
};
/** The event codes skips are judged from: calls, phase intervals, preemption, TSP, cycle length and clock updates. */
export const PHASE_WAIT_EVENT_CODES: readonly number[] = [GREEN, GREEN_END, 8, 9, 10, 11, CALL, CALL_DROPPED, PREEMPT_IN, PREEMPT_OUT, TSP_EARLY, TSP_EXTEND, TSP_CHECKOUT, CYCLE_LENGTH, CLOCK_UPDATE];
const USED = new Set(PHASE_WAIT_EVENT_CODES);

/** A registered call (43) and, once logged, the next call event of its phase: 44 ends it, another 43 voids it. */
interface Call {
  atMs: number;
  next?: { code: number; atMs: number };
}

interface PhaseWaitState {
  /** Previous event of the phase among 43, 44, 1, 7 (in time, then code order). */
  prevCode: number;
  prevAtMs: number;
  /** The last 43 when the last of 43/44 was a 43 (the call is active), else undefined. */
  activeCall: Call | undefined;
}

/** The last event of an interval family (per phase, preempt or TSP parameter) and what it opened. */
interface FamilyState {
  code: number;
  atMs: number;
  /** For 102 and 113/114: the entry written when the family's next event closes it. */
  open?: Interval;
}

interface Interval {
  startMs: number;
  endMs: number;
}

interface Candidate {
  phase: number;
  startMs: number;
  endMs: number;
  endLocalMs: number;
  call: Call | undefined;
  /** Families open at the wait's end (key and its last event time then): each must log its next event. */
  open: Array<[string, number]>;
}

interface DeviceState {
  group: AtspmEvent[];
  groupAtMs: number;
  phases: Map<number, PhaseWaitState>;
  families: Map<string, FamilyState>;
  badIntervals: Interval[];
  preempts: Interval[];
  tsp: Interval[];
  clockUpdates: number[];
  cycleChanges: Array<{ atMs: number; seconds: number }>;
  candidates: Candidate[];
}

/**
 * Skipped phases, as the Python `atspm` package counts them (`phase_wait.sql` `TotalSkips`, on the 'Phase Wait'
 * intervals of `timeline.sql`): a phase wait runs from a call registered (43) to the phase's next green (1) with
 * no call dropped (44) between, or, while the call stays active, from the end of one green (7) to the next
 * (1). The wait is a skip when it lasts more than 1.5 cycles (2 when a TSP adjustment, 113 or 114, fell in
 * it), the cycle being the larger of the logged cycle lengths (132) at its start and end, 140 s when none or 0
 * is logged. Waits overlapping a preempt (102 to 104) or the 120 s after it are left out, and so are invalid
 * waits: a call voided by another 43 before any 44, an overlap with a bad green, yellow or red clearance interval
 * of the device (unpaired, or a clearance over 10 s), or a clock update (181) within 5 s. Events at one time
 * are taken in event-code order, as the reference orders them. `onSkip` gets each skip with the local time of
 * its wait's end (the green), the bin it counts in.
 */
export class PhaseWaitSkips {
  private readonly devices = new Map<string, DeviceState>();
  private nowMs = -Infinity;
  private pendingCount = 0;
  /** Waits are looked at again once a second of log time at most (judging them later changes nothing). */
  private nextSettleMs = -Infinity;

  constructor(private readonly onSkip: (deviceId: string, phase: number, endLocalMs: number) => void) {}

  event(e: AtspmEvent): void {
    if (e.atMs > this.nowMs) this.nowMs = e.atMs;
    if (USED.has(e.code)) {
      let d = this.devices.get(e.deviceId);
      if (!d) this.devices.set(e.deviceId, (d = newDevice()));
      if (d.group.length > 0 && e.atMs !== d.groupAtMs) this.processGroup(d);
      d.groupAtMs = e.atMs;
      d.group.push(e);
    }
    if (this.pendingCount > 0 && e.atMs >= this.nextSettleMs) {
      this.nextSettleMs = e.atMs + 1000;
      this.settle(false);
    }
  }

  /** The earliest local time a wait not yet judged will count at (Infinity when none). */
  oldestPendingLocalMs(): number {
    let oldest = Infinity;
    for (const d of this.devices.values()) {
      // A wait ends at a green: only a group holding one can add a skip.
      if (d.group.some((e) => e.code === GREEN)) oldest = Math.min(oldest, d.group[0].localMs);
      for (const c of d.candidates) oldest = Math.min(oldest, c.endLocalMs);
    }
    return oldest;
  }

  /** End of the log: what is still open stays unmatched, and every wait is judged with what is known. */
  finish(): void {
    for (const d of this.devices.values()) if (d.group.length > 0) this.processGroup(d);
    this.settle(true);
  }

  private processGroup(d: DeviceState): void {
    const events = d.group.sort((a, b) => a.code - b.code);
    d.group = [];
    const t = events[0].atMs;
    for (const e of events) this.interval(d, e);
    for (const e of events) if (e.code === CALL || e.code === CALL_DROPPED || e.code === GREEN || e.code === GREEN_END) this.wait(d, e);
    this.prune(d, t);
  }

  /** Interval families, cycle lengths and clock updates, before the waits of the same time. */
  private interval(d: DeviceState, e: AtspmEvent): void {
    const fam = FAMILY_OF[e.code];
    if (fam) {
      const key = `${fam.name}${e.param}`;
      const prev = d.families.get(key);
      if (prev) {
        const valid = prev.code === fam.start && e.code === fam.end && e.atMs - prev.atMs <= fam.maxMs;
        // A start followed by anything but its end in time, or an end followed by another end, is a bad interval.
        if ((prev.code === fam.start && !valid) || (prev.code === fam.end && e.code === fam.end)) d.badIntervals.push({ startMs: prev.atMs, endMs: e.atMs });
      }
      d.families.set(key, { code: e.code, atMs: e.atMs });
      return;
    }
    switch (e.code) {
      case PREEMPT_IN:
      case PREEMPT_OUT: {
        const key = `P${e.param}`;
        const prev = d.families.get(key);
        if (prev?.open) {
          if (e.code === PREEMPT_OUT) {
            prev.open.endMs = e.atMs;
            d.preempts.push(prev.open);
          }
        }
        d.families.set(key, { code: e.code, atMs: e.atMs, open: e.code === PREEMPT_IN ? { startMs: e.atMs, endMs: NaN } : undefined });
        return;
      }
      case TSP_EARLY:
      case TSP_EXTEND:
      case TSP_CHECKOUT: {
        // An adjustment's interval runs to the next 113/114/115 of its parameter; one never closed is dropped.
        const key = `T${e.param}`;
        const prev = d.families.get(key);
        if (prev?.open) {
          prev.open.endMs = e.atMs;
          d.tsp.push(prev.open);
        }
        d.families.set(key, { code: e.code, atMs: e.atMs, open: e.code === TSP_CHECKOUT ? undefined : { startMs: e.atMs, endMs: NaN } });
        return;
      }
      case CYCLE_LENGTH:
        d.cycleChanges.push({ atMs: e.atMs, seconds: e.param });
        return;
      case CLOCK_UPDATE:
        d.clockUpdates.push(e.atMs);
        return;
      default:
        return;
    }
  }

  private wait(d: DeviceState, e: AtspmEvent): void {
    let p = d.phases.get(e.param);
    if (!p) d.phases.set(e.param, (p = { prevCode: NaN, prevAtMs: NaN, activeCall: undefined }));
    if (e.code === CALL || e.code === CALL_DROPPED) {
      // The call before this one learns what followed it: a 44 ends it, a 43 voids it.
      if (p.activeCall && !p.activeCall.next) p.activeCall.next = { code: e.code, atMs: e.atMs };
      p.activeCall = e.code === CALL ? { atMs: e.atMs } : undefined;
    } else if (e.code === GREEN && (p.prevCode === CALL || (p.prevCode === GREEN_END && p.activeCall))) {
      this.candidate(d, e, p.prevAtMs, p.activeCall);
    }
    p.prevCode = e.code;
    p.prevAtMs = e.atMs;
  }

  private candidate(d: DeviceState, green: AtspmEvent, startMs: number, call: Call | undefined): void {
    const endMs = green.atMs;
    const durationSeconds = (endMs - startMs) / 1000;
    // No wait this short can be a skip, whatever is still to be learnt about it.
    if (!(durationSeconds > this.cycleSeconds(d, startMs, endMs) * PHASE_WAIT_DEFAULTS.skipMultiplier)) return;
    const open: Array<[string, number]> = [];
    for (const [key, f] of d.families) {
      const kind = key[0];
      // An adjustment counts from the wait's start to its end, both included; other intervals if begun before its end.
      if (kind === 'T' ? !(f.open && f.atMs >= startMs && f.atMs <= endMs) : f.atMs >= endMs || (kind === 'P' && !f.open)) continue;
      open.push([key, f.atMs]);
    }
    d.candidates.push({ phase: green.param, startMs, endMs, endLocalMs: green.localMs, call, open });
    this.pendingCount++;
  }

  private settle(atEnd: boolean): void {
    for (const [deviceId, d] of this.devices) {
      if (d.candidates.length === 0) continue;
      d.candidates = d.candidates.filter((c) => {
        // A wait left open for 6 hours (a phase that never logs again) is judged with what is known by then.
        if (!atEnd && !this.resolved(d, c) && this.nowMs - c.endMs < MAX_WAIT_MS) return true;
        this.pendingCount--;
        if (this.skipped(d, c)) this.onSkip(deviceId, c.phase, c.endLocalMs);
        return false;
      });
    }
  }

  /** Whether everything that can still change the wait's judgement has been logged. */
  private resolved(d: DeviceState, c: Candidate): boolean {
    if (c.call && !c.call.next) return false;
    let horizon = c.endMs;
    for (const [key, atMs] of c.open) {
      const f = d.families.get(key)!;
      if (f.atMs === atMs) return false;
      // Preempt and TSP intervals are themselves voided by a clock update within 5 s of them.
      if (key[0] !== 'G' && key[0] !== 'Y' && key[0] !== 'R') horizon = Math.max(horizon, f.atMs);
    }
    return this.nowMs >= horizon + CLOCK_WINDOW_MS;
  }

  private skipped(d: DeviceState, c: Candidate): boolean {
    const { startMs, endMs } = c;
    // The wait belongs to its call (timeline.sql joins the 43 whose range holds the wait's start).
    if (c.call?.next && c.call.next.code === CALL && c.call.next.atMs > startMs) return false;
    if (d.badIntervals.some((i) => i.startMs < endMs && startMs < i.endMs)) return false;
    if (this.clockUpdateOverlaps(d, startMs, endMs)) return false;
    const recoveryMs = PHASE_WAIT_DEFAULTS.preemptRecoverySeconds * 1000;
    if (d.preempts.some((p) => !this.clockUpdateOverlaps(d, p.startMs, p.endMs) && startMs < p.endMs + recoveryMs && p.startMs < endMs)) return false;
    const tsp = d.tsp.some((a) => a.startMs >= startMs && a.startMs <= endMs && !this.clockUpdateOverlaps(d, a.startMs, a.endMs));
    const multiplier = tsp ? PHASE_WAIT_DEFAULTS.tspSkipMultiplier : PHASE_WAIT_DEFAULTS.skipMultiplier;
    return (endMs - startMs) / 1000 > this.cycleSeconds(d, startMs, endMs) * multiplier;
  }

  private clockUpdateOverlaps(d: DeviceState, startMs: number, endMs: number): boolean {
    return d.clockUpdates.some((u) => u - CLOCK_WINDOW_MS < endMs && u + CLOCK_WINDOW_MS > startMs);
  }

  /** The larger of the cycle lengths in force at the wait's start and end (the last 132 at or before each). */
  private cycleSeconds(d: DeviceState, startMs: number, endMs: number): number {
    const at = (t: number) => {
      let seconds = 0;
      for (const c of d.cycleChanges) if (c.atMs <= t) seconds = c.seconds;
      return seconds === 0 ? PHASE_WAIT_DEFAULTS.assumedCycleSeconds : seconds;
    };
    return Math.max(at(startMs), at(endMs));
  }

  /** Drops history no wait that can still end (nor one waiting to be judged) reaches back to. */
  private prune(d: DeviceState, nowMs: number): void {
    let from = nowMs - MAX_WAIT_MS;
    for (const c of d.candidates) from = Math.min(from, c.startMs);
    const keep = (i: Interval) => !(i.endMs < from);
    if (d.badIntervals.length > 64) d.badIntervals = d.badIntervals.filter(keep);
    if (d.preempts.length > 64) d.preempts = d.preempts.filter(keep);
    if (d.tsp.length > 64) d.tsp = d.tsp.filter(keep);
    if (d.clockUpdates.length > 64) d.clockUpdates = d.clockUpdates.filter((u) => u + CLOCK_WINDOW_MS >= from);
    if (d.cycleChanges.length > 64) {
      // The last change before `from` still sets the cycle length there.
      let last = -1;
      for (let i = 0; i < d.cycleChanges.length; i++) if (d.cycleChanges[i].atMs <= from) last = i;
      if (last > 0) d.cycleChanges = d.cycleChanges.slice(last);
    }
  }
}

function newDevice(): DeviceState {
  return { group: [], groupAtMs: NaN, phases: new Map(), families: new Map(), badIntervals: [], preempts: [], tsp: [], clockUpdates: [], cycleChanges: [], candidates: [] };
}
