/**
 * What SUMO spends answering induction loop subscriptions: SUMO stepped in lockstep over TraCI to the end of a
 * scenario (the network's own programs, nothing set), with the loops subscribed to nothing, to their vehicle ids,
 * or to their vehicle ids and occupancy (what the engine control subscribed before it read occupancy apart).
 * Prints SUMO's and this process's CPU seconds per variant. Default scenario: the speed bench's 2-hour grid.
 * Usage: npx tsx bench/sumo/subscription-cost.ts [--config FILE.sumocfg] [--variants none,ids,ids+occupancy]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SumoProcess, TRACI_CMD as CMD, TRACI_VAR as VAR, resolveScenario } from '../../adapters/sumo/index.js';
import { importSumoNetwork } from '../../network-models/importers/sumo/index.js';
import { arg, childrenCpuSeconds } from './bench-process.js';

const VARIANTS: Record<string, number[]> = { none: [], ids: [VAR.LAST_STEP_VEHICLE_ID_LIST], 'ids+occupancy': [VAR.LAST_STEP_VEHICLE_ID_LIST, VAR.LAST_STEP_OCCUPANCY] };

async function run(configFile: string, variables: number[]): Promise<{ sumoCpuSeconds: number; nodeCpuSeconds: number; wallSeconds: number }> {
  const sc = resolveScenario({ configFile });
  if (sc.endSeconds === undefined) throw new Error(`${configFile}: no end time`);
  const imported = importSumoNetwork(readFileSync(sc.netFile, 'utf8'), { source: sc.netFile });
  const work = mkdtempSync(join(tmpdir(), 'greenwave-subcost-'));
  try {
    writeFileSync(join(work, 'detectors.add.xml'), imported.detectorsXml);
    const cpu0 = childrenCpuSeconds();
    const node0 = process.cpuUsage();
    const t0 = performance.now();
    const args = ['-c', configFile, '--additional-files', [...sc.additionalFiles, join(work, 'detectors.add.xml')].join(','), '--seed', '1', '--no-step-log', 'true', '--no-warnings', 'true', '--duration-log.disable', 'true'];
    const { sumo, client } = await SumoProcess.launch({ args });
    await client.simulation.subscribeCounters();
    if (variables.length > 0) await client.subscribe(CMD.SUBSCRIBE_INDUCTIONLOOP_VARIABLE, imported.network.detectors.map((d) => d.id), variables);
    for (let t = sc.beginSeconds ?? 0; t + 1e-9 < sc.endSeconds; ) {
      await client.step();
      t = client.simulation.snapshot().timeSeconds;
    }
    await client.close();
    await sumo.waitOrKill();
    const node = process.cpuUsage(node0);
    return { sumoCpuSeconds: childrenCpuSeconds() - cpu0, nodeCpuSeconds: (node.user + node.system) / 1e6, wallSeconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const config = resolve(arg('--config') ?? 'bench/out/sumo-speed/grid3-2h/grid3-2h.sumocfg');
  const variants = (arg('--variants') ?? 'none,ids,ids+occupancy').split(',');
  for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant '${v}' (one of ${Object.keys(VARIANTS).join(', ')})`);
  process.stdout.write(`${config}\n| loops subscribed to | SUMO CPU s | node CPU s | wall s |\n|---|---:|---:|---:|\n`);
  for (const v of variants) {
    const r = await run(config, VARIANTS[v]);
    process.stdout.write(`| ${v} | ${r.sumoCpuSeconds.toFixed(2)} | ${r.nodeCpuSeconds.toFixed(2)} | ${r.wallSeconds.toFixed(2)} |\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
