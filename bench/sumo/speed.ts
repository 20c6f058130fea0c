/**
 * Closed-loop speed: SUMO alone and `greenwave sumo` under each control on the same scenario, in one run, side
 * by side. SUMO alone gets the same inputs and options as the closed loop (the network's detectors, tripinfo
 * output, seed), without TraCI. Default scenario: a 3x3 grid (9 signals) with 2 hours of demand, generated into
 * bench/out/sumo-speed/ from the suite's grid3-1lane definition.
 * Usage: npx tsx bench/sumo/speed.ts [--controls static,engine] [--repeats 2] [--seed 1] [--config FILE.sumocfg]
 * Targets (issue 13): static >= 0.8x and engine >= 0.5x SUMO alone's speed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runSumoClosedLoop, type ClosedLoopSummary } from '../../adapters/sumo/run-closed-loop.js';
import { CONTROL_MODES, type ControlMode } from '../../adapters/sumo/control/loop-controller.js';
import { resolveScenario } from '../../adapters/sumo/sumo-scenario.js';
import { importSumoNetwork } from '../../network-models/importers/sumo/index.js';
import { SCENARIOS } from './scenario-definitions.js';
import { generateScenario } from './generate-scenarios.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The suite's 3x3 grid with each demand period stretched to 30 minutes: 9 signals, 7,200 s. */
function speedScenario(out: string): string {
  const base = SCENARIOS.find((s) => s.name === 'grid3-1lane');
  if (!base) throw new Error('scenario grid3-1lane is missing from bench/sumo/scenario-definitions.ts');
  const name = 'grid3-2h';
  const cfg = join(out, name, `${name}.sumocfg`);
  if (existsSync(cfg)) return cfg;
  return generateScenario({ ...base, name, periods: base.periods.map((p) => ({ ...p, seconds: 1800 })), drainSeconds: 0 }, out);
}

/** SUMO alone on the config with the closed loop's inputs and options; wall seconds from spawn to exit. */
function sumoAlone(configFile: string, seed: number): number {
  const sc = resolveScenario({ configFile });
  const work = mkdtempSync(join(tmpdir(), 'greenwave-speed-'));
  try {
    const detectors = join(work, 'detectors.add.xml');
    writeFileSync(detectors, importSumoNetwork(readFileSync(sc.netFile, 'utf8'), { source: sc.netFile }).detectorsXml);
    const args = ['-c', configFile, '--additional-files', [...sc.additionalFiles, detectors].join(','), '--seed', String(seed), '--tripinfo-output', join(work, 'tripinfo.xml'), '--tripinfo-output.write-unfinished', 'true', '--no-step-log', 'true', '--no-warnings', 'true', '--duration-log.disable', 'true'];
    const t0 = performance.now();
    execFileSync(process.env['SUMO_BINARY'] ?? 'sumo', args, { stdio: 'pipe', env: { ...process.env, SUMO_HOME: process.env['SUMO_HOME'] ?? '/usr/share/sumo' } });
    return (performance.now() - t0) / 1000;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const out = resolve(arg('--out') ?? 'bench/out/sumo-speed');
  const config = arg('--config') ? resolve(arg('--config')!) : speedScenario(out);
  const controls = (arg('--controls') ?? 'static,engine').split(',') as ControlMode[];
  for (const c of controls) if (!CONTROL_MODES.includes(c)) throw new Error(`unknown control '${c}' (one of ${CONTROL_MODES.join(', ')})`);
  const repeats = Number(arg('--repeats') ?? 2);
  const seed = Number(arg('--seed') ?? 1);
  const alone: number[] = [];
  const loops = new Map<ControlMode, ClosedLoopSummary[]>();
  // interleaved, so a change in the shared host's load affects every column alike
  for (let r = 0; r < repeats; r++) {
    alone.push(sumoAlone(config, seed));
    process.stderr.write(`SUMO alone: ${alone[alone.length - 1].toFixed(2)} s\n`);
    for (const c of controls) {
      const s = await runSumoClosedLoop({ scenario: { configFile: config }, seed, control: c });
      loops.set(c, [...(loops.get(c) ?? []), s]);
      process.stderr.write(`${c}: ${s.wallSeconds.toFixed(1)} s wall, mean time loss ${s.meanTimeLoss} s, ${s.vehicles} veh\n`);
    }
  }
  const best = (xs: number[]) => Math.min(...xs);
  const aloneBest = best(alone);
  const rows = [`scenario: ${config} (seed ${seed}, best of ${repeats})`, '', '| run | wall s | speed vs SUMO alone | mean time loss (s) | vehicles |', '|---|---:|---:|---:|---:|'];
  rows.push(`| SUMO alone | ${aloneBest.toFixed(2)} | 1.00x | | |`);
  for (const c of controls) {
    const runs = loops.get(c)!;
    const wall = best(runs.map((s) => s.wallSeconds));
    rows.push(`| greenwave sumo --control ${c} | ${wall.toFixed(1)} | ${(aloneBest / wall).toFixed(2)}x | ${runs[0].meanTimeLoss} | ${runs[0].vehicles} |`);
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
