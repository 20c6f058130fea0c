/**
 * Closed-loop speed: SUMO alone and `greenwave sumo` under each control on the same scenario, in one run, side
 * by side. SUMO alone gets the same inputs and options as the closed loop (the network's detectors, tripinfo
 * output, seed), without TraCI; once with the network's own programs (the reference of the targets) and once
 * with SUMO's actuated control (traffic closer to the engine's, so SUMO's own share of the work is similar).
 * Wall time is the closed loop's whole run (network import, SUMO start, the run, the tripinfo summary). Default scenario: a 3x3 grid (9 signals) with 2 hours of demand, generated into
 * bench/out/sumo-speed/ from the suite's grid3-1lane definition.
 * Each control runs on both SUMO bindings (`--bindings traci,libsumo`; libsumo only where its addon loads): over
 * TraCI, SUMO is a child process (its CPU is the children's); through libsumo, SUMO runs in this process (its CPU is
 * in node's).
 * Usage: npx tsx bench/sumo/speed.ts [--controls static,engine] [--bindings traci,libsumo] [--repeats 2] [--seed 1] [--config FILE.sumocfg]
 * Targets (issue 13): static >= 0.8x and engine >= 0.5x SUMO alone's speed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONTROL_MODES, controllerFor, resolveScenario, resolveSumoBinding, runSumoClosedLoop, type ClosedLoopSummary, type ControlMode, type SumoBinding } from '../../adapters/sumo/index.js';
import { importSumoNetwork } from '../../network-models/importers/sumo/index.js';
import { arg, childrenCpuSeconds, speedScenario } from './bench-process.js';

interface Timing {
  wallSeconds: number;
  /** CPU seconds of SUMO, and of this process during the closed loop. */
  sumoCpuSeconds: number;
  nodeCpuSeconds: number;
}

/**
 * SUMO alone on the config with the closed loop's inputs and options (and the control's programs, for SUMO's own
 * actuated or delay_based: the last program loaded is the one SUMO runs); wall from spawn to exit.
 */
