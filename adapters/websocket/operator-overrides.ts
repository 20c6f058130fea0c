import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { localMinuteOfDay, timeOfDayPhasePlan, timeOfDayPlanAt, type EngineEvent } from '../../engine/index.js';
import type { AuditEntry, AuditLog } from './audit-log.js';
import type { FeedService } from './feed-service.js';
import type { LiveEngine } from './live-engine.js';
import type { OverrideState } from './outbound-messages.js';
import type { RevocationList } from './revocation-list.js';
import type { ServerContext } from './server-context.js';
import { scopeMatcher, verifyToken, type TokenClaims } from './tokens.js';

const MAX_BODY_BYTES = 16 * 1024;

export const operatorRequestSchema = z
  .strictObject({
    action: z.enum(['hold', 'fallback', 'return']),
    intersectionId: z.string().min(1).max(128),
    reason: z.string().trim().min(3).max(500),
    /** hold and fallback: how long the override lasts before the engine takes over again. */
    expiresInSeconds: z.number().int().min(10).max(7 * 86_400).optional(),
    /** fallback: which time-of-day plan (its startsAt, "HH:MM"); default the one due now. */
    fallbackPlan: z.string().regex(/^\d{2}:\d{2}$/).optional(),
  })
  .refine((r) => r.action === 'return' || r.expiresInSeconds !== undefined, { message: 'hold and fallback need expiresInSeconds', path: ['expiresInSeconds'] })
  .refine((r) => r.action === 'fallback' || r.fallbackPlan === undefined, { message: 'only a fallback names a fallbackPlan', path: ['fallbackPlan'] });
export type OperatorRequest = z.infer<typeof operatorRequestSchema>;

type HttpAnswer = { status: number; body: unknown };

/**
 * Operator overrides: over POST /v1/operator an operator token may hold an intersection on its plan in force, force
 * one of its fallback (time-of-day) plans, or return it to the engine, each with a reason and an expiry. The engine
 * obeys (a held intersection's optimised plans are not adopted; a forced plan passes the safety gate first), the
 * feed shows every override (`override` deltas, `overrides` in the snapshot), and every action, refused ones too,
 * is appended to the audit log, readable at GET /v1/audit by operators.
 */
