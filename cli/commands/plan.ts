import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Subject } from 'rxjs';
import type { Command } from 'commander';
import { CountClock, countInstants, createEnginePipeline, resolveEngineConfig, type EngineConfigInput, type EngineCore, type EngineEvent } from '../../engine/index.js';
import { localDayOf, localIsoTime } from '../../adapters/files/index.js';
import { CliError, EXIT_OK, EXIT_SOME_REJECTED, EXIT_UNUSABLE, fileError } from '../cli-errors.js';
import { engineConfigSchema } from '../config-schemas.js';
import { loadStartConfig } from '../live-settings.js';
import { loadNetworkFile } from '../load-network-file.js';
import { numberIn } from '../option-parsers.js';
import { stdoutOpen } from '../stdout.js';

interface PlanOptions {
  network: string;
  counts: string;
  period?: number;
  config?: string;
  all?: boolean;
}

const DEFAULT_PERIOD_SECONDS = 60;

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('Run the engine over a counts file in virtual time and print the plans it issues as NDJSON')
    .requiredOption('--network <file>', 'network file (JSON), or demo:arterial / demo:grid')
    .requiredOption('--counts <file>', 'detector counts, NDJSON (optionally .gz), in time order: {detectorId, timestamp, count, intervalSeconds, occupancy?}; or a day file recorded by `greenwave start` (its counts, each engine run from where it started, with its configuration; a day that continues a run from the day before reads the earlier day files beside it first)')
    .option('--period <seconds>', `optimisation period, 1..3600 seconds (default: the --config file's, else what the day file recorded, else ${DEFAULT_PERIOD_SECONDS})`, numberIn(1, 3600))
    .option('--config <file>', "the JSON configuration file of `greenwave start`: its engine section (and optimisationPeriodSeconds) instead of what the day file recorded")
    .option('--all', 'print every engine event (faults, rejections, KPIs), not only plans')
    .addHelpText('after', '\nplan: 1 when some count records were rejected (the plans are still printed), 2 when none was accepted.')
    .action(async (opts: PlanOptions) => {
      process.exitCode = await runPlan(opts);
    });
}

/** The start of a live engine run, as a day file records it. */
interface EngineStart {
  kind: 'engine-start';
  atMs: number;
  planVersionBase: number;
  optimisationPeriodSeconds: number;
  /** The engine configuration the run was given (absent in day files recorded before it was kept). */
  engine?: unknown;
  /**
   * Set when a day file starts with the run of the day before, which the server kept running over midnight: the
   * run's start (its planning instants).
   */
  continuesRunFromMs?: number;
}

/**
 * A line of the input: a count (bare, or a day file's count record with the time it was received), the start or
 * the stop of a live engine run as recorded in a day file, or another day record.
 */
type PlanLine =
  | { kind: 'count'; record: unknown; receivedAtMs?: number }
  | EngineStart
  | { kind: 'engine-stop'; atMs: number }
  | { kind: 'engine-day-end'; atMs: number }
  | { kind: 'other' };

/**
 * One engine run over the input: a day file holds one per start of the live engine (a restart within the day
 * starts a new one, with its own clock, plan versions and configuration, as the restarted server did); a bare
 * counts file holds one, from its first count's interval start.
 */
class EngineRun {
  readonly clock: CountClock;
  readonly input = new Subject<unknown>();
  core: EngineCore | undefined;
  private readonly maxFutureSkewMs: number;

  constructor(
    network: Parameters<typeof createEnginePipeline>[0],
    readonly startMs: number,
    readonly periodSeconds: number,
    config: EngineConfigInput,
    onEvent: (event: EngineEvent) => void,
  ) {
    this.clock = new CountClock(startMs, periodSeconds);
    this.maxFutureSkewMs = resolveEngineConfig(config).maxFutureSkewSeconds * 1000;
    createEnginePipeline(network, this.input, { scheduler: this.clock.scheduler, ticks: this.clock.ticks, config, onCore: (c) => (this.core = c) }).subscribe(onEvent);
  }

  feed(record: unknown, receivedAtMs: number | undefined): void {
    // A day file says when the live server received each count: as live, that time moves the clock on when counts
    // lag, and bounds how far a count's own timestamp may move it.
    this.clock.countReceived(record, receivedAtMs, this.maxFutureSkewMs);
    this.input.next(record);
  }

