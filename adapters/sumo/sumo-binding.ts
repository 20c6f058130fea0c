import { loadLibsumoAddon, type AddonLoad, type LibsumoAddon } from './libsumo/libsumo-addon.js';
import { TraciError } from './traci/traci-error.js';

/** How the closed loop talks to SUMO: libsumo in this process, or TraCI to a SUMO process over a socket. */
export type SumoBinding = 'libsumo' | 'traci';
/** `auto`: libsumo where its addon is built and loads and no other libsumo run is active here, TraCI otherwise. */
export type SumoBindingChoice = SumoBinding | 'auto';
export const SUMO_BINDING_CHOICES: readonly SumoBindingChoice[] = ['auto', 'libsumo', 'traci'];

/** `unexpected`: auto fell back to TraCI although the addon was built (it does not load): worth a warning. */
export type ResolvedBinding = { binding: 'libsumo'; addon: LibsumoAddon; reason: string } | { binding: 'traci'; reason: string; unexpected?: boolean };

/**
 * Picks the binding of one run. `auto` takes TraCI when a sumo binary is named (libsumo runs the SUMO it was built
 * against, not a program), when the addon is not built or does not load, or when another libsumo run is active in
 * this process (libsumo holds one simulation per process); the reason says which. `libsumo` insists on the addon.
 */
export function resolveSumoBinding(choice: SumoBindingChoice, o: { sumoBinary?: string; loadAddon?: () => AddonLoad } = {}): ResolvedBinding {
  if (choice === 'traci') return { binding: 'traci', reason: 'asked for' };
  const load = (o.loadAddon ?? loadLibsumoAddon)();
  if (choice === 'libsumo') {
    if (!load.addon) throw new TraciError('GW_ERR_LIBSUMO_UNAVAILABLE', `--sumo-binding libsumo: ${load.reason}`);
    return { binding: 'libsumo', addon: load.addon, reason: 'asked for' };
  }
  if (o.sumoBinary) return { binding: 'traci', reason: `a sumo binary is named (${o.sumoBinary})` };
  if (!load.addon) return load.built ? { binding: 'traci', reason: load.reason, unexpected: true } : { binding: 'traci', reason: load.reason };
  if (load.addon.running()) return { binding: 'traci', reason: 'another libsumo run is active in this process' };
  return { binding: 'libsumo', addon: load.addon, reason: `the libsumo addon loads (${load.path})` };
}
