/**
 * SUMO closed-loop benchmark: every control on every scenario and seed; prints mean time loss per scenario and
 * its ratio to the best of SUMO's own controls (static, actuated, delay_based), with the geometric mean over
 * the suite. Usage:
 *   npx tsx bench/sumo/run-sumo-bench.ts [--seeds 1,2,3] [--only a,b] [--controls engine,static,...] [--jobs 2] [--reuse]
 *     [--engine-options JSON] [--max-pressure-options JSON] [--out DIR]
 * --reuse keeps the results of controls not run now from the last results.json.
 * Generates the scenarios first if bench/out/sumo is missing. Results also go to bench/out/sumo/results.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { runSumoClosedLoop, type ClosedLoopSummary } from '../../adapters/sumo/index.js';
import { CONTROL_MODES, type ControlMode } from '../../adapters/sumo/index.js';
import { SCENARIOS } from './scenario-definitions.js';
import { generateScenario } from './generate-scenarios.js';
import { arg } from './bench-process.js';

const OWN: ControlMode[] = ['static', 'actuated', 'delay_based'];

interface Cell {
  scenario: string;
  seed: number;
  control: ControlMode;
  summary?: ClosedLoopSummary;
  error?: string;
}

async function main(): Promise<void> {
  const out = resolve(arg('--out') ?? 'bench/out/sumo');
  const seeds = (arg('--seeds') ?? '1,2,3').split(',').map(Number);
  const only = arg('--only')?.split(',');
  const controls = (arg('--controls')?.split(',') as ControlMode[] | undefined) ?? [...OWN, 'max-pressure', 'engine'];
  for (const c of controls) if (!CONTROL_MODES.includes(c)) throw new Error(`unknown control ${c}`);
  const jobs = Number(arg('--jobs') ?? Math.max(1, Math.min(2, cpus().length)));
  // engine local actuation: the adapter's default unless asked otherwise
  const actuation = arg('--actuation') as 'none' | 'gap-out' | undefined;
  // experiments: engine control options as JSON, e.g. --engine-options '{"gapSeconds":3,"config":{"smoothingSeconds":120}}'
  const engineOptions = JSON.parse(arg('--engine-options') ?? '{}') as Record<string, unknown>;
  const maxPressureOptions = JSON.parse(arg('--max-pressure-options') ?? '{}') as Record<string, unknown>;
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));
  const configs = new Map<string, string>();
  for (const s of scenarios) {
    const cfg = join(out, s.name, `${s.name}.sumocfg`);
    configs.set(s.name, existsSync(cfg) ? cfg : generateScenario(s, out));
  }
  const cells: Cell[] = [];
  for (const s of scenarios) for (const seed of seeds) for (const control of controls) cells.push({ scenario: s.name, seed, control });
  // --reuse: keep earlier results of the controls not rerun now (e.g. rerun only the engine)
  const previous: Cell[] = process.argv.includes('--reuse') && existsSync(join(out, 'results.json')) ? (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Cell[]) : [];
  const rerun = (c: Cell) => controls.includes(c.control) && scenarios.some((s) => s.name === c.scenario) && seeds.includes(c.seed);
  const reused = previous.filter((c) => !rerun(c));
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < cells.length) {
      const cell = cells[next++];
      try {
        cell.summary = await runSumoClosedLoop({ scenario: { configFile: configs.get(cell.scenario) }, seed: cell.seed, control: cell.control, engine: { ...engineOptions, ...(actuation ? { actuation } : {}) }, maxPressure: maxPressureOptions });
        process.stderr.write(`${cell.scenario} seed ${cell.seed} ${cell.control}: time loss ${cell.summary.meanTimeLoss} s, ${cell.summary.vehicles} veh, ${cell.summary.teleports} teleports (${cell.summary.wallSeconds} s)\n`);
      } catch (e) {
        cell.error = (e as Error).message.split('\n')[0];
        process.stderr.write(`${cell.scenario} seed ${cell.seed} ${cell.control}: FAILED ${cell.error}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  const all = [...reused, ...cells];
  const shown = [...new Set([...OWN, 'max-pressure' as ControlMode, 'engine' as ControlMode].filter((c) => all.some((x) => x.control === c)))];
  writeFileSync(join(out, 'results.json'), JSON.stringify(all, null, 1));
  process.stdout.write(table(all, scenarios.map((s) => s.name), shown, seeds));
  process.stdout.write(`\n${cells.length} runs in ${Math.round((performance.now() - started) / 1000)} s wall, ${jobs} in parallel\n`);
}

/** Mean over seeds of each control's mean time loss; ratio to the best of SUMO's own controls; geometric mean. */
export function table(cells: Cell[], scenarios: string[], controls: ControlMode[], seeds: number[]): string {
  const mean = (s: string, c: ControlMode) => {
    const ok = cells.filter((x) => x.scenario === s && x.control === c && x.summary);
    if (ok.length < seeds.length) return null;
    return ok.reduce((acc, x) => acc + x.summary!.meanTimeLoss, 0) / ok.length;
  };
  const rows: string[] = [];
  rows.push(`| scenario | ${controls.map((c) => `${c} (s)`).join(' | ')} | best own | ${controls.map((c) => `${c} ratio`).join(' | ')} |`);
  rows.push(`|${' --- |'.repeat(controls.length * 2 + 2)}`);
  const logs = new Map<ControlMode, number[]>();
  for (const s of scenarios) {
    const m = controls.map((c) => mean(s, c));
    const own = controls.map((c, i) => (OWN.includes(c) ? m[i] : null)).filter((v): v is number => v !== null);
    const best = own.length > 0 ? Math.min(...own) : null;
    const ratios = m.map((v) => (v !== null && best ? v / best : null));
    controls.forEach((c, i) => {
      if (ratios[i] !== null) logs.set(c, [...(logs.get(c) ?? []), Math.log(ratios[i]!)]);
    });
    rows.push(`| ${s} | ${m.map((v) => (v === null ? 'failed' : v.toFixed(1))).join(' | ')} | ${best === null ? '-' : best.toFixed(1)} | ${ratios.map((r) => (r === null ? '-' : r.toFixed(2))).join(' | ')} |`);
  }
  const geo = controls.map((c) => {
    const l = logs.get(c) ?? [];
    return l.length === scenarios.length ? Math.exp(l.reduce((a, b) => a + b, 0) / l.length).toFixed(2) : '-';
  });
  rows.push(`| **geometric mean** | ${controls.map(() => '').join(' | ')} | | ${geo.map((g) => `**${g}**`).join(' | ')} |`);
  return `${rows.join('\n')}\n`;
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
