import { CMD, VAR } from '../traci/traci-constants.js';
import { InductionLoopReadings } from '../traci/domains/induction-loop-domain.js';
import { LANE_STEP_VARIABLES, LaneReadings } from '../traci/domains/lane-domain.js';
import { SIMULATION_COUNTER_VARIABLES, SimulationReadings } from '../traci/domains/simulation-domain.js';
import { TRAFFIC_LIGHT_STEP_VARIABLES, TrafficLightReadings, type SumoProgramLogic } from '../traci/domains/traffic-light-domain.js';
import type { InductionLoopApi, LaneApi, SimulationApi, TrafficLightApi } from '../sumo-client.js';
import type { TraciValue } from '../traci/traci-storage.js';
import type { SubscribedValues } from '../traci/traci-transport.js';
import type { AddonProgramLogic, LibsumoAddon } from './libsumo-addon.js';

/*
 * The domains of the libsumo client: the same reading code as over TraCI (the `*Readings` classes), gets and sets
 * through the addon, named in errors as the TraCI client names them.
 */

/** What the domains need from the libsumo client (`LibsumoClient`). */
export interface LibsumoCalls extends SubscribedValues {
  /** Runs the queued commands, then one get, as a TraCI request would. */
  get(getCommand: number, variable: number, objectId: string): TraciValue;
  subscribe(getCommand: number, responseId: number, objectIds: readonly string[], variables: readonly number[]): Promise<void>;
  /** Queues an addon call for the next step or request; `what` names it in SUMO's rejection. */
  enqueue(what: string, run: (addon: LibsumoAddon) => void): void;
}

export class LibsumoSimulation extends SimulationReadings implements SimulationApi {
  constructor(private readonly c: LibsumoCalls) {
    super(c);
  }
  async getTime(): Promise<number> {
    return this.c.get(CMD.GET_SIM_VARIABLE, VAR.TIME, '') as number;
  }
  async getDeltaT(): Promise<number> {
    return this.c.get(CMD.GET_SIM_VARIABLE, VAR.DELTA_T, '') as number;
  }
  subscribeCounters(): Promise<void> {
    return this.c.subscribe(CMD.GET_SIM_VARIABLE, CMD.RESPONSE_SUBSCRIBE_SIM_VARIABLE, [''], SIMULATION_COUNTER_VARIABLES);
  }
}

export class LibsumoInductionLoop extends InductionLoopReadings implements InductionLoopApi {
  constructor(private readonly c: LibsumoCalls) {
    super(c);
  }
  async getIdList(): Promise<string[]> {
    return this.c.get(CMD.GET_INDUCTIONLOOP_VARIABLE, VAR.ID_LIST, '') as string[];
  }
  subscribeVehicleIds(ids: readonly string[]): Promise<void> {
    return this.c.subscribe(CMD.GET_INDUCTIONLOOP_VARIABLE, CMD.RESPONSE_SUBSCRIBE_INDUCTIONLOOP_VARIABLE, ids, [VAR.LAST_STEP_VEHICLE_ID_LIST]);
  }
  subscribe(ids: readonly string[]): Promise<void> {
    return this.c.subscribe(CMD.GET_INDUCTIONLOOP_VARIABLE, CMD.RESPONSE_SUBSCRIBE_INDUCTIONLOOP_VARIABLE, ids, [VAR.LAST_STEP_VEHICLE_ID_LIST, VAR.LAST_STEP_OCCUPANCY]);
  }
  /** Read just before the next step, as over TraCI (where the get goes with the step's message). */
  queueOccupancy(id: string, onValue: (occupancy: number) => void): void {
    this.c.enqueue('inductionLoop.getLastStepOccupancy', (addon) =>
      // SUMO reports occupancy in percent
      onValue((addon.get(CMD.GET_INDUCTIONLOOP_VARIABLE, VAR.LAST_STEP_OCCUPANCY, id) as number) / 100),
    );
  }
}

