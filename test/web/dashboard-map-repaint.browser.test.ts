import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStaticFiles } from '../../adapters/http/static-files.js';
import { networkSummary } from '../../adapters/websocket/outbound-messages.js';
import { buildGridNetwork, type NetworkFile } from '../../network-models/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const T0 = Date.UTC(2026, 10, 23, 8, 0);

function grid(side: number): NetworkFile {
  return buildGridNetwork({ name: `grid ${side}`, columns: side, rows: side, spacingMetres: 250, mainStreetRows: [0], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });
}

type Kpi = { intersectionId: string; flowVehPerHour: number; maxDegreeOfSaturation: number; delayVehHoursPerHour: number; faultyDetectors: number };
const kpi = (id: string, dos: number): Kpi => ({ intersectionId: id, flowVehPerHour: 1200, maxDegreeOfSaturation: dos, delayVehHoursPerHour: 1, faultyDetectors: 0 });

function snapshot(network: NetworkFile, o: { kpis?: Kpi[]; offline?: string[]; faulty?: Array<{ detectorId: string; intersectionId: string }> } = {}) {
  return {
    type: 'snapshot',
    protocolVersion: 1,
    atMs: T0,
    clock: { engineAtMs: T0, simulated: false },
    network: networkSummary(network),
    plans: [],
    controllers: (o.offline ?? []).map((id) => ({ controllerId: `c-${id}`, online: false, connectedAtMs: T0, lastHeartbeatMs: T0, disconnectedAtMs: T0, intersections: [{ intersectionId: id, versionInForce: 0, unacknowledged: null, lastRejection: null }] })),
    detectors: { total: network.detectors.length, healthy: network.detectors.length - (o.faulty?.length ?? 0), faulty: (o.faulty ?? []).map((d) => ({ ...d, healthy: false, fault: 'silent', flowVehPerHour: 0 })) },
    kpis: o.kpis ? [{ atMs: T0 + 60_000, kpis: o.kpis }] : [],
    alarms: [],
    counters: { countsAccepted: 0, countsRejected: 0, rejectedByCode: {}, optimisations: 0, plansEmitted: 0, plansRejected: 0, faults: 0 },
  };
}

