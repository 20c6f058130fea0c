import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Subject } from 'rxjs';
import type { Command } from 'commander';
import { CountClock, countInstants, createEnginePipeline, resolveEngineConfig, type EngineCore } from '../../engine/index.js';
import { stat } from 'node:fs/promises';
import { CliError, EXIT_OK, EXIT_SOME_REJECTED, EXIT_UNUSABLE, fileError } from '../cli-errors.js';
import { loadNetworkFile } from '../load-network-file.js';
import { numberIn } from '../option-parsers.js';
import { stdoutOpen } from '../stdout.js';

interface PlanOptions {
  network: string;
  counts: string;
  period: number;
  all?: boolean;
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('Run the engine over a counts file in virtual time and print the plans it issues as NDJSON')
    .requiredOption('--network <file>', 'network file (JSON), or demo:arterial / demo:grid')
    .requiredOption('--counts <file>', 'detector counts, NDJSON (optionally .gz), in time order: {detectorId, timestamp, count, intervalSeconds, occupancy?}; or a day file recorded by `greenwave start` (its counts, from where the live engine started)')
    .option('--period <seconds>', 'optimisation period, 1..3600 seconds', numberIn(1, 3600), 60)
    .option('--all', 'print every engine event (faults, rejections, KPIs), not only plans')
    .addHelpText('after', '\nplan: 1 when some count records were rejected (the plans are still printed), 2 when none was accepted.')
    .action(async (opts: PlanOptions) => {
      process.exitCode = await runPlan(opts);
    });
}

async function runPlan(opts: PlanOptions): Promise<number> {
  const network = loadNetworkFile(opts.network);
  const period = opts.period;
  const lines = await openLines(opts.counts);
  const iterator = lines[Symbol.asyncIterator]();

  // The engine starts where the live engine that recorded the day started (a day file says), else at the first
  // count's interval start, so that the first optimisation lands inside the data.
  const pending: Array<{ lineNo: number; text: string }> = [];
  let lineNo = 0;
  let startMs: number | undefined;
  let liveStart: EngineStart | undefined;
  while (startMs === undefined) {
    const next = await iterator.next();
    if (next.done) break;
    lineNo++;
    pending.push({ lineNo, text: next.value });
    const line = parseLine(next.value);
    if (line?.kind === 'engine-start') liveStart = line;
    if (line?.kind === 'count') startMs = liveStart?.atMs ?? countInstants(line.record)?.startMs;
  }
  if (startMs === undefined) throw new CliError(`${opts.counts}: no count record with a readable timestamp and intervalSeconds`);
  if (liveStart && liveStart.optimisationPeriodSeconds !== period)
    process.stderr.write(`greenwave plan: note: the live engine that recorded ${opts.counts} optimised every ${liveStart.optimisationPeriodSeconds} s; --period ${period} plans at other instants\n`);

  const clock = new CountClock(startMs, period);
  const input = new Subject<unknown>();
  let core: EngineCore | undefined;
  let malformed = 0;
  let rejected = 0;
  let plans = 0;
  let currentLine = 0;
  const out = process.stdout;
  // a day file's plan versions continue the live run's
  const config = { optimisationPeriodSeconds: period, ...(liveStart ? { planVersionBase: liveStart.planVersionBase } : {}) };
  const maxFutureSkewMs = resolveEngineConfig(config).maxFutureSkewSeconds * 1000;
  createEnginePipeline(network, input, { scheduler: clock.scheduler, ticks: clock.ticks, config, onCore: (c) => (core = c) }).subscribe((event) => {
    if (event.type === 'plan') {
      plans++;
      if (stdoutOpen()) out.write(`${JSON.stringify(event.plan)}\n`);
    } else if (opts.all && stdoutOpen()) out.write(`${JSON.stringify(event)}\n`);
    if (event.type === 'input-error') {
      rejected++;
      const e = event.error;
      process.stderr.write(`${opts.counts}:${currentLine}: ${e.code} ${e.field} = ${JSON.stringify(e.value)}: ${e.reason}\n`);
    }
  });

  const feed = (n: number, text: string) => {
    currentLine = n;
    if (text.trim() === '') return;
    let line: PlanLine | undefined;
    try {
      line = parseLine(text, true);
    } catch (err) {
      malformed++;
      process.stderr.write(`${opts.counts}:${n}: not valid JSON: ${(err as Error).message}\n`);
      return;
    }
    if (line?.kind !== 'count') return;
    // A day file says when the live server received each count: as live, that time moves the clock on when counts
    // lag, and bounds how far a count's own timestamp may move it.
    if (line.receivedAtMs !== undefined) clock.advanceWithReference(line.receivedAtMs);
    clock.beforeCount(line.record, line.receivedAtMs === undefined ? Infinity : line.receivedAtMs + maxFutureSkewMs);
    input.next(line.record);
  };
  for (const p of pending) feed(p.lineNo, p.text);
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) feed(++lineNo, next.value);
  clock.advanceTo(clock.scheduler.now() + period * 1000);
  input.complete();

  const c = core!.counters;
  process.stderr.write(
    `greenwave plan: ${lineNo} lines, ${c.countsAccepted} counts accepted, ${c.countsRejected + malformed} rejected` +
      `${malformed ? ` (${malformed} not JSON)` : ''}, ${c.optimisations} optimisations, ${plans} plans issued, ${c.plansRejected} plans stopped by the safety gate\n`,
  );
  if (c.countsAccepted === 0) return EXIT_UNUSABLE;
  return rejected + malformed > 0 ? EXIT_SOME_REJECTED : EXIT_OK;
}

interface EngineStart {
  kind: 'engine-start';
  atMs: number;
  planVersionBase: number;
  optimisationPeriodSeconds: number;
}

/**
 * A line of the input: a count (bare, or a day file's count record with the time it was received), the live
 * engine's start as recorded in a day file, or another day record.
 */
type PlanLine = { kind: 'count'; record: unknown; receivedAtMs?: number } | EngineStart | { kind: 'other' };

/** Reads one line; undefined when it is not JSON (throws instead with `throwOnBadJson`). */
function parseLine(text: string, throwOnBadJson = false): PlanLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (throwOnBadJson) throw err;
    return undefined;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'kind' in value) {
    const v = value as { kind: unknown; atMs?: unknown; record?: unknown; event?: Partial<EngineStart> & { type?: unknown } };
    const e = v.event;
    if (v.kind === 'fault' && e?.type === 'engine-start' && typeof v.atMs === 'number' && Number.isSafeInteger(e.planVersionBase) && typeof e.optimisationPeriodSeconds === 'number')
      return { kind: 'engine-start', atMs: v.atMs, planVersionBase: e.planVersionBase!, optimisationPeriodSeconds: e.optimisationPeriodSeconds };
    if (v.kind !== 'count') return { kind: 'other' };
    return { kind: 'count', record: v.record, ...(typeof v.atMs === 'number' && Number.isFinite(v.atMs) ? { receivedAtMs: v.atMs } : {}) };
  }
  return { kind: 'count', record: value };
}

async function openLines(path: string): Promise<AsyncIterable<string>> {
  // a directory opens without error and fails on the first read: refuse it here, in words
  const isFile = await stat(path).then((s) => s.isFile(), (err: unknown) => Promise.reject(fileError('--counts', path, err)));
  if (!isFile) throw new CliError(`--counts ${path}: not a file (a directory?): give an NDJSON counts file`);
  const stream = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) => reject(fileError('--counts', path, err)));
  });
  const source = path.endsWith('.gz') ? stream.pipe(createGunzip()) : stream;
  return createInterface({ input: source, crlfDelay: Infinity });
}
