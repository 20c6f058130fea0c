import type { SubscriptionResult } from './traci/traci-protocol.js';

/*
 * What the closed loop and its controls use of SUMO, whichever binding carries it: TraCI over a socket
 * (`TraciClient`) or libsumo in this process (`LibsumoClient`). Both keep the same semantics: set commands and
 * queued gets take effect before the next step, in order; subscribed values are refreshed by every step, and a
 * reading is the same object as long as SUMO reports no change.
 */

/* What the domains hand out: the same objects over either binding. */

export interface InductionLoopStep {
  /** Ids of vehicles that touched the loop during the last step. */
  vehicleIds: string[];
  /** Share of the last step the loop was occupied, 0..1. */
  occupancy: number;
}

export interface LaneStep {
  vehicles: number;
  halting: number;
}

export interface SimulationSnapshot {
  timeSeconds: number;
  /** Vehicles in the network plus those still waiting to be inserted. */
  minExpected: number;
  teleportsStarted: number;
  /** Vehicles whose departure time has come but that could not be inserted yet. */
  pending: number;
}

export interface SumoProgramPhase {
  durationSeconds: number;
  state: string;
  /** Actuation bounds; SUMO uses them for actuated and delay-based programs. Default: the duration. */
  minDurSeconds?: number;
  maxDurSeconds?: number;
  /** Phase indices SUMO may go to after this one (the first is taken); default the following index. */
  next?: number[];
  name?: string;
}

export interface SumoProgramLogic {
  programId: string;
  /** 0 static, 3 actuated, 4 delay-based (TRAFFICLIGHT_TYPE_*). */
  type: number;
  currentPhaseIndex: number;
  phases: SumoProgramPhase[];
  parameters?: Record<string, string>;
}

export interface TrafficLightStep {
  programId: string;
  phaseIndex: number;
}

export interface SimulationApi {
  getTime(): Promise<number>;
  getDeltaT(): Promise<number>;
  /** Subscribes to time and vehicle counters, read after each step with `snapshot()`. */
  subscribeCounters(): Promise<void>;
  /** Values of the last step (counters are per step, not cumulative). */
  snapshot(): SimulationSnapshot;
  /** The counters in the results of one step (as `step()` returns them), for steps sent ahead of their answers. */
  snapshotIn(results: readonly SubscriptionResult[]): SimulationSnapshot;
}

export interface InductionLoopApi {
  getIdList(): Promise<string[]>;
  /** One subscription per loop to the last step's vehicle ids only (`lastStep` then shows occupancy 0). */
  subscribeVehicleIds(ids: readonly string[]): Promise<void>;
  /** One subscription per loop (vehicle ids and occupancy of the last step). */
  subscribe(ids: readonly string[]): Promise<void>;
  /** Asks for a loop's occupancy (0..1) of the step last read; `onValue` is called before the next step's values are. */
  queueOccupancy(id: string, onValue: (occupancy: number) => void): void;
  /** Ids of (at least) the loops whose reading changed in the last step. */
  changedInLastStep(): string[];
  lastStep(id: string): InductionLoopStep | undefined;
}

export interface TrafficLightApi {
  getIdList(): Promise<string[]>;
  getState(tlsId: string): Promise<string>;
  getProgram(tlsId: string): Promise<string>;
  getPhase(tlsId: string): Promise<number>;
  /** Absolute simulation time of the next switch, seconds. */
  getNextSwitch(tlsId: string): Promise<number>;
  /** Current program and phase index of each TLS, refreshed by every step. */
  subscribe(ids: readonly string[]): Promise<void>;
  lastStep(tlsId: string): TrafficLightStep | undefined;
  /* Setters are queued for the next step (or request); SUMO's rejection of one is thrown from that call. */
  setProgramLogic(tlsId: string, logic: SumoProgramLogic): Promise<void>;
  setProgram(tlsId: string, programId: string): Promise<void>;
  setPhase(tlsId: string, index: number): Promise<void>;
  /** Remaining duration of the current phase, seconds (this cycle only). */
  setPhaseDuration(tlsId: string, seconds: number): Promise<void>;
  /** Sets the state directly; SUMO stops its own sequencing for this TLS until setProgram is called. */
  setRedYellowGreenState(tlsId: string, state: string): Promise<void>;
}

export interface LaneApi {
  /** Vehicle and halting (< 0.1 m/s) numbers of each lane, refreshed by every step. */
  subscribe(ids: readonly string[]): Promise<void>;
  lastStep(id: string): LaneStep | undefined;
}

export interface SumoClient {
  readonly simulation: SimulationApi;
  readonly inductionLoop: InductionLoopApi;
  readonly trafficLight: TrafficLightApi;
  readonly lane: LaneApi;
  readonly closed: boolean;
  /**
   * Runs the queued commands and a simulation step (to `targetSeconds`, or one step), and refreshes the subscribed
   * values; returns every subscription's result of that step. A queued command SUMO rejected is thrown after the
   * step's results are stored.
   */
  step(targetSeconds?: number): Promise<SubscriptionResult[]>;
  /** Runs the queued commands now, without a step. */
  sendQueued(): Promise<void>;
  /** Ends the simulation so that SUMO writes its outputs. Never throws. */
  close(): Promise<void>;
  /** Ends the connection (or the in-process simulation) at once; queued commands are dropped. */
  destroy(): void;
}
