import type { Alarm, FeedDelta, NetworkSummary, OverrideState, SnapshotMessage } from '../../../adapters/websocket/outbound-messages.js';
import type { ControllerView } from '../../../adapters/websocket/controller-registry.js';
import type { DetectorHealth, IntersectionKpi } from '../../../engine/index.js';
import type { EngineCounters } from '../../../engine/index.js';
import type { PhasePlan } from '../../../engine/index.js';

/** How much history the page keeps in memory (a browser tab left open all week must not grow). */
export const LIMITS = Object.freeze({
  historyMs: 3_600_000,
  plansPerIntersection: 20,
  alarms: 200,
});

export interface KpiSeries {
  atMs: number[];
  flowVehPerHour: number[];
  degreeOfSaturation: number[];
}

export interface DashboardState {
  network: NetworkSummary | null;
  plans: Map<string, PhasePlan>;
  planHistory: Map<string, PhasePlan[]>;
  controllers: Map<string, ControllerView>;
  /** Controller running each intersection, and whether it is online. */
  controlOf: Map<string, { controllerId: string; online: boolean }>;
  faultyDetectors: Map<string, DetectorHealth>;
  detectorTotals: { total: number; healthy: number };
  latestKpi: Map<string, IntersectionKpi & { atMs: number }>;
  kpiSeries: Map<string, KpiSeries>;
  alarms: Alarm[];
  /** Operator overrides in force, by intersection. */
  overrides: Map<string, OverrideState>;
  counters: EngineCounters | null;
  clients: Record<string, number>;
  /** Engine time (the counts' time; simulated in the demo) of the newest engine message, epoch ms. */
  engineAtMs: number;
  /** The server's wall time of the newest message that carries it, epoch ms. */
  wallAtMs: number;
  /** The engine runs on a simulated clock, this much faster than real time (undefined: live time). */
  simulatedSpeedup: number | undefined;
  /** Bumped on every change, so views can cheaply tell that something moved. */
  revision: number;
  /** Intersections whose marks on the map changed since the map last drew (it clears it); all after a snapshot. */
  changed: Set<string>;
  allChanged: boolean;
}

export function emptyState(): DashboardState {
  return {
    network: null,
    plans: new Map(),
    planHistory: new Map(),
    controllers: new Map(),
    controlOf: new Map(),
    faultyDetectors: new Map(),
    detectorTotals: { total: 0, healthy: 0 },
    latestKpi: new Map(),
    kpiSeries: new Map(),
    alarms: [],
    overrides: new Map(),
    counters: null,
    clients: {},
    engineAtMs: 0,
    wallAtMs: 0,
    simulatedSpeedup: undefined,
    revision: 0,
    changed: new Set(),
    allChanged: true,
  };
}

/** A snapshot replaces everything the page knew (after a reconnect too), keeping the KPI history it had. */
export function applySnapshot(previous: DashboardState, s: SnapshotMessage): DashboardState {
  const state = emptyState();
  state.network = s.network;
  state.kpiSeries = previous.kpiSeries;
  state.planHistory = previous.planHistory;
  for (const p of s.plans) {
    state.plans.set(p.intersectionId, p);
    pushPlan(state, p);
  }
  for (const c of s.controllers) setController(state, c);
  for (const d of s.detectors.faulty) state.faultyDetectors.set(d.detectorId, d);
  state.detectorTotals = { total: s.detectors.total, healthy: s.detectors.healthy };
  for (const interval of s.kpis) for (const k of interval.kpis) addKpi(state, { ...k, atMs: interval.atMs });
  state.alarms = s.alarms.slice(-LIMITS.alarms);
  for (const o of s.overrides ?? []) state.overrides.set(o.intersectionId, o);
  state.counters = s.counters;
  state.wallAtMs = s.atMs;
  // a server of an earlier protocol revision has one clock
  state.engineAtMs = s.clock?.engineAtMs ?? s.atMs;
  state.simulatedSpeedup = s.clock?.simulated ? (s.clock.speedup ?? 1) : undefined;
  state.revision = previous.revision + 1;
  return state;
}

