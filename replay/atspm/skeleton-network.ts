import { NETWORK_FORMAT, NETWORK_FORMAT_VERSION, validateNetwork, type Detector, type Intersection, type Link, type NetworkFile } from '../../network-models/index.js';
import { compareDevices } from './table.js';
import type { DetectorConfig } from './detector-config.js';

/**
 * Defaults of a network built from a detector configuration alone: nothing in an event log or a detector
 * configuration gives these, so they are stated in the network (`external.atspmSkeleton.defaults`) and in
 * the summary. A network file (`--network`) replaces them.
 */
export const SKELETON_DEFAULTS = {
  approachLengthMetres: 300,
  freeFlowSpeedMetresPerSecond: 13.9,
  saturationFlowVehPerHourPerLane: 1800,
  advanceDistanceMetres: 120,
  minGreenSeconds: 5,
  maxGreenSeconds: 60,
  yellowSeconds: 4,
  allRedSeconds: 2,
  cycleSeconds: 120,
  intersectionSpacingMetres: 500,
} as const;

/** NEMA phases that run together: the two rings' phases at the same place in the same barrier. */
const NEMA_PARTNER: Record<number, number> = { 1: 5, 5: 1, 2: 6, 6: 2, 3: 7, 7: 3, 4: 8, 8: 4 };

/**
 * A network skeleton for replaying an event log with only the controller's detector configuration: each
 * device an intersection; each NEMA phase seen in the log or the configuration an approach link (odd phases
 * a left turn, even ones through) with one lane per detector on it; concurrent ring partners (1+5, 2+6, 3+7,
 * 4+8) one network phase, in NEMA order; every movement conflicting with every movement of another phase; one
 * all-day fallback plan splitting the default cycle evenly. Links, lengths, speeds and saturation flows are
 * the stated defaults unless the configuration gives an approach speed.
 */
