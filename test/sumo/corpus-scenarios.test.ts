import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demandPeriods, generatedDefinitions } from '../../bench/sumo/corpus/generated-families.js';
import { SUMO_SAMPLES } from '../../bench/sumo/corpus/sumo-samples.js';
import { generateScenario } from '../../bench/sumo/generate-scenarios.js';
import { readSumoConfig } from '../../adapters/sumo/sumo-scenario.js';
import { SKIP_SUMO, workDir } from './sumo-kit.js';

describe('corpus scenario families', () => {
  const defs = generatedDefinitions();

  it('has unique names, every demand level and pattern, and at most one simulated hour per new scenario', () => {
    const names = [...defs.map((d) => d.name), ...SUMO_SAMPLES.map((s) => s.name)];
    expect(new Set(names).size).toBe(names.length);
    expect(defs.length).toBeGreaterThanOrEqual(20);
    for (const level of ['light', 'medium', 'nearsat', 'over']) expect(defs.some((d) => d.name.includes(level))).toBe(true);
    for (const pattern of ['flip', 'surge', 'closure']) expect(defs.some((d) => d.name.includes(pattern))).toBe(true);
    // the suite's own four keep their 3600 + 600 s, so that their earlier figures still compare
    for (const d of defs.slice(4)) expect(d.periods.reduce((s, p) => s + p.seconds, 0) + d.drainSeconds).toBeLessThanOrEqual(3600);
    for (const d of defs.filter((x) => x.closure)) expect(d.closure!.endSeconds).toBeGreaterThan(d.closure!.beginSeconds);
  });

  it('demand: levels rise, flipping peaks change direction, a surge rises above its base', () => {
    const main = (ps: ReturnType<typeof demandPeriods>) => ps.map((p) => p.main.vehPerHourPerEntry);
    const levels = (['light', 'medium', 'nearsat', 'over'] as const).map((l) => main(demandPeriods('stationary', l, 1))[0]);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    expect(main(demandPeriods('stationary', 'medium', 2))[0]).toBe(2 * levels[1]);
    const flip = demandPeriods('flip', 'medium', 1);
    expect(new Set(flip.map((p) => p.main.from))).toEqual(new Set(['west', 'east']));
    const surge = main(demandPeriods('surge', 'medium', 1));
    expect(surge[1]).toBeGreaterThan(surge[0] * 2);
    for (const pattern of ['stationary', 'flip', 'surge', 'closure'] as const) expect(demandPeriods(pattern, 'light', 1).reduce((s, p) => s + p.seconds, 0)).toBe(2700);
  });
});

describe.skipIf(SKIP_SUMO)('corpus scenario generation', () => {
  it('closes the rightmost lane of an interior two-lane edge for the closure interval', () => {
    const def = generatedDefinitions().find((d) => d.name === 'arterial7-medium-closure')!;
    const cfg = generateScenario(def, workDir('corpus-closure'));
    const opts = readSumoConfig(readFileSync(cfg, 'utf8'));
    expect(opts.get('additional-files')).toBe('closure.add.xml');
    const closure = readFileSync(join(dirname(cfg), 'closure.add.xml'), 'utf8');
    // an edge between two arterial signals (A<i>A<j>), never an entry or exit
    expect(closure).toMatch(/<rerouter id="closure_(A\d+A\d+)" edges="\1">/);
    expect(closure).toMatch(/<interval begin="900" end="1800">\s*<closingLaneReroute id="A\d+A\d+_0" disallow="all"\/>/);
  }, 60_000);
});
