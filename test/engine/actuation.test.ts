import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ActuatedSignal, DetectorTracker, NetworkLoops, type ActuationOptions, type DetectorReading, type SignalDisplay, type SignalDisplayLayout } from '../../engine/index.js';
import { buildGridNetwork } from '../../network-models/demo/build-grid-network.js';
import type { Intersection, NetworkFile } from '../../network-models/network-types.js';

/**
 * One main-street junction of the demo grid: three phases (EW protected lefts, EW through, NS), every lane with a
 * stop-line loop and one 60 m upstream. Pedestrian timing is removed unless asked for (a pedestrian phase is
 * never passed over and always a conflicting call, which would hide the rules under test).
 */
function junction(o: { pedestrians?: boolean } = {}): { net: NetworkFile; x: Intersection } {
  const net = buildGridNetwork({ name: 'g', columns: 1, rows: 1, spacingMetres: 250, mainStreetRows: [0], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });
  const x = net.intersections[0];
  if (!o.pedestrians) for (const p of x.phases) delete p.pedestrian;
  return { net, x };
}

/** A display layout as a SUMO program gives it: one variable green segment, yellow then all-red, direct clearances. */
function layoutOf(x: Intersection, greens: Record<string, number>): SignalDisplayLayout {
  const phases = x.phases.map((p) => ({
    phaseId: p.id,
    greenSegmentSeconds: [null],
    plannedVariableSeconds: greens[p.id],
    clearanceSegmentSeconds: [p.yellowSeconds, p.allRedSeconds],
    directClearanceSegmentSeconds: Object.fromEntries(x.phases.filter((q) => q !== p).map((q) => [q.id, [p.yellowSeconds, p.allRedSeconds]])),
  }));
  const cycleSeconds = x.phases.reduce((s, p) => s + greens[p.id] + p.yellowSeconds + p.allRedSeconds, 0);
  return { phases, cycleSeconds };
}

interface Trace {
  displays: SignalDisplay[];
  signal: ActuatedSignal;
}

/**
 * Runs one signal for `seconds` from t = 0 with 1 s steps; `readings(t)` gives the detectors that see something
 * at t (every other detector reads free).
 */
function run(net: NetworkFile, x: Intersection, seconds: number, readings: (t: number) => Record<string, DetectorReading>, options: ActuationOptions = {}, unseen?: ReadonlySet<string>, unseenLoops?: ReadonlyMap<string, readonly string[]>): Trace {
  const tracker = new DetectorTracker(net.detectors);
  const loops = new NetworkLoops(net).phaseLoops(x, { gapDetectorsPerMovement: 'own', gapLoops: 'upstream', gapSeconds: options.gapSeconds ?? 3 });
  const greens = x.fallbackPlans[0].greenSecondsByPhase;
  const signal = new ActuatedSignal({ intersection: x, phaseLoops: loops.phases, callWindowSeconds: loops.callWindowSeconds, laneSaturationFlowVehPerHour: loops.laneSaturationFlowVehPerHour, travelSecondsToStopLine: loops.travelSecondsToStopLine, stopLineLoopOf: loops.stopLineLoopOf, approachLaneOf: loops.approachLaneOf, phasesHoldingUnseenTraffic: unseen, unseenTrafficLoops: unseenLoops, tracker, initialLayout: layoutOf(x, greens), startSeconds: 0, clockEpochSeconds: 0, options });
  const displays: SignalDisplay[] = [signal.display];
  for (let t = 1; t <= seconds; t++) {
    const r = readings(t);
    for (const d of net.detectors) tracker.observe(t, d.id, r[d.id] ?? { occupied: false, arrivals: 0 });
    signal.step(t);
    displays.push(signal.display);
  }
  return { displays, signal };
}

/** Greens in order: phase, first second shown, length. */
function greens(displays: SignalDisplay[]): Array<{ phaseId: string; from: number; seconds: number }> {
  const out: Array<{ phaseId: string; from: number; seconds: number }> = [];
  displays.forEach((d, t) => {
    if (d.kind !== 'green') return;
    const last = out[out.length - 1];
    if (last && last.phaseId === d.phaseId && last.from + last.seconds === t) last.seconds++;
    else out.push({ phaseId: d.phaseId, from: t, seconds: 1 });
  });
  return out;
}

