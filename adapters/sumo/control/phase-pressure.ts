import type { Intersection, Link } from '../../../network-models/network-types.js';
import { laneKey } from './phase-loops.js';

interface MovementTerms {
  /** Saturation flow, veh/s of green. */
  dischargePerSecond: number;
  /** Approach lanes (lane keys) with the share of each lane's queue that is this movement's. */
  upstream: Array<{ key: string; share: number }>;
  /** Lanes of the link the movement discharges into. */
  downstream: string[];
}

/**
 * Max-pressure terms of an intersection's phases (Varaiya 2013): a phase's pressure is the sum over its movements
 * of the saturation flow times (queue upstream − queue per lane downstream), each movement's term never negative.
 * Queues come from the caller, by lane key.
 */
export class PhasePressure {
  private readonly phases = new Map<string, MovementTerms[]>();

  constructor(x: Intersection, links: ReadonlyMap<string, Link>) {
    const laneUse = new Map<string, number>();
    for (const m of x.movements) for (const li of m.fromLaneIndices) laneUse.set(laneKey(m.fromLinkId, li), (laneUse.get(laneKey(m.fromLinkId, li)) ?? 0) + 1);
    const terms = new Map<string, MovementTerms>();
    for (const m of x.movements) {
      const to = links.get(m.toLinkId);
      terms.set(m.id, {
        dischargePerSecond: m.saturationFlowVehPerHour / 3600,
        upstream: m.fromLaneIndices.map((li) => ({ key: laneKey(m.fromLinkId, li), share: 1 / (laneUse.get(laneKey(m.fromLinkId, li)) ?? 1) })),
        downstream: to ? Array.from({ length: to.lanes }, (_, i) => laneKey(to.id, i)) : [],
      });
    }
    for (const ph of x.phases) this.phases.set(ph.id, ph.movementIds.flatMap((id) => (terms.has(id) ? [terms.get(id)!] : [])));
  }

  /** Pressure of a phase, veh·veh/s. */
  pressure(phaseId: string, queue: (laneKey: string) => number): number {
    let sum = 0;
    for (const m of this.phases.get(phaseId) ?? []) {
      let up = 0;
      for (const u of m.upstream) up += queue(u.key) * u.share;
      let down = 0;
      for (const k of m.downstream) down += queue(k);
      if (m.downstream.length > 0) down /= m.downstream.length;
      sum += m.dischargePerSecond * Math.max(0, up - down);
    }
    return sum;
  }
}
