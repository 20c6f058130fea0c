/**
 * Cache of corpus runs, keyed by everything that decides a run's result: the scenario's files (content), the
 * control, seed, teleport mode and options, and for the engine and max-pressure the source code they run. SUMO's
 * own controls are keyed by OWN_CONTROLS_VERSION and SUMO's version instead of source code, so that neither an
 * engine change nor a refactoring re-runs them: re-judging an engine change re-runs only the engine.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { basename, join, relative } from 'node:path';
import { resolveScenario } from '../../../adapters/sumo/index.js';
import type { CellResult, CellSpec } from './corpus-cell.js';

/** Bump when what a cell measures changes. */
const CACHE_FORMAT = 1;

/**
 * Bump when a change alters what SUMO's own controls do or how their runs are measured: the programs built for
 * static/actuated/delay_based (adapters/sumo/control/own-control*.ts, sumo-program-builder.ts, the SUMO importer's
 * phases), the run (run-closed-loop.ts), or the figures (tripinfo-summary.ts, bench/sumo/corpus/corpus-cell.ts).
 */
export const OWN_CONTROLS_VERSION = 1;

/** The engine and max-pressure: everything they may run. */
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
    /** What SUMO's own controls are keyed by: OWN_CONTROLS_VERSION and SUMO's version. */
    private readonly ownControlsVersion = `${OWN_CONTROLS_VERSION} ${sumoVersion()}`,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private sourcesHash(): string {
    let h = this.sourceHashes.get('all');
    if (!h) {
      const hash = createHash('sha256');
      for (const f of ALL_SOURCES.flatMap((p) => filesUnder(this.repoRoot, p))) {
        hash.update(relative(this.repoRoot, f)).update('\0').update(readFileSync(f)).update('\0');
      }
      h = hash.digest('hex');
      this.sourceHashes.set('all', h);
    }
    return h;
  }

  /**
   * Content hash of a scenario: its config and every file it names, by name and content, wherever they are (the
   * config's absolute paths count by their file names, so a corpus generated in another worktree hashes alike).
   */
  scenarioHash(configFile: string): string {
    let h = this.scenarioHashes.get(configFile);
    if (!h) {
      const sc = resolveScenario({ configFile });
      const files = [sc.netFile, ...sc.routeFiles, ...sc.additionalFiles];
      let config = readFileSync(configFile, 'utf8');
      for (const f of files) config = config.replaceAll(f, basename(f));
      const hash = createHash('sha256').update(config).update('\0');
      for (const f of files) hash.update(basename(f)).update('\0').update(existsSync(f) ? readFileSync(f) : 'missing').update('\0');
      h = hash.digest('hex');
      this.scenarioHashes.set(configFile, h);
    }
    return h;
  }

  key(spec: CellSpec): string {
    const own = (OWN_CONTROLS as readonly string[]).includes(spec.control);
    const env = own ? [] : Object.entries(this.env).filter(([k]) => k.startsWith('GREENWAVE_') || k.startsWith('GW_')).sort();
    return createHash('sha256')
      .update(JSON.stringify({ f: CACHE_FORMAT, s: this.scenarioHash(spec.configFile), c: spec.control, seed: spec.seed, t: spec.teleport, o: own ? null : (spec.engineOptions ?? null), env, src: own ? this.ownControlsVersion : this.sourcesHash(), ...(spec.demandScale !== undefined ? { ds: spec.demandScale } : {}) }))
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

/** SUMO's version line (its own controllers are SUMO's code), or 'unknown'. */
export function sumoVersion(): string {
  try {
    return execFileSync('sumo', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}
