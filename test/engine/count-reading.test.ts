import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countEndMs, countInstants } from '../../engine/pipeline/count-clock.js';
import { checkCount, readCount, type KnownDetector } from '../../engine/pipeline/count-validation.js';
import type { DetectorCount } from '../../engine/pipeline/engine-events.js';

// The engine's count path reads each record without making objects (countEndMs, readCount into one reused
// object): it must read exactly what countInstants and checkCount read.

const T0 = Date.UTC(2026, 10, 23, 6);
const limits = { maxLaneFlowVehPerHour: 3000, maxFutureSkewSeconds: 300, maxPastSkewSeconds: 86_400, maxIntervalSeconds: 3600 };

/** Raw counts, mostly well-formed, with every field sometimes wrong, missing or of another type. */
const validCount = fc.record(
  {
    detectorId: fc.constantFrom('D1', 'D2'),
    timestamp: fc.integer({ min: T0 - 600_000, max: T0 + 600_000 }),
    count: fc.integer({ min: 0, max: 30 }),
    intervalSeconds: fc.constantFrom(10, 60, 300),
    occupancy: fc.double({ min: 0, max: 1, noNaN: true }),
  },
  { requiredKeys: ['detectorId', 'timestamp', 'count', 'intervalSeconds'] },
);
const rawCount = fc.oneof(
  { weight: 4, arbitrary: validCount },
  { weight: 1, arbitrary: fc.anything() },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        detectorId: fc.oneof(fc.constantFrom('D1', 'D2', 'nope', ''), fc.anything()),
        timestamp: fc.oneof(
          fc.integer({ min: T0 - 7_200_000, max: T0 + 7_200_000 }),
          fc.constantFrom('2026-11-23T06:01:00Z', 'not a time', -1e300, 8.64e15, 8.64e15 + 1, NaN, Infinity),
          fc.double(),
          fc.anything(),
        ),
        count: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(-1, 1.5, 1e6, NaN), fc.anything()),
        intervalSeconds: fc.oneof(fc.constantFrom(10, 60, 900, 0, -60, 3601, NaN), fc.double(), fc.anything()),
        occupancy: fc.oneof(fc.double({ min: 0, max: 1 }), fc.constantFrom(-0.1, 1.5, NaN), fc.anything()),
      },
      { requiredKeys: [] },
    ),
  },
);

describe('count path without per-record objects', () => {
  it('countEndMs is countInstants(raw)?.endMs, NaN where that is undefined', () => {
    fc.assert(
      fc.property(rawCount, (raw) => {
        expect(Object.is(countEndMs(raw), countInstants(raw)?.endMs ?? NaN)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('readCount into one reused object reads what checkCount returns, record after record', () => {
    let validSeen = 0;
    fc.assert(
      fc.property(fc.array(rawCount, { maxLength: 40 }), fc.integer({ min: T0 - 600_000, max: T0 + 600_000 }), (raws, nowMs) => {
        const detectors = new Map<string, KnownDetector>([
          ['D1', { lastTimestampMs: -Infinity }],
          ['D2', { lastTimestampMs: T0 }],
        ]);
        const lookup = (id: string) => detectors.get(id);
        let valid = 0;
        const into: DetectorCount = { detectorId: '', timestampMs: 0, count: 0, intervalSeconds: 0, occupancy: undefined };
        for (const raw of raws) {
          const checked = checkCount(raw, lookup, nowMs, limits);
          const error = readCount(raw, lookup, nowMs, limits, into);
          if (!checked.ok) {
            expect(error).toStrictEqual(checked.error);
            continue;
          }
          expect(error).toBeUndefined();
          const { detectorId, timestampMs, count, intervalSeconds, occupancy } = into;
          // an occupancy read from an earlier record must not stay
          expect({ detectorId, timestampMs, count, intervalSeconds, occupancy }).toStrictEqual({ ...checked.count, occupancy: checked.count.occupancy });
          expect('occupancy' in checked.count).toBe(occupancy !== undefined);
          detectors.get(detectorId)!.lastTimestampMs = timestampMs;
          valid++;
        }
        validSeen += valid;
      }),
      { numRuns: 400 },
    );
    // accepted records (the path that reuses the object) were among them
    expect(validSeen).toBeGreaterThan(100);
  });
});
