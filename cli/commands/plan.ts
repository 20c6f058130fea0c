import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Subject } from 'rxjs';
import type { Command } from 'commander';
import { createEnginePipeline, isRepresentableInstant, VirtualClockScheduler, type EngineCore } from '../../engine/index.js';
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
    .requiredOption('--counts <file>', 'detector counts, NDJSON (optionally .gz), in time order: {detectorId, timestamp, count, intervalSeconds, occupancy?}')
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

  // The clock starts at the first record's interval start, so the first optimisation lands inside the data.
  const pending: Array<{ lineNo: number; text: string }> = [];
  let lineNo = 0;
  let startMs: number | undefined;
  while (startMs === undefined) {
    const next = await iterator.next();
    if (next.done) break;
    lineNo++;
    pending.push({ lineNo, text: next.value });
    startMs = recordTime(next.value, true);
  }
  if (startMs === undefined) throw new CliError(`${opts.counts}: no count record with a readable timestamp and intervalSeconds`);

  const scheduler = new VirtualClockScheduler(startMs);
  const input = new Subject<unknown>();
  let core: EngineCore | undefined;
  let malformed = 0;
  let rejected = 0;
  let plans = 0;
  let currentLine = 0;
  const out = process.stdout;
  createEnginePipeline(network, input, { scheduler, config: { optimisationPeriodSeconds: period }, onCore: (c) => (core = c) }).subscribe((event) => {
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

  let lastMs = startMs;
  const feed = (n: number, text: string) => {
    currentLine = n;
    if (text.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      malformed++;
      process.stderr.write(`${opts.counts}:${n}: not valid JSON: ${(err as Error).message}\n`);
      return;
    }
    const t = recordTime(text, false, record);
    if (t !== undefined && t > lastMs) {
      scheduler.advanceTo(t);
      lastMs = t;
    }
    input.next(record);
  };
  for (const p of pending) feed(p.lineNo, p.text);
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) feed(++lineNo, next.value);
  scheduler.advanceTo(lastMs + period * 1000);
  input.complete();

  const c = core!.counters;
  process.stderr.write(
    `greenwave plan: ${lineNo} lines, ${c.countsAccepted} counts accepted, ${c.countsRejected + malformed} rejected` +
      `${malformed ? ` (${malformed} not JSON)` : ''}, ${c.optimisations} optimisations, ${plans} plans issued, ${c.plansRejected} plans stopped by the safety gate\n`,
  );
  if (c.countsAccepted === 0) return EXIT_UNUSABLE;
  return rejected + malformed > 0 ? EXIT_SOME_REJECTED : EXIT_OK;
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

/** Interval start (for the clock's origin) or end time of a record, epoch ms; undefined when unreadable. */
function recordTime(text: string, intervalStart: boolean, parsed?: unknown): number | undefined {
  let r: unknown = parsed;
  if (r === undefined) {
    try {
      r = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (r === null || typeof r !== 'object') return undefined;
  const { timestamp, intervalSeconds } = r as { timestamp?: unknown; intervalSeconds?: unknown };
  const t = typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  // a time no Date can hold (a device's -1e300) never moves the clock; the engine rejects the record itself
  if (!isRepresentableInstant(t)) return undefined;
  if (!intervalStart) return t;
  return typeof intervalSeconds === 'number' && intervalSeconds > 0 ? t - intervalSeconds * 1000 : t;
}
