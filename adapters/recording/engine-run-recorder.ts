import { localDayOf, type DayFileWriter, type DayRecord } from '../files/index.js';

/** Where a live engine run started and how it was configured, as `greenwave plan` needs it to start there too. */
export interface RecordedEngineStart {
  /** Engine time of the run's start. */
  atMs: number;
  planVersionBase: number;
  optimisationPeriodSeconds: number;
  /** The engine configuration the run was given. */
  engine: unknown;
}

/**
 * The day files of one live engine run. The first starts with the run's `engine-start`; the writer rotates at local
 * midnight, and each later day file starts with the same `engine-start` again (configuration, plan version base,
 * period), marked as continuing the run (`continuesRunFromMs`: the run's start, whose planning instants the engine
 * keeps; `engineAtMs`: the engine's clock at the rotation), while the day before ends with an `engine-day-end` at
 * its last millisecond. So `greenwave plan` on any one day file knows the engine it replays, and where the run
 * began: it replays the days before to the engine's state at midnight, or says it cannot.
 */
export class EngineRunRecorder {
  /** End of the latest local day written (engine time). */
  private dayEndMs: number;

  constructor(
    private readonly writer: Pick<DayFileWriter, 'write'>,
    private readonly timeZone: string,
    private readonly start: RecordedEngineStart,
  ) {
    this.dayEndMs = localDayOf(start.atMs, timeZone).endMs;
    writer.write({ kind: 'fault', atMs: start.atMs, event: this.startEvent() });
  }

  write(record: DayRecord): void {
    // records come in engine time, in order; one stamped earlier (a fault dated at its count) stays in its day
    if (record.atMs >= this.dayEndMs) {
      const day = localDayOf(record.atMs, this.timeZone);
      this.writer.write({ kind: 'fault', atMs: this.dayEndMs - 1, event: { type: 'engine-day-end', nextDay: day.date } });
      this.writer.write({ kind: 'fault', atMs: record.atMs, event: { ...this.startEvent(), continuesRunFromMs: this.start.atMs, engineAtMs: record.atMs } });
      this.dayEndMs = day.endMs;
    }
    this.writer.write(record);
  }

  /** The run's end, at the engine's clock when it stopped: `plan` fires the planning instants up to it. */
  stop(engineAtMs: number): void {
    this.write({ kind: 'fault', atMs: engineAtMs, event: { type: 'engine-stop' } });
  }

  private startEvent() {
    const { planVersionBase, optimisationPeriodSeconds, engine } = this.start;
    return { type: 'engine-start', planVersionBase, optimisationPeriodSeconds, engine };
  }
}
