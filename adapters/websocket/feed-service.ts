import type { SchedulerLike } from 'rxjs';
import type { IntersectionKpi } from '../../engine/index.js';
import { alarmIntersections, AlarmBook, causeKey, type AlarmInput } from './alarm-book.js';
import type { ControllerRegistry } from './controller-registry.js';
import { createFeedHub } from './feed-hub.js';
import type { LiveEngine } from './live-engine.js';
import { LogRateLimiter } from './log-rate-limiter.js';
import { networkSummary, PROTOCOL_VERSION, type Alarm, type FeedDelta, type OverrideState, type SnapshotMessage } from './outbound-messages.js';
import type { Client, ServerContext } from './server-context.js';

/**
 * The pseudo-intersection of server-wide alarms (no intersection): in scope only for unrestricted tokens (`*`), as no
 * real id is `*` and no prefix pattern matches it.
 */
const SERVER_WIDE = '*';

/**
 * The operators' feed: a snapshot for each new subscriber, then deltas fanned out by scope (feed-hub), and the
 * alarms (coalesced per cause, logged once a minute per cause, visible only in scope).
 */
export function createFeedService(
  ctx: ServerContext,
  scheduler: SchedulerLike,
  registry: ControllerRegistry,
  engine: LiveEngine,
  overridesInScope: (inScope: (id: string) => boolean) => OverrideState[],
) {
  const { metrics, limits, log } = ctx;
  const alarms = new AlarmBook(limits);
  const alarmLog = new LogRateLimiter(60_000);
  const recentKpis: Array<{ atMs: number; kpis: IntersectionKpi[] }> = [];
  const subscribers = new Map<Client['ws'], Client>();
  const hub = createFeedHub({
    limits,
    scheduler,
    onConflated: () => metrics.inc('greenwave_feed_deltas_conflated_total'),
    onSlowConsumer: (ws, detail) => {
      log.warn({ client: subscribers.get(ws)?.id, ...detail }, 'feed client too slow: dropped');
      ctx.fatal(ws, 'GW_PROTO_SLOW_CONSUMER', `more than ${limits.feedMaxBufferedBytes} bytes behind or stalled ${detail.stalledMs} ms`);
    },
  });

  const service = {
    /** Subscribes a feed client: its snapshot first, then the deltas it may see. */
    add(client: Client): void {
      subscribers.set(client.ws, client);
      hub.add(client.ws, (ids) => ids.some((id) => client.inScope(id)), JSON.stringify(snapshot(client)));
    },
    remove(client: Client): void {
      subscribers.delete(client.ws);
      hub.remove(client.ws);
    },
    publish(key: string, delta: FeedDelta, intersectionIds: readonly string[] = []): void {
      hub.publish(key, delta, intersectionIds);
      if (ctx.taps.size > 0) ctx.emitTap({ kind: 'feed', key, delta });
    },
    /** Raises an alarm, or counts one more occurrence of an open alarm of the same cause; logged once a minute per cause. */
    raiseAlarm(input: AlarmInput): Alarm {
      const t = ctx.now();
      const { alarm, isNew } = alarms.raise(input, t);
      metrics.inc('greenwave_alarms_total', { code: alarm.code, severity: alarm.severity });
      if (!isNew) metrics.inc('greenwave_alarms_coalesced_total');
      const { log: logNow, suppressed } = alarmLog.admit(causeKey(alarm), t);
      if (logNow) log.warn({ alarm: alarm.code, alarmId: alarm.alarmId, count: alarm.count, repeatsSinceLastLog: suppressed, intersectionId: alarm.intersectionId, controllerId: alarm.controllerId }, alarm.message);
      // the key is the alarm: an update replaces a held-back earlier state of the same alarm for slow feed clients
      const scope = alarmIntersections(alarm);
      service.publish(`alarm:${alarm.alarmId}`, alarm, scope.length > 0 ? scope : [SERVER_WIDE]);
      return alarm;
    },
    /** Keeps an interval's KPIs for the snapshots of later subscribers. */
    rememberKpis(atMs: number, kpis: IntersectionKpi[]): void {
      recentKpis.push({ atMs, kpis });
      if (recentKpis.length > limits.recentKpiIntervals) recentKpis.shift();
    },
    get backloggedClients(): number {
      return hub.backloggedClients;
    },
    close(): void {
      hub.close();
    },
  };
  return service;

  function snapshot(client: Client): SnapshotMessage {
    const t = ctx.now();
    const visible = (id: string) => client.inScope(id);
    const core = engine.core;
    const health = core.detectorHealth().filter((h) => visible(h.intersectionId));
    return {
      type: 'snapshot',
      protocolVersion: PROTOCOL_VERSION,
      atMs: t,
      clock: { engineAtMs: engine.now(), simulated: engine.simulatedSpeedup !== undefined, ...(engine.simulatedSpeedup !== undefined ? { speedup: engine.simulatedSpeedup } : {}) },
      network: networkSummary(ctx.network),
      plans: [...core.plans(t).values()].filter((p) => visible(p.intersectionId)),
      controllers: registry.views().filter((v) => v.intersections.some((x) => visible(x.intersectionId))),
      detectors: { total: health.length, healthy: health.filter((h) => h.healthy).length, faulty: health.filter((h) => !h.healthy) },
      kpis: recentKpis.map((k) => ({ atMs: k.atMs, kpis: k.kpis.filter((x) => visible(x.intersectionId)) })),
      alarms: alarms.recent().filter((a) => alarmVisible(client, a)),
      overrides: overridesInScope(visible),
      counters: core.counters,
    };
  }

  function alarmVisible(client: Client, alarm: Alarm): boolean {
    const scope = alarmIntersections(alarm);
    return scope.length > 0 ? scope.some((id) => client.inScope(id)) : client.inScope(SERVER_WIDE);
  }
}

export type FeedService = ReturnType<typeof createFeedService>;
