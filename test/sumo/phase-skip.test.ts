import { describe, expect, it } from 'vitest';
import { importSumoNetwork, sumoSignalOf } from '../../network-models/importers/sumo/index.js';
import { buildSumoProgram, fallbackTimings } from '../../adapters/sumo/control/sumo-program-builder.js';
import { inGreenBlock, isSafeTransition, protectedOnlyPhases, skipJumpIndex } from '../../adapters/sumo/control/phase-skip.js';
import type { NetworkFile } from '../../network-models/network-types.js';
import { netgenerate, SKIP_SUMO, workDir } from './sumo-kit.js';

/** A 2x2 netgenerate grid with left-turn lanes and protected-left programs, imported. */
function turnLaneGrid(prefix: string): NetworkFile {
  const { xml } = netgenerate(workDir(prefix), 'g', ['--grid', '--grid.number', '2', '--grid.length', '250', '--grid.attach-length', '150', '--default.lanenumber', '2', '--turn-lanes', '1', '--turn-lanes.length', '60', '--tls.guess', 'true', '--default-junction-type', 'traffic_light', '--no-turnarounds', 'true']);
  return importSumoNetwork(xml).network;
}

describe.skipIf(SKIP_SUMO)('phase skipping jumps only where no green movement is stopped without yellow', () => {
  it('on a turn-lane grid with protected lefts, every possible skip from every clearance is a safe transition', () => {
    const net = turnLaneGrid('gw-skip-');
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

  it('direct clearances lead from every green to every phase the cycle does not already follow with, safely', () => {
    const net = turnLaneGrid('gw-direct-');
    let pairs = 0;
    let straight = 0;
    for (const x of net.intersections.filter((i) => i.control === 'signalized')) {
      const sig = sumoSignalOf(x.external)!;
      const timings = fallbackTimings(x);
      const plain = buildSumoProgram(sig, timings, 'plain', 'static');
      const built = buildSumoProgram(sig, timings, 'test', 'static', { directClearances: true });
      const phases = built.logic.phases;
      // the cycle is the plain program's, closed on itself; the transitions follow it
      expect(built.cyclePhaseCount).toBe(plain.logic.phases.length);
      expect(phases.slice(0, built.cyclePhaseCount).map((p) => [p.state, p.durationSeconds])).toEqual(plain.logic.phases.map((p) => [p.state, p.durationSeconds]));
      expect(built.cycleSeconds).toBe(plain.cycleSeconds);
      const n = x.phases.length;
      if (n > 2) expect(phases[built.cyclePhaseCount - 1].next).toEqual([0]);
      for (const [i, from] of x.phases.entries()) {
        const targets = Object.keys(built.directClearanceIndex[from.id] ?? {});
        expect(targets.sort()).toEqual(x.phases.filter((p, j) => j !== i && j !== (i + 1) % n).map((p) => p.id).sort());
        const green = sig.phaseStates[from.id].green.at(-1)!.state;
        for (const toId of targets) {
          const to = sig.phaseStates[toId].green[0].state;
          if (built.directClearanceIndex[from.id][toId] === built.greenStartIndex[toId]) {
            // nothing to stop (a protected left going permissive): straight on, no clearance
            expect(isSafeTransition(green, to)).toBe(true);
            straight++;
            continue;
          }
          const chain: number[] = [];
          for (let k = built.directClearanceIndex[from.id][toId]; ; k++) {
            chain.push(k);
            if (phases[k].next) break;
          }
          expect(phases[chain.at(-1)!].next).toEqual([built.greenStartIndex[toId]]);
          const states = [green, ...chain.map((k) => phases[k].state), to];
          for (let k = 1; k < states.length; k++) expect(isSafeTransition(states[k - 1], states[k]), `${x.id} ${from.id}->${toId}: ${states[k - 1]} -> ${states[k]}`).toBe(true);
          // no green appears in a clearance that was not green before it and stays green after it
          for (const k of chain)
            for (let l = 0; l < to.length; l++) if ('Gg'.includes(phases[k].state[l])) expect('Gg'.includes(green[l]) && 'Gg'.includes(to[l])).toBe(true);
          // every green the target stops gets the phase's full yellow
          const yellow = chain.filter((k) => phases[k].state.includes('y')).reduce((acc, k) => acc + phases[k].durationSeconds, 0);
          expect(yellow, `${x.id} ${from.id}->${toId}: ${states.join(" ")}`).toBeCloseTo(from.yellowSeconds, 5);
          pairs++;
        }
      }
    }
    // four signals of four phases: each phase has two phases the cycle does not follow it with
    expect(pairs + straight).toBe(4 * 4 * 2);
    expect(straight).toBeGreaterThan(0);
  });

  it('knows an unsafe transition when it sees one', () => {
    expect(isSafeTransition('yyyg', 'rrrr')).toBe(false);
    expect(isSafeTransition('yyyg', 'rrry')).toBe(true);
    expect(isSafeTransition('rrrr', 'GGrr')).toBe(true);
  });
});
