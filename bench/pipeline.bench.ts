// Pipeline throughput in virtual time: a day of 1-minute synthetic counts for the demo grid city (and a
// 100-signal grid), through validation, smoothing, health, demand estimation and optimisation every 60 s.
// Run: npx tsx bench/pipeline.bench.ts   (target: above 500,000 counts/s)
import os from 'node:os';
import { createEnginePipeline } from '../engine/index.js';
import { VirtualClockScheduler } from '../engine/index.js';
import { virtualTimeSource } from '../engine/index.js';
import { gridCityNetwork } from '../network-models/index.js';
import { buildGridNetwork } from '../network-models/index.js';
import { SyntheticDemand, type SyntheticCount } from '../network-models/index.js';
import type { NetworkFile } from '../network-models/index.js';

const day = Date.UTC(2026, 10, 23);
const cases: Array<[string, NetworkFile, number]> = [
  ['demo grid (16 signals, 272 detectors), 24 h at 60 s', gridCityNetwork(), 24],
  ['grid of 100 signals, 6 h at 60 s', buildGridNetwork({ name: 'b', columns: 10, rows: 10, spacingMetres: 250, mainStreetRows: [5], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' }), 6],
];
process.stdout.write(`machine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}\n\n| case | counts | optimisations | seconds | counts/s |\n|---|---:|---:|---:|---:|\n`);
for (const [name, net, hours] of cases) {
  const records: SyntheticCount[] = [...new SyntheticDemand(net, { seed: 1 }).day(day, day + hours * 3_600_000, 60)];
  let best = Infinity;
  let optimisations = 0;
  for (let run = 0; run < 3; run++) {
    const scheduler = new VirtualClockScheduler(day);
    const t0 = performance.now();
    let ticks = 0;
    createEnginePipeline(net, virtualTimeSource(records, scheduler, (r) => r.timestamp, day + hours * 3_600_000), { scheduler, onCore: (c) => void c }).subscribe((e) => {
      if (e.type === 'kpi') ticks++;
    });
    best = Math.min(best, (performance.now() - t0) / 1000);
    optimisations = ticks;
  }
  process.stdout.write(`| ${name} | ${records.length} | ${optimisations} | ${best.toFixed(3)} | ${Math.round(records.length / best).toLocaleString('en')} |\n`);
}
