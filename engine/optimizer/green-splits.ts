import { clamp, sum, type IntersectionModel } from './intersection-model.js';

/**
 * Greens g_p = clamp(λ·w_p, min_p, max_p) with Σg = available. With weights equal to the
 * critical flow ratios this is Webster's rule (equal degree of saturation on the critical movements), bent by the
 * min/max greens. All-zero weights share the time evenly. Monotone: a larger weight never gets less green.
 */
export function distributeGreens(model: IntersectionModel, weights: ArrayLike<number>, cycleSeconds: number): number[] {
  const n = model.phaseIds.length;
  const lo = model.minGreenSeconds;
  const hi = model.maxGreenSeconds;
  const available = cycleSeconds - model.lostTimeSeconds;
  const minTotal = sum(lo);
  const maxTotal = sum(hi);
  if (available <= minTotal) return lo.slice();
  if (available >= maxTotal) return hi.slice();
  let maxWeight = 0;
  for (let i = 0; i < n; i++) if (weights[i] > maxWeight) maxWeight = weights[i];
  // Normalised so that λ stays in a sane range whatever the scale of the weights.
  // (Plain loops rather than Array.from/map: this runs for every signal at every optimisation step.)
  const w = new Array<number>(maxWeight > 0 ? weights.length : n);
  for (let i = 0; i < w.length; i++) w[i] = maxWeight > 0 ? Math.max(0, weights[i]) / maxWeight : 1;
  // Phases with demand may all reach their max greens; the time left then goes evenly to the others.
  let saturatedTotal = 0;
  for (let i = 0; i < n; i++) saturatedTotal += w[i] > 0 ? hi[i] : lo[i];
  if (saturatedTotal <= available && maxWeight > 0) {
    const even = new Array<number>(w.length);
    const lower = new Array<number>(w.length);
    for (let i = 0; i < w.length; i++) {
      even[i] = w[i] > 0 ? 0 : 1;
      lower[i] = w[i] > 0 ? hi[i] : lo[i];
    }
    return waterFill(lower, hi, even, available);
  }
  return waterFill(lo, hi, w, available);
}

/**
 * Exact water-filling: g_i = clamp(λ·w_i, lo_i, hi_i) with Σg = available. S(λ) = Σ clamp(λ·w_i) is piecewise
 * linear and non-decreasing with breakpoints at lo_i/w_i and hi_i/w_i; find the segment where it reaches the
 * available time and solve that segment's linear equation.
 */
function waterFill(lo: number[], hi: number[], w: number[], available: number): number[] {
  const n = w.length;
  const breaks: number[] = [0];
  for (let i = 0; i < n; i++) if (w[i] > 0) breaks.push(lo[i] / w[i], hi[i] / w[i]);
  sortAscending(breaks);
  let lambda = breaks[breaks.length - 1];
  for (let k = 1; k < breaks.length; k++) {
    const a = breaks[k - 1];
    const b = breaks[k];
    const sb = filledTotal(b, lo, hi, w);
    if (sb < available) continue;
    const sa = filledTotal(a, lo, hi, w);
    lambda = sb > sa ? a + ((available - sa) * (b - a)) / (sb - sa) : b;
    break;
  }
  const greens = new Array<number>(n);
  for (let i = 0; i < n; i++) greens[i] = w[i] > 0 ? clamp(lambda * w[i], lo[i], hi[i]) : lo[i];
  return fixSum(greens, lo, hi, available);
}

/** S(λ) = Σ clamp(λ·w_i, lo_i, hi_i) (lo_i where w_i is not positive). */
function filledTotal(lambda: number, lo: number[], hi: number[], w: number[]): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] > 0 ? clamp(lambda * w[i], lo[i], hi[i]) : lo[i];
  return s;
}

/**
 * `values.sort((a, b) => a - b)` for the few breakpoints of one signal, by a stable insertion sort (no comparator
 * closure at every optimisation step): the same order whenever the comparator is consistent, i.e. without NaN,
 * where the built-in sort is kept.
 */
function sortAscending(values: number[]): void {
  for (let i = 0; i < values.length; i++)
    if (Number.isNaN(values[i])) {
      values.sort((a, b) => a - b);
      return;
    }
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] - v > 0) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = v;
  }
}

/** The comparator of `largestRemainderOrder`: positive when position i goes after position j. */
function remainderOrder(greens: number[], out: number[], i: number, j: number): number {
  return greens[j] - out[j] - (greens[i] - out[i]) || i - j;
}

/** Spreads a small residual (floating-point or rounding) over phases with room, so Σg is exact. */
function fixSum(greens: number[], lo: number[], hi: number[], available: number): number[] {
  let residual = available - sum(greens);
  for (let i = 0; i < greens.length && Math.abs(residual) > 1e-12; i++) {
    const room = residual > 0 ? hi[i] - greens[i] : lo[i] - greens[i];
    const step = residual > 0 ? Math.min(residual, room) : Math.max(residual, room);
    greens[i] += step;
    residual -= step;
  }
  return greens;
}

/**
 * Rounds greens to whole seconds keeping Σg and the bounds (largest remainder). Any fraction that whole seconds
 * cannot absorb (non-integer clearances) goes to the phase with the most room.
 */
export function roundGreens(model: IntersectionModel, greens: number[], cycleSeconds: number): number[] {
  const lo = model.minGreenSeconds;
  const hi = model.maxGreenSeconds;
  const available = cycleSeconds - model.lostTimeSeconds;
  const n = greens.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = clamp(Math.floor(greens[i] + 1e-9), lo[i], hi[i]);
  let residual = available - sum(out);
  const order = largestRemainderOrder(greens, out);
  for (const i of order) {
    if (residual < 1 - 1e-9) break;
    if (out[i] + 1 <= hi[i] + 1e-9) {
      out[i] += 1;
      residual -= 1;
    }
  }
  const fixed = fixSum(out, lo, hi, available);
  for (let i = 0; i < n; i++) fixed[i] = Math.round(fixed[i] * 1e6) / 1e6;
  return fixed;
}

/**
 * Phase positions by the fraction rounding took off, largest first, ties by position: the order of
 * `positions.sort((i, j) => greens[j] - out[j] - (greens[i] - out[i]) || i - j)`, by insertion (the comparator
 * is a total order unless a remainder is NaN, where the built-in sort is kept).
 */
function largestRemainderOrder(greens: number[], out: number[]): number[] {
  const n = greens.length;
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 0; i < n; i++)
    if (Number.isNaN(greens[i] - out[i])) {
      order.sort((i, j) => remainderOrder(greens, out, i, j));
      return order;
    }
  for (let i = 1; i < n; i++) {
    const v = order[i];
    let j = i - 1;
    while (j >= 0 && remainderOrder(greens, out, order[j], v) > 0) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = v;
  }
  return order;
}
