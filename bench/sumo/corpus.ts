/**
 * The scenario corpus: every control on every scenario (SUMO samples, the .sumocfg files of scenario directories,
 * generated families), each run in its own child process, cached by content so that re-judging a change re-runs
 * only what it can change. Prints one table and writes JSON. See bench/README.md ("The scenario corpus").
 *
 *   npx tsx bench/sumo/corpus.ts [--jobs 2] [--only substr,...] [--seeds 1,2,3] [--split train|validation|all]
 *     [--scenarios-dir DIR ...] [--controls static,actuated,delay_based,own,max-pressure,engine]
 *     [--teleport default|off|both] [--out results.json] [--label NAME] [--engine-options JSON] [--demand-scale F] [--no-cache]
 *     [--timeout-minutes 30] [--list] [--cached-only]
 *   npx tsx bench/sumo/corpus.ts --compare A.json B.json [--control engine]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONTROL_MODES } from '../../adapters/sumo/index.js';
import type { CellResult, CellSpec, TeleportMode } from './corpus/corpus-cell.js';
import { CellCache, sumoVersion } from './corpus/cell-cache.js';
import { buildCorpus, type CorpusScenario } from './corpus/corpus-scenarios.js';
import { buildRows, formatComparison, formatTable } from './corpus/corpus-table.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CELL_SCRIPT = join(REPO, 'bench/sumo/corpus/corpus-cell.ts');
const DEFAULT_CONTROLS = ['static', 'actuated', 'delay_based', 'own', 'max-pressure', 'engine'];

export interface CorpusResultsFile {
  label: string;
  startedAt: string;
  command: string;
  sumoVersion: string;
  seeds: number[];
  controls: string[];
  teleports: TeleportMode[];
  wallSeconds: number;
  scenarios: CorpusScenario[];
  results: CellResult[];
}

function fail(message: string): never {
  process.stderr.write(`corpus: ${message}\n`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      options: {
        jobs: { type: 'string', default: '2' },
        only: { type: 'string' },
        seeds: { type: 'string', default: '1' },
        split: { type: 'string', default: 'all' },
        'scenarios-dir': { type: 'string', multiple: true },
        controls: { type: 'string', default: DEFAULT_CONTROLS.join(',') },
        teleport: { type: 'string', default: 'default' },
        out: { type: 'string', default: 'bench/out/corpus/results.json' },
        label: { type: 'string' },
        'engine-options': { type: 'string' },
        'demand-scale': { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        'timeout-minutes': { type: 'string', default: '30' },
        'cache-dir': { type: 'string', default: 'bench/out/corpus' },
        list: { type: 'boolean', default: false },
        'cached-only': { type: 'boolean', default: false },
        compare: { type: 'string', multiple: true },
        control: { type: 'string', default: 'engine' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    fail((e as Error).message);
  }
}

const positiveInt = (v: string, name: string, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) fail(`${name} = ${v}: must be an integer from 1 to ${max}`);
  return n;
};

function rowsOf(file: CorpusResultsFile) {
  return buildRows(file.scenarios, file.results, file.controls, file.teleports, file.seeds.length);
}

function compare(files: string[], control: string): void {
  if (files.length !== 2) fail(`--compare takes two result files (A.json B.json), got ${files.length}`);
  const [a, b] = files.map((f) => {
    if (!existsSync(f)) fail(`--compare ${f}: no such file`);
    return JSON.parse(readFileSync(f, 'utf8')) as CorpusResultsFile;
  });
  process.stdout.write(formatComparison({ label: a.label, rows: rowsOf(a) }, { label: b.label, rows: rowsOf(b) }, control));
}

const children = new Set<ChildProcess>();
function killChildren(): void {
  for (const c of children) {
    try {
      // the whole process group: the cell's node process and its SUMO
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function runChild(spec: CellSpec, timeoutMs: number): Promise<CellResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CELL_SCRIPT, JSON.stringify(spec)], {
      cwd: REPO,
      env: { ...process.env, SUMO_HOME: process.env['SUMO_HOME'] ?? '/usr/share/sumo' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      err = `timed out after ${timeoutMs / 60_000} min`;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(line) as CellResult);
      } catch {
        resolvePromise({ ...spec, error: `cell process exited (${code}) without a result: ${err.trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
  });
}

async function main(): Promise<void> {
  const { values: v, positionals } = parse();
  if (v.compare) return compare([...v.compare, ...positionals], v.control);
  if (positionals.length) fail(`unexpected argument ${positionals[0]}`);
  const jobs = positiveInt(v.jobs, '--jobs', 64);
  const timeoutMs = positiveInt(v['timeout-minutes'], '--timeout-minutes', 24 * 60) * 60_000;
  const seeds = v.seeds.split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) fail(`--seeds ${v.seeds}: '${s}' is not a non-negative integer`);
    return n;
  });
  const controls = v.controls.split(',').filter(Boolean);
  for (const c of controls) if (!(CONTROL_MODES as readonly string[]).includes(c)) fail(`--controls: unknown control '${c}' (known: ${CONTROL_MODES.join(', ')})`);
  const teleportModes: Record<string, TeleportMode[]> = { default: ['default'], off: ['off'], both: ['default', 'off'] };
  const teleports = teleportModes[v.teleport] ?? fail(`--teleport ${v.teleport}: must be default, off or both`);
  if (!['train', 'validation', 'all'].includes(v.split)) fail(`--split ${v.split}: must be train, validation or all`);
  let engineOptions: Record<string, unknown> | undefined;
  if (v['engine-options']) {
    try {
      engineOptions = JSON.parse(v['engine-options']) as Record<string, unknown>;
    } catch (e) {
      fail(`--engine-options is not JSON: ${(e as Error).message}`);
    }
  }
  let demandScale: number | undefined;
  if (v['demand-scale'] !== undefined) {
    demandScale = Number(v['demand-scale']);
    if (!Number.isFinite(demandScale) || demandScale <= 0 || demandScale > 10) fail(`--demand-scale ${v['demand-scale']}: must be a number above 0 and at most 10`);
    if (demandScale === 1) demandScale = undefined;
  }
  const sumoHome = process.env['SUMO_HOME'] ?? '/usr/share/sumo';
  const shared = resolve(REPO, '../shared/scenarios');
  const scenarioDirs = [...new Set([...(v['scenarios-dir'] ?? []).map((d) => resolve(d)), ...(existsSync(shared) ? [shared] : [])])];
  for (const d of scenarioDirs) if (!existsSync(d)) fail(`--scenarios-dir ${d}: no such directory`);
  const cacheDir = resolve(v['cache-dir']);
  const started = performance.now();
  const elapsed = () => {
    const s = Math.round((performance.now() - started) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  const log = (line: string) => process.stderr.write(`[${elapsed()}] ${line}\n`);
  const corpus = buildCorpus({ cacheDir: join(cacheDir, 'scenarios'), sumoHome, scenarioDirs, only: v.only?.split(',').filter(Boolean), log });
  for (const s of corpus.skipped) log(`skipped ${s}`);
  const scenarios = corpus.scenarios.filter((s) => v.split === 'all' || s.split === v.split);
  if (v.list) {
    for (const s of scenarios) process.stdout.write(`${s.name}\t${s.split}\t${s.family}\t${s.configFile}\n`);
    process.stdout.write(`${scenarios.length} scenarios (${scenarios.filter((s) => s.split === 'validation').length} validation)\n`);
    return;
  }
  if (scenarios.length === 0) fail('no scenario matches --only / --split');
  const cache = new CellCache(join(cacheDir, 'cells'), REPO);
  const specs: CellSpec[] = [];
  for (const s of scenarios)
    for (const seed of seeds)
      for (const teleport of teleports)
        for (const control of controls) specs.push({ scenario: s.name, configFile: s.configFile, control: control as CellSpec['control'], seed, teleport, ...(engineOptions ? { engineOptions } : {}), ...(demandScale !== undefined ? { demandScale } : {}) });
  const results: CellResult[] = [];
  const todo: CellSpec[] = [];
  for (const spec of specs) {
    const hit = v['no-cache'] ? undefined : cache.get(spec);
    if (hit) results.push(hit);
    else todo.push(spec);
  }
  const cachedCount = results.length;
  if (v['cached-only']) {
    log(`${scenarios.length} scenarios, ${specs.length} runs: ${results.length} cached; --cached-only: ${todo.length} not run, shown as '-'`);
    todo.length = 0;
  } else log(`${scenarios.length} scenarios, ${specs.length} runs: ${results.length} cached, ${todo.length} to run, ${jobs} at a time`);
  process.once('SIGINT', () => {
    killChildren();
    process.exit(130);
  });
  // scenario by scenario, the quickest first (by what any control took there before; unknown: a minute), so that
  // whole rows of the table are done early and an interrupted run still compares something
  const seconds = new Map<string, number>();
  for (const r of results) if (r.metrics) seconds.set(r.scenario, Math.max(seconds.get(r.scenario) ?? 0, r.metrics.wallSeconds));
  const guess = (s: CellSpec) => seconds.get(s.scenario) ?? 60;
  todo.sort((a, b) => guess(a) - guess(b) || (a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : 0));
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < todo.length) {
      const spec = todo[next++];
      const r = await runChild(spec, timeoutMs);
      results.push(r);
      done++;
      if (r.metrics) cache.put(spec, r);
      const what = `${spec.scenario} ${spec.control} seed ${spec.seed} teleport ${spec.teleport}`;
      const m = r.metrics;
      log(`${done}/${todo.length} ${what}: ${m ? `time loss ${m.meanTimeLossSeconds} s, p95 ${m.p95TimeLossSeconds} s, never inserted ${m.neverInserted}, teleports ${m.teleports}, jammed ${m.jammed} (${m.wallSeconds} s wall)` : `FAILED ${r.error}`}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, todo.length)) }, worker));
  const file: CorpusResultsFile = {
    label: v.label ?? new Date().toISOString(),
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    command: `npx tsx bench/sumo/corpus.ts ${process.argv.slice(2).join(' ')}`,
    sumoVersion: sumoVersion(),
    seeds,
    controls,
    teleports,
    wallSeconds: Math.round((performance.now() - started) / 1000),
    scenarios,
    results,
  };
  const out = resolve(v.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(file, null, 1)}\n`);
  process.stdout.write(formatTable(rowsOf(file), controls));
  const failed = results.filter((r) => r.error).length;
  const notRun = specs.length - results.length;
  process.stdout.write(
    `\n${specs.length} runs (${cachedCount} cached, ${results.length - cachedCount} run now, ${failed} failed${notRun ? `, ${notRun} not run` : ''}) in ${elapsed()} wall, ${jobs} in parallel; results in ${out}\n`,
  );
}


main().catch((e: unknown) => {
  killChildren();
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
