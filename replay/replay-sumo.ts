import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NetworkFile } from '../network-models/index.js';
import { importSumoNetwork } from '../network-models/importers/sumo/index.js';
import { runSumoClosedLoop, type ClosedLoopSummary } from '../adapters/sumo/index.js';
import type { ScheduledPlan } from '../engine/index.js';
import type { EngineConfigInput } from '../engine/index.js';
import { SUMO_DEMAND_MODEL, type SumoDemand } from './sumo-demand.js';
import type { ReplaySumoRun, ReplaySumoSummary } from './replay-summary.js';

/**
 * Checks that a SUMO network is the one the Greenwave network was imported from (`greenwave import-sumo`):
 * every link is a SUMO edge and every detector is on one of its lanes. Returns the reasons it is not, if any.
 */
export function sumoNetMismatch(network: NetworkFile, netFile: string): string | undefined {
  let imported: NetworkFile;
  try {
    imported = importSumoNetwork(readFileSync(netFile, 'utf8'), { source: netFile }).network;
  } catch (err) {
    return `cannot import ${netFile}: ${(err as Error).message}`;
  }
  const links = new Set(imported.links.map((l) => l.id));
  const missing = network.links.filter((l) => !links.has(l.id)).map((l) => l.id);
  if (missing.length > 0)
    return `${netFile} does not match the network: ${missing.length} of its ${network.links.length} links are not edges of the SUMO network (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}); --sumo needs the network imported from this file with greenwave import-sumo`;
  const detectors = new Set(imported.detectors.map((d) => d.id));
  const noLoop = network.detectors.filter((d) => d.kind === 'stop-line' && !detectors.has(d.id)).map((d) => d.id);
  if (noLoop.length > 0) return `${netFile} does not match the network: stop-line detectors ${noLoop.slice(0, 5).join(', ')} are not on its lanes`;
  return undefined;
}

export interface ReplaySumoOptions {
  network: NetworkFile;
  netFile: string;
  demand: SumoDemand;
  fromMs: number;
  toMs: number;
  outDir: string;
  /**
   * The replay's engine runs over the span (`ReplayResult.engineRuns`): the closed-loop engine runs with the first
   * one's configuration (period and plan version base included) from the span's start to its end. Later runs (the
   * live engine restarted within the span) are named in the summary, not re-enacted (see `engineControl`).
   * Without runs: the engine's defaults, planning every `defaultPeriodSeconds` (60).
   */
  engineRuns?: ReadonlyArray<{ startMs: number; config: EngineConfigInput }>;
  defaultPeriodSeconds?: number;
  /** Writes a time for the summary's text (the replay writes local time with its zone). */
  formatTime?: (ms: number) => string;
  seed?: number;
  /** Simulated time after the last departure so that vehicles can leave, seconds. */
  drainSeconds?: number;
  /** Where the replay's actual plans came from. */
  actualPlanSource: string;
  /**
   * The plans actually in force through the replay, each from its time (in time order): played into SUMO with
   * the same local actuation as the engine's. Without them (no recorded plans, or a controller event log whose
   * signal states are not plans) the 'actual' run is the SUMO network's own programs.
   */
  actualSchedule?: readonly ScheduledPlan[];
  /** The replay's actual plans were the fallback plans throughout (no recorded plan or signal state in force). */
  actualIsFallback: boolean;
  onRunStart?: (which: 'actual' | 'engine') => void;
}

/**
 * Plays the replayed demand through SUMO twice: under the SUMO network's own signal programs (the fallback
 * time-of-day plans of a network imported from it) and under the engine in closed loop; same routes, same seed.
 */
