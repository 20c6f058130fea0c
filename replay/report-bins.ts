import type { BinRow } from './replay-summary.js';

/** What the report draws of a 15-minute row: its entering flow, and both plan sets' cycle and degree of saturation. */
export interface ReportBin {
  intersectionId: string;
  binStartMs: number;
  flowVehPerHour: number;
  actual: { cycleSeconds: number; maxDegreeOfSaturation: number };
  engine: { cycleSeconds: number; maxDegreeOfSaturation: number };
}

/** Numbers kept a row: intersection, bin start, flow, actual cycle, engine cycle, actual x, engine x. */
const FIELDS = 7;

/**
 * The report's figures of every 15-minute row, in the order the rows were written, kept as numbers: the rows
 * themselves go to bins.ndjson and are not kept. A day of 100 signals holds 9,600 rows: as objects about 7 MB of
 * the heap, here 0.5 MB (a double each, exact).
 */
export class ReportBins {
  private readonly ids: string[] = [];
  private readonly idIndex = new Map<string, number>();
  private values = new Float64Array(FIELDS * 1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  add(row: BinRow): void {
    let id = this.idIndex.get(row.intersectionId);
    if (id === undefined) {
      id = this.ids.length;
      this.ids.push(row.intersectionId);
      this.idIndex.set(row.intersectionId, id);
    }
    if ((this.count + 1) * FIELDS > this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    const v = this.values;
    const i = this.count++ * FIELDS;
    v[i] = id;
    v[i + 1] = row.binStartMs;
    v[i + 2] = row.flowVehPerHour;
    v[i + 3] = row.actual.cycleSeconds;
    v[i + 4] = row.engine.cycleSeconds;
    v[i + 5] = row.actual.maxDegreeOfSaturation;
    v[i + 6] = row.engine.maxDegreeOfSaturation;
  }

  /** The rows' figures in the order they were added. */
  *rows(): IterableIterator<ReportBin> {
    const v = this.values;
    for (let i = 0; i < this.count * FIELDS; i += FIELDS)
      yield {
        intersectionId: this.ids[v[i]],
        binStartMs: v[i + 1],
        flowVehPerHour: v[i + 2],
        actual: { cycleSeconds: v[i + 3], maxDegreeOfSaturation: v[i + 5] },
        engine: { cycleSeconds: v[i + 4], maxDegreeOfSaturation: v[i + 6] },
      };
  }
}
