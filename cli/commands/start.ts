import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { createControllerSimulator, type ControllerSimulator } from '../../adapters/devices/index.js';
import { createDetectorSimulator, type DetectorSimulator } from '../../adapters/devices/index.js';
import { serveStaticFiles } from '../../adapters/http/index.js';
import { EngineRunRecorder, recordServerEvents } from '../../adapters/recording/index.js';
import { DayFileWriter } from '../../adapters/files/index.js';
import { createGreenwaveServer, ServerConfigError, type GreenwaveServer } from '../../adapters/websocket/index.js';
import type { ServerLimits } from '../../adapters/websocket/index.js';
import { mintToken, randomSecret } from '../../adapters/websocket/index.js';
import type { EngineConfigInput } from '../../engine/index.js';
import { createCliLogger, type LogFormat } from '../cli-logger.js';
import { CliError } from '../cli-errors.js';
import { loadNetworkFile } from '../load-network-file.js';
import { LOG_FORMATS, LOG_LEVELS } from '../device-runner.js';
import { integerIn, numberIn, oneOf, timeOfDay } from '../option-parsers.js';
import { loadStartConfig, parseNumber, readSecret, requireStrongSecret, timeOfDayToday, type StartConfig } from '../live-settings.js';

interface StartFlags {
  config?: string;
  network?: string;
  host?: string;
  port?: number;
  demo?: boolean;
  period?: number;
  secretFile?: string;
  revocationFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  simulate?: boolean;
  speedup?: number;
  simStart?: string;
  interval?: number;
  logLevel?: string;
  logFormat?: LogFormat;
  record?: string | false;
}

/** Defaults of `greenwave start` (docs/protocol.md, "Running it"). */
export const START_DEFAULTS = Object.freeze({
  network: 'demo:grid',
  host: '127.0.0.1',
  port: 8080,
  periodSeconds: 60,
  speedup: 30,
  simStart: '06:30',
  intervalSeconds: 60,
  backupSeconds: 120,
});

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the live engine server (WebSocket + HTTP); with --demo, on the demo city with simulated detectors and controllers attached')
    .option('--config <file>', 'JSON configuration file (flags override it)')
    .option('--network <file>', `network file, or demo:grid / demo:arterial (default ${START_DEFAULTS.network})`)
    .option('--host <address>', `interface to bind (default ${START_DEFAULTS.host})`)
    .option('--port <n>', `HTTP/WebSocket port, 0..65535, 0 = any free port (default ${START_DEFAULTS.port})`, integerIn(0, 65535))
    .option('--demo', 'demo mode: a random secret, tokens printed, simulators attached')
    .option('--period <seconds>', `optimisation period, 1..3600 s of engine time (simulated time with the demo's simulators; default ${START_DEFAULTS.periodSeconds})`, numberIn(1, 3600))
    .option('--secret-file <file>', 'token secret from a file (default: environment variable GREENWAVE_SECRET)')
    .option('--tls-cert <file>', 'serve https and wss with this certificate (PEM); needs --tls-key')
    .option('--tls-key <file>', 'private key (PEM) of --tls-cert')
    .option('--revocation-file <file>', 'revoked token ids (jti), one per line; re-read when it changes (and on SIGHUP)')
    .option('--no-simulate', 'in demo mode, do not attach the simulators')
    .option('--speedup <factor>', `in demo mode, simulated time runs this much faster than real time, 0.01..3600 (default ${START_DEFAULTS.speedup}); the engine runs on it`, numberIn(0.01, 3600))
    .option('--sim-start <HH:MM>', `simulated time of day when the simulators start, UTC (default ${START_DEFAULTS.simStart})`, timeOfDay())
    .option('--interval <seconds>', `the simulated detectors' counting interval, simulated seconds, 1..3600 (default ${START_DEFAULTS.intervalSeconds}); each count is sent as it completes`, numberIn(1, 3600))
    .option('--record <dir>', 'record everything received and decided into day files here (NDJSON.gz, rotated at local midnight; default recordings)')
    .option('--no-record', 'do not record')
    .option('--log-level <level>', 'trace, debug, info, warn or error (default info)', oneOf(LOG_LEVELS))
    .option('--log-format <format>', 'pretty, json or auto (pretty in a terminal)', oneOf(LOG_FORMATS), 'auto')
    .addHelpText('after', '\nExamples:\n  npm start                                  # = greenwave start --demo\n  GREENWAVE_SECRET=... greenwave start --network city.json --port 9000\n')
    .addHelpText('after', 'start: runs until Ctrl-C (exit 0); 2 when it cannot start (bad configuration, port in use).')
    .action(async (flags: StartFlags) => {
      await runStart(flags);
    });
}