/** Applies one delta in place and bumps the revision. */
export function applyDelta(state: DashboardState, d: FeedDelta): void {
  switch (d.type) {
    case 'plan':
      state.plans.set(d.plan.intersectionId, d.plan);
      pushPlan(state, d.plan);
      break;
    case 'controller':
      setController(state, d);
      for (const x of d.intersections) state.changed.add(x.intersectionId);
      break;
    case 'detector':
      state.changed.add(d.health.intersectionId);
      if (d.health.healthy) state.faultyDetectors.delete(d.health.detectorId);
      else state.faultyDetectors.set(d.health.detectorId, d.health);
      state.detectorTotals = { total: state.detectorTotals.total, healthy: state.detectorTotals.total - state.faultyDetectors.size };
      break;
    case 'kpi':
      addKpi(state, d);
      state.changed.add(d.intersectionId);
      break;
    case 'override': {
      const { type: _type, atMs: _atMs, active, ...o } = d;
      if (active) state.overrides.set(o.intersectionId, o);
      else state.overrides.delete(o.intersectionId);
      break;
    }
    case 'alarm': {
      // a repeated cause comes back as the same alarm with a higher count: replace it
      const i = state.alarms.findIndex((a) => a.alarmId === d.alarmId);
      if (i >= 0) state.alarms.splice(i, 1);
      state.alarms.push(d);
      if (state.alarms.length > LIMITS.alarms) state.alarms.splice(0, state.alarms.length - LIMITS.alarms);
    }
      break;
    case 'stats':
      state.counters = d.counters;
      state.clients = d.clients;
      if (d.wallAtMs !== undefined) state.wallAtMs = Math.max(state.wallAtMs, d.wallAtMs);
      break;
    case 'ack':
    case 'plan-rejected':
      break;
  }
  if (ENGINE_TIMED.has(d.type)) state.engineAtMs = Math.max(state.engineAtMs, d.atMs);
  else state.wallAtMs = Math.max(state.wallAtMs, d.atMs);
  state.revision++;
}

/** Deltas stamped with engine time; the others (alarms, acks, controllers, overrides) carry the server's wall time. */
const ENGINE_TIMED = new Set<FeedDelta['type']>(['plan', 'plan-rejected', 'detector', 'kpi', 'stats']);

function pushPlan(state: DashboardState, plan: PhasePlan): void {
  const list = state.planHistory.get(plan.intersectionId) ?? [];
  if (list.length > 0 && list[list.length - 1].version === plan.version && list[list.length - 1].computedAtMs === plan.computedAtMs) return;
  list.push(plan);
  if (list.length > LIMITS.plansPerIntersection) list.splice(0, list.length - LIMITS.plansPerIntersection);
  state.planHistory.set(plan.intersectionId, list);
}

function setController(state: DashboardState, c: ControllerView): void {
  const view: ControllerView = { controllerId: c.controllerId, online: c.online, connectedAtMs: c.connectedAtMs, lastHeartbeatMs: c.lastHeartbeatMs, disconnectedAtMs: c.disconnectedAtMs, intersections: c.intersections };
  state.controllers.set(c.controllerId, view);
  for (const x of c.intersections) state.controlOf.set(x.intersectionId, { controllerId: c.controllerId, online: c.online });
}

function addKpi(state: DashboardState, k: IntersectionKpi & { atMs: number }): void {
  const prev = state.latestKpi.get(k.intersectionId);
  if (!prev || prev.atMs <= k.atMs) state.latestKpi.set(k.intersectionId, { intersectionId: k.intersectionId, flowVehPerHour: k.flowVehPerHour, maxDegreeOfSaturation: k.maxDegreeOfSaturation, delayVehHoursPerHour: k.delayVehHoursPerHour, faultyDetectors: k.faultyDetectors, atMs: k.atMs });
  const s = state.kpiSeries.get(k.intersectionId) ?? { atMs: [], flowVehPerHour: [], degreeOfSaturation: [] };
  const last = s.atMs[s.atMs.length - 1];
  if (last !== undefined && k.atMs <= last) return;
  s.atMs.push(k.atMs);
  s.flowVehPerHour.push(k.flowVehPerHour);
  s.degreeOfSaturation.push(k.maxDegreeOfSaturation);
  let drop = 0;
  while (drop < s.atMs.length && s.atMs[drop] < k.atMs - LIMITS.historyMs) drop++;
  if (drop > 0) {
    s.atMs.splice(0, drop);
    s.flowVehPerHour.splice(0, drop);
    s.degreeOfSaturation.splice(0, drop);
  }
  state.kpiSeries.set(k.intersectionId, s);
}

export type SaturationBand = 'none' | 'low' | 'medium' | 'high' | 'over';

/** Colour bands for degree of saturation: below 0.6, 0.6–0.85, 0.85–1, above 1. */
export function saturationBand(dos: number | undefined): SaturationBand {
  if (dos === undefined || Number.isNaN(dos)) return 'none';
  if (dos < 0.6) return 'low';
  if (dos < 0.85) return 'medium';
  if (dos <= 1) return 'high';
  return 'over';
}

/** Faulty detectors per intersection. */
export function faultsByIntersection(state: DashboardState): Map<string, DetectorHealth[]> {
  const out = new Map<string, DetectorHealth[]>();
  for (const d of state.faultyDetectors.values()) out.set(d.intersectionId, [...(out.get(d.intersectionId) ?? []), d]);
  return out;
}
