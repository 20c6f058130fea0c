import type { InputQuality, ReplaySumoSummary } from '../replay-summary.js';
import type { EventCodeUse } from './event-code-use.js';

/** More than this share of rows rejected: the run is flagged and its figures are not headlined. */
export const MOSTLY_REJECTED_SHARE = 0.5;
/** A SUMO run that left more than this share of its vehicles unserved (not inserted, or not arrived) jammed. */
export const JAMMED_SHARE = 0.1;

export interface InputCounts {
  rows: number;
  rejectedByReason: Record<string, number>;
  eventCodes?: EventCodeUse;
  unmappedChannels?: Record<string, number>;
  unknownDevices?: Record<string, number>;
  unmappedPhases?: Record<string, number>;
  repeatedDetectorOns?: number;
}

/** The SUMO runs that jammed, each as a flag: their time loss is no fair comparison. */
export function sumoJams(sumo: ReplaySumoSummary): string[] {
  const jams: string[] = [];
  for (const [name, run] of [['actual plans', sumo.actual], ['engine', sumo.engine]] as const) {
    const unserved = run.vehicles > 0 ? (run.vehicles - run.arrived) / run.vehicles : 0;
    const notInserted = sumo.vehicles > 0 ? run.notInserted / sumo.vehicles : 0;
    if (unserved > JAMMED_SHARE || notInserted > JAMMED_SHARE || run.teleports > JAMMED_SHARE * run.vehicles)
      jams.push(`the SUMO run under the ${name} jammed (${run.arrived} of ${run.vehicles} vehicles arrived, ${run.notInserted} not inserted, ${run.teleports} teleports): its time loss is not a fair comparison`);
  }
  return jams;
}

/**
 * What the input was worth, for the top of summary.json and of the report: rows, rejected rows with their
 * reasons, who read which event codes, unmapped channels, devices and phases, and flags that say why the results must not be read as a
 * saving (most rows rejected, nothing usable, a SUMO run that jammed).
 */
export function inputQuality(counts: InputCounts, usable: number, sumo?: ReplaySumoSummary): InputQuality {
  const rejected = Object.values(counts.rejectedByReason).reduce((a, b) => a + b, 0);
  const rejectedShare = counts.rows > 0 ? rejected / counts.rows : 0;
  const flags: string[] = [];
  if (rejectedShare > MOSTLY_REJECTED_SHARE)
    flags.push(`most of the input was rejected (${rejected.toLocaleString('en')} of ${counts.rows.toLocaleString('en')} rows, ${(100 * rejectedShare).toFixed(1)} %): the figures cover only the rest`);
  if (usable === 0) flags.push('nothing in the input could be used: there is nothing to compare');
  if (sumo) flags.push(...sumoJams(sumo));
  return {
    rows: counts.rows,
    rejected,
    rejectedShare: Math.round(rejectedShare * 10_000) / 10_000,
    rejectedByReason: counts.rejectedByReason,
    ...(counts.eventCodes ? { eventCodes: counts.eventCodes } : {}),
    ...(counts.unmappedChannels ? { unmappedChannels: counts.unmappedChannels } : {}),
    ...(counts.unknownDevices ? { unknownDevices: counts.unknownDevices } : {}),
    ...(counts.unmappedPhases ? { unmappedPhases: counts.unmappedPhases } : {}),
    ...(counts.repeatedDetectorOns !== undefined ? { repeatedDetectorOns: counts.repeatedDetectorOns } : {}),
    flags,
  };
}