const standing: DetectorReading = { occupied: true, arrivals: 0 };
const arriving: DetectorReading = { occupied: true, arrivals: 1 };

describe('local actuation: worked examples', () => {
  it('ends a green one passage time after the last vehicle over its set-back loops once a conflicting call waits (gap-out)', () => {
    const { net, x } = junction();
    // EW-left green at t = 0; left-turners arrive over the advance loops every 2 s until t = 12; a NS vehicle waits
    const readings = (t: number) => ({ ...(t <= 12 && t % 2 === 0 ? { 'IA1:E2:adv': arriving } : {}), 'IA1:N0:stop': standing });
    const trace = run(net, x, 40, readings);
    const first = greens(trace.displays)[0];
    expect(first.phaseId).toBe('IA1:EW-left');
    // EW-left's loops on the east approach watch two lanes (its left lane, and the right lane whose right turns it
    // also serves): the approach's passage time is 3 s / 2; last seen at 12, held through 14, shown 0..14
    expect(first.seconds).toBe(15);
    expect(trace.signal.counters.gapOuts).toBeGreaterThanOrEqual(1);
    // one 3 s passage time for every loop of the phase holds it through 15, shown 0..15
    expect(greens(run(net, x, 40, readings, { passageTimePer: 'phase' }).displays)[0].seconds).toBe(16);
  });

  it('reads an approach as one queue over its lanes and separate approaches as separate queues (passage time by approach)', () => {
    const { net, x } = junction();
    const ns = { 'IA1:N0:stop': standing };
    const every = (period: number, shift: number, loop: string) => (t: number) => ((t + shift) % period === 0 ? { [loop]: arriving } : {});
    const readings = (...streams: Array<(t: number) => Record<string, DetectorReading>>) => (t: number): Record<string, DetectorReading> => Object.assign({ ...ns }, ...streams.map((f) => f(t)));
    const firstGreen = (r: (t: number) => Record<string, DetectorReading>, o: ActuationOptions = {}) => greens(run(net, x, 120, r, { greenEnd: 'gap', ...o }).displays)[0].seconds;
    const minimum = x.phases[0].minGreenSeconds;
    expect(minimum).toBe(6);
    // one vehicle every 4 s on one lane of the two-lane east approach (at 4, 8, ...): a quarter of the flow its
    // 1.5 s passage time asks for; the vehicle at t = 4 holds the green through 6 (its minimum), shown 0..6
    const oneLane = readings(every(4, 0, 'IA1:E2:adv'));
    expect(firstGreen(oneLane)).toBe(7);
    // the same on both of its lanes, two seconds apart (a vehicle every 2 s on the approach): held to the maximum,
    // 30 s from the NS call at t = 1
    expect(firstGreen(readings(every(4, 0, 'IA1:E2:adv'), every(4, 2, 'IA1:E0:adv')))).toBeGreaterThanOrEqual(30);
    // the left lanes of the east and the west approach, each every 4 s at the same times: two queues, neither
    // discharging; the green ends as with the east one alone
    expect(firstGreen(readings(every(4, 0, 'IA1:E2:adv'), every(4, 0, 'IA1:W2:adv')))).toBe(7);
    // with one 3 s passage time for every loop of the phase, a single lane's vehicle every 4 s holds the green
    expect(firstGreen(oneLane, { passageTimePer: 'phase' })).toBeGreaterThanOrEqual(30);
  });

  it('ends a green at the maximum while vehicles keep coming (max-out), counted from the first conflicting call', () => {
    const { net, x } = junction();
    // the protected lefts keep arriving; a NS vehicle calls from t = 10 on; the phase's own maximum is 30 s
    const trace = run(net, x, 80, (t) => ({ 'IA1:E2:adv': arriving, ...(t >= 10 ? { 'IA1:N0:stop': standing } : {}) }));
    const first = greens(trace.displays)[0];
    // rests in green while nobody else waits (last at t = 9), then runs its maximum of 30 s from there: shown 0..38
    expect(first.seconds).toBe(39);
    expect(first.seconds).toBeLessThan(10 + x.phases[0].maxGreenSeconds);
    expect(trace.signal.counters.maxOuts).toBe(1);
  });

  it('passes over a phase without a call through a direct clearance, and serves the next phase that has one', () => {
    const { net, x } = junction();
    // EW through (phase 2 of 3) has no vehicle; NS (phase 3) has one waiting all along
    const trace = run(net, x, 60, () => ({ 'IA1:N0:stop': standing }));
    const g = greens(trace.displays);
    expect(g.map((s) => s.phaseId).slice(0, 2)).toEqual(['IA1:EW-left', 'IA1:NS']);
    const clearance = trace.displays.find((d) => d.kind === 'clearance');
    expect(clearance).toMatchObject({ fromPhaseId: 'IA1:EW-left', toPhaseId: 'IA1:NS', direct: true });
    // the clearance runs in full: 3 s yellow and 2 s all-red between the two greens
    expect(g[1].from - (g[0].from + g[0].seconds)).toBe(5);
    expect(trace.signal.counters.phasesSkipped).toBe(1);
  });

  it('never passes over a phase with a pedestrian timing or with a lane no loop covers', () => {
    const { net, x } = junction({ pedestrians: true });
    const trace = run(net, x, 120, () => ({ 'IA1:N0:stop': standing }));
    expect(greens(trace.displays).map((s) => s.phaseId).slice(0, 3)).toEqual(['IA1:EW-left', 'IA1:EW', 'IA1:NS']);
    const bare = junction();
    bare.net.detectors = bare.net.detectors.filter((d) => !d.id.startsWith('IA1:W0:'));
    const undetected = run(bare.net, bare.x, 120, () => ({ 'IA1:N0:stop': standing }));
    expect(greens(undetected.displays).map((s) => s.phaseId).slice(0, 3)).toEqual(['IA1:EW-left', 'IA1:EW', 'IA1:NS']);
  });

  it('raises a minimum green to discharge the queue counted over its advance loops on red, at the lane saturation flow', () => {
    const { net, x } = junction();
    // ten vehicles pass the NS advance loop while EW-left runs
    // (left-turners keep the EW-left green busy until then, so all ten queue on red)
    const trace = run(net, x, 120, (t) => ({ ...(t <= 20 && t % 2 === 0 ? { 'IA1:S0:adv': arriving, 'IA1:E2:adv': arriving } : {}), 'IA1:N0:stop': t <= 24 ? standing : { occupied: false, arrivals: 0 }, ...(t > 22 ? { 'IA1:E2:stop': standing } : {}) }));
    const ns = greens(trace.displays).find((g) => g.phaseId === 'IA1:NS')!;
    const saturation = new NetworkLoops(net).phaseLoops(x, { gapDetectorsPerMovement: 'own', gapLoops: 'upstream', gapSeconds: 3 }).laneSaturationFlowVehPerHour.get('IA1:S0:adv')!;
    const needed = 2 + (10 * 3600) / saturation;
    expect(needed).toBeGreaterThan(x.phases[2].minGreenSeconds);
    expect(ns.seconds).toBeGreaterThanOrEqual(needed);
    // without the queue the same green is shorter than that
    const empty = run(net, x, 120, (t) => ({ ...(t <= 20 && t % 2 === 0 ? { 'IA1:E2:adv': arriving } : {}), 'IA1:N0:stop': t <= 24 ? standing : { occupied: false, arrivals: 0 }, ...(t > 22 ? { 'IA1:E2:stop': standing } : {}) }));
    expect(greens(empty.displays).find((g) => g.phaseId === 'IA1:NS')!.seconds).toBeLessThan(needed);
  });

  it('rests in green without a conflicting call, up to the phase own maximum', () => {
    const { net, x } = junction();
    const trace = run(net, x, 100, () => ({}));
    // nobody anywhere: the first green rests to its own maximum (30 s), then the sequence goes on
    expect(greens(trace.displays)[0].seconds).toBe(30);
  });

  it('never rests a green that holds back traffic no loop sees (a motorway giving way to a ramp meter)', () => {
    const { net, x } = junction();
    // nobody on any loop: without unseen traffic the first green rests to its maximum (30 s, test above); traffic
    // outside the model that gives way to it is a conflicting call, so it ends at its 6 s minimum
    const trace = run(net, x, 100, () => ({}), {}, new Set(['IA1:EW-left']));
    expect(greens(trace.displays)[0]).toEqual({ phaseId: 'IA1:EW-left', from: 0, seconds: 6 });
    expect(trace.signal.counters.gapOuts).toBeGreaterThanOrEqual(1);
  });

  it('self-control counts the unseen traffic a green holds back: a thin stream yields to a motorway waiting for it', () => {
    const { net, x } = junction();
    // a loop on a lane no movement of the junction uses stands for the motorway lane that gives way to EW-left's
    // green (SUMO's uncontrolled links); a vehicle passes it every second
    const motorway = { ...net.detectors.find((d) => d.id === 'IA1:E0:adv')!, id: 'motorway:adv', laneIndex: 7 };
    const withMotorway: NetworkFile = { ...net, detectors: [...net.detectors, motorway] };
    // left-turners every 3 s, within the gap: the gap rule alone never ends their green
    const lefts = (t: number): Record<string, DetectorReading> => ({ 'motorway:adv': arriving, ...(t % 3 === 0 ? { 'IA1:E2:adv': arriving } : {}) });
    const unseen = new Set(['IA1:EW-left']);
    // one passage time for every loop of the phase (3 s), so that only self-control ends the lefts' green
    const o: ActuationOptions = { passageTimePer: 'phase' };
    // held back unseen, the green never rests but runs to its 30 s maximum (counted from the start: a call all along)
    expect(greens(run(withMotorway, x, 100, lefts, o, unseen).displays)[0].seconds).toBe(30);
    // counted: six motorway vehicles wait after the 6 s minimum against a 5 s clearance (1.2 veh/s), more than
    // one left-turner every 3 s: the green ends at its minimum
    expect(greens(run(withMotorway, x, 100, lefts, o, unseen, new Map([['IA1:EW-left', ['motorway:adv']]])).displays)[0].seconds).toBe(6);
  });

  it('ends a green whose queues stand still at the stop line (blocked exit) although presence upstream would hold it', () => {
    const { net, x } = junction();
    // left-turners stand over both the EW-left advance and stop-line loops all along, none crosses the stop line
    // (the road beyond is full); a NS vehicle waits
    const blocked = (t: number): Record<string, DetectorReading> => ({ 'IA1:E2:adv': t === 1 ? arriving : standing, 'IA1:E2:stop': t === 1 ? arriving : standing, 'IA1:N0:stop': standing });
    const g = greens(run(net, x, 100, blocked, { greenEnd: 'gap' }).displays)[0];
    // presence on the advance loop alone would hold the green to its maximum, 30 s from the first NS call; with no
    // stop-line passage since t = 1 the discharge has stopped: the green ends at its 6 s minimum (shown 0..5)
    expect(g).toEqual({ phaseId: 'IA1:EW-left', from: 0, seconds: 6 });
    // the same presence with vehicles crossing the stop line every 2 s keeps it: the queue discharges
    const moving = (t: number): Record<string, DetectorReading> => ({ 'IA1:E2:adv': standing, 'IA1:E2:stop': t % 2 === 0 ? arriving : standing, 'IA1:N0:stop': standing });
    expect(greens(run(net, x, 100, moving, { greenEnd: 'gap' }).displays)[0].seconds).toBeGreaterThanOrEqual(30);
    // a lane stuck behind its head vehicle holds nothing, but another lane of the phase whose vehicles keep coming
    // (the westbound left-turners over their advance loop every 2 s) still does: the green runs to its maximum
    const oneStuck = (t: number): Record<string, DetectorReading> => ({ ...blocked(t), ...(t % 2 === 0 ? { 'IA1:W2:adv': arriving } : {}) });
    expect(greens(run(net, x, 100, oneStuck, { greenEnd: 'gap' }).displays)[0].seconds).toBeGreaterThanOrEqual(30);
  });

  it("under the plan's bounds, a green whose queues cannot move ends at the phase's own minimum, not the plan's", () => {
    const { net, x } = junction();
    const loops = new NetworkLoops(net).phaseLoops(x, { gapDetectorsPerMovement: 'own', gapLoops: 'upstream', gapSeconds: 3 });
    const planned = Object.fromEntries(x.phases.map((p) => [p.id, 45]));
    const plan = { intersectionId: x.id, version: 1, cycleSeconds: 200, offsetSeconds: 0, source: 'optimizer' as const, computedAtMs: 0, phases: x.phases.map((p) => ({ phaseId: p.id, greenSeconds: 45, yellowSeconds: p.yellowSeconds, allRedSeconds: p.allRedSeconds, minGreenSeconds: 40, maxGreenSeconds: 50 })), diagnostics: { flowRatioByPhase: {}, criticalMovementByPhase: {}, degreeOfSaturationByPhase: {}, delaySecondsPerVehByMovement: {}, totalDelayVehHoursPerHour: 0, sumCriticalFlowRatio: 1.2, lostTimeSeconds: 15, websterCycleSeconds: 200, demandConfidence: 1, oversaturated: true, coordinated: false, reason: 'test' } };
    const greensUnderPlan = (stopLine: (t: number) => DetectorReading, only?: readonly string[]) => {
      const tracker = new DetectorTracker(net.detectors);
      const signal = new ActuatedSignal({ intersection: x, phaseLoops: loops.phases, callWindowSeconds: loops.callWindowSeconds, stopLineLoopOf: loops.stopLineLoopOf, tracker, initialLayout: layoutOf(x, x.fallbackPlans[0].greenSecondsByPhase), startSeconds: 0, clockEpochSeconds: 0, options: { bounds: 'plan', greenEnd: 'gap' } });
      signal.offerPlan(plan, layoutOf(x, planned));
      const displays: SignalDisplay[] = [signal.display];
      for (let t = 1; t <= 600; t++) {
        // queues over every advance loop all along; at the stop lines what `stopLine` says
        for (const d of net.detectors) tracker.observe(t, d.id, only && !only.some((lane) => d.id.startsWith(lane)) ? { occupied: false, arrivals: 0 } : d.kind === 'stop-line' ? stopLine(t) : standing);
        signal.step(t);
        displays.push(signal.display);
      }
      // the plan is taken up at the second green
      return greens(displays).slice(1, -1);
    };
    // every exit blocked: the vehicle at each stop line stands there, nobody crosses after t = 1
    const stalled = greensUnderPlan((t) => (t === 1 ? arriving : standing));
    expect(stalled.length).toBeGreaterThan(10);
    // each ends once its own minimum is served and the gap has passed with nobody crossing, far short of the plan's 40 s
    for (const g of stalled) expect(g.seconds).toBeLessThanOrEqual(Math.max(...x.phases.map((p) => p.minGreenSeconds)) + 4);
    // the same queues crossing the stop line every 2 s hold each green to the plan's minimum at least
    const moving = greensUnderPlan((t) => (t % 2 === 0 ? arriving : standing));
    for (const g of moving) expect(g.seconds).toBeGreaterThanOrEqual(40);
    // a through lane standing (its exit blocked) ends its green early; a northbound left turner standing in the lane
    // it shares with the through, green with the southbound through, may be waiting for a gap: NS keeps the plan's
    // (a vehicle standing on another phase's lane calls that phase all along)
    const stuck = (t: number) => (t === 1 ? arriving : standing);
    const throughBlocked = greensUnderPlan(stuck, ['IA1:E1:', 'IA1:N0:']).filter((g) => g.phaseId === 'IA1:EW');
    expect(throughBlocked.length).toBeGreaterThan(2);
    for (const g of throughBlocked) expect(g.seconds).toBeLessThanOrEqual(x.phases[1].minGreenSeconds + 4);
    const leftWaiting = greensUnderPlan(stuck, ['IA1:N1:', 'IA1:E1:']).filter((g) => g.phaseId === 'IA1:NS');
    expect(leftWaiting.length).toBeGreaterThan(2);
    for (const g of leftWaiting) expect(g.seconds).toBeGreaterThanOrEqual(40);
  });

  it('self-control (Lämmer & Helbing 2008): a thin stream yields to a long queue, never to a single waiting car', () => {
    const { net, x } = junction();
    // left-turners over the EW-left advance loop every 3 s all along: within the phase's 3 s passage time
    // (`passageTimePer: 'phase'`), so a gap never comes
    const lefts = (t: number): Record<string, DetectorReading> => (t % 3 === 0 ? { 'IA1:E2:adv': arriving } : {});
    // thirty NS vehicles pass their advance loops on red in the first 15 s, the first of them reaches the stop line
    const queue = (t: number): Record<string, DetectorReading> => ({ ...lefts(t), ...(t <= 15 ? { 'IA1:S0:adv': arriving, 'IA1:S1:adv': arriving } : {}), 'IA1:S0:stop': standing });
    const gap = greens(run(net, x, 120, queue, { greenEnd: 'gap', passageTimePer: 'phase' }).displays)[0];
    const priority = greens(run(net, x, 120, queue, { greenEnd: 'priority', passageTimePer: 'phase' }).displays)[0];
    // the gap rule holds the lefts' green to its maximum (30 s from the first NS call at t = 1)
    expect(gap.seconds).toBeGreaterThanOrEqual(30);
    // one left-turner due every 3 s (at most one lane's saturation flow, 1,700 veh/h) is worth less than the rest of
    // the cycle: 30 vehicles in 5 s clearance + NS's 10 s minimum + 5 s clearance, 1.5 veh/s: the lefts' green ends
    // as soon as its minimum is served, long before its maximum
    expect(priority.seconds).toBeLessThan(gap.seconds - 10);
    expect(priority.seconds).toBeGreaterThanOrEqual(x.phases[0].minGreenSeconds);
    // a single car waiting at the NS stop line is worth less than the stream: the green runs as under the gap rule
    const single = (t: number): Record<string, DetectorReading> => ({ ...lefts(t), 'IA1:S0:stop': standing });
    expect(greens(run(net, x, 120, single, { greenEnd: 'priority', passageTimePer: 'phase' }).displays)[0].seconds).toBe(greens(run(net, x, 120, single, { greenEnd: 'gap', passageTimePer: 'phase' }).displays)[0].seconds);
  });

  it("bounds 'auto': fully actuated while queues clear, the plan's bounds once a phase fails its split twice in a row", () => {
    const { net, x } = junction();
    const all = Object.fromEntries(net.detectors.map((d) => [d.id, d.kind === 'stop-line' ? standing : arriving]));
    const tracker = new DetectorTracker(net.detectors);
    const loops = new NetworkLoops(net).phaseLoops(x, { gapDetectorsPerMovement: 'own', gapLoops: 'upstream', gapSeconds: 3 });
    const greens0 = x.fallbackPlans[0].greenSecondsByPhase;
    const signal = new ActuatedSignal({ intersection: x, phaseLoops: loops.phases, callWindowSeconds: loops.callWindowSeconds, tracker, initialLayout: layoutOf(x, greens0), startSeconds: 0, clockEpochSeconds: 0, options: { bounds: 'auto' } });
    const plan = { intersectionId: x.id, version: 1, cycleSeconds: 60, offsetSeconds: 0, source: 'optimizer' as const, computedAtMs: 0, phases: x.phases.map((p) => ({ phaseId: p.id, greenSeconds: 12, yellowSeconds: p.yellowSeconds, allRedSeconds: p.allRedSeconds, minGreenSeconds: 10, maxGreenSeconds: 14 })), diagnostics: { flowRatioByPhase: {}, criticalMovementByPhase: {}, degreeOfSaturationByPhase: {}, delaySecondsPerVehByMovement: {}, totalDelayVehHoursPerHour: 0, sumCriticalFlowRatio: 0.5, lostTimeSeconds: 15, websterCycleSeconds: 60, demandConfidence: 1, oversaturated: false, coordinated: false, reason: 'test' } };
    signal.offerPlan(plan, layoutOf(x, Object.fromEntries(x.phases.map((p) => [p.id, 12]))));
    expect(signal.actuationMode).toBe('free');
    const modes: string[] = [];
    for (let t = 1; t <= 600; t++) {
      for (const d of net.detectors) tracker.observe(t, d.id, all[d.id]);
      for (const e of signal.step(t)) if (e.kind === 'mode-changed') modes.push(e.mode!);
    }
    // every stop line stays occupied: the splits fail, and the plan's bounds take over (greens of at most 14 s)
    expect(modes[0]).toBe('plan');
    expect(signal.actuationMode).toBe('plan');
  });

  it("pulls the cycle onto the plan's offset only when the plan is coordinated with neighbours", () => {
    const { net, x } = junction();
    const greensOf = Object.fromEntries(x.phases.map((p) => [p.id, 12]));
    const layout = layoutOf(x, greensOf);
    // fixed time, so that only the offset correction moves a green
    const all = Object.fromEntries(net.detectors.map((d) => [d.id, arriving]));
    const firstGreenStarts = (coordinated: boolean) => {
      const tracker = new DetectorTracker(net.detectors);
      const loops = new NetworkLoops(net).phaseLoops(x, { gapDetectorsPerMovement: 'own', gapLoops: 'upstream', gapSeconds: 3 });
      const signal = new ActuatedSignal({ intersection: x, phaseLoops: loops.phases, callWindowSeconds: loops.callWindowSeconds, tracker, initialLayout: layout, startSeconds: 0, clockEpochSeconds: 0, options: { kind: 'fixed', bounds: 'plan' } });
      const plan = { intersectionId: x.id, version: 1, cycleSeconds: layout.cycleSeconds, offsetSeconds: 20, source: 'optimizer' as const, computedAtMs: 0, phases: x.phases.map((p) => ({ phaseId: p.id, greenSeconds: 12, yellowSeconds: p.yellowSeconds, allRedSeconds: p.allRedSeconds, minGreenSeconds: p.minGreenSeconds, maxGreenSeconds: Math.max(p.minGreenSeconds, 12) })), diagnostics: { flowRatioByPhase: {}, criticalMovementByPhase: {}, degreeOfSaturationByPhase: {}, delaySecondsPerVehByMovement: {}, totalDelayVehHoursPerHour: 0, sumCriticalFlowRatio: 0.5, lostTimeSeconds: 15, websterCycleSeconds: 60, demandConfidence: 1, oversaturated: false, coordinated, reason: 'test' } };
      signal.offerPlan(plan, layout);
      const starts: number[] = [];
      for (let t = 1; t <= 400; t++) {
        for (const d of net.detectors) tracker.observe(t, d.id, all[d.id]);
        for (const e of signal.step(t)) if (e.kind === 'green-start' && e.phaseId === x.phases[0].id) starts.push(t);
      }
      return starts;
    };
    const cycle = layout.cycleSeconds;
    const misalignment = (starts: number[]) => Math.min(...starts.slice(-3).map((s) => Math.min((((s - 20) % cycle) + cycle) % cycle, cycle - ((((s - 20) % cycle) + cycle) % cycle))));
    // coordinated: after a few cycles the first phase's green starts at the offset (20 s into the cycle)
    expect(misalignment(firstGreenStarts(true))).toBeLessThanOrEqual(1);
    // on its own: no correction, the cycle keeps the phase where it started
    expect(misalignment(firstGreenStarts(false))).toBeGreaterThan(1);
  });

  it('runs fixed time when asked: greens exactly as planned, no phase passed over', () => {
    const { net, x } = junction();
    const trace = run(net, x, 200, () => ({}), { kind: 'fixed', bounds: 'plan' });
    const g = greens(trace.displays).slice(0, 3);
    const plan = x.fallbackPlans[0].greenSecondsByPhase;
    expect(g.map((s) => [s.phaseId, s.seconds])).toEqual(x.phases.map((p) => [p.id, plan[p.id]]));
  });

  it('leaves the plan for fully-actuated operation when a phase fails its split two cycles in a row (ATSPM definition)', () => {
    const { net, x } = junction();
    // NS stop-line loops occupied all the time (a queue that never clears), and every other approach busy too
    const all = Object.fromEntries(net.detectors.map((d) => [d.id, d.kind === 'stop-line' ? standing : arriving]));
    const trace = run(net, x, 600, () => all, { splitFailuresToFreeMode: 2, bounds: 'plan' });
    expect(trace.signal.counters.freeModeEntries).toBeGreaterThanOrEqual(1);
    expect(trace.signal.actuationMode).toBe('free');
    const off = run(net, x, 600, () => all, { splitFailuresToFreeMode: 0, bounds: 'plan' });
    expect(off.signal.counters.freeModeEntries).toBe(0);
  });
});

