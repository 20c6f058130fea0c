/** What the SUMO benches share: their command-line flags, their children's CPU, and the speed bench's scenario. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS } from './scenario-definitions.js';
import { generateScenario } from './generate-scenarios.js';

/** The value after `--name` on the command line, if given. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Fields after the command name in /proc/self/stat; cutime and cstime (fields 16 and 17) are at 13 and 14. */
function selfStat(): string[] {
  return readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
}

/** CPU seconds (user + system) of this process's children that have exited and been waited for. */
export function childrenCpuSeconds(): number {
  const f = selfStat();
  // clock ticks, 100 per second on Linux
  return (Number(f[13]) + Number(f[14])) / 100;
}

/** System (kernel) CPU seconds of the children waited for: the socket's share of their CPU. */
export function childrenSystemSeconds(): number {
  return Number(selfStat()[14]) / 100;
}

/** The suite's 3x3 grid with each demand period stretched to 30 minutes: 9 signals, 7,200 s (generated once into `out`). */
export function speedScenario(out: string): string {
  const base = SCENARIOS.find((s) => s.name === 'grid3-1lane');
  if (!base) throw new Error('scenario grid3-1lane is missing from bench/sumo/scenario-definitions.ts');
  const name = 'grid3-2h';
  const cfg = join(out, name, `${name}.sumocfg`);
  if (existsSync(cfg)) return cfg;
  return generateScenario({ ...base, name, periods: base.periods.map((p) => ({ ...p, seconds: 1800 })), drainSeconds: 0 }, out);
}