  /** Moves the clock on to `untilMs` (firing the planning instants up to it). */
  advanceTo(untilMs: number): void {
    if (untilMs > this.clock.scheduler.now()) this.clock.advanceTo(untilMs);
  }

  /** Ends the run; `untilMs` moves its clock on first (the live engine's clock when it stopped). */
  end(untilMs?: number): void {
    if (untilMs !== undefined) this.advanceTo(untilMs);
    this.input.complete();
  }
}

async function runPlan(opts: PlanOptions): Promise<number> {
  const network = loadNetworkFile(opts.network);
  const fileConfig = opts.config ? loadStartConfig(opts.config, 'nothing planned') : undefined;
  const configPeriod = fileConfig?.optimisationPeriodSeconds ?? (fileConfig?.engine as EngineConfigInput | undefined)?.optimisationPeriodSeconds;

  const runs: EngineRun[] = [];
  let run: EngineRun | undefined;
  let liveStart: EngineStart | undefined;
  /** Lines read before the first run could start (no count with a readable time yet). */
  let waiting: Array<{ lineNo: number; record: unknown; receivedAtMs?: number }> = [];
  let malformed = 0;
  let rejected = 0;
  let plans = 0;
  let currentLine = 0;
  let lineNo = 0;
  const notes = new Set<string>();
  const out = process.stdout;
  /** Reading the days before the given day file, to bring the engine to its state at midnight: nothing printed. */
  let quiet = false;
  /** The run's counters when the given day file began (what the summary reports is that day's). */
  let countersBefore: { run: EngineRun; counters: EngineCore['counters'] } | undefined;
  const onEvent = (event: EngineEvent) => {
    if (quiet) return;
    if (event.type === 'plan') {
      plans++;
      if (stdoutOpen()) out.write(`${JSON.stringify(event.plan)}\n`);
    } else if (opts.all && stdoutOpen()) out.write(`${JSON.stringify(event)}\n`);
    if (event.type === 'input-error') {
      rejected++;
      const e = event.error;
      process.stderr.write(`${opts.counts}:${currentLine}: ${e.code} ${e.field} = ${JSON.stringify(e.value)}: ${e.reason}\n`);
    }
  };
  const note = (text: string) => {
    if (notes.has(text)) return;
    notes.add(text);
    process.stderr.write(`greenwave plan: note: ${text}\n`);
  };

  /** Starts a run where the live engine started (a day file says), else at `firstCountStartMs`. */
  const startRun = (startMs: number, recorded: EngineStart | undefined, recordedAtLine: number) => {
    let config: EngineConfigInput = {};
    if (fileConfig) {
      config = { ...(fileConfig.engine as EngineConfigInput | undefined) };
      if (recorded?.engine !== undefined) note(`--config ${opts.config} is used instead of the engine configuration ${opts.counts} recorded`);
    } else if (recorded?.engine !== undefined) config = recordedEngineConfig(recorded.engine, `${opts.counts}:${recordedAtLine}`);
    const period = opts.period ?? configPeriod ?? recorded?.optimisationPeriodSeconds ?? config.optimisationPeriodSeconds ?? DEFAULT_PERIOD_SECONDS;
    if (recorded && recorded.optimisationPeriodSeconds !== period)
      note(`the live engine that recorded ${opts.counts} optimised every ${recorded.optimisationPeriodSeconds} s; planning every ${period} s plans at other instants`);
    // a day file's plan versions continue the live run's
    config = { ...config, optimisationPeriodSeconds: period, ...(recorded ? { planVersionBase: recorded.planVersionBase } : {}) };
    run = new EngineRun(network, startMs, period, config, onEvent);
    runs.push(run);
  };
  let startLine = 0;

  const lines = await planInput(opts.counts, network.timeZone ?? 'UTC', note);
  for await (const { text, earlierDay } of lines) {
    if (quiet && !earlierDay && run?.core) countersBefore = { run, counters: { ...run.core.counters } };
    quiet = earlierDay;
    if (!earlierDay) currentLine = ++lineNo;
    if (text.trim() === '') continue;
    let line: PlanLine;
    try {
      line = parseLine(text);
    } catch (err) {
      // a day before the given one: its own `plan` reports its lines
      if (earlierDay) continue;
      malformed++;
      process.stderr.write(`${opts.counts}:${lineNo}: not valid JSON: ${(err as Error).message}\n`);
      continue;
    }
    if (line.kind === 'engine-start' && line.continuesRunFromMs !== undefined) {
      // a new day of the same run: it goes on (read from the days before), or starts here without them
      if (run && run.startMs === line.continuesRunFromMs) continue;
      run?.end();
      const period = line.optimisationPeriodSeconds;
      const fromMs = line.continuesRunFromMs + Math.max(0, Math.floor((line.atMs - line.continuesRunFromMs) / (period * 1000))) * period * 1000;
      startRun(fromMs, line, lineNo);
      continue;
    }
    if (line.kind === 'engine-day-end') {
      // the day before ends; the run goes on into the next (which a day file of its own holds)
      if (earlierDay) run?.advanceTo(line.atMs);
      else {
        run?.end(line.atMs);
        run = undefined;
        liveStart = undefined;
      }
      continue;
    }
    if (line.kind === 'engine-start') {
      // the live server (re)started: the run before it ended where its records end
      run?.end();
      run = undefined;
      liveStart = line;
      startLine = lineNo;
      continue;
    }
    if (line.kind === 'engine-stop') {
      run?.end(line.atMs);
      run = undefined;
      liveStart = undefined;
      continue;
    }
    if (line.kind !== 'count') continue;
    if (!run) {
      const startMs = liveStart?.atMs ?? countInstants(line.record)?.startMs;
      if (startMs === undefined) {
        waiting.push({ lineNo, record: line.record, receivedAtMs: line.receivedAtMs });
        continue;
      }
      startRun(startMs, liveStart, startLine);
      for (const w of waiting) {
        currentLine = w.lineNo;
        run!.feed(w.record, w.receivedAtMs);
      }
      waiting = [];
      currentLine = lineNo;
    }
    run!.feed(line.record, line.receivedAtMs);
  }
  if (runs.length === 0) throw new CliError(`${opts.counts}: no count record with a readable timestamp and intervalSeconds`);
  // the last run plans one period past its last count
  if (run) run.end(run.clock.scheduler.now() + run.periodSeconds * 1000);

  const sum = (f: (counters: EngineCore['counters']) => number) =>
    runs.reduce((total, r) => total + (r.core ? f(r.core.counters) - (countersBefore?.run === r ? f(countersBefore.counters) : 0) : 0), 0);
  const accepted = sum((c) => c.countsAccepted);
  const restarts = runs.length > 1 ? `, ${runs.length} engine runs (the live engine restarted)` : '';
  process.stderr.write(
    `greenwave plan: ${lineNo} lines, ${accepted} counts accepted, ${sum((c) => c.countsRejected) + malformed} rejected` +
      `${malformed ? ` (${malformed} not JSON)` : ''}, ${sum((c) => c.optimisations)} optimisations, ${plans} plans issued, ${sum((c) => c.plansRejected)} plans stopped by the safety gate${restarts}\n`,
  );
  if (accepted === 0) return EXIT_UNUSABLE;
  return rejected + malformed > 0 ? EXIT_SOME_REJECTED : EXIT_OK;
}

