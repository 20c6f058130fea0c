import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Actuations } from './actuations.js';
import { ArrivalOnGreen } from './arrival-on-green.js';
import type { DetectorConfig } from './detector-config.js';
import type { AtspmEvent } from './event-log.js';
import { PedDelay } from './ped-delay.js';
import { PhasePcd, type PhasePcds } from './phase-pcd.js';
import { SplitFailureTable } from './split-failure-table.js';
import { MeasuredSplits, Splits } from './splits.js';
import type { AtspmMeasure, AtspmTable } from './table.js';
import { Terminations } from './terminations.js';
import { YellowRedActuations } from './yellow-red.js';

export const ATSPM_BIN_MINUTES = 15;

/**
 * The ATSPM measures of an event log, per phase and per detector, from the log's own events (never from the
 * engine's phase model): fed every event in order, then `finish` gives one table per measure. Definitions
 * and sources: docs/atspm-measures.md.
 */
export class AtspmTables {
  private readonly aog: ArrivalOnGreen;
  private readonly pcd: PhasePcd;
  private readonly measures: AtspmMeasure[];

  /** `timeZone`: the log's, for the per-phase PCDs' day. */
  constructor(config: DetectorConfig, timeZone = 'UTC', binMinutes = ATSPM_BIN_MINUTES) {
    const binMs = binMinutes * 60_000;
    this.pcd = new PhasePcd(timeZone);
    this.aog = new ArrivalOnGreen(config, binMs, (device, phase, atMs, green) => this.pcd.arrival(device, phase, atMs, green));
    this.measures = [new Actuations(binMs), this.aog, new SplitFailureTable(config), new Terminations(binMs), new Splits(binMs), new MeasuredSplits(binMs), new YellowRedActuations(config, binMs), new PedDelay(config, binMs)];
  }

  event(e: AtspmEvent): void {
    for (const m of this.measures) m.event(e);
    // After arrivals on green, which judges the arrivals before this event against the state before it.
    this.pcd.event(e);
  }

  finish(): { tables: AtspmTable[]; arrivalsBeforePhaseState: number; phasePcds: PhasePcds | undefined } {
    const tables = this.measures.map((m) => m.finish());
    return { tables, arrivalsBeforePhaseState: this.aog.unjudged, phasePcds: this.pcd.finish() };
  }
}

/** Writes the tables as CSV into `dir` (created); returns the files written. */
export function writeAtspmTables(dir: string, tables: AtspmTable[]): string[] {
  mkdirSync(dir, { recursive: true });
  return tables.map((t) => {
    const lines = [t.header.join(','), ...t.rows.map((r) => r.map(csvField).join(','))];
    const file = join(dir, t.file);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  });
}

function csvField(v: string | number): string | number {
  return typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
