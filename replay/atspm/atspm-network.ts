import { readFileSync } from 'node:fs';
import type { NetworkFile } from '../../network-models/index.js';
import type { DetectorConfig } from './detector-config.js';
import { parseDetectorConfigCsv, type DetectorConfigProblem } from './detector-config-csv.js';
import { phasesInLog } from './phases-in-log.js';
import { SKELETON_DEFAULTS, skeletonNetwork } from './skeleton-network.js';

/** The detector configuration or the network built from it cannot be used: the message says why. */
export class AtspmConfigError extends Error {}

export interface AtspmNetwork {
  network: NetworkFile;
  detectorConfig: DetectorConfig;
  /** Where the configuration came from and, for a skeleton, its stated defaults (for summary.json). */
  detectorConfigSource: string;
}

/**
 * An event log's replay set-up from an ATSPM detector configuration CSV: the configuration, and the network
 * to replay on — `network` when given, else a skeleton built from the configuration and the phases with
 * events in the log (a first pass over it), in `timeZone` (default UTC). Bad rows go to `onProblem`.
 */
export async function atspmNetwork(o: { configPath: string; inputPath: string; network?: NetworkFile; timeZone?: string; onProblem?: (p: DetectorConfigProblem) => void }): Promise<AtspmNetwork> {
  let text: string;
  try {
    text = readFileSync(o.configPath, 'utf8');
  } catch (err) {
    throw new AtspmConfigError(`cannot read the detector configuration ${o.configPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let skipped = 0;
  let ignored = 0;
  let detectorConfig: DetectorConfig;
  try {
    detectorConfig = parseDetectorConfigCsv(text, (p) => {
      if (p.kept) ignored++;
      else skipped++;
      o.onProblem?.(p);
    });
  } catch (err) {
    throw new AtspmConfigError(`${o.configPath}: ${(err as Error).message}`);
  }
  if (detectorConfig.detectors.length === 0) throw new AtspmConfigError(`${o.configPath}: no usable detector rows`);
  const source = `${o.configPath}: ${detectorConfig.detectors.length} detector entries${skipped > 0 ? `, ${skipped} rows skipped` : ''}${ignored > 0 ? `, ${ignored} distances or speeds out of range ignored` : ''}`;
  if (o.network) return { network: o.network, detectorConfig, detectorConfigSource: source };
  let seen: Map<string, Set<number>>;
  try {
    seen = await phasesInLog(o.inputPath);
  } catch (err) {
    throw new AtspmConfigError(`cannot read input ${o.inputPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const network = skeletonNetwork(detectorConfig, seen, o.timeZone ?? 'UTC');
    return { network, detectorConfig, detectorConfigSource: `${source}; network skeleton with stated defaults (${Object.entries(SKELETON_DEFAULTS).map(([k, v]) => `${k} ${v}`).join(', ')})` };
  } catch (err) {
    throw new AtspmConfigError(`${o.configPath}: ${(err as Error).message}`);
  }
}
