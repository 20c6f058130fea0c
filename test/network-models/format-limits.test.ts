import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork, FORMAT_LIMITS, formatProblem, validateNetwork } from '../../network-models/index.js';

const problemsOf = (doc: unknown) => {
  const r = validateNetwork(doc);
  return r.ok ? [] : r.problems.map(formatProblem);
};

describe('the network format limits (one constants module for the schema and the importers)', () => {
  it('the schema takes a value at each limit and refuses one just past it, naming the field and the limit', () => {
    const cases: Array<[string, (n: ReturnType<typeof arterialCorridorNetwork>, v: number) => void, number]> = [
      ['intersections[0].phases[0].yellowSeconds', (n, v) => (n.intersections[0].phases[0].yellowSeconds = v), FORMAT_LIMITS.yellowMaxSeconds],
      ['intersections[0].phases[0].allRedSeconds', (n, v) => (n.intersections[0].phases[0].allRedSeconds = v), FORMAT_LIMITS.allRedMaxSeconds],
      ['intersections[0].movements[0].saturationFlowVehPerHour', (n, v) => (n.intersections[0].movements[0].saturationFlowVehPerHour = v), FORMAT_LIMITS.saturationFlowMaxVehPerHour],
      ['links[0].freeFlowSpeedMetresPerSecond', (n, v) => (n.links[0].freeFlowSpeedMetresPerSecond = v), FORMAT_LIMITS.freeFlowSpeedMaxMetresPerSecond],
      ['links[0].lanes', (n, v) => (n.links[0].lanes = v), FORMAT_LIMITS.lanesPerLinkMax],
    ];
    for (const [path, set, limit] of cases) {
      const at = arterialCorridorNetwork();
      set(at, limit);
      expect(problemsOf(at).filter((p) => p.startsWith(`${path} =`))).toEqual([]);
      const past = arterialCorridorNetwork();
      set(past, limit + 1);
      expect(problemsOf(past)).toContain(`${path} = ${limit + 1}: Too big: expected number to be <=${limit}`);
    }
  });
});
