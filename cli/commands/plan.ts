import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import type { EngineConfigInput, EngineCore, EngineEvent } from '../../engine/index.js';
import { earlierDayFiles } from '../../adapters/files/index.js';
import { EngineRuns, engineRunMark, type EngineRun, type EngineRunMark } from '../../replay/index.js';
import { CliError, EXIT_OK, EXIT_SOME_REJECTED, EXIT_UNUSABLE, fileError } from '../cli-errors.js';
import { recordedEngineConfig } from '../config-schemas.js';
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

/**
 * A line of the input: a count (bare, or a day file's count record with the time it was received), a mark of the
 * live engine's runs as recorded in a day file, or another day record.
 */
type PlanLine = { kind: 'count'; record: unknown; receivedAtMs?: number } | EngineRunMark | { kind: 'other' };

async function runPlan(opts: PlanOptions): Promise<number> {
  const network = loadNetworkFile(opts.network);
  const fileConfig = opts.config ? loadStartConfig(opts.config, 'nothing planned') : undefined;
  const configPeriod = fileConfig?.optimisationPeriodSeconds ?? (fileConfig?.engine as EngineConfigInput | undefined)?.optimisationPeriodSeconds;

  let malformed = 0;
  let rejected = 0;
  let plans = 0;
  let lineNo = 0;
  const notes = new Set<string>();
  const out = process.stdout;
  /** Reading the days before the given day file, to bring the engine to its state at midnight: nothing printed. */
  let quiet = false;
  /** The run's counters when the given day file began (what the summary reports is that day's). */
  let countersBefore: { run: EngineRun; counters: EngineCore['counters'] } | undefined;
  const note = (text: string) => {
    if (notes.has(text)) return;
    notes.add(text);
    process.stderr.write(`greenwave plan: note: ${text}\n`);
  };
  const engine = new EngineRuns({
    network,
    runConfig: (recorded, recordedAt) => {
      let config: EngineConfigInput = {};
      if (fileConfig) {
        config = { ...(fileConfig.engine as EngineConfigInput | undefined) };
        if (recorded?.engine !== undefined) note(`--config ${opts.config} is used instead of the engine configuration ${opts.counts} recorded`);
      } else if (recorded?.engine !== undefined) config = recordedEngineConfig(recorded.engine, `${opts.counts}:${recordedAt}`);
      const periodSeconds = opts.period ?? configPeriod ?? recorded?.optimisationPeriodSeconds ?? config.optimisationPeriodSeconds ?? DEFAULT_PERIOD_SECONDS;
      if (recorded && recorded.optimisationPeriodSeconds !== periodSeconds)
        note(`the live engine that recorded ${opts.counts} optimised every ${recorded.optimisationPeriodSeconds} s; planning every ${periodSeconds} s plans at other instants`);
      return { config, periodSeconds };
    },
    onEvent: (event: EngineEvent) => {
      if (quiet) return;
      if (event.type === 'plan') {
        plans++;
        if (stdoutOpen()) out.write(`${JSON.stringify(event.plan)}\n`);
      } else if (opts.all && stdoutOpen()) out.write(`${JSON.stringify(event)}\n`);
      if (event.type === 'input-error') {
        rejected++;
        const e = event.error;
        process.stderr.write(`${opts.counts}:${engine.feedingAt}: ${e.code} ${e.field} = ${JSON.stringify(e.value)}: ${e.reason}\n`);
      }
    },
  });

  const lines = await planInput(opts.counts, network.timeZone ?? 'UTC', note);
  for await (const { text, earlierDay } of lines) {
    const run = engine.current;
    if (quiet && !earlierDay && run?.core) countersBefore = { run, counters: { ...run.core.counters } };
    quiet = earlierDay;
    if (!earlierDay) ++lineNo;
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
    if (line.kind === 'count') engine.count(line.record, line.receivedAtMs, lineNo);
    else if (line.kind !== 'other') engine.mark(line, lineNo, earlierDay);
  }
  const { runs } = engine;
  if (runs.length === 0) throw new CliError(`${opts.counts}: no count record with a readable timestamp and intervalSeconds`);
  engine.end();

  const sum = (f: (counters: EngineCore['counters']) => number) => engine.sum(f, countersBefore);
  const accepted = sum((c) => c.countsAccepted);
  const restarts = runs.length > 1 ? `, ${runs.length} engine runs (the live engine restarted)` : '';
  process.stderr.write(
    `greenwave plan: ${lineNo} lines, ${accepted} counts accepted, ${sum((c) => c.countsRejected) + malformed} rejected` +
      `${malformed ? ` (${malformed} not JSON)` : ''}, ${sum((c) => c.optimisations)} optimisations, ${plans} plans issued, ${sum((c) => c.plansRejected)} plans stopped by the safety gate${restarts}\n`,
  );
  if (accepted === 0) return EXIT_UNUSABLE;
  return rejected + malformed > 0 ? EXIT_SOME_REJECTED : EXIT_OK;
}

/** Reads one line (throws when it is not JSON). */
function parseLine(text: string): PlanLine {
  const value: unknown = JSON.parse(text);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'kind' in value) {
    const v = value as { kind: unknown; atMs?: unknown; record?: unknown; event?: unknown };
    const atMs = typeof v.atMs === 'number' && Number.isFinite(v.atMs) ? v.atMs : undefined;
    if (v.kind === 'fault' && atMs !== undefined) return engineRunMark(atMs, v.event) ?? { kind: 'other' };
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
      const found = earlierDayFiles(path, runStartMs, timeZone, 'their plans are not printed');
      earlier.push(...found.files);
      if (found.note) note(found.note);
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
