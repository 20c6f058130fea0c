import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStaticFiles } from '../../adapters/http/static-files.js';
import { gridCityNetwork } from '../../network-models/demo/demo-networks.js';
import type { PhasePlan } from '../../engine/plan-types.js';
import { countsFor, startServer, T0, TestClient, token } from '../websocket/ws-test-kit.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const webDir = join(root, 'dist', 'web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('operations dashboard in headless Chromium', () => {
  const network = gridCityNetwork();
  let browser: Browser;
  let page: Page;
  let server: Awaited<ReturnType<typeof startServer>>;
  let controller: TestClient;
  let detectors: TestClient;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(root, 'web/dashboard/build-dashboard.mjs')], { stdio: 'inherit' });
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (./scripts/setup.sh does)`);
    server = await startServer({ network, httpFallback: serveStaticFiles(webDir), engine: { optimisationPeriodSeconds: 60 } });
    controller = await TestClient.connect(`${server.wsUrl}/v1/controllers`, token('controller', ['*'], 'cabinet-1'));
    controller.send({ type: 'hello' });
    await controller.nextOfType('welcome');
    detectors = await TestClient.connect(`${server.wsUrl}/v1/detectors`, token('detector'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    controller?.close();
    detectors?.close();
    await server?.server.close();
  });

  /** Publishes one minute of counts and lets the engine's clock run an optimisation. */
  async function oneMinute(minute: number, perDetector: (id: string) => number) {
    const end = T0 + minute * 60_000;
    detectors.send({ type: 'batch', id: `m${minute}`, counts: countsFor(network, end, perDetector) });
    await detectors.next((m) => m.type === 'result' && m.ref === `m${minute}`);
    server.scheduler.advanceTo(end);
  }

  it('loads and shows every intersection of the demo network, with plans and KPIs', async () => {
    await oneMinute(1, () => 6);
    await page.goto(`${server.httpUrl}/?token=${token('viewer')}`);
    await page.waitForSelector('[data-testid=connection]:has-text("live")', { timeout: 10_000 });
    await expect.poll(() => page.locator('[data-intersection-id]').count()).toBe(16);
    const ids = await page.locator('[data-intersection-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-intersection-id')).sort());
    expect(ids).toEqual(network.intersections.map((x) => x.id).sort());
    await page.locator('[data-intersection-id=IB2]').click();
    await expect.poll(() => page.locator('[data-testid=plan-version]').textContent()).toMatch(/^\d+$/);
    await page.screenshot({ path: join(mkdtempSync(join(tmpdir(), 'gw-shot-')), 'dashboard.png') });
  });

  it('reflects a plan change within a second', async () => {
    const before = Number(await page.locator('[data-testid=plan-version]').textContent());
    // Much more demand on the main street: the engine issues a new plan for IB2.
    const plan = new Promise<PhasePlan>((resolve) => {
      const off = server.server.tap((e) => {
        if (e.kind === 'engine' && e.event.type === 'plan' && e.event.plan.intersectionId === 'IB2') {
          off();
          resolve(e.event.plan);
        }
      });
    });
    for (let m = 2; m <= 6; m++) await oneMinute(m, (id) => (id.includes(':E') || id.includes(':W') ? 25 : 2));
    const issued = await plan;
    expect(issued.version).toBeGreaterThan(before);
    await page.waitForFunction((v) => Number(document.querySelector('[data-testid=plan-version]')?.textContent) >= v, issued.version, { timeout: 1000 });
  });

  it('shows a controller going offline', async () => {
    controller.close();
    await page.waitForSelector('[data-testid=offline-IB2]', { timeout: 5000 });
    await expect.poll(() => page.locator('[data-testid=controllers-online]').textContent()).toContain('0/1');
    expect(await page.locator('[data-testid=controller-status]').textContent()).toContain('offline since');
  });

  it('recovers by itself after the server restarts', async () => {
    const port = Number(new URL(server.httpUrl).port);
    detectors.close();
    await server.server.close();
    await page.waitForSelector('[data-testid=connection]:has-text("reconnecting")', { timeout: 5000 });
    server = await startServer({ network, port, httpFallback: serveStaticFiles(webDir) });
    await page.waitForSelector('[data-testid=connection]:has-text("live")', { timeout: 15_000 });
    await expect.poll(() => page.locator('[data-intersection-id]').count()).toBe(16);
  });
});