export async function replayInSumo(o: ReplaySumoOptions): Promise<ReplaySumoSummary> {
  const seed = o.seed ?? 1;
  const routes = o.demand.routes(o.fromMs, o.toMs, seed);
  if (routes.vehicles === 0)
    throw new Error(`no demand for SUMO: no stop-line counts on any of the ${routes.entryLinks} entry links in the replayed span (entry links are links no movement leads onto)`);
  const routeFile = resolve(join(o.outDir, 'sumo-demand.rou.xml'));
  writeFileSync(routeFile, routes.xml);
  const span = Math.ceil((o.toMs - o.fromMs) / 1000);
  const endSeconds = span + (o.drainSeconds ?? 300);
  const netFile = resolve(o.netFile);
  const playsPlans = (o.actualSchedule?.length ?? 0) > 0;
  const engine = closedLoopEngine(o);
  const run = async (which: 'actual' | 'engine'): Promise<ClosedLoopSummary> => {
    o.onRunStart?.(which);
    return runSumoClosedLoop({
      scenario: { netFile, routeFiles: [routeFile], beginSeconds: 0, endSeconds },
      seed,
      control: which === 'actual' && !playsPlans ? 'static' : 'engine',
      epochMs: o.fromMs,
      tripinfoFile: join(o.outDir, `sumo-${which}.tripinfo.xml`),
      engine: which === 'actual' ? { planSchedule: o.actualSchedule } : { config: engine.config },
    });
  };
  const actual = await run('actual');
  const closedLoop = await run('engine');
  const ratio = actual.meanTimeLoss > 0 ? Math.round((closedLoop.meanTimeLoss / actual.meanTimeLoss) * 1000) / 1000 : 0;
  return {
    netFile,
    routeFile,
    demandModel: SUMO_DEMAND_MODEL,
    actualControl: playsPlans
      ? `the replay's actual plans (${o.actualPlanSource}), played in time with the same local actuation as the engine's plans`
      : "the SUMO network's own signal programs (the fallback time-of-day plans of the imported network)" +
        (o.actualIsFallback ? '' : `; the replay's actual plans (${o.actualPlanSource}) are signal states, not plans, and are not played into SUMO`),
    engineControl: engine.text,
    engineConfig: engine.config,
    vehicles: routes.vehicles,
    entryLinksWithoutCounts: routes.entryLinksWithoutCounts,
    simulatedSeconds: endSeconds,
    seed,
    actual: { ...runOf(actual), control: playsPlans ? 'actual plans' : actual.control },
    engine: runOf(closedLoop),
    timeLossRatio: ratio,
    timeLossSavedPercent: actual.meanTimeLoss > 0 ? Math.round((1 - closedLoop.meanTimeLoss / actual.meanTimeLoss) * 1000) / 10 : 0,
  };
}

/**
 * The closed-loop engine's configuration and what to say of it. It runs on SUMO's loops, not on the recorded
 * counts, so its plans are not the replay's (nor `greenwave plan`'s) whatever its configuration; it takes the
 * configuration of the replay's first engine run of the span (as the day file recorded it at that engine start,
 * its plan version base included), so that both engines are the same engine. A restart within the span is not
 * re-enacted: the SUMO engine control runs one engine pipeline from the first step to the last.
 */
export function closedLoopEngine(o: Pick<ReplaySumoOptions, 'engineRuns' | 'defaultPeriodSeconds' | 'formatTime'>): { config: EngineConfigInput; text: string } {
  const [first, ...later] = o.engineRuns ?? [];
  const at = o.formatTime ?? ((ms: number) => new Date(ms).toISOString());
  if (!first) {
    const period = o.defaultPeriodSeconds ?? 60;
    return { config: { optimisationPeriodSeconds: period }, text: `the engine in closed loop on SUMO's loops, with its default configuration, planning every ${period} s` };
  }
  const c = first.config;
  let text = `the engine in closed loop on SUMO's loops, with the configuration of the replay's engine run from ${at(first.startMs)} (planning every ${c.optimisationPeriodSeconds} s${c.planVersionBase !== undefined ? `, plan versions from ${c.planVersionBase}` : ''})`;
  if (later.length > 0)
    text += `; the live engine's ${later.length === 1 ? 'restart' : `${later.length} restarts`} within the span (${later.map((r) => at(r.startMs)).join(', ')}) ${later.length === 1 ? 'is' : 'are'} not re-enacted: the closed-loop engine runs throughout with that first configuration`;
  return { config: c, text };
}

function runOf(s: ClosedLoopSummary): ReplaySumoRun {
  return {
    control: s.control,
    meanTimeLoss: s.meanTimeLoss,
    vehicles: s.vehicles,
    arrived: s.arrived,
    notInserted: s.notInserted,
    teleports: s.teleports,
    planUpdates: s.planUpdates,
    wallSeconds: s.wallSeconds,
  };
}
