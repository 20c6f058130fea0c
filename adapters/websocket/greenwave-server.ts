import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { asyncScheduler, interval, type SchedulerLike, type Subscription } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatInstant, type EngineConfigInput, type EngineCore, type EngineEvent } from '../../engine/index.js';
import type { NetworkFile } from '../../network-models/index.js';
import type { AdmissionTicket } from './admission.js';
import type { AlarmInput } from './alarm-book.js';
import { AuditLog } from './audit-log.js';
import { createConnectionGate } from './connection-gate.js';
import { createOperatorOverrides } from './operator-overrides.js';
import { ControllerRegistry } from './controller-registry.js';
import { createControllerSessions } from './controller-sessions.js';
import { createDetectorIngestion } from './detector-ingestion.js';
import { createFeedService } from './feed-service.js';
import { LiveEngine } from './live-engine.js';
import { LogRateLimiter } from './log-rate-limiter.js';
import { PROTOCOL_VERSION, type Alarm } from './outbound-messages.js';
import { httpStatusOf, protocolError } from './protocol-errors.js';
import { ClientRateLimits } from './rate-limits.js';
import { RevocationList } from './revocation-list.js';
import { ServerContext, type Client, type TapEvent } from './server-context.js';
import { resolveServerLimits, type ServerLimits } from './server-limits.js';
import { CongestionWatch } from './congestion-watch.js';
import { ServerMetrics } from './server-metrics.js';
import { ROLES, scopeMatcher, weakSecretReason, type Role, type TokenClaims } from './tokens.js';
import { authorizeUpgrade, type Endpoint } from './upgrade-auth.js';

export type { TapEvent } from './server-context.js';

export interface GreenwaveServerOptions {
  network: NetworkFile;
  /** HMAC secret that signs tokens. Refused when empty, weak or a well-known default, unless `demo`. */
  secret: string;
  /** Demo mode: a weak secret is accepted (and the server says so in its log). */
  demo?: boolean;
  /** Interface to bind; default 127.0.0.1 (this machine only). */
  host?: string;
  /** Port; default 8080, 0 = any free port. */
  port?: number;
  /** Serve https and wss with this certificate and key (PEM); default plain http and ws. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  engine?: EngineConfigInput;
  /**
   * Version of this engine run's first plans; default `epochPlanVersionBase(start time)`, so that versions never
   * repeat across restarts and a controller still running a plan of an earlier run is recognised as such.
   */
  planVersionBase?: number;
  limits?: Partial<ServerLimits>;
  /**
   * Revoked token ids, one per line: re-read every `revocationReloadMs` when it changed (and by
   * `reloadRevocations()`); a revoked token is refused and its open connections are closed (4012).
   */
  revocationFile?: string;
  /** Operators' audit log (NDJSON, appended; kept with the recordings); default: in memory only. */
  auditFile?: string;
  logger?: Logger;
  /** The one clock of the server: timers, rate limits, token expiry; default asyncScheduler (live time). */
  scheduler?: SchedulerLike;
  /**
   * The time the counts are stamped in, epoch ms: it bounds how far a count's timestamp may move the engine clock
   * and keeps planning when counts stop. Default: the scheduler's clock. The demo passes its simulated clock (a
   * morning at 30x); the engine then runs on simulated time and the feed names both times.
   */
  engineTimeMs?: () => number;
  /** Set when `engineTimeMs` is a simulated clock: how much faster than real time it runs (named in the feed). */
  simulatedSpeedup?: number;
  /**
   * Extension point for plain HTTP requests no built-in route answered (e.g. static files of a dashboard):
   * return true when the request was handled.
   */
  httpFallback?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface ListeningAddress {
  host: string;
  port: number;
  httpUrl: string;
  wsUrl: string;
}

/** Refused configuration (weak secret, bad limits): the server does not start. */
export class ServerConfigError extends Error {
  readonly code = 'GW_CONFIG_INVALID';
}

/**
 * The live engine behind one HTTP server: detectors publish counts on /v1/detectors, controllers receive and
 * acknowledge plans on /v1/controllers, viewers and operators watch /v1/feed; GET /health and GET /metrics for
 * machines. This composes the parts, each in its own module: admission and authentication (connection-gate,
 * admission), rate limits (rate-limits), detector ingestion, controller sessions (one ownership map: the
 * registry), the feed and its alarms (feed-service), metrics, and the heartbeat and housekeeping below, all on one
 * injected clock. Nothing a client sends can stop the engine or disturb another client. Protocol: docs/protocol.md.
 */
export function createGreenwaveServer(options: GreenwaveServerOptions) {
  const weak = weakSecretReason(options.secret);
  if (weak && !options.demo) throw new ServerConfigError(`refusing to start: ${weak}; set a strong secret (>= 32 random bytes: \`greenwave token --new-secret\`) or run in demo mode`);
  const limits = resolveServerLimits(options.limits);
  const congestion = new CongestionWatch(limits.congestionAlarmMs);
  const log = options.logger ?? pino({ level: 'silent' });
  const scheduler = options.scheduler ?? asyncScheduler;
  const now = () => scheduler.now();
  const network = options.network;
  const detectorIds = new Set(network.detectors.map((d) => d.id));
  const signalized = new Set(network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id));
  const planVersionBase = options.planVersionBase ?? epochPlanVersionBase(now());
  if (!Number.isSafeInteger(planVersionBase) || planVersionBase < 0) throw new ServerConfigError(`planVersionBase = ${planVersionBase}: must be a whole number >= 0`);

