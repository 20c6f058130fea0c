import type { Intersection, Movement } from './network-types.js';

/** A lane of a link, as detectors and movements name it. */
export interface LaneRef {
  linkId: string;
  laneIndex: number;
}

// Keys join ids with NUL, which no id contains in practice and none needs to: a key is only compared, never split.

/** Map key of one lane of a link. */
export function laneKey(linkId: string, laneIndex: number): string {
  return `${linkId}\u0000${laneIndex}`;
}

/** Map key of an ordered pair of ids (two movements, an intersection and a link). */
export function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

/** Map key of an unordered pair of ids: the same whichever comes first. */
export function unorderedPairKey(a: string, b: string): string {
  return a < b ? pairKey(a, b) : pairKey(b, a);
}

/** Map key of a list of ids, in its order. */
export function listKey(ids: readonly string[]): string {
  return ids.join('\u0000');
}

/** Items grouped by the lane they are on: groups in order of their first item, items in the order given. */
export function groupByLane<T>(items: Iterable<T>, laneOf: (item: T) => LaneRef): Map<string, T[]> {
  const byLane = new Map<string, T[]>();
  for (const item of items) {
    const { linkId, laneIndex } = laneOf(item);
    const key = laneKey(linkId, laneIndex);
    const group = byLane.get(key);
    if (group) group.push(item);
    else byLane.set(key, [item]);
  }
  return byLane;
}

/** What of a movement says which lanes it leaves from (an importer's draft has it before the movement exists). */
export type LaneUse = Pick<Movement, 'turn' | 'fromLinkId' | 'fromLaneIndices'>;
/** An intersection, or an importer's movements of one or more intersections. */
export interface MovementsOnLanes {
  movements: readonly LaneUse[];
}

/**
 * Whether a movement takes a share of a lane's flow. A U-turn that leaves from a lane other movements leave from
 * too takes none: netconvert adds a turnaround on the leftmost lane of nearly every edge by default, so in an
 * imported network such a U-turn is an artefact of the network's building far more often than a stream of
 * traffic. The lane's count is not lost: it is shared among the lane's other movements.
 */
export function sharesLaneFlow(x: MovementsOnLanes, m: LaneUse, laneIndex: number): boolean {
  if (m.turn !== 'uturn') return true;
  return !x.movements.some((o) => o !== m && o.turn !== 'uturn' && o.fromLinkId === m.fromLinkId && o.fromLaneIndices.includes(laneIndex));
}

/** How many of an intersection's movements share each lane's flow (see `sharesLaneFlow`). */
export function movementsPerLane(x: MovementsOnLanes): Map<string, number> {
  const count = new Map<string, number>();
  for (const m of x.movements)
    for (const lane of m.fromLaneIndices) {
      if (!sharesLaneFlow(x, m, lane)) continue;
      const key = laneKey(m.fromLinkId, lane);
      count.set(key, (count.get(key) ?? 0) + 1);
    }
  return count;
}

/** Indices of the intersection's movements that leave from a lane. */
export function movementsFromLane(x: Intersection, { linkId, laneIndex }: LaneRef): number[] {
  return x.movements.flatMap((m, k) => (m.fromLinkId === linkId && m.fromLaneIndices.includes(laneIndex) ? [k] : []));
}
