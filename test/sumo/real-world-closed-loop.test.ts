import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSumoClosedLoop } from '../../adapters/sumo/run-closed-loop.js';
import { SKIP_SUMO, SUMO_HOME } from './sumo-kit.js';

// SUMO's own real-world sample (Bologna, "acosta"), shipped with sumo-tools: a network the engine was not tuned on.
const dir = join(SUMO_HOME, 'tools/sumolib/scenario/scenarios/RealWorld/acosta');

describe.skipIf(SKIP_SUMO)('closed loop on a real city network (SUMO Bologna sample)', () => {
  it('runs without gridlock and loses no more time than the network\'s own fixed programs', async () => {
    expect(existsSync(join(dir, 'acosta_buslanes.net.xml')), `${dir} missing: install sumo-tools`).toBe(true);
    const scenario = {
      netFile: join(dir, 'acosta_buslanes.net.xml'),
      routeFiles: [join(dir, 'acosta.rou.xml')],
      additionalFiles: [join(dir, 'acosta_vtypes.add.xml')],
      endSeconds: 1200,
    };
    const engine = await runSumoClosedLoop({ scenario, seed: 1, control: 'engine' });
    const fixed = await runSumoClosedLoop({ scenario, seed: 1, control: 'static' });
    expect(engine.planUpdates).toBeGreaterThan(0);
    expect(engine.teleports).toBeLessThanOrEqual(10);
    expect(engine.meanTimeLoss).toBeLessThanOrEqual(fixed.meanTimeLoss);
  }, 120_000);
});
