/**
 * a mod m for m > 0, the one way Greenwave computes it: JavaScript's remainder, moved up by m when negative.
 * The result is in [0, m), or m itself when a negative remainder is within float rounding of 0 (-1e-17 + 60
 * is 60): callers comparing against a time in the cycle see such a time as the cycle's very end.
 */
export function modulo(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/**
 * A time within the cycle that is written into a plan (an offset, a shift between offsets): the modulo above,
 * kept to the microsecond so that sums of float seconds print as the seconds they are, and 0 rather than the
 * cycle when that rounding reaches it.
 */
export function cycleSecondsRounded(seconds: number, cycleSeconds: number): number {
  const rounded = Math.round(modulo(seconds, cycleSeconds) * 1e6) / 1e6;
  return rounded >= cycleSeconds ? 0 : rounded;
}
