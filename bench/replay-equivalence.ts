// Speed changes to the engine must not change one result: this prints a hash of every event the engine emits
// (plans with their diagnostics, faults, KPIs with demand) over several networks, seeds and days, with some
// detectors made faulty (silent, stuck on, stuck at zero) and scaled demand so that fallbacks, oversaturation
// and plan rejections are exercised. Run it before and after a change; the lines must be identical.
// Run: npx tsx bench/replay-equivalence.ts
import { createHash } from 'node:crypto';
import { createEnginePipeline, VirtualClockScheduler, virtualTimeSource } from '../engine/index.js';
import { buildGridNetwork, gridCityNetwork, SyntheticDemand, type NetworkFile, type SyntheticCount } from '../network-models/index.js';

interface Case {
  name: string;
  network: NetworkFile;
  hours: number;
  seed: number;
  scale: number;
}

const grid = (name: string, columns: number, rows: number, mainStreetRows: number[], timeZone: string) =>
  buildGridNetwork({ name, columns, rows, spacingMetres: 250, mainStreetRows, speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone });

const cases: Case[] = [];
for (const seed of [1, 7]) {
  cases.push({ name: `demo grid, 24 h, seed ${seed}`, network: gridCityNetwork(), hours: 24, seed, scale: 1 });
  cases.push({ name: `10x10 grid, main street, 8 h, seed ${seed}, demand x1.4`, network: grid('g10', 10, 10, [5], 'UTC'), hours: 8, seed, scale: 1.4 });
  cases.push({ name: `6x3 grid, two main streets, America/Denver, 24 h, seed ${seed}`, network: grid('g6', 6, 3, [0, 2], 'America/Denver'), hours: 24, seed, scale: 0.8 });
}

const day = Date.UTC(2026, 10, 23, 7);
for (const c of cases) {
  const end = day + c.hours * 3_600_000;
  const records: SyntheticCount[] = [];
  const ids = c.network.detectors.map((d) => d.id);
  for (const r of new SyntheticDemand(c.network, { seed: c.seed, scale: c.scale }).day(day, end, 60)) {
    const k = ids.indexOf(r.detectorId);
    // Faults: one detector in 37 goes silent for two hours, one in 41 sticks on, one in 43 reads zero.
    if (k % 37 === 5 && r.timestamp > day + 3_600_000 && r.timestamp < day + 3 * 3_600_000) continue;
    if (k % 41 === 3 && r.timestamp > day + 2 * 3_600_000) records.push({ ...r, occupancy: 1 });
    else if (k % 43 === 8 && r.timestamp > day + 4 * 3_600_000) records.push({ ...r, count: 0, occupancy: 0 });
    else records.push(r);
  }
  const scheduler = new VirtualClockScheduler(day);
  const hash = createHash('sha256');
  let events = 0;
  let plans = 0;
  const kinds: Record<string, number> = {};
  createEnginePipeline(c.network, virtualTimeSource(records, scheduler, (r) => r.timestamp, end), { scheduler, config: { emitKpis: true } }).subscribe((e) => {
    hash.update(JSON.stringify(e));
    events++;
    if (e.type === 'plan') plans++;
    kinds[e.type] = (kinds[e.type] ?? 0) + 1;
  });
  process.stdout.write(`${c.name}: ${events} events (${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ')}), sha256 ${hash.digest('hex').slice(0, 16)}\n`);
}