/** The engine configuration an engine-start record carries, checked as `start --config`'s engine section is. */
function recordedEngineConfig(value: unknown, where: string): EngineConfigInput {
  const r = engineConfigSchema.safeParse(value);
  if (r.success) return r.data as EngineConfigInput;
  const problems = r.error.issues.map((i) => `engine.${i.path.map(String).join('.')}: ${i.message}`).join('; ');
  throw new CliError(`${where}: the engine configuration recorded at the engine's start is not usable (${problems}); pass the run's configuration with --config`);
}

/** Reads one line (throws when it is not JSON). */
function parseLine(text: string): PlanLine {
  const value: unknown = JSON.parse(text);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'kind' in value) {
    const v = value as { kind: unknown; atMs?: unknown; record?: unknown; event?: Partial<EngineStart> & { type?: unknown } };
    const e = v.event;
    const atMs = typeof v.atMs === 'number' && Number.isFinite(v.atMs) ? v.atMs : undefined;
    if (v.kind === 'fault' && atMs !== undefined && e?.type === 'engine-start' && Number.isSafeInteger(e.planVersionBase) && typeof e.optimisationPeriodSeconds === 'number' && e.optimisationPeriodSeconds > 0)
      return {
        kind: 'engine-start',
        atMs,
        planVersionBase: e.planVersionBase!,
        optimisationPeriodSeconds: e.optimisationPeriodSeconds,
        ...(e.engine !== undefined ? { engine: e.engine } : {}),
        ...(Number.isSafeInteger(e.continuesRunFromMs) && e.continuesRunFromMs! <= atMs ? { continuesRunFromMs: e.continuesRunFromMs } : {}),
      };
    if (v.kind === 'fault' && atMs !== undefined && e?.type === 'engine-stop') return { kind: 'engine-stop', atMs };
    if (v.kind === 'fault' && atMs !== undefined && e?.type === 'engine-day-end') return { kind: 'engine-day-end', atMs };
    if (v.kind !== 'count') return { kind: 'other' };
    return { kind: 'count', record: v.record, ...(atMs !== undefined ? { receivedAtMs: atMs } : {}) };
  }
  return { kind: 'count', record: value };
}

