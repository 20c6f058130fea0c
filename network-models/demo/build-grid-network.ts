import type { Detector, Intersection, Link, Movement, NetworkFile, Phase, TimeOfDayPlan, TurnKind } from '../network-types.js';

/** Compass directions of the approaches; a link "heading east" arrives at its intersection from the west. */
type Heading = 'E' | 'W' | 'N' | 'S';
const HEADINGS: Heading[] = ['E', 'N', 'W', 'S'];
const VECTOR: Record<Heading, [number, number]> = { E: [1, 0], W: [-1, 0], N: [0, 1], S: [0, -1] };
const LEFT_OF: Record<Heading, Heading> = { E: 'N', N: 'W', W: 'S', S: 'E' };
const RIGHT_OF: Record<Heading, Heading> = { E: 'S', S: 'W', W: 'N', N: 'E' };

export interface GridNetworkSpec {
  name: string;
  columns: number;
  rows: number;
  spacingMetres: number;
  /** Rows (0 = south) that are a main street: three lanes each way (right+through, through, left lane), protected lefts. */
  mainStreetRows: number[];
  speedMetresPerSecond: number;
  sideSpeedMetresPerSecond: number;
  /** Length of the entry and exit links at the edge of the grid, metres. */
  boundaryLinkMetres: number;
  /** Distance of advance detectors from the stop line, metres. */
  advanceDetectorMetres: number;
  timeZone: string;
}

/**
 * Builds a grid city: every node a signal, links both ways between neighbours and to the outside at the edges.
 * Main-street intersections run three phases (protected main-street lefts, main-street through, then the side
 * street with permissive lefts), the others two phases with permissive lefts. Used for the demo networks and for generated benchmark cities.
 */
