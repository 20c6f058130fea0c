import type { RawData } from 'ws';
import type { PhasePlan } from '../../engine/index.js';
import type { ControllerRegistry } from './controller-registry.js';
import type { FeedService } from './feed-service.js';
import { controllerMessageSchema, parseMessage, type AckMessage, type HelloMessage } from './inbound-messages.js';
import type { LiveEngine } from './live-engine.js';
import { PROTOCOL_VERSION, type FeedDelta, type WelcomeMessage } from './outbound-messages.js';
import { protocolError, type ErrorMessage } from './protocol-errors.js';
import { text, type Client, type ServerContext } from './server-context.js';
import { mayClaimControllerId } from './tokens.js';

/**
 * Controller sessions on /v1/controllers: hello (identity bound to the token, ownership of intersections), plans
 * sent, acknowledgements. Ownership lives in one place, the registry (`ownerOf`); this keeps only which socket is
 * each controller's session.
 */
export function createControllerSessions(ctx: ServerContext, registry: ControllerRegistry, engine: LiveEngine, feed: FeedService, signalized: ReadonlySet<string>) {
  const { metrics, limits, log } = ctx;
  const sessions = new Map<string, Client>();

  return {
    onMessage(client: Client, data: RawData): void {
      if (!ctx.admitMessage(client, data)) return;
      if (client.controllerId) registry.heartbeat(client.controllerId, ctx.now());
      const parsed = parseMessage(text(data), controllerMessageSchema);
      if (!parsed.ok) return ctx.reject(client, parsed.error);
      const msg = parsed.message;
      ctx.emitTap({ kind: 'controller-message', atMs: ctx.now(), clientId: client.id, message: msg });
      if (msg.type === 'hello') onHello(client, msg);
      else onAck(client, msg);
    },
    onPong(client: Client): void {
      if (client.controllerId) registry.heartbeat(client.controllerId, ctx.now());
    },
    /** A socket closed: its controller goes offline (and an alarm says so unless the server is stopping). */
    onClose(client: Client, code: number, stopping: boolean): void {
      const controllerId = client.controllerId;
      if (!controllerId || sessions.get(controllerId) !== client) return;
      sessions.delete(controllerId);
      const t = ctx.now();
      registry.disconnect(controllerId, t);
      const view = registry.view(controllerId)!;
      const ids = view.intersections.map((x) => x.intersectionId);
      feed.publish(`controller:${controllerId}`, { type: 'controller', atMs: t, ...view }, ids);
      if (!stopping && ids.length > 0)
        feed.raiseAlarm({ severity: 'warning', code: 'controller-offline', controllerId, intersectionIds: ids, message: `controller ${controllerId} went offline (close ${code}); it runs ${ids.join(', ')}` });
    },
    /** Sends a plan to the controller that runs its intersection, when it is connected. */
    deliver(plan: PhasePlan): void {
      const owner = registry.ownerOf(plan.intersectionId);
      const session = owner === null ? undefined : sessions.get(owner);
      if (session) sendPlan(session, plan);
    },
  };

  function onHello(client: Client, msg: HelloMessage): void {
    const requested = msg.intersectionIds ?? [...signalized].filter((id) => client.inScope(id));
    for (const [i, id] of requested.entries()) {
      if (!signalized.has(id)) return ctx.reject(client, protocolError('GW_PROTO_UNKNOWN_INTERSECTION', `intersectionIds[${i}]`, 'no signalized intersection with this id in the network', id));
      if (!client.inScope(id)) return ctx.reject(client, protocolError('GW_PROTO_INTERSECTION_NOT_IN_SCOPE', `intersectionIds[${i}]`, `token ${client.claims.sub} may not control ${id}`, id));
    }
    if (requested.length === 0) return ctx.reject(client, protocolError('GW_PROTO_INTERSECTION_NOT_IN_SCOPE', 'intersectionIds', "no signalized intersection in the token's scope"));
    const controllerId = msg.controllerId ?? client.claims.sub;
    const sub = client.claims.sub;
    if (!mayClaimControllerId(sub, controllerId))
      return refuseClaim(client, protocolError('GW_PROTO_IDENTITY_REFUSED', 'controllerId', `token ${sub} may only be controller ${sub} (or ${sub}/<name>)`, controllerId), controllerId, requested);
    // Only the same identity supersedes a session; another identity waits until the owner is offline.
    for (const [i, id] of requested.entries()) {
      const owner = registry.ownerOf(id);
      if (owner !== null && owner !== controllerId && sessions.has(owner))
        return refuseClaim(client, protocolError('GW_PROTO_INTERSECTION_OWNED', `intersectionIds[${i}]`, `${id} is run by controller ${owner}, online; ${controllerId} cannot take it over`, id), controllerId, [id]);
    }
    const t = ctx.now();
    // A second hello on the same socket re-registers; the same id on another socket replaces a half-open one.
    if (client.controllerId && client.controllerId !== controllerId) detach(client);
    const previous = sessions.get(controllerId);
    if (previous && previous !== client) {
      previous.controllerId = undefined;
      ctx.fatal(previous.ws, 'GW_PROTO_SUPERSEDED', `controller ${controllerId} connected again`);
    }
    registry.connect(controllerId, requested, t);
    client.controllerId = controllerId;
    sessions.set(controllerId, client);
    const welcome: WelcomeMessage = { type: 'welcome', protocolVersion: PROTOCOL_VERSION, controllerId, intersectionIds: requested, serverTimeMs: t, heartbeatIntervalMs: limits.heartbeatIntervalMs };
    ctx.send(client.ws, welcome);
    const plans = engine.core.plans(t);
    for (const id of requested) {
      const plan = plans.get(id);
      if (plan && registry.needsPlan(id, plan.version, msg.runningVersions?.[id])) sendPlan(client, plan);
    }
    const view = registry.view(controllerId)!;
    log.debug({ controllerId, intersections: requested.length }, 'controller online');
    feed.publish(`controller:${controllerId}`, { type: 'controller', atMs: t, ...view }, requested);
  }

  /** A refused identity or ownership claim: answered, counted, and raised as a critical alarm on each intersection. */
  function refuseClaim(client: Client, error: ErrorMessage, claimedId: string, intersectionIds: readonly string[]): void {
    ctx.reject(client, error);
    for (const intersectionId of intersectionIds)
      feed.raiseAlarm({
        severity: 'critical',
        code: 'controller-claim-refused',
        intersectionId,
        controllerId: claimedId,
        message: `token ${client.claims.sub} claimed to be controller ${claimedId} for ${intersectionId}: ${error.reason}`,
      });
  }

  function detach(client: Client): void {
    const id = client.controllerId!;
    client.controllerId = undefined;
    if (sessions.get(id) === client) {
      sessions.delete(id);
      registry.disconnect(id, ctx.now());
    }
  }

  function onAck(client: Client, msg: AckMessage): void {
    const controllerId = client.controllerId;
    if (!controllerId) return ctx.reject(client, protocolError('GW_PROTO_NOT_REGISTERED', 'type', 'send hello before acknowledging plans', msg.type));
    if (registry.ownerOf(msg.intersectionId) !== controllerId)
      return ctx.reject(client, protocolError('GW_PROTO_INTERSECTION_NOT_IN_SCOPE', 'intersectionId', `controller ${controllerId} does not run ${msg.intersectionId}`, msg.intersectionId));
    const t = ctx.now();
    const outcome = registry.acked(msg.intersectionId, msg.version, msg.status, msg.reason, t);
    if (outcome === 'unknown') {
      ctx.reject(client, protocolError('GW_PROTO_UNKNOWN_PLAN', 'version', `no plan version ${msg.version} was sent for ${msg.intersectionId} in this engine run (versions from ${registry.firstVersion}); the plan in force follows`, msg.version));
      // a controller acknowledging a plan this run never issued runs something else: give it the plan in force
      const inForce = engine.core.plans(t).get(msg.intersectionId);
      if (inForce) sendPlan(client, inForce);
      return;
    }
    metrics.inc('greenwave_plans_acked_total', { status: msg.status });
    const delta: FeedDelta = { type: 'ack', atMs: t, controllerId, intersectionId: msg.intersectionId, version: msg.version, status: msg.status };
    if (msg.reason !== undefined) delta.reason = msg.reason;
    feed.publish(`ack:${msg.intersectionId}`, delta, [msg.intersectionId]);
    if (msg.status === 'rejected' && outcome === 'current')
      feed.raiseAlarm({ severity: 'critical', code: 'plan-refused', intersectionId: msg.intersectionId, controllerId, message: `controller ${controllerId} refused plan v${msg.version} for ${msg.intersectionId}: ${msg.reason}` });
  }

  function sendPlan(client: Client, plan: PhasePlan): void {
    ctx.send(client.ws, { type: 'plan', plan });
    registry.sent(plan.intersectionId, plan.version, ctx.now());
    metrics.inc('greenwave_plans_sent_total');
  }
}

export type ControllerSessions = ReturnType<typeof createControllerSessions>;
