import { describe, expect, it } from 'vitest';
import { importSumoNetwork, sumoSignalOf } from '../../network-models/importers/sumo/index.js';
import { buildSumoProgram, fallbackTimings } from '../../adapters/sumo/control/sumo-program-builder.js';
import { inGreenBlock, isSafeTransition, protectedOnlyPhases, skipJumpIndex } from '../../adapters/sumo/control/phase-skip.js';
import { netgenerate, SKIP_SUMO, workDir } from './sumo-kit.js';

describe.skipIf(SKIP_SUMO)('phase skipping jumps only where no green movement is stopped without yellow', () => {
  it('on a turn-lane grid with protected lefts, every possible skip from every clearance is a safe transition', () => {
    const dir = workDir('gw-skip-');
    const { xml } = netgenerate(dir, 'g', ['--grid', '--grid.number', '2', '--grid.length', '250', '--grid.attach-length', '150', '--default.lanenumber', '2', '--turn-lanes', '1', '--turn-lanes.length', '60', '--tls.guess', 'true', '--default-junction-type', 'traffic_light', '--no-turnarounds', 'true']);
    const net = importSumoNetwork(xml).network;
    let checked = 0;
    let viaOwnClearance = 0;
    for (const x of net.intersections.filter((i) => i.control === 'signalized')) {
      const sig = sumoSignalOf(x.external)!;
      const built = buildSumoProgram(sig, fallbackTimings(x), 'test', 'static');
      const ids = x.phases.map((p) => p.id);
      built.logic.phases.forEach((phase, index) => {
        if (inGreenBlock(built, sig, ids, index)) return;
        const nextIndex = (index + 1) % built.logic.phases.length;
        const k = ids.findIndex((id) => built.greenStartIndex[id] === nextIndex);
        if (k <= 0) return;
        for (const nextId of ids) {
          if (nextId === ids[k]) continue;
          const jump = skipJumpIndex(built, sig, index, ids[k], nextId);
          expect(isSafeTransition(phase.state, built.logic.phases[jump].state), `${x.id}: ${phase.state} -> ${built.logic.phases[jump].state}`).toBe(true);
          if (jump !== built.greenStartIndex[nextId]) viaOwnClearance++;
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(0);
    // the protected-left phases, and only they, are served conditionally: each of their lefts is also permissive
    // in the through phase before it
    const fourPhase = net.intersections.filter((i) => i.control === 'signalized' && i.phases.length === 4);
    expect(fourPhase.length).toBeGreaterThan(0);
    for (const x of fourPhase) {
      const conditional = protectedOnlyPhases(x);
      expect(conditional.map((p) => x.phases.indexOf(p))).toEqual([1, 3]);
      for (const p of conditional) for (const mid of p.movementIds) expect(x.movements.find((m) => m.id === mid)?.turn).toBe('left');
    }
    // protected-left programs carry the left's green through the through phase's clearance: those skips go
    // through the skipped phase's own clearance
    expect(viaOwnClearance).toBeGreaterThan(0);
  });

  it('knows an unsafe transition when it sees one', () => {
    expect(isSafeTransition('yyyg', 'rrrr')).toBe(false);
    expect(isSafeTransition('yyyg', 'rrry')).toBe(true);
    expect(isSafeTransition('rrrr', 'GGrr')).toBe(true);
  });
});