/**
 * The lines to plan over, each marked whether it comes from a day before the given file. A day file that starts
 * with the continuation of an engine run from an earlier day (the server ran over midnight) is preceded by the day
 * files of that run's earlier days, from the run's start (same folder and name pattern, `<prefix>-YYYY-MM-DD`), so
 * that the engine reaches midnight in the state the live one had; when one is missing, a note says so and the
 * run starts at the given day without them.
 */
async function planInput(path: string, timeZone: string, note: (text: string) => void): Promise<AsyncIterable<{ text: string; earlierDay: boolean }>> {
  const lines = (await openLines(path))[Symbol.asyncIterator]();
  let first = await lines.next();
  while (!first.done && first.value.trim() === '') first = await lines.next();
  const earlier: string[] = [];
  let runStartMs: number | undefined;
  if (!first.done) {
    let head: PlanLine | undefined;
    try {
      head = parseLine(first.value);
    } catch {
      head = undefined;
    }
    if (head?.kind === 'engine-start' && head.continuesRunFromMs !== undefined) {
      runStartMs = head.continuesRunFromMs;
      const named = /^(.*)-(\d{4})-(\d{2})-(\d{2})(\.ndjson(?:\.gz)?)$/.exec(path);
      const startDate = localDayOf(runStartMs, timeZone).date;
      const since = `the engine run it continues started at ${localIsoTime(runStartMs, timeZone)}`;
      if (!named) note(`${path} continues an engine run from an earlier day, but its name is not <prefix>-YYYY-MM-DD.ndjson(.gz), so the earlier day files cannot be found: ${since}; the engine starts at this day without them (its first plans and their versions can differ from the live ones)`);
      else {
        const [, prefix, y, m, d, ext] = named;
        for (let t = Date.UTC(Number(y), Number(m) - 1, Number(d) - 1); ; t -= 86_400_000) {
          const date = new Date(t).toISOString().slice(0, 10);
          if (date < startDate) break;
          const file = `${prefix}-${date}${ext}`;
          if (!existsSync(file)) {
            note(`${path} continues an engine run from an earlier day and ${file} is not there: ${since}; the engine starts at this day without the days before (its first plans and their versions can differ from the live ones)`);
            earlier.length = 0;
            break;
          }
          earlier.unshift(file);
        }
        if (earlier.length > 0) note(`${path} continues the engine run that started at ${localIsoTime(runStartMs, timeZone)}: read ${earlier.join(', ')} first (their plans are not printed)`);
      }
    }
  }
  return (async function* () {
    let started = false;
    for (const file of earlier) {
      for await (const text of await openLines(file)) {
        // the first of them holds the run's start, after the day's earlier runs
        if (!started) {
          if (!text.includes('engine-start')) continue;
          let line: PlanLine | undefined;
          try {
            line = parseLine(text);
          } catch {
            continue;
          }
          if (line.kind !== 'engine-start' || line.atMs !== runStartMs || line.continuesRunFromMs !== undefined) continue;
          started = true;
        }
        yield { text, earlierDay: true };
      }
    }
    for (let r = first; !r.done; r = await lines.next()) yield { text: r.value, earlierDay: false };
  })();
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
