/**
 * Cache of corpus runs, keyed by everything that decides a run's result: the scenario's files (content), the
 * control, seed, teleport mode and options, and the source code that control runs. SUMO's own controls depend
 * only on the program builder and the importer, so re-judging an engine change re-runs only the engine.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { resolveScenario } from '../../../adapters/sumo/index.js';
import type { CellResult, CellSpec } from './corpus-cell.js';

/** Bump when what a cell measures changes. */
const CACHE_FORMAT = 1;

/** SUMO's own controls: the code that builds their programs and reads their results. */
const OWN_CONTROL_SOURCES = [
  'adapters/sumo/control/own-control.ts',
  'adapters/sumo/control/own-control-programs.ts',
  'adapters/sumo/control/sumo-program-builder.ts',
  'adapters/sumo/tripinfo-summary.ts',
  'bench/sumo/corpus/corpus-cell.ts',
  'network-models/importers/sumo',
];
/** Any other control (engine, max-pressure): everything it may run. */
const ALL_SOURCES = ['engine', 'adapters', 'network-models', 'bench/sumo/corpus/corpus-cell.ts'];

export const OWN_CONTROLS = ['static', 'actuated', 'delay_based', 'own'] as const;

function filesUnder(root: string, p: string): string[] {
  const full = join(root, p);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full)
    .sort()
    .flatMap((e) => filesUnder(root, join(p, e)));
}

export class CellCache {
  private readonly sourceHashes = new Map<string, string>();
  private readonly scenarioHashes = new Map<string, string>();

  constructor(
    readonly dir: string,
    private readonly repoRoot: string,
    /** Environment variables that may steer a control (GREENWAVE_*, GW_*): part of every non-own control's key. */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private sourcesHash(own: boolean): string {
    const k = own ? 'own' : 'all';
    let h = this.sourceHashes.get(k);
    if (!h) {
      const hash = createHash('sha256');
      for (const f of (own ? OWN_CONTROL_SOURCES : ALL_SOURCES).flatMap((p) => filesUnder(this.repoRoot, p))) {
        hash.update(relative(this.repoRoot, f)).update('\0').update(readFileSync(f)).update('\0');
      }
      h = hash.digest('hex');
      this.sourceHashes.set(k, h);
    }
    return h;
  }

  /** Content hash of a scenario: its config and every file it names. */
  scenarioHash(configFile: string): string {
    let h = this.scenarioHashes.get(configFile);
    if (!h) {
      const sc = resolveScenario({ configFile });
      const hash = createHash('sha256');
      for (const f of [configFile, sc.netFile, ...sc.routeFiles, ...sc.additionalFiles]) hash.update(f.split('/').pop()!).update('\0').update(existsSync(f) ? readFileSync(f) : 'missing').update('\0');
      h = hash.digest('hex');
      this.scenarioHashes.set(configFile, h);
    }
    return h;
  }

  key(spec: CellSpec): string {
    const own = (OWN_CONTROLS as readonly string[]).includes(spec.control);
    const env = own ? [] : Object.entries(this.env).filter(([k]) => k.startsWith('GREENWAVE_') || k.startsWith('GW_')).sort();
    return createHash('sha256')
      .update(JSON.stringify({ f: CACHE_FORMAT, s: this.scenarioHash(spec.configFile), c: spec.control, seed: spec.seed, t: spec.teleport, o: own ? null : (spec.engineOptions ?? null), env, src: this.sourcesHash(own) }))
      .digest('hex');
  }

  get(spec: CellSpec): CellResult | undefined {
    const f = join(this.dir, `${this.key(spec)}.json`);
    if (!existsSync(f)) return undefined;
    const r = JSON.parse(readFileSync(f, 'utf8')) as CellResult;
    // a cached run answers for the scenario under whatever name and path it has now
    return r.metrics ? { ...r, scenario: spec.scenario, configFile: spec.configFile } : undefined;
  }

  /** Only successful runs are kept: a failure is retried next time. */
  put(spec: CellSpec, result: CellResult): void {
    if (result.metrics) writeFileSync(join(this.dir, `${this.key(spec)}.json`), `${JSON.stringify(result)}\n`);
  }
}