/** The map's pixels, RGBA (passed as base64: a JSON array of millions of numbers takes half a minute). */
async function mapPixels(page: Page): Promise<Uint8Array> {
  const b64 = await page.evaluate(() => {
    const c = document.querySelector('[data-testid=network-map]') as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let binary = '';
    for (let i = 0; i < data.length; i += 32_768) binary += String.fromCharCode(...data.subarray(i, i + 32_768));
    return btoa(binary);
  });
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/**
 * The map repaints only the signals a delta changed: what it shows after a series of such repaints must be, pixel
 * for pixel, what a full drawing of the same state shows (a page that got it all in its snapshot).
 */
describe('dashboard map: repainting only what changed draws what a full repaint draws (headless Chromium)', () => {
  let browser: Browser;
  let http: Server;
  let base: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(root, 'web/dashboard/build-dashboard.mjs')], { stdio: 'inherit' });
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found`);
    const statics = serveStaticFiles(join(root, 'dist', 'web'));
    http = createServer((req, res) => {
      if (!statics(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    http?.close();
  });

  for (const side of [4, 12]) {
    it(`${side * side} signals (${side === 4 ? 'labelled' : 'dots only'}): KPI, controller and detector deltas one by one`, async () => {
      const network = grid(side);
      const ids = network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id);
      const first = ids.map((id, i) => kpi(id, ((i * 37) % 130) / 100));
      // neighbours in a row and a column, so that repainted rectangles overlap their marks
      const changed = [ids[0], ids[1], ids[side], ids[side + 1], ids[ids.length - 1]];
      const final = first.map((k) => (changed.includes(k.intersectionId) ? kpi(k.intersectionId, k.maxDegreeOfSaturation > 0.9 ? 0.3 : 1.2) : k));
      const detector = network.detectors.find((d) => d.intersectionId === ids[1])!;

      const live = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      let send: ((m: unknown) => void) | undefined;
      await live.routeWebSocket(/\/v1\/feed/, (ws) => {
        send = (m) => ws.send(JSON.stringify(m));
        send(snapshot(network, { kpis: first }));
      });
      await live.goto(`${base}/?token=t`);
      await live.waitForSelector('[data-testid=connection]:text-is("live")');
      const map = live.locator('[data-testid=network-map]');
      await expect.poll(() => map.getAttribute('data-repaint')).toBe('full');
      const repaintsBefore = async () => live.evaluate(() => (globalThis as unknown as { greenwaveFrames: { drawMs: number[] } }).greenwaveFrames.drawMs.length);
      for (const id of changed) {
        const n = await repaintsBefore();
        send!({ type: 'kpi', atMs: T0 + 120_000, ...final.find((k) => k.intersectionId === id)! });
        await expect.poll(repaintsBefore).toBeGreaterThan(n);
        expect(await map.getAttribute('data-repaint')).toBe('changed');
      }
      send!({ type: 'controller', atMs: T0 + 120_000, controllerId: `c-${ids[side]}`, online: false, connectedAtMs: T0, lastHeartbeatMs: T0, disconnectedAtMs: T0, intersections: [{ intersectionId: ids[side], versionInForce: 0, unacknowledged: null, lastRejection: null }] });
      send!({ type: 'detector', atMs: T0 + 120_000, health: { detectorId: detector.id, intersectionId: ids[1], healthy: false, fault: 'silent', flowVehPerHour: 0 } });
      await expect.poll(async () => (await live.locator('[data-testid=controllers-online]').textContent()) ?? '').toContain('0/1');
      await live.waitForTimeout(100);
      expect(await map.getAttribute('data-repaint')).toBe('changed');

      const fresh = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await fresh.routeWebSocket(/\/v1\/feed/, (ws) => ws.send(JSON.stringify(snapshot(network, { kpis: final, offline: [ids[side]], faulty: [{ detectorId: detector.id, intersectionId: ids[1] }] }))));
      await fresh.goto(`${base}/?token=t`);
      await fresh.waitForSelector('[data-testid=connection]:text-is("live")');
      await expect.poll(() => fresh.locator('[data-testid=network-map]').getAttribute('data-repaint')).toBe('full');

      const [a, b] = [await mapPixels(live), await mapPixels(fresh)];
      expect(a.length).toBe(b.length);
      // Skia anti-aliases an edge a shade differently when a path holds other subpaths: compared premultiplied,
      // a shade (48 of 255) is tolerated; a wrong colour, a missing or stale mark is not (the bands differ by 68 or more)
      let differing = 0;
      let drawn = 0;
      for (let i = 0; i < a.length; i += 4) {
        // the map is opaque (white under the roads): drawn is what is not white
        if (a[i] < 250 || a[i + 1] < 250 || a[i + 2] < 250) drawn++;
        for (let c = 0; c < 3; c++) if (Math.abs((a[i + c] * a[i + 3]) / 255 - (b[i + c] * b[i + 3]) / 255) > 48) differing++;
        if (Math.abs(a[i + 3] - b[i + 3]) > 48) differing++;
      }
      expect(drawn).toBeGreaterThan(1000);
      // a few edge pixels at most; one stale or missing dot alone is a hundred
      expect(differing).toBeLessThan(20);
      await live.close();
      await fresh.close();
    }, 60_000);
  }

  it('the list shows the most saturated first on screen, and a delta that reorders it moves no element in the document', async () => {
    const network = grid(12);
    const ids = network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id);
    const dos = new Map(ids.map((id, i) => [id, ((i * 37) % 130) / 100]));
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    let send: ((m: unknown) => void) | undefined;
    await page.routeWebSocket(/\/v1\/feed/, (ws) => {
      send = (m) => ws.send(JSON.stringify(m));
      send(snapshot(network, { kpis: ids.map((id) => kpi(id, dos.get(id)!)) }));
    });
    await page.goto(`${base}/?token=t`);
    await page.waitForSelector('[data-testid=connection]:text-is("live")');
    const onScreen = () =>
      page.locator('[data-intersection-id]').evaluateAll((rows) =>
        rows.map((r) => ({ id: r.getAttribute('data-intersection-id')!, y: r.getBoundingClientRect().top })).sort((a, b) => a.y - b.y).map((r) => r.id),
      );
    const expected = () => [...ids].sort((a, b) => dos.get(b)! - dos.get(a)! || a.localeCompare(b));
    const shown = await onScreen();
    expect(shown.length).toBeGreaterThanOrEqual(10);
    expect(shown).toEqual(expected().slice(0, shown.length));
    // rows that are in the list now, moved up and down it
    await page.evaluate(() => {
      const w = globalThis as unknown as { moves: number };
      w.moves = 0;
      new MutationObserver((records) => (w.moves += records.filter((r) => r.type === 'childList').length)).observe(document.querySelector('[data-testid=intersection-list]')!, { childList: true });
    });
    const [last, first] = [shown[shown.length - 1], shown[0]];
    for (const [id, value] of [[last, 1.5], [first, dos.get(shown[shown.length - 2])! + 0.001]] as const) {
      dos.set(id, value);
      send!({ type: 'kpi', atMs: T0 + 120_000, ...kpi(id, value) });
    }
    await expect.poll(onScreen).toEqual(expected().slice(0, shown.length));
    expect(await page.evaluate(() => (globalThis as unknown as { moves: number }).moves)).toBe(0);
    await page.close();
  }, 60_000);
});