export function buildGridNetwork(spec: GridNetworkSpec): NetworkFile {
  const id = (c: number, r: number) => `I${String.fromCharCode(65 + r)}${c + 1}`;
  const inside = (c: number, r: number) => c >= 0 && r >= 0 && c < spec.columns && r < spec.rows;
  const isMain = (r: number) => spec.mainStreetRows.includes(r);
  const links: Link[] = [];
  const intersections: Intersection[] = [];
  const detectors: Detector[] = [];
  // The link arriving at (c, r) heading h, and the one leaving it heading h.
  const linkId = (c: number, r: number, h: Heading, dir: 'in' | 'out') => `${id(c, r)}-${dir}-${h}`;
  const lanesFor = (h: Heading, r: number) => (h === 'E' || h === 'W') && isMain(r) ? 3 : 2;

  for (let r = 0; r < spec.rows; r++)
    for (let c = 0; c < spec.columns; c++) {
      for (const h of HEADINGS) {
        // Link leaving (c, r) heading h: to the neighbour, or out of the network.
        const [dx, dy] = VECTOR[h];
        const nc = c + dx;
        const nr = r + dy;
        const main = (h === 'E' || h === 'W') && isMain(r);
        const speed = main ? spec.speedMetresPerSecond : spec.sideSpeedMetresPerSecond;
        if (inside(nc, nr)) {
          links.push({ id: linkId(nc, nr, h, 'in'), fromIntersectionId: id(c, r), toIntersectionId: id(nc, nr), lengthMetres: spec.spacingMetres, freeFlowSpeedMetresPerSecond: speed, lanes: lanesFor(h, r) });
        } else {
          links.push({ id: linkId(c, r, h, 'out'), fromIntersectionId: id(c, r), toIntersectionId: null, lengthMetres: spec.boundaryLinkMetres, freeFlowSpeedMetresPerSecond: speed, lanes: lanesFor(h, r) });
          // and the entry link coming the other way from outside
          const back = opposite(h);
          links.push({ id: linkId(c, r, back, 'in'), fromIntersectionId: null, toIntersectionId: id(c, r), lengthMetres: spec.boundaryLinkMetres, freeFlowSpeedMetresPerSecond: speed, lanes: lanesFor(back, r) });
        }
      }
    }
  const linkById = new Map(links.map((l) => [l.id, l]));
  const outgoing = (c: number, r: number, h: Heading) => {
    const [dx, dy] = VECTOR[h];
    return inside(c + dx, r + dy) ? linkId(c + dx, r + dy, h, 'in') : linkId(c, r, h, 'out');
  };

  for (let r = 0; r < spec.rows; r++)
    for (let c = 0; c < spec.columns; c++) {
      const xid = id(c, r);
      const movements: Movement[] = [];
      const byApproach = new Map<Heading, Record<TurnKind, string | undefined>>();
      for (const h of HEADINGS) {
        const from = linkId(c, r, h, 'in');
        const lanes = linkById.get(from)!.lanes;
        // saturation flows of each movement with its lanes to itself, veh/h of green (made shares below)
        const turns: Array<[TurnKind, Heading, number[], number]> =
          lanes === 3
            ? [['right', RIGHT_OF[h], [0], 1500], ['through', h, [0, 1], 3400], ['left', LEFT_OF[h], [2], 1700]]
            : [['right', RIGHT_OF[h], [0], 1400], ['through', h, [0, 1], 3200], ['left', LEFT_OF[h], [1], 900]];
        const rec: Record<TurnKind, string | undefined> = { left: undefined, through: undefined, right: undefined, uturn: undefined };
        for (const [turn, to, laneIdx, sat] of turns) {
          const mid = `${xid}:${h}${turn[0].toUpperCase()}`;
          movements.push({ id: mid, fromLinkId: from, toLinkId: outgoing(c, r, to), turn, fromLaneIndices: laneIdx, saturationFlowVehPerHour: sat });
          rec[turn] = mid;
        }
        byApproach.set(h, rec);
        for (let lane = 0; lane < lanes; lane++) {
          const link = linkById.get(from)!;
          detectors.push({ id: `${xid}:${h}${lane}:stop`, intersectionId: xid, linkId: from, laneIndex: lane, kind: 'stop-line', distanceFromStopLineMetres: 0 });
          if (link.lengthMetres > spec.advanceDetectorMetres + 20)
            detectors.push({ id: `${xid}:${h}${lane}:adv`, intersectionId: xid, linkId: from, laneIndex: lane, kind: 'advance', distanceFromStopLineMetres: spec.advanceDetectorMetres });
        }
      }
      shareLaneSaturationFlows(movements);
      const m = (h: Heading, t: TurnKind) => byApproach.get(h)![t]!;
      const conflicts = crossingConflicts(m);
      const main = isMain(r);
      const phases: Phase[] = main
        ? [
            phase(`${xid}:EW-left`, [m('E', 'left'), m('W', 'left'), m('E', 'right'), m('W', 'right')], 6, 30),
            phase(`${xid}:EW`, [m('E', 'through'), m('W', 'through'), m('E', 'right'), m('W', 'right')], 15, 80, { walkSeconds: 7, clearanceSeconds: 12 }),
            phase(`${xid}:NS`, [m('N', 'through'), m('S', 'through'), m('N', 'right'), m('S', 'right'), m('N', 'left'), m('S', 'left')], 10, 50, { walkSeconds: 7, clearanceSeconds: 12 }),
          ]
        : [
            phase(`${xid}:EW`, [m('E', 'through'), m('W', 'through'), m('E', 'right'), m('W', 'right'), m('E', 'left'), m('W', 'left')], 10, 60, { walkSeconds: 7, clearanceSeconds: 10 }),
            phase(`${xid}:NS`, [m('N', 'through'), m('S', 'through'), m('N', 'right'), m('S', 'right'), m('N', 'left'), m('S', 'left')], 10, 60, { walkSeconds: 7, clearanceSeconds: 10 }),
          ];
      intersections.push({
        id: xid,
        name: main ? `Main St & ${ordinal(c + 1)} Ave` : `${String.fromCharCode(65 + r)} St & ${ordinal(c + 1)} Ave`,
        position: { xMetres: c * spec.spacingMetres, yMetres: r * spec.spacingMetres },
        control: 'signalized',
        movements,
        phases,
        conflicts,
        fallbackPlans: fallbackPlans(phases, main, c, spec),
      });
    }
  return { format: 'greenwave-network', version: 1, name: spec.name, timeZone: spec.timeZone, intersections, links, detectors };
}

