import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { asyncScheduler, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { DayRecord } from './day-record.js';
import { localDayOf, type LocalDay } from './local-day.js';

export interface DayFileWriterOptions {
  /** Directory of the day files (created if missing). */
  directory: string;
  /** IANA time zone whose midnight rotates the files (the network's). Default 'UTC'. */
  timeZone?: string;
  /** File names are `${prefix}-YYYY-MM-DD.ndjson.gz`. Default 'greenwave'. */
  prefix?: string;
  /**
   * Buffered records are written out at least this often, ms. This is the loss bound: a process killed
   * outright loses at most the records of the last `flushIntervalMs` (plus the one write in progress, which
   * the reader skips as a torn line). Default 1000.
   */
  flushIntervalMs?: number;
  /** Overflow policy: when the buffer grows past this many bytes it is written out at once. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** fsync after each flush: survives power loss too, at a cost in I/O. Default false (survives process crashes). */
  fsync?: boolean;
  /** Drives the flush timer; asyncScheduler by default. */
  scheduler?: SchedulerLike;
  logger?: Logger;
}

export const DEFAULT_FLUSH_INTERVAL_MS = 1000;
export const DEFAULT_MAX_BUFFERED_BYTES = 1 << 20;

/**
 * Append-only recorder of day files: NDJSON, gzip-compressed, one file per local day (rotated at local
 * midnight by the records' own time `atMs`). Each flush appends one complete gzip member, so the file is
 * never rewritten and is readable by any gunzip up to the last complete flush. A restarted process appends
 * to the day's file. `write` never throws: a failed write is logged and counted, and its batch is dropped.
 */
export class DayFileWriter {
  readonly counters = { records: 0, flushes: 0, bytesWritten: 0, writeErrors: 0, recordsDropped: 0 };
  private readonly directory: string;
  private readonly timeZone: string;
  private readonly prefix: string;
  private readonly maxBufferedBytes: number;
  private readonly fsync: boolean;
  private readonly logger: Logger | undefined;
  private readonly timer: Subscription;
  private day: LocalDay | undefined;
  private fd: number | undefined;
  private lines: string[] = [];
  private bufferedBytes = 0;
  private closed = false;

  constructor(options: DayFileWriterOptions) {
    this.directory = options.directory;
    this.timeZone = options.timeZone ?? 'UTC';
    this.prefix = options.prefix ?? 'greenwave';
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.fsync = options.fsync ?? false;
    this.logger = options.logger;
    mkdirSync(this.directory, { recursive: true });
    const period = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    const scheduler = options.scheduler ?? asyncScheduler;
    const flushNow = () => this.flush();
    this.timer = scheduler.schedule(function (this: SchedulerAction<undefined>) {
      flushNow();
      this.schedule(undefined, period);
    }, period);
  }

  /** Path of the file a record at `atMs` goes to. */
  pathFor(atMs: number): string {
    return join(this.directory, `${this.prefix}-${localDayOf(atMs, this.timeZone).date}.ndjson.gz`);
  }

  /** Buffers one record; it reaches the file at the next flush (at most `flushIntervalMs` later). */
  write(record: DayRecord): void {
    if (this.closed) {
      this.counters.recordsDropped++;
      return;
    }
    if (!this.day || record.atMs < this.day.startMs || record.atMs >= this.day.endMs) {
      this.flush();
      this.rotate(record.atMs);
    }
    const line = `${JSON.stringify(record)}\n`;
    this.lines.push(line);
    this.bufferedBytes += line.length;
    this.counters.records++;
    if (this.bufferedBytes >= this.maxBufferedBytes) this.flush();
  }

  /** Appends the buffered records to the day file as one gzip member. */
  flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    const count = this.lines.length;
    this.lines = [];
    this.bufferedBytes = 0;
    if (this.fd === undefined) {
      this.counters.recordsDropped += count;
      return;
    }
    try {
      const member = gzipSync(text);
      writeSync(this.fd, member);
      if (this.fsync) fsyncSync(this.fd);
      this.counters.flushes++;
      this.counters.bytesWritten += member.length;
    } catch (err) {
      this.counters.writeErrors++;
      this.counters.recordsDropped += count;
      this.logger?.error({ err, records: count, file: this.day?.date }, 'day file write failed; records dropped');
    }
  }

  /** Flushes and closes the file; later writes are dropped. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.timer.unsubscribe();
    this.closeFile();
  }

  private rotate(atMs: number): void {
    this.closeFile();
    this.day = localDayOf(atMs, this.timeZone);
    const path = join(this.directory, `${this.prefix}-${this.day.date}.ndjson.gz`);
    try {
      this.fd = openSync(path, 'a');
      this.logger?.info({ file: path }, 'recording day file');
    } catch (err) {
      this.fd = undefined;
      this.counters.writeErrors++;
      this.logger?.error({ err, file: path }, 'cannot open day file; records of this day are dropped');
    }
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch (err) {
      this.logger?.warn({ err }, 'closing day file failed');
    }
    this.fd = undefined;
  }
}
