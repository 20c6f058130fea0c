import type { DetectorConfig } from './detector-config.js';
import type { AtspmEvent } from './event-log.js';
import { BinnedTable, binOf, fixed, formatLocal, type AtspmMeasure, type AtspmTable, type RowSink } from './table.js';

const BEGIN_WALK = 21;
const BEGIN_CLEARANCE = 22;
const PED_CALL = 45;
const PED_DETECTOR_ON = 90;

interface PedPhase {
  /** Walk shown (21 seen, 22 not yet). */
  walking: boolean;
  /** First call since the last walk ended, epoch ms; NaN when none is waiting. */
  waitingSince: number;
}

/**
 * Pedestrian delay (UDOT ATSPM "Pedestrian Delay"): the wait from the first pedestrian call after a phase's
 * walk ended to the phase's next begin walk (21). Calls are the ped call registered (45, parameter the phase)
 * and the ped detector on (90, parameter the channel: the phases of its `Ped` detectors, else the phase of the
 * same number). Calls during a walk are served by it; calls before the log's first walk or clearance event of
 * the phase (state unknown) are not judged. Per phase and bin of the walk: walks that served a waiting call
 * (`Ped_Services`), their mean and longest wait, seconds.
 */
export class PedDelay implements AtspmMeasure {
  readonly file = 'ped_delay.csv';
  /** Begin walk, begin pedestrian clearance, pedestrian call, pedestrian detector on. */
  readonly eventCodes = [BEGIN_WALK, BEGIN_CLEARANCE, PED_CALL, PED_DETECTOR_ON];
  private readonly table: BinnedTable<{ services: number; sum: number; max: number }>;
  private readonly phases = new Map<string, PedPhase>();

  constructor(
    private readonly config: DetectorConfig,
    private readonly binMs: number,
    sink?: RowSink,
  ) {
    this.table = new BinnedTable(this.file, ['TimeStamp', 'DeviceId', 'Phase', 'Ped_Services', 'Average_Delay', 'Max_Delay'], () => ({ services: 0, sum: 0, max: 0 }), binMs, (r) => [formatLocal(r.bin), r.device, r.keys[0], r.value.services, fixed(r.value.sum / r.value.services, 3), fixed(r.value.max, 3)], sink);
  }

  event(e: AtspmEvent): void {
    this.walk(e);
    this.table.advance(e.localMs);
  }

  private walk(e: AtspmEvent): void {
    switch (e.code) {
      case BEGIN_WALK: {
        const p = this.phase(e.deviceId, e.param);
        if (Number.isFinite(p.waitingSince)) {
          const waited = (e.atMs - p.waitingSince) / 1000;
          const v = this.table.tally.at(binOf(e.localMs, this.binMs), e.deviceId, e.param);
          v.services++;
          v.sum += waited;
          if (waited > v.max) v.max = waited;
        }
        p.walking = true;
        p.waitingSince = NaN;
        return;
      }
      case BEGIN_CLEARANCE:
        this.phase(e.deviceId, e.param).walking = false;
        return;
      case PED_CALL:
        return this.call(e.deviceId, e.param, e.atMs);
      case PED_DETECTOR_ON: {
        const peds = (this.config.of(e.deviceId, e.param) ?? []).filter((d) => d.functions.includes('Ped'));
        if (peds.length === 0) this.call(e.deviceId, e.param, e.atMs);
        for (const d of peds) this.call(e.deviceId, d.phase, e.atMs);
        return;
      }
      default:
    }
  }

  finish(): AtspmTable {
    return this.table.finish();
  }

  private call(device: string, phase: number, t: number): void {
    const p = this.phases.get(`${device}\u0000${phase}`);
    if (!p || p.walking || Number.isFinite(p.waitingSince)) return;
    p.waitingSince = t;
  }

  private phase(device: string, phase: number): PedPhase {
    const key = `${device}\u0000${phase}`;
    let p = this.phases.get(key);
    if (!p) this.phases.set(key, (p = { walking: false, waitingSince: NaN }));
    return p;
  }
}
