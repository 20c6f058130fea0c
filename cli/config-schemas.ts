import { z } from 'zod';
import { DEFAULT_ENGINE_CONFIG, DEFAULT_OPTIMIZER_CONFIG, DEFAULT_SAFETY_GATE_CONFIG } from '../engine/index.js';
import { DEFAULT_SERVER_LIMITS, resolveServerLimits } from '../adapters/websocket/index.js';
import type { EngineConfigInput } from '../engine/index.js';
import { CliError } from './cli-errors.js';

/**
 * Zod schemas of the configuration a file may set: the engine's and the server's limits. Built from the defaults,
 * so that every key the engine knows is accepted and every other key (a misspelling) is refused by name.
 */

/** Keys that are shares of something: in 0..1. */
const SHARE_KEY = /(Fraction|Occupancy|Threshold|FlowRatio|DegreeOfSaturation)$/;
/** Keys that count things: whole numbers. */
const WHOLE_KEY = /^(max(Signals|Clients|ControllerClients|ViewerClients|ConnectionsPerToken|BatchRecords|ErrorsPerBatch|ErrorsPerSecond)|recent\w+|planVersionBase)$/;

function numberSchema(key: string, defaultValue: number): z.ZodType<number> {
  let s = z.number().finite();
  if (WHOLE_KEY.test(key)) s = s.int();
  // a default of 0 says that 0 means something (none); otherwise the value must be positive
  s = defaultValue === 0 ? s.min(0) : s.positive();
  if (SHARE_KEY.test(key)) s = s.max(1);
  return s;
}

function schemaOfDefaults(defaults: Readonly<Record<string, unknown>>, nested: Record<string, z.ZodType> = {}) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (key in nested) shape[key] = nested[key].optional();
    else if (typeof value === 'number') shape[key] = numberSchema(key, value).optional();
    else if (typeof value === 'boolean') shape[key] = z.boolean().optional();
  }
  return z.strictObject(shape);
}

const optimizerSchema = schemaOfDefaults(DEFAULT_OPTIMIZER_CONFIG as unknown as Record<string, unknown>).refine(
  (o) => ((o.minCycleSeconds as number | undefined) ?? DEFAULT_OPTIMIZER_CONFIG.minCycleSeconds) <= ((o.maxCycleSeconds as number | undefined) ?? DEFAULT_OPTIMIZER_CONFIG.maxCycleSeconds),
  { message: 'minCycleSeconds must be <= maxCycleSeconds', path: ['minCycleSeconds'] },
);

/** The `engine` section: any key of engine/pipeline/engine-config.ts (optimizer and safetyGate nested). */
export const engineConfigSchema = schemaOfDefaults(DEFAULT_ENGINE_CONFIG as unknown as Record<string, unknown>, {
  optimizer: optimizerSchema,
  safetyGate: schemaOfDefaults(DEFAULT_SAFETY_GATE_CONFIG as unknown as Record<string, unknown>),
});

/** The `limits` section: any key of adapters/websocket/server-limits.ts, with its cross-checks. */
export const serverLimitsSchema = schemaOfDefaults(DEFAULT_SERVER_LIMITS as unknown as Record<string, unknown>).superRefine((limits, ctx) => {
  try {
    resolveServerLimits(limits as Record<string, number>);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** The engine configuration an engine-start record carries, checked as `start --config`'s engine section is. */
export function recordedEngineConfig(value: unknown, where: string): EngineConfigInput {
  const r = engineConfigSchema.safeParse(value);
  if (r.success) return r.data as EngineConfigInput;
  const problems = r.error.issues.map((i) => `engine.${i.path.map(String).join('.')}: ${i.message}`).join('; ');
  throw new CliError(`${where}: the engine configuration recorded at the engine's start is not usable (${problems}); pass the run's configuration with --config`);
}
