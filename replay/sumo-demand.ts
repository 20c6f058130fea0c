import type { Link, Movement, NetworkFile } from '../network-models/index.js';
import { mulberry32 } from '../network-models/index.js';

/** Demand bins, ms (15 minutes, aligned to the clock like the replay's bins). */
export const DEMAND_BIN_MS = 15 * 60_000;
/** Longest route the random walk builds, edges. */
const MAX_ROUTE_EDGES = 64;

export const SUMO_DEMAND_MODEL =
  'per entry link (a link no movement leads onto: its upstream end is outside the network or a dead end) and 15 minutes, as many vehicles as its stop-line detectors counted, ' +
  'departing evenly spread over the 15 minutes; each vehicle\'s route is a seeded random walk that picks the next link at each junction ' +
  'in proportion to the movement counts of that bin (a lane\'s count split evenly over the movements sharing the lane), never revisiting a link, ' +
  'until it leaves the network. Counts inside the network only steer the turning ratios: mid-block sources and sinks (parking, side streets ' +
  'without detectors) are not modelled, turning ratios are independent at each junction (no origin-destination pattern), and entry links ' +
  'without stop-line detectors get no demand.';

export interface SumoDemandResult {
  /** SUMO route file (vehicles sorted by departure, simulation time 0 = `fromMs`). */
  xml: string;
  vehicles: number;
  entryLinks: number;
  /** Entry links with no stop-line detector: no demand could be placed on them. */
  entryLinksWithoutCounts: string[];
}

/**
 * Collects the replayed stop-line counts per detector and 15-minute bin, and turns them into SUMO demand (see
 * `SUMO_DEMAND_MODEL`). Memory: one number per stop-line detector and bin.
 */
export class SumoDemand {
  private readonly detectorSlot = new Map<string, number>();
  private readonly laneKeys: Array<{ link: string; lane: number }> = [];
  private readonly bins = new Map<number, Float64Array>();

  constructor(private readonly network: NetworkFile) {
    for (const d of network.detectors) {
      if (d.kind !== 'stop-line') continue;
      this.detectorSlot.set(d.id, this.laneKeys.length);
      this.laneKeys.push({ link: d.linkId, lane: d.laneIndex });
    }
  }

  /** One count record: `count` vehicles over the `intervalSeconds` ending at `atMs`. */
  count(detectorId: string, atMs: number, intervalSeconds: number, count: number): void {
    const slot = this.detectorSlot.get(detectorId);
    if (slot === undefined || !(count > 0)) return;
    const key = Math.floor((atMs - intervalSeconds * 1000) / DEMAND_BIN_MS);
    let row = this.bins.get(key);
    if (!row) this.bins.set(key, (row = new Float64Array(this.laneKeys.length)));
    row[slot] += count;
  }

