import { describe, expect, it } from 'vitest';
import { inputQuality } from '../../replay/atspm/input-quality.js';
import type { ReplaySumoRun, ReplaySumoSummary } from '../../replay/replay-summary.js';

const run = (over: Partial<ReplaySumoRun>): ReplaySumoRun => ({ control: 'x', meanTimeLoss: 30, vehicles: 1000, arrived: 1000, notInserted: 0, teleports: 0, planUpdates: 0, wallSeconds: 1, ...over });
const sumo = (actual: Partial<ReplaySumoRun>, engine: Partial<ReplaySumoRun>) => ({ vehicles: 1000, actual: run(actual), engine: run(engine) }) as ReplaySumoSummary;

describe('input quality', () => {
  it('counts rejected rows by reason and flags nothing when most rows were used', () => {
    const q = inputQuality({ rows: 1000, rejectedByReason: { GW_ATSPM_TIMESTAMP: 3, GW_ATSPM_NUMBER: 1 } }, 996);
    expect(q).toMatchObject({ rows: 1000, rejected: 4, rejectedShare: 0.004, flags: [] });
  });

  it('flags a run with more than half its rows rejected (85 % of a .NET file with 7 fractional digits, before they were read)', () => {
    const q = inputQuality({ rows: 2000, rejectedByReason: { GW_ATSPM_TIMESTAMP: 1700 } }, 300);
    expect(q.rejectedShare).toBe(0.85);
    expect(q.flags).toEqual(['most of the input was rejected (1,700 of 2,000 rows, 85.0 %): the figures cover only the rest']);
    // Exactly half is not "most".
    expect(inputQuality({ rows: 10, rejectedByReason: { x: 5 } }, 5).flags).toEqual([]);
  });

  it('flags nothing usable, and a SUMO run that jammed', () => {
    expect(inputQuality({ rows: 5, rejectedByReason: {} }, 0).flags).toEqual(['nothing in the input could be used: there is nothing to compare']);
    const jammed = inputQuality({ rows: 10, rejectedByReason: {} }, 10, sumo({}, { arrived: 700, notInserted: 250 }));
    expect(jammed.flags).toHaveLength(1);
    expect(jammed.flags[0]).toMatch(/^the SUMO run under the engine jammed \(700 of 1000 vehicles arrived, 250 not inserted/);
    expect(inputQuality({ rows: 10, rejectedByReason: {} }, 10, sumo({ arrived: 950 }, { teleports: 20 })).flags).toEqual([]);
  });
});
