import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { pino } from 'pino';
import { createControllerSimulator, type ControllerEvent, type ControllerSimulator } from '../../adapters/devices/controller-simulator.js';
import { createDetectorSimulator, type DetectorSimulator } from '../../adapters/devices/detector-simulator.js';
import type { Refusal } from '../../adapters/devices/connection-problems.js';
import { startServer, T0, token } from './ws-test-kit.js';

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
/** A pino logger whose lines the test reads. */
function capturedLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
const fast = { initialDelayMs: 20, maxDelayMs: 50 };

describe('simulated devices say why they cannot connect', () => {
  it('detectors with a viewer token stop at once, naming the role the endpoint wants (no silent reconnect loop)', async () => {
    const s = await live();
    const { logger, lines } = capturedLogger();
    let refused: Refusal | undefined;
    const d = createDetectorSimulator({ url: s.wsUrl, token: token('viewer'), network: s.network, intervalSeconds: 60, backoff: fast, logger, onRefused: (r) => (refused = r) });
    devices.push(d);
    d.start();
    await expect.poll(() => refused, { timeout: 5000 }).toBeDefined();
    expect(refused).toMatchObject({ status: 403, code: 'GW_AUTH_WRONG_ROLE', permanent: true });
    expect(refused!.reason).toContain('/v1/detectors admits role detector, the token has role viewer');
    expect(lines.some((l) => l.level === 50 && l.msg.includes('refused by the server: HTTP 403 GW_AUTH_WRONG_ROLE'))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(d.stats().reconnects).toBe(0);
  });

  it('a controller with a detector token stops asking and says why; the cabinet keeps its local plan', async () => {
    const s = await live();
    const c = createControllerSimulator({ url: s.wsUrl, token: token('detector'), network: s.network, intersectionIds: ['IA1'], backoff: fast });
    devices.push(c);
    const refused = new Promise<ControllerEvent>((resolve) => c.on((e) => e.type === 'refused' && resolve(e)));
    c.start();
    expect(await refused).toMatchObject({ type: 'refused', status: 403, code: 'GW_AUTH_WRONG_ROLE', permanent: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.status()).toMatchObject({ connected: false, mode: 'fallback', reconnects: 0 });
  });

  it('a dead URL is reported as such, once and then every tenth attempt, while retrying', async () => {
    const s = await live();
    const deadUrl = s.wsUrl;
    await s.server.close();
    servers = [];
    const { logger, lines } = capturedLogger();
    const d = createDetectorSimulator({ url: deadUrl, token: token('detector'), network: s.network, intervalSeconds: 60, backoff: { initialDelayMs: 5, maxDelayMs: 5 }, logger });
    devices.push(d);
    d.start();
    await expect.poll(() => d.stats().reconnects, { timeout: 5000 }).toBeGreaterThanOrEqual(12);
    expect(d.stats().problem).toMatch(/nothing listens at ws:\/\/127\.0\.0\.1:\d+\/v1\/detectors \(connection refused\)/);
    const said = lines.filter((l) => l.msg.includes('connection refused'));
    expect(said.length).toBeGreaterThanOrEqual(1);
    expect(said.length).toBeLessThanOrEqual(Math.ceil((d.stats().reconnects + 1) / 10) + 1);
  });
});

describe('detectors keep a bounded backlog while the server is away', () => {
  it('keeps every count through an outage and sends them in order when the server is back (no "lost 720")', async () => {
    const first = await live();
    const port = first.address.port;
    // the server runs on the wall clock: the outage's counts are stamped in the last minutes
    const base = Date.now() - 10 * 60_000;
    let clock = base;
    const d = createDetectorSimulator({ url: first.wsUrl, token: token('detector'), network: first.network, intervalSeconds: 60, now: () => clock, simulatedStartMs: T0, backoff: fast, scale: 0.2 });
    devices.push(d);
    d.start();
    await expect.poll(() => d.stats().connected).toBe(true);
    await first.server.close();
    servers = [];
    await expect.poll(() => d.stats().connected).toBe(false);
    const perInterval = first.network.detectors.length;
    for (let i = 1; i <= 5; i++) {
      clock = base + i * 60_000;
      d.tick();
    }
    expect(d.stats()).toMatchObject({ countsBacklog: 5 * perInterval, countsLost: 0, countsSent: 0 });
    const second = await live(port);
    await expect.poll(() => d.stats().countsAccepted, { timeout: 10_000 }).toBe(5 * perInterval);
    expect(d.stats()).toMatchObject({ countsBacklog: 0, countsLost: 0, countsRejected: 0, countsSent: 5 * perInterval });
    expect(second.server.core!.counters.countsAccepted).toBe(5 * perInterval);
  });

  it('drops the oldest counts beyond its bound, and counts them', async () => {
    const s = await live();
    const port = s.address.port;
    await s.server.close();
    servers = [];
    let clock = T0;
    const perInterval = s.network.detectors.length;
    const d = createDetectorSimulator({ url: `ws://127.0.0.1:${port}`, token: token('detector'), network: s.network, intervalSeconds: 60, now: () => clock, simulatedStartMs: T0, backoff: fast, maxBacklogCounts: 3 * perInterval });
    devices.push(d);
    d.start();
    for (let i = 1; i <= 5; i++) {
      clock = T0 + i * 60_000;
      d.tick();
    }
    expect(d.stats()).toMatchObject({ countsBacklog: 3 * perInterval, countsLost: 2 * perInterval });
  });
});
