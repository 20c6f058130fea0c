import type { Intersection, NetworkFile } from './network-types.js';
import type { ValidationProblem } from './validation-problem.js';
import { pairKey } from './lane-index.js';

/**
 * Rules the schema cannot express: references resolve, ids are unique, phases never serve conflicting
 * movements, every movement of a signal is served, timings are coherent. Returns every problem found.
 */
export function checkNetworkSemantics(net: NetworkFile): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add = (path: string, value: unknown, message: string) => problems.push({ path, value, message });

  const intersectionIds = new Set<string>();
  net.intersections.forEach((x, i) => {
    if (intersectionIds.has(x.id)) add(`intersections[${i}].id`, x.id, 'duplicate intersection id');
    intersectionIds.add(x.id);
  });

  const links = new Map<string, NetworkFile['links'][number]>();
  net.links.forEach((l, i) => {
    if (links.has(l.id)) add(`links[${i}].id`, l.id, 'duplicate link id');
    links.set(l.id, l);
    if (l.fromIntersectionId !== null && !intersectionIds.has(l.fromIntersectionId))
      add(`links[${i}].fromIntersectionId`, l.fromIntersectionId, 'unknown intersection');
    if (l.toIntersectionId !== null && !intersectionIds.has(l.toIntersectionId))
      add(`links[${i}].toIntersectionId`, l.toIntersectionId, 'unknown intersection');
    if (l.fromIntersectionId === null && l.toIntersectionId === null)
      add(`links[${i}]`, l.id, 'a link must touch at least one intersection');
  });

  const movementsById = new Map<string, { intersection: Intersection; movementIndex: number }>();
  net.intersections.forEach((x, i) => checkIntersection(x, `intersections[${i}]`, links, movementsById, add));

  const detectorIds = new Set<string>();
  net.detectors.forEach((d, i) => {
    const p = `detectors[${i}]`;
    if (detectorIds.has(d.id)) add(`${p}.id`, d.id, 'duplicate detector id');
    detectorIds.add(d.id);
    if (!intersectionIds.has(d.intersectionId)) add(`${p}.intersectionId`, d.intersectionId, 'unknown intersection');
    const link = links.get(d.linkId);
    if (!link) {
      add(`${p}.linkId`, d.linkId, 'unknown link');
      return;
    }
    if (link.toIntersectionId !== d.intersectionId)
      add(`${p}.linkId`, d.linkId, `link does not enter intersection ${d.intersectionId}`);
    if (d.laneIndex >= link.lanes)
      add(`${p}.laneIndex`, d.laneIndex, `unknown lane: link ${d.linkId} has lanes 0..${link.lanes - 1}`);
    if (d.distanceFromStopLineMetres > link.lengthMetres)
      add(`${p}.distanceFromStopLineMetres`, d.distanceFromStopLineMetres, `must be <= link length ${link.lengthMetres}`);
  });

  net.coordinationGroups?.forEach((g, gi) => {
    g.intersectionIds.forEach((xid, k) => {
      if (!intersectionIds.has(xid)) add(`coordinationGroups[${gi}].intersectionIds[${k}]`, xid, 'unknown intersection');
    });
  });
  const grouped = new Map<string, number>();
  net.coordinationGroups?.forEach((g, gi) =>
    g.intersectionIds.forEach((xid, k) => {
      if (grouped.has(xid))
        add(`coordinationGroups[${gi}].intersectionIds[${k}]`, xid, `already in coordinationGroups[${grouped.get(xid)}]`);
      grouped.set(xid, gi);
    }),
  );
  return problems;
}

