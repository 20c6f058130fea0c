// Takes the dashboard screenshots kept in docs/: npx tsx web/dashboard/screenshot.ts [network] (after npm run build)
// Runs the live server on the demo city (or a generated 1,000-signal grid with `grid1000`) with an accelerated
// engine clock and synthetic detector counts over real sockets, then photographs the page in headless Chromium.
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { serveStaticFiles } from '../../adapters/http/index.js';
import { createGreenwaveServer } from '../../adapters/websocket/index.js';
import { mintToken } from '../../adapters/websocket/index.js';
import { VirtualClockScheduler } from '../../engine/index.js';
import { buildGridNetwork } from '../../network-models/index.js';
import { gridCityNetwork } from '../../network-models/index.js';
import { SyntheticDemand } from '../../network-models/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const big = process.argv[2] === 'grid1000';
const network = big
  ? buildGridNetwork({ name: 'Generated city: 40 x 25 signals', columns: 40, rows: 25, spacingMetres: 200, mainStreetRows: [4, 12, 20], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' })
  : gridCityNetwork();
const secret = 'screenshot-secret-0123456789';
const start = Date.UTC(2026, 10, 23, 7, 0);
const scheduler = new VirtualClockScheduler(start);
const server = createGreenwaveServer({ network, secret, port: 0, scheduler, engine: { optimisationPeriodSeconds: 60 }, httpFallback: serveStaticFiles(join(root, 'dist', 'web')) });
const address = await server.listen();
const connect = async (path: string, role: 'detector' | 'controller' | 'viewer', sub: string) => {
  const ws = new WebSocket(`${address.wsUrl}${path}`, { headers: { authorization: `Bearer ${mintToken(secret, { sub, role, scope: ['*'] })}` } });
  await once(ws, 'open');
  return ws;
};
const controller = await connect('/v1/controllers', 'controller', 'cabinet-north');
controller.send(JSON.stringify({ type: 'hello', intersectionIds: network.intersections.slice(0, Math.ceil(network.intersections.length / 2)).map((x) => x.id) }));
const offline = await connect('/v1/controllers', 'controller', 'cabinet-south');
offline.send(JSON.stringify({ type: 'hello', intersectionIds: network.intersections.slice(Math.ceil(network.intersections.length / 2)).map((x) => x.id) }));
controller.on('message', (data) => {
  const m = JSON.parse(data.toString());
  if (m.type === 'plan') controller.send(JSON.stringify({ type: 'ack', intersectionId: m.plan.intersectionId, version: m.plan.version, status: 'accepted' }));
});
const detectors = await connect('/v1/detectors', 'detector', 'loops');
const demand = new SyntheticDemand(network, { seed: 3, scale: 1.3 });
/** Batches of at most 500 counts, within the server's frame and batch limits. */
const sendBatches = (counts: unknown[], id: string) => {
  for (let i = 0; i < counts.length; i += 500) detectors.send(JSON.stringify({ type: 'batch', id: `${id}-${i}`, counts: counts.slice(i, i + 500) }));
};
const silent = network.detectors[5].id;
for (let minute = 1; minute <= 50; minute++) {
  const end = start + minute * 60_000;
  const counts = demand.countsAt(end, 60).filter((c) => !(c.detectorId === silent && minute > 20));
  sendBatches(counts, `m${minute}`);
  await new Promise((r) => setTimeout(r, big ? 60 : 15));
  scheduler.advanceTo(end);
  if (minute === 40) offline.close();
}
await new Promise((r) => setTimeout(r, 500));

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
const viewer = mintToken(secret, { sub: 'ops', role: 'viewer', scope: ['*'] });
await page.goto(`${address.httpUrl}/?token=${viewer}&intersection=${network.intersections[Math.floor(network.intersections.length / 3)].id}`);
await page.waitForSelector('[data-testid=connection]:has-text("live")');
for (let minute = 51; minute <= 56; minute++) {
  const end = start + minute * 60_000;
  sendBatches(demand.countsAt(end, 60).filter((c) => c.detectorId !== silent), `m${minute}`);
  await new Promise((r) => setTimeout(r, 50));
  scheduler.advanceTo(end);
}
await new Promise((r) => setTimeout(r, 800));
const t0 = performance.now();
await page.screenshot({ path: join(root, 'docs', big ? 'dashboard-1000.png' : 'dashboard.png'), fullPage: true });
process.stdout.write(`screenshot in ${Math.round(performance.now() - t0)} ms\n`);
await browser.close();
for (const ws of [controller, detectors]) ws.close();
await server.close();
