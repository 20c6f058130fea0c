/**
 * The SUMO benchmark suite: networks built by SUMO's own tools, demand that changes through the run.
 * Each period gives per-entry rates (veh/h) of a directional stream (from one side of the network to the
 * opposite side) and of a turning stream (to a perpendicular side), on top of randomTrips background traffic.
 */

export type Side = 'west' | 'east' | 'north' | 'south';

export interface DemandPeriod {
  /** Period length, seconds. */
  seconds: number;
  /** Main directional stream: per entry edge on `from`, veh/h, to exits on `to`. */
  main: { from: Side; to: Side; vehPerHourPerEntry: number };
  /** Counter-flow, per entry on the opposite side. */
  counter: { vehPerHourPerEntry: number };
  /** Turning stream: per entry on `from`, veh/h, to exits on `to` (asymmetric turning). */
  turning: { from: Side; to: Side; vehPerHourPerEntry: number };
  /** Cross-street stream, both perpendicular directions, per entry. */
  cross: { vehPerHourPerEntry: number };
}

export interface NetworkRecipe {
  kind: 'netgenerate' | 'plain';
  /** netgenerate arguments (without -o), or plain nodes/edges written by the generator. */
  args?: string[];
  plain?: 'arterial';
  /** Arterial: number of signals (default 6, spacing 220/300/180/350/260 m) and the seed of uneven spacing. */
  signals?: number;
  spacingSeed?: number;
  /** Extra netconvert arguments for plain networks (e.g. --tls.yellow.time 0). */
  netconvertArgs?: string[];
}

export interface ScenarioDefinition {
  name: string;
  description: string;
  network: NetworkRecipe;
  /** randomTrips background: mean seconds between trips (randomTrips --period), fringe factor. */
  background: { periodSeconds: number; fringeFactor: number };
  periods: DemandPeriod[];
  /** Time after the last period with no new demand, seconds. */
  drainSeconds: number;
  /** Seed of randomTrips (the SUMO seed is chosen per run). */
  tripsSeed: number;
  /** A lane closed for a while mid-run (rightmost lane of the busiest interior multi-lane edge). */
  closure?: { beginSeconds: number; endSeconds: number };
}

const flip = (
  light: number,
  peak: number,
  over: number,
  turn: number,
  cross: number,
): DemandPeriod[] => [
  // morning: eastbound builds up to near saturation
  { seconds: 900, main: { from: 'west', to: 'east', vehPerHourPerEntry: light }, counter: { vehPerHourPerEntry: light * 0.4 }, turning: { from: 'west', to: 'north', vehPerHourPerEntry: turn * 0.5 }, cross: { vehPerHourPerEntry: cross } },
  { seconds: 900, main: { from: 'west', to: 'east', vehPerHourPerEntry: peak }, counter: { vehPerHourPerEntry: light * 0.4 }, turning: { from: 'west', to: 'north', vehPerHourPerEntry: turn }, cross: { vehPerHourPerEntry: cross } },
  // the peak flips: westbound, oversaturated, heavy turns from the south
  { seconds: 900, main: { from: 'east', to: 'west', vehPerHourPerEntry: over }, counter: { vehPerHourPerEntry: light * 0.5 }, turning: { from: 'south', to: 'west', vehPerHourPerEntry: turn }, cross: { vehPerHourPerEntry: cross * 1.2 } },
  { seconds: 900, main: { from: 'east', to: 'west', vehPerHourPerEntry: light }, counter: { vehPerHourPerEntry: light * 0.4 }, turning: { from: 'south', to: 'west', vehPerHourPerEntry: turn * 0.5 }, cross: { vehPerHourPerEntry: cross * 0.8 } },
];

export const SCENARIOS: ScenarioDefinition[] = [
  {
    name: 'grid3-1lane',
    description: '3x3 grid, 200 m blocks, one lane per direction, two-phase signals',
    network: { kind: 'netgenerate', args: ['--grid', '--grid.number', '3', '--grid.length', '200', '--grid.attach-length', '150', '--default.lanenumber', '1', '--tls.guess', 'true', '--default-junction-type', 'traffic_light', '--no-turnarounds', 'true'] },
    background: { periodSeconds: 12, fringeFactor: 10 },
    periods: flip(120, 300, 420, 60, 90),
    drainSeconds: 600,
    tripsSeed: 11,
  },
  {
    name: 'grid4-turnlanes',
    description: '4x4 grid, 250 m blocks, two lanes plus a left-turn lane, protected-left programs',
    network: { kind: 'netgenerate', args: ['--grid', '--grid.number', '4', '--grid.length', '250', '--grid.attach-length', '150', '--default.lanenumber', '2', '--turn-lanes', '1', '--turn-lanes.length', '60', '--tls.guess', 'true', '--default-junction-type', 'traffic_light', '--no-turnarounds', 'true'] },
    background: { periodSeconds: 7, fringeFactor: 10 },
    periods: flip(220, 520, 700, 100, 130),
    drainSeconds: 600,
    tripsSeed: 12,
  },
  {
    name: 'arterial',
    description: 'six-signal arterial with uneven spacing (180-350 m), two lanes on the main road, one on side streets',
    network: { kind: 'plain', plain: 'arterial' },
    background: { periodSeconds: 10, fringeFactor: 5 },
    periods: flip(300, 750, 1000, 50, 70),
    drainSeconds: 600,
    tripsSeed: 13,
  },
  {
    name: 'irregular',
    description: 'random irregular network (netgenerate --rand), joined junctions, signals guessed by netconvert',
    network: { kind: 'netgenerate', args: ['--rand', '--rand.iterations', '45', '--seed', '7', '--rand.min-distance', '120', '--rand.max-distance', '300', '--rand.connectivity', '0.95', '--default.lanenumber', '2', '--tls.guess', 'true', '--tls.guess.threshold', '30', '--junctions.join', 'true', '--no-turnarounds', 'true', '--default.speed', '13.89'] },
    background: { periodSeconds: 6, fringeFactor: 5 },
    periods: flip(100, 250, 350, 60, 60),
    drainSeconds: 600,
    tripsSeed: 14,
  },
];
