import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { asyncScheduler, interval, Subject, type SchedulerLike, type Subscription } from 'rxjs';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { createEnginePipeline } from '../../engine/index.js';
import type { EngineConfigInput } from '../../engine/index.js';
import type { EngineCore } from '../../engine/index.js';
import type { EngineEvent, InputError, IntersectionKpi } from '../../engine/index.js';
import type { PhasePlan } from '../../engine/index.js';
import type { NetworkFile } from '../../network-models/index.js';
import { ControllerRegistry } from './controller-registry.js';
import { createFeedHub } from './feed-hub.js';
import { controllerMessageSchema, detectorMessageSchema, parseMessage, type AckMessage, type HelloMessage } from './inbound-messages.js';
import { networkSummary, PROTOCOL_VERSION, type Alarm, type FeedDelta, type ResultMessage, type SnapshotMessage, type WelcomeMessage } from './outbound-messages.js';
import { closeCodeOf, fromInputError, protocolError, type ErrorMessage, type FatalErrorCode } from './protocol-errors.js';
import { resolveServerLimits, type ServerLimits } from './server-limits.js';
import { Admission, type AdmissionTicket } from './admission.js';
import { alarmIntersections, AlarmBook, causeKey, type AlarmInput } from './alarm-book.js';
import { LogRateLimiter } from './log-rate-limiter.js';
import { ServerMetrics } from './server-metrics.js';
import { mayClaimControllerId, ROLES, scopeMatcher, weakSecretReason, type Role, type TokenClaims } from './tokens.js';
import { authorizeUpgrade, refuseUpgrade, type Endpoint } from './upgrade-auth.js';

export interface GreenwaveServerOptions {
  network: NetworkFile;
  /** HMAC secret that signs tokens. Refused when empty, short or a well-known default, unless `demo`. */
  secret: string;
  /** Demo mode: a weak secret is accepted (and the server says so in its log). */
  demo?: boolean;
  /** Interface to bind; default 127.0.0.1 (this machine only). */
  host?: string;
  /** Port; default 8080, 0 = any free port. */
  port?: number;
  engine?: EngineConfigInput;
  /**
   * Version of this engine run's first plans; default `epochPlanVersionBase(start time)`, so that versions never
   * repeat across restarts and a controller still running a plan of an earlier run is recognised as such.
   */
  planVersionBase?: number;
  limits?: Partial<ServerLimits>;
  logger?: Logger;
  /** Engine clock and timers; default asyncScheduler (live time). */
  scheduler?: SchedulerLike;
  /**
   * Extension point for plain HTTP requests no built-in route answered (e.g. static files of a dashboard):
   * return true when the request was handled.
   */
  httpFallback?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Everything the server receives and decides, for recorders and debugging; see `GreenwaveServer.tap`. */
export type TapEvent =
  | { kind: 'count'; atMs: number; clientId: string; record: unknown; error?: ErrorMessage }
  | { kind: 'controller-message'; atMs: number; clientId: string; message: HelloMessage | AckMessage }
  | { kind: 'engine'; event: EngineEvent }
  | { kind: 'feed'; key: string; delta: FeedDelta };

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

interface Client {
  id: string;
  ws: WebSocket;
  endpoint: Endpoint;
  claims: TokenClaims;
  alive: boolean;
  tokens: number;
  recordTokens: number;
  refilledAtMs: number;
  /** The connection slot, released when the socket closes. */
  ticket: AdmissionTicket;
  errorsInWindow: number;
  errorWindowStartMs: number;
  /** detectors: may it publish for this detector; controllers/feed: may it see this intersection. */
  inScope: (id: string) => boolean;
  controllerId?: string;
}

/**
 * The live engine behind one HTTP server: detectors publish counts on /v1/detectors, controllers receive and
 * acknowledge plans on /v1/controllers, operators watch /v1/feed; GET /health and GET /metrics for machines.
 * Inbound messages are validated and bad ones answered with coded errors; nothing a client sends can stop the
 * engine or disturb another client. Protocol: docs/protocol.md.
 */
export function createGreenwaveServer(options: GreenwaveServerOptions) {
  const weak = weakSecretReason(options.secret);
  if (weak && !options.demo) throw new ServerConfigError(`refusing to start: ${weak}; set a strong secret (>= 16 random characters) or run in demo mode`);
  const limits = resolveServerLimits(options.limits);
  const log = options.logger ?? pino({ level: 'silent' });
  const scheduler = options.scheduler ?? asyncScheduler;
  const now = () => scheduler.now();
  const network = options.network;
  const detectorIds = new Set(network.detectors.map((d) => d.id));
  const signalized = new Set(network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id));

