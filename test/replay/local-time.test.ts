import { describe, expect, it } from 'vitest';
import { localIsoTime } from '../../adapters/files/index.js';

describe('local times written in outputs', () => {
  it('name the offset in force, so the repeated hour at the fall-back reads unambiguously', () => {
    // Denver goes from MDT (-06:00) to MST (-07:00) at 02:00 local on 2026-11-01: 01:30 happens twice.
    expect(localIsoTime(Date.UTC(2026, 10, 1, 7, 30), 'America/Denver')).toBe('2026-11-01T01:30:00.000-06:00');
    expect(localIsoTime(Date.UTC(2026, 10, 1, 8, 30), 'America/Denver')).toBe('2026-11-01T01:30:00.000-07:00');
    expect(localIsoTime(Date.UTC(2026, 10, 23, 7, 0, 0, 250), 'Asia/Kolkata')).toBe('2026-11-23T12:30:00.250+05:30');
    // At offset 0 exactly as toISOString.
    expect(localIsoTime(Date.UTC(2026, 10, 23, 7), 'UTC')).toBe(new Date(Date.UTC(2026, 10, 23, 7)).toISOString());
  });
});
