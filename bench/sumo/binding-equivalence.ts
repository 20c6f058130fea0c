/**
 * Same results on both SUMO bindings: runs `greenwave sumo --config C --control X --seed S --tripinfo F --json` once
 * with `--sumo-binding traci` and once with `--sumo-binding libsumo`, for every scenario and control given, and
 * compares SUMO's tripinfo from `<tripinfos` on (the header before it names the options, TraCI's port among them)
 * and the JSON summary (which has no wall time) byte for byte. Each run is its own process; CPU is the children's.
 * Usage: npx tsx bench/sumo/binding-equivalence.ts --configs A.sumocfg,B.sumocfg [--controls static,actuated,engine,max-pressure] [--seed 1]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { arg, childrenCpuSeconds } from './bench-process.js';

const CLI = resolve(import.meta.dirname, '../../cli/greenwave.ts');

interface Run {
  tripinfos: string;
  json: string;
  cpuSeconds: number;
}

function runCli(config: string, control: string, seed: number, binding: string, work: string): Run {
  const tripinfo = join(work, `${binding}.tripinfo.xml`);
  const cpu0 = childrenCpuSeconds();
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'sumo', '--config', config, '--control', control, '--seed', String(seed), '--tripinfo', tripinfo, '--json', '--sumo-binding', binding], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const cpuSeconds = childrenCpuSeconds() - cpu0;
  if (r.status !== 0) throw new Error(`${basename(config)} ${control} ${binding}: exit ${r.status}: ${r.stderr.trim()}`);
  const text = readFileSync(tripinfo, 'utf8');
  const at = text.indexOf('<tripinfos');
  if (at < 0) throw new Error(`${tripinfo}: no <tripinfos> element`);
  return { tripinfos: text.slice(at), json: r.stdout.trim().split('\n').at(-1) ?? '', cpuSeconds };
}

function main(): void {
  const configs = (arg('--configs') ?? '').split(',').filter(Boolean).map((c) => resolve(c));
  if (configs.length === 0) throw new Error('--configs A.sumocfg,B.sumocfg is required');
  const controls = (arg('--controls') ?? 'static,actuated,engine,max-pressure').split(',');
  const seed = Number(arg('--seed') ?? 1);
  const rows = ['| scenario | control | vehicles | tripinfo identical | JSON summary identical | CPU s, TraCI (SUMO + node) | CPU s, libsumo |', '|---|---|---:|---|---|---:|---:|'];
  let differ = 0;
  for (const config of configs) {
    for (const control of controls) {
      const work = mkdtempSync(join(tmpdir(), 'greenwave-binding-eq-'));
      try {
        const traci = runCli(config, control, seed, 'traci', work);
        const libsumo = runCli(config, control, seed, 'libsumo', work);
        const sameTrips = traci.tripinfos === libsumo.tripinfos;
        const sameJson = traci.json === libsumo.json;
        if (!sameTrips || !sameJson) differ++;
        const vehicles = (JSON.parse(traci.json) as { vehicles: number }).vehicles;
        const row = `| ${basename(config, '.sumocfg')} | ${control} | ${vehicles} | ${sameTrips ? 'yes' : '**no**'} | ${sameJson ? 'yes' : `**no**: ${traci.json} vs ${libsumo.json}`} | ${traci.cpuSeconds.toFixed(2)} | ${libsumo.cpuSeconds.toFixed(2)} |`;
        rows.push(row);
        process.stderr.write(`${row}\n`);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
  }
  process.stdout.write(`seed ${seed}; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n${rows.join('\n')}\n`);
  if (differ > 0) process.exitCode = 1;
}

main();
