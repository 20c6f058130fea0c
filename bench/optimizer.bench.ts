// Optimizer benchmark: one re-optimisation of every signal in generated grid cities of 1 to 10,000 signals.
// Run: npx tsx bench/optimizer.bench.ts   (target: a 1,000-signal city in under 50 ms on one core)
import { Bench } from 'tinybench';
import { buildGridNetwork } from '../network-models/index.js';
import { buildRoadGraph } from '../network-models/index.js';
import { signalGroups } from '../engine/index.js';
import { buildSignalGroupModel, optimizeGroup } from '../engine/index.js';
import { resolveOptimizerConfig } from '../engine/index.js';
import { fallbackPhasePlan } from '../engine/index.js';
import { mulberry32 } from '../network-models/index.js';
import type { MovementDemand, PhasePlan } from '../engine/index.js';
import { printTable } from './print-table.js';

const sizes: Array<[number, number]> = [[1, 1], [10, 10], [40, 25], [100, 100]];
const config = resolveOptimizerConfig();
const bench = new Bench({ time: 2000, warmupTime: 300 });
for (const [columns, rows] of sizes) {
  const net = buildGridNetwork({ name: 'bench', columns, rows, spacingMetres: 250, mainStreetRows: [0, Math.floor(rows / 2)], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });
  const graph = buildRoadGraph(net);
  const byId = new Map(net.intersections.map((x) => [x.id, x]));
  const groups = signalGroups(net, graph, config.maxSignalsPerGroup).map((g) => buildSignalGroupModel(g.id, g.intersectionIds.map((id) => byId.get(id)!), graph, config));
  const random = mulberry32(columns * 1000 + rows);
  const demand = new Map<string, MovementDemand>();
  for (const x of net.intersections) for (const m of x.movements) demand.set(m.id, { movementId: m.id, flowVehPerHour: random() * 0.35 * m.saturationFlowVehPerHour, confidence: 1, source: 'measured' });
  const inForce = new Map<string, PhasePlan>(net.intersections.map((x) => [x.id, fallbackPhasePlan(x, 0)]));
  bench.add(`optimise ${columns * rows} signals`, () => {
    for (const group of groups) optimizeGroup({ group, demand, plansInForce: inForce, config, nowMs: 0 });
  });
}
await bench.run();
printTable(bench, 'signals');
