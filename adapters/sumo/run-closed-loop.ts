import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import type { NetworkFile } from '../../network-models/index.js';
import { importSumoNetwork } from '../../network-models/importers/sumo/index.js';
import type { SumoProcess } from './sumo-process.js';
import { resolveSumoBinding, type SumoBinding, type SumoBindingChoice } from './sumo-binding.js';
import { startSumoSession, type SumoSession } from './sumo-session.js';
import { TraciError } from './traci/traci-error.js';
import type { SubscriptionResult } from './traci/traci-protocol.js';
import { readSumoXmlFile, resolveScenario, type SumoScenario } from './sumo-scenario.js';
import { summarizeTripinfo, type TripSummary } from './tripinfo-summary.js';
import type { ControlMode, LoopController } from './control/loop-controller.js';
import { OwnControl } from './control/own-control.js';
import { EngineControl, actuationOptionsFromEnv, type EngineControlOptions } from './control/engine-control.js';
import { MaxPressureControl, type MaxPressureControlOptions } from './control/max-pressure-control.js';

export interface ClosedLoopOptions {
  scenario: SumoScenario;
  seed: number;
  control: ControlMode;
  /** Keep SUMO's tripinfo output here (unfinished vehicles included). */
  tripinfoFile?: string;
  sumoBinary?: string;
  logger?: Logger;
  engine?: EngineControlOptions;
  maxPressure?: MaxPressureControlOptions;
  /** Stop after this much simulated time when neither the options nor the config give an end. Default 86 400 s. */
  maxSimulatedSeconds?: number;
  /** Engine time (epoch ms) of simulation time 0. Default 2024-01-01T00:00:00Z. */
  epochMs?: number;
  /** Extra SUMO arguments. */
  sumoArgs?: string[];
  /** Drives the signals instead of the one `control` names (it still names the run); for tests and experiments. */
  controller?: LoopController;
  /**
   * How to talk to SUMO: `libsumo` in this process, `traci` to a SUMO process, `auto` (default) libsumo where its
   * addon loads and no other libsumo run is active in this process, TraCI otherwise (logged at info).
   */
  binding?: SumoBindingChoice;
  /** Called once SUMO is running over TraCI (for diagnostics and failure tests). */
  onSumoStarted?: (sumo: SumoProcess) => void;
}

export interface ClosedLoopSummary extends TripSummary {
  control: ControlMode;
  /** How this run talked to SUMO. */
  binding: SumoBinding;
  teleports: number;
  planUpdates: number;
  plansRejected: number;
  /** Vehicles whose departure time had come but that were still waiting to be inserted at the end (not in `vehicles`). */
  notInserted: number;
  /**
   * Mean time loss over every vehicle due to depart (inserted ones: SUMO's timeLoss + departDelay; vehicles never
   * inserted: their wait so far), s. This is the figure compared across controls: holding vehicles outside the
   * network gains a control nothing.
   */
  meanTimeLoss: number;
  simulatedSeconds: number;
  wallSeconds: number;
  signals: number;
  importIssues: number;
}

/** Simulation steps sent ahead of their answers for a passive control. */
const STEPS_IN_FLIGHT = 4;

export function controllerFor(mode: ControlMode, engine?: EngineControlOptions, maxPressure?: MaxPressureControlOptions): LoopController {
  switch (mode) {
    case 'engine':
      return new EngineControl({ ...engine, actuationOptions: { ...actuationOptionsFromEnv(), ...engine?.actuationOptions } });
    case 'max-pressure':
      return new MaxPressureControl(maxPressure);
    default:
      return new OwnControl(mode);
  }
}

/**
 * One closed-loop SUMO run: imports the network, starts SUMO with the detectors (and the control's programs),
 * steps it to the end while the control drives the signals, and summarises SUMO's tripinfo output.
 * SUMO is always gone when this returns or throws.
 */
