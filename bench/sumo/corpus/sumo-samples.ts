/**
 * The corpus's real-network family from SUMO's own samples: every network with traffic lights that SUMO 1.15's
 * Debian package ships under $SUMO_HOME/tools, with its own demand where it has some and seeded randomTrips demand
 * where it has none. Samples are read in place; only a .sumocfg (and generated trips) go to the cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SumoSample {
  name: string;
  /** Folder under $SUMO_HOME/tools. */
  dir: string;
  net: string;
  /** The sample's own demand; none: randomTrips demand (seeded). */
  routes?: string[];
  additional?: string[];
  description: string;
  /** randomTrips --period (mean seconds between trips) where the sample has no demand. */
  tripPeriodSeconds?: number;
  /**
   * The game networks' programs are one 1000-10000 s green per program, switched by the player: no plan to
   * compare with. Their programs are rebuilt by netconvert from the network's own junctions (a copy in the cache).
   */
  rebuildPrograms?: boolean;
}

const REAL = 'sumolib/scenario/scenarios/RealWorld';
const BASIC = 'sumolib/scenario/scenarios';

/**
 * Left out: tools/game/hiking (no vehicle demand), tools/game/racing (no signals); the RiLSA examples' second
 * network net.net.xml (the same junction as rilsaN.net.xml); BasicCrossL (the same network as BasicCross, which
 * differs only by its tls.add.xml); the samples' *_tls.add.xml programs (alternatives
 * to the network's own, not what it ships as its program).
 */
export const SUMO_SAMPLES: SumoSample[] = [
  { name: 'bologna-acosta', dir: `${REAL}/acosta`, net: 'acosta_buslanes.net.xml', routes: ['acosta.rou.xml'], additional: ['acosta_vtypes.add.xml'], description: 'Bologna (Andrea Costa), 7 signals, own demand' },
  { name: 'bologna-joined', dir: `${REAL}/joined`, net: 'joined_buslanes.net.xml', routes: ['joined.rou.xml'], additional: ['joined_vtypes.add.xml'], description: 'Bologna (joined junctions), 13 signals, own demand' },
  { name: 'bologna-pasubio', dir: `${REAL}/pasubio`, net: 'pasubio_buslanes.net.xml', routes: ['pasubio.rou.xml'], additional: ['pasubio_vtypes.add.xml'], description: 'Bologna (Pasubio), 8 signals, own demand' },
  ...[1, 2, 3, 4].map((n) => ({ name: `rilsa-example${n}`, dir: `${REAL}/RiLSA_example${n}`, net: `rilsa${n}.net.xml`, routes: ['genroutes.rou.xml'], additional: ['vtypes.add.xml'], description: `RiLSA example ${n} (German guideline junction), own demand` })),
  { name: 'basic-rilsa-net2x2', dir: `${BASIC}/BasicRiLSANet2x2`, net: 'network.net.xml', description: 'BasicRiLSANet2x2, randomTrips demand', tripPeriodSeconds: 2.5 },
  { name: 'basic-rilsa-corridor3', dir: `${BASIC}/BasicRiLSACorridor3`, net: 'network.net.xml', description: 'BasicRiLSACorridor3, randomTrips demand', tripPeriodSeconds: 2.5 },
  { name: 'basic-corridor', dir: `${BASIC}/BasicCorridor`, net: 'net.net.xml', description: 'BasicCorridor, randomTrips demand', tripPeriodSeconds: 3 },
  { name: 'basic-cross', dir: `${BASIC}/BasicCross`, net: 'net.net.xml', description: 'BasicCross, randomTrips demand', tripPeriodSeconds: 4 },
  { name: 'rilsa1', dir: `${BASIC}/RiLSA1`, net: 'rilsa1.net.xml', description: 'RiLSA1, randomTrips demand', tripPeriodSeconds: 3 },
  { name: 'rilsa1-out-tls', dir: `${BASIC}/RiLSA1OutTLS`, net: 'rilsa1.net.xml', description: 'RiLSA1OutTLS, randomTrips demand', tripPeriodSeconds: 2.5 },
  { name: 'rilsa1-both-tls', dir: `${BASIC}/RiLSA1BothTLS`, net: 'rilsa1both.net.xml', description: 'RiLSA1BothTLS, randomTrips demand', tripPeriodSeconds: 2.5 },
  { name: 'game-kuehne', dir: 'game/kuehne', net: 'kuehne.net.xml', routes: ['kuehne.rou.xml'], description: 'traffic-light game "kuehne", own demand' },
  { name: 'game-square', dir: 'game/square', net: 'square.net.xml', routes: ['square.rou.xml'], description: 'traffic-light game "square", own demand' },
  { name: 'game-a10kw', dir: 'game/A10KW', net: 'osm.net.xml', routes: ['osm.passenger.rou.xml', 'osm.truck.rou.xml'], description: 'traffic-light game A10 Königs Wusterhausen (OSM), own demand; programs rebuilt by netconvert (the game switches programs held 10000 s)', rebuildPrograms: true },
  { name: 'game-bs3d', dir: 'game/bs3d', net: 'bs.net.xml', routes: ['bs3d.rou.xml'], description: 'traffic-light game Braunschweig 3D, own demand; programs rebuilt by netconvert (the game switches programs held 10000 s)', rebuildPrograms: true },
  { name: 'game-drt-osm', dir: 'game/DRT', net: 'osm.net.xml', description: 'game DRT network (OSM), randomTrips demand (its own demand is taxi requests)', tripPeriodSeconds: 2 },
  { name: 'game-grid6', dir: 'game/grid6', net: 'grid6.net.xml', routes: ['grid6.rou.xml'], description: 'traffic-light game "grid6", own demand' },
  { name: 'game-corridor', dir: 'game/corridor', net: 'corridor.net.xml', routes: ['corridor.rou.xml'], description: 'traffic-light game "corridor", own demand; programs rebuilt by netconvert (the game switches programs held 10000 s)', rebuildPrograms: true },
  { name: 'game-cross', dir: 'game/cross', net: 'cross.net.xml', routes: ['cross.rou.xml'], description: 'traffic-light game "cross", own demand' },
  { name: 'game-ramp', dir: 'game/ramp', net: 'ramp.net.xml', routes: ['ramp.rou.xml'], description: 'ramp-metering game, own demand; programs rebuilt by netconvert (the game switches programs held 10000 s)', rebuildPrograms: true },
  { name: 'game-highway', dir: 'game/highway', net: 'highway.net.xml', routes: ['highway.rou.xml'], description: 'highway ramp-metering game, own demand; programs rebuilt by netconvert (the game switches programs held 10000 s)', rebuildPrograms: true },
];