function sumoAlone(configFile: string, seed: number, control: 'static' | 'actuated' | 'delay_based'): Timing {
  const sc = resolveScenario({ configFile });
  const work = mkdtempSync(join(tmpdir(), 'greenwave-speed-'));
  try {
    const imported = importSumoNetwork(readFileSync(sc.netFile, 'utf8'), { source: sc.netFile });
    const additional = [...sc.additionalFiles, join(work, 'detectors.add.xml')];
    writeFileSync(additional[additional.length - 1], imported.detectorsXml);
    const programs = controllerFor(control).additionalXml?.(imported.network);
    if (programs) {
      additional.push(join(work, 'programs.add.xml'));
      writeFileSync(additional[additional.length - 1], programs);
    }
    const args = ['-c', configFile, '--additional-files', additional.join(','), '--seed', String(seed), '--tripinfo-output', join(work, 'tripinfo.xml'), '--tripinfo-output.write-unfinished', 'true', '--no-step-log', 'true', '--no-warnings', 'true', '--duration-log.disable', 'true'];
    const cpu0 = childrenCpuSeconds();
    const t0 = performance.now();
    execFileSync(process.env['SUMO_BINARY'] ?? 'sumo', args, { stdio: 'pipe', env: { ...process.env, SUMO_HOME: process.env['SUMO_HOME'] ?? '/usr/share/sumo' } });
    return { wallSeconds: (performance.now() - t0) / 1000, sumoCpuSeconds: childrenCpuSeconds() - cpu0, nodeCpuSeconds: 0 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function closedLoop(configFile: string, seed: number, control: ControlMode, binding: SumoBinding): Promise<Timing & { summary: ClosedLoopSummary }> {
  const cpu0 = childrenCpuSeconds();
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await runSumoClosedLoop({ scenario: { configFile }, seed, control, binding });
  const wallSeconds = (performance.now() - t0) / 1000;
  const node = process.cpuUsage(node0);
  return { summary, wallSeconds, sumoCpuSeconds: childrenCpuSeconds() - cpu0, nodeCpuSeconds: (node.user + node.system) / 1e6 };
}

async function main(): Promise<void> {
  const out = resolve(arg('--out') ?? 'bench/out/sumo-speed');
  const config = arg('--config') ? resolve(arg('--config')!) : speedScenario(out);
  const controls = (arg('--controls') ?? 'static,engine').split(',') as ControlMode[];
  for (const c of controls) if (!CONTROL_MODES.includes(c)) throw new Error(`unknown control '${c}' (one of ${CONTROL_MODES.join(', ')})`);
  const bindings = (arg('--bindings') ?? 'traci,libsumo').split(',') as SumoBinding[];
  for (const b of bindings) if (b !== 'traci' && b !== 'libsumo') throw new Error(`unknown binding '${b}' (traci or libsumo)`);
  if (bindings.includes('libsumo')) resolveSumoBinding('libsumo'); // throws, naming why, when the addon does not load
  const runs = controls.flatMap((control) => bindings.map((binding) => ({ control, binding, key: `${control} ${binding}` })));
  const repeats = Number(arg('--repeats') ?? 2);
  const seed = Number(arg('--seed') ?? 1);
  const refs = ['static', 'actuated'] as const;
  const alone = new Map<string, Timing[]>();
  const loops = new Map<string, Array<Timing & { summary: ClosedLoopSummary }>>();
  // interleaved, so a change in the shared host's load affects every row alike
  for (let r = 0; r < repeats; r++) {
    for (const ref of refs) {
      const a = sumoAlone(config, seed, ref);
      alone.set(ref, [...(alone.get(ref) ?? []), a]);
      process.stderr.write(`SUMO alone, ${ref} programs: ${a.wallSeconds.toFixed(2)} s wall, ${a.sumoCpuSeconds.toFixed(2)} s CPU\n`);
    }
    for (const run of runs) {
      const s = await closedLoop(config, seed, run.control, run.binding);
      loops.set(run.key, [...(loops.get(run.key) ?? []), s]);
      process.stderr.write(`${run.key}: ${s.wallSeconds.toFixed(2)} s wall, SUMO ${s.sumoCpuSeconds.toFixed(2)} s + node ${s.nodeCpuSeconds.toFixed(2)} s CPU, mean time loss ${s.summary.meanTimeLoss} s, ${s.summary.vehicles} veh\n`);
    }
  }
  const best = <T extends Timing>(xs: T[]): T => xs.reduce((a, b) => (b.wallSeconds < a.wallSeconds ? b : a));
  const ref = best(alone.get('static')!);
  const refActuated = best(alone.get('actuated')!);
  const rows = [
    `scenario: ${config} (seed ${seed}; best wall of ${repeats} interleaved runs; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
    '',
    '| run | wall s | speed vs SUMO alone (network\'s programs) | vs SUMO alone (actuated) | SUMO CPU s (child) | node CPU s (libsumo: SUMO in it) | mean time loss (s) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    `| SUMO alone, the network's programs | ${ref.wallSeconds.toFixed(2)} | 1.00x | | ${ref.sumoCpuSeconds.toFixed(2)} | | |`,
    `| SUMO alone, SUMO's actuated | ${refActuated.wallSeconds.toFixed(2)} | | 1.00x | ${refActuated.sumoCpuSeconds.toFixed(2)} | | |`,
  ];
  for (const run of runs) {
    const b = best(loops.get(run.key)!);
    const sumoCpu = run.binding === 'libsumo' ? 'in node' : b.sumoCpuSeconds.toFixed(2);
    rows.push(`| greenwave sumo --control ${run.control} --sumo-binding ${run.binding} | ${b.wallSeconds.toFixed(2)} | ${(ref.wallSeconds / b.wallSeconds).toFixed(2)}x | ${(refActuated.wallSeconds / b.wallSeconds).toFixed(2)}x | ${sumoCpu} | ${b.nodeCpuSeconds.toFixed(2)} | ${b.summary.meanTimeLoss} |`);
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
