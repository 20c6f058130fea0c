import type { MeasuredNetwork } from './measured-lanes.js';

/** Columns of the diagram, seconds (5 minutes), and its height: seconds into the cycle shown. */
export const PCD_COLUMN_SECONDS = 300;
export const PCD_MAX_CYCLE_SECONDS = 200;

export interface PcdApproach {
  intersectionId: string;
  linkId: string;
  /** Arrivals per (column, second into cycle): row-major, `columns` × PCD_MAX_CYCLE_SECONDS. */
  cells: Uint16Array;
  /** Per column: sums of green start / green end (seconds into the cycle) over closed cycles, and how many. */
  greenStartSum: Float64Array;
  greenEndSum: Float64Array;
  cycles: Float64Array;
  arrivals: number;
  onGreen: number;
}

/**
 * A Purdue Coordination Diagram per approach, kept as a fixed-size raster (5-minute columns × 1-second rows)
 * rather than one point per vehicle, so its memory does not grow with traffic. Each vehicle lands in the cell
 * of its arrival time and its position in the cycle (the cycle starts at the start of red, as in ATSPM); each
 * closed cycle adds its green start and end to its column's mean green lines.
 */
export class PcdRaster {
  readonly approaches: PcdApproach[] = [];
  private readonly approachOfLane: Int32Array;

  constructor(
    net: MeasuredNetwork,
    intersectionIds: readonly string[],
    readonly originSeconds: number,
    readonly columns: number,
  ) {
    this.approachOfLane = new Int32Array(net.lanes.length).fill(-1);
    // An approach is an intersection's link: approaches by link, per intersection (the measure thread loads no
    // network-model code, so no pair keys).
    const byLink = new Map<number, Map<string, number>>();
    net.lanes.forEach((lane, l) => {
      const x = net.intersections[lane.intersection];
      if (!intersectionIds.includes(x.id)) return;
      let links = byLink.get(lane.intersection);
      if (links === undefined) byLink.set(lane.intersection, (links = new Map()));
      let a = links.get(lane.linkId);
      if (a === undefined) {
        a = this.approaches.length;
        links.set(lane.linkId, a);
        this.approaches.push({
          intersectionId: x.id,
          linkId: lane.linkId,
          cells: new Uint16Array(columns * PCD_MAX_CYCLE_SECONDS),
          greenStartSum: new Float64Array(columns),
          greenEndSum: new Float64Array(columns),
          cycles: new Float64Array(columns),
          arrivals: 0,
          onGreen: 0,
        });
      }
      this.approachOfLane[l] = a;
    });
  }

  /** Whether lane `l` is drawn (its intersection is one of the diagram's). */
  covers(l: number): boolean {
    return this.approachOfLane[l] >= 0;
  }

  arrival(l: number, t: number, secondsIntoCycle: number): void {
    const a = this.approachOfLane[l];
    if (a < 0) return;
    const col = Math.floor((t - this.originSeconds) / PCD_COLUMN_SECONDS);
    if (col < 0 || col >= this.columns) return;
    const row = Math.min(PCD_MAX_CYCLE_SECONDS - 1, Math.max(0, Math.floor(secondsIntoCycle)));
    const cells = this.approaches[a].cells;
    const i = col * PCD_MAX_CYCLE_SECONDS + row;
    if (cells[i] < 65535) cells[i]++;
  }

  cycle(l: number, t: number, greenStart: number, greenEnd: number): void {
    const a = this.approachOfLane[l];
    if (a < 0 || !(greenEnd > greenStart)) return;
    const col = Math.floor((t - this.originSeconds) / PCD_COLUMN_SECONDS);
    if (col < 0 || col >= this.columns) return;
    const ap = this.approaches[a];
    ap.greenStartSum[col] += greenStart;
    ap.greenEndSum[col] += greenEnd;
    ap.cycles[col]++;
  }

  /** Counts one arrival of an approach's lane for its arrivals-on-green share. */
  count(l: number, green: boolean): void {
    const a = this.approachOfLane[l];
    if (a < 0) return;
    this.approaches[a].arrivals++;
    if (green) this.approaches[a].onGreen++;
  }
}
