import type { SumoProgramLogic } from '../traci/domains/traffic-light-domain.js';

/** A SUMO program built from engine phase timings, with where each engine phase's segments sit in it. */
export interface BuiltProgram {
  logic: SumoProgramLogic;
  /** Phases of the cycle; direct transitions follow them in the program. */
  cyclePhaseCount: number;
  /**
   * Where the direct clearance from one phase's green to another's starts (from id → to id → index), for every
   * pair the cycle does not already join: yellow then all-red for the movements the target does not serve, whose
   * last segment goes on to the target's green. A controller that passes over phases jumps here as the green ends.
   */
  directClearanceIndex: Record<string, Record<string, number>>;
  /** SUMO phase index where each engine phase's green starts. */
  greenStartIndex: Record<string, number>;
  /** SUMO phase index of each engine phase's variable green segment. */
  variableIndex: Record<string, number>;
  cycleSeconds: number;
}
