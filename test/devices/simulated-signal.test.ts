import { describe, expect, it } from 'vitest';
import { SimulatedSignal } from '../../adapters/devices/simulated-signal.js';
import { fallbackPhasePlan, type PhasePlan } from '../../engine/index.js';
import { buildGridNetwork } from '../../network-models/demo/build-grid-network.js';

const net = buildGridNetwork({ name: 'g', columns: 1, rows: 1, spacingMetres: 250, mainStreetRows: [], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });
const x = net.intersections[0];

/** The intervals shown second by second from `fromMs` for `seconds`, run together: phase/interval and length. */
function intervals(s: SimulatedSignal, fromMs: number, seconds: number): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let i = 0; i < seconds; i++) {
    const st = s.stateAt(fromMs + i * 1000);
    const key = `${st.phaseId}/${st.interval}`;
    if (out.length > 0 && out[out.length - 1][0] === key) out[out.length - 1][1]++;
    else out.push([key, 1]);
  }
  return out;
}

describe('a simulated cabinet runs the engine actuation module fixed-time', () => {
  const start = 1_800_000_000_000;
  const plan: PhasePlan = fallbackPhasePlan(x, start, 'UTC');

  it('shows each green for its planned length, then its full yellow and all-red, in sequence', () => {
    const s = new SimulatedSignal(x, plan, start);
    const seq = intervals(s, start, 3 * plan.cycleSeconds);
    // the first interval may be cut by where we started watching; the next complete cycle is exact
    const cycle = seq.slice(1, 1 + 3 * plan.phases.length);
    const expected = plan.phases.flatMap((p) => [[`${p.phaseId}/green`, p.greenSeconds], [`${p.phaseId}/yellow`, p.yellowSeconds], [`${p.phaseId}/all-red`, p.allRedSeconds]].filter(([, n]) => (n as number) > 0));
    const rotate = expected.findIndex(([k]) => k === cycle[0][0]);
    expect(cycle).toEqual([...expected.slice(rotate), ...expected.slice(0, rotate)].slice(0, cycle.length));
  });

  it('takes a new plan at the next start of a green, never cutting the running interval', () => {
    const s = new SimulatedSignal(x, plan, start);
    s.stateAt(start + 5000);
    const longer: PhasePlan = { ...plan, version: plan.version + 1, phases: plan.phases.map((p) => ({ ...p, greenSeconds: p.greenSeconds + 10, maxGreenSeconds: Math.max(p.maxGreenSeconds, p.greenSeconds + 10) })), cycleSeconds: plan.cycleSeconds + 10 * plan.phases.length };
    s.offer(longer);
    const seq = intervals(s, start + 6000, 4 * longer.cycleSeconds);
    const greens = seq.filter(([k]) => k.endsWith('/green'));
    // the green running when the plan came keeps its old length; whole greens after it run the new one (first
    // phase aside, which the offset correction may stretch or shorten within its bounds)
    for (const [k, n] of greens.slice(1, -1)) {
      const id = k.split('/')[0];
      if (id === x.phases[0].id) continue;
      expect(n).toBe(longer.phases.find((p) => p.phaseId === id)!.greenSeconds);
    }
  });

  it('pulls its cycle onto the plan offset within a few cycles', () => {
    const shifted: PhasePlan = { ...plan, offsetSeconds: (plan.offsetSeconds + 17) % plan.cycleSeconds };
    const s = new SimulatedSignal(x, shifted, start);
    const late = start + 20 * plan.cycleSeconds * 1000;
    // find when the first phase's green starts after many cycles: that is the offset
    // sampled forward only (a cabinet's clock does not run back)
    let previous = s.stateAt(late);
    let start0: number | undefined;
    for (let t = late + 1000; t < late + 2 * plan.cycleSeconds * 1000 && start0 === undefined; t += 1000) {
      const now = s.stateAt(t);
      if (now.phaseId === x.phases[0].id && now.interval === 'green' && previous.interval !== 'green') start0 = now.cycleSecond;
      previous = now;
    }
    expect(start0).toBeDefined();
    expect(start0!).toBeLessThanOrEqual(1);
  });
});
