import type { NetworkFile } from '../../network-models/index.js';
import { measuredNetwork } from '../measured-lanes.js';

/**
 * What each detector channel of a controller is for, as ATSPM detector configurations say it (the Python
 * `atspm` package's `DeviceId,Phase,Parameter,Function`; UDOT's detection types):
 * - `Advance`: advance counting, for arrivals on green and PCDs;
 * - `Presence`: stop-bar presence, for split failures;
 * - `Yellow_Red`: stop-bar, for actuations in yellow and red (red-light running);
 * - `Count`: lane-by-lane counts (actuations only);
 * - `Ped`: pedestrian push button (its events, 90, carry the channel; the calls, 45, carry the phase).
 */
export type DetectorFunction = 'Advance' | 'Presence' | 'Yellow_Red' | 'Count' | 'Ped';

export interface AtspmDetector {
  deviceId: string;
  /** Controller input channel: the parameter of its 81/82 (or 89/90) events. */
  channel: number;
  /** NEMA phase the detector calls. */
  phase: number;
  functions: DetectorFunction[];
  /** Distance upstream of the stop bar, metres, and approach speed, m/s: advance arrivals move to the stop bar. */
  distanceFromStopBarMetres?: number;
  approachSpeedMetresPerSecond?: number;
}

/** Detectors of one device by channel (a channel may call several phases: one entry each). */
export class DetectorConfig {
  private readonly byChannel = new Map<string, AtspmDetector[]>();

  constructor(readonly detectors: readonly AtspmDetector[]) {
    for (const d of detectors) {
      const key = `${d.deviceId}\u0000${d.channel}`;
      const list = this.byChannel.get(key);
      if (list) list.push(d);
      else this.byChannel.set(key, [d]);
    }
  }

  /** Entries of a device's channel, or undefined when it is not configured. */
  of(deviceId: string, channel: number): readonly AtspmDetector[] | undefined {
    return this.byChannel.get(`${deviceId}\u0000${channel}`);
  }
}

/**
 * The detector configuration a network file implies: each signalised intersection is the device
 * `external.atspm.signalId` (default its id), its phases NEMA `external.atspm.phases` (default the i-th phase
 * is i + 1), and each detector with a `channel` calls the NEMA phases of the phase serving its lane: advance
 * detectors are `Advance` (moved to the stop bar at the link's free-flow speed), stop-line ones `Presence` and
 * `Yellow_Red`.
 */
export function detectorConfigOfNetwork(network: NetworkFile): DetectorConfig {
  const net = measuredNetwork(network);
  const links = new Map(network.links.map((l) => [l.id, l]));
  const out: AtspmDetector[] = [];
  network.detectors.forEach((d, di) => {
    if (d.channel === undefined) return;
    const xi = net.intersectionOfDetector[di];
    const pi = net.phaseOfDetector[di];
    if (xi < 0 || pi < 0) return;
    const x = network.intersections.find((i) => i.id === net.intersections[xi].id)!;
    const ext = (x.external?.atspm ?? {}) as { signalId?: string | number; phases?: Record<string, number[]> };
    const phaseId = x.phases[pi].id;
    const nema = ext.phases?.[phaseId] ?? [pi + 1];
    const advance = d.kind !== 'stop-line';
    for (const phase of nema)
      out.push({
        deviceId: String(ext.signalId ?? x.id),
        channel: d.channel,
        phase,
        functions: advance ? ['Advance'] : ['Presence', 'Yellow_Red'],
        ...(advance ? { distanceFromStopBarMetres: d.distanceFromStopLineMetres, approachSpeedMetresPerSecond: links.get(d.linkId)?.freeFlowSpeedMetresPerSecond ?? 13.9 } : {}),
      });
  });
  return new DetectorConfig(out);
}
