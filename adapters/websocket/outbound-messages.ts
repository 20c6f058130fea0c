import type { DetectorHealth, IntersectionKpi } from '../../engine/index.js';
import type { EngineCounters } from '../../engine/index.js';
import type { PhasePlan } from '../../engine/index.js';
import { pairKey, type NetworkFile } from '../../network-models/index.js';
import type { ControllerView } from './controller-registry.js';
import type { ErrorMessage } from './protocol-errors.js';

/** Messages the server sends, per endpoint (docs/protocol.md has an example of each). */
export const PROTOCOL_VERSION = 1;

// /v1/detectors
export interface ResultMessage {
  type: 'result';
  /** The `id` of the count or batch message. */
  ref: string;
  accepted: number;
  rejected: number;
  /** The first maxErrorsPerBatch rejections, each with `index` in the batch. */
  errors: ErrorMessage[];
}

// /v1/controllers
export interface WelcomeMessage {
  type: 'welcome';
  protocolVersion: number;
  controllerId: string;
  intersectionIds: string[];
  serverTimeMs: number;
  heartbeatIntervalMs: number;
}
export interface PlanMessage {
  type: 'plan';
  plan: PhasePlan;
}

// /v1/feed
export interface NetworkSummary {
  name: string;
  timeZone: string;
  intersections: Array<{ id: string; name: string; position: { xMetres: number; yMetres: number; lat?: number; lon?: number }; control: string; phaseIds: string[]; detectors: number }>;
  links: number;
  /** Pairs of intersections joined by at least one link, for drawing the map. */
  roads: Array<[string, string]>;
  detectors: number;
}

export interface KpiDelta extends IntersectionKpi {
  type: 'kpi';
  atMs: number;
}

export interface Alarm {
  type: 'alarm';
  alarmId: number;
  /** When the alarm was last raised (its latest occurrence). */
  atMs: number;
  /** When its first occurrence in this run of the same cause was raised. */
  firstAtMs: number;
  /** Occurrences of the same cause (code, intersection, controller) coalesced into this alarm. */
  count: number;
  severity: 'info' | 'warning' | 'critical';
  code: string;
  message: string;
  intersectionId?: string;
  /** Every intersection the alarm is about, when more than one (a controller's); viewers see alarms in their scope. */
  intersectionIds?: string[];
  controllerId?: string;
}

/** An operator override in force (or just ended, in an `override` delta with `active: false`). */
export interface OverrideState {
  intersectionId: string;
  action: 'hold' | 'fallback';
  reason: string;
  /** The operator token's subject. */
  by: string;
  sinceMs: number;
  untilMs: number;
  /** Version of the plan held or forced. */
  planVersion: number;
  /** fallback: the time-of-day plan forced (its startsAt). */
  fallbackPlan?: string;
}

/** The two clocks of a feed: engine time (of `kpi`, `plan`, `detector` and `stats` deltas) and the server's wall time. */
export interface FeedClock {
  /** The engine's clock now, epoch ms: the counts' time, simulated when `simulated`. */
  engineAtMs: number;
  /** The engine runs on a simulated clock (the demo's), `speedup` times faster than real time. */
  simulated: boolean;
  speedup?: number;
}

export interface SnapshotMessage {
  type: 'snapshot';
  protocolVersion: number;
  /** The server's wall time. */
  atMs: number;
  clock: FeedClock;
  network: NetworkSummary;
  plans: PhasePlan[];
  controllers: ControllerView[];
  detectors: { total: number; healthy: number; faulty: DetectorHealth[] };
  /** The last recentKpiIntervals optimisation intervals, oldest first. */
  kpis: Array<{ atMs: number; kpis: IntersectionKpi[] }>;
  alarms: Alarm[];
  /** Operator overrides in force on intersections in scope. */
  overrides?: OverrideState[];
  counters: EngineCounters;
}

export type FeedDelta =
  | { type: 'plan'; atMs: number; plan: PhasePlan; previousVersion: number | null }
  | { type: 'plan-rejected'; atMs: number; intersectionId: string; problems: string[]; codes: string[]; keptVersion: number | null }
  | { type: 'ack'; atMs: number; controllerId: string; intersectionId: string; version: number; status: 'accepted' | 'rejected'; reason?: string }
  | ({ type: 'controller'; atMs: number } & ControllerView)
  | { type: 'detector'; atMs: number; health: DetectorHealth }
  | KpiDelta
  | Alarm
  | ({ type: 'override'; atMs: number; active: boolean } & OverrideState)
  /** Each optimisation interval: `atMs` its engine time, `wallAtMs` the server's wall time then. */
  | { type: 'stats'; atMs: number; wallAtMs: number; counters: EngineCounters; clients: Record<string, number> };

export function networkSummary(network: NetworkFile): NetworkSummary {
  const detectorsAt = new Map<string, number>();
  for (const d of network.detectors) detectorsAt.set(d.intersectionId, (detectorsAt.get(d.intersectionId) ?? 0) + 1);
  const seen = new Set<string>();
  const roads: Array<[string, string]> = [];
  for (const l of network.links) {
    if (l.fromIntersectionId === null || l.toIntersectionId === null) continue;
    const [a, b] = [l.fromIntersectionId, l.toIntersectionId].sort();
    if (seen.has(pairKey(a, b))) continue;
    seen.add(pairKey(a, b));
    roads.push([a, b]);
  }
  return {
    name: network.name,
    timeZone: network.timeZone ?? 'UTC',
    intersections: network.intersections.map((x) => ({
      id: x.id,
      name: x.name,
      position: x.position,
      control: x.control,
      phaseIds: x.phases.map((p) => p.id),
      detectors: detectorsAt.get(x.id) ?? 0,
    })),
    links: network.links.length,
    roads,
    detectors: network.detectors.length,
  };
}