  const planVersionBase = options.planVersionBase ?? epochPlanVersionBase(now());
  if (!Number.isSafeInteger(planVersionBase) || planVersionBase < 0) throw new ServerConfigError(`planVersionBase = ${planVersionBase}: must be a whole number >= 0`);
  const metrics = new ServerMetrics();
  const admission = new Admission(limits);
  const registry = new ControllerRegistry(planVersionBase);
  const clients = new Map<WebSocket, Client>();
  const controllerSockets = new Map<string, Client>();
  const ownerOf = new Map<string, string>();
  const taps = new Set<(e: TapEvent) => void>();
  const recentKpis: Array<{ atMs: number; kpis: IntersectionKpi[] }> = [];
  const alarms = new AlarmBook(limits);
  let clientSeq = 0;
  let core: EngineCore | undefined;
  let engineSubscription: Subscription | undefined;
  let counts$: Subject<unknown> | undefined;
  let lastInputError: InputError | undefined;
  let lastKpiAtMs: number | null = null;
  let startedAtMs = 0;
  let timers: Subscription[] = [];
  let closing: Promise<void> | undefined;
  /** Repeated causes (engine faults, handler faults, alarms) are logged once a minute with the count of repeats. */
  const faultLog = new LogRateLimiter(60_000);
  const alarmLog = new LogRateLimiter(60_000);

  const feed = createFeedHub({
    limits,
    scheduler,
    onConflated: () => metrics.inc('greenwave_feed_deltas_conflated_total'),
    onSlowConsumer: (ws, detail) => {
      const client = clients.get(ws);
      log.warn({ client: client?.id, ...detail }, 'feed client too slow: dropped');
      fatal(ws, 'GW_PROTO_SLOW_CONSUMER', `more than ${limits.feedMaxBufferedBytes} bytes behind or stalled ${detail.stalledMs} ms`);
    },
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  const http = createServer(onHttpRequest);
  http.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) =>
    guard('upgrade', () => {
      try {
        onUpgrade(req, socket, head);
      } catch (err) {
        socket.destroy();
        throw err;
      }
    }),
  );

  metrics.gauge('greenwave_connected_clients', 'Open WebSocket connections, by role.', () => ROLES.map((role) => [{ role }, countClients(role)]));
  metrics.gauge('greenwave_connection_slots_held', 'Connection slots held (open connections and handshakes in progress), by role.', () => ROLES.map((role) => [{ role }, admission.held(role)]));
  metrics.gauge('greenwave_controllers_online', 'Controllers registered (hello) and connected.', () => registry.onlineCount);
  metrics.gauge('greenwave_feed_backlogged_clients', 'Feed clients whose deltas are being held back and conflated.', () => feed.backloggedClients);
  metrics.gauge('greenwave_last_optimisation_age_seconds', 'Seconds since the last optimisation interval ended (-1 before the first).', () =>
    lastKpiAtMs === null ? -1 : (now() - lastKpiAtMs) / 1000,
  );

  // this is our public API:
  return {
    /** Starts the engine and listens; resolves with the bound address. */
    async listen(): Promise<ListeningAddress> {
      startEngine();
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
      return { host: a.address, port: a.port, httpUrl: `http://${host}:${a.port}`, wsUrl: `ws://${host}:${a.port}` };
    },
    /** Closes every connection (1001), stops the engine and the HTTP server. Idempotent. */
    close(): Promise<void> {
      closing ??= shutdown();
      return closing;
    },
    /** Listens to everything received and decided (counts, controller messages, engine events, feed deltas). */
    tap(listener: (e: TapEvent) => void): () => void {
      taps.add(listener);
      return () => taps.delete(listener);
    },
    /** Raises an alarm on the feed (for components outside the engine). */
    raiseAlarm(alarm: AlarmInput): Alarm {
      return raiseAlarm(alarm);
    },
    metrics,
    controllers: registry,
    /** The running engine core (read-only queries), once listening. */
    get core(): EngineCore | undefined {
      return core;
    },
    /** Version of this engine run's first plans; every plan it issues is at or above it. */
    planVersionBase,
    get limits(): Readonly<ServerLimits> {
      return limits;
    },
  };

