import type { Link, NetworkFile } from './network-types.js';

export interface SyntheticDemandOptions {
  /** PRNG seed: the same seed gives the same counts. */
  seed: number;
  /** Multiplies every flow (1 = a busy but unsaturated city). */
  scale?: number;
  /** Flow per lane at the peak on a main link, veh/h. */
  peakLaneFlowVehPerHour?: number;
  /** Local hour of the morning and evening peaks. */
  morningPeakHour?: number;
  eveningPeakHour?: number;
}

/** A count record as a detector sends it. */
export interface SyntheticCount {
  detectorId: string;
  timestamp: number;
  count: number;
  occupancy: number;
  intervalSeconds: number;
}

/**
 * Synthetic detector counts through a day: a night low, a morning peak whose heavy direction is eastbound and
 * northbound, an evening peak in the opposite direction, and a midday plateau; counts are Poisson draws from a
 * seeded generator. Detectors on lanes of the same link see the same mean flow.
 */
export class SyntheticDemand {
  private readonly random: () => number;
  private readonly scale: number;
  private readonly peakLane: number;
  private readonly amPeak: number;
  private readonly pmPeak: number;
  private readonly links: Map<string, Link>;
  private readonly heading = new Map<string, [number, number]>();
  /** Share of the link's per-lane flow that each detector's lane carries (turn-only lanes carry less). */
  private readonly laneFactor = new Map<string, number>();

  constructor(
    readonly network: NetworkFile,
    options: SyntheticDemandOptions,
  ) {
    this.random = mulberry32(options.seed);
    this.scale = options.scale ?? 1;
    this.peakLane = options.peakLaneFlowVehPerHour ?? 500;
    this.amPeak = options.morningPeakHour ?? 8;
    this.pmPeak = options.eveningPeakHour ?? 17.5;
    this.links = new Map(network.links.map((l) => [l.id, l]));
    const pos = new Map(network.intersections.map((x) => [x.id, x.position]));
    for (const l of network.links) {
      const a = l.fromIntersectionId ? pos.get(l.fromIntersectionId) : undefined;
      const b = l.toIntersectionId ? pos.get(l.toIntersectionId) : undefined;
      let v: [number, number] = [0, 0];
      if (a && b) v = [b.xMetres - a.xMetres, b.yMetres - a.yMetres];
      else if (b) v = this.entryHeading(l, b);
      const n = Math.hypot(v[0], v[1]) || 1;
      this.heading.set(l.id, [v[0] / n, v[1] / n]);
    }
    const turnsByLane = new Map<string, Set<string>>();
    for (const x of network.intersections)
      for (const m of x.movements)
        for (const lane of m.fromLaneIndices) {
          const key = `${m.fromLinkId}#${lane}`;
          turnsByLane.set(key, (turnsByLane.get(key) ?? new Set()).add(m.turn));
        }
    for (const d of network.detectors) {
      const turns = turnsByLane.get(`${d.linkId}#${d.laneIndex}`);
      const only = turns && turns.size === 1 ? [...turns][0] : undefined;
      this.laneFactor.set(d.id, only === 'left' ? 0.35 : only === 'right' ? 0.5 : 1);
    }
  }

  /** Entry links point from outside towards the network's centre. */
  private entryHeading(_l: Link, to: { xMetres: number; yMetres: number }): [number, number] {
    const xs = this.network.intersections.map((x) => x.position.xMetres);
    const ys = this.network.intersections.map((x) => x.position.yMetres);
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
    const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    return [cx - to.xMetres, cy - to.yMetres];
  }

  /** Mean flow per lane on a link at a local hour of the day, veh/h. */
  laneFlowVehPerHour(linkId: string, hourOfDay: number): number {
    const link = this.links.get(linkId);
    if (!link) return 0;
    const [hx, hy] = this.heading.get(linkId) ?? [0, 0];
    const bump = (centre: number, width: number) => Math.exp(-0.5 * ((hourOfDay - centre) / width) ** 2);
    const am = bump(this.amPeak, 1.1) * (1 + 0.6 * (hx + hy) / Math.SQRT2);
    const pm = bump(this.pmPeak, 1.3) * (1 - 0.6 * (hx + hy) / Math.SQRT2);
    const day = 0.12 + 0.45 * bump(13, 3.5) + 0.75 * am + 0.75 * pm;
    const major = link.lanes >= 3 ? 1 : 0.7;
    return this.peakLane * this.scale * major * day;
  }

  /** Counts of every detector for one interval ending at `endMs`. */
  countsAt(endMs: number, intervalSeconds: number): SyntheticCount[] {
    const hour = ((endMs / 3_600_000) % 24 + 24) % 24;
    return this.network.detectors.map((d) => {
      const flow = this.laneFlowVehPerHour(d.linkId, hour) * (this.laneFactor.get(d.id) ?? 1);
      const count = poisson((flow * intervalSeconds) / 3600, this.random);
      const occupancy = Math.min(1, (count * 0.35) / intervalSeconds);
      return { detectorId: d.id, timestamp: endMs, count, occupancy: Math.round(occupancy * 1000) / 1000, intervalSeconds };
    });
  }

  /** Every detector's counts from `startMs` to `endMs`, in time order. */
  *day(startMs: number, endMs: number, intervalSeconds: number): Generator<SyntheticCount> {
    for (let t = startMs + intervalSeconds * 1000; t <= endMs; t += intervalSeconds * 1000) yield* this.countsAt(t, intervalSeconds);
  }
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson draw: Knuth's product method for small means, a rounded normal approximation above 30. */
export function poisson(mean: number, random: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const u = Math.max(1e-12, random());
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}
