/**
 * Plain data the local actuation reads and writes. Times are seconds on the controller's own clock (the
 * injected one: simulation time in SUMO, the scheduler's time in a simulated cabinet).
 */

/** How one phase is shown: its green segments and the clearances that can follow it. */
export interface PhaseDisplayLayout {
  phaseId: string;
  /**
   * Durations of the green's segments in order, seconds; `null` marks the variable segment, the one whose length
   * the actuation decides (exactly one). Fixed segments before it or after it (a leading or lagging partial
   * green) always run in full.
   */
  greenSegmentSeconds: Array<number | null>;
  /** Planned length of the variable segment under the plan in force, seconds. */
  plannedVariableSeconds: number;
  /** Segments of the clearance to the next phase in sequence (yellow, then all-red), seconds. */
  clearanceSegmentSeconds: number[];
  /**
   * Segments of the direct clearance to each other phase a skip may go to, seconds ([] where nothing loses its
   * green and the next green follows at once). A phase missing here cannot be reached directly.
   */
  directClearanceSegmentSeconds: Record<string, number[]>;
  /**
   * Phases whose green may follow the end of the clearance to the next phase at once, passing that phase over
   * (nothing still green in the clearance loses its green without yellow). Empty: the next phase is always served.
   */
  greenAfterClearance?: string[];
  /**
   * Where no such green can follow at once, the next phase may instead be passed over through its own clearance
   * (which gives what is still green its yellow) straight after this one.
   */
  nextClearanceMayFollow?: boolean;
}

/** The display of a whole signal under one plan: its phases in sequence. */
export interface SignalDisplayLayout {
  phases: PhaseDisplayLayout[];
  /** Cycle of the plan as displayed (greens and clearances in sequence), seconds. */
  cycleSeconds: number;
}

/** What a signal shows, in the layout's terms. */
export type SignalDisplay =
  | { kind: 'green'; phaseId: string; segment: number }
  | { kind: 'clearance'; fromPhaseId: string; toPhaseId: string; direct: boolean; segment: number };

/** Why the running green ended (the ATSPM termination types, plus the plan's own end in fixed time). */
export type GreenTermination = 'gap-out' | 'max-out' | 'force-off' | 'planned';

/** One detector's reading over the last step. */
export interface DetectorReading {
  /** A vehicle is on the detector at the end of the step. */
  occupied: boolean;
  /** Vehicles that arrived on it during the step. */
  arrivals: number;
}

/** How the intersection is being run. */
export type ActuationMode = 'plan' | 'free';

/** What happened in one step that an adapter, a log or a feed may want to show. */
export interface ActuationEvent {
  kind: 'green-start' | 'green-end' | 'phase-skipped' | 'plan-applied' | 'mode-changed' | 'split-failing';
  atSeconds: number;
  phaseId?: string;
  toPhaseId?: string;
  termination?: GreenTermination;
  mode?: ActuationMode;
  reason?: string;
}
