import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The native binding (adapters/sumo/libsumo/addon/greenwave-libsumo.cc); ids are TraCI's command and variable ids. */
export interface LibsumoAddon {
  /** SUMO's command line without the program name. Throws GW_ERR_LIBSUMO_BUSY while a simulation runs in this process. */
  start(args: readonly string[]): void;
  close(): void;
  running(): boolean;
  get(getCommand: number, variable: number, objectId: string): number | string | string[];
  setTrafficLight(variable: number, tlsId: string, value: string | number): void;
  setProgramLogic(tlsId: string, logic: AddonProgramLogic): void;
  /** The subscribed objects' current values, flat: [slot, ...values, slot, ...values]. */
  subscribe(getCommand: number, objectIds: readonly string[], variables: readonly number[]): Array<number | string | string[]>;
  /** One step; the slots whose values changed, flat as `subscribe` returns them. */
  step(targetSeconds?: number): Array<number | string | string[]>;
}

export interface AddonProgramLogic {
  programId: string;
  type: number;
  currentPhaseIndex: number;
  phases: Array<{ durationSeconds: number; state: string; minDurSeconds: number; maxDurSeconds: number; next: number[]; name: string }>;
  parameters: Array<[string, string]>;
}

/** Where `npm run build:libsumo` (scripts/build-libsumo.mjs) puts the addon; from dist/ too. */
const CANDIDATES = ['./build/greenwave-libsumo.node', '../../../../adapters/sumo/libsumo/build/greenwave-libsumo.node'];

/** `built`: the addon file exists (and failed to load). */
export type AddonLoad = { addon: LibsumoAddon; path: string } | { addon: null; reason: string; built?: boolean };

let loaded: AddonLoad | undefined;

/**
 * Loads the libsumo addon once per process: $GREENWAVE_LIBSUMO_ADDON, else the built one next to this module. When it
 * is missing or does not load (not built, libsumocpp missing, another Node ABI), says why.
 */
export function loadLibsumoAddon(): AddonLoad {
  const fromEnv = process.env['GREENWAVE_LIBSUMO_ADDON'];
  loaded ??= loadAddonFrom(fromEnv ? [fromEnv] : CANDIDATES.map((c) => fileURLToPath(new URL(c, import.meta.url))));
  return loaded;
}

/** Loads the first of `paths` that exists (not cached; `loadLibsumoAddon` is). */
export function loadAddonFrom(paths: readonly string[]): AddonLoad {
  const path = paths.find((p) => existsSync(p));
  if (!path) return { addon: null, reason: `the libsumo addon is not built (looked for ${paths.join(', ')}; build it with 'npm run build:libsumo')` };
  try {
    return { addon: createRequire(import.meta.url)(path) as LibsumoAddon, path };
  } catch (e) {
    return { addon: null, reason: `the libsumo addon ${path} does not load: ${(e as Error).message}`, built: true };
  }
}
