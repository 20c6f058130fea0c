import { afterEach, describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { createControllerSimulator, type ControllerEvent, type ControllerSimulator } from '../../adapters/devices/controller-simulator.js';
import { createDetectorSimulator, type DetectorSimulator } from '../../adapters/devices/detector-simulator.js';
import { nextBackoffMs } from '../../adapters/devices/reconnect-backoff.js';
import { signalStateAt } from '../../adapters/devices/signal-timeline.js';
import { fallbackPhasePlan } from '../../engine/safety/fallback-plan.js';
import { startServer, T0, token, twoSignalStreet } from './ws-test-kit.js';

let servers: Array<Awaited<ReturnType<typeof startServer>>> = [];
let devices: Array<ControllerSimulator | DetectorSimulator> = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()));
  await Promise.all(servers.splice(0).map((s) => s.server.close()));
});
const live = async (port = 0) => {
  const s = await startServer({ scheduler: asyncScheduler, port, engine: { optimisationPeriodSeconds: 1 } });
  servers.push(s);
  return s;
};
function nextEvent(c: ControllerSimulator, type: ControllerEvent['type'], timeoutMs = 10_000): Promise<ControllerEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms`)), timeoutMs);
    const off = c.on((e) => {
      if (e.type !== type) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

describe('signal timeline', () => {
  it('walks green, yellow, all-red of each phase through the cycle, from the offset', () => {
    const x = twoSignalStreet().intersections[0];
    const plan = { ...fallbackPhasePlan(x, T0), offsetSeconds: 10 };
    const first = plan.phases[0];
    const cycleStart = Math.ceil(T0 / 1000 / plan.cycleSeconds) * plan.cycleSeconds * 1000 + 10_000;
    expect(signalStateAt(plan, cycleStart)).toMatchObject({ phaseId: first.phaseId, interval: 'green', secondsLeft: first.greenSeconds });
    expect(signalStateAt(plan, cycleStart + first.greenSeconds * 1000)).toMatchObject({ phaseId: first.phaseId, interval: 'yellow' });
    const second = cycleStart + (first.greenSeconds + first.yellowSeconds + first.allRedSeconds) * 1000;
    expect(signalStateAt(plan, second)).toMatchObject({ phaseId: plan.phases[1].phaseId, interval: 'green' });
    expect(signalStateAt(plan, cycleStart + plan.cycleSeconds * 1000)).toEqual(signalStateAt(plan, cycleStart));
  });

  it('backoff is jittered under an exponential ceiling', () => {
    const o = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 };
    expect([0, 1, 2, 3, 10].map((n) => nextBackoffMs(n, o, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(nextBackoffMs(3, o, () => 0.5)).toBe(400);
  });
});

describe('simulated devices over real sockets', () => {
  it('detectors publish synthetic counts the engine accepts; controllers run and acknowledge plans', async () => {
    const s = await live();
    const detectors = createDetectorSimulator({ url: s.wsUrl, token: token('detector'), network: s.network, intervalSeconds: 1, speedup: 120, simulatedStartMs: T0, scale: 0.1 });
    const controller = createControllerSimulator({ url: s.wsUrl, token: token('controller', ['IA1'], 'cabinet-ia1'), network: s.network, intersectionIds: ['IA1'] });
    devices.push(detectors, controller);
    const accepted = nextEvent(controller, 'plan-accepted');
    detectors.start();
    controller.start();
    await accepted;
    await expect.poll(() => detectors.stats().countsAccepted, { timeout: 5000 }).toBeGreaterThanOrEqual(40);
    expect(detectors.stats().countsRejected).toBe(0);
    await expect.poll(() => s.server.metrics.get('greenwave_plans_acked_total', { status: 'accepted' })).toBeGreaterThanOrEqual(1);
    expect(controller.status()).toMatchObject({ connected: true, mode: 'engine', intersections: [{ intersectionId: 'IA1', signal: { phaseId: expect.stringMatching(/^IA1:/) } }] });
  });

  it('a controller falls back to its time-of-day plan when the engine is gone, and reconnects when it returns', async () => {
    const first = await live();
    const port = first.address.port;
    const controller = createControllerSimulator({
      url: first.wsUrl,
      token: token('controller', ['IA1'], 'cabinet-ia1'),
      network: first.network,
      intersectionIds: ['IA1'],
      backupSeconds: 0.3,
      backoff: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    devices.push(controller);
    const accepted = nextEvent(controller, 'plan-accepted');
    controller.start();
    await accepted;
    expect(controller.status().mode).toBe('engine');

    const fallback = nextEvent(controller, 'fallback');
    await first.server.close();
    servers = [];
    await fallback;
    expect(controller.status()).toMatchObject({ connected: false, mode: 'fallback', intersections: [{ planSource: 'fallback' }] });

    const back = nextEvent(controller, 'plan-accepted');
    await live(port);
    await back;
    expect(controller.status()).toMatchObject({ connected: true, mode: 'engine' });
    expect(controller.status().reconnects).toBeGreaterThanOrEqual(1);
  });
});