  // ---- engine ----

  function startEngine(): void {
    if (engineSubscription) return;
    startedAtMs = now();
    counts$ = new Subject<unknown>();
    engineSubscription = createEnginePipeline(network, counts$, { scheduler, config: { ...options.engine, planVersionBase }, onCore: (c) => (core = c) }).subscribe({
      next: (event) => guard('engine-event', () => onEngineEvent(event)),
      error: (err: unknown) => log.error({ err }, 'engine pipeline failed'),
    });
  }

  /**
   * Feeds one record to the engine and returns its rejection. The pipeline handles `next` synchronously, so an
   * input-error emitted during the call belongs to this record.
   */
  function ingest(record: unknown): InputError | undefined {
    lastInputError = undefined;
    counts$!.next(record);
    const error = lastInputError;
    lastInputError = undefined;
    return error;
  }

  function onEngineEvent(event: EngineEvent): void {
    if (event.type === 'input-error') {
      lastInputError = event.error;
      return; // routed to the sender by ingest(), counted there
    }
    emitTap({ kind: 'engine', event });
    switch (event.type) {
      case 'engine-fault':
        metrics.inc('greenwave_engine_faults_total', { stage: event.stage });
        logFault(`engine ${event.stage}: ${event.cause}`, { stage: event.stage, intersectionIds: event.intersectionIds, cause: event.cause }, 'engine fault caught; the rest flows on');
        break;
      case 'plan': {
        metrics.inc('greenwave_plans_issued_total');
        const id = event.plan.intersectionId;
        publish(`plan:${id}`, { type: 'plan', atMs: event.atMs, plan: event.plan, previousVersion: event.previousVersion }, [id]);
        const owner = ownerOf.get(id);
        const client = owner === undefined ? undefined : controllerSockets.get(owner);
        if (client) sendPlan(client, event.plan);
        break;
      }
      case 'plan-rejected':
        publish(`plan-rejected:${event.intersectionId}`, event, [event.intersectionId]);
        raiseAlarm({ severity: 'warning', code: 'plan-unsafe', intersectionId: event.intersectionId, message: `optimised plan stopped by the safety gate: ${event.problems.join('; ')}` });
        break;
      case 'detector-fault':
      case 'detector-recovered':
        publish(`detector:${event.health.detectorId}`, { type: 'detector', atMs: event.atMs, health: event.health }, [event.health.intersectionId]);
        break;
      case 'kpi':
        lastKpiAtMs = event.atMs;
        recentKpis.push({ atMs: event.atMs, kpis: event.kpis });
        if (recentKpis.length > limits.recentKpiIntervals) recentKpis.shift();
        for (const k of event.kpis) publish(`kpi:${k.intersectionId}`, { type: 'kpi', atMs: event.atMs, ...k }, [k.intersectionId]);
        publish('stats', { type: 'stats', atMs: event.atMs, counters: core!.counters, clients: clientsByRole() });
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
    if (options.httpFallback?.(req, res)) return;
    json(res, 404, { error: { code: 'GW_HTTP_NOT_FOUND', reason: `no route ${req.method} ${path}; try GET /health, GET /metrics or a WebSocket on /v1/feed` } });
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
      engine: core?.counters,
    };
  }

  // ---- connections ----

