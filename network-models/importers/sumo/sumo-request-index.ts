import type { SumoConnection, SumoJunction } from './sumo-net-types.js';

/**
 * Finds each connection's index in its junction's request table (the foes/response bit strings), which is not
 * the TLS link index. With internal lanes, the index is the position in the junction's `intLanes` of a lane
 * on the connection's internal path (`via`, followed through internal junctions). Without internal lanes SUMO
 * numbers links by incoming lane, then by connection order; that is the fallback.
 */
export function requestIndexResolver(
  junctions: Map<string, SumoJunction>,
  internalConnections: SumoConnection[],
  junctionOfConnection: (c: SumoConnection) => string | undefined,
  connections: SumoConnection[],
): (c: SumoConnection) => number | undefined {
  const nextVia = new Map<string, string>();
  for (const ic of internalConnections) if (ic.via) nextVia.set(`${ic.from}_${ic.fromLane}`, ic.via);

  const intLaneIndex = new Map<string, Map<string, number>>();
  for (const j of junctions.values()) intLaneIndex.set(j.id, new Map(j.intLanes.map((l, i) => [l, i])));

  // fallback numbering, only for junctions without internal lanes
  const fallback = new Map<SumoConnection, number>();
  const byJunction = new Map<string, SumoConnection[]>();
  connections.forEach((c) => {
    const jid = junctionOfConnection(c);
    if (jid === undefined || c.via) return;
    const arr = byJunction.get(jid) ?? [];
    arr.push(c);
    byJunction.set(jid, arr);
  });
  for (const [jid, arr] of byJunction) {
    const j = junctions.get(jid);
    if (!j || j.intLanes.length > 0) continue;
    const laneOrder = new Map(j.incLanes.map((l, i) => [l, i]));
    const ordered = arr
      .map((c, k) => ({ c, k, lane: laneOrder.get(`${c.from}_${c.fromLane}`) ?? Number.MAX_SAFE_INTEGER }))
      .sort((a, b) => a.lane - b.lane || a.k - b.k);
    ordered.forEach((o, i) => fallback.set(o.c, i));
  }

  return (c) => {
    const jid = junctionOfConnection(c);
    if (jid === undefined) return undefined;
    if (!c.via) return fallback.get(c);
    const indexOf = intLaneIndex.get(jid);
    if (!indexOf) return undefined;
    let lane: string | undefined = c.via;
    for (let hops = 0; lane !== undefined && hops < 8; hops++) {
      const i = indexOf.get(lane);
      if (i !== undefined) return i;
      lane = nextVia.get(lane);
    }
    return undefined;
  };
}

/** SUMO writes request bit strings with link 0 as the last character. */
export function requestBit(bits: string, index: number): boolean {
  const k = bits.length - 1 - index;
  return k >= 0 && bits[k] === '1';
}