/** A program logic as the addon takes it, with the defaults `encodeProgramLogic` gives TraCI. */
export function addonProgramLogic(logic: SumoProgramLogic): AddonProgramLogic {
  return {
    programId: logic.programId,
    type: logic.type,
    currentPhaseIndex: logic.currentPhaseIndex,
    phases: logic.phases.map((p) => ({
      durationSeconds: p.durationSeconds,
      state: p.state,
      minDurSeconds: p.minDurSeconds ?? p.durationSeconds,
      maxDurSeconds: p.maxDurSeconds ?? p.durationSeconds,
      next: p.next ?? [],
      name: p.name ?? '',
    })),
    parameters: Object.entries(logic.parameters ?? {}),
  };
}

export class LibsumoTrafficLight extends TrafficLightReadings implements TrafficLightApi {
  constructor(private readonly c: LibsumoCalls) {
    super(c);
  }
  async getIdList(): Promise<string[]> {
    return this.c.get(CMD.GET_TL_VARIABLE, VAR.ID_LIST, '') as string[];
  }
  async getState(tlsId: string): Promise<string> {
    return this.c.get(CMD.GET_TL_VARIABLE, VAR.TL_RED_YELLOW_GREEN_STATE, tlsId) as string;
  }
  async getProgram(tlsId: string): Promise<string> {
    return this.c.get(CMD.GET_TL_VARIABLE, VAR.TL_CURRENT_PROGRAM, tlsId) as string;
  }
  async getPhase(tlsId: string): Promise<number> {
    return this.c.get(CMD.GET_TL_VARIABLE, VAR.TL_CURRENT_PHASE, tlsId) as number;
  }
  async getNextSwitch(tlsId: string): Promise<number> {
    return this.c.get(CMD.GET_TL_VARIABLE, VAR.TL_NEXT_SWITCH, tlsId) as number;
  }
  subscribe(ids: readonly string[]): Promise<void> {
    return this.c.subscribe(CMD.GET_TL_VARIABLE, CMD.RESPONSE_SUBSCRIBE_TL_VARIABLE, ids, TRAFFIC_LIGHT_STEP_VARIABLES);
  }
  setProgramLogic(tlsId: string, logic: SumoProgramLogic): Promise<void> {
    const converted = addonProgramLogic(logic);
    this.c.enqueue(`trafficLight.setProgramLogic(${tlsId}, '${logic.programId}')`, (addon) => addon.setProgramLogic(tlsId, converted));
    return Promise.resolve();
  }
  setProgram(tlsId: string, programId: string): Promise<void> {
    return this.set(VAR.TL_PROGRAM, tlsId, programId, `setProgram(${tlsId}, '${programId}')`);
  }
  setPhase(tlsId: string, index: number): Promise<void> {
    return this.set(VAR.TL_PHASE_INDEX, tlsId, index, `setPhase(${tlsId}, ${index})`);
  }
  setPhaseDuration(tlsId: string, seconds: number): Promise<void> {
    return this.set(VAR.TL_PHASE_DURATION, tlsId, seconds, `setPhaseDuration(${tlsId}, ${seconds})`);
  }
  setRedYellowGreenState(tlsId: string, state: string): Promise<void> {
    return this.set(VAR.TL_RED_YELLOW_GREEN_STATE, tlsId, state, `setRedYellowGreenState(${tlsId}, '${state}')`);
  }
  private set(variable: number, tlsId: string, value: string | number, what: string): Promise<void> {
    this.c.enqueue(`trafficLight.${what}`, (addon) => addon.setTrafficLight(variable, tlsId, value));
    return Promise.resolve();
  }
}

export class LibsumoLane extends LaneReadings implements LaneApi {
  constructor(private readonly c: LibsumoCalls) {
    super(c);
  }
  subscribe(ids: readonly string[]): Promise<void> {
    return this.c.subscribe(CMD.GET_LANE_VARIABLE, CMD.RESPONSE_SUBSCRIBE_LANE_VARIABLE, ids, LANE_STEP_VARIABLES);
  }
}