export async function runSumoClosedLoop(o: ClosedLoopOptions): Promise<ClosedLoopSummary> {
  const logger = o.logger ?? pino({ level: 'silent' });
  const wallStart = performance.now();
  const sc = resolveScenario(o.scenario);
  const netXml = readSumoXmlFile(sc.netFile);
  const imported = importSumoNetwork(netXml, { source: sc.netFile });
  const network: NetworkFile = imported.network;
  for (const i of imported.issues) logger.debug({ issue: i }, 'SUMO import');
  const work = mkdtempSync(join(tmpdir(), 'greenwave-sumo-'));
  const controller = o.controller ?? controllerFor(o.control, o.engine, o.maxPressure);
  let sumo: SumoSession | null = null;
  try {
    const detectorsFile = join(work, 'detectors.add.xml');
    writeFileSync(detectorsFile, imported.detectorsXml);
    const additional = [...sc.additionalFiles, detectorsFile];
    const extraXml = controller.additionalXml?.(network);
    if (extraXml) {
      const f = join(work, `${o.control}.add.xml`);
      writeFileSync(f, extraXml);
      additional.push(f);
    }
    const controlNetXml = controller.sumoNetXml?.(network, netXml);
    const controlNetFile = controlNetXml ? join(work, 'control.net.xml') : undefined;
    if (controlNetFile) writeFileSync(controlNetFile, controlNetXml!);
    const tripinfo = join(work, 'tripinfo.xml');
    const args: string[] = sc.configFile ? ['-c', sc.configFile] : [];
    if (controlNetFile) args.push('-n', controlNetFile);
    else if (!sc.configFile || o.scenario.netFile) args.push('-n', sc.netFile);
    if (sc.routeFiles.length > 0 && (!sc.configFile || o.scenario.routeFiles?.length)) args.push('-r', sc.routeFiles.join(','));
    args.push('--additional-files', additional.join(','));
    if (o.scenario.beginSeconds !== undefined) args.push('--begin', String(o.scenario.beginSeconds));
    if (o.scenario.endSeconds !== undefined) args.push('--end', String(o.scenario.endSeconds));
    args.push(
      '--seed', String(o.seed),
      '--tripinfo-output', tripinfo,
      '--tripinfo-output.write-unfinished', 'true',
      '--no-step-log', 'true',
      '--no-warnings', 'true',
      '--duration-log.disable', 'true',
      ...(o.sumoArgs ?? []),
    );
    const binding = resolveSumoBinding(o.binding ?? 'auto', { sumoBinary: o.sumoBinary });
    if (binding.binding === 'traci' && binding.unexpected) logger.warn({ binding: binding.binding, reason: binding.reason }, 'SUMO binding: TraCI, as the libsumo addon does not load');
    else logger.info({ binding: binding.binding, reason: binding.reason }, 'SUMO binding');
    if (binding.binding === 'libsumo' && o.sumoBinary) logger.warn({ sumoBinary: o.sumoBinary }, 'the sumo binary is not used: libsumo runs the SUMO the addon was built against');
    logger.debug({ args }, 'starting SUMO');
    sumo = await startSumoSession(binding, args, o.sumoBinary);
    if (sumo.process) o.onSumoStarted?.(sumo.process);
    const client = sumo.client;
    const begin = await client.simulation.getTime();
    const step = await client.simulation.getDeltaT();
    await client.simulation.subscribeCounters();
    await controller.init({ client, network, logger, epochMs: o.epochMs ?? Date.UTC(2024, 0, 1), beginSeconds: begin, stepSeconds: step });

    const end = sc.endSeconds;
    const limit = begin + (o.maxSimulatedSeconds ?? 86_400);
    let teleports = 0;
    let pending = 0;
    let backlogSeconds = 0;
    let t = begin;
    // A passive control (nothing to do between steps) with a known end: steps are sent ahead of their answers,
    // never past the last one, so SUMO goes on with the next step while this process reads the last; SUMO gets
    // the same commands in the same order as when every step waits for its answer.
    const sendAhead = controller.passive === true && end !== undefined;
    const lastBefore = Math.min(end ?? Infinity, limit);
    const inFlight: Array<Promise<SubscriptionResult[]>> = [];
    let sentUpTo = begin;
    const sendStep = () => {
      const answer = client.step();
      answer.catch(() => undefined); // awaited in turn below; a failure ends the run there
      inFlight.push(answer);
      sentUpTo += step;
    };
    try {
      for (;;) {
        if (inFlight.length === 0) sendStep();
        // the last step sent ends at sentUpTo: send another only while that one surely is not the final step
        while (sendAhead && inFlight.length < STEPS_IN_FLIGHT && sentUpTo + step / 2 < lastBefore) sendStep();
        const results = await inFlight.shift()!;
        // with steps in flight, the client's stored values may already be those of a later step
        const snap = sendAhead ? client.simulation.snapshotIn(results) : client.simulation.snapshot();
        t = snap.timeSeconds;
        teleports += snap.teleportsStarted;
        pending = snap.pending;
        backlogSeconds += snap.pending * step;
        await controller.afterStep(t);
        if (end !== undefined ? t + 1e-9 >= end : snap.minExpected === 0 && t > begin) break;
        if (t >= limit) break;
        if (controller.whileStepping && inFlight.length === 0) {
          sendStep();
          controller.whileStepping(t);
        }
      }
    } catch (e) {
      if (e instanceof TraciError && e.fatal) throw await sumo.stoppedError(`SUMO stopped during the run at t=${t}s under control '${o.control}'`, e);
      throw e;
    }
    const stats = controller.stats();
    await sumo.finish(logger);
    if (!existsSync(tripinfo)) throw sumo.outputError('SUMO wrote no tripinfo output');
    if (o.tripinfoFile) copyFileSync(tripinfo, resolve(o.tripinfoFile));
    const trips = summarizeTripinfo(readFileSync(tripinfo, 'utf8'));
    // vehicles never inserted have no tripinfo: add the insertion backlog they accumulated
    const neverInsertedWait = Math.max(0, backlogSeconds - trips.totalDepartDelaySeconds);
    const due = trips.vehicles + pending;
    return {
      control: o.control,
      binding: sumo.binding,
      ...trips,
      meanTimeLoss: due === 0 ? 0 : Math.round(((trips.totalTimeLossSeconds + neverInsertedWait) / due) * 100) / 100,
      teleports,
      planUpdates: stats.planUpdates,
      plansRejected: stats.plansRejected,
      notInserted: pending,
      simulatedSeconds: t - begin,
      wallSeconds: Math.round((performance.now() - wallStart) / 100) / 10,
      signals: network.intersections.filter((x) => x.control === 'signalized').length,
      importIssues: imported.issues.length,
    };
  } finally {
    try {
      controller.dispose();
    } catch (err) {
      // the run's own error, if any, is the one to report; SUMO must go and the work directory too
      logger.error({ err }, 'control failed to dispose');
    }
    if (sumo) await sumo.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}
