import type { NetworkFile } from '../../../network-models/index.js';
import { sumoSignalOf } from '../../../network-models/importers/sumo/index.js';
import type { ControlStats, LoopContext, LoopController } from './loop-controller.js';
import { netWithPrograms, ownControlAdditionalXml, ownControlProgramId } from './own-control-programs.js';

/**
 * SUMO's own controllers: `own` leaves every signal on the network's own program as shipped (often actuated or
 * NEMA on real networks); `static`, `actuated` and `delay_based` load SUMO's controller of that type rebuilt over
 * the network's phase sequence, as netconvert --tls.default-type builds it, and switch to it.
 */
export class OwnControl implements LoopController {
  private switched = 0;
  constructor(readonly mode: 'own' | 'static' | 'actuated' | 'delay_based') {}

  /**
   * The rebuilt programs go into a copy of the network rather than an additional file: SUMO 1.15 refuses a
   * program from an additional file that lets two mutually yielding links go at once ("incompatible with logic at
   * junction"), even the network's own (berlin_doerpfeldstr), but runs it from the network file, as it runs the own.
   */
  sumoNetXml(network: NetworkFile, netXml: string): string | undefined {
    return this.mode === 'own' ? undefined : netWithPrograms(netXml, ownControlAdditionalXml(network, this.mode));
  }

  async init(ctx: LoopContext): Promise<void> {
    if (this.mode === 'own') return;
    for (const x of ctx.network.intersections) {
      const sig = sumoSignalOf(x.external);
      if (!sig) continue;
      await ctx.client.trafficLight.setProgram(sig.tlsId, ownControlProgramId(this.mode));
      this.switched++;
    }
    ctx.logger.debug({ mode: this.mode, signals: this.switched }, 'SUMO own control active');
  }

  async afterStep(): Promise<void> {}

  stats(): ControlStats {
    return { planUpdates: 0, plansRejected: 0 };
  }
  dispose(): void {}
}