function checkIntersection(
  x: Intersection,
  p: string,
  links: Map<string, NetworkFile['links'][number]>,
  movementsById: Map<string, { intersection: Intersection; movementIndex: number }>,
  add: (path: string, value: unknown, message: string) => void,
): void {
  const local = new Map<string, number>();
  x.movements.forEach((m, k) => {
    const mp = `${p}.movements[${k}]`;
    if (movementsById.has(m.id)) add(`${mp}.id`, m.id, 'duplicate movement id');
    movementsById.set(m.id, { intersection: x, movementIndex: k });
    local.set(m.id, k);
    const from = links.get(m.fromLinkId);
    const to = links.get(m.toLinkId);
    if (!from) add(`${mp}.fromLinkId`, m.fromLinkId, 'unknown link');
    else if (from.toIntersectionId !== x.id) add(`${mp}.fromLinkId`, m.fromLinkId, `link does not enter intersection ${x.id}`);
    if (!to) add(`${mp}.toLinkId`, m.toLinkId, 'unknown link');
    else if (to.fromIntersectionId !== x.id) add(`${mp}.toLinkId`, m.toLinkId, `link does not leave intersection ${x.id}`);
    if (from)
      m.fromLaneIndices.forEach((lane, li) => {
        if (lane >= from.lanes)
          add(`${mp}.fromLaneIndices[${li}]`, lane, `unknown lane: link ${from.id} has lanes 0..${from.lanes - 1}`);
      });
  });

  const conflictSet = new Set<string>();
  x.conflicts.forEach(([a, b], k) => {
    if (!local.has(a)) add(`${p}.conflicts[${k}][0]`, a, 'unknown movement at this intersection');
    if (!local.has(b)) add(`${p}.conflicts[${k}][1]`, b, 'unknown movement at this intersection');
    if (a === b) add(`${p}.conflicts[${k}]`, [a, b], 'a movement cannot conflict with itself');
    conflictSet.add(pairKey(a, b));
    conflictSet.add(pairKey(b, a));
  });

  if (x.control === 'unsignalized') {
    if (x.phases.length > 0) add(`${p}.phases`, x.phases.length, 'an unsignalized intersection has no phases');
    return;
  }
  if (x.phases.length === 0) add(`${p}.phases`, [], 'a signalized intersection needs at least one phase');

  const served = new Set<string>();
  const phaseIds = new Set<string>();
  x.phases.forEach((ph, k) => {
    const pp = `${p}.phases[${k}]`;
    if (phaseIds.has(ph.id)) add(`${pp}.id`, ph.id, 'duplicate phase id');
    phaseIds.add(ph.id);
    if (ph.maxGreenSeconds < ph.minGreenSeconds)
      add(`${pp}.maxGreenSeconds`, ph.maxGreenSeconds, `must be >= minGreenSeconds ${ph.minGreenSeconds}`);
    if (ph.pedestrian && ph.pedestrian.walkSeconds + ph.pedestrian.clearanceSeconds > ph.maxGreenSeconds + ph.yellowSeconds + ph.allRedSeconds)
      add(`${pp}.pedestrian`, ph.pedestrian, 'walk + clearance must fit within max green + yellow + all-red');
    ph.movementIds.forEach((mid, j) => {
      if (!local.has(mid)) add(`${pp}.movementIds[${j}]`, mid, 'unknown movement at this intersection');
      served.add(mid);
    });
    for (let a = 0; a < ph.movementIds.length; a++)
      for (let b = a + 1; b < ph.movementIds.length; b++)
        if (conflictSet.has(pairKey(ph.movementIds[a], ph.movementIds[b])))
          add(`${pp}.movementIds`, [ph.movementIds[a], ph.movementIds[b]], 'phase serves two conflicting movements');
  });
  x.movements.forEach((m, k) => {
    if (!served.has(m.id)) add(`${p}.movements[${k}].id`, m.id, 'movement is served by no phase');
  });

  if (x.cycleBounds && x.cycleBounds.maxSeconds < x.cycleBounds.minSeconds)
    add(`${p}.cycleBounds.maxSeconds`, x.cycleBounds.maxSeconds, `must be >= minSeconds ${x.cycleBounds.minSeconds}`);

  if (x.fallbackPlans.length === 0) add(`${p}.fallbackPlans`, [], 'a signalized intersection needs at least one fallback plan');
  const starts = new Set<string>();
  x.fallbackPlans.forEach((plan, k) => {
    const fp = `${p}.fallbackPlans[${k}]`;
    if (starts.has(plan.startsAt)) add(`${fp}.startsAt`, plan.startsAt, 'two plans start at the same time');
    starts.add(plan.startsAt);
    if (plan.offsetSeconds >= plan.cycleSeconds)
      add(`${fp}.offsetSeconds`, plan.offsetSeconds, `must be < cycleSeconds ${plan.cycleSeconds}`);
    let total = 0;
    x.phases.forEach((ph) => {
      const g = plan.greenSecondsByPhase[ph.id];
      if (g === undefined) {
        add(`${fp}.greenSecondsByPhase.${ph.id}`, g, 'missing green for this phase');
        return;
      }
      if (g < ph.minGreenSeconds) add(`${fp}.greenSecondsByPhase.${ph.id}`, g, `must be >= minGreenSeconds ${ph.minGreenSeconds}`);
      if (g > ph.maxGreenSeconds) add(`${fp}.greenSecondsByPhase.${ph.id}`, g, `must be <= maxGreenSeconds ${ph.maxGreenSeconds}`);
      total += g + ph.yellowSeconds + ph.allRedSeconds;
    });
    for (const key of Object.keys(plan.greenSecondsByPhase))
      if (!phaseIds.has(key)) add(`${fp}.greenSecondsByPhase.${key}`, plan.greenSecondsByPhase[key], 'unknown phase');
    if (Math.abs(total - plan.cycleSeconds) > 1e-6)
      add(`${fp}.cycleSeconds`, plan.cycleSeconds, `must equal the sum of greens, yellows and all-reds (${round3(total)})`);
  });
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
