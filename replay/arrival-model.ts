/**
 * Arrival times of the vehicles a detector counted in an interval, when only the count is known (1-minute
 * counts): a share `platoonShare` of them left the upstream signal during its green for the movement that
 * feeds this link and arrive at the stop line one free-flow travel time later (a platoon); the rest (turning
 * in, mid-block) arrive evenly over the interval. Placement is deterministic: vehicle j of n sits at the
 * (j + ½)/n quantile of its arrival profile, so the same counts always give the same arrivals.
 *
 * `windows` are the upstream green windows already moved to stop-line time and clipped to [from, to), as
 * [start, end) pairs in windows[0..windowCount); none when there is no upstream signal (then every arrival is
 * even). Writes arrival times (epoch seconds) into out[0..n) and returns n (`out` may hold stale entries past
 * n: it is written by index, as truncating an array is a runtime call and this runs for every count record).
 */
export function placeArrivals(count: number, from: number, to: number, windows: readonly number[], platoonShare: number, out: number[], windowCount = windows.length): number {
  if (count <= 0) {
    if (out.length > 0) out.length = 0;
    return 0;
  }
  let greenTotal = 0;
  for (let j = 0; j < windowCount; j += 2) greenTotal += windows[j + 1] - windows[j];
  const platoon = greenTotal > 0 ? Math.round(count * platoonShare) : 0;
  const even = count - platoon;
  const span = to - from;
  // Both sequences are increasing: the even arrivals are written first, then the platoon's merged in from the end.
  for (let j = 0; j < even; j++) out[j] = from + ((j + 0.5) / even) * span;
  if (platoon > 0) {
    for (let j = even; j < count; j++) out[j] = 0;
    let w = 0;
    let before = 0;
    const platoonTimes = scratch;
    for (let j = 0; j < platoon; j++) {
      const q = ((j + 0.5) / platoon) * greenTotal;
      while (w + 2 < windowCount && before + (windows[w + 1] - windows[w]) < q) {
        before += windows[w + 1] - windows[w];
        w += 2;
      }
      platoonTimes[j] = windows[w] + (q - before);
    }
    let e = even - 1;
    let p = platoon - 1;
    for (let k = count - 1; k >= 0; k--) out[k] = p < 0 || (e >= 0 && out[e] > platoonTimes[p]) ? out[e--] : platoonTimes[p--];
  }
  return count;
}

const scratch: number[] = [];
