import { readLineBatches } from '../../adapters/files/index.js';
import { EventLogReader, isEventLogProblem } from './event-log.js';

/** NEMA phases with phase events (1 green, 8 yellow, 10 red clearance) in an event log, per device: a first pass over the file. */
export async function phasesInLog(path: string): Promise<Map<string, Set<number>>> {
  const reader = new EventLogReader('UTC');
  const out = new Map<string, Set<number>>();
  for await (const batch of readLineBatches(path)) {
    for (let i = 0; i < batch.lines.length; i++) {
      const e = reader.read(batch.firstLineNo + i, batch.lines[i]);
      if (!e || isEventLogProblem(e) || (e.code !== 1 && e.code !== 8 && e.code !== 10) || e.param < 1 || e.param > 16) continue;
      (out.get(e.deviceId) ?? out.set(e.deviceId, new Set()).get(e.deviceId)!).add(e.param);
    }
  }
  return out;
}