export function skeletonNetwork(config: DetectorConfig, phasesSeen: ReadonlyMap<string, ReadonlySet<number>>, timeZone = 'UTC'): NetworkFile {
  const D = SKELETON_DEFAULTS;
  const devices = new Map<string, Set<number>>();
  for (const d of config.detectors) {
    if (d.functions.length === 1 && d.functions[0] === 'Ped') continue;
    (devices.get(d.deviceId) ?? devices.set(d.deviceId, new Set()).get(d.deviceId)!).add(d.phase);
  }
  for (const [device, phases] of phasesSeen) for (const p of phases) (devices.get(device) ?? devices.set(device, new Set()).get(device)!).add(p);
  const intersections: Intersection[] = [];
  const links: Link[] = [];
  const detectors: Detector[] = [];
  [...devices.keys()].sort(compareDevices).forEach((device, di) => {
    const x = `D${device}`;
    const nema = [...devices.get(device)!].sort((a, b) => a - b);
    const groups: number[][] = [];
    for (const n of nema) {
      const partner = NEMA_PARTNER[n];
      const g = partner !== undefined ? groups.find((gr) => gr.includes(partner)) : undefined;
      if (g) g.push(n);
      else groups.push([n]);
    }
    groups.sort((a, b) => Math.min(...a.map(ringPlace)) - Math.min(...b.map(ringPlace)));
    const movements: Intersection['movements'] = [];
    const exit: Link = { id: `${x}:out`, fromIntersectionId: x, toIntersectionId: null, lengthMetres: D.approachLengthMetres, freeFlowSpeedMetresPerSecond: D.freeFlowSpeedMetresPerSecond, lanes: 1 };
    links.push(exit);
    for (const n of nema) {
      const dets = config.detectors.filter((d) => d.deviceId === device && d.phase === n && !(d.functions.length === 1 && d.functions[0] === 'Ped'));
      const stopBar = dets.filter((d) => !d.functions.includes('Advance'));
      const advance = dets.filter((d) => d.functions.includes('Advance'));
      const lanes = Math.min(16, Math.max(1, stopBar.length, advance.length));
      const speed = dets.find((d) => d.approachSpeedMetresPerSecond)?.approachSpeedMetresPerSecond ?? D.freeFlowSpeedMetresPerSecond;
      const farthest = Math.max(0, ...advance.map((d) => d.distanceFromStopBarMetres ?? D.advanceDistanceMetres));
      const link: Link = { id: `${x}:p${n}`, name: `approach of NEMA phase ${n}`, fromIntersectionId: null, toIntersectionId: x, lengthMetres: Math.max(D.approachLengthMetres, farthest + 10), freeFlowSpeedMetresPerSecond: speed, lanes };
      links.push(link);
      movements.push({ id: `${x}:p${n}:${n % 2 === 1 ? 'left' : 'through'}`, fromLinkId: link.id, toLinkId: exit.id, turn: n % 2 === 1 ? 'left' : 'through', fromLaneIndices: Array.from({ length: lanes }, (_, i) => i), saturationFlowVehPerHour: D.saturationFlowVehPerHourPerLane * lanes });
      stopBar.forEach((d, i) => detectors.push({ id: `${x}:ch${d.channel}:p${n}`, intersectionId: x, linkId: link.id, laneIndex: i % lanes, kind: 'stop-line', distanceFromStopLineMetres: 0, channel: d.channel }));
      advance.forEach((d, i) => detectors.push({ id: `${x}:ch${d.channel}:p${n}`, intersectionId: x, linkId: link.id, laneIndex: i % lanes, kind: 'advance', distanceFromStopLineMetres: d.distanceFromStopBarMetres ?? D.advanceDistanceMetres, channel: d.channel }));
    }
    const phaseOfNema = new Map<number, string>();
    const phases: Intersection['phases'] = groups.map((g) => {
      const id = `${x}:${g.join('+')}`;
      for (const n of g) phaseOfNema.set(n, id);
      return { id, movementIds: movements.filter((m) => g.includes(Number(m.fromLinkId.split(':p')[1]))).map((m) => m.id), minGreenSeconds: D.minGreenSeconds, maxGreenSeconds: D.maxGreenSeconds, yellowSeconds: D.yellowSeconds, allRedSeconds: D.allRedSeconds };
    });
    const conflicts: Array<[string, string]> = [];
    for (let a = 0; a < movements.length; a++)
      for (let b = a + 1; b < movements.length; b++) {
        const pa = phaseOfNema.get(Number(movements[a].fromLinkId.split(':p')[1]));
        const pb = phaseOfNema.get(Number(movements[b].fromLinkId.split(':p')[1]));
        if (pa !== pb) conflicts.push([movements[a].id, movements[b].id]);
      }
    const lost = phases.length * (D.yellowSeconds + D.allRedSeconds);
    const green = Math.max(D.minGreenSeconds, Math.min(D.maxGreenSeconds, Math.floor((D.cycleSeconds - lost) / phases.length)));
    intersections.push({
      id: x,
      name: `controller ${device}`,
      position: { xMetres: di * D.intersectionSpacingMetres, yMetres: 0 },
      control: 'signalized',
      movements,
      phases,
      conflicts,
      fallbackPlans: [{ startsAt: '00:00', cycleSeconds: phases.length * (green + D.yellowSeconds + D.allRedSeconds), offsetSeconds: 0, greenSecondsByPhase: Object.fromEntries(phases.map((p) => [p.id, green])) }],
      external: { atspm: { signalId: device, phases: Object.fromEntries(groups.map((g) => [`${x}:${g.join('+')}`, g])) } },
    });
  });
  const network: NetworkFile = {
    format: NETWORK_FORMAT,
    version: NETWORK_FORMAT_VERSION,
    name: `ATSPM detector configuration (${intersections.length} controller${intersections.length === 1 ? '' : 's'})`,
    timeZone,
    intersections,
    links,
    detectors,
    external: { atspmSkeleton: { defaults: SKELETON_DEFAULTS } },
  };
  const checked = validateNetwork(network);
  if (!checked.ok) throw new Error(`the network built from the detector configuration is not valid: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return checked.network;
}

/** Place of a NEMA phase in its ring's sequence (1, 2 | 3, 4 and 5, 6 | 7, 8 run side by side). */
function ringPlace(n: number): number {
  return n <= 8 ? (n - 1) % 4 : n;
}
