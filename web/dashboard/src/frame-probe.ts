/**
 * Frame timing for bench/dashboard-frame.bench.ts, read as `window.greenwaveFrames`: a few hundred numbers, no
 * effect on the page. For each frame that shows feed deltas:
 * - `deltaToPaintMs`: from the arrival of the first of its deltas to the end of the frame's paint (the browser's
 *   style, layout and paint included: measured in a task posted from the frame, which runs after them); this
 *   includes waiting for the display's next frame (up to 16.7 ms at 60 Hz), which no page can avoid;
 * - `workMs`: the main thread's work for those deltas: applying them (`applyMs`, their message handlers) plus the
 *   frame itself (`frameMs`, from its animation-frame callback to the end of its paint: the re-render, the map
 *   draw, style, layout and paint). This is what has to fit a frame's budget for the page to keep up.
 * - `drawMs`: the map's draw alone (every draw).
 */
const MAX_SAMPLES = 500;
export const frames = { deltaToPaintMs: [] as number[], workMs: [] as number[], applyMs: [] as number[], frameMs: [] as number[], drawMs: [] as number[] };
let pendingSinceMs: number | undefined;
let pendingApplyMs = 0;
let frameStartMs: number | undefined;

/** A feed delta arrived; returns the time, for `deltaApplied`. */
export function deltaArrived(): number {
  const now = performance.now();
  pendingSinceMs ??= now;
  return now;
}

export function deltaApplied(arrivedMs: number): void {
  pendingApplyMs += performance.now() - arrivedMs;
}

/** Called first thing in the animation-frame callback that re-renders the page. */
export function frameStarted(): void {
  if (pendingSinceMs !== undefined) frameStartMs ??= performance.now();
}

export function painted(drawStartMs: number): void {
  const now = performance.now();
  push(frames.drawMs, now - drawStartMs);
  if (pendingSinceMs === undefined || frameStartMs === undefined) return;
  const since = pendingSinceMs;
  const start = frameStartMs;
  const apply = pendingApplyMs;
  pendingSinceMs = undefined;
  frameStartMs = undefined;
  pendingApplyMs = 0;
  afterPaint(() => {
    const end = performance.now();
    push(frames.deltaToPaintMs, end - since);
    push(frames.frameMs, end - start);
    push(frames.applyMs, apply);
    push(frames.workMs, apply + (end - start));
  });
}

// A task posted during a frame runs after the frame's style, layout and paint. At user-blocking priority (the
// Prioritized Task Scheduling API) it runs before the feed messages already queued; a plain posted message waited
// behind a whole interval's thousands of them, and the frame seemed to last seconds.
const postTask = (globalThis as { scheduler?: { postTask?: (fn: () => void, options: { priority: string }) => unknown } }).scheduler?.postTask;
const channel = new MessageChannel();
const queued: Array<() => void> = [];
channel.port1.onmessage = () => queued.shift()?.();
function afterPaint(fn: () => void): void {
  if (postTask) {
    postTask.call((globalThis as unknown as { scheduler: unknown }).scheduler, fn, { priority: 'user-blocking' });
    return;
  }
  queued.push(fn);
  channel.port2.postMessage(0);
}

function push(samples: number[], value: number): void {
  samples.push(value);
  if (samples.length > MAX_SAMPLES) samples.shift();
}

(globalThis as { greenwaveFrames?: typeof frames }).greenwaveFrames = frames;
