import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BufferedOutput } from '../buffered-output.js';
import { Actuations } from './actuations.js';
import { ArrivalOnGreen } from './arrival-on-green.js';
import type { DetectorConfig } from './detector-config.js';
import type { TableCodes } from './event-code-use.js';
import type { AtspmEvent } from './event-log.js';
import { PedDelay } from './ped-delay.js';
import { PhasePcd, type PhasePcds } from './phase-pcd.js';
import { SplitFailureTable } from './split-failure-table.js';
import { MeasuredSplits, Splits } from './splits.js';
import { csvLine, type AtspmMeasure, type AtspmRow, type AtspmTable, type RowSink } from './table.js';
import { Terminations } from './terminations.js';
import { YellowRedActuations } from './yellow-red.js';

export const ATSPM_BIN_MINUTES = 15;
/** The per-phase Purdue Coordination Diagrams, where `eventCodes` names what reads codes. */
export const PHASE_PCDS = 'report.html (per-phase PCDs)';

/**
 * The ATSPM measures of an event log, per phase and per detector, from the log's own events (never from the
 * engine's phase model): fed every event in order, then `finish` gives one table per measure. Definitions
 * and sources: docs/atspm-measures.md.
 */
export class AtspmTables {
  private readonly aog: ArrivalOnGreen;
  private readonly pcd: PhasePcd;
  private readonly measures: AtspmMeasure[];

  /**
   * `timeZone`: the log's, for the per-phase PCDs' day. `streams`: every table is written through it as the log
   * goes (a bin's rows once nothing can change them, split failures a cycle at a time) rather than kept for
   * `finish`, so memory stays flat in the length of the log.
   */
  constructor(config: DetectorConfig, timeZone = 'UTC', binMinutes = ATSPM_BIN_MINUTES, streams?: AtspmTableStreams) {
    const binMs = binMinutes * 60_000;
    this.pcd = new PhasePcd(timeZone);
    const sink: RowSink | undefined = streams ? (file, header) => streams.open(file, header) : undefined;
    this.aog = new ArrivalOnGreen(config, binMs, (device, phase, atMs, green) => this.pcd.arrival(device, phase, atMs, green), sink);
    this.measures = [new Actuations(binMs, sink), this.aog, new SplitFailureTable(config, sink), new Terminations(binMs, sink), new Splits(binMs, sink), new MeasuredSplits(binMs, sink), new YellowRedActuations(config, binMs, sink), new PedDelay(config, binMs, sink)];
  }

  /** Each table's event codes, and the report's per-phase PCDs'. */
  eventCodes(): TableCodes[] {
    return [...this.measures.map((m) => ({ table: m.file, eventCodes: m.eventCodes })), { table: PHASE_PCDS, eventCodes: PhasePcd.eventCodes }];
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

/** CSV files in a directory (created) written a row at a time: the tables that stream. */
export class AtspmTableStreams {
  private readonly outputs: BufferedOutput[] = [];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Opens `file` with its header line; returns what writes a row. */
  open(file: string, header: readonly string[]): (row: AtspmRow) => void {
    const out = new BufferedOutput(join(this.dir, file));
    this.outputs.push(out);
    out.write(`${header.join(',')}\n`);
    return (row) => out.writeLine(csvLine(row));
  }

  /** Flushes and closes every file. */
  async end(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.end()));
  }
}

/** Writes the tables not already streamed as CSV into `dir` (created); returns the files written. */
export function writeAtspmTables(dir: string, tables: AtspmTable[]): string[] {
  mkdirSync(dir, { recursive: true });
  return tables
    .filter((t) => !t.streamed)
    .map((t) => {
      const lines = [t.header.join(','), ...t.rows.map(csvLine)];
      const file = join(dir, t.file);
      writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    });
}
