import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSumoClosedLoop } from '../../adapters/sumo/run-closed-loop.js';
import { isSafeTransition } from '../../adapters/sumo/control/phase-skip.js';
import { importSumoNetwork, sumoSignalOf } from '../../network-models/importers/sumo/index.js';
import { generateScenario } from '../../bench/sumo/generate-scenarios.js';
import { SCENARIOS } from '../../bench/sumo/scenario-definitions.js';
import { SKIP_SUMO, workDir } from './sumo-kit.js';

const isGreen = (c: string | undefined) => c === 'G' || c === 'g';

describe.skipIf(SKIP_SUMO)('phase skipping through direct clearances, in SUMO (turn-lane grid, 10 simulated minutes)', () => {
  const dir = workDir('direct');
  let cfg = '';
  let netXml = '';
  beforeAll(() => {
    const grid = SCENARIOS.find((s) => s.name === 'grid4-turnlanes')!;
    cfg = generateScenario(grid, dir);
    netXml = readFileSync(join(dir, grid.name, `${grid.name}.net.xml`), 'utf8');
  });

  it('skips protected lefts straight from the through green, and every signal state SUMO showed was safe', async () => {
    const network = importSumoNetwork(netXml).network;
    const signals = network.intersections.filter((x) => x.control === 'signalized').map((x) => ({ x, sig: sumoSignalOf(x.external)! }));
    const statesFile = join(dir, 'states.xml');
    const add = join(dir, 'states.add.xml');
    writeFileSync(add, `<additional>${signals.map((s) => `<timedEvent type="SaveTLSStates" source="${s.sig.tlsId}" dest="${statesFile}"/>`).join('')}</additional>`);
    const summary = await runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 600, additionalFiles: [add] }, seed: 1, control: 'engine' });
    expect(summary.planUpdates).toBeGreaterThan(0);

    const byTls = new Map<string, Array<{ phase: number; state: string }>>();
    for (const m of readFileSync(statesFile, 'utf8').matchAll(/<tlsState time="[\d.]+" id="([^"]+)" programID="[^"]*" phase="(\d+)" state="([^"]+)"/g)) {
      const list = byTls.get(m[1]) ?? [];
      list.push({ phase: Number(m[2]), state: m[3] });
      byTls.set(m[1], list);
    }
    let directSteps = 0;
    for (const { x, sig } of signals) {
      const seen = byTls.get(sig.tlsId) ?? [];
      expect(seen.length).toBeGreaterThan(500);
      const cycleLength = x.phases.reduce((n, p) => n + sig.phaseStates[p.id].green.length + sig.phaseStates[p.id].clearance.length, 0);
      directSteps += seen.filter((s) => s.phase >= cycleLength).length;
      const phaseGreens = x.phases.flatMap((p) => sig.phaseStates[p.id].green.map((g) => g.state));
      const yellowRun = new Array<number>(seen[0].state.length).fill(0);
      seen.forEach(({ state }, i) => {
        // whatever is green belongs to one of the network's own green states: no conflicting movements
        expect(phaseGreens.some((g) => [...state].every((c, l) => !isGreen(c) || isGreen(g[l]))), `${sig.tlsId}: ${state}`).toBe(true);
        if (i === 0) return;
        const prev = seen[i - 1].state;
        expect(isSafeTransition(prev, state), `${sig.tlsId}: ${prev} -> ${state}`).toBe(true);
        for (let l = 0; l < state.length; l++) {
          // a yellow runs its full 3 s before red
          if (prev[l] === 'y' && state[l] === 'r') expect(yellowRun[l], `${sig.tlsId} link ${l}`).toBeGreaterThanOrEqual(3);
          yellowRun[l] = state[l] === 'y' ? yellowRun[l] + 1 : 0;
        }
      });
    }
    expect(directSteps).toBeGreaterThan(0);
  }, 180_000);
});
