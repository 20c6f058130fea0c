import type { NetworkFile } from '../../../network-models/network-types.js';
import { sumoSignalOf } from '../../../network-models/importers/sumo/index.js';
import type { ControlStats, LoopContext, LoopController } from './loop-controller.js';
import { ownControlAdditionalXml, ownControlProgramId } from './own-control-programs.js';

/**
 * SUMO's own controllers: `static` leaves every signal on the network's own program; `actuated` and
 * `delay_based` load SUMO's controller of that type over the network's phase sequence and switch to it.
 */
export class OwnControl implements LoopController {
  /** SUMO runs its own programs once they are loaded: nothing to do between steps. */
  readonly passive = true;
  private switched = 0;
  constructor(readonly mode: 'static' | 'actuated' | 'delay_based') {}

  additionalXml(network: NetworkFile): string | undefined {
    return this.mode === 'static' ? undefined : ownControlAdditionalXml(network, this.mode);
  }

  async init(ctx: LoopContext): Promise<void> {
    if (this.mode === 'static') return;
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