  function onUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refuse = (code: Parameters<typeof refuseUpgrade>[1], reason: string) => {
      metrics.inc('greenwave_connections_refused_total', { code });
      log.warn({ code, reason, remote: req.socket.remoteAddress, path: req.url?.split('?')[0] }, 'connection refused');
      refuseUpgrade(socket, code, reason);
    };
    if (closing) return refuse('GW_HTTP_TOO_MANY_CLIENTS', 'the server is stopping');
    const decision = authorizeUpgrade(req, options.secret, Date.now());
    if (!decision.ok) return refuse(decision.code, decision.reason);
    const ticket = admission.admit(decision.claims);
    if (!ticket.ok) return refuse(ticket.code, ticket.reason);
    // The slot is held until the socket closes: ws answers a bad handshake (missing key, wrong version) itself,
    // destroys the socket and never calls back.
    let upgraded = false;
    socket.once('close', () => {
      ticket.release();
      if (!upgraded) metrics.inc('greenwave_connections_refused_total', { code: 'GW_HTTP_BAD_HANDSHAKE' });
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      onConnection(ws, decision.endpoint, decision.claims, ticket);
    });
  }

  function onConnection(ws: WebSocket, endpoint: Endpoint, claims: TokenClaims, ticket: AdmissionTicket): void {
    const t = now();
    const client: Client = {
      id: `${claims.role}:${claims.sub}#${++clientSeq}`,
      ws,
      endpoint,
      claims,
      alive: true,
      tokens: limits.maxMessagesPerSecond,
      recordTokens: limits.maxRecordsPerSecond,
      refilledAtMs: t,
      ticket,
      errorsInWindow: 0,
      errorWindowStartMs: t,
      inScope: memoScope(claims.scope, endpoint === 'detectors' ? detectorIds : signalized),
    };
    clients.set(ws, client);
    log.debug({ client: client.id, endpoint }, 'client connected');
    ws.on('pong', () => {
      client.alive = true;
      if (client.controllerId) registry.heartbeat(client.controllerId, now());
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the connection itself on protocol violations (1009, 1007, 1002): count them by cause
      const code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'GW_PROTO_FRAME_TOO_LARGE' : err.code === 'WS_ERR_INVALID_UTF8' ? 'GW_PROTO_INVALID_UTF8' : err.code?.startsWith('WS_ERR_') ? 'GW_PROTO_BAD_FRAME' : undefined;
      if (code) {
        metrics.inc('greenwave_clients_dropped_total', { code });
        logFault(`ws ${code}`, { client: client.id, wsError: err.code, limit: code === 'GW_PROTO_FRAME_TOO_LARGE' ? limits.maxFrameBytes : undefined }, `${code}: connection closed by the WebSocket layer`);
      } else log.debug({ client: client.id, err: err.message }, 'socket error');
    });
    ws.on('close', (code) => onClose(client, code));
    if (endpoint === 'detectors') ws.on('message', (data) => guard('detector-message', () => onDetectorMessage(client, data)));
    else if (endpoint === 'controllers') ws.on('message', (data) => guard('controller-message', () => onControllerMessage(client, data)));
    else {
      ws.on('message', (data) => guard('feed-message', () => {
        if (admit(client, data)) reject(client, protocolError('GW_PROTO_READ_ONLY', '(message)', 'the feed accepts no messages'));
      }));
      feed.add(ws, (ids) => ids.some((id) => client.inScope(id)), JSON.stringify(snapshot(client)));
    }
  }

  function onClose(client: Client, code: number): void {
    clients.delete(client.ws);
    client.ticket.release();
    feed.remove(client.ws);
    log.debug({ client: client.id, code }, 'client disconnected');
    const controllerId = client.controllerId;
    if (controllerId && controllerSockets.get(controllerId) === client) {
      controllerSockets.delete(controllerId);
      registry.disconnect(controllerId, now());
      const view = registry.view(controllerId)!;
      publish(`controller:${controllerId}`, { type: 'controller', atMs: now(), ...view }, view.intersections.map((x) => x.intersectionId));
      if (!closing && view.intersections.length > 0)
        raiseAlarm({ severity: 'warning', code: 'controller-offline', controllerId, intersectionIds: view.intersections.map((x) => x.intersectionId), message: `controller ${controllerId} went offline (close ${code}); it runs ${view.intersections.map((x) => x.intersectionId).join(', ')}` });
    }
  }

  /** Size and rate checks common to every endpoint; false when the message was dropped. */
  function admit(client: Client, data: RawData): boolean {
    metrics.inc('greenwave_messages_received_total', { endpoint: client.endpoint });
    const t = now();
    const elapsedSeconds = Math.max(0, (t - client.refilledAtMs) / 1000);
    client.tokens = Math.min(limits.maxMessagesPerSecond, client.tokens + elapsedSeconds * limits.maxMessagesPerSecond);
    client.recordTokens = Math.min(limits.maxRecordsPerSecond, client.recordTokens + elapsedSeconds * limits.maxRecordsPerSecond);
    client.refilledAtMs = t;
    if (client.tokens < 1) {
      reject(client, protocolError('GW_PROTO_RATE_LIMITED', '(message)', `more than ${limits.maxMessagesPerSecond} messages per second (maxMessagesPerSecond); message dropped`));
      return false;
    }
    client.tokens -= 1;
    const size = byteLength(data);
    if (size > limits.maxMessageBytes) {
      reject(client, protocolError('GW_PROTO_MESSAGE_TOO_LARGE', '(message)', `${size} bytes is more than maxMessageBytes = ${limits.maxMessageBytes}`, size));
      return false;
    }
    return true;
  }

  // ---- detectors: the hot path ----

  function onDetectorMessage(client: Client, data: RawData): void {
    if (!admit(client, data)) return;
    const parsed = parseMessage(text(data), detectorMessageSchema);
    if (!parsed.ok) return reject(client, parsed.error);
    const msg = parsed.message;
    const records = msg.type === 'count' ? 1 : msg.counts.length;
    if (records > client.recordTokens && records <= limits.maxBatchRecords) {
      const error = protocolError('GW_PROTO_RATE_LIMITED', msg.type === 'count' ? '(message)' : 'counts', `${records} records would exceed maxRecordsPerSecond = ${limits.maxRecordsPerSecond}; message dropped`, records);
      if (msg.id !== undefined) error.ref = msg.id;
      metrics.inc('greenwave_records_rate_limited_total', undefined, records);
      return reject(client, error);
    }
    if (records <= limits.maxBatchRecords) client.recordTokens -= records;
    if (msg.type === 'count') {
      const error = ingestRecord(client, msg, '', undefined);
      if (msg.id !== undefined) {
        const result: ResultMessage = { type: 'result', ref: msg.id, accepted: error ? 0 : 1, rejected: error ? 1 : 0, errors: error ? [error] : [] };
        send(client.ws, result);
      } else if (error) sendError(client, error);
      return;
    }
    if (msg.counts.length > limits.maxBatchRecords) {
      const error = protocolError('GW_PROTO_BATCH_TOO_LARGE', 'counts', `${msg.counts.length} records is more than maxBatchRecords = ${limits.maxBatchRecords}; batch dropped`, msg.counts.length);
      if (msg.id !== undefined) error.ref = msg.id;
      return reject(client, error);
    }
    const errors: ErrorMessage[] = [];
    let rejected = 0;
    for (let i = 0; i < msg.counts.length; i++) {
      const error = ingestRecord(client, msg.counts[i], `counts[${i}].`, i);
      if (!error) continue;
      rejected++;
      if (errors.length < limits.maxErrorsPerBatch) errors.push(error);
    }
    if (msg.id !== undefined) send(client.ws, { type: 'result', ref: msg.id, accepted: msg.counts.length - rejected, rejected, errors } satisfies ResultMessage);
    else for (const error of errors) sendError(client, error);
  }

  function ingestRecord(client: Client, record: unknown, prefix: string, index: number | undefined): ErrorMessage | undefined {
    metrics.inc('greenwave_counts_received_total');
    let error: ErrorMessage | undefined;
    const detectorId = (record as { detectorId?: unknown } | null)?.detectorId;
    if (typeof detectorId === 'string' && detectorIds.has(detectorId) && !client.inScope(detectorId)) {
      error = protocolError('GW_PROTO_DETECTOR_NOT_IN_SCOPE', `${prefix}detectorId`, `token ${client.claims.sub} may not publish for detector ${detectorId}`, detectorId);
    } else {
      const inputError = ingest(record);
      if (inputError) error = fromInputError(inputError, prefix);
      if (inputError?.code === 'GW_ERR_INTERNAL') logFault(`ingest: ${inputError.reason}`, { client: client.id, reason: inputError.reason }, 'engine fault on a record; record dropped');
    }
    if (taps.size > 0) emitTap({ kind: 'count', atMs: now(), clientId: client.id, record, ...(error ? { error } : {}) });
    if (!error) {
      metrics.inc('greenwave_counts_accepted_total');
      return undefined;
    }
    metrics.inc('greenwave_counts_rejected_total', { code: error.code });
    if (index !== undefined) error.index = index;
    const ref = (record as { id?: unknown } | null)?.id;
    if (index === undefined && typeof ref === 'string') error.ref = ref;
    return error;
  }

  // ---- controllers ----

  function onControllerMessage(client: Client, data: RawData): void {
    if (!admit(client, data)) return;
    if (client.controllerId) registry.heartbeat(client.controllerId, now());
    const parsed = parseMessage(text(data), controllerMessageSchema);
    if (!parsed.ok) return reject(client, parsed.error);
    const msg = parsed.message;
    emitTap({ kind: 'controller-message', atMs: now(), clientId: client.id, message: msg });
    if (msg.type === 'hello') onHello(client, msg);
    else onAck(client, msg);
  }

  function onHello(client: Client, msg: HelloMessage): void {
    const requested = msg.intersectionIds ?? [...signalized].filter((id) => client.inScope(id));
    for (const [i, id] of requested.entries()) {
      if (!signalized.has(id)) return reject(client, protocolError('GW_PROTO_UNKNOWN_INTERSECTION', `intersectionIds[${i}]`, 'no signalized intersection with this id in the network', id));
      if (!client.inScope(id)) return reject(client, protocolError('GW_PROTO_INTERSECTION_NOT_IN_SCOPE', `intersectionIds[${i}]`, `token ${client.claims.sub} may not control ${id}`, id));
    }
    if (requested.length === 0) return reject(client, protocolError('GW_PROTO_INTERSECTION_NOT_IN_SCOPE', 'intersectionIds', "no signalized intersection in the token's scope"));
    const controllerId = msg.controllerId ?? client.claims.sub;
    const sub = client.claims.sub;
    if (!mayClaimControllerId(sub, controllerId))
      return refuseClaim(client, protocolError('GW_PROTO_IDENTITY_REFUSED', 'controllerId', `token ${sub} may only be controller ${sub} (or ${sub}/<name>)`, controllerId), controllerId, requested);
    // Only the same identity supersedes a session; another identity waits until the owner is offline.
    for (const [i, id] of requested.entries()) {
      const owner = ownerOf.get(id);
      if (owner !== undefined && owner !== controllerId && controllerSockets.has(owner))
        return refuseClaim(client, protocolError('GW_PROTO_INTERSECTION_OWNED', `intersectionIds[${i}]`, `${id} is run by controller ${owner}, online; ${controllerId} cannot take it over`, id), controllerId, [id]);
    }
    const t = now();
    // A second hello on the same socket re-registers; the same id on another socket replaces a half-open one.
    if (client.controllerId && client.controllerId !== controllerId) detachController(client);
    const previous = controllerSockets.get(controllerId);
    if (previous && previous !== client) {
      previous.controllerId = undefined;
      fatal(previous.ws, 'GW_PROTO_SUPERSEDED', `controller ${controllerId} connected again`);
    }
    for (const other of registry.connect(controllerId, requested, t)) {
      const otherClient = controllerSockets.get(other);
      const left = registry.view(other)!.intersections.length;
      if (otherClient && left === 0) {
        otherClient.controllerId = undefined;
        controllerSockets.delete(other);
        registry.disconnect(other, t);
        fatal(otherClient.ws, 'GW_PROTO_SUPERSEDED', `controller ${controllerId} took over its intersections`);
      }
    }
    client.controllerId = controllerId;
    controllerSockets.set(controllerId, client);
    // a repeated hello may name fewer intersections than before: those are no longer this controller's
    for (const [id, owner] of ownerOf) if (owner === controllerId && !requested.includes(id)) ownerOf.delete(id);
    for (const id of requested) ownerOf.set(id, controllerId);
    const welcome: WelcomeMessage = { type: 'welcome', protocolVersion: PROTOCOL_VERSION, controllerId, intersectionIds: requested, serverTimeMs: t, heartbeatIntervalMs: limits.heartbeatIntervalMs };
    send(client.ws, welcome);
    const plans = core!.plans(t);
    for (const id of requested) {
      const plan = plans.get(id);
      if (plan && registry.needsPlan(id, plan.version, msg.runningVersions?.[id])) sendPlan(client, plan);
    }
    const view = registry.view(controllerId)!;
    log.debug({ controllerId, intersections: requested.length }, 'controller online');
    publish(`controller:${controllerId}`, { type: 'controller', atMs: t, ...view }, requested);
  }

  /** A refused identity or ownership claim: answered, counted, and raised as a critical alarm on each intersection. */
  function refuseClaim(client: Client, error: ErrorMessage, claimedId: string, intersectionIds: readonly string[]): void {
    reject(client, error);
    for (const intersectionId of intersectionIds)
      raiseAlarm({
        severity: 'critical',
        code: 'controller-claim-refused',
        intersectionId,
        controllerId: claimedId,
        message: `token ${client.claims.sub} claimed to be controller ${claimedId} for ${intersectionId}: ${error.reason}`,
      });
  }

  function detachController(client: Client): void {
    const id = client.controllerId!;
    client.controllerId = undefined;
    if (controllerSockets.get(id) === client) {
      controllerSockets.delete(id);
      registry.disconnect(id, now());
    }
  }

  function onAck(client: Client, msg: AckMessage): void {
    const controllerId = client.controllerId;
    if (!controllerId) return reject(client, protocolError('GW_PROTO_NOT_REGISTERED', 'type', 'send hello before acknowledging plans', msg.type));
    if (ownerOf.get(msg.intersectionId) !== controllerId)
      return reject(client, protocolError('GW_PROTO_INTERSECTION_NOT_IN_SCOPE', 'intersectionId', `controller ${controllerId} does not run ${msg.intersectionId}`, msg.intersectionId));
    const t = now();
    const outcome = registry.acked(msg.intersectionId, msg.version, msg.status, msg.reason, t);
    if (outcome === 'unknown') {
      reject(client, protocolError('GW_PROTO_UNKNOWN_PLAN', 'version', `no plan version ${msg.version} was sent for ${msg.intersectionId} in this engine run (versions from ${planVersionBase}); the plan in force follows`, msg.version));
      // a controller acknowledging a plan this run never issued runs something else: give it the plan in force
      const inForce = core!.plans(t).get(msg.intersectionId);
      if (inForce) sendPlan(client, inForce);
      return;
    }
    metrics.inc('greenwave_plans_acked_total', { status: msg.status });
    const delta: FeedDelta = { type: 'ack', atMs: t, controllerId, intersectionId: msg.intersectionId, version: msg.version, status: msg.status };
    if (msg.reason !== undefined) delta.reason = msg.reason;
    publish(`ack:${msg.intersectionId}`, delta, [msg.intersectionId]);
    if (msg.status === 'rejected' && outcome === 'current')
      raiseAlarm({ severity: 'critical', code: 'plan-refused', intersectionId: msg.intersectionId, controllerId, message: `controller ${controllerId} refused plan v${msg.version} for ${msg.intersectionId}: ${msg.reason}` });
  }

  function sendPlan(client: Client, plan: PhasePlan): void {
    send(client.ws, { type: 'plan', plan });
    registry.sent(plan.intersectionId, plan.version, now());
    metrics.inc('greenwave_plans_sent_total');
  }

  // ---- feed ----

  function snapshot(client: Client): SnapshotMessage {
    const t = now();
    const visible = (id: string) => client.inScope(id);
    const health = core!.detectorHealth().filter((h) => visible(h.intersectionId));
    return {
      type: 'snapshot',
      protocolVersion: PROTOCOL_VERSION,
      atMs: t,
      network: networkSummary(network),
      plans: [...core!.plans(t).values()].filter((p) => visible(p.intersectionId)),
      controllers: registry.views().filter((v) => v.intersections.some((x) => visible(x.intersectionId))),
      detectors: { total: health.length, healthy: health.filter((h) => h.healthy).length, faulty: health.filter((h) => !h.healthy) },
      kpis: recentKpis.map((k) => ({ atMs: k.atMs, kpis: k.kpis.filter((x) => visible(x.intersectionId)) })),
      alarms: alarms.recent().filter((a) => alarmVisible(client, a)),
      counters: core!.counters,
    };
  }

  function publish(key: string, delta: FeedDelta, intersectionIds: readonly string[] = []): void {
    feed.publish(key, delta, intersectionIds);
    if (taps.size > 0) emitTap({ kind: 'feed', key, delta });
  }

  /** Raises an alarm, or counts one more occurrence of an open alarm of the same cause; logged once a minute per cause. */
  function raiseAlarm(input: AlarmInput): Alarm {
    const t = now();
    const { alarm, isNew } = alarms.raise(input, t);
    metrics.inc('greenwave_alarms_total', { code: alarm.code, severity: alarm.severity });
    const { log: logNow, suppressed } = alarmLog.admit(causeKey(alarm), t);
    if (logNow) log.warn({ alarm: alarm.code, alarmId: alarm.alarmId, count: alarm.count, repeatsSinceLastLog: suppressed, intersectionId: alarm.intersectionId, controllerId: alarm.controllerId }, alarm.message);
    // the key is the alarm: an update replaces a held-back earlier state of the same alarm for slow feed clients
    const scope = alarmIntersections(alarm);
    publish(`alarm:${alarm.alarmId}`, alarm, scope.length > 0 ? scope : [SERVER_WIDE]);
    if (!isNew) metrics.inc('greenwave_alarms_coalesced_total');
    return alarm;
  }

  function alarmVisible(client: Client, alarm: Alarm): boolean {
    const scope = alarmIntersections(alarm);
    return scope.length > 0 ? scope.some((id) => client.inScope(id)) : client.inScope(SERVER_WIDE);
  }

  // ---- errors and sending ----

  /** A message rejected as a whole: counted by code, answered (within maxErrorsPerSecond). */
  function reject(client: Client, error: ErrorMessage): void {
    metrics.inc('greenwave_messages_rejected_total', { code: error.code });
    sendError(client, error);
  }

  function sendError(client: Client, error: ErrorMessage): void {
    const t = now();
    if (t - client.errorWindowStartMs >= 1000) {
      client.errorWindowStartMs = t;
      client.errorsInWindow = 0;
    }
    if (++client.errorsInWindow > limits.maxErrorsPerSecond) return metrics.inc('greenwave_errors_suppressed_total');
    send(client.ws, error);
  }

  function fatal(ws: WebSocket, code: FatalErrorCode, reason: string): void {
    metrics.inc('greenwave_clients_dropped_total', { code });
    // Close reasons are limited to 123 bytes.
    ws.close(closeCodeOf(code), `${code}: ${reason}`.slice(0, 123));
    // A client that is not reading never sees the close frame: do not wait for it.
    scheduler.schedule(() => ws.terminate(), 1000);
  }

  function send(ws: WebSocket, message: object): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
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
      logFault(`${where}: ${cause}`, { handler: where, err }, 'handler failed; message dropped');
    }
  }

  function logFault(cause: string, fields: object, message: string): void {
    const { log: logNow, suppressed } = faultLog.admit(cause, now());
    if (logNow) log.error({ ...fields, repeatsSinceLastLog: suppressed }, message);
  }

  // ---- timers ----

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
    for (const o of registry.overdue(now(), limits.planAckTimeoutMs))
      raiseAlarm({
        severity: 'warning',
        code: 'plan-unacknowledged',
        intersectionId: o.intersectionId,
        ...(o.controllerId ? { controllerId: o.controllerId } : {}),
        message: `plans for ${o.intersectionId} not acknowledged for ${Math.round((now() - o.waitingSinceMs) / 1000)} s (newest v${o.version})`,
      });
  }

  async function shutdown(): Promise<void> {
    log.info('greenwave server stopping');
    for (const t of timers) t.unsubscribe();
    const closed = [...clients.values()].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          fatal(c.ws, 'GW_PROTO_SERVER_SHUTDOWN', 'the server is stopping');
        }),
    );
    await Promise.all(closed);
    feed.close();
    counts$?.complete();
    engineSubscription?.unsubscribe();
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

  function emitTap(e: TapEvent): void {
    for (const listener of taps) {
      try {
        listener(e);
      } catch (err) {
        log.error({ err }, 'tap listener failed');
      }
    }
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

/**
 * The pseudo-intersection of server-wide alarms (no intersection): in scope only for unrestricted tokens (`*`), as no
 * real id is `*` and no prefix pattern matches it.
 */
const SERVER_WIDE = '*';

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

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((s, b) => s + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data.toString('utf8');
}
