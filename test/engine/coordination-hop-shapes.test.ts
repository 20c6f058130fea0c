import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The coordination offsets read every hop of a group at every optimisation step. Built as spread copies
// (`{ ...hop, ... }`), the 288 hops of a 10x10 grid had 273 hidden classes between them, and each of those reads
// was a megamorphic look-up (a third of the engine's step time went with it). V8's own check, in a child process
// (`%HaveSameMap` needs --allow-natives-syntax).
const script = `
const { buildGridNetwork } = await import('./network-models/demo/build-grid-network.ts');
const { buildRoadGraph } = await import('./network-models/road-graph.ts');
const { buildSignalGroupModel } = await import('./engine/optimizer/optimize-group.ts');
const { resolveOptimizerConfig } = await import('./engine/optimizer/optimizer-config.ts');
const net = buildGridNetwork({ name: 'g', columns: 10, rows: 10, spacingMetres: 250, mainStreetRows: [], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 400, timeZone: 'UTC' });
const hops = buildSignalGroupModel('g', net.intersections, buildRoadGraph(net), resolveOptimizerConfig({})).topology.hops;
const shapes = [];
for (const h of hops) if (!shapes.some((s) => %HaveSameMap(s, h))) shapes.push(h);
console.log(JSON.stringify({ hops: hops.length, shapes: shapes.length }));
`;

describe('coordination topology', () => {
  it('builds every hop with one hidden class', () => {
    const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const { hops, shapes } = JSON.parse(run.stdout) as { hops: number; shapes: number };
    expect(hops).toBeGreaterThan(300);
    expect(shapes).toBe(1);
  }, 60_000);
});