async function runStart(flags: StartFlags): Promise<void> {
  const file: StartConfig = flags.config ? loadStartConfig(flags.config) : {};
  const demo = flags.demo ?? file.demo ?? false;
  const log = createCliLogger(flags.logLevel ?? file.logLevel ?? 'info', flags.logFormat ?? 'auto');
  const network = loadNetworkFile(flags.network ?? file.network ?? START_DEFAULTS.network);
  const port = parseNumber('--port', flags.port ?? file.port ?? START_DEFAULTS.port, 0, 65535);
  const host = flags.host ?? file.host ?? START_DEFAULTS.host;
  const sim = file.simulate ?? {};
  const speedup = parseNumber('--speedup', flags.speedup ?? sim.speedup ?? START_DEFAULTS.speedup, 0.01, 3600);
  const interval = parseNumber('--interval', flags.interval ?? sim.intervalSeconds ?? START_DEFAULTS.intervalSeconds, 1, 3600);
  const simStartMs = timeOfDayToday('--sim-start', flags.simStart ?? sim.startTime ?? START_DEFAULTS.simStart);
  // With the simulated detectors the engine runs on their simulated clock: the counts are stamped in it, and the
  // same counts replayed offline (`greenwave plan` on the recorded day) give the same plans.
  const simulatedDetectors = demo && flags.simulate !== false && sim.detectors !== false;
  const realStartMs = Date.now();
  const simulatedNow = () => simStartMs + (Date.now() - realStartMs) * speedup;
  const period = parseNumber('--period', flags.period ?? file.optimisationPeriodSeconds ?? (file.engine as EngineConfigInput | undefined)?.optimisationPeriodSeconds ?? START_DEFAULTS.periodSeconds, 1, 3600);
  const engineConfig: EngineConfigInput = { ...(file.engine as EngineConfigInput | undefined), optimisationPeriodSeconds: period };

  let secret = readSecret({ secretFile: flags.secretFile ?? file.secretFile });
  if (demo) secret ||= randomSecret();
  else secret = requireStrongSecret(secret, 'refusing to start');

  const revocationFile = flags.revocationFile ?? file.revocationFile;
  const tls = readTls(flags.tlsCert ?? file.tlsCert, flags.tlsKey ?? file.tlsKey);
  const recordDir = flags.record === false ? undefined : (flags.record ?? (file.recordDirectory === false ? undefined : (file.recordDirectory ?? 'recordings')));
  // The built dashboard (dist/web, next to dist/cli) is served when present.
  const webDir = fileURLToPath(new URL('../../web/', import.meta.url));
  const dashboardDir = existsSync(`${webDir}index.html`) ? webDir : undefined;
  const server = createGreenwaveServer({
    network,
    secret,
    demo,
    host,
    port,
    engine: engineConfig,
    ...(simulatedDetectors ? { engineTimeMs: simulatedNow, simulatedSpeedup: speedup } : {}),
    limits: file.limits as Partial<ServerLimits> | undefined,
    ...(revocationFile ? { revocationFile } : {}),
    ...(tls ? { tls } : {}),
    ...(recordDir ? { auditFile: join(recordDir, 'audit.ndjson') } : {}),
    logger: log.child({ component: 'server' }),
    ...(dashboardDir ? { httpFallback: serveStaticFiles(dashboardDir) } : {}),
  });
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    await server.close().catch(() => undefined);
    if (err instanceof ServerConfigError) throw new CliError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'EADDRINUSE' ? `port ${port} on ${host} is in use: stop the other process or pass --port <n>` : `cannot listen on ${host}:${port}: ${code ?? (err as Error).message}`);
  }

  const devices: Array<DetectorSimulator | ControllerSimulator> = [];
  const simulate = demo && flags.simulate !== false;
  const signals = network.intersections.filter((x) => x.control === 'signalized');
  let viewerToken: string | undefined;
  if (demo) {
    viewerToken = mintToken(secret, { sub: 'demo-viewer', role: 'viewer', scope: ['*'] });
    if (simulate && sim.detectors !== false) {
      const detectors = createDetectorSimulator({
        url: address.wsUrl,
        token: mintToken(secret, { sub: 'demo-detectors', role: 'detector', scope: ['*'] }),
        network,
        intervalSeconds: interval,
        speedup,
        simulatedStartMs: simStartMs,
        simulatedClock: simulatedNow,
        timestamps: 'simulated',
        scale: sim.scale,
        logger: log.child({ component: 'detectors' }),
      });
      devices.push(detectors);
    }
    if (simulate && sim.controllers !== false)
      for (const x of signals)
        devices.push(
          createControllerSimulator({
            url: address.wsUrl,
            token: mintToken(secret, { sub: `cabinet-${x.id}`, role: 'controller', scope: [x.id] }),
            network,
            intersectionIds: [x.id],
            backupSeconds: sim.backupSeconds ?? START_DEFAULTS.backupSeconds,
            logger: log.child({ component: `controller ${x.id}` }),
          }),
        );
  }
  let runRecorder: EngineRunRecorder | undefined;
  const recorder = recordDir ? new DayFileWriter({ directory: recordDir, timeZone: network.timeZone, logger: log.child({ component: 'recorder' }) }) : undefined;
  if (recorder) {
    // where this engine run started and how it was configured: `greenwave plan` on the day file starts a run there,
    // with the same plan versions and configuration (a restart within the day appends another)
    // (each day file after the first starts with it again: EngineRunRecorder)
    runRecorder = new EngineRunRecorder(recorder, network.timeZone ?? 'UTC', { ...server.engineStart!, engine: engineConfig });
    // a fault without its own time is stamped with the engine's clock, as everything else (simulated in the demo)
    recordServerEvents(server, runRecorder, () => server.engineNow());
    log.info({ directory: recordDir, lossBoundMs: 1000 }, 'recording day files');
  }
  for (const d of devices) d.start();

  printBanner({ address, dashboard: Boolean(dashboardDir), network: network.name, signals: signals.length, detectors: network.detectors.length, demo, simulate, simulatedTime: simulatedDetectors, viewerToken, secret, speedup, interval, period, simStart: flags.simStart ?? sim.startTime ?? START_DEFAULTS.simStart });
  const detectorSim = devices.find((d): d is DetectorSimulator => 'stats' in d);
  reportEachInterval(server, log, detectorSim, signals.length);
  if (revocationFile) process.on('SIGHUP', () => void server.reloadRevocations().then((n) => log.info({ revokedIds: n }, 'SIGHUP: revocation list re-read')));
  // Devices and server are told in the same tick, so neither side reports the planned goodbyes as faults.
  // The engine's clock when it stopped ends the run in the day file: `plan` fires the planning instants up to it.
  await untilSignal(log, () =>
    Promise.all([...devices.map((d) => d.stop()), server.close()]).then(() => {
      runRecorder?.stop(server.engineNow());
      recorder?.close();
    }),
  );
}