  /** Builds the route file for [fromMs, toMs]; `seed` makes the random walk reproducible. */
  routes(fromMs: number, toMs: number, seed = 1): SumoDemandResult {
    const links = new Map<string, Link>(this.network.links.map((l) => [l.id, l]));
    const movementsFrom = new Map<string, Movement[]>();
    // U-turns are left out: at a dead-end fringe node (netgenerate) a U-turn is leaving and coming back.
    const reachable = new Set<string>();
    for (const x of this.network.intersections)
      for (const m of x.movements) {
        if (m.turn === 'uturn') continue;
        reachable.add(m.toLinkId);
        const list = movementsFrom.get(m.fromLinkId);
        if (list) list.push(m);
        else movementsFrom.set(m.fromLinkId, [m]);
      }
    // Entry links: no way onto them from inside the network (upstream end outside it, or a dead-end fringe node).
    const entries = this.network.links.filter((l) => l.toIntersectionId !== null && (l.fromIntersectionId === null || !reachable.has(l.id)));
    const counted = new Set(this.laneKeys.map((k) => k.link));
    const random = mulberry32(seed);
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    const whole = new Float64Array(this.laneKeys.length);
    for (const row of this.bins.values()) for (let i = 0; i < row.length; i++) whole[i] += row[i];
    const vehicles: Array<{ depart: number; edges: string[] }> = [];
    const carry = new Map<string, number>();
    const laneCount = (counts: Float64Array) => {
      const byLink = new Map<string, Map<number, number>>();
      this.laneKeys.forEach((k, i) => {
        let lanes = byLink.get(k.link);
        if (!lanes) byLink.set(k.link, (lanes = new Map()));
        lanes.set(k.lane, Math.max(lanes.get(k.lane) ?? 0, counts[i]));
      });
      return byLink;
    };
    const dayLanes = laneCount(whole);
    for (const key of keys) {
      const row = this.bins.get(key)!;
      const binLanes = laneCount(row);
      const weightsCache = new Map<string, { movements: Movement[]; weights: number[] }>();
      const weightsOf = (linkId: string) => {
        const cached = weightsCache.get(linkId);
        if (cached) return cached;
        const movements = movementsFrom.get(linkId) ?? [];
        const weigh = (lanes: Map<number, number> | undefined) => {
          const sharing = new Map<number, number>();
          for (const m of movements) for (const i of m.fromLaneIndices) sharing.set(i, (sharing.get(i) ?? 0) + 1);
          return movements.map((m) => m.fromLaneIndices.reduce((s, i) => s + (lanes?.get(i) ?? 0) / (sharing.get(i) ?? 1), 0));
        };
        let weights = weigh(binLanes.get(linkId));
        if (!(weights.reduce((a, b) => a + b, 0) > 0)) weights = weigh(dayLanes.get(linkId));
        if (!(weights.reduce((a, b) => a + b, 0) > 0)) weights = movements.map(() => 1);
        const out = { movements, weights };
        weightsCache.set(linkId, out);
        return out;
      };
      const start = Math.max(key * DEMAND_BIN_MS, fromMs);
      const end = Math.min((key + 1) * DEMAND_BIN_MS, toMs);
      if (!(end > start)) continue;
      for (const entry of entries) {
        const lanes = binLanes.get(entry.id);
        if (!lanes) continue;
        let total = carry.get(entry.id) ?? 0;
        for (const c of lanes.values()) total += c;
        const n = Math.floor(total + 1e-9);
        carry.set(entry.id, total - n);
        for (let k = 0; k < n; k++) {
          const depart = (start + ((k + 0.5) * (end - start)) / n - fromMs) / 1000;
          const edges = [entry.id];
          const visited = new Set(edges);
          let cur: Link | undefined = entry;
          while (cur && edges.length < MAX_ROUTE_EDGES) {
            const { movements, weights } = weightsOf(cur.id);
            let sum = 0;
            for (let i = 0; i < movements.length; i++) if (!visited.has(movements[i].toLinkId)) sum += weights[i];
            if (!(sum > 0)) break;
            let r = random() * sum;
            let next: Movement | undefined;
            for (let i = 0; i < movements.length; i++) {
              if (visited.has(movements[i].toLinkId) || !(weights[i] > 0)) continue;
              next = movements[i];
              r -= weights[i];
              if (r <= 0) break;
            }
            if (!next) break;
            edges.push(next.toLinkId);
            visited.add(next.toLinkId);
            cur = links.get(next.toLinkId);
          }
          vehicles.push({ depart, edges });
        }
      }
    }
    vehicles.sort((a, b) => a.depart - b.depart);
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<!-- greenwave replay with SUMO: demand from the replayed stop-line counts -->', '<routes>'];
    vehicles.forEach((v, i) => {
      lines.push(`  <vehicle id="r${i}" depart="${v.depart.toFixed(2)}" departLane="best" departSpeed="max"><route edges="${v.edges.map(xmlEscape).join(' ')}"/></vehicle>`);
    });
    lines.push('</routes>', '');
    return {
      xml: lines.join('\n'),
      vehicles: vehicles.length,
      entryLinks: entries.length,
      entryLinksWithoutCounts: entries.filter((l) => !counted.has(l.id)).map((l) => l.id),
    };
  }
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
