import type { NetworkFile } from '../network-types.js';
import { buildGridNetwork } from './build-grid-network.js';

/** A 6-signal arterial: Main St (three lanes each way, protected lefts) crossed by six avenues, 300 m apart. */
export function arterialCorridorNetwork(): NetworkFile {
  return buildGridNetwork({
    name: 'Demo arterial: Main St, 6 signals',
    columns: 6,
    rows: 1,
    spacingMetres: 300,
    mainStreetRows: [0],
    speedMetresPerSecond: 13.9,
    sideSpeedMetresPerSecond: 11.1,
    boundaryLinkMetres: 250,
    advanceDetectorMetres: 80,
    timeZone: 'UTC',
  });
}

/** A 4x4 grid city, 250 m blocks; row B is a main street. */
export function gridCityNetwork(): NetworkFile {
  return buildGridNetwork({
    name: 'Demo grid city: 4x4 signals',
    columns: 4,
    rows: 4,
    spacingMetres: 250,
    mainStreetRows: [1],
    speedMetresPerSecond: 13.9,
    sideSpeedMetresPerSecond: 11.1,
    boundaryLinkMetres: 200,
    advanceDetectorMetres: 60,
    timeZone: 'UTC',
  });
}

export const DEMO_NETWORKS = {
  arterial: { file: 'arterial-6.json', build: arterialCorridorNetwork },
  grid: { file: 'grid-4x4.json', build: gridCityNetwork },
} as const;