  const metrics = new ServerMetrics();
  const ctx = new ServerContext(network, limits, log, metrics, now, (delayMs, fn) => void scheduler.schedule(fn, delayMs), new LogRateLimiter(60_000));
  const revocations = new RevocationList(options.revocationFile);
  const registry = new ControllerRegistry(planVersionBase);
  const engine = new LiveEngine(network, scheduler, { ...options.engine, planVersionBase }, options.engineTimeMs, options.simulatedSpeedup);
  const feed = createFeedService(ctx, scheduler, registry, engine, (inScope) => overrides.visible(inScope));
  const detectors = createDetectorIngestion(ctx, engine, detectorIds);
  const controllers = createControllerSessions(ctx, registry, engine, feed, signalized);
  const audit = new AuditLog(options.auditFile);
  const overrides = createOperatorOverrides(ctx, engine, feed, audit, { secret: options.secret, revocations }, (event) => guard('engine-event', () => onEngineEvent(event)));
  const clients = new Map<WebSocket, Client>();
  let clientSeq = 0;
  let lastKpiAtMs: number | null = null;
  let startedAtMs = 0;
  let timers: Subscription[] = [];
  let closing: Promise<void> | undefined;

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  const gate = createConnectionGate(ctx, wss, options.secret, revocations, () => closing !== undefined, onConnection);
  const onRequest = (req: IncomingMessage, res: ServerResponse) => guard('http', () => onHttpRequest(req, res));
  const http = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest);
  const scheme = options.tls ? { http: 'https', ws: 'wss' } : { http: 'http', ws: 'ws' };
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    guard('upgrade', () => {
      try {
        gate.onUpgrade(req, socket, head);
      } catch (err) {
        socket.destroy();
        throw err;
      }
    }),
  );

  metrics.gauge('greenwave_connected_clients', 'Open WebSocket connections, by role.', () => ROLES.map((role) => [{ role }, countClients(role)]));
  metrics.gauge('greenwave_connection_slots_held', 'Connection slots held (open connections and handshakes in progress), by role.', () => ROLES.map((role) => [{ role }, gate.admission.held(role)]));
  metrics.gauge('greenwave_controllers_online', 'Controllers registered (hello) and connected.', () => registry.onlineCount);
  metrics.gauge('greenwave_feed_backlogged_clients', 'Feed clients whose deltas are being held back and conflated.', () => feed.backloggedClients);
  metrics.gauge('greenwave_operator_overrides_active', 'Intersections under an operator override (hold or forced fallback).', () => overrides.activeCount);
  metrics.gauge('greenwave_revoked_token_ids', 'Token ids in the revocation list last read.', () => revocations.size);
  metrics.gauge('greenwave_last_optimisation_age_seconds', 'Seconds since the last optimisation interval ended (-1 before the first).', () =>
    lastKpiAtMs === null ? -1 : (engine.now() - lastKpiAtMs) / 1000,
  );

  // this is our public API:
  return {
    /** Starts the engine and listens; resolves with the bound address. */
    async listen(): Promise<ListeningAddress> {
      const loaded = await revocations.reload();
      if (loaded.error) throw new ServerConfigError(loaded.error);
      startedAtMs = now();
      engine.start(
        (event) => guard('engine-event', () => onEngineEvent(event)),
        (err) => log.error({ err }, 'engine pipeline failed'),
      );
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
          http.off('error', reject);
          resolve();
        });
      });
      // every server timer runs on the injected scheduler: virtual time in tests moves all of them together
      timers = [
        interval(limits.heartbeatIntervalMs, scheduler).subscribe(() => guard('heartbeat', heartbeat)),
        interval(Math.min(1000, limits.planAckTimeoutMs), scheduler).subscribe(() => guard('housekeeping', housekeeping)),
        ...(options.revocationFile ? [interval(limits.revocationReloadMs, scheduler).subscribe(() => void reloadRevocations())] : []),
      ];
      const address = this.address!;
      log.info({ url: address.httpUrl, network: network.name, demo: Boolean(options.demo) }, 'greenwave server listening');
      if (weak) log.warn(`demo mode: ${weak}; tokens from this server are not protected`);
      return address;
    },
    get address(): ListeningAddress | undefined {
      const a = http.address() as AddressInfo | null;
      if (!a) return undefined;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      return { host: a.address, port: a.port, httpUrl: `${scheme.http}://${host}:${a.port}`, wsUrl: `${scheme.ws}://${host}:${a.port}` };
    },
    /** Closes every connection (1001), stops the engine and the HTTP server. Idempotent. */
    close(): Promise<void> {
      closing ??= shutdown();
      return closing;
    },
    /** Listens to everything received and decided (counts, controller messages, engine events, feed deltas). */
    tap(listener: (e: TapEvent) => void): () => void {
      ctx.taps.add(listener);
      return () => ctx.taps.delete(listener);
    },
    /** Raises an alarm on the feed (for components outside the engine); a repeated cause updates the open alarm. */
    raiseAlarm(alarm: AlarmInput): Alarm {
      return feed.raiseAlarm(alarm);
    },
    /** Re-reads the revocation file now and closes the connections of newly revoked tokens; resolves with the ids listed. */
    async reloadRevocations(): Promise<number> {
      await reloadRevocations();
      return revocations.size;
    },
    metrics,
    controllers: registry,
    /** The running engine core (read-only queries), once listening. */
    get core(): EngineCore | undefined {
      return engine.started ? engine.core : undefined;
    },
    /** Version of this engine run's first plans; every plan it issues is at or above it. */
    planVersionBase,
    /**
     * When this engine run started, in engine time, with what a replay needs to start where it did (its plan
     * versions and period); undefined before listen().
     */
    get engineStart(): { atMs: number; planVersionBase: number; optimisationPeriodSeconds: number } | undefined {
      return engine.startedAtMs === undefined ? undefined : { atMs: engine.startedAtMs, planVersionBase, optimisationPeriodSeconds: engine.optimisationPeriodSeconds };
    },
    /** The engine's clock (engine time), and the clock the counts are stamped in. */
    engineNow: () => engine.now(),
    get limits(): Readonly<ServerLimits> {
      return limits;
    },
  };

  function onEngineEvent(event: EngineEvent): void {
    ctx.emitTap({ kind: 'engine', event });
    switch (event.type) {
      case 'engine-fault':
        metrics.inc('greenwave_engine_faults_total', { stage: event.stage });
        ctx.logFault(`engine ${event.stage}: ${event.cause}`, { stage: event.stage, intersectionIds: event.intersectionIds, cause: event.cause }, 'engine fault caught; the rest flows on');
        break;
      case 'plan': {
        metrics.inc('greenwave_plans_issued_total');
        const id = event.plan.intersectionId;
        feed.publish(`plan:${id}`, { type: 'plan', atMs: event.atMs, plan: event.plan, previousVersion: event.previousVersion }, [id]);
        controllers.deliver(event.plan);
        break;
      }
      case 'plan-rejected':
        feed.publish(`plan-rejected:${event.intersectionId}`, event, [event.intersectionId]);
        feed.raiseAlarm({ severity: 'warning', code: 'plan-unsafe', intersectionId: event.intersectionId, message: `optimised plan stopped by the safety gate: ${event.problems.join('; ')}` });
        break;
      case 'detector-fault':
      case 'detector-recovered':
        feed.publish(`detector:${event.health.detectorId}`, { type: 'detector', atMs: event.atMs, health: event.health }, [event.health.intersectionId]);
        if (event.type === 'detector-fault')
          feed.raiseAlarm({
            severity: 'warning',
            code: 'detector-fault',
            intersectionId: event.health.intersectionId,
            message: `detector ${event.health.detectorId} ${event.health.fault ?? 'faulty'}: its lane's demand falls back on history, then its last healthy flow`,
          });
        break;
      case 'kpi':
        lastKpiAtMs = event.atMs;
        feed.rememberKpis(event.atMs, event.kpis);
        for (const alarm of congestion.check(event.atMs, event.kpis)) feed.raiseAlarm(alarm);
        for (const k of event.kpis) feed.publish(`kpi:${k.intersectionId}`, { type: 'kpi', atMs: event.atMs, ...k }, [k.intersectionId]);
        feed.publish('stats', { type: 'stats', atMs: event.atMs, wallAtMs: now(), counters: engine.core.counters, clients: clientsByRole() });
        break;
    }
  }

  // ---- HTTP ----

  function onHttpRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/health') return json(res, 200, health());
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(metrics.render());
    }
    if (req.method === 'GET' && path === '/v1/feed') return feedAccessCheck(req, res);
    if (overrides.handle(req, res, path)) return;
    if (options.httpFallback?.(req, res)) return;
    json(res, 404, { error: { code: 'GW_HTTP_NOT_FOUND', reason: `no route ${req.method} ${path}; try GET /health, GET /metrics, POST /v1/operator, GET /v1/audit or a WebSocket on /v1/feed` } });
  }

  /**
   * GET /v1/feed without an upgrade: would this token be let in, and if not why (the same decision as the
   * upgrade's). A browser cannot read why its WebSocket was refused; the dashboard asks here to say it.
   */
  function feedAccessCheck(req: IncomingMessage, res: ServerResponse): void {
    const decision = authorizeUpgrade(req, options.secret, now());
    if (!decision.ok) return json(res, httpStatusOf(decision.code), { error: { code: decision.code, reason: decision.reason } });
    if (revocations.has(decision.claims.jti))
      return json(res, httpStatusOf('GW_AUTH_TOKEN_REVOKED'), { error: { code: 'GW_AUTH_TOKEN_REVOKED', reason: `token ${decision.claims.jti} (${decision.claims.sub}) is revoked` } });
    json(res, 200, { ok: true, role: decision.claims.role, sub: decision.claims.sub });
  }

  function health() {
    return {
      status: closing ? 'stopping' : 'ok',
      protocolVersion: PROTOCOL_VERSION,
      network: network.name,
      uptimeSeconds: Math.round((now() - startedAtMs) / 1000),
      lastOptimisationAtMs: lastKpiAtMs,
      clients: clientsByRole(),
      controllersOnline: registry.onlineCount,
      engine: engine.started ? engine.core.counters : undefined,
    };
  }

  // ---- connections ----

  function onConnection(ws: WebSocket, endpoint: Endpoint, claims: TokenClaims, ticket: AdmissionTicket): void {
    const client: Client = {
      id: `${claims.role}:${claims.sub}#${++clientSeq}`,
      ws,
      endpoint,
      claims,
      alive: true,
      rate: new ClientRateLimits(limits, now()),
      ticket,
      inScope: memoScope(claims.scope, endpoint === 'detectors' ? detectorIds : signalized),
    };
    clients.set(ws, client);
    log.debug({ client: client.id, endpoint }, 'client connected');
    ws.on('pong', () => {
      client.alive = true;
      controllers.onPong(client);
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the connection itself on protocol violations (1009, 1007, 1002): count them by cause
      const code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'GW_PROTO_FRAME_TOO_LARGE' : err.code === 'WS_ERR_INVALID_UTF8' ? 'GW_PROTO_INVALID_UTF8' : err.code?.startsWith('WS_ERR_') ? 'GW_PROTO_BAD_FRAME' : undefined;
      if (code) {
        metrics.inc('greenwave_clients_dropped_total', { code });
        ctx.logFault(`ws ${code}`, { client: client.id, wsError: err.code, limit: code === 'GW_PROTO_FRAME_TOO_LARGE' ? limits.maxFrameBytes : undefined }, `${code}: connection closed by the WebSocket layer`, 'warn');
      } else log.debug({ client: client.id, err: err.message }, 'socket error');
    });
    ws.on('close', (code) => guard('close', () => onClose(client, code)));
    if (endpoint === 'detectors') ws.on('message', (data) => guard('detector-message', () => detectors.onMessage(client, data)));
    else if (endpoint === 'controllers') ws.on('message', (data) => guard('controller-message', () => controllers.onMessage(client, data)));
    else {
      ws.on('message', (data) =>
        guard('feed-message', () => {
          if (ctx.admitMessage(client, data)) ctx.reject(client, protocolError('GW_PROTO_READ_ONLY', '(message)', 'the feed accepts no messages'));
        }),
      );
      feed.add(client);
    }
  }

  function onClose(client: Client, code: number): void {
    clients.delete(client.ws);
    client.ticket.release();
    feed.remove(client);
    log.debug({ client: client.id, code }, 'client disconnected');
    controllers.onClose(client, code, closing !== undefined);
  }

  /**
   * Runs one handler so that an exception in it (a defect) costs only the message or event being handled: it is
   * counted and logged, rate-limited per cause, and never reaches the process.
   */
  function guard(where: string, run: () => void): void {
    try {
      run();
    } catch (err) {
      metrics.inc('greenwave_handler_faults_total', { handler: where });
      const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      ctx.logFault(`${where}: ${cause}`, { handler: where, err }, 'handler failed; message dropped');
    }
  }

  // ---- heartbeat and housekeeping ----

  function heartbeat(): void {
    for (const client of clients.values()) {
      if (!client.alive) {
        metrics.inc('greenwave_clients_dropped_total', { code: 'GW_PROTO_HEARTBEAT_TIMEOUT' });
        log.warn({ client: client.id }, 'no pong: connection terminated');
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }

  function housekeeping(): void {
    const t = now();
    // expiry is enforced on open connections too, not only at connect
    for (const client of clients.values())
      if (client.claims.exp !== undefined && client.claims.exp * 1000 <= t && client.ws.readyState === client.ws.OPEN)
        ctx.fatal(client.ws, 'GW_PROTO_TOKEN_EXPIRED', `token of ${client.claims.sub} expired at ${formatInstant(client.claims.exp * 1000)}`);
    overrides.expire(t);
    for (const o of registry.overdue(t, limits.planAckTimeoutMs))
      feed.raiseAlarm({
        severity: 'warning',
        code: 'plan-unacknowledged',
        intersectionId: o.intersectionId,
        ...(o.controllerId ? { controllerId: o.controllerId } : {}),
        message: `plans for ${o.intersectionId} not acknowledged for ${Math.round((t - o.waitingSinceMs) / 1000)} s (newest v${o.version})`,
      });
  }

  async function reloadRevocations(): Promise<void> {
    const r = await revocations.reload();
    if (r.error) return ctx.logFault(`revocations: ${r.error}`, { file: options.revocationFile }, `${r.error}; keeping the ${revocations.size} ids read before`);
    if (!r.changed) return;
    log.info({ file: options.revocationFile, revokedIds: revocations.size }, 'revocation list reloaded');
    for (const client of clients.values())
      if (revocations.has(client.claims.jti) && client.ws.readyState === client.ws.OPEN) ctx.fatal(client.ws, 'GW_PROTO_TOKEN_REVOKED', `token ${client.claims.jti} was revoked`);
  }

  async function shutdown(): Promise<void> {
    log.info('greenwave server stopping');
    for (const t of timers) t.unsubscribe();
    const closed = [...clients.values()].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          ctx.fatal(c.ws, 'GW_PROTO_SERVER_SHUTDOWN', 'the server is stopping');
          // a client that does not read never answers the close frame: terminate it on the wall clock, as a
          // virtual clock may never move again
          setTimeout(() => c.ws.terminate(), 1000).unref();
        }),
    );
    await Promise.all(closed);
    feed.close();
    engine.stop();
    metrics.close();
    await new Promise<void>((resolve) => {
      if (!http.listening) return resolve();
      http.close(() => resolve());
      http.closeAllConnections();
    });
    wss.close();
    log.info('greenwave server stopped');
  }

  function clientsByRole(): Record<Role, number> {
    return Object.fromEntries(ROLES.map((role) => [role, countClients(role)])) as Record<Role, number>;
  }

  function countClients(role: Role): number {
    let n = 0;
    for (const c of clients.values()) if (c.claims.role === role) n++;
    return n;
  }
}

export type GreenwaveServer = ReturnType<typeof createGreenwaveServer>;

/**
 * Plan versions of an engine run started at `startMs`: ten per second of the epoch. An engine adopts at most one
 * plan per intersection per optimisation period (>= 1 s), so a run never reaches the base of a later one (given a
 * clock that does not step back) and versions never repeat across restarts, with nothing persisted.
 */
export function epochPlanVersionBase(startMs: number): number {
  return Math.max(0, Math.floor(startMs / 1000) * 10);
}

/** Scope check memoised for ids of the network only, so that unknown ids cannot grow the memo. */
function memoScope(scope: readonly string[], known: ReadonlySet<string>): (id: string) => boolean {
  const match = scopeMatcher(scope);
  if (scope.includes('*')) return match;
  const memo = new Map<string, boolean>();
  return (id) => {
    let hit = memo.get(id);
    if (hit === undefined) {
      hit = match(id);
      if (known.has(id)) memo.set(id, hit);
    }
    return hit;
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
