/**
 * The corpus: SUMO's own samples, every .sumocfg of the scenario directories (read in place), and the generated
 * families, materialized deterministically into a cache directory; each with its fixed train/validation split.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { generateScenario } from '../generate-scenarios.js';
import { generatedDefinitions } from './generated-families.js';
import { materializeSample, SUMO_SAMPLES } from './sumo-samples.js';

export type Split = 'train' | 'validation';
export type Family = 'sample' | 'directory' | 'generated';

export interface CorpusScenario {
  name: string;
  family: Family;
  split: Split;
  configFile: string;
  description: string;
}

/** About a third of the scenarios, chosen by a stable hash of the name, form the validation split. */
export function splitOf(name: string): Split {
  const h = createHash('sha256').update(name).digest();
  return h.readUInt32BE(0) % 3 === 0 ? 'validation' : 'train';
}

export interface CatalogOptions {
  /** Where generated scenarios and sample configs are written. */
  cacheDir: string;
  sumoHome: string;
  scenarioDirs: string[];
  /** Scenario-name filter: keep names containing any of these. */
  only?: string[];
  log?: (line: string) => void;
}

/** Every .sumocfg directly in `dir` or one level below it. */
export function findSumoConfigs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (entry.endsWith('.sumocfg')) out.push(p);
    else if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) if (f.endsWith('.sumocfg')) out.push(join(p, f));
  }
  return out;
}

export function buildCorpus(o: CatalogOptions): { scenarios: CorpusScenario[]; skipped: string[] } {
  const wanted = (name: string) => !o.only || o.only.some((s) => name.includes(s));
  const scenarios: CorpusScenario[] = [];
  const skipped: string[] = [];
  const add = (name: string, family: Family, configFile: string, description: string) => {
    if (scenarios.some((s) => s.name === name)) throw new Error(`two corpus scenarios are named ${name}: rename one (${configFile})`);
    scenarios.push({ name, family, split: splitOf(name), configFile, description });
  };
  for (const s of SUMO_SAMPLES) {
    if (!wanted(s.name)) continue;
    const r = materializeSample(s, o.sumoHome, join(o.cacheDir, 'samples', s.name));
    if ('missing' in r) skipped.push(`${s.name}: ${r.missing}`);
    else add(s.name, 'sample', r.configFile, s.description);
  }
  for (const dir of o.scenarioDirs) {
    for (const cfg of findSumoConfigs(resolve(dir))) {
      const name = basename(cfg).replace(/\.sumocfg$/, '');
      if (wanted(name)) add(name, 'directory', cfg, `${cfg} (read in place)`);
    }
  }
  for (const def of generatedDefinitions()) {
    if (!wanted(def.name)) continue;
    // keyed by the definition: a changed definition is generated afresh, never read stale
    const root = join(o.cacheDir, 'generated', createHash('sha256').update(JSON.stringify(def)).digest('hex').slice(0, 10));
    const cfg = join(root, def.name, `${def.name}.sumocfg`);
    if (!existsSync(cfg)) {
      o.log?.(`generating ${def.name}`);
      generateScenario(def, root);
    }
    add(def.name, 'generated', cfg, def.description);
  }
  return { scenarios, skipped };
}