export function createOperatorOverrides(
  ctx: ServerContext,
  engine: LiveEngine,
  feed: FeedService,
  audit: AuditLog,
  auth: { secret: string; revocations: RevocationList },
  onPlanEvent: (event: EngineEvent) => void,
) {
  const active = new Map<string, OverrideState>();
  const signalized = new Map(ctx.network.intersections.filter((x) => x.control === 'signalized').map((x) => [x.id, x]));

  return {
    /** Handles POST /v1/operator and GET /v1/audit; false for other routes. */
    handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
      if (path === '/v1/operator' && req.method === 'POST') {
        const claims = authenticate(req, res);
        if (claims) readBody(req, res, (body) => answer(res, act(claims, body)));
        return true;
      }
      if (path === '/v1/audit' && req.method === 'GET') {
        const claims = authenticate(req, res);
        if (claims) {
          const limit = Math.min(1000, Math.max(1, Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('limit') ?? 100) || 100));
          const inScope = scopeMatcher(claims.scope);
          answer(res, { status: 200, body: { entries: audit.recent(limit, (e) => inScope(e.intersectionId)) } });
        }
        return true;
      }
      if (path === '/v1/operator' || path === '/v1/audit') {
        answer(res, { status: 405, body: { error: { code: 'GW_HTTP_METHOD_NOT_ALLOWED', reason: `use ${path === '/v1/audit' ? 'GET' : 'POST'} ${path}` } } });
        return true;
      }
      return false;
    },
    /** Overrides in force that a client may see. */
    visible(inScope: (id: string) => boolean): OverrideState[] {
      return [...active.values()].filter((o) => inScope(o.intersectionId));
    },
    /** Returns expired overrides to the engine (called every housekeeping tick). */
    expire(nowMs: number): void {
      for (const o of [...active.values()])
        if (o.untilMs <= nowMs) {
          end(o.intersectionId, nowMs);
          audit.append({ atMs: nowMs, by: 'system', action: 'expire', intersectionId: o.intersectionId, reason: `${o.action} by ${o.by} expired`, result: 'applied' });
        }
    },
    get activeCount(): number {
      return active.size;
    },
  };

  function act(claims: TokenClaims, body: unknown): HttpAnswer {
    const parsed = operatorRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.join('.') || '(body)';
      return { status: 400, body: { error: { code: 'GW_OPERATOR_INVALID_REQUEST', field, reason: issue.message } } };
    }
    const r = parsed.data;
    const t = ctx.now();
    const x = signalized.get(r.intersectionId);
    if (!x) return { status: 404, body: { error: { code: 'GW_PROTO_UNKNOWN_INTERSECTION', field: 'intersectionId', reason: 'no signalized intersection with this id in the network', value: r.intersectionId } } };
    if (!scopeMatcher(claims.scope)(r.intersectionId))
      return { status: 403, body: { error: { code: 'GW_PROTO_INTERSECTION_NOT_IN_SCOPE', field: 'intersectionId', reason: `token ${claims.sub} may not override ${r.intersectionId}`, value: r.intersectionId } } };
    const entry: AuditEntry = { atMs: t, by: claims.sub, ...(claims.jti ? { jti: claims.jti } : {}), action: r.action, intersectionId: r.intersectionId, reason: r.reason, result: 'applied' };
    ctx.metrics.inc('greenwave_operator_actions_total', { action: r.action });
    if (r.action === 'return') {
      if (!active.has(r.intersectionId)) return refused(entry, 409, 'GW_OPERATOR_NOTHING_TO_RETURN', `${r.intersectionId} has no override in force`);
      end(r.intersectionId, t);
      audit.append(entry);
      return { status: 200, body: { result: 'applied', intersectionId: r.intersectionId, override: null } };
    }
    const untilMs = t + r.expiresInSeconds! * 1000;
    entry.expiresAtMs = untilMs;
    const core = engine.core;
    let planVersion = core.plans(t).get(r.intersectionId)!.version;
    if (r.action === 'fallback') {
      const tod = r.fallbackPlan === undefined ? timeOfDayPlanAt(x.fallbackPlans, localMinuteOfDay(t, ctx.network.timeZone)) : x.fallbackPlans.find((p) => p.startsAt === r.fallbackPlan);
      if (!tod) return refused(entry, 400, 'GW_OPERATOR_INVALID_REQUEST', `${r.intersectionId} has no fallback plan starting at ${r.fallbackPlan}; it has ${x.fallbackPlans.map((p) => p.startsAt).join(', ')}`, 'fallbackPlan');
      entry.fallbackPlan = tod.startsAt;
      const adopted = core.adopt(timeOfDayPhasePlan(x, tod, t), t);
      // the safety gate still applies to what an operator forces
      if (!adopted.ok) return refused(entry, 409, 'GW_OPERATOR_UNSAFE_PLAN', `the safety gate stopped fallback plan ${tod.startsAt}: ${adopted.problems.join('; ')}`);
      onPlanEvent(adopted.event);
      if (adopted.event.type === 'plan') planVersion = adopted.event.plan.version;
    }
    core.hold(r.intersectionId, true);
    const state: OverrideState = { intersectionId: r.intersectionId, action: r.action, reason: r.reason, by: claims.sub, sinceMs: t, untilMs, planVersion, ...(entry.fallbackPlan ? { fallbackPlan: entry.fallbackPlan } : {}) };
    active.set(r.intersectionId, state);
    entry.planVersion = planVersion;
    audit.append(entry);
    feed.publish(`override:${r.intersectionId}`, { type: 'override', atMs: t, active: true, ...state }, [r.intersectionId]);
    ctx.log.info({ operator: claims.sub, ...state }, 'operator override');
    return { status: 200, body: { result: 'applied', override: state } };
  }

  function refused(entry: AuditEntry, status: number, code: string, reason: string, field?: string): HttpAnswer {
    audit.append({ ...entry, result: 'refused', detail: reason });
    ctx.metrics.inc('greenwave_operator_actions_refused_total', { code });
    return { status, body: { result: 'refused', error: { code, reason, ...(field ? { field } : {}) } } };
  }

  function end(intersectionId: string, nowMs: number): void {
    const o = active.get(intersectionId);
    if (!o) return;
    active.delete(intersectionId);
    engine.core.hold(intersectionId, false);
    feed.publish(`override:${intersectionId}`, { type: 'override', atMs: nowMs, active: false, ...o }, [intersectionId]);
  }

  /** The operator token of a request (header only: no tokens in URLs of state-changing requests), or an answer sent. */
  function authenticate(req: IncomingMessage, res: ServerResponse): TokenClaims | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const refuse = (status: number, code: string, reason: string) => {
      ctx.metrics.inc('greenwave_connections_refused_total', { code });
      answer(res, { status, body: { error: { code, reason } } });
      return undefined;
    };
    if (!m) return refuse(401, 'GW_AUTH_MISSING_TOKEN', 'send "Authorization: Bearer <operator token>"');
    const checked = verifyToken(auth.secret, m[1], ctx.now());
    if (!checked.ok) return refuse(401, checked.code, checked.reason);
    if (auth.revocations.has(checked.claims.jti)) return refuse(401, 'GW_AUTH_TOKEN_REVOKED', `token ${checked.claims.jti} is revoked`);
    if (checked.claims.role !== 'operator') return refuse(403, 'GW_AUTH_WRONG_ROLE', `operator actions and the audit log need role operator, the token has role ${checked.claims.role}`);
    return checked.claims;
  }

  function readBody(req: IncomingMessage, res: ServerResponse, then: (body: unknown) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        answer(res, { status: 413, body: { error: { code: 'GW_PROTO_MESSAGE_TOO_LARGE', reason: `more than ${MAX_BODY_BYTES} bytes` } } });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        return answer(res, { status: 400, body: { error: { code: 'GW_PROTO_MALFORMED_JSON', field: '(body)', reason: (err as Error).message } } });
      }
      try {
        then(body);
      } catch (err) {
        ctx.logFault(`operator: ${(err as Error)?.message}`, { err }, 'operator action failed');
        answer(res, { status: 500, body: { error: { code: 'GW_INTERNAL', reason: 'the action failed; see the server log' } } });
      }
    });
    req.on('error', () => undefined);
  }
}

function answer(res: ServerResponse, a: HttpAnswer): void {
  if (res.headersSent) return;
  res.writeHead(a.status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(a.body));
}

export type OperatorOverrides = ReturnType<typeof createOperatorOverrides>;
