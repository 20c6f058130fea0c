import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distributeGreens, roundGreens } from '../../engine/optimizer/green-splits.js';
import { clamp, sum, type IntersectionModel } from '../../engine/optimizer/intersection-model.js';

/**
 * The splits' arithmetic was rewritten for speed (no closures or comparator sorts at every optimisation step):
 * the results must be the same numbers, bit for bit, as the code before (kept here as the reference).
 */
function referenceDistribute(model: IntersectionModel, weights: ArrayLike<number>, cycleSeconds: number): number[] {
  const n = model.phaseIds.length;
  const lo = model.minGreenSeconds;
  const hi = model.maxGreenSeconds;
  const available = cycleSeconds - model.lostTimeSeconds;
  if (available <= sum(lo)) return lo.slice();
  if (available >= sum(hi)) return hi.slice();
  let maxWeight = 0;
  for (let i = 0; i < n; i++) if (weights[i] > maxWeight) maxWeight = weights[i];
  const w = new Array<number>(maxWeight > 0 ? weights.length : n);
  for (let i = 0; i < w.length; i++) w[i] = maxWeight > 0 ? Math.max(0, weights[i]) / maxWeight : 1;
  let saturatedTotal = 0;
  for (let i = 0; i < n; i++) saturatedTotal += w[i] > 0 ? hi[i] : lo[i];
  if (saturatedTotal <= available && maxWeight > 0) {
    const even = w.map((x) => (x > 0 ? 0 : 1));
    const lower = w.map((x, i) => (x > 0 ? hi[i] : lo[i]));
    return referenceWaterFill(lower, hi, even, available);
  }
  return referenceWaterFill(lo, hi, w, available);
}

function referenceWaterFill(lo: number[], hi: number[], w: number[], available: number): number[] {
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
  return referenceFixSum(greens, lo, hi, available);
}

function referenceFixSum(greens: number[], lo: number[], hi: number[], available: number): number[] {
  let residual = available - sum(greens);
  for (let i = 0; i < greens.length && Math.abs(residual) > 1e-12; i++) {
    const room = residual > 0 ? hi[i] - greens[i] : lo[i] - greens[i];
    const step = residual > 0 ? Math.min(residual, room) : Math.max(residual, room);
    greens[i] += step;
    residual -= step;
  }
  return greens;
}

function referenceRound(model: IntersectionModel, greens: number[], cycleSeconds: number): number[] {
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
  return referenceFixSum(out, lo, hi, available).map((g) => Math.round(g * 1e6) / 1e6);
}

/** A signal's split bounds: 2 to 8 phases, min ≤ max greens, lost time; only what the splits read. */
const model = fc.integer({ min: 2, max: 8 }).chain((n) =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 80 }), fc.constantFrom(0, 0.5, 0.25)), { minLength: n, maxLength: n }),
      fc.oneof(fc.integer({ min: 0, max: 30 }), fc.double({ min: 0, max: 30, noNaN: true })),
    )
    .map(([bounds, lost]) => ({
      phaseIds: bounds.map((_, i) => `p${i}`),
      minGreenSeconds: bounds.map(([lo, , f]) => lo + f),
      maxGreenSeconds: bounds.map(([lo, extra, f]) => lo + extra + f),
      lostTimeSeconds: lost,
    }) as unknown as IntersectionModel),
);
const weight = fc.oneof(fc.constantFrom(0, -0, 1e-300, 0.5, 1, Infinity), fc.double({ min: -1, max: 2, noNaN: true }), fc.integer({ min: 0, max: 5 }));
const cycle = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.double({ min: 0, max: 300, noNaN: true }));

const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('green splits: the same numbers as before the speed rewrite', () => {
  it('distributeGreens, bit for bit (property)', () => {
    fc.assert(
      fc.property(model, fc.array(weight, { minLength: 8, maxLength: 8 }), cycle, (m, ws, c) => {
        const w = ws.slice(0, m.phaseIds.length);
        expect(same(distributeGreens(m, w, c), referenceDistribute(m, w, c))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('roundGreens, bit for bit, NaN and infinite greens included (property)', () => {
    const green = fc.oneof(fc.double({ min: 0, max: 120, noNaN: true }), fc.integer({ min: 0, max: 120 }), fc.constantFrom(NaN, Infinity, 7.5, 7.5000000001));
    fc.assert(
      fc.property(model, fc.array(green, { minLength: 8, maxLength: 8 }), cycle, (m, gs, c) => {
        const g = gs.slice(0, m.phaseIds.length);
        expect(same(roundGreens(m, g.slice(), c), referenceRound(m, g.slice(), c))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
