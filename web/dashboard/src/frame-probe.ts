/**
 * Frame timing for bench/dashboard-frame.bench.ts: from the first feed delta after a repaint to the end of the
 * next map repaint (the delta applied, the page re-rendered, the map drawn), and the map's draw alone. Read as
 * `window.greenwaveFrames`; a few hundred numbers, no effect on the page.
 */
const MAX_SAMPLES = 500;
export const frames = { deltaToPaintMs: [] as number[], drawMs: [] as number[] };
let pendingSinceMs: number | undefined;

export function deltaArrived(): void {
  pendingSinceMs ??= performance.now();
}

export function painted(drawStartMs: number): void {
  const now = performance.now();
  push(frames.drawMs, now - drawStartMs);
  if (pendingSinceMs === undefined) return;
  push(frames.deltaToPaintMs, now - pendingSinceMs);
  pendingSinceMs = undefined;
}

function push(samples: number[], value: number): void {
  samples.push(value);
  if (samples.length > MAX_SAMPLES) samples.shift();
}

(globalThis as { greenwaveFrames?: typeof frames }).greenwaveFrames = frames;