/** The certificate and key for https/wss: both files or neither. */
function readTls(certFile: string | undefined, keyFile: string | undefined): { cert: Buffer; key: Buffer } | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new CliError(`TLS needs both --tls-cert and --tls-key (got only ${certFile ? '--tls-cert' : '--tls-key'})`);
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new CliError(`${flag} ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read('--tls-cert', certFile), key: read('--tls-key', keyFile) };
}

function printBanner(b: {
  address: { httpUrl: string; wsUrl: string };
  dashboard: boolean;
  network: string;
  signals: number;
  detectors: number;
  demo: boolean;
  simulate: boolean;
  simulatedTime: boolean;
  viewerToken?: string;
  secret: string;
  speedup: number;
  interval: number;
  period: number;
  simStart: string;
}): void {
  const lines = [
    '',
    `Greenwave is running${b.demo ? ' in DEMO mode' : ''}: ${b.network} (${b.signals} signals, ${b.detectors} detectors), optimising every ${b.period} s` +
      (b.simulatedTime ? ` of simulated time (${formatSeconds(b.period / b.speedup)} s real)` : ''),
    `  health    ${b.address.httpUrl}/health`,
    `  metrics   ${b.address.httpUrl}/metrics`,
    `  endpoints ${b.address.wsUrl}/v1/detectors  ${b.address.wsUrl}/v1/controllers  ${b.address.wsUrl}/v1/feed`,
  ];
  if (b.viewerToken && b.dashboard) lines.push(`  dashboard ${b.address.httpUrl}/?token=${b.viewerToken}`);
  if (b.viewerToken) {
    lines.push(`  live feed ${b.address.wsUrl}/v1/feed?token=${b.viewerToken}`);
    lines.push(`  watch it  node dist/cli/greenwave.js watch --url ${b.address.wsUrl} --token ${b.viewerToken}`);
    lines.push(`  demo secret (this run only; mint more tokens with GREENWAVE_SECRET=<it> greenwave token): ${b.secret}`);
  }
  if (b.simulate)
    lines.push(
      `  simulators: ${b.detectors} detectors reporting every ${b.interval} s` +
        (b.simulatedTime ? ` of simulated time (${formatSeconds(b.interval / b.speedup)} s real), the engine on simulated time from ${b.simStart} UTC at ${b.speedup}x` : '') +
        `; ${b.signals} controllers, one socket each`,
    );
  lines.push('Press Ctrl-C to stop.', '');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function formatSeconds(seconds: number): string {
  return String(Math.round(seconds * 100) / 100);
}

/** One line per optimisation interval: what came in, what changed, how the controllers answered. */
function reportEachInterval(server: GreenwaveServer, log: Logger, detectors: DetectorSimulator | undefined, signals: number): void {
  let changed = 0;
  let lastAccepted = 0;
  let lastRejected = 0;
  let lastAcks = 0;
  server.tap((e) => {
    if (e.kind !== 'engine') return;
    if (e.event.type === 'plan' && e.event.previousVersion !== null) changed++;
    if (e.event.type !== 'kpi') return;
    const c = server.core!.counters;
    const acks = server.metrics.get('greenwave_plans_acked_total', { status: 'accepted' }) + server.metrics.get('greenwave_plans_acked_total', { status: 'rejected' });
    const worst = e.event.kpis.reduce((a, k) => (k.maxDegreeOfSaturation > a.maxDegreeOfSaturation ? k : a), e.event.kpis[0] ?? { intersectionId: '-', maxDegreeOfSaturation: 0 });
    const flow = e.event.kpis.reduce((s, k) => s + k.flowVehPerHour, 0);
    // the engine time of this planning instant: simulated time with the demo's detectors
    const simTime = detectors ? new Date(e.event.atMs).toISOString().slice(11, 16) : undefined;
    log.info(
      `${simTime ? `sim ${simTime} | ` : ''}counts +${c.countsAccepted - lastAccepted} (${c.countsRejected - lastRejected} rejected) | ${changed} plans changed | ` +
        `acks +${acks - lastAcks} | controllers ${server.controllers.onlineCount}/${signals} online | entering ${Math.round(flow)} veh/h | worst x=${worst.maxDegreeOfSaturation} at ${worst.intersectionId}`,
    );
    changed = 0;
    lastAccepted = c.countsAccepted;
    lastRejected = c.countsRejected;
    lastAcks = acks;
  });
}

/** Resolves after a clean stop on SIGINT/SIGTERM (exit 0); a second signal exits at once (130). */
function untilSignal(log: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write('greenwave: stopping at once\n');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'stopping: closing sockets');
      const force = setTimeout(() => {
        log.error('clean stop took longer than 10 s: exiting');
        process.exit(1);
      }, 10_000);
      force.unref();
      stop().then(
        () => {
          clearTimeout(force);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          log.info('stopped');
          process.exitCode = 0;
          resolve();
        },
        (err: unknown) => {
          log.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
