import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { percentile, summarizeTripinfo } from '../../adapters/sumo/tripinfo-summary.js';

// as SUMO 1.15 writes them with --tripinfo-output.write-unfinished and --tripinfo-output.write-undeparted
const TRIPINFO = `<?xml version="1.0" encoding="UTF-8"?>
<tripinfos>
    <tripinfo id="a" depart="10.00" departDelay="2.00" arrival="100.00" duration="90.00" waitingTime="5.00" timeLoss="20.00"/>
    <tripinfo id="b" depart="20.00" departDelay="0.00" arrival="-1.00" duration="580.00" waitingTime="400.00" timeLoss="500.00"/>
    <tripinfo id="c" depart="30.00" departDelay="1.00" arrival="-1.00" duration="570.00" waitingTime="60.00" timeLoss="100.00"/>
    <tripinfo id="d" depart="-1" departDelay="250.00" arrival="-1.00" duration="0.00" waitingTime="0.00" timeLoss="0.00"/>
    <tripinfo id="e" depart="-1" departDelay="0.00" arrival="-1.00" duration="0.00" waitingTime="0.00" timeLoss="0.00"/>
</tripinfos>
`;

describe('tripinfo summary', () => {
  it('counts inserted vehicles apart from those never inserted, and names the jammed ones', () => {
    const s = summarizeTripinfo(TRIPINFO);
    expect(s.vehicles).toBe(3);
    expect(s.arrived).toBe(1);
    // (20 + 2) + 500 + (100 + 1) over the three inserted
    expect(s.totalTimeLossSeconds).toBe(623);
    expect(s.meanTimeLoss).toBe(207.67);
    // d waited 250 s for a place in the network; e's departure time had not come
    expect(s.neverInserted).toBe(1);
    expect(s.neverInsertedWaitSeconds).toBe(250);
    // b stands in the network since 400 s: jammed; c has waited 60 s
    expect(s.jammed).toBe(1);
    // nearest rank over 22, 500, 101, 250: the 4th of 4
    expect(s.p95TimeLoss).toBe(500);
  });

  it('reads an empty output as no vehicles', () => {
    const s = summarizeTripinfo('<tripinfos/>');
    expect([s.vehicles, s.neverInserted, s.jammed, s.p95TimeLoss, s.meanTimeLoss]).toEqual([0, 0, 0, 0, 0]);
  });

  it('percentile: a value of the list, not below the share q of the values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (xs, q) => {
        const p = percentile(xs, q);
        expect(xs).toContain(p);
        expect(xs.filter((x) => x <= p).length).toBeGreaterThanOrEqual(Math.ceil(q * xs.length));
      }),
    );
  });
});
