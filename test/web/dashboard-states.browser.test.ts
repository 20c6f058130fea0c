import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStaticFiles } from '../../adapters/http/static-files.js';
import { gridCityNetwork } from '../../network-models/demo/demo-networks.js';
import { countsFor, startServer, T0, TestClient, token } from '../websocket/ws-test-kit.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const webDir = join(root, 'dist', 'web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('dashboard connection states in words (headless Chromium)', () => {
  const network = gridCityNetwork();
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(root, 'web/dashboard/build-dashboard.mjs')], { stdio: 'inherit' });
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (./scripts/setup.sh does)`);
    server = await startServer({ network, httpFallback: serveStaticFiles(webDir) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.server.close();
  });

  it("a token the feed refuses shows the server's reason, not an endless 'reconnecting'", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.httpUrl}/?token=${token('detector')}`);
    const status = page.locator('[data-testid=connection]');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain('Refused by the server: GW_AUTH_WRONG_ROLE: /v1/feed admits role viewer or operator, the token has role detector');
    const bad = await browser.newPage();
    await bad.goto(`${server.httpUrl}/?token=not-a-token`);
    await expect.poll(() => bad.locator('[data-testid=connection]').textContent(), { timeout: 10_000 }).toMatch(/^Refused by the server: GW_AUTH_\w+: /);
    await page.close();
    await bad.close();
  });

  it('live, then "disconnected since HH:MM" with every value greyed when the server dies; live again when it is back', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${server.httpUrl}/?token=${token('viewer')}`);
    await expect.poll(() => page.locator('[data-testid=connection]').textContent(), { timeout: 10_000 }).toBe('live');
    expect(await page.locator('[data-testid=layout]').getAttribute('class')).toBe('layout');
    expect(await page.locator('[data-testid=clock]').textContent()).toContain('wall time');
    const port = Number(new URL(server.httpUrl).port);
    await server.server.close();
    await expect.poll(() => page.locator('[data-testid=connection]').textContent(), { timeout: 10_000 }).toMatch(/^Disconnected since \d{2}:\d{2}: values are as of then; reconnecting/);
    expect(await page.locator('[data-testid=layout]').getAttribute('class')).toBe('layout stale');
    const grey = await page.locator('.kpis').evaluate((el) => getComputedStyle(el).filter);
    expect(grey).toContain('grayscale');
    server = await startServer({ network, port, httpFallback: serveStaticFiles(webDir) });
    await expect.poll(() => page.locator('[data-testid=connection]').textContent(), { timeout: 20_000 }).toBe('live');
    expect(await page.locator('[data-testid=layout]').getAttribute('class')).toBe('layout');
    await page.close();
  }, 60_000);

  it('holds its layout from 1280x720 to 2560x1440: title and KPI rows keep their height, nothing overflows sideways, the map grows and labels every signal', async () => {
    for (const viewport of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }, { width: 2560, height: 1440 }]) {
      const page = await browser.newPage({ viewport });
      await page.goto(`${server.httpUrl}/?token=${token('viewer')}`);
      await expect.poll(() => page.locator('[data-testid=connection]').textContent(), { timeout: 10_000 }).toBe('live');
      await expect.poll(() => page.locator('[data-testid=network-map]').getAttribute('data-labels'), { timeout: 5000 }).toBe('16');
      const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
      const header = await box('header');
      const kpis = await box('.kpis');
      const map = await box('[data-testid=network-map]');
      expect(header.height, `header at ${viewport.width}x${viewport.height}`).toBeLessThan(60);
      expect(kpis.height, `KPI row at ${viewport.width}x${viewport.height}`).toBeLessThan(140);
      expect(map.height).toBeGreaterThanOrEqual(300);
      // the map takes what the window gives: most of the height left under the title and KPIs
      expect(map.y + map.height).toBeGreaterThan(viewport.height * 0.6);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.close();
    }
  }, 90_000);

  it('names simulated and wall time: the engine on the demo\'s simulated clock shows its time and speed-up, beside the wall time', async () => {
    const sim0 = Date.UTC(2026, 10, 23, 6, 30, 0);
    // the server's clock (virtual here) is the wall; the engine runs on a simulated clock 60x faster
    let simNow = sim0;
    const simulated = await startServer({ network, httpFallback: serveStaticFiles(webDir), engineTimeMs: () => simNow, simulatedSpeedup: 60 });
    try {
      const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      await page.goto(`${simulated.httpUrl}/?token=${token('viewer')}`);
      await expect.poll(() => page.locator('[data-testid=connection]').textContent(), { timeout: 10_000 }).toBe('live');
      expect(await page.locator('[data-testid=clock-engine]').textContent()).toBe('simulated time 06:30:00 (60x, UTC)');
      expect(await page.locator('[data-testid=clock-wall]').textContent()).toBe("wall time 08:00:00 (this browser's zone)");
      // counts of the simulated minute to 06:31, then the simulated clock two minutes on: the planning instant at
      // 06:31 (the first waits for the counts that end on it) fires, and the engine's deltas move the simulated time
      const detector = await TestClient.connect(`${simulated.wsUrl}/v1/detectors`, token('detector'));
      detector.send({ type: 'batch', id: 'm1', counts: countsFor(network, sim0 + 60_000, () => 3) });
      await detector.nextOfType('result');
      simNow = sim0 + 180_000;
      simulated.scheduler.advanceTo(T0 + 1000);
      await expect.poll(() => page.locator('[data-testid=clock-engine]').textContent(), { timeout: 10_000 }).toBe('simulated time 06:31:00 (60x, UTC)');
      expect(await page.locator('[data-testid=clock-wall]').textContent()).toMatch(/^wall time 08:00:0[01] \(this browser's zone\)$/);
      detector.close();
      await context.close();
    } finally {
      await simulated.server.close();
    }
  }, 60_000);

  it('on live time the engine clock is named engine time, in the network\'s zone', async () => {
    const context = await browser.newContext({ timezoneId: 'America/Denver' });
    const page = await context.newPage();
    await page.goto(`${server.httpUrl}/?token=${token('viewer')}`);
    await expect.poll(() => page.locator('[data-testid=connection]').textContent(), { timeout: 10_000 }).toBe('live');
    // T0 is 08:00 UTC: the engine time in the network's zone (UTC), the wall time in the browser's (Denver, UTC-7)
    expect(await page.locator('[data-testid=clock-engine]').textContent()).toBe('engine time 08:00:00 (UTC)');
    expect(await page.locator('[data-testid=clock-wall]').textContent()).toBe("wall time 01:00:00 (this browser's zone)");
    await context.close();
  }, 30_000);
});
