import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { localMinuteOfDay } from '../../engine/index.js';

describe('localMinuteOfDay', () => {
  it('computes UTC without time zone data, as the time zone database does (fast-check; Etc/UTC goes through Intl)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(localMinuteOfDay(ms)).toBe(localMinuteOfDay(ms, 'Etc/UTC'));
      }),
      { numRuns: 500 },
    );
    // around midnight and before the epoch
    for (const ms of [0, 59_999, 60_000, 86_399_999, 86_400_000, -1, -60_000, -60_001, Date.UTC(2024, 0, 1, 23, 59, 30)])
      expect(localMinuteOfDay(ms)).toBe(localMinuteOfDay(ms, 'Etc/UTC'));
    expect(localMinuteOfDay(Date.UTC(2024, 0, 1, 7, 45, 59))).toBe(465);
  });

  it('other zones through the time zone database', () => {
    // 2024-07-01 12:00 UTC is 14:00 in Berlin (CEST) and 08:00 in New York (EDT)
    expect(localMinuteOfDay(Date.UTC(2024, 6, 1, 12), 'Europe/Berlin')).toBe(14 * 60);
    expect(localMinuteOfDay(Date.UTC(2024, 6, 1, 12), 'America/New_York')).toBe(8 * 60);
  });

  it('refuses an instant no date can hold, as before', () => {
    expect(() => localMinuteOfDay(Number.NaN)).toThrow(RangeError);
    expect(() => localMinuteOfDay(9e15)).toThrow(RangeError);
  });
});
