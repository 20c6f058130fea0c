import type { Logger } from 'pino';
import type { NetworkFile } from '../../../network-models/index.js';
import type { SumoClient } from '../sumo-client.js';

/** `own`: the network's own programs as shipped; `static`/`actuated`/`delay_based`: SUMO's controllers rebuilt over its phases. */
export type ControlMode = 'engine' | 'static' | 'actuated' | 'delay_based' | 'own' | 'max-pressure';
export const CONTROL_MODES: readonly ControlMode[] = ['engine', 'static', 'actuated', 'delay_based', 'own', 'max-pressure'];

export interface LoopContext {
  /** SUMO through either binding (TraCI or libsumo). */
  client: SumoClient;
  network: NetworkFile;
  logger: Logger;
  /** Engine time (epoch ms) of simulation time 0. */
  epochMs: number;
  beginSeconds: number;
  stepSeconds: number;
}

export interface ControlStats {
  /** Plans (or programs) applied to SUMO during the run. */
  planUpdates: number;
  /** Plans refused by the safety gate before reaching SUMO. */
  plansRejected: number;
  /** Times a signal's self-check left the plan for fully-actuated operation (engine control). */
  selfCheckFallbacks?: number;
  /** Times a phase failed its split (ATSPM) two cycles in a row (engine control's self-check). */
  persistentSplitFailures?: number;
  /** Longest time a phase with a call waited for its green, seconds (engine control). */
  longestCallWaitSeconds?: number;
}

/** Who drives the signals during a closed-loop run. */
export interface LoopController {
  readonly mode: ControlMode;
  /**
   * True when `afterStep` never sends SUMO anything nor reads the client's subscribed values (the control acts in
   * `init` only): the runner then sends simulation steps ahead of their answers, so SUMO never waits for this
   * process between steps. Default false.
   */
  readonly passive?: boolean;
  /** Extra SUMO additional files this control needs (written by the runner into its work directory). */
  additionalXml?(network: NetworkFile): string | undefined;
  /**
   * The network SUMO should load instead of the scenario's (its text given), e.g. with this control's programs
   * built in: SUMO checks programs loaded from additional files against the junction logic and refuses some that a
   * network file may carry. Undefined: the scenario's own network.
   */
  sumoNetXml?(network: NetworkFile, netXml: string): string | undefined;
  init(ctx: LoopContext): Promise<void>;
  /** Called after every simulation step with the new simulation time: decides what SUMO shows in the next step. */
  afterStep(timeSeconds: number): Promise<void>;
  /**
   * Work that does not decide the next step (interval counts, the engine's planning), called once the next step
   * has been sent, while SUMO simulates it; it must not use the client. Its results reach SUMO a step later.
   */
  whileStepping?(timeSeconds: number): void;
  stats(): ControlStats;
  dispose(): void;
}
