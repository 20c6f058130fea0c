import { CMD, VAR } from '../traci-constants.js';
import { getVariableCommand, readGetResponse, setVariableCommand } from '../traci-protocol.js';
import { TraciWriter, type TraciValue } from '../traci-storage.js';
import type { SubscribedValues, TraciTransport } from '../traci-transport.js';
import type { SumoProgramLogic, TrafficLightApi, TrafficLightStep } from '../../sumo-client.js';

export type { SumoProgramLogic, SumoProgramPhase, TrafficLightStep } from '../../sumo-client.js';



/** Encodes a program logic the way TL_COMPLETE_PROGRAM_RYG expects it (SUMO's trafficlight.setProgramLogic). */
export function encodeProgramLogic(logic: SumoProgramLogic): Buffer {
  const w = new TraciWriter()
    .compound(5)
    .typedString(logic.programId)
    .typedInt(logic.type)
    .typedInt(logic.currentPhaseIndex)
    .compound(logic.phases.length);
  for (const p of logic.phases) {
    w.compound(6)
      .typedDouble(p.durationSeconds)
      .typedString(p.state)
      .typedDouble(p.minDurSeconds ?? p.durationSeconds)
      .typedDouble(p.maxDurSeconds ?? p.durationSeconds)
      .compound(p.next?.length ?? 0);
    for (const n of p.next ?? []) w.typedInt(n);
    w.typedString(p.name ?? '');
  }
  const params = Object.entries(logic.parameters ?? {});
  w.compound(params.length);
  for (const [k, v] of params) w.typedStringList([k, v]);
  return w.toBuffer();
}


/** The subscribed program and phase of each signal, whichever binding (TraCI or libsumo) keeps them. */
export class TrafficLightReadings {
  private readonly decoded = new WeakMap<Map<number, TraciValue>, TrafficLightStep>();
  constructor(private readonly values: SubscribedValues) {}

  /** The last step's program and phase; the same object as long as SUMO reports no change. */
  lastStep(tlsId: string): TrafficLightStep | undefined {
    const v = this.values.subscriptions.get(CMD.RESPONSE_SUBSCRIBE_TL_VARIABLE)?.get(tlsId);
    if (!v) return undefined;
    let step = this.decoded.get(v);
    if (!step) {
      step = { programId: (v.get(VAR.TL_CURRENT_PROGRAM) as string | undefined) ?? '', phaseIndex: (v.get(VAR.TL_CURRENT_PHASE) as number | undefined) ?? -1 };
      this.decoded.set(v, step);
    }
    return step;
  }
}

/** The variables a signal subscription reads: current program and phase index. */
export const TRAFFIC_LIGHT_STEP_VARIABLES = [VAR.TL_CURRENT_PROGRAM, VAR.TL_CURRENT_PHASE];

export class TrafficLightDomain extends TrafficLightReadings implements TrafficLightApi {
  /** setPhase commands already encoded, by signal and phase index (a closed loop sends the same few over and over). */
  private readonly phaseCommands = new Map<string, Array<{ command: Buffer; what: string }>>();
  constructor(private readonly t: TraciTransport) {
    super(t);
  }

  async getIdList(): Promise<string[]> {
    return (await this.get(VAR.ID_LIST, '')) as string[];
  }
  async getState(tlsId: string): Promise<string> {
    return (await this.get(VAR.TL_RED_YELLOW_GREEN_STATE, tlsId)) as string;
  }
  async getProgram(tlsId: string): Promise<string> {
    return (await this.get(VAR.TL_CURRENT_PROGRAM, tlsId)) as string;
  }
  async getPhase(tlsId: string): Promise<number> {
    return (await this.get(VAR.TL_CURRENT_PHASE, tlsId)) as number;
  }
  /** Absolute simulation time of the next switch, seconds. */
  async getNextSwitch(tlsId: string): Promise<number> {
    return (await this.get(VAR.TL_NEXT_SWITCH, tlsId)) as number;
  }
  /** All programs of a TLS, as SUMO's nested compound (see SUMO's trafficlight.getAllProgramLogics). */
  async getAllProgramLogicsRaw(tlsId: string): Promise<TraciValue> {
    return this.get(VAR.TL_COMPLETE_DEFINITION_RYG, tlsId);
  }

  /** Current program and phase index of each TLS, refreshed by every step. */
  subscribe(ids: readonly string[]): Promise<void> {
    return this.t.subscribe(CMD.SUBSCRIBE_TL_VARIABLE, ids, TRAFFIC_LIGHT_STEP_VARIABLES);
  }

  /*
   * Set commands are queued and go to SUMO with the next message (normally the simulation step), in order; the
   * returned promise resolves once queued. SUMO's rejection of one is thrown by that next request or step.
   */
  setProgramLogic(tlsId: string, logic: SumoProgramLogic): Promise<void> {
    return this.set(VAR.TL_COMPLETE_PROGRAM_RYG, tlsId, encodeProgramLogic(logic), `setProgramLogic(${tlsId}, '${logic.programId}')`);
  }
  setProgram(tlsId: string, programId: string): Promise<void> {
    return this.set(VAR.TL_PROGRAM, tlsId, new TraciWriter().typedString(programId).toBuffer(), `setProgram(${tlsId}, '${programId}')`);
  }
  setPhase(tlsId: string, index: number): Promise<void> {
    let byIndex = this.phaseCommands.get(tlsId);
    if (!byIndex) this.phaseCommands.set(tlsId, (byIndex = []));
    let c = byIndex[index];
    if (!c) {
      c = { command: setVariableCommand(CMD.SET_TL_VARIABLE, VAR.TL_PHASE_INDEX, tlsId, new TraciWriter().typedInt(index).toBuffer()), what: `trafficLight.setPhase(${tlsId}, ${index})` };
      // a negative or fractional index is SUMO's to refuse, not a slot to keep
      if (Number.isInteger(index) && index >= 0 && index < 1024) byIndex[index] = c;
    }
    this.t.enqueue(c.command, CMD.SET_TL_VARIABLE, c.what);
    return Promise.resolve();
  }
  /** Remaining duration of the current phase, seconds (this cycle only). */
  setPhaseDuration(tlsId: string, seconds: number): Promise<void> {
    return this.set(VAR.TL_PHASE_DURATION, tlsId, new TraciWriter().typedDouble(seconds).toBuffer(), `setPhaseDuration(${tlsId}, ${seconds})`);
  }
  /** Sets the state directly; SUMO stops its own sequencing for this TLS until setProgram is called. */
  setRedYellowGreenState(tlsId: string, state: string): Promise<void> {
    return this.set(VAR.TL_RED_YELLOW_GREEN_STATE, tlsId, new TraciWriter().typedString(state).toBuffer(), `setRedYellowGreenState(${tlsId}, '${state}')`);
  }

  private async get(variableId: number, objectId: string): Promise<TraciValue> {
    const r = await this.t.request([getVariableCommand(CMD.GET_TL_VARIABLE, variableId, objectId)], [CMD.GET_TL_VARIABLE]);
    return readGetResponse(r, CMD.GET_TL_VARIABLE + 0x10, variableId, objectId);
  }
  private set(variableId: number, objectId: string, typedValue: Buffer, what: string): Promise<void> {
    this.t.enqueue(setVariableCommand(CMD.SET_TL_VARIABLE, variableId, objectId, typedValue), CMD.SET_TL_VARIABLE, `trafficLight.${what}`);
    return Promise.resolve();
  }
}
