import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CellMetrics, CellResult } from '../../bench/sumo/corpus/corpus-cell.js';
import type { CorpusScenario } from '../../bench/sumo/corpus/corpus-scenarios.js';
import { splitOf } from '../../bench/sumo/corpus/corpus-scenarios.js';
import { buildRows, formatComparison, formatTable, geometricMeans } from '../../bench/sumo/corpus/corpus-table.js';

const metrics = (meanTimeLossSeconds: number, extra: Partial<CellMetrics> = {}): CellMetrics => ({
  meanTimeLossSeconds,
  p95TimeLossSeconds: meanTimeLossSeconds * 3,
  vehiclesDue: 100,
  inserted: 100,
  arrived: 100,
  neverInserted: 0,
  neverInsertedWaitSeconds: 0,
  insertionBacklogAtEnd: 0,
  teleports: 0,
  teleportsJam: 0,
  jammed: 0,
  simulatedSeconds: 3600,
  wallSeconds: 10,
  ...extra,
});

const scenario = (name: string, split: 'train' | 'validation'): CorpusScenario => ({ name, split, family: 'generated', configFile: `/x/${name}.sumocfg`, description: name });

const cell = (s: string, control: string, seed: number, m: CellMetrics | undefined, error?: string): CellResult => ({
  scenario: s,
  configFile: `/x/${s}.sumocfg`,
  control: control as CellResult['control'],
  seed,
  teleport: 'default',
  ...(m ? { metrics: m } : {}),
  ...(error ? { error } : {}),
});

describe('corpus split', () => {
  it('is a fixed function of the name, and puts about a third of many names in validation', () => {
    fc.assert(fc.property(fc.string(), (name) => splitOf(name) === splitOf(name)));
    const names = Array.from({ length: 3000 }, (_, i) => `scenario-${i}`);
    const share = names.filter((n) => splitOf(n) === 'validation').length / names.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.37);
  });
});

describe('corpus table', () => {
  const scenarios = [scenario('a', 'train'), scenario('b', 'validation')];
  const controls = ['static', 'actuated', 'delay_based', 'engine'];
  // a: best built-in actuated 40 s, engine 30 s -> 0.75; b: best built-in delay_based 50 s, engine 55 s -> 1.1
  const results: CellResult[] = [
    cell('a', 'static', 1, metrics(80)),
    cell('a', 'actuated', 1, metrics(40)),
    cell('a', 'delay_based', 1, metrics(45)),
    cell('a', 'engine', 1, metrics(30)),
    cell('b', 'static', 1, metrics(90, { neverInserted: 12, teleports: 3, jammed: 2 })),
    cell('b', 'actuated', 1, metrics(70)),
    cell('b', 'delay_based', 1, metrics(50)),
    cell('b', 'engine', 1, metrics(55)),
  ];

  it('compares every control with the best of SUMO own controls, and takes the geometric mean per split', () => {
    const rows = buildRows(scenarios, results, controls, ['default'], 1);
    expect(rows.map((r) => [r.scenario, r.bestBuiltIn?.control, r.ratios['engine']])).toEqual([
      ['a', 'actuated', 0.75],
      ['b', 'delay_based', 1.1],
    ]);
    expect(geometricMeans(rows, ['engine'])['engine'].value).toBeCloseTo(Math.sqrt(0.75 * 1.1), 12);
    const text = formatTable(rows, controls);
    expect(text).toContain('| a | train | default | 80.0 / 240 | 40.0 / 120 | 45.0 / 135 | 30.0 / 90 | actuated | 0.75 |');
    expect(text).toContain('90.0 / 270 (ni 12, tp 3, jam 2)');
    expect(text).toMatch(/\| train \| default \| 1 \| 0\.750 \|/);
    expect(text).toMatch(/\| validation \| default \| 1 \| 1\.100 \|/);
    expect(text).toMatch(/\| all \| default \| 2 \| 0\.908 \|/);
  });

  it('averages seeds, and shows a control as failed (not as a figure) unless every seed ran', () => {
    const twoSeeds = [...results, cell('a', 'static', 2, metrics(80)), cell('a', 'actuated', 2, metrics(40)), cell('a', 'delay_based', 2, metrics(45)), cell('a', 'engine', 2, metrics(50))];
    const rows = buildRows([scenarios[0]], twoSeeds, controls, ['default'], 2);
    expect(rows[0].ratios['engine']).toBe(1);
    const failed = buildRows([scenarios[0]], [...twoSeeds.filter((c) => !(c.control === 'engine' && c.seed === 2)), cell('a', 'engine', 2, undefined, 'SUMO quit')], controls, ['default'], 2);
    expect(failed[0].cells['engine']).toBeNull();
    expect(failed[0].ratios['engine']).toBeNull();
    expect(formatTable(failed, controls)).toContain('| failed |');
    expect(formatTable(failed, controls)).toMatch(/\| train \| default \| 1 \| - \|/);
  });

  it('puts two runs side by side, scenario by scenario', () => {
    const a = buildRows(scenarios, results, controls, ['default'], 1);
    const better = results.map((c) => (c.control === 'engine' && c.scenario === 'b' ? cell('b', 'engine', 1, metrics(45)) : c));
    const b = buildRows(scenarios, better, controls, ['default'], 1);
    const text = formatComparison({ label: 'before', rows: a }, { label: 'after', rows: b }, 'engine');
    expect(text).toContain('| b | validation | default | 1.100 | 0.900 | -18.2 % |');
    expect(text).toContain('| a | train | default | 0.750 | 0.750 | +0.0 % |');
    expect(text).toMatch(/geometric mean, all\*\* \(2 rows both ran\) \| \| \| \*\*0\.908\*\* \| \*\*0\.822\*\*/);
  });
});