/** Every sample simulates one hour (their own flows run far longer). */
export const SAMPLE_END_SECONDS = 3600;

/**
 * Writes the sample's .sumocfg (absolute paths into $SUMO_HOME) into `dir`, with seeded randomTrips demand where
 * the sample has none. Returns the config, or null with the reason when the sample is not installed.
 */
export function materializeSample(s: SumoSample, sumoHome: string, dir: string): { configFile: string } | { missing: string } {
  const base = join(sumoHome, 'tools', s.dir);
  const net = join(base, s.net);
  if (!existsSync(net)) return { missing: `${net} not found (install sumo-tools)` };
  const configFile = join(dir, `${s.name}.sumocfg`);
  // what was generated for another definition of the sample goes
  const stamp = join(dir, 'definition.json');
  if (existsSync(dir) && (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== JSON.stringify(s))) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(stamp, JSON.stringify(s));
  const env = { ...process.env, SUMO_HOME: sumoHome };
  let netFile = net;
  if (s.rebuildPrograms) {
    netFile = join(dir, `${s.name}.net.xml`);
    if (!existsSync(netFile)) {
      // through plain XML without the programs (.tll.xml): netconvert builds its default ones
      const plain = join(dir, 'plain');
      execFileSync('netconvert', ['-s', net, '--plain-output-prefix', plain], { env, stdio: 'pipe' });
      const types = existsSync(`${plain}.typ.xml`) ? ['-t', `${plain}.typ.xml`] : [];
      execFileSync('netconvert', ['-n', `${plain}.nod.xml`, '-e', `${plain}.edg.xml`, '-x', `${plain}.con.xml`, ...types, '--ignore-errors.edge-type', '-o', netFile], { env, stdio: 'pipe' });
    }
  }
  let routes = (s.routes ?? []).map((r) => join(base, r));
  if (routes.length === 0) {
    const trips = join(dir, 'random.trips.xml');
    if (!existsSync(trips)) {
      execFileSync('python3', [
        join(sumoHome, 'tools', 'randomTrips.py'), '-n', netFile, '-o', trips, '-b', '0', '-e', String(SAMPLE_END_SECONDS - 600),
        '--period', String(s.tripPeriodSeconds ?? 3), '--fringe-factor', '10', '--seed', '42', '--validate', '--min-distance', '100',
        '--vehicle-class', 'passenger', '--trip-attributes', 'departLane="best" departSpeed="max"',
      ], { env, stdio: 'pipe', cwd: dir });
    }
    routes = [trips];
  }
  const additional = (s.additional ?? []).map((a) => join(base, a));
  writeFileSync(
    configFile,
    `<?xml version="1.0" encoding="UTF-8"?>
<!-- ${s.description}; written by bench/sumo/corpus (SUMO sample read in place) -->
<configuration>
    <input>
        <net-file value="${netFile}"/>
        <route-files value="${routes.join(',')}"/>${additional.length ? `\n        <additional-files value="${additional.join(',')}"/>` : ''}
    </input>
    <time>
        <begin value="0"/>
        <end value="${SAMPLE_END_SECONDS}"/>
    </time>
</configuration>
`,
  );
  return { configFile };
}