/**
 * The network format's saturation flow is each movement's share of its lanes': a lane shared by n movements gives
 * each 1/n of what it would discharge of that movement alone (as the SUMO importer writes it). Turns the flows
 * given for a movement with its lanes to itself into those shares, spread evenly over its lanes.
 */
function shareLaneSaturationFlows(movements: Movement[]): void {
  const perLane = new Map<string, number>();
  for (const mv of movements) for (const lane of mv.fromLaneIndices) perLane.set(`${mv.fromLinkId} ${lane}`, (perLane.get(`${mv.fromLinkId} ${lane}`) ?? 0) + 1);
  for (const mv of movements) {
    const perLaneAlone = mv.saturationFlowVehPerHour / mv.fromLaneIndices.length;
    mv.saturationFlowVehPerHour = Math.round(mv.fromLaneIndices.reduce((s, lane) => s + perLaneAlone / perLane.get(`${mv.fromLinkId} ${lane}`)!, 0));
  }
}

function phase(id: string, movementIds: string[], minGreenSeconds: number, maxGreenSeconds: number, pedestrian?: Phase['pedestrian']): Phase {
  const p: Phase = { id, movementIds, minGreenSeconds, maxGreenSeconds, yellowSeconds: 3, allRedSeconds: 2 };
  if (pedestrian) p.pedestrian = pedestrian;
  return p;
}

function opposite(h: Heading): Heading {
  return LEFT_OF[LEFT_OF[h]];
}

/** Crossing streams: throughs of perpendicular approaches, lefts across perpendicular throughs and lefts. */
function crossingConflicts(m: (h: Heading, t: TurnKind) => string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const pairs: Array<[Heading, Heading]> = [['E', 'N'], ['E', 'S'], ['W', 'N'], ['W', 'S']];
  for (const [a, b] of pairs) {
    out.push([m(a, 'through'), m(b, 'through')]);
    out.push([m(a, 'left'), m(b, 'through')]);
    out.push([m(a, 'through'), m(b, 'left')]);
    out.push([m(a, 'left'), m(b, 'left')]);
  }
  return out;
}

/** Time-of-day plans: AM and PM peaks at 90 s, daytime 75 s, night 60 s (70 s on the main street), main street favoured; simple progression. */
function fallbackPlans(phases: Phase[], main: boolean, column: number, spec: GridNetworkSpec): TimeOfDayPlan[] {
  const night = main ? 70 : 60;
  const periods: Array<[string, number]> = [['00:00', night], ['06:30', 90], ['09:30', 75], ['15:30', 90], ['19:30', night]];
  return periods.map(([startsAt, cycle]) => {
    const lost = phases.reduce((s, p) => s + p.yellowSeconds + p.allRedSeconds, 0);
    const weights = main ? [0.15, 0.55, 0.3] : [0.55, 0.45];
    const mins = phases.map((p) => Math.max(p.minGreenSeconds, (p.pedestrian ? p.pedestrian.walkSeconds + p.pedestrian.clearanceSeconds : 0) - p.yellowSeconds - p.allRedSeconds));
    const spare = Math.max(0, cycle - lost - mins.reduce((s, v) => s + v, 0));
    const greens = mins.map((mn, i) => mn + Math.floor(spare * weights[i]));
    greens[main ? 1 : 0] += cycle - lost - greens.reduce((s, v) => s + v, 0);
    const greenSecondsByPhase: Record<string, number> = {};
    phases.forEach((p, i) => (greenSecondsByPhase[p.id] = greens[i]));
    const travel = (column * spec.spacingMetres) / spec.speedMetresPerSecond;
    return { startsAt, cycleSeconds: cycle, offsetSeconds: Math.round(travel) % cycle, greenSecondsByPhase };
  });
}

/** 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st, 22nd, 101st. */
export function ordinal(n: number): string {
  const teens = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teens ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}
