import type { DetectorTracker } from '../../../engine/index.js';
import type { InductionLoopStep } from '../traci/domains/induction-loop-domain.js';
import { DetectorCounter } from './detector-counter.js';

/** Asks for a loop's occupancy of the step just read; the answer comes later, before the next step's is needed. */
export type OccupancyRequest = (id: string, onValue: (occupancy: number) => void) => void;

/**
 * Feeds each step's induction loop readings to the interval counts and to the actuation's detector tracker,
 * reading only the loops whose reading can change either: those that showed a vehicle or an occupancy in the
 * last step, and those whose reading changed. Every other loop is empty and unchanged since a step in which it
 * was read empty, so reading it again would change nothing; most loops are empty most of the time.
 *
 * With `requestOccupancy`, the readings carry vehicles only (occupancy 0) and the occupancy of each loop showing
 * a vehicle is asked for apart: SUMO's occupancy of a loop without a vehicle is 0 (its vehicles are among those
 * it reports), and it only goes into the interval counts, so it may arrive after the step's actuation.
 */
export class LoopFeed {
  readonly counter: DetectorCounter;
  private readonly index = new Map<string, number>();
  /** Loops to read in the next step, by index in `ids`. */
  private readonly due: Uint8Array;
  private readonly addOccupancy: Array<(occupancy: number) => void>;
  /** The tracker's reading, one object for every loop (it keeps nothing of it). */
  private readonly reading = { occupied: false, arrivals: 0 };

  constructor(
    private readonly ids: readonly string[],
    private readonly tracker: DetectorTracker,
    private readonly requestOccupancy?: OccupancyRequest,
  ) {
    const counter = new DetectorCounter(ids);
    this.counter = counter;
    ids.forEach((id, i) => this.index.set(id, i));
    this.addOccupancy = ids.map((id) => (occupancy: number) => counter.addOccupancy(id, occupancy));
    // the first step reads every loop
    this.due = new Uint8Array(ids.length).fill(1);
  }

  /**
   * One step, at simulation time `t`: `changed` lists (at least) the loops whose reading is not the same object
   * as in the step before; `read` gives a loop's reading (undefined: none).
   */
  step(t: number, changed: Iterable<string>, read: (id: string) => InductionLoopStep | undefined): void {
    const due = this.due;
    for (const id of changed) {
      const i = this.index.get(id);
      if (i !== undefined) due[i] = 1;
    }
    const counter = this.counter;
    const reading = this.reading;
    counter.beginStep();
    for (let i = 0; i < due.length; i++) {
      if (!due[i]) continue;
      const id = this.ids[i];
      const r = read(id);
      if (!r) {
        due[i] = 0;
        continue;
      }
      reading.occupied = r.vehicleIds.length > 0;
      reading.arrivals = counter.addReading(i, r);
      this.tracker.observe(t, id, reading);
      if (reading.occupied) this.requestOccupancy?.(id, this.addOccupancy[i]);
      due[i] = reading.occupied || r.occupancy !== 0 ? 1 : 0;
    }
  }
}
