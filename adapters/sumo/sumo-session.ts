import type { Logger } from 'pino';
import { LibsumoClient } from './libsumo/libsumo-client.js';
import type { SumoClient } from './sumo-client.js';
import type { ResolvedBinding, SumoBinding } from './sumo-binding.js';
import { SumoProcess } from './sumo-process.js';
import { TraciError } from './traci/traci-error.js';

/** One running SUMO, through either binding, as the closed-loop runner drives it. */
export interface SumoSession {
  readonly binding: SumoBinding;
  readonly client: SumoClient;
  /** The SUMO process (TraCI only). */
  readonly process?: SumoProcess;
  /** Ends the run so that SUMO writes its outputs; a bad exit is logged. */
  finish(logger: Logger): Promise<void>;
  /** The error to report for a fatal error during the run (`what` says when), with what SUMO said. */
  stoppedError(what: string, cause: TraciError): Promise<TraciError>;
  /** An error about SUMO's outputs after the run, with its exit status where there is one. */
  outputError(what: string): TraciError;
  /** SUMO is gone once this resolves, whatever happened before. */
  dispose(): Promise<void>;
}

/** Starts SUMO with `args` (its command line without the program and the TraCI port) through the resolved binding. */
export async function startSumoSession(b: ResolvedBinding, args: readonly string[], sumoBinary?: string): Promise<SumoSession> {
  if (b.binding === 'libsumo') return libsumoSession(LibsumoClient.start(b.addon, args));
  const { sumo, client } = await SumoProcess.launch({ binary: sumoBinary, args });
  return {
    binding: 'traci',
    client,
    process: sumo,
    async finish(logger) {
      await client.close();
      const exit = await sumo.waitOrKill();
      if (exit.code !== 0 && exit.code !== null) logger.warn({ exit, output: sumo.outputTail }, 'SUMO exited with an error status after the run');
    },
    async stoppedError(what) {
      await sumo.waitOrKill();
      return sumo.exitError('GW_ERR_SUMO_EXITED', what);
    },
    outputError: (what) => sumo.exitError('GW_ERR_SUMO_EXITED', what),
    async dispose() {
      await sumo.kill();
    },
  };
}

function libsumoSession(client: LibsumoClient): SumoSession {
  return {
    binding: 'libsumo',
    client,
    finish: () => client.close(),
    async stoppedError(what, cause) {
      client.destroy();
      return new TraciError('GW_ERR_SUMO_EXITED', `${what} (libsumo): ${cause.message}`);
    },
    outputError: (what) => new TraciError('GW_ERR_SUMO_EXITED', `${what} (libsumo)`),
    async dispose() {
      client.destroy();
    },
  };
}
