import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CellCache } from '../../bench/sumo/corpus/cell-cache.js';
import type { CellSpec } from '../../bench/sumo/corpus/corpus-cell.js';
import { workDir } from './sumo-kit.js';

/** A repository with the files the cache hashes, and a scenario. */
function fixture() {
  const root = workDir('corpus-cache');
  const write = (p: string, text: string) => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  write('engine/optimizer.ts', 'v1');
  write('adapters/sumo/control/own-control-programs.ts', 'v1');
  write('adapters/sumo/control/engine-control.ts', 'v1');
  write('network-models/importers/sumo/parse.ts', 'v1');
  write('scenario/s.net.xml', '<net/>');
  write('scenario/s.rou.xml', '<routes/>');
  write('scenario/s.sumocfg', '<configuration><input><net-file value="s.net.xml"/><route-files value="s.rou.xml"/></input></configuration>');
  const spec = (control: string, extra: Partial<CellSpec> = {}): CellSpec => ({ scenario: 's', configFile: join(root, 'scenario/s.sumocfg'), control: control as CellSpec['control'], seed: 1, teleport: 'default', ...extra });
  return { root, write, spec };
}

describe('corpus cache', () => {
  it('re-runs only the engine and max-pressure after a source change; SUMO own controls go by their version', () => {
    const { root, write, spec } = fixture();
    const cache = (version = '1 SUMO 1.15') => new CellCache(join(root, 'cache'), root, {}, version);
    const keys = (c: CellCache) => ['static', 'actuated', 'delay_based', 'own', 'engine', 'max-pressure'].map((k) => c.key(spec(k)));
    const k0 = keys(cache());
    expect(new Set(k0).size).toBe(6);
    write('engine/optimizer.ts', 'v2');
    write('adapters/sumo/control/own-control-programs.ts', 'v2');
    const k1 = keys(cache());
    expect(k1.slice(0, 4)).toEqual(k0.slice(0, 4));
    expect(k1[4]).not.toBe(k0[4]);
    expect(k1[5]).not.toBe(k0[5]);
    // a new OWN_CONTROLS_VERSION or another SUMO: SUMO's own controls run again, the others do not
    const k2 = keys(cache('2 SUMO 1.15'));
    for (let i = 0; i < 4; i++) expect(k2[i]).not.toBe(k1[i]);
    expect(k2.slice(4)).toEqual(k1.slice(4));
  });

  it('hashes a scenario by its files, wherever they are', () => {
    const { root, write, spec } = fixture();
    const other = workDir('corpus-cache-other');
    mkdirSync(join(other, 'elsewhere'), { recursive: true });
    writeFileSync(join(other, 'elsewhere', 's.net.xml'), '<net/>');
    writeFileSync(join(other, 'elsewhere', 's.rou.xml'), '<routes/>');
    // the same scenario with absolute paths to another folder
    write('moved/s.sumocfg', `<configuration><input><net-file value="${join(other, 'elsewhere', 's.net.xml')}"/><route-files value="${join(other, 'elsewhere', 's.rou.xml')}"/></input></configuration>`);
    const c = new CellCache(join(root, 'cache'), root, {}, '1');
    const moved = { ...spec('actuated'), configFile: join(root, 'moved/s.sumocfg') };
    expect(c.key(moved)).toBe(c.key(spec('actuated')));
  });

  it('keys by the scenario files content, seed, teleport mode, engine options and GREENWAVE_* environment', () => {
    const { root, write, spec } = fixture();
    const cache = (env: NodeJS.ProcessEnv = {}) => new CellCache(join(root, 'cache'), root, env, '1');
    const base = cache().key(spec('engine'));
    expect(cache().key(spec('engine', { seed: 2 }))).not.toBe(base);
    expect(cache().key(spec('engine', { teleport: 'off' }))).not.toBe(base);
    expect(cache().key(spec('engine', { engineOptions: { gapSeconds: 3 } }))).not.toBe(base);
    // a scaled demand is a run of its own, for every control; without the option the key is what it always was
    expect(cache().key(spec('engine', { demandScale: 1.3 }))).not.toBe(base);
    expect(cache().key(spec('actuated', { demandScale: 1.3 }))).not.toBe(cache().key(spec('actuated')));
    expect(cache().key(spec('engine', { demandScale: undefined }))).toBe(base);
    expect(cache({ GREENWAVE_ACTUATION: 'b' }).key(spec('engine'))).not.toBe(base);
    expect(cache({ HOME: '/elsewhere' }).key(spec('engine'))).toBe(base);
    // environment variables steer the engine, never SUMO's own controls
    expect(cache({ GREENWAVE_ACTUATION: 'b' }).key(spec('actuated'))).toBe(cache().key(spec('actuated')));
    const own = cache().key(spec('actuated'));
    write('scenario/s.rou.xml', '<routes><vehicle id="x" depart="0"/></routes>');
    expect(cache().key(spec('actuated'))).not.toBe(own);
  });

  it('keeps successful runs only, and answers for the scenario under its current name', () => {
    const { root, spec } = fixture();
    const c = new CellCache(join(root, 'cache'), root, {}, '1');
    const s = spec('static');
    c.put(s, { ...s, error: 'SUMO quit' });
    expect(c.get(s)).toBeUndefined();
    const metrics = { meanTimeLossSeconds: 12 } as never;
    c.put(s, { ...s, metrics });
    expect(c.get({ ...s, scenario: 'renamed' })).toEqual({ ...s, scenario: 'renamed', metrics });
  });
});