/** Arbitrary detector activity: per detector, a set of seconds at which a vehicle arrives and how long it stays. */
const activity = (ids: string[], seconds: number) =>
  fc.array(fc.record({ detector: fc.constantFrom(...ids), at: fc.integer({ min: 1, max: seconds }), stay: fc.integer({ min: 1, max: 40 }) }), { maxLength: 120 });

describe('local actuation: properties (fast-check)', () => {
  const seconds = 900;
  /** Every combination of the rules that decide a green's end and whose bounds hold it. */
  const rules = fc.record({ greenEnd: fc.constantFrom('gap' as const, 'priority' as const), bounds: fc.constantFrom('auto' as const, 'phase' as const, 'plan' as const), phaseSkipping: fc.boolean() });

  it('every change of green passes through its full clearance, and every green lasts its minimum', () => {
    fc.assert(
      fc.property(activity(junction().net.detectors.map((d) => d.id), seconds), fc.boolean(), rules, (events, pedestrians, options) => {
        const { net, x } = junction({ pedestrians });
        const at = (t: number) => {
          const r: Record<string, DetectorReading> = {};
          for (const e of events) if (t >= e.at && t < e.at + e.stay) r[e.detector] = { occupied: true, arrivals: t === e.at ? 1 : 0 };
          return r;
        };
        const trace = run(net, x, seconds, at, options);
        const g = greens(trace.displays);
        for (let i = 1; i < g.length - 1; i++) {
          const phase = x.phases.find((p) => p.id === g[i].phaseId)!;
          expect(g[i].seconds).toBeGreaterThanOrEqual(phase.minGreenSeconds);
          const prev = x.phases.find((p) => p.id === g[i - 1].phaseId)!;
          expect(g[i].from - (g[i - 1].from + g[i - 1].seconds)).toBe(prev.yellowSeconds + prev.allRedSeconds);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('starvation freedom: a vehicle waiting at any stop line is served within one pass of maximum greens and clearances', () => {
    const { net: net0, x: x0 } = junction();
    const bound = x0.phases.reduce((s, p) => s + p.maxGreenSeconds + p.yellowSeconds + p.allRedSeconds, 0);
    const stopLines = net0.detectors.filter((d) => d.kind === 'stop-line').map((d) => d.id);
    fc.assert(
      fc.property(activity(net0.detectors.map((d) => d.id), seconds), fc.constantFrom(...stopLines), fc.integer({ min: 1, max: seconds - bound - 1 }), rules, (events, waiter, from, options) => {
        const { net, x } = junction();
        // a vehicle stands on `waiter` from `from` until its phase turns green; everything else is arbitrary
        let served = false;
        const servingPhases = new Set(
          x.phases.filter((p) => p.movementIds.some((m) => {
            const mv = x.movements.find((q) => q.id === m)!;
            const d = net.detectors.find((q) => q.id === waiter)!;
            return mv.fromLinkId === d.linkId && mv.fromLaneIndices.includes(d.laneIndex);
          })).map((p) => p.id),
        );
        let servedAt = Infinity;
        const tracker = new DetectorTracker(net.detectors);
        const loops = new NetworkLoops(net).phaseLoops(x, { gapDetectorsPerMovement: 'own', gapLoops: 'upstream', gapSeconds: 3 });
        const signal = new ActuatedSignal({ intersection: x, phaseLoops: loops.phases, callWindowSeconds: loops.callWindowSeconds, laneSaturationFlowVehPerHour: loops.laneSaturationFlowVehPerHour, travelSecondsToStopLine: loops.travelSecondsToStopLine, tracker, initialLayout: layoutOf(x, x.fallbackPlans[0].greenSecondsByPhase), startSeconds: 0, clockEpochSeconds: 0, options });
        for (let t = 1; t <= seconds && !served; t++) {
          for (const d of net.detectors) {
            let r: DetectorReading = { occupied: false, arrivals: 0 };
            for (const e of events) if (e.detector === d.id && t >= e.at && t < e.at + e.stay) r = { occupied: true, arrivals: t === e.at ? 1 : 0 };
            if (d.id === waiter && t >= from) r = { occupied: true, arrivals: t === from ? 1 : 0 };
            tracker.observe(t, d.id, r);
          }
          signal.step(t);
          const disp = signal.display;
          if (t > from && disp.kind === 'green' && servingPhases.has(disp.phaseId)) {
            served = true;
            servedAt = t;
          }
        }
        expect(servedAt - from).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 60 },
    );
  });
});
