import os from 'node:os';
import type { Bench } from 'tinybench';

/** Prints a benchmark's results as a Markdown table, with the machine it ran on. */
export function printTable(bench: Bench, _unit: string): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`\nmachine: ${cpu}, ${os.cpus().length} cores, Node ${process.version}\n\n`);
  process.stdout.write('| task | mean (ms) | p99 (ms) | runs |\n|---|---:|---:|---:|\n');
  for (const task of bench.tasks) {
    const r = task.result as unknown as { latency?: { mean: number; p99: number }; mean?: number; p99?: number; samples?: number[] } | undefined;
    const mean = r?.latency?.mean ?? r?.mean ?? NaN;
    const p99 = r?.latency?.p99 ?? r?.p99 ?? NaN;
    const runs = (r as { latency?: { samplesCount?: number } } | undefined)?.latency?.samplesCount ?? r?.samples?.length ?? 0;
    process.stdout.write(`| ${task.name} | ${mean.toFixed(3)} | ${p99.toFixed(3)} | ${runs} |\n`);
  }
}
