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
  const total = (lambda: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += w[i] > 0 ? clamp(lambda * w[i], lo[i], hi[i]) : lo[i];
    return s;
  };
  const breaks: number[] = [0];
  for (let i = 0; i < n; i++) if (w[i] > 0) breaks.push(lo[i] / w[i], hi[i] / w[i]);
  breaks.sort((a, b) => a - b);
  let lambda = breaks[breaks.length - 1];
  for (let k = 1; k < breaks.length; k++) {
    const a = breaks[k - 1];
    const b = breaks[k];
    const sb = total(b);
    if (sb < available) continue;
    const sa = total(a);
    lambda = sb > sa ? a + ((available - sa) * (b - a)) / (sb - sa) : b;
    break;
  }
  const greens = new Array<number>(n);
  for (let i = 0; i < n; i++) greens[i] = w[i] > 0 ? clamp(lambda * w[i], lo[i], hi[i]) : lo[i];
  return fixSum(greens, lo, hi, available);
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
  const out = greens.map((g, i) => clamp(Math.floor(g + 1e-9), lo[i], hi[i]));
  let residual = available - sum(out);
  const order = greens.map((g, i) => i).sort((i, j) => greens[j] - out[j] - (greens[i] - out[i]) || i - j);
  for (const i of order) {
    if (residual < 1 - 1e-9) break;
    if (out[i] + 1 <= hi[i] + 1e-9) {
      out[i] += 1;
      residual -= 1;
    }
  }
  return fixSum(out, lo, hi, available).map((g) => Math.round(g * 1e6) / 1e6);
}
