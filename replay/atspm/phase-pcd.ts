import { localDayOf } from '../../adapters/files/index.js';
import { PCD_COLUMN_SECONDS, PCD_MAX_CYCLE_SECONDS, type PcdApproach } from '../pcd-raster.js';
import type { AtspmEvent } from './event-log.js';

/** Devices whose phases get PCDs in the report (the first ones, by id): each phase's raster is ~115 kB a day. */
export const PHASE_PCD_DEVICES = 4;

/** The phase PCDs of a log, drawn like the replay's approach PCDs. */
export interface PhasePcds {
  originSeconds: number;
  columns: number;
  approaches: PcdApproach[];
}

interface PhaseCycle {
  pcd: PcdApproach;
  /** Start of the current cycle (begin red clearance, 10, or end of yellow, 9), epoch ms; NaN before the first. */
  redStartMs: number;
  greenStartMs: number;
  yellowStartMs: number;
  /** Red since the cycle began (9 or 10 seen, no green since). */
  inRed: boolean;
}

/**
 * Purdue Coordination Diagrams per phase, from the log's own events: each arrival at the stop bar of a phase's
 * advance detectors (as judged for arrivals on green) lands at its time of day and its seconds since the start
 * of the phase's red, the cycle starting at red as in ATSPM; each cycle adds its green start (1) and end (8),
 * seconds into it, to the column's mean lines. Fixed-size rasters (5-minute columns × 1 s), so memory does not
 * grow with traffic; the log's first day only.
 */
export class PhasePcd {
  /** Phase begin green, yellow, end yellow, red clearance; its arrivals are arrival_on_green.csv's (detector on). */
  static readonly eventCodes: readonly number[] = [1, 8, 9, 10, 82];
  private readonly phases = new Map<string, PhaseCycle>();
  private readonly devices: string[] = [];
  private origin: { originSeconds: number; columns: number } | undefined;

  constructor(private readonly timeZone: string) {}

  /** Phase events, in order (call after the arrivals judged before them). */
  event(e: AtspmEvent): void {
    if (e.code !== 1 && e.code !== 8 && e.code !== 9 && e.code !== 10) return;
    const p = this.phase(e.deviceId, e.param, e.atMs);
    if (!p) return;
    if (e.code === 1) {
      p.greenStartMs = e.atMs;
      p.inRed = false;
    } else if (e.code === 8) p.yellowStartMs = e.atMs;
    else if (!p.inRed) {
      p.inRed = true;
      // A new cycle at the first 9 or 10 after a green: the one ending gives its green to the mean lines.
      if (Number.isFinite(p.redStartMs) && p.greenStartMs > p.redStartMs && p.yellowStartMs > p.greenStartMs) {
        const col = this.column(p.redStartMs);
        if (col >= 0) {
          p.pcd.greenStartSum[col] += (p.greenStartMs - p.redStartMs) / 1000;
          p.pcd.greenEndSum[col] += (p.yellowStartMs - p.redStartMs) / 1000;
          p.pcd.cycles[col]++;
        }
      }
      p.redStartMs = e.atMs;
    }
  }

  /** An arrival at the stop bar of a phase's advance detectors, judged green or not. */
  arrival(deviceId: string, phase: number, atMs: number, green: boolean): void {
    const p = this.phase(deviceId, phase, atMs);
    if (!p || !Number.isFinite(p.redStartMs)) return;
    p.pcd.arrivals++;
    if (green) p.pcd.onGreen++;
    const col = this.column(atMs);
    if (col < 0) return;
    const row = Math.min(PCD_MAX_CYCLE_SECONDS - 1, Math.floor((atMs - p.redStartMs) / 1000));
    const i = col * PCD_MAX_CYCLE_SECONDS + row;
    if (p.pcd.cells[i] < 65535) p.pcd.cells[i]++;
  }

  finish(): PhasePcds | undefined {
    if (!this.origin) return undefined;
    const approaches = [...this.phases.values()].map((p) => p.pcd).filter((a) => a.arrivals > 0);
    approaches.sort((a, b) => (a.intersectionId < b.intersectionId ? -1 : a.intersectionId > b.intersectionId ? 1 : 0) || phaseOf(a) - phaseOf(b));
    return { ...this.origin, approaches };
  }

  private phase(deviceId: string, phase: number, atMs: number): PhaseCycle | undefined {
    const key = `${deviceId}\u0000${phase}`;
    let p = this.phases.get(key);
    if (p) return p;
    if (!this.devices.includes(deviceId)) {
      if (this.devices.length >= PHASE_PCD_DEVICES) return undefined;
      this.devices.push(deviceId);
    }
    if (!this.origin) {
      const day = localDayOf(atMs, this.timeZone);
      this.origin = { originSeconds: day.startMs / 1000, columns: Math.ceil((day.endMs - day.startMs) / 1000 / PCD_COLUMN_SECONDS) };
    }
    const columns = this.origin.columns;
    p = {
      pcd: { intersectionId: deviceId, linkId: `phase ${phase}`, cells: new Uint16Array(columns * PCD_MAX_CYCLE_SECONDS), greenStartSum: new Float64Array(columns), greenEndSum: new Float64Array(columns), cycles: new Float64Array(columns), arrivals: 0, onGreen: 0 },
      redStartMs: NaN,
      greenStartMs: NaN,
      yellowStartMs: NaN,
      inRed: false,
    };
    this.phases.set(key, p);
    return p;
  }

  private column(atMs: number): number {
    const col = Math.floor((atMs / 1000 - this.origin!.originSeconds) / PCD_COLUMN_SECONDS);
    return col >= 0 && col < this.origin!.columns ? col : -1;
  }
}

function phaseOf(a: PcdApproach): number {
  return Number(a.linkId.slice('phase '.length));
}
