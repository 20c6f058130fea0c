import { isDayLineProblem, readDayRecordBatches } from '../adapters/files/index.js';
import type { NetworkFile } from '../network-models/index.js';

/** What the count records of a day file (or bare counts) say about it: whose detectors, and when. */
export interface InputScan {
  /** Count records read (all of them, or the first `maxCounts`). */
  counts: number;
  /** Of those, records of a detector of the network. */
  known: number;
  /** Distinct detector ids seen, of the network and not, a few of each for the message. */
  knownIds: string[];
  unknownIds: string[];
  distinctKnown: number;
  distinctUnknown: number;
  /** Time of the first and last count read, epoch ms (undefined: no count). */
  firstAtMs?: number;
  lastAtMs?: number;
}

const EXAMPLES = 4;

/** Reads the count records of `path` (at most `maxCounts` of them) and sorts their detectors into the network's and others. */
export async function scanCounts(path: string, network: NetworkFile, maxCounts = Infinity): Promise<InputScan> {
  const detectors = new Set(network.detectors.map((d) => d.id));
  const known = new Set<string>();
  const unknown = new Set<string>();
  const scan: InputScan = { counts: 0, known: 0, knownIds: [], unknownIds: [], distinctKnown: 0, distinctUnknown: 0 };
  outer: for await (const batch of readDayRecordBatches(path)) {
    for (const line of batch) {
      if (isDayLineProblem(line) || line.kind !== 'count') continue;
      const id = (line.record as { detectorId?: unknown } | null)?.detectorId;
      if (typeof id !== 'string') continue;
      scan.counts++;
      // a count covers its interval: the input starts where the first one's interval starts
      const interval = (line.record as { intervalSeconds?: unknown }).intervalSeconds;
      const startMs = typeof interval === 'number' && interval > 0 && interval <= 3600 ? line.atMs - interval * 1000 : line.atMs;
      scan.firstAtMs = Math.min(scan.firstAtMs ?? Infinity, startMs);
      scan.lastAtMs = Math.max(scan.lastAtMs ?? -Infinity, line.atMs);
      if (detectors.has(id)) {
        scan.known++;
        known.add(id);
      } else unknown.add(id);
      if (scan.counts >= maxCounts) break outer;
    }
  }
  scan.distinctKnown = known.size;
  scan.distinctUnknown = unknown.size;
  scan.knownIds = [...known].slice(0, EXAMPLES);
  scan.unknownIds = [...unknown].slice(0, EXAMPLES);
  return scan;
}

/**
 * Share of count records that must be of the network's detectors. A day recorded on the network has a few
 * strays at most (a misconfigured device); a day of another network shares at best some ids by coincidence
 * (the demo arterial's day on the demo grid: 53 %), and replaying it would measure mixed data.
 */
export const MIN_KNOWN_COUNT_SHARE = 0.8;

/**
 * Why an input cannot be replayed on this network, or undefined: when fewer than MIN_KNOWN_COUNT_SHARE of its
 * count records are of the network's detectors, it was recorded on another network (what matched is named).
 */
export function foreignInputReason(scan: InputScan, network: NetworkFile): string | undefined {
  if (scan.counts === 0 || scan.known >= MIN_KNOWN_COUNT_SHARE * scan.counts) return undefined;
  const list = (ids: string[], n: number) => `${ids.join(', ')}${n > ids.length ? `, ... (${n} in all)` : ''}`;
  return (
    `only ${scan.known} of ${scan.counts} counts read (${Math.round((100 * scan.known) / scan.counts)} %) are of detectors of ${network.name} (at least ${MIN_KNOWN_COUNT_SHARE * 100} % must be): ` +
    `matched ${scan.distinctKnown ? list(scan.knownIds, scan.distinctKnown) : 'none'}; not in the network ${list(scan.unknownIds, scan.distinctUnknown)}. ` +
    'Was the day recorded on another network? Pass that network with --network.'
  );
}

/** A time in a zone, labelled with it: "2026-11-23 06:00 UTC", "2026-11-23 06:00 America/Denver (UTC-07:00)". */
export function zonedTime(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const offset = parts.timeZoneName === 'GMT' ? 'UTC' : parts.timeZoneName.replace('GMT', 'UTC');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone === 'UTC' ? 'UTC' : `${timeZone} (${offset})`}`;
}
